import { NODE_TIER_LABEL, NodeTier } from "./labels";

/**
 * Where a component's pods run. Node pools label and taint their nodes with the tier; a component
 * given `placement` pins its pods there. Without it, pods schedule anywhere (e.g. a laptop cluster).
 */
export interface Placement {
  /** The node tier (`app` or `db`) to pin pods to. Default: none (any node). */
  tier?: NodeTier;
  /** Tolerate the tier's `NoSchedule` taint. Default: true when `tier` is set. */
  tolerateTierTaint?: boolean;
  /** The topology key pods are spread over. Default: `topology.kubernetes.io/zone`. */
  zoneTopologyKey?: string;
}

export interface PodPlacement {
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string; operator: string; value: string; effect: string }[];
}

export function podPlacement(placement: Placement | undefined): PodPlacement {
  if (!placement?.tier) return {};
  const out: PodPlacement = { nodeSelector: { [NODE_TIER_LABEL]: placement.tier } };
  if (placement.tolerateTierTaint ?? true) {
    out.tolerations = [{ key: NODE_TIER_LABEL, operator: "Equal", value: placement.tier, effect: "NoSchedule" }];
  }
  return out;
}

/**
 * Spread pods over zones (hard when `required`, otherwise best effort) and over nodes (best effort).
 */
export function zoneSpread(
  selector: Record<string, string>,
  required: boolean,
  zoneKey = "topology.kubernetes.io/zone",
) {
  return [
    {
      maxSkew: 1,
      topologyKey: zoneKey,
      whenUnsatisfiable: required ? "DoNotSchedule" : "ScheduleAnyway",
      labelSelector: { matchLabels: selector },
    },
    {
      maxSkew: 1,
      topologyKey: "kubernetes.io/hostname",
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: { matchLabels: selector },
    },
  ];
}
