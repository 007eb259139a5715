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
  PatroniBackupArgs,
  PatroniRestoreArgs,
  BackupTarget,
  RestoreSource,
  patroniBackupDefaults,
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
  HarborRedis,
  HarborRedisEndpoint,
  HarborRedisSentinel,
  harborRedisProblems,
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
  SsdStorageClass,
  SsdStorageClassArgs,
  ssdStorageClassDefaults,
  ssdStorageClassProblems,
  EBS_CSI_PROVISIONER,
  LOCAL_PROVISIONERS,
  REGISTRY_KEY_SLOTS,
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
export { EksCluster, EksClusterArgs, EksClusterVpc, eksClusterDefaults } from "./cluster";
export {
  ClusterAddons,
  ClusterAddonsArgs,
  AddonSpec,
  clusterAddonsDefaults,
  ADDON_NAMES,
  AddonName,
  NETWORK_POLICY_ENFORCERS,
  NetworkPolicyEnforcer,
  AWS_LOAD_BALANCER_CONTROLLER_CHART,
} from "./addons";
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
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_NOTIFY_TYPES,
  WEBHOOK_PAYLOAD_FORMATS,
  PROJECT_ROLES,
  GROUP_TYPES,
  MAX_QUOTA_BYTES,
  GIB,
  checkHarborOperations,
  RetentionKeep,
  RetentionRuleArgs,
} from "./harborOps";
export { HarborApiArgs, harborCronProblem } from "./harborApi";
export {
  AdmissionPolicies,
  AdmissionPoliciesArgs,
  AdmissionSignaturesArgs,
  admissionPoliciesDefaults,
  admissionArgsProblems,
  renderAdmissionPolicies,
  POLICY_CONTROLLER_CHART,
  POLICY_CONTROLLER_IMAGES,
  ProjectSigners,
  KeylessIdentity,
  LabelSelector,
  AdmissionMode,
  normalizeImage,
} from "./admission";
export {
  HarborObservability,
  HarborObservabilityArgs,
  observabilityDefaults,
  ALERTS,
  ALERT_NAMES,
  renderAlertGroups,
  renderMonitors,
  renderDashboards,
} from "./observability";
export type {
  AlertOverride,
  MonitorPorts,
  MonitorsArgs,
  ObservedDeployment,
  PrometheusLocation,
} from "./observability";
export type { HarborServiceMonitor } from "./harbor";
export { ComponentTypes, ComponentType } from "./tokens";
export {
  InvalidArgsError,
  ArgsProblem,
  Placement,
  NODE_TIER_LABEL,
  NodeTier,
  DEFAULT_NAMESPACE,
  readWriteOnceSharingViolation,
  bucketNameProblem,
  AWS_TAG_RULES,
  awsTagProblems,
  stackTags,
  NODE_ZONE_LABEL,
} from "./conventions";
