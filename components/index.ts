/**
 * harbor-ha's public API: the platform and every tier component, with their Args and outputs.
 */
export * from "./platform";
export {
  PatroniCluster,
  PatroniClusterArgs,
  computeConnectionBudget,
  ConnectionBudget,
  renderPatroniConfig,
  PatroniConfigArgs,
} from "./postgres";
export { RedisSentinel, RedisSentinelArgs, renderRedisConf, renderSentinelConf } from "./redis";
export {
  HarborRelease,
  HarborReleaseArgs,
  HarborSecrets,
  HarborSecretsArgs,
  renderHarborValues,
  HARBOR_CHART,
} from "./harbor";
export {
  S3Storage,
  S3StorageArgs,
  NfsStorage,
  NfsStorageArgs,
  FilesystemStorage,
  FilesystemStorageArgs,
  RegistryStorageDescriptor,
} from "./storage";
export { CertManager, CertManagerArgs, HarborCertificates, HarborCertificatesArgs, IssuerMode } from "./tls";
export { IngressController, IngressControllerArgs } from "./network";
export { NodePools, NodePoolsArgs } from "./nodepools";
export {
  REGISTRY_TYPES,
  ReplicationTargets,
  ReplicationTargetsArgs,
  RegistryEndpointArgs,
  ReplicationPolicyArgs,
  ReplicationFlow,
} from "./replication";
export { HarborProjects, HarborProjectsArgs, HarborProjectArgs } from "./projects";
export { HarborOperations, HarborOperationsArgs, AUDIT_EVENT_TYPES, OPERATIONS_DEFAULTS } from "./harborOps";
export { HarborApiArgs, harborCronProblem } from "./harborApi";
export { ComponentTypes, ComponentType } from "./tokens";
export { InvalidArgsError, ArgsProblem, Placement, NODE_TIER_LABEL, NodeTier } from "./conventions";
