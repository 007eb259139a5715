/**
 * Failover drills on real daemons (Debian packages: patroni, etcd-server, postgresql-15, redis-server,
 * redis-sentinel). Each drill is skipped, with the reason, when its binaries are missing. Every drill
 * has its own time budget (its daemons are killed when it runs out), below the mocha timeout. The
 * PostgreSQL scenarios (tuned timing) and the Redis scenarios run at the same time, on their own
 * daemons and ports, so that the file stays within 3 minutes on 2 cores; the cluster's default timing
 * (ttl 30 / loop_wait 10 / retry_timeout 10) is run by `DRILL_PG_TIMING=30,10,10 npm run drills -- postgres`
 * (about 5 minutes, figures in README).
 */
import { strict as assert } from "assert";
import { existsSync, readFileSync } from "fs";
import { configDrillUnavailable, runConfigDrill, STACKS } from "../drills/configDrill";
import { Abort, Sandbox } from "../drills/procs";
import { PG_SCENARIOS, postgresDrillUnavailable, runPostgresDrill } from "../drills/postgresDrill";
import { redisDrillUnavailable, runRedisDrill } from "../drills/redisDrill";
import { TARGETS } from "../drills/run";

function skipUnless(ctx: Mocha.Context, why: string | undefined): void {
  if (why) {
    // Mocha prints skipped tests as pending; say why on the console as well.
    console.log(`      drill skipped: ${why}`);
    ctx.skip();
  }
}

/** Running (a zombie awaiting its reaper counts as dead: it was killed). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("data-tier drills (real daemons)", function () {
  describe("drill sandbox", () => {
    it("a drill whose budget runs out kills its daemons (process group included), stops waiting, then removes its dir", async function () {
      this.timeout(10000);
      const box = new Sandbox("selftest");
      // A daemon with a child in its process group, as postgres has its backends.
      const d = box.start("sleeper", "/bin/sh", ["-c", "sleep 60 & echo $! > child.pid; wait"]);
      box.budget(1);
      const started = Date.now();
      await assert.rejects(
        box.waitFor("something that never happens", async () => false, 30000, 50),
        (e: Error) => e instanceof Abort && /budget ran out/.test(e.message),
      );
      assert.ok(Date.now() - started < 3000, "the budget, not the 30 s timeout, ended the wait");
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(alive(d.pid), false, "daemon killed");
      const child = Number(readFileSync(`${box.dir}/child.pid`, "utf8"));
      assert.equal(alive(child), false, "its process group killed");
      assert.throws(() => box.start("late", "/bin/true", []), Abort, "nothing starts after the budget ran out");
      await box.stopAll();
      assert.equal(existsSync(box.dir), false);
    });
  });

  describe("drill 3: rendered configs accepted by the daemons", () => {
    for (const stack of STACKS) {
      it(`${stack}: patroni --validate-config accepts the cluster config; redis-server/sentinel start from every config`, async function () {
        this.timeout(20000);
        skipUnless(this, configDrillUnavailable());
        const r = await runConfigDrill(stack);
        assert.deepEqual(r.problems, []);
        assert.equal(r.patroniValid, true, r.patroniOutput);
        assert.equal(r.loopbackRefused, true, "the validator must refuse loopback connect addresses (control)");
        assert.ok(r.redisStarted >= 1 && r.sentinelsStarted >= 1);
      });
    }
  });

  // Started together (see the header); each test awaits its own drill.
  let pgRun: ReturnType<typeof runPostgresDrill> | undefined;
  let redisRun: ReturnType<typeof runRedisDrill> | undefined;
  before(() => {
    // Redis starts once the PostgreSQL cluster is up, so neither CPU-heavy start overlaps the other's
    // timed scenarios (a Redis restart slowed past down-after-milliseconds fails over, by design).
    let pgReady: () => void = () => undefined;
    const pgUp = new Promise<void>((resolve) => (pgReady = resolve));
    if (!postgresDrillUnavailable()) pgRun = runPostgresDrill({ label: "tuned", onReady: () => pgReady() });
    else pgReady();
    if (!redisDrillUnavailable())
      redisRun = pgUp.then(() =>
        runRedisDrill({ rtoTargetSeconds: TARGETS.redisRtoSeconds, lostFraction: TARGETS.redisLostFraction }),
      );
    // Awaited by the tests; a rejection is reported there, not as an unhandled one.
    pgRun?.catch(() => undefined);
    redisRun?.catch(() => undefined);
  });

  it(`drill 1: PostgreSQL (effective config, Debian Patroni + etcd standing in for Spilo and the Kubernetes DCS): DCS outage with failsafe_mode, replica, sync standby, leader (RTO <= ${TARGETS.postgresRtoSeconds} s), leader + sync standby; 0 acknowledged commits lost`, async function () {
    this.timeout(260000); // the drill's own budget is 150 + 6 x ttl = 210 s
    skipUnless(this, postgresDrillUnavailable());
    const r = await pgRun!;
    for (const s of r.scenarios)
      console.log(
        `      PostgreSQL ${s.name}: ${s.rtoSeconds.toFixed(2)} s, lost ${s.lost}/${s.acknowledged}: ${s.detail}`,
      );
    assert.deepEqual(
      r.scenarios.map((s) => s.name),
      [...PG_SCENARIOS],
    );
    assert.deepEqual(r.timing, { ttl: 10, loopWait: 2, retryTimeout: 4 }, "the tuned timing (DRILL_TIMING)");
    // Each scenario checked its own expectation (stated in s.expected); none may fail or lose a commit.
    assert.deepEqual(
      r.scenarios.filter((s) => !s.pass).map((s) => `${s.name}: ${s.detail}`),
      [],
    );
    assert.deepEqual(
      r.scenarios.map((s) => s.lost),
      r.scenarios.map(() => 0),
    );
    assert.ok(
      r.scenarios.every((s) => s.acknowledged > 0),
      "the writer must have written rows",
    );
    assert.notEqual(r.newLeader, r.oldLeader);
    assert.ok(r.rtoSeconds <= TARGETS.postgresRtoSeconds, `RTO ${r.rtoSeconds} s > ${TARGETS.postgresRtoSeconds} s`);
  });

  it(`drill 2: Redis, five scenarios on one set: master kill, sentinels wiped, full restart, sentinel minority, two nodes down`, async function () {
    this.timeout(260000); // the drill's own budget is 120 s, after the PostgreSQL drill's start
    skipUnless(this, redisDrillUnavailable());
    const r = await redisRun!;
    for (const s of r.scenarios)
      console.log(
        `      Redis ${s.name}: RTO ${s.rtoSeconds.toFixed(2)} s, lost ${s.lost}/${s.acknowledged}: ${s.detail}`,
      );
    assert.deepEqual(
      r.scenarios.map((s) => s.name),
      [
        "master SIGKILL",
        "all sentinels replaced, state wiped",
        "full restart after a failover",
        "sentinel minority lost, then master SIGKILL",
        "two of three Redis nodes down (master + replica)",
      ],
    );
    assert.ok(r.scenarios.every((s) => s.acknowledged > 0));
    // Each scenario checked its own expectation (stated in s.expected); none may fail.
    assert.deepEqual(
      r.scenarios.filter((s) => !s.pass).map((s) => `${s.name}: ${s.detail}`),
      [],
    );
    // No acknowledged key may be lost where nothing was hard-killed.
    assert.equal(r.scenarios[1].lost, 0);
    assert.equal(r.scenarios[2].lost, 0);
  });
});
