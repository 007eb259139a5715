/**
 * NetworkPolicies only protect what the cluster enforces: the sentinels (no password, as Harbor requires) and
 * Patroni's REST API rely on them, and the Amazon VPC CNI ignores them unless its add-on turns network
 * policy on.
 */
import { stackRule, violation } from "./common";
import { ComponentTypes, label, obj, str } from "./graph";
import { NETWORK_POLICY_ENFORCERS, VPC_CNI_ADDON, VPC_CNI_NETWORK_POLICY_KEY } from "../../components/facts";

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const EKS_ADDON = "aws:eks/addon:Addon";

export const networkPoliciesEnforced = stackRule<Record<string, never>>({
  name: "harbor-network-policies-enforced",
  description:
    "When the stack relies on NetworkPolicies (password-less sentinels, Patroni's REST API), the cluster enforces them: the stack's vpc-cni add-on has network policy on, or the stack states that another enforcing CNI runs (cluster.networkPolicyEnforcement).",
  severity: "critical",
  remediationSteps:
    "Let the stack manage the vpc-cni add-on (harbor-ha:cluster.addons.vpc-cni, on by default) with network policy on, or state the enforcing CNI the cluster runs in harbor-ha:cluster.networkPolicyEnforcement (calico, cilium, antrea, vpc-cni).",
  config: {},
  check(g, _c, report, _args, cannotCheck) {
    const policies = g.ofType(NETWORK_POLICY);
    if (policies.length === 0) return;
    const relying = policies.map(label).join(", ");
    for (const addon of g.ofType(EKS_ADDON)) {
      if (addon.props.addonName !== VPC_CNI_ADDON) continue;
      if (g.unknown(addon, "configurationValues")) {
        cannotCheck("the vpc-cni add-on's configurationValues", addon.urn);
        return;
      }
      let values: Record<string, unknown>;
      try {
        values = obj(JSON.parse(str(addon.props.configurationValues) ?? "{}"));
      } catch {
        values = {};
      }
      if (String(values[VPC_CNI_NETWORK_POLICY_KEY]) === "true") return;
    }
    const stated = g
      .ofType(ComponentTypes.ClusterAddons)
      .map((r) => str(r.props.networkPolicyEnforcement))
      .find((s) => s !== undefined);
    if (stated && stated !== "none" && (NETWORK_POLICY_ENFORCERS as readonly string[]).includes(stated)) return;
    report(
      violation(
        relying,
        stated === "none"
          ? "the stack states that nothing enforces NetworkPolicies (cluster.networkPolicyEnforcement: none)"
          : "no vpc-cni add-on of the stack has network policy on, and no enforcing CNI is stated",
        "NetworkPolicies enforced by the cluster (password-less sentinels and Patroni's REST API are open to every pod otherwise)",
        `manage the vpc-cni add-on with network policy on (harbor-ha:cluster.addons.vpc-cni, the default with harbor-ha:cluster set), or set harbor-ha:cluster.networkPolicyEnforcement to the enforcing CNI the cluster runs (${NETWORK_POLICY_ENFORCERS.filter((e) => e !== "none").join(", ")})`,
      ),
    );
  },
});
