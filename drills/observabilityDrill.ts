/**
 * Drill 4: real Prometheus against real exporters, with the rendered alert rules. On the same daemons as
 * drills 1 and 2 (etcd + 3 Patroni/PostgreSQL members, 3 redis-server + 3 redis-sentinel, configured by the
 * cluster's renderers), it starts a postgres_exporter per member and a redis_exporter per Redis node and
 * sentinel with the sidecars' rendered environment, and Prometheus with
 *   - the scrape config derived from the rendered PodMonitors (ports by name, paths, the `job` relabelings),
 *   - the rule file the PrometheusRule carries, rendered from this drill's sizing (max_connections from the
 *     connection budget, the sentinels' quorum, maxmemory), with every `for` shortened to 1 s.
 * A healthy cluster must fire nothing; then the Patroni leader and the Redis master are SIGKILLed together:
 * PatroniNoLeader and RedisNoMaster must fire, then resolve once Patroni and the sentinels have failed over.
 * It prints time-to-fire and time-to-resolve of every alert that fired.
 *
 * Stand-ins (said in the output too): Debian's Patroni 3.0.2 / PostgreSQL 15 for Spilo, etcd for the
 * Kubernetes DCS, Debian's postgres_exporter 0.11.1 and redis_exporter 1.45.0 for the pinned images
 * (v0.20.1, v1.88.0), static targets for Kubernetes pod discovery.
 */
import { spawnSync } from "child_process";
import { chmodSync, writeFileSync } from "fs";
import * as http from "http";
import { arch } from "os";
import { join } from "path";
import { stringify } from "yaml";
import {
  patroniSettings,
  PatroniTiming,
  renderPatroniConfig,
  DEFAULT_TIMING,
} from "../components/postgres/renderPatroniConfig";
import { renderMonitoringRoleScript } from "../components/postgres/renderJobScripts";
import {
  PATRONI_METRICS_PORT_NAME,
  POSTGRES_EXPORTER_CONNECTIONS,
  POSTGRES_EXPORTER_PORT_NAME,
  POSTGRES_EXPORTER_ROLE,
  renderPostgresExporterContainer,
} from "../components/postgres/renderPostgresExporter";
import {
  Endpoint,
  RedisTopology,
  redisMaxmemoryMb,
  renderRedisConf,
  renderRedisStartScript,
  renderSentinelConf,
  renderSentinelStartScript,
} from "../components/redis/renderRedisConfig";
import { REDIS_EXPORTER_PORT_NAME, renderRedisExporterContainer } from "../components/redis/renderRedisExporter";
import {
  ALERT_NAMES,
  AlertOverrides,
  ObservedDeployment,
  renderAlertGroups,
  renderMonitors,
  METRICS_JOBS,
  StaticTarget,
  staticScrapeConfigs,
} from "../components/observability";
import {
  childrenOf,
  DRILL_TIMING,
  ETCD,
  httpStatus,
  leaderOf,
  Member,
  PATRONI,
  PG_BIN,
  postmasterPid,
} from "./postgresDrill";
import { REDIS_CLI, REDIS_SENTINEL, REDIS_SERVER } from "./redisDrill";
import { freePorts, missingBinaries, Sandbox, say, sleep } from "./procs";

export const PROMETHEUS = "/usr/bin/prometheus";
export const POSTGRES_EXPORTER = "/usr/bin/prometheus-postgres-exporter";
export const REDIS_EXPORTER = "/usr/bin/prometheus-redis-exporter";

export function observabilityDrillUnavailable(): string | undefined {
  const missing = missingBinaries([
    PROMETHEUS,
    POSTGRES_EXPORTER,
    REDIS_EXPORTER,
    PATRONI,
    ETCD,
    `${PG_BIN}/postgres`,
    REDIS_SERVER,
    REDIS_SENTINEL,
    REDIS_CLI,
  ]);
  return missing.length
    ? `missing ${missing.join(", ")} (apt-get install -y prometheus prometheus-postgres-exporter prometheus-redis-exporter patroni etcd-server postgresql-15 redis-server redis-sentinel)`
    : undefined;
}

/** One alert's life in the drill, seconds after the kill. */
export interface AlertTiming {
  alert: string;
  firedAfter: number;
  resolvedAfter?: number;
}

export interface ObservabilityDrillResult {
  startupSeconds: number;
  /** Alerts firing on the healthy cluster (must be none). */
  healthyFiring: string[];
  /** Seconds the healthy cluster was watched. */
  healthyWatchedSeconds: number;
  timings: AlertTiming[];
  /** Targets Prometheus scraped (job names). */
  jobs: string[];
  /**
   * The exporters' login role, created by the cluster's rendered script: psql's `rolsuper|pg_monitor member|
   * rolconnlimit` row, and the number of series per metric the rules and dashboards read.
   */
  exporterRole: { name: string; superuserPgMonitorConnLimit: string; series: Record<string, number> };
  totalSeconds: number;
}

/**
 * postgres_exporter's series the alert rules and dashboards read (alertRules.ts, renderDashboards.ts), and one of
 * pg_stat_replication's (the leader's view of its standbys: hidden from a role without pg_monitor).
 */
export const EXPORTER_METRICS_USED = [
  "pg_up",
  "pg_stat_activity_count",
  "pg_stat_archiver_failed_count",
  "pg_settings_max_connections",
  "pg_stat_database_xact_commit",
  "pg_stat_replication_pg_wal_lsn_diff",
];

export interface ObservabilityDrillOptions {
  /** Whole-drill budget. Default: 85 s (the issue's bound is 90 s). */
  budgetSeconds?: number;
  timing?: PatroniTiming;
}

const NAMESPACE = "harbor";
/** The deployment's name: the harbor_platform label the monitors set and the rules select. */
const PLATFORM = "harbor";
const MEMORY_GI = 0.125;

function getJson<T>(port: number, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, timeout: 2000 }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => {
        try {
          resolve(JSON.parse(body) as T);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

export async function runObservabilityDrill(opts: ObservabilityDrillOptions = {}): Promise<ObservabilityDrillResult> {
  const started = Date.now();
  const timing = opts.timing ?? DRILL_TIMING;
  const box = new Sandbox("obs", "postgres");
  box.budget(opts.budgetSeconds ?? 85);
  const superPassword = `drill-${process.pid}-${Date.now()}`;
  const redisPassword = `${superPassword}-redis`;
  const members: Member[] = [];
  box.onCleanup(() => {
    for (const m of members) {
      const pid = postmasterPid(m.dataDir);
      if (pid) for (const p of [pid, ...childrenOf(pid)]) box.kill(p, "SIGKILL");
    }
  });
  try {
    say(
      "stand-ins: Debian's Patroni 3.0.2 / PostgreSQL 15 for Spilo, etcd 3.4 for the Kubernetes DCS, Debian's postgres_exporter 0.11.1 and redis_exporter 1.45.0 for the pinned sidecar images (v0.20.1, v1.88.0), static targets for pod discovery; alert `for` shortened to 1 s",
    );
    const ports = await freePorts(2 + 2 * 3 + 6 + 3 + 6 + 1);
    const [etcdClient, etcdPeer] = ports.splice(0, 2);
    const pgPorts = ports.splice(0, 6);
    const redisPorts = ports.splice(0, 6);
    const pgExporterPorts = ports.splice(0, 3);
    const redisExporterPorts = ports.splice(0, 6);
    const [promPort] = ports;

    // ---- PostgreSQL: etcd + 3 Patroni members, the cluster's renderer (etcd3 flavour).
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    box.start(
      "etcd",
      ETCD,
      [
        ...["--name", "drill", "--data-dir", box.mkdir("etcd"), "--listen-client-urls", etcdUrl],
        ...["--advertise-client-urls", etcdUrl, "--listen-peer-urls", `http://127.0.0.1:${etcdPeer}`],
        ...["--initial-advertise-peer-urls", `http://127.0.0.1:${etcdPeer}`],
        ...["--initial-cluster", `drill=http://127.0.0.1:${etcdPeer}`],
      ],
      arch() === "x64" ? {} : { ETCD_UNSUPPORTED_ARCH: arch() === "arm64" ? "arm64" : arch() },
    );
    await box.waitFor("etcd", async () => (await httpStatus(etcdClient, "/health")).body.includes("true"), 20000);
    const { budget, ...settings } = patroniSettings({
      scope: "drill",
      members: 3,
      memoryGi: 0.25,
      synchronousMode: true,
      timing,
      pools: [{ component: "drill clients", replicas: 2, maxOpenConns: 20, maxSurge: 0 }],
    });
    for (let i = 0; i < 3; i++) {
      const name = `pg${i}`;
      const dir = box.mkdir(name);
      const [pgPort, restPort] = [pgPorts[2 * i], pgPorts[2 * i + 1]];
      const file = join(dir, "patroni.yml");
      writeFileSync(
        file,
        stringify(
          renderPatroniConfig({
            ...settings,
            clientCidr: "127.0.0.1/32",
            requireSsl: false,
            dcs: { type: "etcd3", hosts: [`127.0.0.1:${etcdClient}`] },
            member: {
              name,
              restApiListen: `127.0.0.1:${restPort}`,
              restApiConnect: `127.0.0.1:${restPort}`,
              postgresListen: `127.0.0.1:${pgPort}`,
              postgresConnect: `127.0.0.1:${pgPort}`,
              dataDir: join(dir, "data"),
              binDir: PG_BIN,
              pgpass: join(dir, "pgpass"),
              socketDir: dir,
            },
          }),
        ),
      );
      box.chown(file);
      const d = box.start(name, PATRONI, [file], {
        PATRONI_SUPERUSER_PASSWORD: superPassword,
        PATRONI_REPLICATION_PASSWORD: `${superPassword}-repl`,
        PATRONI_REWIND_PASSWORD: superPassword,
      });
      members.push({ name, pgPort, restPort, dir, dataDir: join(dir, "data"), patroniPid: d.pid, config: file });
    }

    // ---- Redis: 3 nodes + 3 sentinels from the rendered configs and start scripts (in parallel with Patroni's bootstrap).
    const topo: RedisTopology = {
      masterSet: "harbor",
      redis: redisPorts.slice(0, 3).map((port) => ({ host: "127.0.0.1", port })),
      sentinels: redisPorts.slice(3).map((port) => ({ host: "127.0.0.1", port })),
      quorum: 2,
    };
    const redisPids: number[] = [];
    const startRedis = (kind: "redis" | "sentinel", i: number) => {
      const self: Endpoint = kind === "redis" ? topo.redis[i] : topo.sentinels[i];
      const dir = box.mkdir(`${kind}${i}`);
      const conf = join(dir, `${kind}.rendered.conf`);
      const script = join(dir, "start.sh");
      const common = { ...topo, source: conf, self, cli: REDIS_CLI, askRounds: kind === "redis" ? 1 : 5 };
      if (kind === "redis") {
        writeFileSync(
          conf,
          renderRedisConf({ self, bind: "127.0.0.1", dir, maxmemoryMb: redisMaxmemoryMb(MEMORY_GI), replicas: 2 }),
        );
        writeFileSync(
          script,
          renderRedisStartScript({ ...common, target: join(dir, "redis.conf"), server: REDIS_SERVER }),
        );
      } else {
        writeFileSync(conf, renderSentinelConf({ ...topo, self, bind: "127.0.0.1", dir }));
        writeFileSync(
          script,
          renderSentinelStartScript({ ...common, target: join(dir, "sentinel.conf"), server: REDIS_SENTINEL }),
        );
      }
      chmodSync(script, 0o755);
      return box.start(`${kind}${i}`, "/bin/sh", [script], { REDIS_PASSWORD: redisPassword }).pid;
    };
    topo.redis.forEach((_, i) => (redisPids[i] = startRedis("redis", i)));
    topo.sentinels.forEach((_, i) => startRedis("sentinel", i));

    // ---- Exporters, with the sidecars' rendered environment (Secret references resolved to the drill's values).
    const envOf = (c: { env: { name: string; value?: string }[] }, overrides: Record<string, string>) => ({
      ...Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])),
      ...overrides,
    });
    const redisTargets = [
      ...topo.redis.map((e, i) => ({ role: "redis" as const, e, i })),
      ...topo.sentinels.map((e, i) => ({ role: "sentinel" as const, e, i })),
    ];
    redisTargets.forEach((t, k) => {
      const c = renderRedisExporterContainer({ role: t.role, passwordSecretName: "-" });
      box.start(
        `redis-exporter-${t.role}${t.i}`,
        REDIS_EXPORTER,
        [`--web.listen-address=127.0.0.1:${redisExporterPorts[k]}`],
        envOf(c, {
          REDIS_ADDR: c.env[0].value!.replace(/localhost:\d+/, `127.0.0.1:${t.e.port}`),
          ...(t.role === "redis" ? { REDIS_PASSWORD: redisPassword } : {}),
        }),
      );
    });

    // ---- Wait for a healthy cluster: a leader with a streaming sync standby; a master with both replicas.
    await box.waitFor(
      "Patroni: a leader, all members streaming, a synchronous standby",
      async () => {
        const l = await leaderOf(members);
        if (!l) return false;
        const c = JSON.parse((await httpStatus(l.restPort, "/cluster")).body) as {
          members: { role: string; state: string }[];
        };
        return (
          c.members.filter((m) => ["running", "streaming"].includes(m.state)).length === 3 &&
          c.members.some((m) => m.role === "sync_standby")
        );
      },
      60000,
      500,
    );
    // ---- The exporter's own role (pg_monitor), created by the cluster's rendered script on the leader (it
    // replicates to the standbys); then postgres_exporter logs in as it, as the sidecar does.
    const pgLeader = (await leaderOf(members))!;
    const monitorPassword = `${superPassword}-monitor`;
    const roleScript = join(box.mkdir("monitoring-role"), "create-monitoring-role.sh");
    writeFileSync(roleScript, renderMonitoringRoleScript(POSTGRES_EXPORTER_ROLE, POSTGRES_EXPORTER_CONNECTIONS));
    const created = spawnSync("/bin/sh", [roleScript], {
      encoding: "utf8",
      timeout: 15000,
      env: {
        PATH: `${PG_BIN}:/usr/bin:/bin`,
        ...{ PGHOST: "127.0.0.1", PGPORT: String(pgLeader.pgPort), PGUSER: "postgres", PGDATABASE: "postgres" },
        PGPASSWORD: superPassword,
        MONITOR_PASSWORD: monitorPassword,
      },
    });
    if (created.status !== 0) throw new Error(`the monitoring role script failed: ${created.stderr}`);
    const roleRow = spawnSync(
      join(PG_BIN, "psql"),
      [
        "-tAc",
        `SELECT rolsuper, pg_has_role(rolname, 'pg_monitor', 'member'), rolconnlimit FROM pg_roles WHERE rolname = '${POSTGRES_EXPORTER_ROLE}'`,
      ],
      {
        encoding: "utf8",
        timeout: 5000,
        env: {
          PGHOST: "127.0.0.1",
          PGPORT: String(pgLeader.pgPort),
          PGUSER: "postgres",
          PGDATABASE: "postgres",
          PGPASSWORD: superPassword,
        },
      },
    ).stdout.trim();
    const pgExporter = renderPostgresExporterContainer({
      credentialsSecretName: "-",
      passwordKey: "password",
      user: POSTGRES_EXPORTER_ROLE,
      sslmode: "disable", // no certificates in the sandbox; the cluster's sidecar uses sslmode=require
    });
    members.forEach((m, i) =>
      box.start(
        `pg-exporter${i}`,
        POSTGRES_EXPORTER,
        [`--web.listen-address=127.0.0.1:${pgExporterPorts[i]}`],
        envOf(pgExporter, {
          DATA_SOURCE_URI: pgExporter.env[0].value!.replace("localhost:5432", `127.0.0.1:${m.pgPort}`),
          DATA_SOURCE_PASS: monitorPassword,
        }),
      ),
    );
    say(`exporters log in as ${POSTGRES_EXPORTER_ROLE} (pg_monitor), created by the rendered role script`);
    const redisMaster = await box.waitFor(
      "Redis: a master with two replicas online",
      async () => {
        for (const [i, e] of topo.redis.entries()) {
          const r = await redisInfo(e, redisPassword);
          if (r.role === "master" && Number(r.connected_slaves) === 2) return { i, e };
        }
        return false;
      },
      30000,
      300,
    );
    const startupSeconds = (Date.now() - started) / 1000;
    say(
      `cluster ready in ${startupSeconds.toFixed(1)} s (Patroni leader, sync standby; Redis master redis${redisMaster.i})`,
    );

    // ---- Prometheus: scrape config from the rendered monitors, rules from the rendered PrometheusRule.
    const podLabels = { "app.kubernetes.io/name": "drill" };
    const monitors = renderMonitors(
      {
        namespace: NAMESPACE,
        name: "harbor-observability",
        platform: PLATFORM,
        selectorLabels: {},
        labels: {},
        postgresPods: podLabels,
        postgresExporter: true,
        redisPods: { redis: podLabels, sentinel: podLabels },
      },
      {
        patroni: PATRONI_METRICS_PORT_NAME,
        patroniPort: 0,
        postgresExporter: POSTGRES_EXPORTER_PORT_NAME,
        postgresExporterPort: 0,
        redisExporter: REDIS_EXPORTER_PORT_NAME,
        redisExporterPort: 0,
      },
    );
    const target = (monitor: string, port: string, address: string, pod: string): StaticTarget => ({
      monitor: `harbor-observability-${monitor}`,
      port,
      address,
      labels: { namespace: NAMESPACE, pod },
    });
    const targets: StaticTarget[] = [
      ...members.map((m) => target("postgres", PATRONI_METRICS_PORT_NAME, `127.0.0.1:${m.restPort}`, m.name)),
      ...members.map((m, i) =>
        target("postgres", POSTGRES_EXPORTER_PORT_NAME, `127.0.0.1:${pgExporterPorts[i]}`, m.name),
      ),
      ...redisTargets.map((t, k) =>
        target(t.role, REDIS_EXPORTER_PORT_NAME, `127.0.0.1:${redisExporterPorts[k]}`, `${t.role}${t.i}`),
      ),
    ];
    const deployment: ObservedDeployment = {
      namespace: NAMESPACE,
      platform: PLATFORM,
      harbor: false,
      postgres: {
        members: 3,
        synchronousMode: true,
        maxConnections: budget.maxConnections,
        maximumLagOnFailoverBytes: timing.maximumLagOnFailover ?? DEFAULT_TIMING.maximumLagOnFailover,
        statefulSet: "drill",
        backups: false,
      },
      redis: {
        masterSet: topo.masterSet,
        sentinels: 3,
        quorum: 2,
        maxmemoryBytes: redisMaxmemoryMb(MEMORY_GI) * 1048576,
      },
      certificates: false,
    };
    const overrides: AlertOverrides = Object.fromEntries(ALERT_NAMES.map((n) => [n, { for: "1s" }]));
    const promDir = box.mkdir("prometheus");
    const rulesFile = join(promDir, "rules.yaml");
    writeFileSync(rulesFile, stringify({ groups: renderAlertGroups(deployment, overrides) }));
    const scrapeConfigs = staticScrapeConfigs(monitors, targets, "1s");
    const configFile = join(promDir, "prometheus.yml");
    writeFileSync(
      configFile,
      stringify({
        global: { scrape_interval: "1s", evaluation_interval: "1s", scrape_timeout: "900ms" },
        rule_files: [rulesFile],
        scrape_configs: scrapeConfigs,
      }),
    );
    box.start("prometheus", PROMETHEUS, [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${box.mkdir("prometheus/data")}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    type Targets = { data: { activeTargets: { health: string; labels: Record<string, string> }[] } };
    await box.waitFor(
      "Prometheus scraping every target",
      async () => {
        const t = await getJson<Targets>(promPort, "/api/v1/targets");
        return t.data.activeTargets.length === targets.length && t.data.activeTargets.every((a) => a.health === "up");
      },
      20000,
      300,
    );
    const jobs = [
      ...new Set((await getJson<Targets>(promPort, "/api/v1/targets")).data.activeTargets.map((a) => a.labels.job)),
    ].sort();
    say(
      `Prometheus scrapes ${targets.length} targets (jobs ${jobs.join(", ")}) with ${ALERT_NAMES.length} rendered alerts`,
    );
    // The exporters must have seen the daemons (pg_up, redis_up, a sentinel's view) before "healthy" means anything.
    type Query = { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    const q = (expr: string) => getJson<Query>(promPort, `/api/v1/query?query=${encodeURIComponent(expr)}`);
    await box.waitFor(
      "every exporter reporting its daemon up",
      async () =>
        (await q("sum(pg_up)")).data.result[0]?.value[1] === "3" &&
        (await q('sum(redis_up{job="harbor-ha-redis"})')).data.result[0]?.value[1] === "3" &&
        (await q("count(redis_sentinel_master_ok_sentinels)")).data.result[0]?.value[1] === "3",
      20000,
      300,
    );

    // What the exporter exposes as the pg_monitor role: the series the alert rules and dashboards read, and
    // pg_stat_replication's (its LSN columns are NULL for a role without pg_read_all_stats, which pg_monitor has).
    const exporterSeries: Record<string, number> = {};
    for (const name of EXPORTER_METRICS_USED)
      exporterSeries[name] = Number(
        (await q(`count(${name}{job="${METRICS_JOBS.postgres}"})`)).data.result[0]?.value[1] ?? 0,
      );
    say(`postgres_exporter as ${POSTGRES_EXPORTER_ROLE} (${roleRow}): ${JSON.stringify(exporterSeries)}`);

    type Alerts = { data: { alerts: { labels: { alertname: string }; state: string }[] } };
    const firing = async () =>
      new Set(
        (await getJson<Alerts>(promPort, "/api/v1/alerts")).data.alerts
          .filter((a) => a.state === "firing")
          .map((a) => a.labels.alertname),
      );
    // ---- Healthy: nothing may fire over several evaluations.
    const healthyFiring = new Set<string>();
    const watchFrom = Date.now();
    while (Date.now() - watchFrom < 5000) {
      for (const a of await firing()) healthyFiring.add(a);
      await sleep(250);
    }
    const healthyWatchedSeconds = (Date.now() - watchFrom) / 1000;
    say(
      `healthy cluster watched ${healthyWatchedSeconds.toFixed(1)} s: firing ${[...healthyFiring].join(", ") || "nothing"}`,
    );

    // ---- Faults: the Patroni leader (patroni + postmaster + backends) and the Redis master, SIGKILL.
    const leader = (await leaderOf(members))!;
    const pm = postmasterPid(leader.dataDir);
    const backends = pm ? childrenOf(pm) : [];
    const killAt = Date.now();
    box.kill(leader.patroniPid, "SIGKILL");
    if (pm) for (const p of [pm, ...backends]) box.kill(p, "SIGKILL");
    box.kill(redisPids[redisMaster.i], "SIGKILL");
    say(`SIGKILL Patroni leader ${leader.name} and Redis master redis${redisMaster.i}`);

    const timings = new Map<string, AlertTiming>();
    const mustResolve = ["PatroniNoLeader", "RedisNoMaster"];
    await box.waitFor(
      "PatroniNoLeader and RedisNoMaster to fire and then resolve",
      async () => {
        const now = (Date.now() - killAt) / 1000;
        const f = await firing();
        for (const a of f) if (!timings.has(a)) timings.set(a, { alert: a, firedAfter: now });
        for (const t of timings.values()) if (t.resolvedAfter === undefined && !f.has(t.alert)) t.resolvedAfter = now;
        return mustResolve.every((a) => timings.get(a)?.resolvedAfter !== undefined);
      },
      45000,
      250,
    );
    // The killed members stay down: their exporters' alerts keep firing (expected); note what did.
    const result: AlertTiming[] = [...timings.values()].sort((a, b) => a.firedAfter - b.firedAfter);
    for (const t of result)
      say(
        `alert ${t.alert}: fired after ${t.firedAfter.toFixed(1)} s, ${t.resolvedAfter !== undefined ? `resolved after ${t.resolvedAfter.toFixed(1)} s` : "still firing (its daemon stays down)"}`,
      );
    return {
      startupSeconds,
      healthyFiring: [...healthyFiring],
      healthyWatchedSeconds,
      timings: result,
      jobs,
      exporterRole: { name: POSTGRES_EXPORTER_ROLE, superuserPgMonitorConnLimit: roleRow, series: exporterSeries },
      totalSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    await box.stopAll();
  }
}

/** `INFO replication` of a Redis node as a map, through redis-cli (password via REDISCLI_AUTH, never argv). */
async function redisInfo(e: Endpoint, password: string): Promise<Record<string, string>> {
  const { spawnSync } = await import("child_process");
  const r = spawnSync(REDIS_CLI, ["-h", e.host, "-p", String(e.port), "--no-auth-warning", "info", "replication"], {
    encoding: "utf8",
    timeout: 2000,
    env: { ...process.env, REDISCLI_AUTH: password },
  });
  return Object.fromEntries(
    (r.stdout ?? "")
      .split(/\r?\n/)
      .filter((l) => l.includes(":"))
      .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]),
  );
}
