/**
 * Drill 4 (drills/observabilityDrill.ts): real Prometheus with the rendered rules and the monitors' scrape
 * config against real exporters and Patroni's /metrics. Needs the Debian packages prometheus,
 * prometheus-postgres-exporter, prometheus-redis-exporter besides the data-tier drills' ones; skipped, saying
 * why, without them.
 */
import { strict as assert } from "assert";
import {
  EXPORTER_METRICS_USED,
  observabilityDrillUnavailable,
  runObservabilityDrill,
} from "../drills/observabilityDrill";
import { POSTGRES_EXPORTER_CONNECTIONS } from "../components/postgres/renderPostgresExporter";

/** The issue's bound for the whole drill on 2 cores. */
export const OBSERVABILITY_DRILL_SECONDS = 90;

describe("drill 4: observability on real daemons (Prometheus, exporters, Patroni /metrics)", function () {
  it("healthy fires nothing; killing the Patroni leader and the Redis master fires PatroniNoLeader and RedisNoMaster, which resolve after failover", async function () {
    this.timeout((OBSERVABILITY_DRILL_SECONDS + 10) * 1000); // the drill's own budget is 85 s
    const why = observabilityDrillUnavailable();
    if (why) {
      console.log(`      drill skipped: ${why}`);
      this.skip();
    }
    const r = await runObservabilityDrill();
    for (const t of r.timings)
      console.log(
        `      ${t.alert}: fired after ${t.firedAfter.toFixed(1)} s, ${t.resolvedAfter !== undefined ? `resolved after ${t.resolvedAfter.toFixed(1)} s` : "still firing (its daemon stays down)"}`,
      );
    console.log(`      startup ${r.startupSeconds.toFixed(1)} s, whole drill ${r.totalSeconds.toFixed(1)} s`);
    assert.deepEqual(r.jobs, [
      "harbor-ha-patroni",
      "harbor-ha-postgres-exporter",
      "harbor-ha-redis",
      "harbor-ha-sentinel",
    ]);
    // The exporters log in as their own role: not superuser, a pg_monitor member, limited to the budgeted connections.
    console.log(`      exporter role ${r.exporterRole.name}: ${JSON.stringify(r.exporterRole.series)}`);
    assert.equal(r.exporterRole.superuserPgMonitorConnLimit, `f|t|${POSTGRES_EXPORTER_CONNECTIONS}`);
    for (const m of EXPORTER_METRICS_USED) assert.ok(r.exporterRole.series[m] > 0, `${m} exposed as the role`);
    assert.equal(r.exporterRole.series.pg_up, 3, "every member's exporter up as the role");
    assert.ok(r.healthyWatchedSeconds >= 5);
    assert.deepEqual(r.healthyFiring, [], "a healthy cluster fires nothing");
    const t = (a: string) => r.timings.find((x) => x.alert === a);
    for (const a of ["PatroniNoLeader", "RedisNoMaster"]) {
      assert.ok(t(a), `${a} fired`);
      assert.ok(
        t(a)!.resolvedAfter !== undefined && t(a)!.resolvedAfter! > t(a)!.firedAfter,
        `${a} resolved after it fired`,
      );
    }
    // The dead Redis node stays down: its own alert keeps firing (alerts follow the state, not the failover).
    assert.ok(t("RedisDown") && t("RedisDown")!.resolvedAfter === undefined);
    assert.ok(r.totalSeconds < OBSERVABILITY_DRILL_SECONDS, `drill took ${r.totalSeconds} s`);
  });
});
