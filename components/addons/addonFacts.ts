/**
 * SDK-free facts about the cluster add-ons, shared by the addons tier, the stack config and the policy pack
 * (through components/facts.ts).
 */

/** The add-ons the stack manages, by the names EKS (and the controller's chart) give them. */
export const ADDON_NAMES = [
  "vpc-cni",
  "aws-ebs-csi-driver",
  "aws-efs-csi-driver",
  "aws-load-balancer-controller",
] as const;
export type AddonName = (typeof ADDON_NAMES)[number];

/** The EKS add-on that enforces NetworkPolicies when its configuration turns network policy on. */
export const VPC_CNI_ADDON: AddonName = "vpc-cni";

/** The `configurationValues` key of the vpc-cni add-on that turns its network policy agent on (EKS user guide, cni-network-policy). */
export const VPC_CNI_NETWORK_POLICY_KEY = "enableNetworkPolicy";

/**
 * CNIs a stack may state enforce NetworkPolicies in its cluster (`cluster.networkPolicyEnforcement`):
 * `vpc-cni` (the add-on with network policy on, managed here or by the team), or another enforcing CNI the
 * team runs; `none` states that nothing enforces them.
 */
export const NETWORK_POLICY_ENFORCERS = ["vpc-cni", "calico", "cilium", "antrea", "none"] as const;
export type NetworkPolicyEnforcer = (typeof NETWORK_POLICY_ENFORCERS)[number];
