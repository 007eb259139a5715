/**
 * Type tokens of every harbor-ha component, `harbor-ha:<tier>:<Name>`.
 *
 * They live apart from the components so that the policy pack can match resources by type
 * without importing any component (and with it a provider SDK).
 */
export const ComponentTypes = {
  HarborPlatform: "harbor-ha:platform:HarborPlatform",
  PatroniCluster: "harbor-ha:postgres:PatroniCluster",
  RedisSentinel: "harbor-ha:redis:RedisSentinel",
  HarborRelease: "harbor-ha:harbor:HarborRelease",
  HarborSecrets: "harbor-ha:harbor:HarborSecrets",
  S3Storage: "harbor-ha:storage:S3Storage",
  NfsStorage: "harbor-ha:storage:NfsStorage",
  FilesystemStorage: "harbor-ha:storage:FilesystemStorage",
  SsdStorageClass: "harbor-ha:storage:SsdStorageClass",
  CertManager: "harbor-ha:tls:CertManager",
  HarborCertificates: "harbor-ha:tls:HarborCertificates",
  EnvoyGateway: "harbor-ha:edge:EnvoyGateway",
  HarborGateway: "harbor-ha:edge:HarborGateway",
  HarborGatewayRoutes: "harbor-ha:edge:HarborGatewayRoutes",
  HarborDnsRecord: "harbor-ha:edge:HarborDnsRecord",
  NlbAccessLogBucket: "harbor-ha:edge:NlbAccessLogBucket",
  NodePools: "harbor-ha:nodepools:NodePools",
  EksCluster: "harbor-ha:cluster:EksCluster",
  ClusterAddons: "harbor-ha:addons:ClusterAddons",
  ReplicationTargets: "harbor-ha:replication:ReplicationTargets",
  HarborProjects: "harbor-ha:projects:HarborProjects",
  HarborOperations: "harbor-ha:harborOps:HarborOperations",
  AdmissionPolicies: "harbor-ha:admission:AdmissionPolicies",
  HarborObservability: "harbor-ha:observability:HarborObservability",
} as const;

export type ComponentType = (typeof ComponentTypes)[keyof typeof ComponentTypes];
