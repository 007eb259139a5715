/**
 * The alert rules of every tier, as pure functions: a catalog (name, expression, `for`, severity, runbook) and
 * the renderer that turns it into PrometheusRule groups for one deployment. Thresholds that follow from the
 * deployment's sizing are computed from the numbers the components size themselves with (the connection
 * budget's max_connections, Patroni's maximum_lag_on_failover, the sentinels' quorum, Redis' maxmemory), which
 * the platform hands in; the catalog's own defaults are ratios or durations of those. SDK-free.
 */
import { closestName } from "../conventions";

/** `job` labels the monitors set (relabelings), so that rules select exactly this stack's targets. */
export const METRICS_JOBS = {
  harbor: "harbor-ha-harbor",
  patroni: "harbor-ha-patroni",
  postgres: "harbor-ha-postgres-exporter",
  redis: "harbor-ha-redis",
  sentinel: "harbor-ha-sentinel",
  certManager: "harbor-ha-cert-manager",
  envoy: "harbor-ha-envoy",
} as const;

/**
 * The label every monitor sets to the deployment's name (`ObservedDeployment.platform`): two platforms may
 * share a namespace, and `job` and `namespace` alone would mix their series (one cluster's leader hiding the
 * other's loss of it).
 */
export const PLATFORM_LABEL = "harbor_platform";

/** What the rules are rendered for: the deployment's tiers and the sizing they were built with. */
export interface ObservedDeployment {
  /** Namespace of Harbor and its backends (every series is filtered on it). */
  namespace: string;
  /** The deployment's name: the `harbor_platform` label (PLATFORM_LABEL) the monitors set and every rule selects. */
  platform: string;
  /** Harbor's chart metrics are on. */
  harbor: boolean;
  /** Our PatroniCluster, with the numbers it was sized with. Default: none (a database the team brings: no PostgreSQL alerts). */
  postgres?: {
    /** Patroni members. */
    members: number;
    /** synchronous_mode (a missing sync standby is then an alert). */
    synchronousMode: boolean;
    /** max_connections from the connection budget (components/conventions/connectionBudget.ts). */
    maxConnections: number;
    /** Patroni's maximum_lag_on_failover, bytes: a replica lagging more cannot be promoted. */
    maximumLagOnFailoverBytes: number;
    /** The cluster's StatefulSet name (its volume claims are `pgdata-<name>-<i>`). */
    statefulSet: string;
    /** WAL archiving and base backups are configured (archiving and backup-age alerts). */
    backups: boolean;
    /**
     * The backup-age check (a CronJob listing the archive) and when its silence is an alert, from the
     * postgres tier's backupAgeLimits. Default: none (no backup-age alert).
     */
    backupAgeCheck?: {
      /** The CronJob's name (kube-state-metrics' `cronjob` label). */
      cronJob: string;
      /** The newest base backup may be this old, seconds (the check fails beyond it). */
      maxAgeSeconds: number;
      /** Alert when the check has not succeeded for this long, seconds. */
      alertAfterSeconds: number;
      /** Alert when the check never succeeded this long after the CronJob was created, seconds. */
      neverSucceededAfterSeconds: number;
    };
  };
  /** Our RedisSentinel, with its sizing. Default: none (sentinels the team brings: no Redis alerts). */
  redis?: {
    /** Master set name. */
    masterSet: string;
    /** Sentinels. */
    sentinels: number;
    /** Sentinels that must agree the master is down. */
    quorum: number;
    /** maxmemory of a node, bytes (redisMaxmemoryMb of the node's memory). */
    maxmemoryBytes: number;
  };
  /** cert-manager certificates in the namespace are watched. */
  certificates: boolean;
}

export type AlertTier = "harbor" | "postgres" | "redis" | "certificates";

/** One alert of the catalog. */
export interface AlertDefinition {
  tier: AlertTier;
  severity: "critical" | "warning";
  /** Default `for`. */
  for: string;
  /** Default threshold (its unit in `thresholdMeaning`); undefined: the alert has none to tune. */
  threshold?: number;
  /** What the threshold is, e.g. "fraction of max_connections". */
  thresholdMeaning?: string;
  summary: string;
  /** What it means. */
  meaning: string;
  /** The first thing to check. */
  firstCheck: string;
  /** The expression for this deployment and threshold; undefined when the deployment lacks what it watches. */
  expr(d: ObservedDeployment, threshold: number): string | undefined;
}

/** This deployment's series of `job` (its namespace and its platform label), plus `extra` matchers. */
export const sel = (d: ObservedDeployment, job: string, extra = "") =>
  `{job="${job}", namespace="${d.namespace}", ${PLATFORM_LABEL}="${d.platform}"${extra ? `, ${extra}` : ""}}`;

/** The backup-age CronJob of a deployment with backups, and its kube-state-metrics series selector. */
const backupAgeCheckOf = (d: ObservedDeployment) => {
  const c = d.postgres?.backups ? d.postgres.backupAgeCheck : undefined;
  return c && { ...c, selector: `{namespace="${d.namespace}", cronjob="${c.cronJob}"}` };
};

/** A Redis or Patroni majority: more than half of `n`. */
const majority = (n: number) => Math.floor(n / 2) + 1;

/**
 * The catalog. Names are stable: stack config overrides refer to them. Harbor's metric names and labels are
 * those of goharbor/website docs/administration/metrics and src/lib/metric (core's request summary has the
 * 0.5/0.9/0.99 quantiles); jobservice task types are src/jobservice/job/known_jobs.go's (`REPLICATION`,
 * `GARBAGE_COLLECTION`, `IMAGE_SCAN`), failed tasks have status `Error`.
 */
export const ALERTS = {
  // ---- Harbor
  HarborCoreDown: {
    tier: "harbor",
    severity: "critical",
    for: "2m",
    summary: "Harbor core is down",
    meaning: "Harbor's exporter reports core as not running: the UI, the API and every docker push/pull fail.",
    firstCheck: "kubectl get pods -l component=core: are core pods Ready? Their logs name the database or Redis error.",
    expr: (d) =>
      d.harbor ? `max by (namespace) (harbor_up${sel(d, METRICS_JOBS.harbor, 'component="core"')}) < 1` : undefined,
  },
  HarborJobQueueBacklog: {
    tier: "harbor",
    severity: "warning",
    for: "15m",
    threshold: 1800,
    thresholdMeaning: "seconds the next job of a queue has waited",
    summary: "Harbor's jobservice queue is backing up",
    meaning:
      "The next job of a jobservice queue (replication, GC, scan, retention, webhook) has waited longer than the threshold: workers are stuck or too few.",
    firstCheck:
      "Harbor's Job Service Dashboard (Administration): which queue, are workers busy or paused; then the jobservice pods' logs and Redis.",
    expr: (d, t) =>
      d.harbor
        ? `max by (namespace, type) (harbor_task_queue_latency${sel(d, METRICS_JOBS.harbor)}) > ${t}`
        : undefined,
  },
  HarborRegistryStorageErrors: {
    tier: "harbor",
    severity: "critical",
    for: "5m",
    threshold: 0.05,
    thresholdMeaning: "fraction of registry requests answered 5xx",
    summary: "Harbor's registry answers 5xx",
    meaning:
      "More than the threshold of the registry's requests fail with a server error; the registry answers 5xx almost only when its storage driver fails (S3 credentials, bucket policy, KMS, a full or unmounted volume).",
    firstCheck:
      "The registry pods' logs for storage driver errors (s3aws, filesystem); then the bucket/volume and its credentials Secret.",
    expr: (d, t) =>
      d.harbor
        ? `sum by (namespace) (rate(registry_http_requests_total${sel(d, METRICS_JOBS.harbor, 'code=~"5.."')}[5m])) / sum by (namespace) (rate(registry_http_requests_total${sel(d, METRICS_JOBS.harbor)}[5m])) > ${t}`
        : undefined,
  },
  HarborReplicationFailures: {
    tier: "harbor",
    severity: "warning",
    for: "0m",
    threshold: 1,
    thresholdMeaning: "failed replication tasks within an hour",
    summary: "Harbor replication tasks fail",
    meaning: "Replication tasks ended in error within the last hour: a remote registry is missing images.",
    firstCheck:
      "Administration > Replications: the failed execution's task log (remote credentials expired, remote quota, network).",
    expr: (d, t) =>
      d.harbor
        ? `sum by (namespace) (increase(harbor_jobservice_task_total${sel(d, METRICS_JOBS.harbor, 'type="REPLICATION", status="Error"')}[1h])) >= ${t}`
        : undefined,
  },
  HarborGcFailures: {
    tier: "harbor",
    severity: "warning",
    for: "0m",
    threshold: 1,
    thresholdMeaning: "failed garbage collection runs within a day",
    summary: "Harbor garbage collection fails",
    meaning: "A garbage collection run ended in error within the last day: deleted blobs keep using storage.",
    firstCheck:
      "Administration > Clean Up > GC history: the failed run's log (storage errors, a run interrupted by a restart).",
    expr: (d, t) =>
      d.harbor
        ? `sum by (namespace) (increase(harbor_jobservice_task_total${sel(d, METRICS_JOBS.harbor, 'type="GARBAGE_COLLECTION", status="Error"')}[1d])) >= ${t}`
        : undefined,
  },
  HarborScanFailures: {
    tier: "harbor",
    severity: "warning",
    for: "0m",
    threshold: 10,
    thresholdMeaning: "failed scan tasks within an hour",
    summary: "Harbor vulnerability scans fail",
    meaning:
      "Scan tasks ended in error within the last hour: artifacts stay unscanned and `preventVulnerable` blocks pulls.",
    firstCheck:
      "The trivy pods' logs (vulnerability DB download, registry access) and Interrogation Services > Scanners.",
    expr: (d, t) =>
      d.harbor
        ? `sum by (namespace) (increase(harbor_jobservice_task_total${sel(d, METRICS_JOBS.harbor, 'type="IMAGE_SCAN", status="Error"')}[1h])) >= ${t}`
        : undefined,
  },
  HarborCoreLatencyHigh: {
    tier: "harbor",
    severity: "warning",
    for: "10m",
    threshold: 5,
    thresholdMeaning: "seconds, p99 of core's API requests",
    summary: "Harbor core's p99 latency is high",
    meaning:
      "The 99th percentile of core's API request durations is above the threshold: users see a slow UI and slow docker logins.",
    firstCheck: "PostgreSQL (connections, slow queries) and Redis latency first; then core's CPU throttling.",
    expr: (d, t) =>
      d.harbor
        ? `max by (namespace, operation) (harbor_core_http_request_duration_seconds${sel(d, METRICS_JOBS.harbor, 'quantile="0.99"')}) > ${t}`
        : undefined,
  },
  // ---- Patroni / PostgreSQL
  PatroniNoLeader: {
    tier: "postgres",
    severity: "critical",
    for: "1m",
    summary: "PostgreSQL has no Patroni leader",
    meaning:
      "No member is the primary: Harbor cannot write (pushes, logins that update, jobs) until Patroni elects one.",
    firstCheck:
      "patronictl list (in a member pod): member states and lag; a leader lock held by a dead pod expires after ttl; the Kubernetes API (DCS) must be reachable.",
    expr: (d) => (d.postgres ? `max by (namespace) (patroni_primary${sel(d, METRICS_JOBS.patroni)}) < 1` : undefined),
  },
  PatroniNoSyncStandby: {
    tier: "postgres",
    severity: "critical",
    for: "2m",
    summary: "PostgreSQL has no synchronous standby",
    meaning:
      "synchronous_mode is on but no member is the synchronous standby: a failover now could lose acknowledged commits, or Patroni refuses to promote.",
    firstCheck: "patronictl list: are the replicas streaming? A replica's pod, volume or network is usually the cause.",
    expr: (d) =>
      d.postgres?.synchronousMode && d.postgres.members > 1
        ? `max by (namespace) (patroni_sync_standby${sel(d, METRICS_JOBS.patroni)}) < 1`
        : undefined,
  },
  PostgresReplicationLag: {
    tier: "postgres",
    severity: "warning",
    for: "5m",
    threshold: 1,
    thresholdMeaning: "multiple of Patroni's maximum_lag_on_failover",
    summary: "A PostgreSQL replica lags beyond what Patroni may promote",
    meaning:
      "A replica's received WAL is further behind the primary than maximum_lag_on_failover (times the threshold): Patroni would not promote it, so it is not a failover candidate.",
    firstCheck: "patronictl list (Lag in MB); the replica's disk and network throughput; long-running queries on it.",
    expr: (d, t) =>
      d.postgres
        ? // Patroni exports every xlog metric on every member (0 where it does not apply): compare the primary's
          // location with the replicas' received location only, or the primary's own 0 reads as a huge lag.
          `max by (namespace) (patroni_xlog_location${sel(d, METRICS_JOBS.patroni)} and on (namespace, pod) patroni_primary${sel(d, METRICS_JOBS.patroni)} == 1) - on (namespace) group_right () (patroni_xlog_received_location${sel(d, METRICS_JOBS.patroni)} and on (namespace, pod) patroni_replica${sel(d, METRICS_JOBS.patroni)} == 1) > ${Math.round(t * d.postgres.maximumLagOnFailoverBytes)}`
        : undefined,
  },
  PostgresConnectionsHigh: {
    tier: "postgres",
    severity: "warning",
    for: "5m",
    threshold: 0.8,
    thresholdMeaning: "fraction of max_connections from the connection budget",
    summary: "PostgreSQL connections near max_connections",
    meaning:
      "A member holds more connections than the threshold of the max_connections the budget sized: a rolling update or a burst can exhaust it.",
    firstCheck:
      "pg_stat_activity by application and state (idle in transaction?); Harbor's maxOpenConns and replicas against the budget.",
    expr: (d, t) =>
      d.postgres
        ? `sum by (namespace, instance) (pg_stat_activity_count${sel(d, METRICS_JOBS.postgres)}) > ${Math.floor(t * d.postgres.maxConnections)}`
        : undefined,
  },
  PostgresExporterDown: {
    tier: "postgres",
    severity: "warning",
    for: "5m",
    summary: "postgres_exporter cannot reach its member",
    meaning:
      "A member's exporter cannot connect to PostgreSQL: the member is down or refuses connections (the other PostgreSQL alerts are blind for it).",
    firstCheck:
      "The member pod's postgres container and the exporter's log (authentication, TLS, too many connections).",
    expr: (d) => (d.postgres ? `pg_up${sel(d, METRICS_JOBS.postgres)} < 1` : undefined),
  },
  PostgresWalArchivingFailing: {
    tier: "postgres",
    severity: "critical",
    for: "0m",
    threshold: 1,
    thresholdMeaning: "failed WAL archive attempts within 15 minutes",
    summary: "PostgreSQL cannot archive WAL",
    meaning:
      "archive_command fails: point-in-time recovery stops at the last archived segment and pg_wal grows until the disk is full.",
    firstCheck: "The primary's log for archive_command errors (bucket credentials, permissions, network).",
    expr: (d, t) =>
      d.postgres?.backups
        ? `sum by (namespace, instance) (increase(pg_stat_archiver_failed_count${sel(d, METRICS_JOBS.postgres)}[15m])) >= ${t}`
        : undefined,
  },
  PostgresBaseBackupTooOld: {
    tier: "postgres",
    severity: "critical",
    for: "0m",
    summary: "The newest PostgreSQL base backup is too old (or cannot be checked)",
    meaning:
      "The backup-age check (CronJob <cluster>-backup-age, hourly) has not succeeded for two runs: the newest base backup in the archive is older than two backup intervals plus the backup's own duration, there is none, or WAL-G cannot list the archive. Point-in-time recovery then needs more WAL replayed, or is impossible.",
    firstCheck:
      "kubectl logs of the check's last job (kubectl get jobs | grep backup-age): it prints the newest backup and its age, or WAL-G's error. Then take a backup by hand on the leader as Spilo's cron does (envdir /run/etc/wal-e.d/env /scripts/postgres_backup.sh $PGDATA) and read its error.",
    // kube-state-metrics' series (kube-prometheus-stack scrapes it): the check's last success, or its creation.
    expr: (d) => {
      const c = backupAgeCheckOf(d);
      if (!c) return undefined;
      const last = `max by (namespace, cronjob) (kube_cronjob_status_last_successful_time${c.selector})`;
      return (
        `(time() - ${last} > ${c.alertAfterSeconds})` +
        ` or (time() - max by (namespace, cronjob) (kube_cronjob_created${c.selector}) > ${c.neverSucceededAfterSeconds} unless on (namespace, cronjob) ${last})`
      );
    },
  },
  PostgresBackupAgeUnobservable: {
    tier: "postgres",
    severity: "warning",
    // Longer than a Prometheus restart or a kube-state-metrics rollout, shorter than a backup interval.
    for: "30m",
    summary: "The base-backup age cannot be observed",
    meaning:
      "kube-state-metrics is not scraped or the CronJob is missing: kube_cronjob_created of the backup-age check is absent, so PostgresBaseBackupTooOld cannot fire however old the newest base backup is.",
    firstCheck:
      "kube-state-metrics is not scraped or the CronJob is missing: is kube_cronjob_created{cronjob=\"<cluster>-backup-age\"} in Prometheus at all (kube-state-metrics' pod and its ServiceMonitor)? Then kubectl get cronjob <cluster>-backup-age in Harbor's namespace.",
    expr: (d) => {
      const c = backupAgeCheckOf(d);
      return c ? `absent(kube_cronjob_created${c.selector})` : undefined;
    },
  },
  PostgresDiskFilling: {
    tier: "postgres",
    severity: "warning",
    for: "10m",
    threshold: 0.8,
    thresholdMeaning: "fraction of a member's data volume used",
    summary: "A PostgreSQL data volume is filling up",
    meaning:
      "A member's data volume is fuller than the threshold: PostgreSQL stops when it is full (WAL kept for a lagging replica or failing archiving is a common cause).",
    firstCheck:
      "Which directory grows (pg_wal vs base); replication slots of absent replicas; then grow the volume (postgres.volumeGb).",
    // kubelet's volume stats (the user's Prometheus scrapes kubelets: kube-prometheus-stack does).
    expr: (d, t) =>
      d.postgres
        ? `kubelet_volume_stats_used_bytes{namespace="${d.namespace}", persistentvolumeclaim=~"pgdata-${d.postgres.statefulSet}-[0-9]+"} / kubelet_volume_stats_capacity_bytes{namespace="${d.namespace}", persistentvolumeclaim=~"pgdata-${d.postgres.statefulSet}-[0-9]+"} > ${t}`
        : undefined,
  },
  // ---- Redis
  RedisNoMaster: {
    tier: "redis",
    severity: "critical",
    for: "1m",
    summary: "Redis has no master",
    meaning:
      "No Redis node answers as master: Harbor's cache, sessions and job queue refuse writes until the sentinels promote one.",
    firstCheck:
      "redis-cli -p 26379 sentinel master <set> in a sentinel pod: flags (o_down?), num-other-sentinels, failover state.",
    expr: (d) =>
      d.redis
        ? `count by (namespace) (redis_up${sel(d, METRICS_JOBS.redis)}) unless count by (namespace) (redis_instance_info${sel(d, METRICS_JOBS.redis, 'role="master"')})`
        : undefined,
  },
  RedisDown: {
    tier: "redis",
    severity: "warning",
    for: "1m",
    summary: "A Redis node is down",
    meaning:
      "A Redis node's exporter cannot reach it: one fewer replica (the set still serves while a master and the sentinels' majority remain).",
    firstCheck: "The node's pod (restarts, OOMKilled) and its log; its volume.",
    expr: (d) => (d.redis ? `redis_up${sel(d, METRICS_JOBS.redis)} < 1` : undefined),
  },
  RedisSentinelQuorumLost: {
    tier: "redis",
    severity: "critical",
    for: "1m",
    summary: "Redis sentinels below quorum",
    meaning:
      "A sentinel sees fewer healthy sentinels (itself included) than a failover needs (the quorum, and a majority of all sentinels): a master failure would not be repaired.",
    firstCheck:
      "The sentinel pods (Ready? restarting?) and the NetworkPolicy on 26379; `sentinel sentinels <set>` in one of them.",
    expr: (d) =>
      d.redis
        ? `min by (namespace) (redis_sentinel_master_ok_sentinels${sel(d, METRICS_JOBS.sentinel, `master_name="${d.redis.masterSet}"`)}) < ${Math.max(d.redis.quorum, majority(d.redis.sentinels))}`
        : undefined,
  },
  RedisMemoryNearMaxmemory: {
    tier: "redis",
    severity: "warning",
    for: "10m",
    threshold: 0.9,
    thresholdMeaning: "fraction of the maxmemory the nodes are sized with",
    summary: "Redis memory near maxmemory (noeviction)",
    meaning:
      "A node uses more than the threshold of its maxmemory; with maxmemory-policy noeviction, Redis refuses writes (OOM) when full: Harbor's job queue and sessions fail.",
    firstCheck:
      "INFO memory and the biggest keys (redis-cli --bigkeys); a backlog of jobservice queues; then redis.memoryGi.",
    expr: (d, t) =>
      d.redis
        ? `redis_memory_used_bytes${sel(d, METRICS_JOBS.redis)} > ${Math.floor(t * d.redis.maxmemoryBytes)}`
        : undefined,
  },
  RedisRejectedWrites: {
    tier: "redis",
    severity: "critical",
    for: "0m",
    threshold: 1,
    thresholdMeaning: "writes refused within 5 minutes (OOM, NOREPLICAS, READONLY)",
    summary: "Redis refuses writes",
    meaning:
      "Redis answered OOM (maxmemory reached under noeviction), NOREPLICAS (no replica in sync: min-replicas-to-write) or READONLY (a client wrote to a replica).",
    firstCheck:
      "Which error: OOM -> memory; NOREPLICAS -> replicas' link status (INFO replication); READONLY -> a client bypassing the sentinels.",
    expr: (d, t) =>
      d.redis
        ? `sum by (namespace, instance, err) (increase(redis_errorstat_total${sel(d, METRICS_JOBS.redis, 'err=~"OOM|NOREPLICAS|READONLY"')}[5m])) >= ${t}`
        : undefined,
  },
  // ---- Certificates
  CertificateExpiringSoon: {
    tier: "certificates",
    severity: "warning",
    for: "1h",
    threshold: 14,
    thresholdMeaning: "days before the certificate expires",
    summary: "A certificate expires soon",
    meaning:
      "A cert-manager certificate expires within the threshold: cert-manager renews 30 days ahead by default, so renewal has been failing.",
    firstCheck: "kubectl describe certificate/certificaterequest/order/challenge: the ACME or issuer error.",
    expr: (d, t) =>
      d.certificates
        ? // max: platforms sharing the namespace each scrape cert-manager, the copies differing only in PLATFORM_LABEL,
          // which the rule's own label would then make identical (an evaluation error).
          `max by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds{namespace="${d.namespace}"}) - time() < ${Math.round(t * 86400)}`
        : undefined,
  },
  CertificateNotReady: {
    tier: "certificates",
    severity: "critical",
    for: "10m",
    summary: "A certificate is not ready",
    meaning:
      "A cert-manager certificate's Ready condition is not True: the edge may serve an expired or missing certificate.",
    firstCheck: "kubectl describe certificate <name>: the Ready condition's reason; then its CertificateRequest.",
    expr: (d) =>
      d.certificates
        ? `max by (namespace, name) (certmanager_certificate_ready_status{namespace="${d.namespace}", condition!="True"}) > 0`
        : undefined,
  },
} satisfies Record<string, AlertDefinition>;

export type AlertName = keyof typeof ALERTS;
export const ALERT_NAMES = Object.keys(ALERTS) as AlertName[];

/** A stack's change to one alert. */
export interface AlertOverride {
  /** Render the alert. Default: true. */
  enabled?: boolean;
  /** Threshold in the alert's unit (see its `thresholdMeaning`); must be positive. Default: the catalog's. */
  threshold?: number;
  /** `for` duration (Prometheus duration, e.g. `5m`). Default: the catalog's. */
  for?: string;
}

export type AlertOverrides = Partial<Record<string, AlertOverride>>;

/** A Prometheus duration: one or more `<n><unit>` (ms, s, m, h, d, w, y). */
export const PROMETHEUS_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/** Problems of overrides, each `{ path, problem, fix }` (path relative to the overrides map). */
export function alertOverrideProblems(overrides: AlertOverrides): { path: string; problem: string; fix: string }[] {
  const out: { path: string; problem: string; fix: string }[] = [];
  for (const [name, o] of Object.entries(overrides)) {
    const def = (ALERTS as Record<string, AlertDefinition>)[name];
    if (!def) {
      const near = closestName(name, ALERT_NAMES, 3);
      out.push({
        path: name,
        problem: `is not an alert of harbor-ha`,
        fix: near
          ? `did you mean "${near}"? (alerts: ${ALERT_NAMES.join(", ")})`
          : `use one of ${ALERT_NAMES.join(", ")}`,
      });
      continue;
    }
    if (o?.threshold !== undefined) {
      if (def.threshold === undefined)
        out.push({
          path: `${name}.threshold`,
          problem: "this alert has no threshold",
          fix: "remove threshold (only enabled and for apply)",
        });
      else if (!(Number.isFinite(o.threshold) && o.threshold > 0))
        out.push({
          path: `${name}.threshold`,
          problem: `must be a positive number (${def.thresholdMeaning}), got ${o.threshold}`,
          fix: `use a positive number; the default is ${def.threshold}`,
        });
    }
    if (o?.for !== undefined && !PROMETHEUS_DURATION.test(o.for))
      out.push({
        path: `${name}.for`,
        problem: `"${o.for}" is not a Prometheus duration`,
        fix: 'use e.g. "0m", "5m" or "1h"',
      });
  }
  return out;
}

/** One rendered Prometheus alerting rule. */
export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Rule groups (one per tier) for `d`, with `overrides` applied; alerts whose tier is absent are left out. */
export function renderAlertGroups(
  d: ObservedDeployment,
  overrides: AlertOverrides = {},
): { name: string; rules: AlertingRule[] }[] {
  const problems = alertOverrideProblems(overrides);
  if (problems.length)
    throw new Error(`alert overrides: ${problems.map((p) => `${p.path}: ${p.problem}. Fix: ${p.fix}`).join("; ")}`);
  const groups = new Map<AlertTier, AlertingRule[]>();
  for (const name of ALERT_NAMES) {
    const def: AlertDefinition = ALERTS[name];
    const o = overrides[name] ?? {};
    if (o.enabled === false) continue;
    const expr = def.expr(d, o.threshold ?? def.threshold ?? 0);
    if (expr === undefined) continue;
    const rule: AlertingRule = {
      alert: name,
      expr,
      for: o.for ?? def.for,
      // The platform's name too: alerts aggregated by namespace would not say which platform of it they are about.
      labels: { severity: def.severity, tier: def.tier, [PLATFORM_LABEL]: d.platform },
      annotations: {
        summary: def.summary,
        description: def.meaning,
        runbook: `First check: ${def.firstCheck}`,
      },
    };
    groups.set(def.tier, [...(groups.get(def.tier) ?? []), rule]);
  }
  return [...groups].map(([tier, rules]) => ({ name: `harbor-ha-${tier}`, rules }));
}
