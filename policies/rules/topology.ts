/**
 * Topology: pods that must each have a node to themselves fit on the nodes of their tier. A workload with
 * required hostname anti-affinity (Patroni members, sentinels) runs at most one pod per node; with more
 * replicas than the tier has nodes, the rest stay Pending forever. Sizing/HA, so a policy, not a config error:
 * the node count may come from node groups this stack does not declare.
 */
import { stackRule, violation } from "./common";
import { Graph, label, NODE_TIER_LABEL, podSpec, podTier, Res, T } from "./graph";

const HOSTNAME = "kubernetes.io/hostname";

/** What this rule reads of a node group and of a workload. */
interface NodeGroupProps {
  labels?: Record<string, string>;
  scalingConfig?: { minSize?: number };
}
interface WorkloadProps {
  spec?: { replicas?: number };
}

/** Whether the pods of `w` repel each other per node (required anti-affinity on the hostname). */
export function onePodPerNode(w: Res): boolean {
  const terms = podSpec(w)?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  return Array.isArray(terms) && terms.some((t) => t?.topologyKey === HOSTNAME);
}

/** Nodes a tier always has: the sum of its node groups' minSize (undefined when no group of the tier is declared). */
export function tierNodes(g: Graph, tier: string): { nodes: number; groups: Res[] } | undefined {
  const groups = g.ofType(T.NodeGroup).filter((ng) => (ng.props as NodeGroupProps)?.labels?.[NODE_TIER_LABEL] === tier);
  if (groups.length === 0) return undefined;
  const nodes = groups.reduce((n, ng) => n + Number((ng.props as NodeGroupProps)?.scalingConfig?.minSize ?? 0), 0);
  return { nodes, groups };
}

export const podsFitNodes = stackRule<Record<string, never>>({
  name: "harbor-one-pod-per-node-fits",
  description:
    "A workload with required hostname anti-affinity (one pod per node, e.g. Patroni members) pinned to a node tier has no more replicas than that tier's node groups keep (their minSize); the others would stay Pending.",
  severity: "high",
  remediationSteps:
    "Lower the replicas (the stack's postgres.members, redis.sentinels; Args: PatroniCluster members, RedisSentinel sentinels) or raise the tier's node group minSize (nodePools.<tier>.minSize).",
  config: {},
  check(g, _c, report, _args, cannotCheck) {
    for (const w of [...g.ofType(T.StatefulSet), ...g.ofType(T.Deployment)]) {
      if (!onePodPerNode(w)) continue;
      if (g.unknown(w, "spec.replicas")) {
        cannotCheck(`${label(w)} spec.replicas`, w.urn);
        continue;
      }
      const tier = podTier(podSpec(w));
      if (!tier) continue;
      const capacity = tierNodes(g, tier);
      if (!capacity) continue;
      const hidden = capacity.groups.filter((ng) => g.unknown(ng, "scalingConfig"));
      if (hidden.length > 0) {
        for (const ng of hidden) cannotCheck(`${label(ng)} scalingConfig`, ng.urn);
        continue;
      }
      const replicas = Number((w.props as WorkloadProps)?.spec?.replicas ?? 1);
      if (replicas > capacity.nodes)
        report(
          violation(
            label(w),
            `${replicas} replicas with one pod per node (required ${HOSTNAME} anti-affinity), but the "${tier}" node groups (${capacity.groups.map(label).join(", ")}) keep ${capacity.nodes} nodes (minSize)`,
            `replicas <= ${capacity.nodes}`,
            `lower the replicas to ${capacity.nodes} or raise nodePools.${tier}.minSize to ${replicas}`,
          ),
          w.urn,
        );
    }
  },
});
