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
import { dbConnectionBudget, edgeTls, noSecretLiterals, s3BucketSecurity } from "./rules/security";
import { tierWiring } from "./rules/wiring";

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
    dbConnectionBudget,
    tierWiring,
};
export { INSTANCE_TYPES, lookupInstanceType } from "./rules/instanceTypes";
export type { InstanceSpec } from "./rules/instanceTypes";

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
    dbConnectionBudget,
    tierWiring,
];
