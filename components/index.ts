/**
 * harbor-ha's public API: the platform and every tier component, with their Args and outputs.
 */
export * from "./platform";
export {
  PatroniCluster,
  PatroniClusterArgs,
  computeConnectionBudget,
  connectionBudgetProblems,
  ConnectionBudget,
  patroniClusterDefaults,
  reservedRoleProblem,
  renderPatroniConfig,
  PatroniConfigArgs,
} from "./postgres";
export { RedisSentinel, RedisSentinelArgs, renderRedisConf, renderSentinelConf, redisSentinelDefaults } from "./redis";
export {
  HarborRelease,
  HarborReleaseArgs,
  HarborSecrets,
  HarborSecretsArgs,
  renderHarborValues,
  HARBOR_CHART,
  harborReleaseDefaults,
} from "./harbor";
export {
  S3Storage,
  S3StorageArgs,
  NfsStorage,
  NfsStorageArgs,
  FilesystemStorage,
  FilesystemStorageArgs,
  RegistryStorageDescriptor,
  s3StorageDefaults,
  nfsStorageDefaults,
  filesystemStorageDefaults,
} from "./storage";
export {
  CertManager,
  CertManagerArgs,
  certManagerDefaults,
  HarborCertificates,
  HarborCertificatesArgs,
  harborCertificatesDefaults,
  IssuerMode,
} from "./tls";
export { IngressController, IngressControllerArgs } from "./network";
export { NodePools, NodePoolsArgs, nodePoolDefaults } from "./nodepools";
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
export {
  InvalidArgsError,
  ArgsProblem,
  Placement,
  NODE_TIER_LABEL,
  NodeTier,
  DEFAULT_NAMESPACE,
  readWriteOnceSharingViolation,
} from "./conventions";
