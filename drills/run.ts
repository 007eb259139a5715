/**
 * Runs the three data-tier drills on real daemons and prints their figures:
 *   node -r ts-node/register/transpile-only drills/run.ts [postgres|redis|config ...]
 * Knobs (environment): DRILL_PG_TIMING=ttl,loop_wait,retry_timeout (e.g. 30,10,10: the cluster's
 * defaults; default: DRILL_TIMING), DRILL_REDIS_DOWN_AFTER_MS (default: the component's), DRILL_KEEP=1
 * keeps the temp dirs (logs).
 * Exits 0 when every drill that could run met its target, 1 otherwise; a drill whose binaries are
 * missing is reported as skipped with the reason.
 */
import { configDrillUnavailable, runConfigDrill, STACKS } from "./configDrill";
import { PostgresDrillOptions, postgresDrillUnavailable, runPostgresDrill } from "./postgresDrill";
import { redisDrillUnavailable, runRedisDrill } from "./redisDrill";
import { observabilityDrillUnavailable, runObservabilityDrill } from "./observabilityDrill";
import { say } from "./procs";

/**
 * Targets from the issue: DB RTO <= 15 s with 0 acknowledged commits lost; Redis RTO <= 10 s. Redis
 * replicates asynchronously, so its loss is reported and only loosely bounded (a fraction of acknowledged).
 */
export const TARGETS = { postgresRtoSeconds: 15, postgresLost: 0, redisRtoSeconds: 10, redisLostFraction: 0.01 };

/** Drill options from the environment (see the header). */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  postgres: PostgresDrillOptions;
  redis: { downAfterMs?: number };
} {
  const postgres: PostgresDrillOptions = {};
  if (env.DRILL_PG_TIMING) {
    const [ttl, loopWait, retryTimeout] = env.DRILL_PG_TIMING.split(",").map(Number);
    postgres.timing = { ttl, loopWait, retryTimeout };
    // A ttl-long wait for the dead leader's key: give the drill time for it.
    postgres.timeoutSeconds = ttl + loopWait + 30;
  }
  return {
    postgres,
    redis: env.DRILL_REDIS_DOWN_AFTER_MS ? { downAfterMs: Number(env.DRILL_REDIS_DOWN_AFTER_MS) } : {},
  };
}

export async function runAll(which: string[] = ["config", "postgres", "redis", "observability"]): Promise<boolean> {
  const opts = optionsFromEnv();
  let ok = true;
  if (which.includes("config")) {
    const why = configDrillUnavailable();
    if (why) say(`SKIPPED drill 3 (configs): ${why}`);
    else
      for (const s of STACKS) {
        const r = await runConfigDrill(s);
        if (r.problems.length) {
          ok = false;
          say(`FAIL drill 3 ${s}:\n  ${r.problems.join("\n  ")}`);
        }
      }
  }
  // PostgreSQL and Redis run at the same time (own daemons, own ports): together within 3 minutes.
  const pgWhy = which.includes("postgres") ? postgresDrillUnavailable() : "not asked";
  const redisWhy = which.includes("redis") ? redisDrillUnavailable() : "not asked";
  // Redis starts once the PostgreSQL cluster is up: their CPU-heavy starts never overlap the other's
  // timed scenarios (a Redis restart slowed past down-after-milliseconds fails over, by design).
  let pgReady: () => void = () => undefined;
  const pgUp = new Promise<void>((resolve) => (pgReady = resolve));
  const pgRun = pgWhy ? undefined : runPostgresDrill({ ...opts.postgres, onReady: () => pgReady() });
  if (!pgRun) pgReady();
  const redisRun = redisWhy
    ? undefined
    : pgUp.then(() =>
        runRedisDrill({
          ...opts.redis,
          rtoTargetSeconds: TARGETS.redisRtoSeconds,
          lostFraction: TARGETS.redisLostFraction,
        }),
      );
  pgRun?.catch(() => undefined);
  redisRun?.catch(() => undefined);
  if (which.includes("postgres")) {
    const why = pgWhy;
    if (why) say(`SKIPPED drill 1 (PostgreSQL failover): ${why}`);
    else {
      const r = await pgRun!;
      const tuned = !process.env.DRILL_PG_TIMING;
      // The RTO target holds at the tuned timing; the default timing's leader kill costs about ttl + loop_wait.
      const rtoOk = !tuned || r.rtoSeconds <= TARGETS.postgresRtoSeconds;
      for (const s of r.scenarios) ok &&= s.pass && s.lost <= TARGETS.postgresLost;
      ok &&= rtoOk;
      say(
        `drill 1 PostgreSQL (Debian Patroni 3.0.2 + etcd 3.4 standing in for Spilo's Patroni and the Kubernetes DCS; ttl ${r.timing.ttl} / loop_wait ${r.timing.loopWait} / retry_timeout ${r.timing.retryTimeout}, started in ${r.startupSeconds.toFixed(1)} s):`,
      );
      say("| scenario | expected | RTO or write stall (s) | acknowledged | lost | result |");
      for (const s of r.scenarios)
        say(
          `| ${s.name} | ${s.expected} | ${s.rtoSeconds.toFixed(2)} | ${s.acknowledged} | ${s.lost} | ${s.pass ? "PASS" : "FAIL"} |`,
        );
      if (!rtoOk) say(`FAIL leader kill RTO ${r.rtoSeconds.toFixed(2)} s > ${TARGETS.postgresRtoSeconds} s`);
    }
  }
  if (which.includes("redis")) {
    const why = redisWhy;
    if (why) say(`SKIPPED drill 2 (Redis scenarios): ${why}`);
    else {
      const r = await redisRun!;
      for (const s of r.scenarios) ok &&= s.pass;
      say(`drill 2 Redis (down-after ${r.downAfterMs} ms, started in ${r.startupSeconds.toFixed(1)} s):`);
      say("| scenario | expected | RTO (s) | acknowledged | lost | result |");
      for (const s of r.scenarios)
        say(
          `| ${s.name} | ${s.expected} | ${s.rtoSeconds.toFixed(2)} | ${s.acknowledged} | ${s.lost} | ${s.pass ? "PASS" : "FAIL"} |`,
        );
    }
  }
  if (which.includes("observability")) {
    const why = observabilityDrillUnavailable();
    if (why) say(`SKIPPED drill 4 (observability): ${why}`);
    else {
      const r = await runObservabilityDrill();
      const fired = (a: string) => r.timings.find((t) => t.alert === a && t.resolvedAfter !== undefined);
      const pass = r.healthyFiring.length === 0 && !!fired("PatroniNoLeader") && !!fired("RedisNoMaster");
      ok &&= pass;
      say(
        `${pass ? "PASS" : "FAIL"} drill 4 observability (${r.totalSeconds.toFixed(1)} s; healthy firing: ${r.healthyFiring.join(", ") || "nothing"}):`,
      );
      say("| alert | fired after (s) | resolved after (s) |");
      for (const t of r.timings)
        say(`| ${t.alert} | ${t.firedAfter.toFixed(1)} | ${t.resolvedAfter?.toFixed(1) ?? "still firing"} |`);
    }
  }
  return ok;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  // A hard ceiling above the drills' own budgets: they stop by themselves even if something hangs
  // (the Sandbox exit hooks kill every daemon on process.exit).
  const ceiling = Number(process.env.DRILL_CEILING_SECONDS ?? 420);
  const guard = setTimeout(() => {
    say(`drills exceeded ${ceiling} s: aborting`);
    process.exit(2);
  }, ceiling * 1000);
  runAll(args.length ? args : undefined).then(
    (ok) => {
      clearTimeout(guard);
      process.exit(ok ? 0 : 1);
    },
    (e) => {
      say(`drill error: ${e instanceof Error ? e.stack : e}`);
      process.exit(1);
    },
  );
}
