/**
 * Grafana dashboards generated from code (Harbor overview, database, Redis), as pure functions. Each is shipped
 * as a ConfigMap carrying the Grafana sidecar's label (`grafana_dashboard: "1"`, the default `sidecar.dashboards.label`
 * of the Grafana and kube-prometheus-stack charts), which loads it without any Grafana API call. Panels query the
 * same `job` labels the monitors set and the alert rules read.
 */
import { createHash } from "crypto";
import { METRICS_JOBS, ObservedDeployment, PLATFORM_LABEL, sel as s } from "./alertRules";

/** The Grafana sidecar's label and value (its chart default). */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

interface Panel {
  title: string;
  /** PromQL per series, with its legend. */
  targets: { expr: string; legend: string }[];
  unit?: string;
  /** Horizontal line: the alert threshold the panel is about. */
  threshold?: number;
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  time: { from: string; to: string };
  refresh: string;
  templating: { list: object[] };
  panels: object[];
}

/** The dashboards' kinds; a dashboard's ConfigMap is named after its kind. */
export type DashboardKind = "overview" | "database" | "redis";

/**
 * Grafana's uid for a deployment's dashboard: at most 40 characters (Grafana refuses longer ones), and its own
 * per namespace and platform (two platforms may share a namespace), whatever the namespace's length.
 */
export function dashboardUid(kind: DashboardKind, d: Pick<ObservedDeployment, "namespace" | "platform">): string {
  const id = createHash("sha256").update(`${d.namespace}/${d.platform}`).digest("hex").slice(0, 12);
  return `harbor-ha-${kind}-${id}`;
}

function dashboard(d: ObservedDeployment, kind: DashboardKind, name: string, panels: Panel[]): Dashboard {
  return {
    uid: dashboardUid(kind, d),
    // Titles are unique per Grafana folder: the namespace and the platform tell deployments apart.
    title: `${name} (${d.namespace}/${d.platform})`,
    tags: ["harbor-ha"],
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    // Panels query "${datasource}": the user picks the Prometheus data source.
    templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Data source" }] },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: "timeseries",
      title: p.title,
      datasource: { type: "prometheus", uid: "${datasource}" },
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: {
        defaults: {
          unit: p.unit ?? "short",
          ...(p.threshold !== undefined
            ? {
                thresholds: {
                  mode: "absolute",
                  steps: [
                    { color: "green", value: null },
                    { color: "red", value: p.threshold },
                  ],
                },
                custom: { thresholdsStyle: { mode: "line" } },
              }
            : {}),
        },
        overrides: [],
      },
      targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legend })),
    })),
  };
}

/** The dashboards for this deployment; a tier that is not ours (or has no metrics) gets none. */
export function renderDashboards(d: ObservedDeployment): Dashboard[] {
  const out: Dashboard[] = [];
  const h = METRICS_JOBS.harbor;
  if (d.harbor)
    out.push(
      dashboard(d, "overview", "Harbor overview", [
        { title: "Components up", targets: [{ expr: `harbor_up${s(d, h)}`, legend: "{{component}}" }] },
        {
          title: "Core API p99 latency",
          unit: "s",
          targets: [
            {
              expr: `max by (operation) (harbor_core_http_request_duration_seconds${s(d, h, 'quantile="0.99"')})`,
              legend: "{{operation}}",
            },
          ],
        },
        {
          title: "Core requests / s",
          unit: "reqps",
          targets: [
            { expr: `sum by (method) (rate(harbor_core_http_request_total${s(d, h)}[5m]))`, legend: "{{method}}" },
          ],
        },
        {
          title: "Registry 5xx ratio",
          unit: "percentunit",
          targets: [
            {
              expr: `sum(rate(registry_http_requests_total${s(d, h, 'code=~"5.."')}[5m])) / sum(rate(registry_http_requests_total${s(d, h)}[5m]))`,
              legend: "5xx",
            },
          ],
        },
        {
          title: "Jobservice queue latency",
          unit: "s",
          targets: [{ expr: `max by (type) (harbor_task_queue_latency${s(d, h)})`, legend: "{{type}}" }],
        },
        {
          title: "Failed jobservice tasks (1h)",
          targets: [
            {
              expr: `sum by (type) (increase(harbor_jobservice_task_total${s(d, h, 'status="Error"')}[1h]))`,
              legend: "{{type}}",
            },
          ],
        },
        {
          title: "Project storage used",
          unit: "bytes",
          targets: [
            { expr: `sum by (project_name) (harbor_project_quota_usage_byte${s(d, h)})`, legend: "{{project_name}}" },
          ],
        },
        {
          title: "Edge (Envoy) requests / s by class",
          unit: "reqps",
          targets: [
            {
              expr: `sum by (envoy_response_code_class) (rate(envoy_cluster_upstream_rq_xx{job="${METRICS_JOBS.envoy}", ${PLATFORM_LABEL}="${d.platform}"}[5m]))`,
              legend: "{{envoy_response_code_class}}xx",
            },
          ],
        },
      ]),
    );
  if (d.postgres) {
    const p = METRICS_JOBS.patroni;
    const e = METRICS_JOBS.postgres;
    out.push(
      dashboard(d, "database", "Harbor database", [
        {
          title: "Patroni role (1 = primary)",
          targets: [{ expr: `patroni_primary${s(d, p)}`, legend: "{{instance}}" }],
        },
        { title: "Synchronous standby", targets: [{ expr: `patroni_sync_standby${s(d, p)}`, legend: "{{instance}}" }] },
        {
          title: "Connections vs max_connections",
          threshold: d.postgres.maxConnections,
          targets: [
            { expr: `sum by (instance) (pg_stat_activity_count${s(d, e)})`, legend: "{{instance}}" },
            { expr: `max(pg_settings_max_connections${s(d, e)})`, legend: "max_connections" },
          ],
        },
        {
          title: "Replica WAL behind the primary",
          unit: "bytes",
          threshold: d.postgres.maximumLagOnFailoverBytes,
          targets: [
            {
              // Replicas only: Patroni exports every xlog metric on every member, 0 where it does not apply.
              expr: `max(patroni_xlog_location${s(d, p)} and on (pod) patroni_primary${s(d, p)} == 1) - on () group_right () (patroni_xlog_received_location${s(d, p)} and on (pod) patroni_replica${s(d, p)} == 1)`,
              legend: "{{pod}}",
            },
          ],
        },
        { title: "Timeline", targets: [{ expr: `patroni_postgres_timeline${s(d, p)}`, legend: "{{instance}}" }] },
        {
          title: "Transactions / s",
          targets: [
            { expr: `sum by (instance) (rate(pg_stat_database_xact_commit${s(d, e)}[5m]))`, legend: "{{instance}}" },
          ],
        },
      ]),
    );
  }
  if (d.redis) {
    const r = METRICS_JOBS.redis;
    out.push(
      dashboard(d, "redis", "Harbor Redis", [
        { title: "Role", targets: [{ expr: `redis_instance_info${s(d, r)}`, legend: "{{instance}} {{role}}" }] },
        {
          title: "Memory used vs maxmemory",
          unit: "bytes",
          threshold: d.redis.maxmemoryBytes,
          targets: [{ expr: `redis_memory_used_bytes${s(d, r)}`, legend: "{{instance}}" }],
        },
        {
          title: "Healthy sentinels (per sentinel's view)",
          threshold: d.redis.quorum,
          targets: [
            { expr: `redis_sentinel_master_ok_sentinels${s(d, METRICS_JOBS.sentinel)}`, legend: "{{instance}}" },
          ],
        },
        {
          title: "Commands / s",
          targets: [
            { expr: `sum by (instance) (rate(redis_commands_processed_total${s(d, r)}[5m]))`, legend: "{{instance}}" },
          ],
        },
        {
          title: "Refused writes (5m)",
          targets: [
            {
              expr: `sum by (err) (increase(redis_errorstat_total${s(d, r, 'err=~"OOM|NOREPLICAS|READONLY"')}[5m]))`,
              legend: "{{err}}",
            },
          ],
        },
        {
          title: "Connected replicas",
          targets: [{ expr: `redis_connected_slaves${s(d, r)}`, legend: "{{instance}}" }],
        },
      ]),
    );
  }
  return out;
}
