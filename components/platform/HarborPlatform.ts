import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, Placement, standardLabels } from "../conventions";
import { budgetOf, PatroniCluster, PatroniClusterArgs } from "../postgres";
import { RedisSentinel, RedisSentinelArgs } from "../redis";
import {
  FilesystemStorage,
  NfsStorage,
  NfsStorageArgs,
  RegistryStorageDescriptor,
  S3Storage,
  S3StorageArgs,
} from "../storage";
import { CertManager, HarborCertificates, IssuerMode } from "../tls";
import { edgeLockoutProblems, EnvoyGateway, HarborGateway, HarborGatewayArgs, StackApiCalls } from "../edge";
import { databasePoolPods, harborFullName, HarborRelease, ResourceSpec } from "../harbor";
import { NodePools, NodePoolsArgs } from "../nodepools";
import {
  REPLICATION_API_PATHS,
  RegistryEndpointArgs,
  ReplicationFlow,
  ReplicationPolicyArgs,
  ReplicationTargets,
} from "../replication";
import { HarborProjectArgs, HarborProjects, PROJECT_API_PATHS } from "../projects";

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
      /** Port. Default: 5432. */
      port?: pulumi.Input<number>;
      /** Harbor's database. */
      database: pulumi.Input<string>;
      /** Harbor's role. */
      user: pulumi.Input<string>;
      /** A Secret in Harbor's namespace with key `password`. */
      passwordSecretName: pulumi.Input<string>;
      /** Default: `require`. */
      sslmode?: pulumi.Input<string>;
      /** The database's max_connections, to check Harbor's pool against. Default: not checked. */
      maxConnections?: number;
    };

/** Redis: ours (Sentinel) or the team's own sentinels. */
export type PlatformRedis =
  | ({
      /** A RedisSentinel created here. */
      kind: "sentinel";
    } & Omit<RedisSentinelArgs, "namespace" | "placement" | "requireZoneSpread">)
  | {
      /** Sentinels the team brings. */
      kind: "existing";
      /** `host:26379,host:26379,...` */
      sentinelAddrs: pulumi.Input<string>;
      /** The master set name. */
      masterSet: pulumi.Input<string>;
      /** Secret with key `REDIS_PASSWORD`. */
      passwordSecretName: pulumi.Input<string>;
    };

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
      /** Size, GiB. Default: 50. */
      capacityGb?: number;
    };

/** TLS settings of the platform. */
export interface PlatformTls {
  /** Install cert-manager (false: the cluster has one). Default: true. */
  installCertManager?: boolean;
  /** cert-manager replicas. Default: 2. */
  certManagerReplicas?: number;
  /** IRSA for cert-manager's Route53 access (acme-dns01). Default: none (ambient credentials). */
  route53Irsa?: {
    /** The cluster's IAM OIDC provider. */
    oidcProviderArn: string;
    /** The cluster's OIDC issuer URL. */
    oidcIssuerUrl: string;
  };
  /** How Harbor's edge certificate is issued. */
  issuer: IssuerMode;
}

/** The edge: Envoy Gateway and Harbor's Gateway. */
export type PlatformEdge = Pick<
  HarborGatewayArgs,
  "exposure" | "internal" | "nodePorts" | "replicas" | "adminAllowlist"
> & {
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

/** Harbor's own settings. */
export interface PlatformHarbor {
  /** Replicas of every Harbor component. Default: 2. */
  replicas?: number;
  /** Per-pod database pool of core and exporter. Default: 100. */
  maxOpenConns?: number;
  /** Idle connections kept per pod. Default: 50. */
  maxIdleConns?: number;
  /** Trivy scanner. Default: true. */
  trivy?: boolean;
  /** Metrics endpoints. Default: true. */
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
  /** Namespace of Harbor and its backends. Default: `harbor`. */
  namespace?: string;
  /** Create the namespace (false: it exists already). Default: true. */
  createNamespace?: boolean;
  /** Harbor's external URL, `https://<host>`. */
  externalUrl: string;
  /** Registry data expected, in GB; storage must offer 3x this (a policy). Default: none. */
  expectedDataGb?: number;
  /** High-throughput workload (raises the memory floor the policies apply). Default: false. */
  highThroughput?: boolean;
  /** Availability zones; with two or more, every tier is spread over them with a hard constraint. Default: []. */
  zones?: string[];
  /** Harbor admin password (secret). Default: generated. */
  adminPassword?: pulumi.Input<string>;
  /** PostgreSQL. Default: `{ kind: "patroni" }` with PatroniCluster's defaults. */
  database?: PlatformDatabase;
  /** Redis. Default: `{ kind: "sentinel" }` with RedisSentinel's defaults. */
  redis?: PlatformRedis;
  /** Registry storage. */
  storage: PlatformStorage;
  /** TLS: install cert-manager (Default: true) and how Harbor's certificate is issued. */
  tls: PlatformTls;
  /**
   * The edge: Envoy Gateway (installed unless `installController` is false) and Harbor's Gateway, an
   * AWS NLB by default (needs the AWS Load Balancer Controller in the cluster). Default: `{}`.
   */
  edge?: PlatformEdge;
  /** Harbor itself. Defaults: HarborRelease's. */
  harbor?: PlatformHarbor;
  /** EKS node groups for the app and db tiers; when set, pods are pinned to their tier. Default: none (bring your own nodes). */
  nodePools?: Omit<NodePoolsArgs, "namePrefix">;
  /** Replication endpoints and policies created in this Harbor. Default: none. */
  replication?: PlatformReplication;
  /** Harbor projects with their scan and signing policy. Default: none. */
  projects?: HarborProjectArgs[];
}

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** Harbor API paths the platform's own resources call on this Harbor (the self-lockout check). */
function stackApiCalls(args: HarborPlatformArgs): StackApiCalls[] {
  const calls: StackApiCalls[] = [];
  if ((args.replication?.endpoints?.length ?? 0) > 0 || (args.replication?.policies?.length ?? 0) > 0)
    calls.push({ caller: "replication", paths: REPLICATION_API_PATHS });
  if ((args.projects?.length ?? 0) > 0) calls.push({ caller: "projects", paths: PROJECT_API_PATHS });
  return calls;
}

/** The Helm release name of Harbor (its Services are `<release>-core`, ...). */
export const HARBOR_RELEASE_NAME = "harbor";

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
  /** Harbor's database host and Redis sentinels, as Harbor was given them. */
  readonly databaseHost: pulumi.Output<string>;
  readonly redisSentinels: pulumi.Output<string>;
  /** Where the registry keeps blobs. */
  readonly registryStorage: pulumi.Output<RegistryStorageDescriptor>;
  /** Secret holding the admin password (key `HARBOR_ADMIN_PASSWORD`). */
  readonly adminPasswordSecretName: pulumi.Output<string>;
  /** Secret of the edge certificate. */
  readonly tlsSecretName: pulumi.Output<string>;
  /** The Harbor release component. */
  readonly harbor: HarborRelease;

  constructor(name: string, args: HarborPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const harborArgs = args.harbor ?? {};
    const replicas = harborArgs.replicas ?? 2;
    const check = new ArgsChecker("HarborPlatform", name);
    check.check(
      /^https:\/\/[^/]+\/?$/.test(args.externalUrl),
      "externalUrl",
      `must be https://<host>, got "${args.externalUrl}"`,
      "serve Harbor over TLS: use an https:// URL",
    );
    check.check(
      !(args.storage.kind === "filesystem" && replicas > 1),
      "storage.kind",
      `"filesystem" is a ReadWriteOnce volume that ${replicas} registry replicas cannot share`,
      "use s3 or nfs storage, or set harbor.replicas to 1",
    );
    const edgeArgs = args.edge ?? {};
    check.problems.push(
      ...edgeLockoutProblems({
        host: hostnameOf(args.externalUrl),
        adminAllowlist: edgeArgs.adminAllowlist ?? [],
        operatorCidrs: edgeArgs.operatorCidrs ?? [],
        calls: stackApiCalls(args),
      }).map((p) => ({ ...p, path: `edge.${p.path}` })),
    );
    check.throwIfAny();

    const facts: PlatformFacts = {
      environment: args.environment,
      ...(args.expectedDataGb !== undefined ? { expectedDataGb: args.expectedDataGb } : {}),
      highThroughput: args.highThroughput ?? false,
      zones: args.zones ?? [],
    };
    super(HarborPlatform.__pulumiType, name, facts, opts);
    const child = { parent: this };
    const ns = args.namespace ?? "harbor";
    const host = new URL(args.externalUrl).hostname;
    const zonesHard = (args.zones ?? []).length >= 2;

    const namespace =
      (args.createNamespace ?? true)
        ? new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
              metadata: {
                name: ns,
                labels: standardLabels("harbor", name, { "pod-security.kubernetes.io/enforce": "baseline" }),
              },
            },
            child,
          )
        : undefined;
    // Namespaced children wait for the namespace through its name.
    const nsName: pulumi.Input<string> = namespace ? namespace.metadata.name : ns;

    let appTier: Placement | undefined;
    let dbTier: Placement | undefined;
    if (args.nodePools) {
      new NodePools(`${name}-nodes`, { ...args.nodePools, namePrefix: name }, child);
      appTier = { tier: "app" };
      dbTier = { tier: "db" };
    }

    // Data tier.
    const maxOpenConns = harborArgs.maxOpenConns ?? 100;
    // The pods that each hold a pool: core, and the exporter when metrics are on (as the chart deploys them).
    const poolPods = databasePoolPods({
      replicas: { core: replicas, exporter: replicas },
      metrics: harborArgs.metrics ?? true,
    });
    const db = args.database ?? { kind: "patroni" };
    let database: {
      host: pulumi.Input<string>;
      port: pulumi.Input<number>;
      user: pulumi.Input<string>;
      database: pulumi.Input<string>;
      passwordSecretName: pulumi.Input<string>;
      sslmode?: pulumi.Input<string>;
    };
    let databaseConnectionBudget: number | undefined;
    if (db.kind === "patroni") {
      const { kind: _kind, ...patroniArgs } = db;
      const cluster = new PatroniCluster(
        `${name}-db`,
        {
          ...patroniArgs,
          namespace: nsName,
          clientPool: { pods: poolPods, maxOpenConns },
          placement: dbTier,
          requireZoneSpread: zonesHard,
        },
        child,
      );
      database = {
        host: cluster.host,
        port: cluster.port,
        user: cluster.user,
        database: cluster.database,
        passwordSecretName: cluster.passwordSecretName,
        sslmode: cluster.sslmode,
      };
      databaseConnectionBudget = cluster.budget.availableForApplications;
    } else {
      const { kind: _kind, maxConnections, ...existing } = db;
      database = { ...existing, port: db.port ?? 5432 };
      databaseConnectionBudget =
        maxConnections !== undefined ? budgetOf(maxConnections).availableForApplications : undefined;
    }
    const rd = args.redis ?? { kind: "sentinel" };
    let redis: {
      sentinelAddrs: pulumi.Input<string>;
      masterSet: pulumi.Input<string>;
      passwordSecretName: pulumi.Input<string>;
    };
    if (rd.kind === "sentinel") {
      const { kind: _kind, ...redisArgs } = rd;
      const sentinel = new RedisSentinel(
        `${name}-redis`,
        {
          ...redisArgs,
          namespace: ns,
          clientPodSelector: redisArgs.clientPodSelector ?? { app: "harbor" },
          placement: dbTier,
          requireZoneSpread: zonesHard,
        },
        { parent: this, dependsOn: namespace ? [namespace] : [] },
      );
      redis = {
        sentinelAddrs: sentinel.sentinelAddrs,
        masterSet: sentinel.masterSet,
        passwordSecretName: sentinel.passwordSecretName,
      };
    } else {
      redis = rd;
    }

    // Storage.
    const st = args.storage;
    let storage: pulumi.Output<RegistryStorageDescriptor>;
    if (st.kind === "s3") {
      const { kind: _kind, ...s3Args } = st;
      storage = new S3Storage(`${name}-registry`, { ...s3Args, namespace: nsName }, child).registryStorage;
    } else if (st.kind === "nfs") {
      const { kind: _kind, ...nfsArgs } = st;
      storage = new NfsStorage(`${name}-registry`, { ...nfsArgs, namespace: nsName }, child).registryStorage;
    } else {
      storage = new FilesystemStorage(
        `${name}-registry`,
        { namespace: nsName, storageClass: st.storageClass, capacityGb: st.capacityGb, registryReplicas: replicas },
        child,
      ).registryStorage;
    }

    // Edge: Envoy Gateway, certificates, Harbor's Gateway.
    const highAvailability = args.environment !== "dev";
    const controller =
      (edgeArgs.installController ?? true)
        ? new EnvoyGateway(
            `${name}-envoy-gateway`,
            {
              replicas: edgeArgs.controllerReplicas ?? (highAvailability ? 2 : 1),
              highAvailability,
              placement: appTier,
              zoneSpread: (args.zones ?? []).length >= 2,
            },
            child,
          )
        : undefined;
    const controllerReady = controller ? [controller.release] : [];
    const http01 = args.tls.issuer.mode === "acme-http01";
    const certManager = new CertManager(
      `${name}-cert-manager`,
      {
        existing: !(args.tls.installCertManager ?? true),
        highAvailability,
        replicas: args.tls.certManagerReplicas,
        placement: appTier,
        gatewayApi: http01,
        route53:
          args.tls.issuer.mode === "acme-dns01" && args.tls.route53Irsa
            ? { hostedZoneIds: [args.tls.issuer.hostedZoneId], ...args.tls.route53Irsa }
            : undefined,
      },
      // cert-manager enables its Gateway API support only if the CRDs exist when it starts.
      { parent: this, dependsOn: http01 ? controllerReady : [] },
    );
    const tlsSecretName = `${name}-tls`;
    const gateway = new HarborGateway(
      `${name}-edge`,
      {
        namespace: ns,
        externalUrl: args.externalUrl,
        tlsSecretName,
        coreServiceName: `${harborFullName(HARBOR_RELEASE_NAME)}-core`,
        adminAllowlist: edgeArgs.adminAllowlist,
        exposure: edgeArgs.exposure,
        internal: edgeArgs.internal,
        nodePorts: edgeArgs.nodePorts,
        replicas: edgeArgs.replicas,
        highAvailability,
        placement: appTier,
        zoneSpread: (args.zones ?? []).length >= 2,
        waitFor: [...controllerReady, ...(namespace ? [namespace] : [])],
      },
      child,
    );
    const issuer: IssuerMode =
      args.tls.issuer.mode === "acme-http01"
        ? { ...args.tls.issuer, gatewayParentRefs: gateway.acmeParentRefs }
        : args.tls.issuer;
    const certificates = new HarborCertificates(
      `${name}-certs`,
      { namespace: nsName, host, issuer, tlsSecretName, certManagerReady: certManager.ready },
      child,
    );

    this.harbor = new HarborRelease(
      `${name}-harbor`,
      {
        namespace: nsName,
        releaseName: HARBOR_RELEASE_NAME,
        externalUrl: args.externalUrl,
        database,
        databaseConnectionBudget,
        maxOpenConns,
        maxIdleConns: harborArgs.maxIdleConns,
        redis,
        storage,
        storageAccessMode: st.kind === "filesystem" ? "ReadWriteOnce" : undefined,
        tokenServiceSecretName: certificates.tokenServiceSecretName,
        routeParentRefs: gateway.harborParentRefs,
        replicas,
        trivy: harborArgs.trivy,
        metrics: harborArgs.metrics,
        resources: harborArgs.resources,
        zoneSpread: zonesHard ? "required" : "preferred",
        placement: appTier,
        adminPassword: args.adminPassword,
      },
      // Harbor's route serves admin paths too until the restricted admin route exists: wait for it.
      { parent: this, dependsOn: gateway.adminReady },
    );

    // Harbor's own configuration through its API, once the release is up.
    const api = { url: args.externalUrl, password: this.harbor.adminPassword };
    const afterRelease = { parent: this, dependsOn: [this.harbor.release] };
    if ((args.replication?.endpoints?.length ?? 0) > 0 || (args.replication?.policies?.length ?? 0) > 0) {
      new ReplicationTargets(
        `${name}-replication`,
        { harbor: api, selfUrl: args.externalUrl, ...args.replication },
        afterRelease,
      );
    }
    if ((args.projects?.length ?? 0) > 0)
      new HarborProjects(`${name}-projects`, { harbor: api, projects: args.projects }, afterRelease);

    this.namespace = pulumi.output(nsName);
    this.externalUrl = pulumi.output(args.externalUrl);
    this.databaseHost = pulumi.output(database.host);
    this.redisSentinels = pulumi.output(redis.sentinelAddrs);
    this.registryStorage = storage;
    this.adminPasswordSecretName = this.harbor.adminPasswordSecretName;
    this.tlsSecretName = certificates.tlsSecretName;
    // The facts go out as outputs too: a real `pulumi preview` gives stack policies a component's outputs.
    this.registerOutputs({
      ...facts,
      namespace: this.namespace,
      externalUrl: this.externalUrl,
      databaseHost: this.databaseHost,
      redisSentinels: this.redisSentinels,
    });
  }
}
