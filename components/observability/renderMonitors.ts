/**
 * ServiceMonitors and PodMonitors (prometheus-operator `monitoring.coreos.com/v1`) for every tier, as pure
 * functions, plus the translation of their endpoints into a plain Prometheus scrape config (what the operator
 * generates, for the targets a caller names), which the observability drill runs. Every monitor overrides
 * `job` with a fixed name (METRICS_JOBS) and sets PLATFORM_LABEL to the deployment's name, so that the alert rules
 * select exactly these targets (two platforms may share a namespace).
 */
import { METRICS_JOBS, PLATFORM_LABEL } from "./alertRules";

/** A relabeling as the CRDs spell it (camelCase of Prometheus' relabel_config). */
export interface Relabeling {
  sourceLabels?: string[];
  separator?: string;
  targetLabel?: string;
  regex?: string;
  replacement?: string;
  action?: string;
}

/** One scrape endpoint of a monitor. */
export interface MonitorEndpoint {
  /** Named container/Service port. */
  port?: string;
  /** Pod port number (PodMonitor only), for pods whose port has no name we control. */
  portNumber?: number;
  path: string;
  honorLabels?: boolean;
  relabelings: Relabeling[];
}

export interface MonitorObject {
  apiVersion: "monitoring.coreos.com/v1";
  kind: "ServiceMonitor" | "PodMonitor";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    namespaceSelector?: { matchNames: string[] };
    endpoints?: MonitorEndpoint[];
    podMetricsEndpoints?: MonitorEndpoint[];
  };
}

/** Sets `job` (the operator's default is the Service name or `<ns>/<PodMonitor>`): the rules select on it. */
export const jobRelabeling = (job: string): Relabeling => ({ action: "replace", targetLabel: "job", replacement: job });

/** Sets PLATFORM_LABEL to the deployment's name (`ObservedDeployment.platform`): the rules select on it too. */
export const platformRelabeling = (platform: string): Relabeling => ({
  action: "replace",
  targetLabel: PLATFORM_LABEL,
  replacement: platform,
});

/** Both relabelings of every endpoint: its job and the deployment's name. */
const ours = (job: string, platform: string): Relabeling[] => [jobRelabeling(job), platformRelabeling(platform)];

/** What the monitors watch: this deployment's pods and Services, and the labels the user's Prometheus selects on. */
export interface MonitorsArgs {
  /** Namespace of Harbor and its backends (the monitors live here). */
  namespace: string;
  /** Name prefix of the monitors. */
  name: string;
  /** The deployment's name (`ObservedDeployment.platform`), set as PLATFORM_LABEL on every target. */
  platform: string;
  /** Labels the user's Prometheus selects monitors by (`serviceMonitorSelector`/`podMonitorSelector`), e.g. `{ release: "kube-prometheus-stack" }`. */
  selectorLabels: Record<string, string>;
  /** Standard labels of every object. */
  labels: Record<string, string>;
  /** Labels of our Patroni members' pods; undefined: no PatroniCluster here. */
  postgresPods?: Record<string, string>;
  /** The postgres_exporter sidecar runs beside each member. */
  postgresExporter: boolean;
  /** Labels of our Redis nodes' and sentinels' pods; undefined: no RedisSentinel here. */
  redisPods?: { redis: Record<string, string>; sentinel: Record<string, string> };
  /** cert-manager's namespace, when its metrics are scraped. */
  certManagerNamespace?: string;
  /** Envoy Gateway proxies of this Gateway: the controller's namespace and the Gateway's name. */
  envoy?: { namespace: string; gatewayNamespace: string };
}

/** Ports and paths of the scraped daemons (one home: the sidecar renderers export the ports). */
export interface MonitorPorts {
  /** Patroni's REST API port name (it serves `/metrics`). */
  patroni: string;
  /** Patroni's REST API port number. */
  patroniPort: number;
  /** The postgres_exporter sidecar's port name. */
  postgresExporter: string;
  /** The postgres_exporter sidecar's port number. */
  postgresExporterPort: number;
  /** The redis_exporter sidecars' port name. */
  redisExporter: string;
  /** The redis_exporter sidecars' port number. */
  redisExporterPort: number;
}

/** Every monitor of the deployment (Harbor's own comes from its chart: see `harborChartServiceMonitor`). */
export function renderMonitors(a: MonitorsArgs, ports: MonitorPorts): MonitorObject[] {
  const out: MonitorObject[] = [];
  const meta = (suffix: string) => ({
    name: `${a.name}-${suffix}`,
    namespace: a.namespace,
    labels: { ...a.labels, ...a.selectorLabels },
  });
  const pod = (suffix: string, selector: Record<string, string>, endpoints: MonitorEndpoint[], ns?: string) =>
    out.push({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: meta(suffix),
      spec: {
        selector: { matchLabels: selector },
        ...(ns ? { namespaceSelector: { matchNames: [ns] } } : {}),
        podMetricsEndpoints: endpoints,
      },
    });
  if (a.postgresPods)
    pod("postgres", a.postgresPods, [
      { port: ports.patroni, path: "/metrics", relabelings: ours(METRICS_JOBS.patroni, a.platform) },
      ...(a.postgresExporter
        ? [{ port: ports.postgresExporter, path: "/metrics", relabelings: ours(METRICS_JOBS.postgres, a.platform) }]
        : []),
    ]);
  if (a.redisPods) {
    pod("redis", a.redisPods.redis, [
      { port: ports.redisExporter, path: "/metrics", relabelings: ours(METRICS_JOBS.redis, a.platform) },
    ]);
    pod("sentinel", a.redisPods.sentinel, [
      { port: ports.redisExporter, path: "/metrics", relabelings: ours(METRICS_JOBS.sentinel, a.platform) },
    ]);
  }
  if (a.envoy)
    // Envoy Gateway serves each proxy's stats on 19001 /stats/prometheus (Envoy Gateway docs, "Proxy Metrics").
    pod(
      "envoy",
      {
        "gateway.envoyproxy.io/owning-gateway-namespace": a.envoy.gatewayNamespace,
      },
      [{ portNumber: 19001, path: "/stats/prometheus", relabelings: ours(METRICS_JOBS.envoy, a.platform) }],
      a.envoy.namespace,
    );
  if (a.certManagerNamespace)
    out.push({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: meta("cert-manager"),
      spec: {
        // The cert-manager chart's controller Service (prometheus.enabled, its default): port 9402.
        selector: {
          matchLabels: { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller" },
        },
        namespaceSelector: { matchNames: [a.certManagerNamespace] },
        endpoints: [
          {
            port: "tcp-prometheus-servicemonitor",
            path: "/metrics",
            // Keep each certificate's own `namespace` label (the rules filter on Harbor's namespace).
            honorLabels: true,
            relabelings: ours(METRICS_JOBS.certManager, a.platform),
          },
        ],
      },
    });
  return out;
}

/**
 * Harbor chart 1.19.2's own ServiceMonitor (`metrics.serviceMonitor`, templates/metrics/metrics-svcmon.yaml):
 * the user's Prometheus selector labels, our `job` and the deployment's name (`ObservedDeployment.platform`).
 */
export function harborChartServiceMonitor(selectorLabels: Record<string, string>, platform: string) {
  return {
    enabled: true,
    additionalLabels: selectorLabels,
    relabelings: ours(METRICS_JOBS.harbor, platform),
  };
}

/** Where a monitor endpoint's targets are in a setting without Kubernetes (the drill): address and labels per pod. */
export interface StaticTarget {
  /** The monitor (metadata.name) and its endpoint's port name or number. */
  monitor: string;
  port: string | number;
  /** host:port the daemon listens on. */
  address: string;
  /** Labels the operator's service discovery would give it (namespace, pod). */
  labels: Record<string, string>;
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * A Prometheus `scrape_configs` list equivalent to what prometheus-operator generates for these monitors, with
 * static targets in place of Kubernetes discovery: one job per endpoint, its path, and its relabelings (after
 * the operator's defaults: `job` = the Service name or `<namespace>/<PodMonitor name>`).
 */
export function staticScrapeConfigs(monitors: MonitorObject[], targets: StaticTarget[], interval: string): object[] {
  const out: object[] = [];
  for (const m of monitors) {
    const endpoints = m.spec.podMetricsEndpoints ?? m.spec.endpoints ?? [];
    endpoints.forEach((e, i) => {
      const port = e.port ?? e.portNumber!;
      const mine = targets.filter((t) => t.monitor === m.metadata.name && t.port === port);
      if (!mine.length) return;
      const defaultJob = m.kind === "PodMonitor" ? `${m.metadata.namespace}/${m.metadata.name}` : m.metadata.name;
      out.push({
        job_name: `${m.kind.toLowerCase()}/${m.metadata.namespace}/${m.metadata.name}/${i}`,
        scrape_interval: interval,
        metrics_path: e.path,
        honor_labels: e.honorLabels ?? false,
        static_configs: mine.map((t) => ({ targets: [t.address], labels: { ...t.labels, job: defaultJob } })),
        relabel_configs: e.relabelings.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [snake(k), v]))),
      });
    });
  }
  return out;
}
