/**
 * Every harbor-ha policy, exported without constructing the pack (a PolicyPack starts a gRPC server):
 * `index.ts` builds the pack from `allPolicies`, and `harbor-ha plan` evaluates the same objects offline.
 * Policies import only the type tokens and label constants (no provider SDK, no component).
 */
import type { Policy } from "@pulumi/policy";
import { hardwareSizing } from "./rules/sizing";
import { patroniVolumeSize, registryCapacity, ssdStorage } from "./rules/storage";
import { dataPodResources, harborPodResources } from "./rules/pods";
import { harborReplicas, patroniMembers, pdbsPresent, redisSentinels, zoneSpread } from "./rules/ha";
import { dbConnectionBudget, noSecretLiterals, s3BucketSecurity } from "./rules/security";
import { edgeAdminAllowlist, edgeHttpRedirectOnly, edgeNoCatchAll, edgeTls } from "./rules/edge";
import { platformFactsPresent, tierWiring } from "./rules/wiring";
import { podsFitNodes } from "./rules/topology";
import { admissionAllowlist, admissionSignatures, admissionVulnerabilityGate } from "./rules/admission";
import { networkPoliciesEnforced } from "./rules/networkPolicies";
import { backupBucket, databaseBackups } from "./rules/backups";
import { loadPolicyConfig, PolicyPackConfig } from "./stackConfig";

export {
  hardwareSizing,
  ssdStorage,
  patroniVolumeSize,
  registryCapacity,
  dataPodResources,
  harborPodResources,
  harborReplicas,
  patroniMembers,
  redisSentinels,
  pdbsPresent,
  zoneSpread,
  s3BucketSecurity,
  noSecretLiterals,
  edgeTls,
  edgeNoCatchAll,
  edgeAdminAllowlist,
  edgeHttpRedirectOnly,
  dbConnectionBudget,
  tierWiring,
  platformFactsPresent,
  podsFitNodes,
  admissionAllowlist,
  admissionSignatures,
  admissionVulnerabilityGate,
  networkPoliciesEnforced,
  databaseBackups,
  backupBucket,
};
export { INSTANCE_TYPES, lookupInstanceType } from "./rules/instanceTypes";
export type { InstanceSpec } from "./rules/instanceTypes";
export { policyConfigPath, policyConfigProblems } from "./stackConfig";
export type { PolicyPackConfig } from "./stackConfig";

export const allPolicies: Policy[] = [
  hardwareSizing,
  ssdStorage,
  patroniVolumeSize,
  registryCapacity,
  dataPodResources,
  harborPodResources,
  harborReplicas,
  patroniMembers,
  redisSentinels,
  pdbsPresent,
  zoneSpread,
  s3BucketSecurity,
  noSecretLiterals,
  edgeTls,
  edgeNoCatchAll,
  edgeAdminAllowlist,
  edgeHttpRedirectOnly,
  dbConnectionBudget,
  tierWiring,
  platformFactsPresent,
  podsFitNodes,
  admissionAllowlist,
  admissionSignatures,
  admissionVulnerabilityGate,
  networkPoliciesEnforced,
  databaseBackups,
  backupBucket,
];

/**
 * A stack's policy config (`file`, else policies/config/<stack>.json, the `--policy-pack-config` file),
 * checked against these policies' names and configSchemas; undefined when the stack has no file.
 * `harbor-ha plan` passes it to `evaluatePolicies(graph, allPolicies, { config })`.
 */
export function loadStackPolicyConfig(stack: string, file?: string): PolicyPackConfig | undefined {
  return loadPolicyConfig(stack, allPolicies, file);
}
