/**
 * The observability tier: monitors and rules validate against prometheus-operator v0.93.0's CRD schemas,
 * thresholds follow the deployment's sizing, the exporters' connections are in the connection budget, the
 * platform wires it all with the scrape NetworkPolicies, and bad input is refused before any resource.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { crdJsonSchemas } from "./support/crdSchemas";
import { validateKubernetesObject } from "../engine/schemas";
import { CapturedResource, UNKNOWN } from "../engine";
import {
  ALERT_NAMES,
  ALERTS,
  alertOverrideProblems,
  GRAFANA_DASHBOARD_LABEL,
  harborChartServiceMonitor,
  labelMapProblem,
  METRICS_JOBS,
  PLATFORM_LABEL,
  ObservedDeployment,
  PROMETHEUS_OPERATOR_CRDS,
  PROMETHEUS_OPERATOR_CRDS_CHART,
  renderAlertGroups,
  renderDashboards,
  renderMonitors,
  staticScrapeConfigs,
} from "../components/observability";
import { computeConnectionBudget } from "../components/conventions/connectionBudget";
import {
  postgresExporterPools,
  POSTGRES_EXPORTER_CONNECTIONS,
  POSTGRES_EXPORTER_ROLE,
} from "../components/postgres/renderPostgresExporter";
import { renderMonitoringRoleScript } from "../components/postgres/renderJobScripts";
import { redisMaxmemoryMb } from "../components/redis/renderRedisConfig";
import { backupAgeLimits } from "../components/postgres/backupFacts";
import { isInputError, plan } from "../cli/plan";

const ROOT = path.join(__dirname, "..");
const PO = path.join(ROOT, "test", "fixtures", "upstream", "prometheus-operator-v0.93.0");

const cr = (o: object): CapturedResource =>
  ({
    urn: "urn:pulumi:test::p::kubernetes:monitoring.coreos.com/v1:X::x",
    type: `kubernetes:monitoring.coreos.com/v1:${(o as { kind: string }).kind}`,
    name: "x",
    custom: true,
    inputs: o,
  }) as unknown as CapturedResource;

export const SAMPLE: ObservedDeployment = {
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
    backupAgeCheck: { cronJob: "harbor-db-backup-age", ...backupAgeLimits("0 1 * * *")! },
  },
  redis: { masterSet: "harbor", sentinels: 3, quorum: 2, maxmemoryBytes: redisMaxmemoryMb(2) * 1024 * 1024 },
  certificates: true,
};

const PORTS = {
  patroni: "patroni",
  patroniPort: 8008,
  postgresExporter: "pg-metrics",
  postgresExporterPort: 9187,
  redisExporter: "redis-metrics",
  redisExporterPort: 9121,
};

const monitors = () =>
  renderMonitors(
    {
      namespace: "harbor",
      name: "harbor-observability",
      platform: "harbor",
      selectorLabels: { release: "kube-prometheus-stack" },
      labels: { "app.kubernetes.io/managed-by": "harbor-ha" },
      postgresPods: { "app.kubernetes.io/name": "postgresql", "app.kubernetes.io/instance": "harbor-db" },
      postgresExporter: true,
      redisPods: { redis: { a: "redis" }, sentinel: { a: "sentinel" } },
      certManagerNamespace: "cert-manager",
      envoy: { namespace: "envoy-gateway-system", gatewayNamespace: "harbor" },
    },
    PORTS,
  );

describe("observability: CRD schemas of prometheus-operator v0.93.0", () => {
  const KINDS = ["ServiceMonitor", "PodMonitor", "PrometheusRule"];
  it("engine/crds holds exactly the conversion of the fixtures' CRDs (UPDATE_CRDS=1 rewrites them)", () => {
    const want = new Map<string, unknown>();
    for (const f of fs.readdirSync(path.join(PO, "crds")))
      for (const [name, s] of crdJsonSchemas(fs.readFileSync(path.join(PO, "crds", f), "utf8"), KINDS))
        want.set(name, s);
    assert.deepEqual([...want.keys()].sort(), [
      "monitoring.coreos.com_v1_PodMonitor.json",
      "monitoring.coreos.com_v1_PrometheusRule.json",
      "monitoring.coreos.com_v1_ServiceMonitor.json",
    ]);
    for (const [name, s] of want) {
      const file = path.join(ROOT, "engine", "crds", name);
      if (process.env.UPDATE_CRDS) fs.writeFileSync(file, JSON.stringify(s) + "\n");
      assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), s, name);
    }
    for (const f of fs.readdirSync(path.join(PO, "crds")))
      assert.match(fs.readFileSync(path.join(PO, "crds", f), "utf8"), /operator\.prometheus\.io\/version: 0\.93\.0/);
  });

  it("every rendered monitor and the PrometheusRule validate; a misspelt field and a bad relabel action fail", () => {
    for (const m of monitors()) assert.deepEqual(validateKubernetesObject(cr(m)), [], `${m.kind} ${m.metadata.name}`);
    const rule = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "r", namespace: "harbor" },
      spec: { groups: renderAlertGroups(SAMPLE) },
    };
    assert.deepEqual(validateKubernetesObject(cr(rule)), []);
    const bad = structuredClone(monitors()[0]) as any;
    bad.spec.podMetricsEndpoints[0].pathh = "/metrics";
    assert.match(validateKubernetesObject(cr(bad))[0]?.message ?? "", /must NOT have additional properties/);
    const badAction = structuredClone(monitors()[0]) as any;
    badAction.spec.podMetricsEndpoints[0].relabelings[0].action = "rename";
    assert.match(validateKubernetesObject(cr(badAction))[0]?.message ?? "", /action/);
    const badRule = structuredClone(rule) as any;
    badRule.spec.groups[0].rules[0].for = 5;
    assert.equal(validateKubernetesObject(cr(badRule)).length, 1);
  });

  it("Harbor's chart ServiceMonitor values carry the selector labels, our job label and the platform's name", () => {
    const v = harborChartServiceMonitor({ release: "kps" }, "reg-a");
    assert.deepEqual(v.additionalLabels, { release: "kps" });
    assert.deepEqual(v.relabelings, [
      { action: "replace", targetLabel: "job", replacement: METRICS_JOBS.harbor },
      { action: "replace", targetLabel: PLATFORM_LABEL, replacement: "reg-a" },
    ]);
  });

  it("every monitor endpoint sets the platform label, and every job-selecting rule and panel selects it", () => {
    const endpoints = monitors().flatMap((m) => m.spec.podMetricsEndpoints ?? m.spec.endpoints ?? []);
    assert.ok(endpoints.length >= 6);
    for (const e of endpoints)
      assert.deepEqual(
        e.relabelings.filter((r) => r.targetLabel === PLATFORM_LABEL),
        [{ action: "replace", targetLabel: PLATFORM_LABEL, replacement: "harbor" }],
        `${e.port ?? e.portNumber}`,
      );
    const other = { ...SAMPLE, platform: "reg-b" };
    const exprs = [
      ...renderAlertGroups(other).flatMap((g) => g.rules.map((r) => r.expr)),
      ...renderDashboards(other).flatMap((d) => (d.panels as any[]).flatMap((p) => p.targets.map((t: any) => t.expr))),
    ];
    // Each selector naming one of our jobs also names this platform (and nothing names SAMPLE's).
    const selectors = exprs.flatMap((x) => x.match(/\{job="[^}]*\}/g) ?? []);
    assert.ok(selectors.length > 20);
    for (const m of selectors) assert.ok(m.includes(`${PLATFORM_LABEL}="reg-b"`), m);
  });
});

describe("observability: alert rules follow the sizing", () => {
  const rule = (d: ObservedDeployment, name: string, o = {}) =>
    renderAlertGroups(d, o)
      .flatMap((g) => g.rules)
      .find((r) => r.alert === name);

  it("connections alert at 80 % of the max_connections the connection budget computes", () => {
    const budget = computeConnectionBudget({
      pools: [{ component: "core", replicas: 2, maxOpenConns: 100 }, ...postgresExporterPools(3, true)],
      members: 3,
    });
    const d = { ...SAMPLE, postgres: { ...SAMPLE.postgres!, maxConnections: budget.maxConnections } };
    assert.match(rule(d, "PostgresConnectionsHigh")!.expr, new RegExp(`> ${Math.floor(0.8 * budget.maxConnections)}$`));
    // The threshold is a fraction of the budget: doubling the budget doubles the alert's number.
    const d2 = { ...SAMPLE, postgres: { ...SAMPLE.postgres!, maxConnections: 2 * budget.maxConnections } };
    assert.match(
      rule(d2, "PostgresConnectionsHigh")!.expr,
      new RegExp(`> ${Math.floor(1.6 * budget.maxConnections)}$`),
    );
    assert.match(
      rule(d, "PostgresConnectionsHigh", { PostgresConnectionsHigh: { threshold: 0.5 } })!.expr,
      new RegExp(`> ${Math.floor(0.5 * budget.maxConnections)}$`),
    );
  });

  it("the exporters' connections are counted in the budget (max_connections grows with them)", () => {
    const pools = [{ component: "core", replicas: 2, maxOpenConns: 100 }];
    const without = computeConnectionBudget({ pools, members: 3 });
    const withExporters = computeConnectionBudget({ pools: [...pools, ...postgresExporterPools(3, true)], members: 3 });
    assert.equal(withExporters.peakDemand! - without.peakDemand!, 3 * POSTGRES_EXPORTER_CONNECTIONS);
    assert.deepEqual(postgresExporterPools(3, false), []);
  });

  it("Redis memory follows redisMaxmemoryMb, sentinel quorum the quorum and majority, lag maximum_lag_on_failover", () => {
    assert.match(
      rule(SAMPLE, "RedisMemoryNearMaxmemory")!.expr,
      new RegExp(`> ${Math.floor(0.9 * redisMaxmemoryMb(2) * 1048576)}$`),
    );
    assert.match(rule(SAMPLE, "RedisSentinelQuorumLost")!.expr, /< 2$/);
    const five = { ...SAMPLE, redis: { ...SAMPLE.redis!, sentinels: 5, quorum: 2 } };
    assert.match(rule(five, "RedisSentinelQuorumLost")!.expr, /< 3$/, "a failover needs a majority of 5 too");
    assert.match(rule(SAMPLE, "PostgresReplicationLag")!.expr, /> 1048576$/);
  });

  it("alerts of absent tiers are left out; sync standby only in synchronous mode; archiving only with backups", () => {
    const bare: ObservedDeployment = { namespace: "h", platform: "h", harbor: false, certificates: false };
    assert.deepEqual(renderAlertGroups(bare), []);
    const asyncDb = { ...SAMPLE, postgres: { ...SAMPLE.postgres!, synchronousMode: false, backups: false } };
    assert.equal(rule(asyncDb, "PatroniNoSyncStandby"), undefined);
    assert.equal(rule(asyncDb, "PostgresWalArchivingFailing"), undefined);
    assert.equal(rule(asyncDb, "PostgresBaseBackupTooOld"), undefined, "no backups: no backup-age alert");
    // The alert's limits are the check's: the CronJob's name and backupAgeLimits' numbers, nothing copied.
    const tooOld = rule(SAMPLE, "PostgresBaseBackupTooOld")!.expr;
    const l = backupAgeLimits("0 1 * * *")!;
    assert.match(tooOld, /cronjob="harbor-db-backup-age"/);
    assert.ok(tooOld.includes(`> ${l.alertAfterSeconds})`) && tooOld.includes(`> ${l.neverSucceededAfterSeconds} `));
    assert.ok(rule(SAMPLE, "PatroniNoSyncStandby"));
    assert.equal(rule(SAMPLE, "RedisNoMaster", { RedisNoMaster: { enabled: false } }), undefined);
  });

  it("every alert has a runbook (meaning and first check) and selects this namespace", () => {
    const rules = renderAlertGroups(SAMPLE).flatMap((g) => g.rules);
    assert.deepEqual(rules.map((r) => r.alert).sort(), [...ALERT_NAMES].sort());
    for (const r of rules) {
      assert.ok(r.annotations.description.length > 20 && r.annotations.runbook.startsWith("First check: "), r.alert);
      assert.match(r.expr, /namespace="harbor"/, r.alert);
    }
  });

  it("overrides: unknown names (with a suggestion), non-positive thresholds, bad durations, all at once", () => {
    const problems = alertOverrideProblems({
      PatroniNoLeadr: {},
      PostgresConnectionsHigh: { threshold: 0 },
      RedisMemoryNearMaxmemory: { threshold: -1, for: "5 minutes" },
      PatroniNoLeader: { threshold: 3 },
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      [
        "PatroniNoLeadr",
        "PostgresConnectionsHigh.threshold",
        "RedisMemoryNearMaxmemory.threshold",
        "RedisMemoryNearMaxmemory.for",
        "PatroniNoLeader.threshold",
      ],
    );
    assert.match(problems[0].fix, /did you mean "PatroniNoLeader"/);
    assert.throws(() => renderAlertGroups(SAMPLE, { Nope: {} }), /Nope/);
  });

  it("label maps: a list, a nested map or a bad label name are refused", () => {
    assert.equal(labelMapProblem({ release: "kube-prometheus-stack", "app.kubernetes.io/name": "x" }), undefined);
    assert.match(labelMapProblem(["release=x"])!, /got a list/);
    assert.match(labelMapProblem({ release: { a: 1 } })!, /strings/);
    assert.match(labelMapProblem({ "bad key!": "x" })!, /not a label name/);
    assert.match(labelMapProblem("release=x")!, /got string/);
  });
});

describe("observability: dashboards and the drill's scrape config", () => {
  it("three dashboards from code, with the sidecar label convention and thresholds from the sizing", () => {
    const ds = renderDashboards(SAMPLE);
    assert.deepEqual(
      ds.map((d) => d.title),
      ["Harbor overview (harbor/harbor)", "Harbor database (harbor/harbor)", "Harbor Redis (harbor/harbor)"],
    );
    // Grafana's uid: at most 40 characters, whatever the namespace, and distinct per platform in a namespace.
    const long = { ...SAMPLE, namespace: "a".repeat(63) };
    const other = { ...SAMPLE, platform: "team-b" };
    const uids = [SAMPLE, long, other].flatMap((x) => renderDashboards(x).map((dash) => dash.uid));
    assert.equal(new Set(uids).size, 9);
    for (const uid of uids) assert.ok(uid.length <= 40, uid);
    assert.deepEqual(GRAFANA_DASHBOARD_LABEL, { grafana_dashboard: "1" });
    const conns = (ds[1].panels as any[]).find((p) => p.title === "Connections vs max_connections");
    assert.equal(conns.fieldConfig.defaults.thresholds.steps[1].value, 700);
    for (const d of ds) for (const p of d.panels as any[]) assert.ok(p.targets.every((t: any) => t.expr.length > 0));
  });

  it("the static scrape config keeps each endpoint's path and relabelings (job) and the targets' labels", () => {
    const cfg = staticScrapeConfigs(
      monitors(),
      [
        {
          monitor: "harbor-observability-postgres",
          port: "patroni",
          address: "127.0.0.1:1",
          labels: { namespace: "harbor", pod: "pg0" },
        },
      ],
      "1s",
    ) as any[];
    assert.equal(cfg.length, 1);
    assert.equal(cfg[0].metrics_path, "/metrics");
    assert.deepEqual(cfg[0].relabel_configs, [
      { action: "replace", target_label: "job", replacement: METRICS_JOBS.patroni },
      { action: "replace", target_label: PLATFORM_LABEL, replacement: "harbor" },
    ]);
    assert.deepEqual(cfg[0].static_configs[0].labels, {
      namespace: "harbor",
      pod: "pg0",
      job: "harbor/harbor-observability-postgres",
    });
  });
});

describe("observability: the platform and the stack config", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-obs-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const withObservability = (stack: string, obs: unknown) => {
    const doc = parse(fs.readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8"));
    doc.config["harbor-ha:observability"] = obs;
    const file = path.join(dir, `Pulumi.${stack}-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, stringify(doc));
    return file;
  };

  it("prod with observability: sidecars, monitors, rules, dashboards, scrape policies; all objects valid", async () => {
    const { graph, exitCode } = await plan("prod", {
      configFile: withObservability("prod", { enabled: true, selectorLabels: { release: "kube-prometheus-stack" } }),
    });
    assert.deepEqual(graph.errors, []);
    assert.equal(exitCode, 0);
    const objs = graph.resources.map((r) => ({ r, o: r.inputs as any }));
    const kinds = (k: string) => objs.filter(({ o }) => o?.kind === k).map(({ o }) => o);
    assert.deepEqual(
      kinds("PodMonitor")
        .map((m) => m.metadata.name)
        .sort(),
      [
        "harbor-observability-envoy",
        "harbor-observability-postgres",
        "harbor-observability-redis",
        "harbor-observability-sentinel",
      ],
    );
    assert.equal(kinds("ServiceMonitor").length, 1);
    for (const m of [...kinds("PodMonitor"), ...kinds("ServiceMonitor"), ...kinds("PrometheusRule")])
      assert.equal(m.metadata.labels.release, "kube-prometheus-stack");
    const db = kinds("StatefulSet").find((s) => s.metadata.name === "harbor-db");
    const exporter = db.spec.template.spec.containers.find((c: any) => c.name === "postgres-exporter");
    assert.ok(exporter, "postgres_exporter sidecar");
    const pass = exporter.env.find((e: any) => e.name === "DATA_SOURCE_PASS");
    assert.ok(pass.valueFrom.secretKeyRef, "the password comes from a Secret");
    assert.ok(!JSON.stringify(exporter.args ?? []).includes("pass"));
    // Least privilege: its own pg_monitor role and Secret, never the superuser's.
    const user = exporter.env.find((e: any) => e.name === "DATA_SOURCE_USER").value;
    assert.equal(user, POSTGRES_EXPORTER_ROLE);
    assert.deepEqual(pass.valueFrom.secretKeyRef, { name: "harbor-db-postgres-exporter", key: "password" });
    const secretObj = kinds("Secret").find((x) => x.metadata.name === "harbor-db-postgres-exporter");
    assert.ok(secretObj, "the exporter's Secret");
    const roleJob = kinds("Job").find((j) => j.metadata.name === "harbor-db-monitoring-role");
    const jobEnv = roleJob.spec.template.spec.containers[0].env;
    assert.deepEqual(jobEnv.find((e: any) => e.name === "MONITOR_PASSWORD").valueFrom.secretKeyRef, {
      name: "harbor-db-postgres-exporter",
      key: "password",
    });
    const script = kinds("ConfigMap").find((c) => c.metadata.name === "harbor-db-jobs").data[
      "create-monitoring-role.sh"
    ];
    assert.equal(
      script,
      renderMonitoringRoleScript(POSTGRES_EXPORTER_ROLE, POSTGRES_EXPORTER_CONNECTIONS),
      "the script the drill runs",
    );
    assert.match(script, /SET log_statement = 'none';[\s\S]*\\getenv pw MONITOR_PASSWORD[\s\S]*GRANT pg_monitor/);
    assert.match(script, /NOSUPERUSER/);
    for (const set of ["harbor-redis-redis", "harbor-redis-sentinel"])
      assert.ok(
        kinds("StatefulSet")
          .find((s) => s.metadata.name === set)
          .spec.template.spec.containers.some((c: any) => c.name === "redis-exporter"),
        set,
      );
    // The rule's connection threshold is 80 % of the max_connections the cluster was given.
    const maxConnections = Number(
      /max_connections: "?(\d+)/.exec(
        kinds("ConfigMap").find((c) => c.metadata.name === "harbor-db-patroni").data["patroni.yaml"],
      )![1],
    );
    const rules = kinds("PrometheusRule")[0].spec.groups.flatMap((g: any) => g.rules);
    const conns = rules.find((r: any) => r.alert === "PostgresConnectionsHigh");
    assert.match(conns.expr, new RegExp(`> ${Math.floor(0.8 * maxConnections)}$`));
    // Harbor's chart ServiceMonitor, with the selector labels and our job.
    const harbor = objs.find(
      ({ r }) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as any).chart === "harbor",
    )!;
    const sm = (harbor.o.values as any).metrics.serviceMonitor;
    assert.deepEqual([sm.enabled, sm.additionalLabels], [true, { release: "kube-prometheus-stack" }]);
    // Only the Prometheus pods reach the metrics ports.
    const scrape = kinds("NetworkPolicy").find((n) => n.metadata.name === "harbor-observability-postgres-scrape");
    assert.deepEqual(
      scrape.spec.ingress[0].ports.map((p: any) => p.port),
      [8008, 9187],
    );
    assert.deepEqual(scrape.spec.ingress[0].from[0].namespaceSelector.matchLabels, {
      "kubernetes.io/metadata.name": "monitoring",
    });
    const dashboards = kinds("ConfigMap").filter((c) => c.metadata.labels?.grafana_dashboard === "1");
    assert.equal(dashboards.length, 3);
  });

  it("staging and prod read prometheus-operator's CRDs as prerequisites; prod-fresh installs them; dev stays off", async () => {
    const monitoringKinds = Object.keys(PROMETHEUS_OPERATOR_CRDS) as (keyof typeof PROMETHEUS_OPERATOR_CRDS)[];
    for (const stack of ["staging", "prod", "prod-fresh", "dev"]) {
      const { graph, exitCode, violations } = await plan(stack, {});
      assert.deepEqual(graph.errors, [], stack);
      assert.equal(exitCode, 0, stack);
      assert.deepEqual(
        violations.filter((v) => v.enforcementLevel === "mandatory"),
        [],
        stack,
      );
      const monitoring = graph.resources.filter((r) => monitoringKinds.includes((r.inputs as any)?.kind));
      const crdReads = (graph.reads ?? []).filter((r) => r.type.endsWith("CustomResourceDefinition"));
      const crdRelease = graph.resources.find((r) => (r.inputs as any)?.chart === PROMETHEUS_OPERATOR_CRDS_CHART.chart);
      const harbor = graph.resources.find((r) => (r.inputs as any)?.chart === "harbor")!;
      if (stack === "dev") {
        assert.deepEqual([monitoring.length, crdReads.length, crdRelease], [0, 0, undefined], "dev: off");
        continue;
      }
      assert.equal(monitoring.length, 6, `${stack}: 4 PodMonitors, 1 ServiceMonitor, 1 PrometheusRule`);
      // What each monitoring object waits for: the read of its kind's CRD, or the chart that installs it.
      const prerequisiteOf = (kind: keyof typeof PROMETHEUS_OPERATOR_CRDS) =>
        stack === "prod-fresh" ? crdRelease!.urn : crdReads.find((r) => r.id === PROMETHEUS_OPERATOR_CRDS[kind])!.urn;
      if (stack === "prod-fresh") {
        assert.equal(crdReads.length, 0, "nothing to read in a cluster the stack creates");
        const inputs = crdRelease!.inputs as any;
        assert.equal(inputs.version, PROMETHEUS_OPERATOR_CRDS_CHART.version);
        assert.equal(inputs.repositoryOpts.repo, PROMETHEUS_OPERATOR_CRDS_CHART.repo);
        assert.deepEqual(
          Object.entries(inputs.values.crds)
            .filter(([, v]: [string, any]) => v.enabled)
            .map(([k]) => k)
            .sort(),
          ["podmonitors", "prometheusrules", "servicemonitors"],
          "exactly the CRDs harbor-ha's objects need",
        );
        // The CRDs outlive the release and the stack: Helm keeps them, Pulumi leaves the release on destroy.
        assert.deepEqual(inputs.values.crds.annotations, { "helm.sh/resource-policy": "keep" });
        assert.equal(crdRelease!.retainOnDelete, true);
      } else {
        assert.deepEqual(
          crdReads.map((r) => r.id).sort(),
          Object.values(PROMETHEUS_OPERATOR_CRDS).sort(),
          `${stack}: the three CRDs are read`,
        );
        for (const r of crdReads) assert.ok(!graph.resources.some((x) => x.urn === r.urn), "read, never created");
      }
      for (const m of monitoring) {
        const kind = (m.inputs as any).kind as keyof typeof PROMETHEUS_OPERATOR_CRDS;
        assert.ok(m.dependencies.includes(prerequisiteOf(kind)), `${stack}: ${m.name} waits for its CRD`);
      }
      assert.ok(harbor.dependencies.includes(prerequisiteOf("ServiceMonitor")), "Harbor's chart ServiceMonitor too");
      // With backups on, the backup-age check and its alert.
      assert.ok(
        graph.resources.some((r) => (r.inputs as any)?.kind === "CronJob"),
        `${stack}: backup-age CronJob`,
      );
      const rule = monitoring.find((r) => (r.inputs as any).kind === "PrometheusRule")!.inputs as any;
      const alerts = rule.spec.groups.flatMap((g: any) => g.rules.map((x: any) => x.alert));
      assert.ok(alerts.includes("PostgresBaseBackupTooOld"), stack);
    }
  });

  it("a first preview of prod: the backup-age check's WAL-G settings stay known but for AWS's values, so no policy gives up", async () => {
    const { graph, violations } = await plan("prod", { preview: true });
    assert.deepEqual(graph.errors, []);
    const env = graph.resources.find((r) => r.name === "harbor-db-backup-age-env")!.inputs as any;
    assert.equal(env.data.WALG_S3_SSE, "aws:kms");
    assert.equal(env.data.AWS_WEB_IDENTITY_TOKEN_FILE, "/var/run/secrets/eks.amazonaws.com/serviceaccount/token");
    assert.match(env.data.WALG_S3_PREFIX, /^s3:\/\/harbor-db-backups-\w+\/spilo\/harbor-db\/wal\/17$/);
    assert.equal(env.data.AWS_ROLE_ARN, UNKNOWN, "the role's ARN is AWS's");
    const blind = violations.filter((v) => /backup-age/.test(v.message));
    assert.deepEqual(blind, [], "the check's ConfigMap leaves no policy unable to check");
  });

  it("without observability nothing of it is planned (no sidecar, no monitor)", async () => {
    const { graph } = await plan("dev", {});
    const objs = graph.resources.map((r) => r.inputs as any);
    assert.equal(objs.filter((o) => ["PodMonitor", "ServiceMonitor", "PrometheusRule"].includes(o?.kind)).length, 0);
    // No exporter sidecar in any pod (the admission policy still lists their images as the platform's own).
    const containers = objs.flatMap((o) => o?.spec?.template?.spec?.containers ?? []);
    assert.ok(containers.length > 0);
    assert.deepEqual(
      containers.filter((c: any) => /exporter/.test(c.name) || /exporter/.test(c.image)).map((c: any) => c.name),
      [],
    );
    assert.equal(objs.filter((o) => o?.metadata?.name?.endsWith("-postgres-exporter")).length, 0, "no role Secret");
    assert.equal((graph.reads ?? []).filter((r) => r.type.endsWith("CustomResourceDefinition")).length, 0);
  });

  const BAD: [string, unknown, string, RegExp][] = [
    [
      "an unknown alert name",
      { enabled: true, alerts: { PatroniNoLeadr: { for: "1m" } } },
      "harbor-ha:observability.alerts.PatroniNoLeadr",
      /did you mean "PatroniNoLeader"/,
    ],
    [
      "a non-positive threshold",
      { enabled: true, alerts: { PostgresConnectionsHigh: { threshold: 0 } } },
      "harbor-ha:observability.alerts.PostgresConnectionsHigh.threshold",
      /positive number/,
    ],
    [
      "a selector that is not a label map",
      { enabled: true, selectorLabels: ["release=kps"] },
      "harbor-ha:observability.selectorLabels",
      /map of label names to values/,
    ],
    [
      "a Prometheus pod selector with a bad label name",
      { enabled: true, prometheus: { namespace: "monitoring", podSelector: { "a b": "x" } } },
      "harbor-ha:observability.prometheus.podSelector",
      /not a label name/,
    ],
    [
      "a bad duration",
      { enabled: true, alerts: { RedisNoMaster: { for: "soon" } } },
      "harbor-ha:observability.alerts.RedisNoMaster.for",
      /Prometheus duration/,
    ],
  ];
  for (const [name, obs, key, fix] of BAD)
    it(`refuses ${name} before any resource, naming the key and the fix`, async () => {
      let e: Error | undefined;
      try {
        await plan("prod", { configFile: withObservability("prod", obs) });
      } catch (err) {
        e = err as Error;
      }
      assert.ok(e && isInputError(e), `an input error, got ${e?.stack}`);
      assert.equal(e!.name, "StackConfigError");
      assert.ok(e!.message.includes(key), e!.message);
      assert.match(e!.message, fix);
      assert.match(e!.message, /Fix:/);
      assert.doesNotMatch(e!.message, /\n\s+at /);
    });

  it("the catalog's names are what README documents", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const n of Object.keys(ALERTS)) assert.ok(readme.includes(`\`${n}\``), `README lists ${n}`);
  });
});
