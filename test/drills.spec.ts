/**
 * Failover drills on real daemons (Debian packages: patroni, etcd-server, postgresql-15, redis-server,
 * redis-sentinel). Each drill is skipped, with the reason, when its binaries are missing. Every drill
 * has its own time budget (its daemons are killed when it runs out), below the mocha timeout, so the
 * whole file stops by itself in well under 3 minutes (about 45 s when all goes well).
 */
import { strict as assert } from "assert";
import { existsSync, readFileSync } from "fs";
import { configDrillUnavailable, runConfigDrill, STACKS } from "../drills/configDrill";
import { Abort, Sandbox } from "../drills/procs";
import { postgresDrillUnavailable, runPostgresDrill } from "../drills/postgresDrill";
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

  it(`drill 1: PostgreSQL leader SIGKILL: RTO <= ${TARGETS.postgresRtoSeconds} s, 0 acknowledged commits lost (synchronous_mode)`, async function () {
    this.timeout(80000); // the drill's own budget is 70 s
    skipUnless(this, postgresDrillUnavailable());
    const r = await runPostgresDrill();
    console.log(
      `      PostgreSQL: RTO ${r.rtoSeconds.toFixed(2)} s, lost ${r.lost}/${r.acknowledged}, ${r.oldLeader} -> ${r.newLeader}, startup ${r.startupSeconds.toFixed(1)} s`,
    );
    assert.notEqual(r.newLeader, r.oldLeader);
    assert.ok(r.acknowledged > 0, "the writer must have written rows");
    assert.equal(r.lost, 0);
    assert.ok(r.rtoSeconds <= TARGETS.postgresRtoSeconds, `RTO ${r.rtoSeconds} s > ${TARGETS.postgresRtoSeconds} s`);
  });

  it(`drill 2: Redis, five scenarios on one set: master kill, sentinels wiped, full restart, sentinel minority, two nodes down`, async function () {
    this.timeout(130000); // the drill's own budget is 120 s
    skipUnless(this, redisDrillUnavailable());
    const r = await runRedisDrill({
      rtoTargetSeconds: TARGETS.redisRtoSeconds,
      lostFraction: TARGETS.redisLostFraction,
    });
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
