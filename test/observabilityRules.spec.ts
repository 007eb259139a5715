/**
 * The rendered alert rules on Prometheus' own tools (Debian package `prometheus`): `promtool check rules`
 * accepts the rule file, and `promtool test rules` shows every alert firing on a failure's series and staying
 * quiet on a healthy one. Skipped, saying why, when promtool is not installed.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import {
  ALERT_NAMES,
  AlertOverrides,
  METRICS_JOBS,
  ObservedDeployment,
  PLATFORM_LABEL,
  renderAlertGroups,
} from "../components/observability";
import { redisMaxmemoryMb } from "../components/redis/renderRedisConfig";
import { backupAgeLimits } from "../components/postgres/backupFacts";

const PROMTOOL = "/usr/bin/promtool";

/** Spilo's default schedule (daily at 01:00): the limits the check and the alert use. */
const LIMITS = backupAgeLimits("0 1 * * *")!;
const BACKUP_CHECK = {
  cronJob: "harbor-db-backup-age",
  maxAgeSeconds: LIMITS.maxAgeSeconds,
  alertAfterSeconds: LIMITS.alertAfterSeconds,
  neverSucceededAfterSeconds: LIMITS.neverSucceededAfterSeconds,
};

const D: ObservedDeployment = {
  namespace: "harbor",
  platform: "harbor",
  harbor: true,
  postgres: {
    members: 3,
    synchronousMode: true,
    maxConnections: 700,
    maximumLagOnFailoverBytes: 1048576,
    statefulSet: "harbor-db",
    backups: true,
    backupAgeCheck: BACKUP_CHECK,
  },
  redis: { masterSet: "harbor", sentinels: 3, quorum: 2, maxmemoryBytes: redisMaxmemoryMb(2) * 1024 * 1024 },
  certificates: true,
};

type Labels = Record<string, string>;
const ns = { namespace: "harbor" };
const series = (name: string, labels: Labels, values: string) => ({
  series: `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(", ")}}`,
  values,
});
/** A series as our monitors label it: job, namespace and the platform's name (D's unless `platform`). */
const job = (j: keyof typeof METRICS_JOBS, extra: Labels = {}, platform = D.platform) => ({
  job: METRICS_JOBS[j],
  ...ns,
  [PLATFORM_LABEL]: platform,
  ...extra,
});

interface Case {
  /** Minutes after the start at which the alert is evaluated. */
  at: number;
  fire: ReturnType<typeof series>[];
  quiet: ReturnType<typeof series>[];
  /** Labels the firing alert carries (besides the rule's severity and tier). */
  labels: Labels;
}

const maxmem = Math.floor(0.9 * redisMaxmemoryMb(2) * 1048576);

/** A failure's series and a healthy one, per alert. */
const CASES: Record<string, Case> = {
  HarborCoreDown: {
    at: 10,
    fire: [series("harbor_up", job("harbor", { component: "core" }), "0x20")],
    quiet: [series("harbor_up", job("harbor", { component: "core" }), "1x20")],
    labels: ns,
  },
  HarborJobQueueBacklog: {
    at: 30,
    fire: [series("harbor_task_queue_latency", job("harbor", { type: "REPLICATION" }), "4000x40")],
    quiet: [series("harbor_task_queue_latency", job("harbor", { type: "REPLICATION" }), "100x40")],
    labels: { ...ns, type: "REPLICATION" },
  },
  HarborRegistryStorageErrors: {
    at: 20,
    fire: [
      series("registry_http_requests_total", job("harbor", { code: "500" }), "0+10x40"),
      series("registry_http_requests_total", job("harbor", { code: "200" }), "0+90x40"),
    ],
    quiet: [
      series("registry_http_requests_total", job("harbor", { code: "500" }), "0+1x40"),
      series("registry_http_requests_total", job("harbor", { code: "200" }), "0+99x40"),
    ],
    labels: ns,
  },
  HarborReplicationFailures: {
    at: 5,
    fire: [
      series("harbor_jobservice_task_total", job("harbor", { type: "REPLICATION", status: "Error" }), "0 0 0 1 1 1 1"),
    ],
    quiet: [
      series("harbor_jobservice_task_total", job("harbor", { type: "REPLICATION", status: "Error" }), "0x6"),
      series("harbor_jobservice_task_total", job("harbor", { type: "REPLICATION", status: "Success" }), "0+1x6"),
    ],
    labels: ns,
  },
  HarborGcFailures: {
    at: 5,
    fire: [
      series(
        "harbor_jobservice_task_total",
        job("harbor", { type: "GARBAGE_COLLECTION", status: "Error" }),
        "0 0 0 1 1 1 1",
      ),
    ],
    quiet: [
      series("harbor_jobservice_task_total", job("harbor", { type: "GARBAGE_COLLECTION", status: "Success" }), "0+1x6"),
    ],
    labels: ns,
  },
  HarborScanFailures: {
    at: 10,
    fire: [series("harbor_jobservice_task_total", job("harbor", { type: "IMAGE_SCAN", status: "Error" }), "0+5x12")],
    quiet: [series("harbor_jobservice_task_total", job("harbor", { type: "IMAGE_SCAN", status: "Error" }), "0x12")],
    labels: ns,
  },
  HarborCoreLatencyHigh: {
    at: 15,
    fire: [
      series(
        "harbor_core_http_request_duration_seconds",
        job("harbor", { quantile: "0.99", operation: "GetProject" }),
        "8x20",
      ),
    ],
    quiet: [
      series(
        "harbor_core_http_request_duration_seconds",
        job("harbor", { quantile: "0.99", operation: "GetProject" }),
        "1x20",
      ),
    ],
    labels: { ...ns, operation: "GetProject" },
  },
  PatroniNoLeader: {
    at: 5,
    fire: [
      series("patroni_primary", job("patroni", { pod: "harbor-db-1" }), "0x10"),
      series("patroni_primary", job("patroni", { pod: "harbor-db-2" }), "0x10"),
    ],
    quiet: [
      series("patroni_primary", job("patroni", { pod: "harbor-db-1" }), "1x10"),
      series("patroni_primary", job("patroni", { pod: "harbor-db-2" }), "0x10"),
    ],
    labels: ns,
  },
  PatroniNoSyncStandby: {
    at: 5,
    fire: [
      series("patroni_sync_standby", job("patroni", { pod: "harbor-db-1" }), "0x10"),
      series("patroni_sync_standby", job("patroni", { pod: "harbor-db-2" }), "0x10"),
    ],
    quiet: [
      series("patroni_sync_standby", job("patroni", { pod: "harbor-db-1" }), "0x10"),
      series("patroni_sync_standby", job("patroni", { pod: "harbor-db-2" }), "1x10"),
    ],
    labels: ns,
  },
  PostgresReplicationLag: {
    at: 10,
    fire: [
      series("patroni_xlog_location", job("patroni", { pod: "harbor-db-0" }), "100000000x20"),
      series("patroni_primary", job("patroni", { pod: "harbor-db-0" }), "1x20"),
      series("patroni_xlog_received_location", job("patroni", { pod: "harbor-db-0" }), "0x20"),
      series("patroni_replica", job("patroni", { pod: "harbor-db-0" }), "0x20"),
      series("patroni_xlog_location", job("patroni", { pod: "harbor-db-1" }), "0x20"),
      series("patroni_primary", job("patroni", { pod: "harbor-db-1" }), "0x20"),
      series("patroni_xlog_received_location", job("patroni", { pod: "harbor-db-1" }), "1000x20"),
      series("patroni_replica", job("patroni", { pod: "harbor-db-1" }), "1x20"),
    ],
    // What Patroni exports on a healthy cluster: every metric on every member, 0 where it does not apply (the
    // observability drill caught the first version of this rule reading the primary's received_location 0 as lag).
    quiet: [
      series("patroni_xlog_location", job("patroni", { pod: "harbor-db-0" }), "100000000x20"),
      series("patroni_primary", job("patroni", { pod: "harbor-db-0" }), "1x20"),
      series("patroni_xlog_received_location", job("patroni", { pod: "harbor-db-0" }), "0x20"),
      series("patroni_replica", job("patroni", { pod: "harbor-db-0" }), "0x20"),
      series("patroni_xlog_location", job("patroni", { pod: "harbor-db-1" }), "0x20"),
      series("patroni_primary", job("patroni", { pod: "harbor-db-1" }), "0x20"),
      series("patroni_xlog_received_location", job("patroni", { pod: "harbor-db-1" }), "99999000x20"),
      series("patroni_replica", job("patroni", { pod: "harbor-db-1" }), "1x20"),
    ],
    labels: { ...job("patroni", { pod: "harbor-db-1" }) },
  },
  PostgresConnectionsHigh: {
    at: 10,
    fire: [series("pg_stat_activity_count", job("postgres", { instance: "m0", state: "idle" }), "600x20")],
    quiet: [series("pg_stat_activity_count", job("postgres", { instance: "m0", state: "idle" }), "500x20")],
    labels: { ...ns, instance: "m0" },
  },
  PostgresExporterDown: {
    at: 10,
    fire: [series("pg_up", job("postgres", { instance: "m0" }), "0x20")],
    quiet: [series("pg_up", job("postgres", { instance: "m0" }), "1x20")],
    labels: job("postgres", { instance: "m0" }),
  },
  PostgresWalArchivingFailing: {
    at: 10,
    fire: [series("pg_stat_archiver_failed_count", job("postgres", { instance: "m0" }), "0+1x20")],
    quiet: [series("pg_stat_archiver_failed_count", job("postgres", { instance: "m0" }), "5x20")],
    labels: { ...ns, instance: "m0" },
  },
  PostgresBaseBackupTooOld: {
    // The check succeeded at 0 and never since; alertAfterSeconds later it is an alert.
    at: LIMITS.alertAfterSeconds / 60 + 5,
    fire: [
      series("kube_cronjob_created", { ...ns, cronjob: BACKUP_CHECK.cronJob }, "0x200"),
      series("kube_cronjob_status_last_successful_time", { ...ns, cronjob: BACKUP_CHECK.cronJob }, "0x200"),
    ],
    quiet: [
      // Hourly successes (the last one at most an hour ago); another CronJob's silence is not ours.
      series("kube_cronjob_created", { ...ns, cronjob: BACKUP_CHECK.cronJob }, "0x200"),
      series(
        "kube_cronjob_status_last_successful_time",
        { ...ns, cronjob: BACKUP_CHECK.cronJob },
        "0x59 3600x59 7200x59 10800x22",
      ),
      series("kube_cronjob_status_last_successful_time", { ...ns, cronjob: "other" }, "0x200"),
    ],
    labels: { ...ns, cronjob: BACKUP_CHECK.cronJob },
  },
  PostgresBackupAgeUnobservable: {
    at: 35,
    // kube-state-metrics not scraped: the check's last success and its creation are both absent.
    fire: [series("kube_cronjob_created", { ...ns, cronjob: "other" }, "0x40")],
    quiet: [series("kube_cronjob_created", { ...ns, cronjob: BACKUP_CHECK.cronJob }, "0x40")],
    labels: { ...ns, cronjob: BACKUP_CHECK.cronJob },
  },
  PostgresDiskFilling: {
    at: 20,
    fire: [
      series("kubelet_volume_stats_used_bytes", { ...ns, persistentvolumeclaim: "pgdata-harbor-db-0" }, "90x30"),
      series("kubelet_volume_stats_capacity_bytes", { ...ns, persistentvolumeclaim: "pgdata-harbor-db-0" }, "100x30"),
    ],
    quiet: [
      series("kubelet_volume_stats_used_bytes", { ...ns, persistentvolumeclaim: "pgdata-harbor-db-0" }, "50x30"),
      series("kubelet_volume_stats_capacity_bytes", { ...ns, persistentvolumeclaim: "pgdata-harbor-db-0" }, "100x30"),
      // Another volume of the namespace, full: not the database's.
      series("kubelet_volume_stats_used_bytes", { ...ns, persistentvolumeclaim: "data-harbor-redis-0" }, "99x30"),
      series("kubelet_volume_stats_capacity_bytes", { ...ns, persistentvolumeclaim: "data-harbor-redis-0" }, "100x30"),
    ],
    labels: { ...ns, persistentvolumeclaim: "pgdata-harbor-db-0" },
  },
  RedisNoMaster: {
    at: 5,
    fire: [
      series("redis_up", job("redis", { instance: "r1" }), "1x10"),
      series("redis_instance_info", job("redis", { instance: "r1", role: "slave" }), "1x10"),
    ],
    quiet: [
      series("redis_up", job("redis", { instance: "r1" }), "1x10"),
      series("redis_instance_info", job("redis", { instance: "r1", role: "slave" }), "1x10"),
      series("redis_instance_info", job("redis", { instance: "r0", role: "master" }), "1x10"),
    ],
    labels: ns,
  },
  RedisDown: {
    at: 5,
    fire: [series("redis_up", job("redis", { instance: "r0" }), "0x10")],
    quiet: [series("redis_up", job("redis", { instance: "r0" }), "1x10")],
    labels: job("redis", { instance: "r0" }),
  },
  RedisSentinelQuorumLost: {
    at: 5,
    fire: [
      series("redis_sentinel_master_ok_sentinels", job("sentinel", { instance: "s0", master_name: "harbor" }), "1x10"),
    ],
    quiet: [
      series("redis_sentinel_master_ok_sentinels", job("sentinel", { instance: "s0", master_name: "harbor" }), "2x10"),
      // Another master set's sentinels are not ours.
      series("redis_sentinel_master_ok_sentinels", job("sentinel", { instance: "s0", master_name: "other" }), "1x10"),
    ],
    labels: ns,
  },
  RedisMemoryNearMaxmemory: {
    at: 15,
    fire: [series("redis_memory_used_bytes", job("redis", { instance: "r0" }), `${maxmem + 1}x20`)],
    quiet: [series("redis_memory_used_bytes", job("redis", { instance: "r0" }), `${maxmem - 1}x20`)],
    labels: job("redis", { instance: "r0" }),
  },
  RedisRejectedWrites: {
    at: 5,
    fire: [series("redis_errorstat_total", job("redis", { instance: "r0", err: "NOREPLICAS" }), "0+1x10")],
    quiet: [
      series("redis_errorstat_total", job("redis", { instance: "r0", err: "NOREPLICAS" }), "3x10"),
      series("redis_errorstat_total", job("redis", { instance: "r0", err: "WRONGTYPE" }), "0+1x10"),
    ],
    labels: { ...ns, instance: "r0", err: "NOREPLICAS" },
  },
  CertificateExpiringSoon: {
    at: 120,
    // promtool's clock starts at 0: 5 days vs. 30 days from then.
    fire: [series("certmanager_certificate_expiration_timestamp_seconds", { ...ns, name: "harbor-tls" }, "432000x130")],
    quiet: [
      series("certmanager_certificate_expiration_timestamp_seconds", { ...ns, name: "harbor-tls" }, "2592000x130"),
    ],
    labels: { ...ns, name: "harbor-tls" },
  },
  CertificateNotReady: {
    at: 15,
    fire: [series("certmanager_certificate_ready_status", { ...ns, name: "harbor-tls", condition: "False" }, "1x20")],
    quiet: [
      series("certmanager_certificate_ready_status", { ...ns, name: "harbor-tls", condition: "False" }, "0x20"),
      series("certmanager_certificate_ready_status", { ...ns, name: "harbor-tls", condition: "True" }, "1x20"),
    ],
    labels: { ...ns, name: "harbor-tls" },
  },
};

/** The promtool unit-test file for `rulesFile` (every alert: one failure that fires, one healthy set that does not). */
export function promtoolTests(rulesFile: string, overrides: AlertOverrides = {}) {
  const rules = renderAlertGroups(D, overrides).flatMap((g) => g.rules);
  const tests = rules.flatMap((r) => {
    const c = CASES[r.alert];
    const evalTime = `${c.at}m`;
    return [
      {
        name: `${r.alert} fires`,
        interval: "1m",
        input_series: c.fire,
        alert_rule_test: [
          {
            eval_time: evalTime,
            alertname: r.alert,
            exp_alerts: [{ exp_labels: { ...c.labels, ...r.labels }, exp_annotations: r.annotations }],
          },
        ],
      },
      {
        name: `${r.alert} stays quiet`,
        interval: "1m",
        input_series: c.quiet,
        alert_rule_test: [{ eval_time: evalTime, alertname: r.alert, exp_alerts: [] }],
      },
    ];
  });
  return { rule_files: [rulesFile], evaluation_interval: "1m", tests };
}

const missing = !fs.existsSync(PROMTOOL);

describe("observability: alert rules on promtool (Debian package prometheus)", function () {
  this.timeout(60_000);
  let dir: string;
  before(function () {
    if (missing) {
      console.log(`      promtool tests skipped: ${PROMTOOL} missing (apt-get install -y prometheus)`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-rules-"));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, doc: object) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, stringify(doc));
    return f;
  };
  const promtool = (...args: string[]) => spawnSync(PROMTOOL, args, { encoding: "utf8", cwd: dir });

  it("every alert of the catalog has a firing and a quiet case", () => {
    assert.deepEqual(Object.keys(CASES).sort(), [...ALERT_NAMES].sort());
  });

  it("promtool check rules accepts every rendered rule file (full deployment, and one without Redis/backups)", () => {
    for (const [name, d] of [
      ["full.yaml", D],
      [
        "partial.yaml",
        { ...D, redis: undefined, postgres: { ...D.postgres!, backups: false, synchronousMode: false } },
      ],
    ] as const) {
      const r = promtool("check", "rules", write(name, { groups: renderAlertGroups(d) }));
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /SUCCESS: \d+ rules found/);
    }
  });

  it("promtool test rules: each alert fires on its failure and stays quiet when healthy", () => {
    write("rules.yaml", { groups: renderAlertGroups(D) });
    const tests = promtoolTests("rules.yaml");
    assert.equal(tests.tests.length, 2 * ALERT_NAMES.length);
    const r = promtool("test", "rules", write("tests.yaml", tests));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });

  it("PostgresBaseBackupTooOld fires when the check's last success is older than the limit, not before", () => {
    // Hourly backups (the daily default's never-succeeded limit, 54 h, makes promtool evaluate for half a minute).
    const limits = backupAgeLimits("0 * * * *")!;
    const hourly: ObservedDeployment = {
      ...D,
      postgres: { ...D.postgres!, backupAgeCheck: { ...BACKUP_CHECK, ...limits } },
    };
    write("hourly.yaml", { groups: renderAlertGroups(hourly) });
    const sel = { ...ns, cronjob: BACKUP_CHECK.cronJob };
    const after = limits.alertAfterSeconds / 60;
    const never = limits.neverSucceededAfterSeconds / 60;
    assert.ok(Number.isInteger(after) && Number.isInteger(never), "limits are whole minutes");
    const rule = renderAlertGroups(hourly)
      .flatMap((g) => g.rules)
      .find((r) => r.alert === "PostgresBaseBackupTooOld")!;
    const exp = [{ exp_labels: { ...sel, ...rule.labels }, exp_annotations: rule.annotations }];
    const at = (m: number, firing: boolean) => ({
      eval_time: `${m}m`,
      alertname: rule.alert,
      exp_alerts: firing ? exp : [],
    });
    const tests = {
      rule_files: ["hourly.yaml"],
      evaluation_interval: "1m",
      tests: [
        {
          name: "last success at 0: quiet until alertAfterSeconds, firing after",
          interval: "1m",
          input_series: [
            series("kube_cronjob_created", sel, `0x${after + 10}`),
            series("kube_cronjob_status_last_successful_time", sel, `0x${after + 10}`),
          ],
          alert_rule_test: [at(after - 1, false), at(after, false), at(after + 1, true)],
        },
        {
          name: "never succeeded: quiet until neverSucceededAfterSeconds after creation, firing after",
          interval: "1m",
          input_series: [series("kube_cronjob_created", sel, `0x${never + 10}`)],
          alert_rule_test: [at(after + 1, false), at(never - 1, false), at(never + 1, true)],
        },
      ],
    };
    const r = promtool("test", "rules", write("backup-age-tests.yaml", tests));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    // Control: the same expectations one limit earlier fail.
    const early = structuredClone(tests);
    early.tests[0].alert_rule_test = [at(after - 1, true)];
    const c = promtool("test", "rules", write("backup-age-early.yaml", early));
    assert.notEqual(c.status, 0);
  });

  it("PostgresBackupAgeUnobservable fires when kube_cronjob_created of the check is absent for its `for`, not when present", () => {
    write("rules.yaml", { groups: renderAlertGroups(D) });
    const rule = renderAlertGroups(D)
      .flatMap((g) => g.rules)
      .find((r) => r.alert === "PostgresBackupAgeUnobservable")!;
    assert.equal(rule.for, "30m");
    assert.match(rule.annotations.runbook, /kube-state-metrics is not scraped or the CronJob is missing/);
    const mine = { ...ns, cronjob: BACKUP_CHECK.cronJob };
    const at = (m: number, firing: boolean) => ({
      eval_time: `${m}m`,
      alertname: rule.alert,
      exp_alerts: firing ? [{ exp_labels: { ...mine, ...rule.labels }, exp_annotations: rule.annotations }] : [],
    });
    const tests = {
      rule_files: ["rules.yaml"],
      evaluation_interval: "1m",
      tests: [
        {
          name: "no kube-state-metrics: quiet for 30m, then firing",
          interval: "1m",
          input_series: [series("up", { job: "something-else" }, "1x60")],
          alert_rule_test: [at(29, false), at(31, true)],
        },
        {
          name: "the check's CronJob is seen: quiet (another namespace's is not ours)",
          interval: "1m",
          input_series: [
            series("kube_cronjob_created", mine, "0x60"),
            series("kube_cronjob_created", { namespace: "other", cronjob: BACKUP_CHECK.cronJob }, "0x60"),
          ],
          alert_rule_test: [at(31, false), at(59, false)],
        },
        {
          name: "only another namespace's CronJob of the same name: firing",
          interval: "1m",
          input_series: [series("kube_cronjob_created", { namespace: "other", cronjob: BACKUP_CHECK.cronJob }, "0x60")],
          alert_rule_test: [at(31, true)],
        },
      ],
    };
    const r = promtool("test", "rules", write("unobservable-tests.yaml", tests));
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("two platforms in one namespace: each platform's rules read only its own series", () => {
    // Cluster A (D, "harbor") has a Patroni leader and a Redis master; cluster B ("harbor-b"), in the same
    // namespace, has neither. B's alerts fire, A's do not (before the platform label, A's leader hid B's loss).
    const B: ObservedDeployment = { ...D, platform: "harbor-b" };
    write("a.yaml", { groups: renderAlertGroups(D) });
    write("b.yaml", { groups: renderAlertGroups(B) });
    const ruleOf = (d: ObservedDeployment, name: string) =>
      renderAlertGroups(d)
        .flatMap((g) => g.rules)
        .find((r) => r.alert === name)!;
    const only = (name: string, d: ObservedDeployment, labels: Labels) => ({
      eval_time: "5m",
      alertname: name,
      exp_alerts: [
        { exp_labels: { ...labels, ...ruleOf(d, name).labels }, exp_annotations: ruleOf(d, name).annotations },
      ],
    });
    const input = [
      series("patroni_primary", job("patroni", { pod: "harbor-db-0" }), "1x10"),
      series("patroni_primary", job("patroni", { pod: "harbor-db-1" }), "0x10"),
      series("patroni_primary", job("patroni", { pod: "harbor-b-db-0" }, "harbor-b"), "0x10"),
      series("patroni_primary", job("patroni", { pod: "harbor-b-db-1" }, "harbor-b"), "0x10"),
      series("redis_up", job("redis", { instance: "a0" }), "1x10"),
      series("redis_instance_info", job("redis", { instance: "a0", role: "master" }), "1x10"),
      series("redis_up", job("redis", { instance: "b0" }, "harbor-b"), "1x10"),
      series("redis_instance_info", job("redis", { instance: "b0", role: "slave" }, "harbor-b"), "1x10"),
      // One certificate of the namespace, scraped by both platforms' cert-manager monitors: one alert each.
      series("certmanager_certificate_expiration_timestamp_seconds", job("certManager", { name: "c" }), "60x70"),
      series(
        "certmanager_certificate_expiration_timestamp_seconds",
        job("certManager", { name: "c" }, "harbor-b"),
        "60x70",
      ),
    ];
    const tests = (alerts: object[]) => ({
      rule_files: ["a.yaml", "b.yaml"],
      evaluation_interval: "1m",
      tests: [
        {
          name: "A has a leader and a master, B neither",
          interval: "1m",
          input_series: input,
          alert_rule_test: alerts,
        },
      ],
    });
    const cert = { ...only("CertificateExpiringSoon", D, { ...ns, name: "c" }), eval_time: "61m" };
    cert.exp_alerts.push(...only("CertificateExpiringSoon", B, { ...ns, name: "c" }).exp_alerts);
    const expected = [only("PatroniNoLeader", B, ns), only("RedisNoMaster", B, ns), cert];
    const r = promtool("test", "rules", write("two-platforms.yaml", tests(expected)));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    // Control: expecting A's alert too fails (A is healthy), as does expecting none (B is not).
    const bothFire = [
      { ...expected[0], exp_alerts: [...expected[0].exp_alerts, ...only("PatroniNoLeader", D, ns).exp_alerts] },
    ];
    assert.notEqual(promtool("test", "rules", write("two-platforms-a.yaml", tests(bothFire))).status, 0);
    const none = [{ ...expected[0], exp_alerts: [] }];
    assert.notEqual(promtool("test", "rules", write("two-platforms-none.yaml", tests(none))).status, 0);
  });

  it("control: the same tests fail when a threshold moves (the tests can fail)", () => {
    const overrides = { PostgresConnectionsHigh: { threshold: 0.9 }, RedisSentinelQuorumLost: { enabled: false } };
    write("moved.yaml", { groups: renderAlertGroups(D, overrides) });
    // The unit tests written for the default rules, run against the moved ones.
    const r = promtool(
      "test",
      "rules",
      write("moved-tests.yaml", { ...promtoolTests("rules.yaml"), rule_files: ["moved.yaml"] }),
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /PostgresConnectionsHigh/);
    assert.match(r.stdout + r.stderr, /RedisSentinelQuorumLost/);
  });
});
