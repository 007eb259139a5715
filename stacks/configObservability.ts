/**
 * `harbor-ha:observability`: metrics, alert rules and dashboards (HarborObservability). Its own module so that
 * stacks/config.ts only imports it. Defaults and rules come from the observability tier (observabilityDefaults,
 * the alert catalog, the label-map check), never copies.
 */
import { z } from "zod";
import { DNS_LABEL } from "../components/conventions";
import {
  ALERT_NAMES,
  alertOverrideProblems,
  labelMapProblem,
  observabilityDefaults,
} from "../components/observability";

/** A Kubernetes label map (a selector): every name and value checked, one message naming what is wrong. */
const labelMap = z.unknown().transform((v, ctx) => {
  const why = labelMapProblem(v);
  if (why) {
    ctx.addIssue({
      code: "custom",
      message: `${why}. Fix: give a map of label names to values, e.g. { release: "kube-prometheus-stack" }`,
    });
    return z.NEVER;
  }
  return v as Record<string, string>;
});

const namespaceName = z.string().regex(DNS_LABEL, "must be a namespace name (lowercase letters, digits, '-')");

/** One alert's override: on/off, threshold (positive, in the alert's unit), `for`; values checked by the tier's alertOverrideProblems. */
const alertOverride = z.strictObject({
  /** Render the alert. Default: true. */
  enabled: z.boolean().optional(),
  /** Threshold in the alert's unit (README lists them). Default: the catalog's. */
  threshold: z.number().optional(),
  /** Prometheus duration the condition must hold. Default: the catalog's. */
  for: z.string().optional(),
});

export const observabilitySchema = z.strictObject({
  /** Turn on exporters, monitors, rules and dashboards. Default: false (monitors and rules need prometheus-operator's CRDs). */
  enabled: z.boolean().default(false),
  /** ServiceMonitors/PodMonitors, Harbor's chart ServiceMonitor included. Default: true. */
  monitors: z.boolean().default(observabilityDefaults.monitors),
  /** The PrometheusRule. Default: true. */
  rules: z.boolean().default(observabilityDefaults.rules),
  /** Grafana dashboard ConfigMaps. Default: true. */
  dashboards: z.boolean().default(observabilityDefaults.dashboards),
  /**
   * prometheus-operator's CRDs: `read` from the cluster as a prerequisite (an operator is installed), or `install`
   * the three needed from the pinned prometheus-operator-crds chart (a cluster created with the stack). Default: read.
   */
  prometheusOperatorCrds: z.enum(["read", "install"]).default(observabilityDefaults.prometheusOperatorCrds),
  /** Labels the user's Prometheus selects monitors and rules by. Default: {}. */
  selectorLabels: labelMap.default(observabilityDefaults.selectorLabels),
  /** Namespace where Grafana's sidecar looks for dashboards. Default: Harbor's namespace. */
  dashboardNamespace: namespaceName.optional(),
  /** The Prometheus pods allowed to scrape the data tier. Default: namespace monitoring, app.kubernetes.io/name=prometheus. */
  prometheus: z.strictObject({ namespace: namespaceName, podSelector: labelMap }).optional(),
  /** Per-alert overrides, by alert name. Default: {}. */
  alerts: z
    .record(z.string(), alertOverride)
    .superRefine((m, ctx) => {
      // Unknown names, non-positive thresholds, thresholds on alerts without one, bad durations: all at once.
      for (const p of alertOverrideProblems(m))
        ctx.addIssue({ code: "custom", path: p.path.split("."), message: `${p.problem}. Fix: ${p.fix}` });
    })
    .default({}),
});

export type ObservabilityConfig = z.output<typeof observabilitySchema>;

/** The alert names a stack may override (for README and messages). */
export const OVERRIDABLE_ALERTS = ALERT_NAMES;
