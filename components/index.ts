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
  PatroniDcs,
  PatroniMember,
  PatroniTiming,
  DbPool,
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
  ResourceSpec,
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
  AcmeAccount,
} from "./tls";
export {
  EnvoyGateway,
  EnvoyGatewayArgs,
  envoyGatewayDefaults,
  HarborGateway,
  HarborGatewayArgs,
  harborGatewayDefaults,
  ENVOY_GATEWAY_CHART,
  ENVOY_GATEWAY_IMAGES,
  ADMIN_API_PREFIXES,
  PUBLIC_API_EXCEPTIONS,
  DEV_NODE_PORTS,
  edgeLockoutProblems,
} from "./edge";
export { NodePools, NodePoolsArgs, NodePoolSpec, nodePoolDefaults } from "./nodepools";
export {
  REGISTRY_TYPES,
  REPLICATION_API_PATHS,
  ReplicationTargets,
  ReplicationTargetsArgs,
  RegistryEndpointArgs,
  ReplicationPolicyArgs,
  ReplicationFlow,
  ReplicationFilterArgs,
  ReplicationRobotArgs,
} from "./replication";
export { HarborProjects, HarborProjectsArgs, HarborProjectArgs, PROJECT_API_PATHS } from "./projects";
export {
  HarborOperations,
  HarborOperationsArgs,
  AUDIT_EVENT_TYPES,
  OPERATIONS_API_PATHS,
  OPERATIONS_DEFAULTS,
  RetentionKeep,
  RetentionRuleArgs,
} from "./harborOps";
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
