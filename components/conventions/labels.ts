/**
 * Labels every harbor-ha Kubernetes object carries, so that `kubectl get -l` and the policy pack can
 * find what a component created. Follows the recommended `app.kubernetes.io/*` labels.
 */
export const MANAGED_BY = "harbor-ha";

/** The label that marks the tier (`app` or `db`) a pod must be scheduled on. */
export const NODE_TIER_LABEL = "harbor-ha.io/tier";

export type NodeTier = "app" | "db";

/**
 * The label a zonal node group puts on its nodes: the availability zone it was created for. The harbor-zone-spread
 * policy reads it to check that every zone of the stack has db capacity (Kubernetes' own
 * `topology.kubernetes.io/zone` is set by the kubelet and cannot be declared on a node group).
 */
export const NODE_ZONE_LABEL = "harbor-ha.io/zone";

/**
 * Marks the PostgreSQL that serves Harbor (`"true"` on its StatefulSet): the policy pack's Harbor sizing
 * (the seed's 1 TiB data volume) applies to it, not to a PatroniCluster of another application.
 */
export const HARBOR_DATABASE_LABEL = "harbor-ha.io/harbor-database";

export function standardLabels(
  component: string,
  instance: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/part-of": "harbor",
    "app.kubernetes.io/managed-by": MANAGED_BY,
    ...extra,
  };
}

/** The subset of {@link standardLabels} that is stable enough for a selector (selectors are immutable). */
export function selectorLabels(component: string, instance: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": component,
    "app.kubernetes.io/instance": instance,
  };
}

/** In-cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}
