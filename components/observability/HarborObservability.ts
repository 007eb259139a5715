import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs, standardLabels } from "../conventions";
import { alertOverrideProblems, AlertOverrides, ObservedDeployment, renderAlertGroups } from "./alertRules";
import { MonitorPorts, MonitorsArgs, renderMonitors } from "./renderMonitors";
import { GRAFANA_DASHBOARD_LABEL, renderDashboards } from "./renderDashboards";
import { labelMapProblem } from "./labelMaps";

/** The prometheus-operator kinds harbor-ha creates, each with the CRD that must be in the cluster first. */
export const PROMETHEUS_OPERATOR_CRDS = {
  ServiceMonitor: "servicemonitors.monitoring.coreos.com",
  PodMonitor: "podmonitors.monitoring.coreos.com",
  PrometheusRule: "prometheusrules.monitoring.coreos.com",
} as const;
export type MonitoringKind = keyof typeof PROMETHEUS_OPERATOR_CRDS;

/** The CRD reads monitoring objects wait for, by kind. */
export type MonitoringCrdReads = Partial<Record<MonitoringKind, pulumi.Resource>>;

/**
 * Reads prometheus-operator's CRDs for `kinds` from the cluster (`CustomResourceDefinition.get`: nothing is
 * created). They are a prerequisite: every ServiceMonitor, PodMonitor and PrometheusRule (Harbor's chart
 * ServiceMonitor too) depends on its CRD's read, so `pulumi up` stops at the read, before creating any of them,
 * when the operator's CRDs are missing ("customresourcedefinitions ... not found", naming the CRD and this
 * resource), instead of failing half-way on "no matches for kind".
 */
export function readPrometheusOperatorCrds(
  name: string,
  kinds: MonitoringKind[],
  opts: pulumi.CustomResourceOptions,
): MonitoringCrdReads {
  return Object.fromEntries(
    [...new Set(kinds)].map((kind) => [
      kind,
      k8s.apiextensions.v1.CustomResourceDefinition.get(
        `${name}-crd-${PROMETHEUS_OPERATOR_CRDS[kind].split(".")[0]}`,
        PROMETHEUS_OPERATOR_CRDS[kind],
        opts,
      ),
    ]),
  );
}

/**
 * prometheus-community's `prometheus-operator-crds` chart 31.0.0: appVersion v0.93.0, the CRDs the monitors are
 * validated against (charts/prometheus-operator-crds/Chart.yaml at prometheus-community/helm-charts commit
 * a414b565, PR #7146 "Update dependency prometheus-operator/prometheus-operator to v0.93.0"). Its CRDs are
 * templates (Helm upgrades them); kube-prometheus-stack keeps its copies in `crds/`, which Helm skips when they
 * exist, so the stack can be installed later.
 */
export const PROMETHEUS_OPERATOR_CRDS_CHART = {
  chart: "prometheus-operator-crds",
  version: "31.0.0",
  repo: "https://prometheus-community.github.io/helm-charts",
  appVersion: "v0.93.0",
};

/** Values key of each kind's CRD in that chart (`crds.<key>.enabled`). */
const CHART_CRD_KEYS: Record<MonitoringKind, string> = {
  ServiceMonitor: "servicemonitors",
  PodMonitor: "podmonitors",
  PrometheusRule: "prometheusrules",
};

/**
 * Installs exactly the CRDs of `kinds` from PROMETHEUS_OPERATOR_CRDS_CHART (one Helm release in kube-system;
 * every other CRD of the chart off), for a cluster created with the stack, where no operator can be yet. The
 * monitoring objects then wait for the release instead of a read.
 */
export function installPrometheusOperatorCrds(
  name: string,
  kinds: MonitoringKind[],
  opts: pulumi.CustomResourceOptions,
): MonitoringCrdReads {
  if (kinds.length === 0) return {};
  const c = PROMETHEUS_OPERATOR_CRDS_CHART;
  const wanted = new Set(kinds.map((k) => CHART_CRD_KEYS[k]));
  const all = [
    ...["alertmanagerconfigs", "alertmanagers", "podmonitors", "probes", "prometheusagents"],
    ...["prometheuses", "prometheusrules", "scrapeconfigs", "servicemonitors", "thanosrulers"],
  ];
  const release = new k8s.helm.v3.Release(
    `${name}-crds`,
    {
      name: `${name}-crds`.slice(0, 53),
      namespace: "kube-system",
      chart: c.chart,
      version: c.version,
      repositoryOpts: { repo: c.repo },
      values: {
        crds: {
          // CRDs outlive the release: uninstalling it (stack destroyed, observability switched to "read" or off)
          // would otherwise delete them and every ServiceMonitor, PodMonitor and PrometheusRule in the cluster,
          // the team's too (the chart's `crds.annotations`, default {}; Helm keeps resources so annotated).
          annotations: { "helm.sh/resource-policy": "keep" },
          ...Object.fromEntries(all.map((k) => [k, { enabled: wanted.has(k) }])),
        },
      },
    },
    // Pulumi leaves the release installed on delete, for the same reason.
    { ...opts, retainOnDelete: true },
  );
  return Object.fromEntries(kinds.map((k) => [k, release]));
}

/** The CRDs `args` needs (monitors: ServiceMonitor, PodMonitor; rules: PrometheusRule), read or installed. */
export function prometheusOperatorCrds(
  name: string,
  args: Pick<HarborObservabilityArgs, "monitors" | "rules" | "prometheusOperatorCrds">,
  opts: pulumi.CustomResourceOptions,
): MonitoringCrdReads {
  const d = observabilityDefaults;
  const kinds: MonitoringKind[] = [
    ...((args.monitors ?? d.monitors) ? (["ServiceMonitor", "PodMonitor"] as const) : []),
    ...((args.rules ?? d.rules) ? (["PrometheusRule"] as const) : []),
  ];
  return (args.prometheusOperatorCrds ?? d.prometheusOperatorCrds) === "install"
    ? installPrometheusOperatorCrds(name, kinds, opts)
    : readPrometheusOperatorCrds(name, kinds, opts);
}

/** Where the user's Prometheus runs: the NetworkPolicy lets exactly these pods scrape the data tier. */
export interface PrometheusLocation {
  /** Namespace of the Prometheus pods (e.g. a Namespace's `metadata.name`). */
  namespace: pulumi.Input<string>;
  /** Labels of the Prometheus pods. */
  podSelector: Record<string, string>;
}

export interface HarborObservabilityArgs {
  /**
   * Namespace of Harbor and its backends (e.g. a Namespace's `metadata.name`): monitors, rules and dashboards go
   * here. The alerts' and dashboards' own namespace filter is `deployment.namespace` (plain: it is in their text).
   */
  namespace: pulumi.Input<string>;
  /** The deployment the alerts watch, with the sizing its thresholds follow from. */
  deployment: ObservedDeployment;
  /** Pods, Services and ports the monitors scrape (see MonitorsArgs). */
  targets: Omit<MonitorsArgs, "namespace" | "name" | "platform" | "selectorLabels" | "labels">;
  /** Metrics port names of the sidecars and Patroni (their tiers export them). */
  ports: MonitorPorts;
  /** Create ServiceMonitors/PodMonitors (needs prometheus-operator's CRDs). Default: true. */
  monitors?: boolean;
  /** Create the PrometheusRule (needs prometheus-operator's CRDs). Default: true. */
  rules?: boolean;
  /** Create the Grafana dashboard ConfigMaps. Default: true. */
  dashboards?: boolean;
  /** Labels the user's Prometheus selects monitors and rules by (e.g. `{ release: "kube-prometheus-stack" }`). Default: `{}`. */
  selectorLabels?: Record<string, string>;
  /** Namespace of the dashboard ConfigMaps (where the Grafana sidecar looks). Default: `namespace`. */
  dashboardNamespace?: pulumi.Input<string>;
  /** Per-alert changes: `{ <AlertName>: { enabled, threshold, for } }`. Default: `{}`. */
  alertOverrides?: AlertOverrides;
  /** The Prometheus pods that may scrape the data tier's pods (a NetworkPolicy). Default: `observabilityDefaults.prometheus`. */
  prometheus?: PrometheusLocation;
  /**
   * How prometheus-operator's CRDs get there: `read` them from the cluster as a prerequisite (an operator such as
   * kube-prometheus-stack is installed; `pulumi up` stops early without it), or `install` the three this needs
   * from the pinned `prometheus-operator-crds` chart (a cluster created with the stack). Default: `read`.
   */
  prometheusOperatorCrds?: "read" | "install";
  /**
   * The prometheus-operator CRD reads the monitors and rules wait for (HarborPlatform reads them once, for
   * Harbor's chart ServiceMonitor too). Default: read here (readPrometheusOperatorCrds) for the kinds created.
   */
  crdReads?: MonitoringCrdReads;
}

/** Defaults of HarborObservabilityArgs (the stack config imports these, never copies). */
export const observabilityDefaults = {
  monitors: true,
  rules: true,
  dashboards: true,
  selectorLabels: {} as Record<string, string>,
  prometheusOperatorCrds: "read" as "read" | "install",
  /** kube-prometheus-stack's Prometheus in `monitoring` (its pods carry `app.kubernetes.io/name: prometheus`). */
  prometheus: {
    namespace: "monitoring",
    podSelector: { "app.kubernetes.io/name": "prometheus" },
  } as PrometheusLocation,
};

/** Every problem of the user-facing settings (empty: valid). Pure: the platform asks before any resource. */
export function observabilityArgsProblems(
  args: Pick<HarborObservabilityArgs, "alertOverrides" | "selectorLabels" | "prometheus">,
): ArgsProblem[] {
  const out: ArgsProblem[] = alertOverrideProblems(args.alertOverrides ?? {}).map((p) => ({
    ...p,
    path: `alertOverrides.${p.path}`,
  }));
  for (const [key, map] of [
    ["selectorLabels", args.selectorLabels],
    ["prometheus.podSelector", args.prometheus?.podSelector],
  ] as const) {
    const why = map === undefined ? undefined : labelMapProblem(map);
    if (why)
      out.push({
        path: key,
        problem: why,
        fix: 'give a map of label names to values, e.g. { release: "kube-prometheus-stack" }',
      });
  }
  return out;
}

/**
 * Metrics, alert rules and dashboards for every tier: PodMonitors for Patroni (its own `/metrics`) and the
 * postgres_exporter sidecars, the Redis and sentinel exporters and Envoy's proxies, a ServiceMonitor for
 * cert-manager (Harbor's own comes from its chart), one PrometheusRule with an alert group per tier, Grafana
 * dashboards as sidecar-labelled ConfigMaps, and a NetworkPolicy that lets the user's Prometheus (and only it)
 * reach the data tier's metrics ports. Monitors and rules need prometheus-operator's CRDs: read from the cluster
 * as a prerequisite that every monitor and rule depends on (or installed from the pinned chart), see
 * `prometheusOperatorCrds`.
 */
export class HarborObservability extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.HarborObservability;

  /** Names of the monitors created. */
  readonly monitorNames: pulumi.Output<string[]>;
  /** Alert names rendered. */
  readonly alertNames: pulumi.Output<string[]>;

  constructor(name: string, args: HarborObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("HarborObservability", name, checkHarborObservabilityArgs(name, args));
    super(HarborObservability.__pulumiType, name, {}, opts);
    const d = observabilityDefaults;

    const labels = standardLabels("observability", name);
    const selectorLabels = args.selectorLabels ?? d.selectorLabels;
    const crds = args.crdReads ?? prometheusOperatorCrds(name, args, { parent: this });
    const monitors = (args.monitors ?? d.monitors) ? this.monitors(name, args, labels, selectorLabels, crds) : [];
    const alerts = (args.rules ?? d.rules) ? this.rules(name, args, labels, selectorLabels, crds) : [];
    if (args.dashboards ?? d.dashboards) this.dashboards(name, args, labels);
    this.scrapeAccess(name, args, labels);

    this.monitorNames = pulumi.output(monitors);
    this.alertNames = pulumi.output(alerts);
    this.registerOutputs({ monitorNames: this.monitorNames, alertNames: this.alertNames });
  }

  private monitors(
    name: string,
    args: HarborObservabilityArgs,
    labels: Record<string, string>,
    selectorLabels: Record<string, string>,
    crds: MonitoringCrdReads,
  ): string[] {
    const render = (namespace: string) =>
      renderMonitors(
        { ...args.targets, namespace, name, platform: args.deployment.platform, selectorLabels, labels },
        args.ports,
      );
    // Kinds and names do not depend on the namespace; metadata and specs are rendered once it is known.
    const objects = render("");
    const rendered = pulumi.output(args.namespace).apply(render);
    objects.forEach(
      (o, i) =>
        new k8s.apiextensions.CustomResource(
          `${o.metadata.name}-${o.kind === "PodMonitor" ? "pods" : "service"}`,
          {
            apiVersion: o.apiVersion,
            kind: o.kind,
            metadata: rendered.apply((r) => r[i].metadata),
            spec: rendered.apply((r) => r[i].spec),
          },
          { parent: this, dependsOn: afterCrd(crds, o.kind as MonitoringKind) },
        ),
    );
    return objects.map((o) => o.metadata.name);
  }

  private rules(
    name: string,
    args: HarborObservabilityArgs,
    labels: Record<string, string>,
    selectorLabels: Record<string, string>,
    crds: MonitoringCrdReads,
  ): string[] {
    const groups = renderAlertGroups(args.deployment, args.alertOverrides);
    new k8s.apiextensions.CustomResource(
      `${name}-alerts`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: `${name}-alerts`, namespace: args.namespace, labels: { ...labels, ...selectorLabels } },
        spec: { groups },
      },
      { parent: this, dependsOn: afterCrd(crds, "PrometheusRule") },
    );
    return groups.flatMap((g) => g.rules.map((r) => r.alert));
  }

  private dashboards(name: string, args: HarborObservabilityArgs, labels: Record<string, string>): void {
    for (const dash of renderDashboards(args.deployment)) {
      // Named after the dashboard's kind (harbor-ha-<kind>-<id>), as before the uid carried an id.
      const cmName = `${name}-${dash.uid.replace(/^harbor-ha-/, "").replace(/-[0-9a-f]{12}$/, "")}-dashboard`;
      new k8s.core.v1.ConfigMap(
        cmName,
        {
          metadata: {
            name: cmName,
            namespace: args.dashboardNamespace ?? args.namespace,
            labels: { ...labels, ...GRAFANA_DASHBOARD_LABEL },
          },
          data: { [`${dash.uid}.json`]: JSON.stringify(dash) },
        },
        { parent: this },
      );
    }
  }

  /** The data tier's pods have NetworkPolicies: admit the Prometheus pods to their metrics ports, nothing else. */
  private scrapeAccess(name: string, args: HarborObservabilityArgs, labels: Record<string, string>): void {
    const prom = args.prometheus ?? observabilityDefaults.prometheus;
    const from = [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": prom.namespace } },
        podSelector: { matchLabels: prom.podSelector },
      },
    ];
    const policy = (suffix: string, pods: Record<string, string>, ports: number[]) =>
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${suffix}-scrape`,
        {
          metadata: { name: `${name}-${suffix}-scrape`, namespace: args.namespace, labels },
          spec: {
            podSelector: { matchLabels: pods },
            policyTypes: ["Ingress"],
            ingress: [{ from, ports: ports.map((port) => ({ protocol: "TCP", port })) }],
          },
        },
        { parent: this },
      );
    const t = args.targets;
    if (t.postgresPods)
      policy("postgres", t.postgresPods, [
        args.ports.patroniPort,
        ...(t.postgresExporter ? [args.ports.postgresExporterPort] : []),
      ]);
    if (t.redisPods) {
      policy("redis", t.redisPods.redis, [args.ports.redisExporterPort]);
      policy("sentinel", t.redisPods.sentinel, [args.ports.redisExporterPort]);
    }
  }
}

/** The read a monitoring object of `kind` waits for; a missing one is a wiring error, not a user's. */
function afterCrd(crds: MonitoringCrdReads, kind: MonitoringKind): pulumi.Resource[] {
  const read = crds[kind];
  if (!read) throw new Error(`HarborObservability: no read of ${PROMETHEUS_OPERATOR_CRDS[kind]} for a ${kind}`);
  return [read];
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkHarborObservabilityArgs(name: string, args: HarborObservabilityArgs): ArgsProblem[] {
  const check = new ArgsChecker("HarborObservability", name);
  check.problems.push(...observabilityArgsProblems(args));
  return check.problems;
}
