/**
 * Runs the three data-tier drills on real daemons and prints their figures:
 *   node -r ts-node/register/transpile-only drills/run.ts [postgres|redis|config ...]
 * Exits 0 when every drill that could run met its target, 1 otherwise; a drill whose binaries are
 * missing is reported as skipped with the reason.
 */
import { configDrillUnavailable, runConfigDrill, STACKS } from "./configDrill";
import { postgresDrillUnavailable, runPostgresDrill } from "./postgresDrill";
import { redisDrillUnavailable, runRedisDrill } from "./redisDrill";
import { say } from "./procs";

/** Targets from the issue: DB RTO <= 15 s with 0 acknowledged commits lost; Redis RTO <= 10 s. */
export const TARGETS = { postgresRtoSeconds: 15, postgresLost: 0, redisRtoSeconds: 10 };

export async function runAll(which: string[] = ["config", "postgres", "redis"]): Promise<boolean> {
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
    if (which.includes("postgres")) {
        const why = postgresDrillUnavailable();
        if (why) say(`SKIPPED drill 1 (PostgreSQL failover): ${why}`);
        else {
            const r = await runPostgresDrill();
            const pass = r.rtoSeconds <= TARGETS.postgresRtoSeconds && r.lost <= TARGETS.postgresLost;
            ok &&= pass;
            say(`${pass ? "PASS" : "FAIL"} drill 1 PostgreSQL: RTO ${r.rtoSeconds.toFixed(2)} s (target <= ${TARGETS.postgresRtoSeconds}), lost ${r.lost} of ${r.acknowledged} acknowledged rows, leader ${r.oldLeader} -> ${r.newLeader}`);
        }
    }
    if (which.includes("redis")) {
        const why = redisDrillUnavailable();
        if (why) say(`SKIPPED drill 2 (Redis failover): ${why}`);
        else {
            const r = await runRedisDrill();
            const pass = r.rtoSeconds <= TARGETS.redisRtoSeconds && r.restartedAsReplica;
            ok &&= pass;
            say(`${pass ? "PASS" : "FAIL"} drill 2 Redis: RTO ${r.rtoSeconds.toFixed(2)} s (target <= ${TARGETS.redisRtoSeconds}), lost ${r.lost} of ${r.acknowledged} acknowledged keys, master ${r.oldMaster} -> ${r.newMaster}, old master restarted as replica: ${r.restartedAsReplica}`);
        }
    }
    return ok;
}

if (require.main === module) {
    const args = process.argv.slice(2);
    // A hard ceiling: the drills stop by themselves even if a daemon hangs (Sandbox exit hooks clean up).
    const guard = setTimeout(() => {
        say("drills exceeded 240 s: aborting");
        process.exit(2);
    }, 240000);
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
