import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import {
  ArgsChecker,
  ArgsProblem,
  ConnectionBudget,
  DEFAULT_NAMESPACE,
  problemsUnder,
  refuseInvalidArgs,
  Placement,
  readWriteOnceSharingViolation,
  RegistryStorageDescriptor,
  standardLabels,
  awsTagProblems,
  stackTags,
} from "../conventions";
import {
  budgetOf,
  checkPatroniClusterArgs,
  PatroniCluster,
  PatroniClusterArgs,
  patroniClusterBudget,
} from "../postgres";
import { checkRedisSentinelArgs, RedisSentinel, RedisSentinelArgs } from "../redis";
import {
  checkHarborObservabilityArgs,
  HarborObservability,
  HarborObservabilityArgs,
  MonitoringCrdReads,
  prometheusOperatorCrds,
} from "../observability";
import { harborServiceMonitorWiring, observabilityWiring } from "./observabilityWiring";
import {
  checkFilesystemStorageArgs,
  checkNfsStorageArgs,
  checkS3StorageArgs,
  checkSsdStorageClassArgs,
  FilesystemStorage,
  FilesystemStorageArgs,
  NfsStorage,
  NfsStorageArgs,
  S3Storage,
  S3StorageArgs,
  SsdStorageClass,
  SsdStorageClassArgs,
  ssdStorageClassDefaults,
} from "../storage";
import {
  CertManager,
  CertManagerArgs,
  checkCertManagerArgs,
  checkHarborCertificatesArgs,
  HarborCertificates,
  HarborCertificatesArgs,
  IssuerMode,
} from "../tls";
import {
  checkEnvoyGatewayArgs,
  checkHarborDnsRecordArgs,
  checkHarborGatewayArgs,
  edgeLockoutProblems,
  EnvoyGateway,
  ExistingGatewayRef,
  GatewayImplementation,
  HarborGatewayRoutes,
  HarborGatewayRoutesArgs,
  harborGatewayRoutesProblems,
  EnvoyGatewayArgs,
  GatewayParentRef,
  HarborDnsRecordArgs,
  envoyGatewayDefaults,
  harborGatewayDefaults,
  HarborGateway,
  HarborGatewayArgs,
  HarborDnsRecord,
  StackApiCalls,
} from "../edge";
import {
  checkHarborReleaseArgs,
  harborDatabaseClientPools,
  harborFullName,
  HarborRedis,
  HarborRedisEndpoint,
  HarborRedisSentinel,
  HarborRelease,
  HarborReleaseArgs,
  resolveHarborReleaseArgs,
  ResourceSpec,
} from "../harbor";
import { checkNodePoolsArgs, NodePools, NodePoolsArgs } from "../nodepools";
import { checkEksClusterArgs, EksCluster, EksClusterArgs } from "../cluster";
import { checkClusterAddonsArgs, ClusterAddons, ClusterAddonsArgs } from "../addons";
import { ClusterScope, clusterScoped, PlatformCluster } from "./clusterWiring";
import {
  checkReplicationTargetsArgs,
  REPLICATION_API_PATHS,
  RegistryEndpointArgs,
  ReplicationFlow,
  ReplicationPolicyArgs,
  ReplicationTargets,
  ReplicationTargetsArgs,
} from "../replication";
import {
  checkHarborProjectsArgs,
  HarborProjectArgs,
  HarborProjects,
  HarborProjectsArgs,
  PROJECT_API_PATHS,
} from "../projects";
import type { HarborApiArgs } from "../harborApi";
import { checkHarborOperationsArgs, HarborOperations, HarborOperationsArgs, OPERATIONS_API_PATHS } from "../harborOps";
import { AdmissionPolicies, AdmissionPoliciesArgs, admissionArgsProblems, normalizeImage } from "../admission";
import { HARBOR_IMAGES } from "../harbor";
import { CERT_MANAGER_IMAGES } from "../tls";
import { ENVOY_GATEWAY_IMAGES } from "../edge";
import { POSTGRES_EXPORTER_IMAGE, PSQL_IMAGE, SPILO_IMAGE } from "../postgres";
import { REDIS_EXPORTER_IMAGE, REDIS_IMAGE } from "../redis";

export type Environment = "dev" | "staging" | "prod";

/**
 * Facts about the deployment that the policy pack reads from this component's inputs
 * (thresholds depend on them; they are not resources of their own).
 */
export interface PlatformFacts {
  environment: Environment;
  expectedDataGb?: number;
  highThroughput: boolean;
  zones: string[];
}

/** PostgreSQL: ours (Patroni) or the team's own (RDS, Aurora, ...). */
export type PlatformDatabase =
  | ({
      /** A PatroniCluster created here. */
      kind: "patroni";
    } & Omit<PatroniClusterArgs, "namespace" | "clientPool" | "placement" | "requireZoneSpread">)
  | {
      /** A database the team brings. */
      kind: "existing";
      /** Host Harbor connects to (the writer endpoint). */
      host: pulumi.Input<string>;
      /** Port. Default: HarborRelease's (`harborReleaseDefaults.databasePort`). */
      port?: pulumi.Input<number>;
      /** Harbor's database. */
      database: pulumi.Input<string>;
      /** Harbor's role. */
      user: pulumi.Input<string>;
      /** A Secret in Harbor's namespace with key `password`. */
      passwordSecretName: pulumi.Input<string>;
      /** `sslmode` Harbor connects with. Default: HarborRelease's (`harborReleaseDefaults.sslmode`). */
      sslmode?: pulumi.Input<string>;
      /** The database's max_connections, to check Harbor's pool against. Default: not checked. */
      maxConnections?: number;
    };

/**
 * Redis: ours (RedisSentinel, the default), the team's own sentinels, or the team's own endpoint, plain or
 * TLS (ElastiCache's primary endpoint with cluster mode disabled; Harbor does not support Redis Cluster).
 * Addresses are host:port without a scheme; checked before any resource. Alerts and exporters for Redis
 * apply only to ours.
 */
export type PlatformRedis =
  | ({
      /** A RedisSentinel created here. */
      kind: "sentinel";
    } & Omit<RedisSentinelArgs, "namespace" | "placement" | "requireZoneSpread">)
  | ({
      /** Sentinels the team brings. */
      kind: "existing";
    } & Omit<HarborRedisSentinel, "kind">)
  | HarborRedisEndpoint;

/** Registry storage. */
export type PlatformStorage =
  | ({
      /** S3 (a bucket created here, or an existing S3-compatible store). */
      kind: "s3";
    } & Omit<S3StorageArgs, "namespace">)
  | ({
      /** ReadWriteMany NFS: EFS created here, or an existing server. */
      kind: "nfs";
    } & Omit<NfsStorageArgs, "namespace">)
  | {
      /** One ReadWriteOnce volume (dev, one replica). */
      kind: "filesystem";
      /** StorageClass. Default: the cluster's default. */
      storageClass?: string;
      /** Size, GiB. Default: FilesystemStorage's (`filesystemStorageDefaults.capacityGb`). */
      capacityGb?: number;
    };

/**
 * The SSD StorageClass every claim of the platform names (Patroni, Redis and the sentinels, Trivy, filesystem
 * registry storage): created here, or with `create: false` one the cluster already has, named by `name`.
 */
export type PlatformStorageClass = SsdStorageClassArgs & {
  /** Create the class (false: the cluster has a class called `name`). Default: true. */
  create?: boolean;
};

/** TLS settings of the platform. */
export interface PlatformTls {
  /** Install cert-manager (false: the cluster has one). Default: true. */
  installCertManager?: boolean;
  /** cert-manager replicas. Default: CertManager's (2 outside dev, where it runs highly available; else 1). */
  certManagerReplicas?: number;
  /** IRSA for cert-manager's Route53 access (acme-dns01). Default: none (ambient credentials). */
  route53Irsa?: {
    /** The cluster's IAM OIDC provider. */
    oidcProviderArn: pulumi.Input<string>;
    /** The cluster's OIDC issuer URL. */
    oidcIssuerUrl: pulumi.Input<string>;
  };
  /** How Harbor's edge certificate is issued. */
  issuer: IssuerMode;
}

/** The edge the platform runs: Envoy Gateway and Harbor's Gateway (the default kind). */
export type PlatformOwnEdge = Pick<
  HarborGatewayArgs,
  "exposure" | "internal" | "nodePorts" | "replicas" | "adminAllowlist"
> & {
  /** The platform's own Envoy Gateway edge. Default: this kind, when `kind` is left out. */
  kind?: "envoy-gateway";
  /**
   * The Gateway's name; the other edge objects are named after it. Default: the platform's name. Set `harbor`
   * to keep the names an earlier harbor-ha gave a platform of another name (no replaced load balancer).
   */
  gatewayName?: string;
  /** NLB deletion protection. Default: true in prod, false elsewhere. */
  deletionProtection?: boolean;
  /**
   * NLB access logs: `bucket` an existing one (default: created), `prefix`; `enabled: false` turns them off.
   * Default: on in prod (a created bucket), off elsewhere.
   */
  accessLogs?: { enabled?: boolean; bucket?: string; prefix?: string };
  /** Install Envoy Gateway (false: the cluster runs it already, with its Gateway API CRDs). Default: true. */
  installController?: boolean;
  /** Envoy Gateway controller replicas. Default: 2 (1 in dev). */
  controllerReplicas?: number;
  /**
   * IPv4 CIDRs `pulumi up` runs from (CI runners, a bastion). With an adminAllowlist, the stack's own
   * API resources (replication endpoints and policies) call admin paths, so each must lie within
   * adminAllowlist, or the platform refuses before any resource. Default: [].
   */
  operatorCidrs?: string[];
};

/**
 * Harbor on a Gateway the team runs (a shared gateway): the platform attaches Harbor's chart route, the
 * HTTP redirect (with `gateway.httpListener`) and, with an allowlist, the admin API route behind an Envoy
 * Gateway SecurityPolicy to the team's listeners (HarborGatewayRoutes). The Gateway, its proxies, load
 * balancer, certificate and client-address handling stay the team's: the settings of the platform's own
 * edge are refused here rather than ignored.
 */
export interface PlatformExistingEdge {
  /** The team's Gateway. */
  kind: "existing";
  /** Its name, namespace and listeners; the listeners must allow routes from Harbor's namespace. */
  gateway: ExistingGatewayRef;
  /**
   * The Gateway's implementation; an allowlist needs `envoy-gateway` (its SecurityPolicy CRD) and is refused
   * otherwise. Default: `other`.
   */
  implementation?: GatewayImplementation;
  /**
   * IPv4 CIDRs allowed on Harbor's admin API paths, as the team's Envoy sees client addresses (its load
   * balancer must pass them on: proxy protocol or `externalTrafficPolicy: Local`). Default: [] (no admin route).
   */
  adminAllowlist?: string[];
  /** Where `pulumi up` runs from; each must lie within adminAllowlist when the stack calls admin paths. Default: []. */
  operatorCidrs?: string[];
  /** The team's load balancer has public addresses (then private ranges in the allowlists are refused: clients arrive through NAT). Default: true. */
  internetFacing?: boolean;
  /** Refused: the platform's own load balancer only. Default: none. */
  exposure?: never;
  /** Refused: the platform's own load balancer only. Default: none. */
  internal?: never;
  /** Refused: the platform's own proxies only. Default: none. */
  nodePorts?: never;
  /** Refused: the platform's own proxies only. Default: none. */
  replicas?: never;
  /** Refused: the platform's own NLB only. Default: none. */
  deletionProtection?: never;
  /** Refused: the platform's own NLB only. Default: none. */
  accessLogs?: never;
  /** Refused: the team's gateway runs its own controller. Default: none. */
  installController?: never;
  /** Refused: the team's gateway runs its own controller. Default: none. */
  controllerReplicas?: never;
  /** Refused: names the platform's own Gateway. Default: none. */
  gatewayName?: never;
}

/** The edge: the platform's own Envoy Gateway (default) or the team's Gateway (`kind: "existing"`). */
export type PlatformEdge = PlatformOwnEdge | PlatformExistingEdge;

/** Settings of the platform's own edge, refused with the team's gateway, and what each one is about. */
const OWN_EDGE_ONLY: Record<string, string> = {
  exposure: "how the platform's own proxies are reached",
  internal: "the scheme of the platform's own NLB",
  nodePorts: "the NodePorts of the platform's own proxies",
  replicas: "the replicas of the platform's own Envoy proxies",
  deletionProtection: "the platform's own NLB",
  accessLogs: "the platform's own NLB",
  installController: "installing Envoy Gateway for the platform's own Gateway",
  controllerReplicas: "the platform's own Envoy Gateway controller",
  gatewayName: "the name of the platform's own Gateway",
};

/** Harbor's name in Route53: an alias record for the external URL's host pointing at the edge's NLB. */
export interface PlatformDns {
  /** The Route53 hosted zone's id. */
  hostedZoneId: string;
  /** The hosted zone's domain (e.g. `example.com`); it must contain the external URL's host. */
  zoneName: string;
  /** The load balancer's region. Default: the AWS provider's. */
  region?: string;
}

/** Harbor's own settings. */
export interface PlatformHarbor {
  /** Replicas of every Harbor component. Default: HarborRelease's (`harborReleaseDefaults.replicas`). */
  replicas?: number;
  /** Per-pod database pool of core and exporter. Default: HarborRelease's (`harborReleaseDefaults.maxOpenConns`). */
  maxOpenConns?: number;
  /** Idle connections kept per pod. Default: HarborRelease's (`harborReleaseDefaults.maxIdleConns`). */
  maxIdleConns?: number;
  /** Trivy scanner. Default: HarborRelease's (`harborReleaseDefaults.trivy`). */
  trivy?: boolean;
  /** Metrics endpoints. Default: HarborRelease's (`harborReleaseDefaults.metrics`). */
  metrics?: boolean;
  /** Requests/limits per component. Default: HarborRelease's. */
  resources?: Record<string, ResourceSpec>;
}

/** Replication set up in this Harbor. */
export interface PlatformReplication {
  /** Remote registries. Default: []. */
  endpoints?: RegistryEndpointArgs[];
  /** Replication policies. Default: []. */
  policies?: ReplicationPolicyArgs[];
  /** Flows declared by other Harbors, checked with these for loops. Default: []. */
  peerFlows?: ReplicationFlow[];
}

export interface HarborPlatformArgs {
  /** dev (laptop cluster), staging or prod. Recorded for the policy pack; HA is set by the other Args. */
  environment: Environment;
  /**
   * Namespace of Harbor and its backends, e.g. a Namespace's `metadata.name` (with `createNamespace: false`).
   * A plain string when `observability` is set: alert rules and dashboards carry it in their text. Default: `harbor`.
   */
  namespace?: pulumi.Input<string>;
  /** Create the namespace (false: it exists already). Default: true. */
  createNamespace?: boolean;
  /**
   * Harbor's external URL, `https://<host>`. A plain string (an Output is refused, naming it): it is parsed and
   * checked before any resource, and its host goes into the certificate, the DNS record, the Gateway's listeners,
   * the admission policy's text and the API resources' lockout check.
   */
  externalUrl: string;
  /** Registry data expected, in GB; storage must offer 3x this (a policy). Default: none. */
  expectedDataGb?: number;
  /** High-throughput workload (raises the memory floor the policies apply). Default: false. */
  highThroughput?: boolean;
  /**
   * Availability zones; with two or more, every tier is spread over them with a hard constraint. Plain strings (an
   * Output is refused, naming it): the db tier gets one node group per zone, and the spread depends on how many.
   * Default: [].
   */
  zones?: string[];
  /** Harbor admin password (secret). Default: generated. */
  adminPassword?: pulumi.Input<string>;
  /** PostgreSQL. Default: `{ kind: "patroni" }` with PatroniCluster's defaults. */
  database?: PlatformDatabase;
  /** Redis. Default: `{ kind: "sentinel" }` with RedisSentinel's defaults. */
  redis?: PlatformRedis;
  /** Registry storage. */
  storage: PlatformStorage;
  /**
   * The StorageClass of every claim. Default: `{}`: an `SsdStorageClass` with its defaults (`harbor-ssd`, gp3,
   * encrypted, on the EBS CSI driver). A tier's own `storageClass` (database, redis, filesystem storage) wins.
   */
  storageClass?: PlatformStorageClass;
  /** TLS: install cert-manager (Default: true) and how Harbor's certificate is issued. */
  tls: PlatformTls;
  /**
   * The edge: Envoy Gateway (installed unless `installController` is false) and Harbor's Gateway, an
   * AWS NLB by default (needs the AWS Load Balancer Controller in the cluster). Default: `{}`.
   */
  edge?: PlatformEdge;
  /**
   * Harbor's DNS record in Route53 (edge exposure `nlb` only). Default: none: the team's own DNS points the
   * host at the load balancer (until it does, ACME HTTP-01 cannot issue and the API resources cannot reach Harbor).
   */
  dns?: PlatformDns;
  /** Harbor itself. Defaults: HarborRelease's. */
  harbor?: PlatformHarbor;
  /**
   * EKS node groups for the app and db tiers; when set, pods are pinned to their tier. The cluster's name,
   * node role and subnets come from `cluster.create` when the platform creates the cluster. Default: none
   * (bring your own nodes).
   */
  nodePools?: Omit<NodePoolsArgs, "namePrefix" | "clusterName" | "nodeRoleArn" | "subnetIds"> &
    Partial<Pick<NodePoolsArgs, "clusterName" | "nodeRoleArn" | "subnetIds">>;
  /**
   * The EKS cluster: created here (`create`) or existing, with the add-ons the deployment depends on
   * (vpc-cni with network policy, EBS/EFS CSI drivers, the AWS Load Balancer Controller). Default: none
   * (no add-ons; a laptop cluster or one the team fully manages).
   */
  cluster?: PlatformCluster;
  /** Replication endpoints and policies created in this Harbor. Default: none. */
  replication?: PlatformReplication;
  /** Harbor projects with their scan and signing policy. Default: none. */
  projects?: HarborProjectArgs[];
  /**
   * How the API resources reach Harbor besides its URL and admin password: a CA bundle to trust (Default:
   * the stack's own CA when the edge is self-signed, else public roots), the explicit `insecure` opt-in
   * (Default: false), the per-request time bound (Default: 180 s).
   */
  harborApi?: Pick<HarborApiArgs, "caBundle" | "insecure" | "requestTimeoutSeconds">;
  /** Harbor operations (GC, audit purge, scan all, retention, immutable tags, proxy caches, OIDC). Default: none. */
  operations?: Omit<HarborOperationsArgs, "harbor" | "projectIds" | "knownProjects">;
  /**
   * Admission policies in this cluster (registry allowlist, signature verification); the platform's own
   * images are exempted ({@link platformImages}). Default: none.
   */
  admission?: PlatformAdmission;
  /**
   * Metrics, alerts and dashboards (HarborObservability): exporter sidecars in the data tier, Harbor's chart
   * ServiceMonitor, monitors, alert rules and dashboards. Monitors and rules need prometheus-operator's CRDs.
   * Default: none (no exporters, monitors, rules or dashboards).
   */
  observability?: Omit<HarborObservabilityArgs, "namespace" | "deployment" | "targets" | "ports">;
  /**
   * AWS tags added to `project`, `stack` and `environment` on every AWS resource the platform creates (keys
   * checked against AWS's rules before any resource). Default: {} (the three standard tags only).
   */
  tags?: Record<string, string>;
}

/** The admission tier as the platform takes it: Harbor's host is the platform's. */
export type PlatformAdmission = Omit<AdmissionPoliciesArgs, "harborHost" | "projects"> & {
  /** Harbor projects pods may pull from. Default: every project of `projects` and proxy cache of `operations`. */
  projects?: string[];
};

/**
 * Every image the platform runs from upstream registries (fully qualified), each from its tier: the
 * admission allowlist exempts them, or a first `pulumi up` in Deny mode would refuse the stack's own pods.
 */
export function platformImages(): string[] {
  return [
    ...Object.values(HARBOR_IMAGES).flat(),
    ...CERT_MANAGER_IMAGES,
    ...Object.values(ENVOY_GATEWAY_IMAGES),
    SPILO_IMAGE,
    PSQL_IMAGE,
    REDIS_IMAGE,
    // The metrics sidecars of the data tier's pods (observability): refused, they would keep the database out.
    POSTGRES_EXPORTER_IMAGE,
    REDIS_EXPORTER_IMAGE,
  ]
    .map(normalizeImage)
    .sort();
}

/** The projects the cluster may pull from by default: the declared ones and the proxy caches. */
export function platformAdmissionProjects(args: Pick<HarborPlatformArgs, "projects" | "operations">): string[] {
  return [
    ...new Set([
      ...(args.projects ?? []).map((p) => p.name),
      ...(args.operations?.proxyCaches ?? []).map((p) => p.project),
    ]),
  ];
}

/** The AWS tags of every AWS resource the platform creates: project, stack, environment and `args.tags`. */
export function platformTags(args: Pick<HarborPlatformArgs, "environment" | "tags">): Record<string, string> {
  return stackTags(pulumi.getProject(), pulumi.getStack(), args.environment, args.tags ?? {});
}

/** The URL's host with its port (the URL itself when it does not parse: the checks say so). */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** Whether any Harbor operation is configured (an empty list or an unset key is none). */
function hasOperations(ops: HarborPlatformArgs["operations"]): boolean {
  return Object.values(ops ?? {}).some((v) => (Array.isArray(v) ? v.length > 0 : v !== undefined));
}

/**
 * Harbor API paths the platform's own resources call on this Harbor (the self-lockout check); the stack
 * config asks the same before any resource.
 */
export function stackApiCalls(
  args: Pick<HarborPlatformArgs, "replication" | "projects" | "operations">,
): StackApiCalls[] {
  const calls: StackApiCalls[] = [];
  if ((args.replication?.endpoints?.length ?? 0) > 0 || (args.replication?.policies?.length ?? 0) > 0)
    calls.push({ caller: "replication", paths: REPLICATION_API_PATHS });
  if ((args.projects?.length ?? 0) > 0) calls.push({ caller: "projects", paths: PROJECT_API_PATHS });
  if (hasOperations(args.operations)) calls.push({ caller: "operations", paths: OPERATIONS_API_PATHS });
  return calls;
}

/**
 * The Helm release name of a platform's Harbor: the platform's own name (its Services are
 * `<fullName>-core`, ...), so two platforms never share a release; the stacks' platform is "harbor".
 */
export function harborReleaseName(platformName: string): string {
  return platformName;
}

/**
 * The labels of this platform's Harbor pods (the chart's `app` and `release`): only they may reach its
 * database and Redis, also when another platform shares the namespace.
 */
function harborPods(platformName: string): Record<string, string> {
  return { app: "harbor", release: harborReleaseName(platformName) };
}

/**
 * The platform's own defaults (what no tier decides). Everything else is passed through to the tiers as
 * given, so that each tier's exported defaults apply: `undefined` stays `undefined`.
 */
export const harborPlatformDefaults = {
  namespace: DEFAULT_NAMESPACE,
  createNamespace: true,
  highThroughput: false,
  installCertManager: true,
  /** Install Envoy Gateway (`edge.installController`). */
  installEdgeController: true,
  /** Envoy Gateway controller replicas outside dev (in dev: 1). */
  edgeControllerReplicas: envoyGatewayDefaults.replicas,
  /** Bound of the wait for the Gateway's address (the NLB's DNS name) when a DNS record needs it, seconds. */
  gatewayAddressTimeoutSeconds: 600,
  /**
   * Bound of the wait for the edge certificate when the stack calls Harbor's API, seconds (ACME orders take
   * a minute or two once the name resolves; the rest is margin for DNS propagation).
   */
  certificateIssuanceTimeoutSeconds: 900,
};

/** Harbor's database connection, from our PatroniCluster or the team's own. */
interface DatabaseConnection {
  host: pulumi.Input<string>;
  port?: pulumi.Input<number>;
  user: pulumi.Input<string>;
  database: pulumi.Input<string>;
  passwordSecretName: pulumi.Input<string>;
  sslmode?: pulumi.Input<string>;
  /** Connections the database offers applications; undefined: not checked. */
  connectionBudget?: number;
}

/** The edge as Harbor's release takes it. */
interface EdgeWiring {
  /** The Gateway listener Harbor's chart HTTPRoute attaches to. */
  routeParentRefs: pulumi.Output<object[]>;
  /** The admin route and its SecurityPolicy: Harbor's route (which serves admin paths too) waits for them. */
  adminReady: pulumi.Resource[];
  /** Envoy Gateway's release (it installs the Gateway API CRDs); empty when the cluster brings its own. */
  controllerReady: pulumi.Resource[];
  tlsSecretName: pulumi.Output<string>;
  tokenServiceSecretName: pulumi.Output<string>;
  /** The private CA's certificate when the edge is self-signed: Harbor's API resources trust it. */
  caCertificate?: pulumi.Output<string>;
  /** What Harbor's API resources wait for besides the release: the issued edge certificate and the DNS record. */
  apiReady: pulumi.Resource[];
}

/** Where the platform puts things: namespace (name, and the resource when created here) and node tiers. */
interface Layout {
  name: string;
  /** The namespace's name as given (plain, or another resource's output). */
  ns: pulumi.Input<string>;
  /** The namespace's name, waiting for the Namespace when it is created here. */
  nsName: pulumi.Input<string>;
  namespace?: k8s.core.v1.Namespace;
  appTier?: Placement;
  dbTier?: Placement;
  /** The node groups, when the platform creates them (add-ons wait for them). */
  nodePools?: NodePools;
  /** Two or more zones: every tier spreads over them with a hard constraint. */
  zonesHard: boolean;
  /** The StorageClass every claim names, and what claims wait for (the class, when created here). */
  storageClass: string;
  storageClassReady: pulumi.Resource[];
}

/**
 * The composition root: builds Harbor and its backends from the tier components and wires each tier's
 * typed outputs into the next (database and Redis endpoints, storage descriptor, certificates, Gateway
 * class). Every tier is usable on its own; here each can also be replaced by what a team brings.
 *
 * Ordering: Harbor's release waits only for what it reads (Secrets, Service names), not for the
 * database to be up or certificates to be issued: its pods retry and wait for Secrets on their own, and
 * Helm waits for them, which keeps the chain of resources `pulumi up` creates one after another short.
 */
export class HarborPlatform extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.HarborPlatform;

  readonly namespace: pulumi.Output<string>;
  readonly externalUrl: pulumi.Output<string>;
  /** Harbor's database host and Redis sentinels, as Harbor was given them (no sentinels: "", with a Redis endpoint). */
  readonly databaseHost: pulumi.Output<string>;
  readonly redisSentinels: pulumi.Output<string>;
  /** Harbor's Redis address as given to the chart (`redis.external.addr`): the sentinels, or the endpoint. */
  readonly redisAddress: pulumi.Output<string>;
  /** Where the registry keeps blobs. */
  readonly registryStorage: pulumi.Output<RegistryStorageDescriptor>;
  /** Secret holding the admin password (key `HARBOR_ADMIN_PASSWORD`). */
  readonly adminPasswordSecretName: pulumi.Output<string>;
  /** Secret of the edge certificate. */
  readonly tlsSecretName: pulumi.Output<string>;
  /** The Harbor release component. */
  readonly harbor: HarborRelease;
  /** Our PatroniCluster (undefined with a database the team brings): the observability tier reads its sizing. */
  private dbCluster?: PatroniCluster;
  /** prometheus-operator's CRDs, read (never created) once for every monitoring object, Harbor's chart's too. */
  private monitoringCrds: MonitoringCrdReads = {};

  constructor(name: string, args: HarborPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    // Every tier's Args, as the tiers below will get them, before anything is registered (this component too).
    refuseInvalidArgs("HarborPlatform", name, checkHarborPlatformArgs(name, args));
    const facts = platformFacts(args);
    // Filled by the cluster builders: every Kubernetes resource below lands on the created cluster, after its add-ons.
    const scope = new ClusterScope();
    super(HarborPlatform.__pulumiType, name, facts, {
      ...opts,
      transformations: [...(opts?.transformations ?? []), clusterScoped(scope)],
    });

    args = this.createdCluster(name, args, scope);
    const nodes = this.layout(name, args);
    // The class after the add-ons: on a created cluster its claims need the EBS CSI driver.
    this.clusterAddons(nodes, args, scope);
    const layout = this.ssdStorageClass(nodes, args);
    const database = this.database(layout, args);
    const redis = this.redis(layout, args);
    const storage = this.storageTier(layout, args);
    const edge = this.edge(layout, args);
    this.monitoringCrds = this.readMonitoringCrds(layout, args);
    this.harbor = this.harborRelease(layout, args, { database, redis, storage, edge });
    this.harborConfiguration(layout, args, edge);
    this.admission(layout, args);
    this.observability(layout, args);

    this.namespace = pulumi.output(layout.nsName);
    this.externalUrl = pulumi.output(args.externalUrl);
    this.databaseHost = pulumi.output(database.host);
    this.redisSentinels = pulumi.output(redis.kind === "endpoint" ? "" : redis.sentinelAddrs);
    this.redisAddress = pulumi.output(redis.kind === "endpoint" ? redis.addr : redis.sentinelAddrs);
    this.registryStorage = storage;
    this.adminPasswordSecretName = this.harbor.adminPasswordSecretName;
    this.tlsSecretName = edge.tlsSecretName;
    // The facts go out as outputs too: a real `pulumi preview` gives stack policies a component's outputs.
    this.registerOutputs({
      ...facts,
      namespace: this.namespace,
      externalUrl: this.externalUrl,
      databaseHost: this.databaseHost,
      redisSentinels: this.redisSentinels,
      redisAddress: this.redisAddress,
    });
  }

  /** The namespace (created unless it exists) and, with node pools, the tiers pods are pinned to. */
  private layout(name: string, args: HarborPlatformArgs): Layout {
    const planned = plannedLayout(name, args);
    const namespace =
      (args.createNamespace ?? harborPlatformDefaults.createNamespace)
        ? new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
              metadata: {
                name: planned.ns,
                labels: standardLabels("harbor", name, { "pod-security.kubernetes.io/enforce": "baseline" }),
              },
            },
            { parent: this },
          )
        : undefined;
    const nodePools = args.nodePools
      ? new NodePools(`${name}-nodes`, nodePoolsArgs(name, args), { parent: this })
      : undefined;
    // Namespaced children wait for the namespace through its name.
    return { ...planned, nsName: namespace ? namespace.metadata.name : planned.ns, namespace, nodePools };
  }

  /**
   * With `cluster.create`: the EKS cluster across the platform's zones and its Kubernetes provider (the scope's);
   * returns the Args with the cluster's facts filled in ({@link withCreatedCluster}).
   */
  private createdCluster(name: string, args: HarborPlatformArgs, scope: ClusterScope): HarborPlatformArgs {
    const create = eksClusterArgs(args);
    if (!create) return args;
    const cluster = new EksCluster(`${name}-cluster`, create, { parent: this });
    scope.provider = new k8s.Provider(`${name}-cluster`, { kubeconfig: cluster.kubeconfig }, { parent: this });
    return withCreatedCluster(args, cluster);
  }

  /**
   * The add-ons the deployment depends on (ClusterAddons), after the node groups; from here on every
   * Kubernetes resource of the platform waits for them (the scope).
   */
  private clusterAddons(l: Layout, args: HarborPlatformArgs, scope: ClusterScope): void {
    const addonArgs = clusterAddonsArgs(args, l.nodePools ? [l.nodePools] : []);
    if (!addonArgs) return;
    const addons = new ClusterAddons(`${l.name}-addons`, addonArgs, { parent: this });
    scope.ready = addons.ready;
  }

  /** The SSD StorageClass every claim names (created unless the cluster has it), added to the layout. */
  private ssdStorageClass(l: Layout, args: HarborPlatformArgs): Layout {
    const { create, classArgs } = platformStorageClass(l.name, args);
    if (!create) return plannedStorageClass(l, args);
    const sc = new SsdStorageClass(`${l.name}-ssd`, classArgs, { parent: this });
    return { ...l, storageClass: sc.name, storageClassReady: [sc.storageClass] };
  }

  /** PostgreSQL: a PatroniCluster sized for Harbor's pool, or the team's database. */
  private database(l: Layout, args: HarborPlatformArgs): DatabaseConnection {
    const db = args.database ?? { kind: "patroni" };
    if (db.kind === "existing") return existingDatabase(db);
    const cluster = new PatroniCluster(`${l.name}-db`, patroniArgs(l, args), waitingFor(this, l.storageClassReady));
    this.dbCluster = cluster;
    return {
      host: cluster.host,
      port: cluster.port,
      user: cluster.user,
      database: cluster.database,
      passwordSecretName: cluster.passwordSecretName,
      sslmode: cluster.sslmode,
      connectionBudget: cluster.budget.availableForApplications,
    };
  }

  /** Redis: a RedisSentinel reachable from Harbor's pods, or the team's sentinels or endpoint. */
  private redis(l: Layout, args: HarborPlatformArgs): HarborRedis {
    const team = teamRedis(args);
    if (team) return team;
    const sentinel = new RedisSentinel(
      `${l.name}-redis`,
      redisArgs(l, args),
      waitingFor(this, [...(l.namespace ? [l.namespace] : []), ...l.storageClassReady]),
    );
    return {
      kind: "sentinel",
      sentinelAddrs: sentinel.sentinelAddrs,
      masterSet: sentinel.masterSet,
      passwordSecretName: sentinel.passwordSecretName,
    };
  }

  /** The registry's storage tier (S3, NFS/EFS or one volume). */
  private storageTier(l: Layout, args: HarborPlatformArgs): pulumi.Output<RegistryStorageDescriptor> {
    const tier = storageTierArgs(l, args);
    const storageName = `${l.name}-registry`;
    if (tier.kind === "s3") return new S3Storage(storageName, tier.args, { parent: this }).registryStorage;
    if (tier.kind === "nfs") return new NfsStorage(storageName, tier.args, { parent: this }).registryStorage;
    return new FilesystemStorage(storageName, tier.args, waitingFor(this, l.storageClassReady)).registryStorage;
  }

  /** The edge: Envoy Gateway (unless the cluster runs it), cert-manager, Harbor's certificates and Gateway. */
  private edge(l: Layout, args: HarborPlatformArgs): EdgeWiring {
    const { name, namespace } = l;
    const child = { parent: this };
    const controllerArgs = envoyGatewayArgs(l, args);
    const controller = controllerArgs ? new EnvoyGateway(`${name}-envoy-gateway`, controllerArgs, child) : undefined;
    const controllerReady = controller ? [controller.release] : [];
    const http01 = args.tls.issuer.mode === "acme-http01";
    const certManager = new CertManager(
      `${name}-cert-manager`,
      certManagerArgs(l, args),
      // cert-manager enables its Gateway API support only if the CRDs exist when it starts.
      waitingFor(this, http01 ? controllerReady : []),
    );
    // The team's Gateway: routes on its listeners, no controller, proxies or load balancer of ours.
    const edgeArgs = args.edge ?? {};
    const gateway: Pick<HarborGateway, "harborParentRefs" | "acmeParentRefs" | "adminReady"> =
      edgeArgs.kind === "existing"
        ? new HarborGatewayRoutes(
            `${name}-edge`,
            harborGatewayRoutesArgs(l, args, edgeArgs, namespace ? [namespace] : []),
            child,
          )
        : new HarborGateway(
            `${name}-edge`,
            harborGatewayArgs(l, args, [...controllerReady, ...(namespace ? [namespace] : [])]),
            child,
          );
    const dnsRecord = gateway instanceof HarborGateway ? this.dnsRecord(l, args, gateway) : undefined;
    // The API resources need the certificate issued: then (and only then) the edge Certificate is waited for.
    const apiCalls = stackApiCalls(args).length > 0;
    const certificates = new HarborCertificates(
      `${name}-certs`,
      harborCertificatesArgs(l, args, {
        acmeParentRefs: gateway.acmeParentRefs,
        certManagerReady: certManager.ready,
        dnsRecord: dnsRecord ? [dnsRecord.record] : [],
      }),
      child,
    );
    return {
      routeParentRefs: gateway.harborParentRefs,
      adminReady: gateway.adminReady,
      controllerReady,
      tlsSecretName: certificates.tlsSecretName,
      tokenServiceSecretName: certificates.tokenServiceSecretName,
      caCertificate: certificates.caCertificate,
      apiReady: [...(apiCalls ? [certificates.edgeCertificate] : []), ...(dnsRecord ? [dnsRecord.record] : [])],
    };
  }

  /** Harbor's alias record in Route53, pointing at the load balancer the Gateway publishes (with `dns` only). */
  private dnsRecord(l: Layout, args: HarborPlatformArgs, gateway: HarborGateway): HarborDnsRecord | undefined {
    if (!args.dns || !gateway.address) return undefined;
    return new HarborDnsRecord(`${l.name}-dns`, dnsRecordArgs(args, args.dns, gateway.address), { parent: this });
  }

  /** Harbor's release, given the other tiers' outputs; Harbor's own settings pass through unresolved. */
  private harborRelease(
    l: Layout,
    args: HarborPlatformArgs,
    tiers: ReleaseTiers & { edge: EdgeWiring },
  ): HarborRelease {
    return new HarborRelease(
      `${l.name}-harbor`,
      harborReleaseArgs(l, args, tiers),
      // Harbor's chart holds an HTTPRoute: it waits for the Gateway API CRDs (the controller's release), and,
      // as its route serves admin paths too, for the restricted admin route.
      waitingFor(this, [
        ...tiers.edge.controllerReady,
        ...tiers.edge.adminReady,
        ...l.storageClassReady,
        // Its ServiceMonitor needs prometheus-operator's CRD (read as a prerequisite).
        ...(this.monitoringCrds.ServiceMonitor ? [this.monitoringCrds.ServiceMonitor] : []),
      ]),
    );
  }

  /** Admission policies for this cluster, exempting the platform's own images. */
  private admission(l: Layout, args: HarborPlatformArgs): void {
    const admissionArgs = platformAdmissionArgs(args);
    if (admissionArgs) new AdmissionPolicies(`${l.name}-admission`, admissionArgs, { parent: this });
  }

  /** Harbor's own configuration through its API (replication, projects, operations), once the release is up. */
  private harborConfiguration(l: Layout, args: HarborPlatformArgs, edge: EdgeWiring): void {
    const api = harborApi(args, this.harbor.adminPassword, edge.caCertificate);
    // Harbor must answer at its name with a valid certificate: the release (Helm waits until its pods are
    // ready), the DNS record and the issued certificate, each wait bounded (README, "First deploy").
    const afterRelease = { parent: this, dependsOn: [this.harbor.release, ...edge.apiReady] };
    const replication = replicationArgs(args, api);
    if (replication) new ReplicationTargets(`${l.name}-replication`, replication, afterRelease);
    const projectArgs = projectsArgs(args, api);
    const projects = projectArgs ? new HarborProjects(`${l.name}-projects`, projectArgs, afterRelease) : undefined;
    const ops = operationsArgs(args, api, projects?.projectIds);
    if (ops) new HarborOperations(`${l.name}-operations`, ops, afterRelease);
  }

  /**
   * prometheus-operator's CRDs for the monitoring objects observability creates (monitors: ServiceMonitor,
   * PodMonitor; rules: PrometheusRule), read from the cluster as a prerequisite or installed from the pinned
   * chart (`observability.prometheusOperatorCrds`): nothing without observability.
   */
  private readMonitoringCrds(l: Layout, args: HarborPlatformArgs): MonitoringCrdReads {
    const obs = args.observability;
    return obs ? prometheusOperatorCrds(`${l.name}-observability`, obs, { parent: this }) : {};
  }

  /** Metrics, alert rules and dashboards for every tier, sized from the tiers' own numbers. */
  private observability(l: Layout, args: HarborPlatformArgs): void {
    const obsArgs = observabilityArgs(l, args, this.dbCluster?.budget);
    if (obsArgs)
      new HarborObservability(
        `${l.name}-observability`,
        { ...obsArgs, crdReads: this.monitoringCrds },
        { parent: this, dependsOn: l.namespace ? [l.namespace] : [] },
      );
  }
}

/*
 * The Args of each tier, built by one function each: the constructor passes them to the tiers, and
 * checkHarborPlatformArgs gives them (with placeholders for the outputs of tiers not created yet) to each
 * tier's own check before any resource. Pure.
 */

/** A stand-in for an output of a tier that does not exist yet: an Output, so that no check reads it as text. */
function pending<T>(value: T): pulumi.Output<T> {
  return pulumi.output(value) as pulumi.Output<T>;
}

/** The layout before any resource: the namespace's name, node tiers, zone spread (no StorageClass yet). */
function plannedLayout(name: string, args: HarborPlatformArgs): Layout {
  const ns = args.namespace ?? harborPlatformDefaults.namespace;
  return {
    name,
    ns,
    nsName: ns,
    ...(args.nodePools ? { appTier: { tier: "app" }, dbTier: { tier: "db" } } : {}),
    zonesHard: (args.zones ?? []).length >= 2,
    storageClass: "",
    storageClassReady: [],
  };
}

/** The SsdStorageClass the platform creates (`create` false: the cluster's class of that name). */
function platformStorageClass(
  name: string,
  args: HarborPlatformArgs,
): { create: boolean; classArgs: SsdStorageClassArgs } {
  const { create, ...classArgs } = args.storageClass ?? {};
  // Cluster-scoped: named after the platform unless given ("harbor" -> harbor-ssd), so two platforms fit a cluster.
  return { create: create !== false, classArgs: create === false ? classArgs : { name: `${name}-ssd`, ...classArgs } };
}

/** The layout with the StorageClass's name, before the class exists. */
function plannedStorageClass(l: Layout, args: HarborPlatformArgs): Layout {
  const { classArgs } = platformStorageClass(l.name, args);
  return { ...l, storageClass: classArgs.name ?? ssdStorageClassDefaults.name };
}

function eksClusterArgs(args: HarborPlatformArgs): EksClusterArgs | undefined {
  const create = args.cluster?.create;
  return create ? { ...create, zones: args.zones ?? [] } : undefined;
}

/** What the platform reads from a cluster it creates (EksCluster's outputs). */
type CreatedClusterFacts = Pick<
  EksCluster,
  "clusterName" | "nodeRoleArn" | "privateSubnetIds" | "vpcId" | "oidcProviderArn" | "oidcIssuerUrl"
>;

/**
 * The Args with a created cluster's facts filled in (node pools' cluster, role and subnets; cert-manager's
 * OIDC provider). The app pool stays untainted: CoreDNS and the add-ons' controllers need a node without
 * the tier taint, and a new cluster has no other.
 */
function withCreatedCluster(args: HarborPlatformArgs, cluster: CreatedClusterFacts): HarborPlatformArgs {
  const oidc = { oidcProviderArn: cluster.oidcProviderArn, oidcIssuerUrl: cluster.oidcIssuerUrl };
  const pools = args.nodePools;
  return {
    ...args,
    nodePools: pools && {
      ...pools,
      clusterName: cluster.clusterName,
      nodeRoleArn: cluster.nodeRoleArn,
      // One private subnet per zone, in the zones' order (EksCluster): the db tier's groups per zone.
      subnets: Object.fromEntries(
        (args.zones ?? []).map((z, i) => [z, cluster.privateSubnetIds.apply((ids) => ids[i])]),
      ),
      pools: { ...pools.pools, ...(pools.pools.app ? { app: { ...pools.pools.app, taint: false } } : {}) },
    },
    tls: { ...args.tls, route53Irsa: args.tls.route53Irsa ?? oidc },
    database: withClusterOidc(args.database, oidc),
    cluster: {
      ...args.cluster,
      existing: { name: cluster.clusterName, vpcId: cluster.vpcId, ...oidc },
    },
  };
}

function nodePoolsArgs(name: string, args: HarborPlatformArgs): NodePoolsArgs {
  const { clusterName, nodeRoleArn } = args.nodePools!;
  return {
    tags: platformTags(args),
    ...args.nodePools!,
    clusterName: clusterName!,
    nodeRoleArn: nodeRoleArn!,
    namePrefix: `${name}-${pulumi.getStack()}`,
  };
}

function clusterAddonsArgs(args: HarborPlatformArgs, waitFor: pulumi.Resource[]): ClusterAddonsArgs | undefined {
  const c = args.cluster;
  if (!c?.existing) return undefined;
  const e = c.existing;
  return {
    clusterName: e.name,
    addons: c.addons,
    efsStorage: args.storage.kind === "nfs" && args.storage.efs !== undefined,
    oidc:
      e.oidcProviderArn && e.oidcIssuerUrl ? { providerArn: e.oidcProviderArn, issuerUrl: e.oidcIssuerUrl } : undefined,
    networkPolicyEnforcement: c.networkPolicyEnforcement,
    vpcId: e.vpcId,
    waitFor,
  };
}

function existingDatabase(db: Extract<PlatformDatabase, { kind: "existing" }>): DatabaseConnection {
  const { kind: _kind, maxConnections, ...existing } = db;
  return {
    ...existing,
    connectionBudget: maxConnections !== undefined ? budgetOf(maxConnections).availableForApplications : undefined,
  };
}

function patroniArgs(l: Layout, args: HarborPlatformArgs): PatroniClusterArgs {
  const { kind: _kind, ...patroni } = (args.database ?? { kind: "patroni" }) as Extract<
    PlatformDatabase,
    { kind: "patroni" }
  >;
  return {
    ...patroni,
    storageClass: patroni.storageClass ?? l.storageClass,
    clientPodSelector: patroni.clientPodSelector ?? harborPods(l.name),
    namespace: l.nsName,
    // Harbor's pools (core, jobservice, the exporter with metrics on) as HarborRelease deploys them.
    clientPools: harborDatabaseClientPools(args.harbor ?? {}),
    metricsExporter: args.observability !== undefined,
    harborDatabase: true,
    placement: l.dbTier,
    requireZoneSpread: l.zonesHard,
  };
}

/** The team's Redis as Harbor's release takes it (its sentinels, or one endpoint); undefined when it is ours. */
function teamRedis(args: HarborPlatformArgs): HarborRedis | undefined {
  const rd = args.redis;
  if (rd?.kind === "existing") return { ...rd, kind: "sentinel" };
  if (rd?.kind === "endpoint") return rd;
  return undefined;
}

function redisArgs(l: Layout, args: HarborPlatformArgs): RedisSentinelArgs {
  const { kind: _kind, ...redis } = (args.redis ?? { kind: "sentinel" }) as Extract<
    PlatformRedis,
    { kind: "sentinel" }
  >;
  return {
    ...redis,
    namespace: l.ns,
    clientPodSelector: redis.clientPodSelector ?? harborPods(l.name),
    // Redis data and sentinel state on the stack's SSD class unless given.
    storageClass: redis.storageClass ?? l.storageClass,
    placement: l.dbTier,
    requireZoneSpread: l.zonesHard,
    metricsExporter: args.observability !== undefined,
  };
}

type StorageTierArgs =
  | { kind: "s3"; args: S3StorageArgs }
  | { kind: "nfs"; args: NfsStorageArgs }
  | { kind: "filesystem"; args: FilesystemStorageArgs };

function storageTierArgs(l: Layout, args: HarborPlatformArgs): StorageTierArgs {
  const st = args.storage;
  if (st.kind === "s3") {
    const { kind: _kind, ...s3Args } = st;
    return { kind: "s3", args: { tags: platformTags(args), ...s3Args, namespace: l.nsName } };
  }
  if (st.kind === "nfs") {
    const { kind: _kind, ...nfsArgs } = st;
    return { kind: "nfs", args: { tags: platformTags(args), ...nfsArgs, namespace: l.nsName } };
  }
  return {
    kind: "filesystem",
    args: {
      namespace: l.nsName,
      storageClass: st.storageClass ?? l.storageClass,
      capacityGb: st.capacityGb,
      registryReplicas: registryReplicas(l.name, args),
    },
  };
}

function envoyGatewayArgs(l: Layout, args: HarborPlatformArgs): EnvoyGatewayArgs | undefined {
  const edgeArgs = args.edge ?? {};
  // The team's Gateway runs its own controller (its settings here are refused).
  if (edgeArgs.kind === "existing") return undefined;
  if (!(edgeArgs.installController ?? harborPlatformDefaults.installEdgeController)) return undefined;
  const highAvailability = args.environment !== "dev";
  return {
    replicas: edgeArgs.controllerReplicas ?? (highAvailability ? harborPlatformDefaults.edgeControllerReplicas : 1),
    highAvailability,
    placement: l.appTier,
    zoneSpread: l.zonesHard,
  };
}

function certManagerArgs(l: Layout, args: HarborPlatformArgs): CertManagerArgs {
  return {
    existing: !(args.tls.installCertManager ?? harborPlatformDefaults.installCertManager),
    highAvailability: args.environment !== "dev",
    replicas: args.tls.certManagerReplicas,
    placement: l.appTier,
    gatewayApi: args.tls.issuer.mode === "acme-http01",
    route53:
      args.tls.issuer.mode === "acme-dns01" && args.tls.route53Irsa
        ? {
            hostedZoneIds: [args.tls.issuer.hostedZoneId],
            dnsNames: [hostnameOf(args.externalUrl)],
            tags: platformTags(args),
            ...args.tls.route53Irsa,
          }
        : undefined,
  };
}

function harborGatewayArgs(l: Layout, args: HarborPlatformArgs, waitFor: pulumi.Resource[]): HarborGatewayArgs {
  const edgeArgs = (args.edge ?? {}) as PlatformOwnEdge;
  return {
    namespace: l.ns,
    // The stacks' platform "harbor": Gateway `harbor`, EnvoyProxy `harbor-edge`, GatewayClass `harbor-<ns>`.
    gatewayName: edgeArgs.gatewayName ?? l.name,
    externalUrl: args.externalUrl,
    tlsSecretName: platformTlsSecretName(l.name),
    coreServiceName: `${harborFullName(harborReleaseName(l.name))}-core`,
    adminAllowlist: edgeArgs.adminAllowlist,
    exposure: edgeArgs.exposure,
    internal: edgeArgs.internal,
    ...nlbProtection(args),
    nodePorts: edgeArgs.nodePorts,
    replicas: edgeArgs.replicas,
    highAvailability: args.environment !== "dev",
    placement: l.appTier,
    zoneSpread: l.zonesHard,
    waitFor,
    addressTimeoutSeconds: args.dns ? harborPlatformDefaults.gatewayAddressTimeoutSeconds : undefined,
  };
}

/** Harbor's routes on the team's Gateway (`edge.kind: "existing"`). */
function harborGatewayRoutesArgs(
  l: Layout,
  args: HarborPlatformArgs,
  edge: PlatformExistingEdge,
  waitFor: pulumi.Resource[],
): HarborGatewayRoutesArgs {
  return {
    // Plain: checkHarborPlatformArgs refuses an Output namespace with the team's Gateway.
    namespace: l.ns as string,
    externalUrl: args.externalUrl,
    gateway: edge.gateway,
    implementation: edge.implementation,
    coreServiceName: `${harborFullName(harborReleaseName(l.name))}-core`,
    adminAllowlist: edge.adminAllowlist,
    // The platform's name: <name>-admin-api, <name>-public-api, <name>-http-redirect.
    routeNamePrefix: l.name,
    waitFor,
  };
}

/** The Secret of the edge certificate: the Gateway serves it, HarborCertificates issues it. */
function platformTlsSecretName(name: string): string {
  return `${name}-tls`;
}

function dnsRecordArgs(
  args: HarborPlatformArgs,
  dns: PlatformDns,
  loadBalancerHostname: pulumi.Input<string>,
): HarborDnsRecordArgs {
  return {
    hostedZoneId: dns.hostedZoneId,
    zoneName: dns.zoneName,
    host: hostnameOf(args.externalUrl),
    loadBalancerHostname,
    region: dns.region,
  };
}

function harborCertificatesArgs(
  l: Layout,
  args: HarborPlatformArgs,
  deps: {
    acmeParentRefs: pulumi.Input<GatewayParentRef[]>;
    certManagerReady: pulumi.Resource[];
    dnsRecord: pulumi.Resource[];
  },
): HarborCertificatesArgs {
  const http01 = args.tls.issuer.mode === "acme-http01";
  const issuer: IssuerMode =
    args.tls.issuer.mode === "acme-http01"
      ? { ...args.tls.issuer, gatewayParentRefs: deps.acmeParentRefs }
      : args.tls.issuer;
  return {
    namespace: l.nsName,
    host: hostnameOf(args.externalUrl),
    issuer,
    tlsSecretName: platformTlsSecretName(l.name),
    certManagerReady: deps.certManagerReady,
    // Harbor's API resources must trust a self-signed edge: they get the CA the stack creates.
    exposeCaCertificate: issuer.mode === "self-signed",
    issuanceTimeoutSeconds:
      stackApiCalls(args).length > 0 ? harborPlatformDefaults.certificateIssuanceTimeoutSeconds : undefined,
    // An HTTP-01 challenge is answered through Harbor's name: ask only once it resolves (no cached NXDOMAIN).
    edgeCertificateWaitsFor: http01 ? deps.dnsRecord : [],
  };
}

/** What Harbor's release takes from the other tiers. */
interface ReleaseTiers {
  database: DatabaseConnection;
  redis: HarborRedis;
  storage: pulumi.Output<RegistryStorageDescriptor>;
  edge: Pick<EdgeWiring, "tokenServiceSecretName" | "routeParentRefs">;
}

function harborReleaseArgs(l: Layout, args: HarborPlatformArgs, tiers: ReleaseTiers): HarborReleaseArgs {
  const harborArgs = args.harbor ?? {};
  const { connectionBudget, ...database } = tiers.database;
  return {
    namespace: l.nsName,
    releaseName: harborReleaseName(l.name),
    externalUrl: args.externalUrl,
    database,
    databaseConnectionBudget: connectionBudget,
    maxOpenConns: harborArgs.maxOpenConns,
    maxIdleConns: harborArgs.maxIdleConns,
    redis: tiers.redis,
    storage: tiers.storage,
    storageAccessMode: args.storage.kind === "filesystem" ? "ReadWriteOnce" : undefined,
    tokenServiceSecretName: tiers.edge.tokenServiceSecretName,
    routeParentRefs: tiers.edge.routeParentRefs,
    replicas: harborArgs.replicas,
    trivy: harborArgs.trivy,
    // Trivy's cache volumes (the chart's only claim with external database, Redis and registry storage).
    trivyStorageClass: l.storageClass,
    metrics: harborArgs.metrics,
    serviceMonitor: harborServiceMonitorWiring(l.name, args),
    resources: harborArgs.resources,
    zoneSpread: l.zonesHard ? "required" : "preferred",
    placement: l.appTier,
    adminPassword: args.adminPassword,
  };
}

/** How the API resources reach this Harbor: its URL, the admin password, the CA of a self-signed edge. */
function harborApi(
  args: HarborPlatformArgs,
  password: pulumi.Input<string>,
  caCertificate: pulumi.Input<string> | undefined,
): HarborApiArgs {
  return {
    url: args.externalUrl,
    password,
    ...(caCertificate ? { caBundle: caCertificate } : {}),
    ...(args.harborApi ?? {}),
  };
}

function replicationArgs(args: HarborPlatformArgs, api: HarborApiArgs): ReplicationTargetsArgs | undefined {
  if ((args.replication?.endpoints?.length ?? 0) === 0 && (args.replication?.policies?.length ?? 0) === 0)
    return undefined;
  return { harbor: api, selfUrl: args.externalUrl, ...args.replication };
}

function projectsArgs(args: HarborPlatformArgs, api: HarborApiArgs): HarborProjectsArgs | undefined {
  return (args.projects?.length ?? 0) > 0 ? { harbor: api, projects: args.projects } : undefined;
}

function operationsArgs(
  args: HarborPlatformArgs,
  api: HarborApiArgs,
  projectIds: HarborOperationsArgs["projectIds"],
): HarborOperationsArgs | undefined {
  const ops = args.operations ?? {};
  if (!hasOperations(ops)) return undefined;
  return { harbor: api, ...ops, projectIds, knownProjects: (args.projects ?? []).map((p) => p.name) };
}

function platformAdmissionArgs(args: HarborPlatformArgs): AdmissionPoliciesArgs | undefined {
  if (!args.admission) return undefined;
  const { projects, exemptImages, ...rest } = args.admission;
  return {
    ...rest,
    harborHost: hostOf(args.externalUrl),
    projects: projects ?? platformAdmissionProjects(args),
    exemptImages: [...new Set([...platformImages(), ...(exemptImages ?? [])])],
  };
}

function observabilityArgs(
  l: Layout,
  args: HarborPlatformArgs,
  dbBudget: ConnectionBudget | undefined,
): HarborObservabilityArgs | undefined {
  if (!args.observability) return undefined;
  // Plain here: checkHarborPlatformArgs refuses an Output namespace with observability.
  const w = observabilityWiring({ name: l.name, ns: l.ns as string }, args, dbBudget);
  return { ...args.observability, namespace: l.ns, deployment: w.deployment, targets: w.targets, ports: w.ports };
}

/**
 * Options that make a tier component and every resource below it wait for `deps`. Pulumi does not hand a
 * component's `dependsOn` to its children (the captured graph shows it), so a transformation adds it to each:
 * claims wait for their StorageClass, Harbor's chart for the Gateway API CRDs and the admin route.
 */
function waitingFor(parent: pulumi.Resource, deps: pulumi.Resource[]): pulumi.ComponentResourceOptions {
  if (deps.length === 0) return { parent };
  return {
    parent,
    dependsOn: deps,
    transformations: [(a) => ({ props: a.props, opts: pulumi.mergeOptions(a.opts, { dependsOn: deps }) })],
  };
}

/** Registry replicas of the release these Args make (HarborRelease's defaults applied). */
function registryReplicas(platformName: string, args: HarborPlatformArgs): number {
  return resolveHarborReleaseArgs(harborReleaseName(platformName), args.harbor ?? {}).replicas.registry;
}

/** Deletion protection and access logs of the NLB: both on in prod unless the edge Args say otherwise. */
function nlbProtection(args: HarborPlatformArgs): Pick<HarborGatewayArgs, "deletionProtection" | "accessLogs"> {
  if ((args.edge?.exposure ?? harborGatewayDefaults.exposure) !== "nlb") return {};
  const prod = args.environment === "prod";
  const logs = args.edge?.accessLogs;
  const enabled = logs?.enabled ?? (logs !== undefined || prod);
  return {
    deletionProtection: args.edge?.deletionProtection ?? prod,
    ...(enabled ? { accessLogs: { bucket: logs?.bucket, prefix: logs?.prefix, tags: platformTags(args) } } : {}),
  };
}

/** What the policy pack reads from the platform's inputs. */
function platformFacts(args: HarborPlatformArgs): PlatformFacts {
  return {
    environment: args.environment,
    ...(args.expectedDataGb !== undefined ? { expectedDataGb: args.expectedDataGb } : {}),
    highThroughput: args.highThroughput ?? harborPlatformDefaults.highThroughput,
    zones: args.zones ?? [],
  };
}

/**
 * Every problem of the platform's Args (empty: valid): its own, and every tier's as that tier will be given
 * its Args (the tier's own check, with stand-ins for the outputs of tiers not created yet), each under the
 * platform's key (`redis.quorum`, `harbor.maxOpenConns`). Asked before any resource. Pure.
 */
export function checkHarborPlatformArgs(name: string, args: HarborPlatformArgs): ArgsProblem[] {
  const check = new ArgsChecker("HarborPlatform", name);
  if (!check.requirePlain({ externalUrl: args.externalUrl, zones: args.zones })) return check.problems;
  check.check(
    !(args.observability && pulumi.Output.isInstance(args.namespace)),
    "namespace",
    "is a Pulumi Output, but the observability tier writes it into the text of alert rules and dashboards",
    "pass the namespace as a plain string (a literal or stack config value), or leave observability out",
  );
  check.check(
    !(args.edge?.kind === "existing" && pulumi.Output.isInstance(args.namespace)),
    "namespace",
    "is a Pulumi Output, but Harbor's routes on the team's Gateway are checked against its listeners' namespaces here",
    'pass the namespace as a plain string (a literal or stack config value), or leave edge.kind "existing" out',
  );
  if (args.storage.kind === "filesystem")
    check.rule(
      "storage.kind",
      readWriteOnceSharingViolation({
        registryReplicas: registryReplicas(name, args),
        subject: '"filesystem" storage',
        replicasKey: "harbor.replicas",
      }),
    );
  // The team's Redis (sentinels or an endpoint) is checked by HarborRelease's own check (tierProblems).
  const rd = args.redis;
  if (rd && !["sentinel", "existing", "endpoint"].includes(String(rd.kind)))
    check.check(
      false,
      "redis.kind",
      `is "${String(rd.kind)}"`,
      'use "sentinel" (ours), "existing" (your sentinels) or "endpoint"',
    );
  if (args.cluster) {
    check.check(
      !(args.cluster.create && args.cluster.existing),
      "cluster",
      "both creates a cluster and names an existing one",
      "set cluster.create or cluster.existing, not both",
    );
    check.check(
      !!(args.cluster.create || args.cluster.existing),
      "cluster",
      "neither creates a cluster nor names an existing one",
      "set cluster.create (a new EKS cluster) or cluster.existing (its name)",
    );
  }
  const edgeArgs = args.edge ?? {};
  const existing = edgeArgs.kind === "existing" ? edgeArgs : undefined;
  const edgeKind = (edgeArgs as { kind?: unknown }).kind;
  check.check(
    edgeKind === undefined || edgeKind === "envoy-gateway" || edgeKind === "existing",
    "edge.kind",
    `is "${String(edgeKind)}"`,
    'use "envoy-gateway" (the platform\'s own edge, the default) or "existing" (your Gateway)',
  );
  if (existing) existingEdgeProblems(check, args, existing);
  else if (args.dns) {
    const exposure = edgeArgs.exposure ?? harborGatewayDefaults.exposure;
    check.check(
      exposure === "nlb",
      "dns",
      `an alias record points at an AWS network load balancer, but edge.exposure is "${exposure}"`,
      'use edge.exposure "nlb", or leave dns out and point the name at the edge yourself',
    );
  }
  // The stack's own API resources must still reach the admin paths an allowlist restricts.
  check.problems.push(
    ...edgeLockoutProblems({
      host: hostnameOf(args.externalUrl),
      adminAllowlist: edgeArgs.adminAllowlist ?? [],
      operatorCidrs: edgeArgs.operatorCidrs ?? [],
      calls: stackApiCalls(args),
      internetFacing: existing
        ? (existing.internetFacing ?? true)
        : (edgeArgs.exposure ?? harborGatewayDefaults.exposure) !== "nodePort" &&
          !(edgeArgs.internal ?? harborGatewayDefaults.internal),
    }).map((p) => ({
      ...p,
      path: `edge.${p.path}`,
      fix: existing
        ? p.fix.replace(
            /set internal: true to serve Harbor on an internal load balancer[^,;]*/,
            "set edge.internetFacing: false if your gateway's load balancer is internal",
          )
        : p.fix,
    })),
  );
  for (const p of awsTagProblems(args.tags ?? {}, true)) {
    const [problem, fix] = p.split(". Fix: ");
    check.check(false, "tags", problem, fix);
  }
  return [...check.problems, ...tierProblems(name, args, new Set(check.problems.map((p) => p.path)))];
}

/** A tier's problems, the platform key its paths go under, and the arguments the platform sets from its own keys. */
type TierCheck = [prefix: string, problems: ArgsProblem[], at?: Record<string, string>];

/**
 * Each tier's own check, given the Args the constructor will give it. An argument the platform hands to several
 * tiers (externalUrl, tags) is reported once, under the platform's key, in the words of the first to report it.
 */
function tierProblems(name: string, platformArgs: HarborPlatformArgs, reported: Set<string>): ArgsProblem[] {
  const created = pending("");
  const clusterArgs = eksClusterArgs(platformArgs);
  const args = clusterArgs
    ? withCreatedCluster(platformArgs, {
        clusterName: created,
        nodeRoleArn: created,
        privateSubnetIds: pending<string[]>([]),
        vpcId: created,
        oidcProviderArn: created,
        oidcIssuerUrl: created,
      })
    : platformArgs;
  const l = plannedStorageClass(plannedLayout(name, args), args);
  const shared = { externalUrl: "externalUrl", namespace: "namespace", tags: "tags" };
  const checks: TierCheck[] = [];
  if (clusterArgs)
    checks.push(["cluster.create", checkEksClusterArgs(`${name}-cluster`, clusterArgs), { zones: "zones" }]);
  if (args.nodePools)
    checks.push(["nodePools", checkNodePoolsArgs(`${name}-nodes`, nodePoolsArgs(name, args)), shared]);
  const addons = clusterAddonsArgs(args, []);
  if (addons) checks.push(["cluster", checkClusterAddonsArgs(`${name}-addons`, addons)]);
  const ssd = platformStorageClass(name, args);
  if (ssd.create) checks.push(["storageClass", checkSsdStorageClassArgs(`${name}-ssd`, ssd.classArgs)]);

  const db = args.database ?? { kind: "patroni" };
  let database: DatabaseConnection;
  let dbBudget: ConnectionBudget | undefined;
  if (db.kind === "existing") database = existingDatabase(db);
  else {
    const dbArgs = patroniArgs(l, args);
    const problems = checkPatroniClusterArgs(`${name}-db`, dbArgs);
    checks.push(["database", problems, { ...shared, clientPools: "harbor" }]);
    dbBudget = problems.length === 0 ? patroniClusterBudget(`${name}-db`, dbArgs) : undefined;
    database = {
      host: created,
      port: pending(0),
      user: created,
      database: created,
      passwordSecretName: created,
      sslmode: created,
      connectionBudget: dbBudget?.availableForApplications,
    };
  }
  const rd = args.redis ?? { kind: "sentinel" };
  if (rd.kind === "sentinel")
    checks.push(["redis", checkRedisSentinelArgs(`${name}-redis`, redisArgs(l, args)), shared]);
  const storage = storageTierArgs(l, args);
  const storageName = `${name}-registry`;
  checks.push([
    "storage",
    storage.kind === "s3"
      ? checkS3StorageArgs(storageName, storage.args)
      : storage.kind === "nfs"
        ? checkNfsStorageArgs(storageName, storage.args)
        : checkFilesystemStorageArgs(storageName, storage.args),
    { ...shared, registryReplicas: "storage.kind" },
  ]);
  checks.push([
    "harbor",
    checkHarborReleaseArgs(
      `${name}-harbor`,
      harborReleaseArgs(l, args, {
        database,
        // The team's Redis as the release will take it; ours exists only later (its checks are RedisSentinel's).
        redis: teamRedis(args) ?? {
          kind: "sentinel",
          sentinelAddrs: created,
          masterSet: created,
          passwordSecretName: created,
        },
        storage: pending({} as RegistryStorageDescriptor),
        edge: { tokenServiceSecretName: created, routeParentRefs: pending([]) },
      }),
    ),
    { ...shared, storage: "storage.kind", "database.sslmode": "database.sslmode", redis: "redis" },
  ]);
  const controller = envoyGatewayArgs(l, args);
  if (controller)
    checks.push([
      "edge",
      checkEnvoyGatewayArgs(`${name}-envoy-gateway`, controller),
      { replicas: "edge.controllerReplicas" },
    ]);
  checks.push([
    "tls",
    checkCertManagerArgs(`${name}-cert-manager`, certManagerArgs(l, args)),
    {
      ...shared,
      replicas: "tls.certManagerReplicas",
      "route53.dnsNames": "externalUrl",
      "route53.hostedZoneIds": "tls.issuer.hostedZoneId",
      "route53.tags": "tags",
      route53: "tls.route53Irsa",
    },
  ]);
  // The team's Gateway: its routes' Args are checked by existingEdgeProblems, under the platform's edge keys.
  if (args.edge?.kind !== "existing")
    checks.push([
      "edge",
      checkHarborGatewayArgs(`${name}-edge`, harborGatewayArgs(l, args, [])),
      { ...shared, "accessLogs.tags": "tags" },
    ]);
  if (args.dns)
    checks.push([
      "dns",
      checkHarborDnsRecordArgs(`${name}-dns`, dnsRecordArgs(args, args.dns, created)),
      { host: "externalUrl" },
    ]);
  checks.push([
    "tls",
    checkHarborCertificatesArgs(
      `${name}-certs`,
      harborCertificatesArgs(l, args, { acmeParentRefs: pending([]), certManagerReady: [], dnsRecord: [] }),
    ),
    { ...shared, host: "externalUrl" },
  ]);
  const api = harborApi(args, created, args.tls.issuer.mode === "self-signed" ? created : undefined);
  const apiAt = { ...shared, "harbor.url": "externalUrl", harbor: "harborApi", selfUrl: "externalUrl" };
  const replication = replicationArgs(args, api);
  if (replication) checks.push(["replication", checkReplicationTargetsArgs(`${name}-replication`, replication), apiAt]);
  const projects = projectsArgs(args, api);
  if (projects) checks.push(["", checkHarborProjectsArgs(`${name}-projects`, projects), apiAt]);
  const ops = operationsArgs(args, api, projects ? pending({}) : undefined);
  if (ops)
    checks.push([
      "operations",
      checkHarborOperationsArgs(`${name}-operations`, ops),
      { ...apiAt, knownProjects: "projects" },
    ]);
  const admission = platformAdmissionArgs(args);
  if (admission) checks.push(["admission", admissionArgsProblems(admission), { harborHost: "externalUrl" }]);
  const observability = observabilityArgs(l, args, dbBudget);
  if (observability)
    checks.push(["observability", checkHarborObservabilityArgs(`${name}-observability`, observability), shared]);

  const out: ArgsProblem[] = [];
  for (const [prefix, problems, at] of checks) {
    const mapped = problemsUnder(prefix, problems, at);
    const kept = mapped.filter((p, i) => {
      const renamed = p.path !== (prefix ? `${prefix}.${problems[i].path}` : problems[i].path);
      return !(renamed && reported.has(p.path));
    });
    out.push(...kept);
    // Within one tier every problem stays; a later tier's words on the same shared key are dropped.
    for (const p of kept) reported.add(p.path);
  }
  return out;
}

/**
 * The team's Gateway: the platform's own edge settings are refused (not silently ignored), the routes' Args
 * checked (an allowlist needs Envoy Gateway's SecurityPolicy), and what needs the platform's own edge (an
 * alias to its NLB, HTTP-01 without an HTTP listener) refused.
 */
function existingEdgeProblems(check: ArgsChecker, args: HarborPlatformArgs, edge: PlatformExistingEdge): void {
  for (const [key, about] of Object.entries(OWN_EDGE_ONLY))
    if ((edge as unknown as Record<string, unknown>)[key] !== undefined)
      check.check(
        false,
        `edge.${key}`,
        `sets ${about}, but edge.kind is "existing": the team's Gateway runs its own proxies and load balancer, so it would be ignored`,
        `remove edge.${key} (set it where the team's Gateway is managed), or drop edge.kind to let the platform run its own edge`,
      );
  check.problems.push(
    ...harborGatewayRoutesProblems({
      namespace: "-",
      externalUrl: args.externalUrl,
      gateway: edge.gateway,
      implementation: edge.implementation,
      coreServiceName: "-",
      adminAllowlist: edge.adminAllowlist,
    })
      .filter((p) => p.path !== "externalUrl")
      .map((p) => ({ ...p, path: `edge.${p.path}` })),
  );
  if (args.dns)
    check.check(
      false,
      "dns",
      'an alias record points at the platform\'s own NLB, but edge.kind is "existing"',
      "leave dns out and point Harbor's name at your gateway's address",
    );
  if (args.tls.issuer.mode === "acme-http01")
    check.check(
      edge.gateway?.httpListener !== undefined,
      "edge.gateway.httpListener",
      "is not set, but tls.issuer is acme-http01: cert-manager answers the challenge through an HTTP listener of the Gateway",
      "name the team's HTTP listener (port 80), or issue with acme-dns01 or an existing issuer",
    );
}

/** The database's AWS backup target gets the created cluster's OIDC provider (IRSA) unless it names one. */
function withClusterOidc(
  db: HarborPlatformArgs["database"],
  oidc: { oidcProviderArn: pulumi.Input<string>; oidcIssuerUrl: pulumi.Input<string> },
): HarborPlatformArgs["database"] {
  const target = db?.kind === "patroni" ? db.backup?.target : undefined;
  if (db?.kind !== "patroni" || !db.backup || target?.kind !== "aws") return db;
  return {
    ...db,
    backup: {
      ...db.backup,
      target: {
        ...target,
        oidcProviderArn: target.oidcProviderArn ?? oidc.oidcProviderArn,
        oidcIssuerUrl: target.oidcIssuerUrl ?? oidc.oidcIssuerUrl,
      },
    },
  };
}
