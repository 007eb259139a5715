/**
 * Failover drills on real daemons (Debian packages: patroni, etcd-server, postgresql-15, redis-server,
 * redis-sentinel). Each drill is skipped, with the reason, when its binaries are missing.
 */
import { strict as assert } from "assert";
import { configDrillUnavailable, runConfigDrill, STACKS } from "../drills/configDrill";
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

describe("data-tier drills (real daemons)", function () {
    this.timeout(170000);

    describe("drill 3: rendered configs accepted by the daemons", () => {
        for (const stack of STACKS) {
            it(`${stack}: patroni --validate-config accepts the cluster config; redis-server/sentinel start from every config`, async function () {
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
        skipUnless(this, postgresDrillUnavailable());
        const r = await runPostgresDrill();
        console.log(`      PostgreSQL: RTO ${r.rtoSeconds.toFixed(2)} s, lost ${r.lost}/${r.acknowledged}, ${r.oldLeader} -> ${r.newLeader}, startup ${r.startupSeconds.toFixed(1)} s`);
        assert.notEqual(r.newLeader, r.oldLeader);
        assert.ok(r.acknowledged > 0, "the writer must have written rows");
        assert.equal(r.lost, 0);
        assert.ok(r.rtoSeconds <= TARGETS.postgresRtoSeconds, `RTO ${r.rtoSeconds} s > ${TARGETS.postgresRtoSeconds} s`);
    });

    it(`drill 2: Redis master SIGKILL: Sentinel failover RTO <= ${TARGETS.redisRtoSeconds} s; the restarted master rejoins as a replica`, async function () {
        skipUnless(this, redisDrillUnavailable());
        const r = await runRedisDrill();
        console.log(`      Redis: RTO ${r.rtoSeconds.toFixed(2)} s, lost ${r.lost}/${r.acknowledged}, ${r.oldMaster} -> ${r.newMaster}, restarted as replica: ${r.restartedAsReplica}`);
        assert.notEqual(r.newMaster, r.oldMaster);
        assert.ok(r.acknowledged > 0);
        assert.ok(r.rtoSeconds <= TARGETS.redisRtoSeconds, `RTO ${r.rtoSeconds} s > ${TARGETS.redisRtoSeconds} s`);
        assert.equal(r.restartedAsReplica, true, "a restarted old master must start as a replica of the current master");
    });
});
