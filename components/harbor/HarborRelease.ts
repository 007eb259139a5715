import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, Placement, podPlacement } from "../conventions";
import { HarborSecrets } from "./HarborSecrets";
import {
  HARBOR_COMPONENTS,
  HarborComponent,
  harborFullName,
  harborValuesProblems,
  RegistryStorage,
  renderHarborValues,
  ResourceSpec,
} from "./renderHarborValues";

export const HARBOR_CHART = {
  chart: "harbor",
  version: "1.19.2",
  repo: "https://helm.goharbor.io",
  appVersion: "2.15.2",
} as const;

export interface HarborReleaseArgs {
  /** Namespace of the release and of its Secrets. Default: `harbor`. */
  namespace?: pulumi.Input<string>;
  /** Helm release name; the chart's Services are `<fullName>-core`, ... with fullName = the name if it contains "harbor", else `<name>-harbor`. Default: the component's name. */
  releaseName?: string;
  /** Harbor's external URL, `https://<host>` (plain: it is checked). */
  externalUrl: string;
  /** The external PostgreSQL: PatroniCluster's outputs, or RDS with a Secret holding `password`. */
  database: {
    /** Host Harbor connects to (the read-write endpoint). */
    host: pulumi.Input<string>;
    /** Port. Default: 5432. */
    port?: pulumi.Input<number>;
    /** Role Harbor logs in as (`database.external.username`). */
    user: pulumi.Input<string>;
    /** Harbor's database (`database.external.coreDatabase`). Default: `registry`. */
    database?: pulumi.Input<string>;
    /** Secret with key `password` (`database.external.existingSecret`). */
    passwordSecretName: pulumi.Input<string>;
    /** `database.external.sslmode` (disable, require, verify-ca, verify-full). Default: `require`. */
    sslmode?: pulumi.Input<string>;
  };
  /**
   * Connections the database offers applications (PatroniCluster's `budget.availableForApplications`).
   * (core + exporter replicas) x maxOpenConns must fit, or the component refuses. Default: not checked.
   */
  databaseConnectionBudget?: number;
  /** Per-pod pool of core and exporter (`database.maxOpenConns`). Default: 100. */
  maxOpenConns?: number;
  /** `database.maxIdleConns`. Default: 50. */
  maxIdleConns?: number;
  /** Redis in sentinel mode (RedisSentinel's outputs). */
  redis: {
    /** `host:26379,host:26379,...` (`redis.external.addr`). */
    sentinelAddrs: pulumi.Input<string>;
    /** The sentinels' master set (`redis.external.sentinelMasterSet`). */
    masterSet: pulumi.Input<string>;
    /** Secret with key `REDIS_PASSWORD` (`redis.external.existingSecret`). */
    passwordSecretName: pulumi.Input<string>;
  };
  /** Registry storage: a storage component's `registryStorage`. */
  storage: pulumi.Input<RegistryStorage>;
  /** Access mode of filesystem storage when `storage` is an Output (lets RWO with replicas > 1 be refused before any resource). Default: read from `storage` when plain. */
  storageAccessMode?: "ReadWriteMany" | "ReadWriteOnce";
  /** Secret with the token service's certificate (`tls.crt`/`tls.key`): HarborCertificates' `tokenServiceSecretName`. */
  tokenServiceSecretName: pulumi.Input<string>;
  /**
   * The Gateway listener(s) Harbor's chart HTTPRoute attaches to (`expose.route.parentRefs`, chart 1.19.2
   * `expose.type: route`): HarborGateway's `harborParentRefs`. TLS terminates at that Gateway.
   */
  routeParentRefs: pulumi.Input<object[]>;
  /** Replicas of every component (core, jobservice, registry, portal, trivy, exporter). Default: 2. */
  replicas?: number;
  /** Per-component replicas, overriding `replicas`. Default: `replicas` for each. */
  componentReplicas?: Partial<Record<HarborComponent, number>>;
  /** Require 2+ replicas of every deployed component (refused otherwise). Default: false. */
  highAvailability?: boolean;
  /** Trivy scanner. Default: true. */
  trivy?: boolean;
  /** StorageClass of Trivy's cache volumes. Default: the cluster's default class. */
  trivyStorageClass?: string;
  /** Metrics endpoints and the exporter. Default: true. */
  metrics?: boolean;
  /** A Prometheus-operator ServiceMonitor (needs its CRDs). Default: false. */
  serviceMonitor?: boolean;
  /** Zone spread of every component: hard, best effort or none. Default: `preferred`. */
  zoneSpread?: "required" | "preferred" | "none";
  /** Where pods run (the `app` tier). Default: anywhere. */
  placement?: Placement;
  /** Per-component requests/limits. Default: DEFAULT_RESOURCES. */
  resources?: Partial<Record<HarborComponent | "registryController", ResourceSpec>>;
  /** Harbor admin password (secret). Default: generated (24 characters). */
  adminPassword?: pulumi.Input<string>;
  /** Helm timeout, seconds (migrations on a fresh database take minutes). Default: 900. */
  timeoutSeconds?: number;
}

/**
 * Harbor 2.15 (chart 1.19.2) wired to external PostgreSQL, Redis Sentinel and registry storage, with
 * every secret the chart would regenerate on each render generated once by {@link HarborSecrets} and
 * passed by name: the values hold Secret names only.
 */
export class HarborRelease extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.HarborRelease;

  readonly externalUrl: pulumi.Output<string>;
  readonly releaseName: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** Secret with the admin password (key `HARBOR_ADMIN_PASSWORD`). */
  readonly adminPasswordSecretName: pulumi.Output<string>;
  /** The admin password (secret), for the Harbor API resources. */
  readonly adminPassword: pulumi.Output<string>;
  /** Harbor core's Service (`<fullName>-core`, port 80), e.g. for the edge's API routes. */
  readonly coreServiceName: pulumi.Output<string>;
  /** In-cluster host of Harbor's core Service. */
  readonly coreServiceHost: pulumi.Output<string>;
  /** The chart values (secrets are referenced by name, never inside). */
  readonly values: pulumi.Output<Record<string, unknown>>;
  /** The Helm release itself, for `dependsOn`. */
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: HarborReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
    const all = args.replicas ?? 2;
    const replicas = Object.fromEntries(
      HARBOR_COMPONENTS.map((c) => [c, args.componentReplicas?.[c] ?? all]),
    ) as Record<HarborComponent, number>;
    const maxOpenConns = args.maxOpenConns ?? 100;
    const maxIdleConns = args.maxIdleConns ?? 50;
    const trivy = args.trivy ?? true;
    const metrics = args.metrics ?? true;
    const highAvailability = args.highAvailability ?? false;
    const plainStorage = pulumi.Output.isInstance(args.storage) ? undefined : (args.storage as RegistryStorage);
    const storageAccessMode =
      args.storageAccessMode ?? (plainStorage?.type === "filesystem" ? plainStorage.accessMode : undefined);
    const sslmode = typeof args.database.sslmode === "string" ? args.database.sslmode : undefined;
    const check = new ArgsChecker("HarborRelease", name);
    check.problems.push(
      ...harborValuesProblems({
        externalUrl: args.externalUrl,
        replicas,
        highAvailability,
        trivy,
        metrics,
        maxOpenConns,
        maxIdleConns,
        databaseConnectionBudget: args.databaseConnectionBudget,
        storageAccessMode,
        sslmode,
      }),
    );
    check.atLeast(args.timeoutSeconds ?? 900, 60, "timeoutSeconds");
    check.throwIfAny();
    super(HarborRelease.__pulumiType, name, {}, opts);

    const ns = pulumi.output(args.namespace ?? "harbor");
    const releaseName = args.releaseName ?? name;
    const fullName = harborFullName(releaseName);
    const secrets = new HarborSecrets(
      `${name}-secrets`,
      { namespace: args.namespace, adminPassword: args.adminPassword },
      { parent: this },
    );
    const placement = podPlacement(args.placement);
    const values = pulumi
      .output({
        db: {
          host: args.database.host,
          port: args.database.port ?? 5432,
          username: args.database.user,
          coreDatabase: args.database.database ?? "registry",
          existingSecret: args.database.passwordSecretName,
          sslmode: args.database.sslmode ?? "require",
        },
        redis: {
          sentinelAddrs: args.redis.sentinelAddrs,
          sentinelMasterSet: args.redis.masterSet,
          existingSecret: args.redis.passwordSecretName,
        },
        storage: args.storage,
        tokenSecret: args.tokenServiceSecretName,
        parentRefs: args.routeParentRefs,
        names: secrets.names,
      })
      .apply(({ db, redis, storage, tokenSecret, parentRefs, names }) =>
        renderHarborValues({
          externalUrl: args.externalUrl,
          fullName,
          database: db,
          databaseConnectionBudget: args.databaseConnectionBudget,
          maxOpenConns,
          maxIdleConns,
          redis,
          storage: storage as RegistryStorage,
          secrets: names,
          tokenServiceSecretName: tokenSecret,
          routeParentRefs: parentRefs as object[],
          replicas,
          highAvailability,
          trivy,
          trivyStorageClass: args.trivyStorageClass,
          metrics,
          serviceMonitor: args.serviceMonitor ?? false,
          zoneSpread: args.zoneSpread ?? "preferred",
          nodeSelector: placement.nodeSelector,
          tolerations: placement.tolerations,
          resources: args.resources,
        }),
      );
    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: releaseName,
        namespace: ns,
        chart: HARBOR_CHART.chart,
        version: HARBOR_CHART.version,
        repositoryOpts: { repo: HARBOR_CHART.repo },
        values,
        timeout: args.timeoutSeconds ?? 900,
        atomic: false,
        cleanupOnFail: false,
      },
      { parent: this },
    );
    const coreService = `${fullName}-core`;
    this.externalUrl = pulumi.output(args.externalUrl);
    this.releaseName = pulumi.output(releaseName);
    this.namespace = ns;
    this.adminPasswordSecretName = secrets.names.admin;
    this.adminPassword = secrets.adminPassword;
    this.coreServiceName = pulumi.output(coreService);
    this.coreServiceHost = pulumi.interpolate`${coreService}.${ns}.svc.cluster.local`;
    this.values = values;
    this.registerOutputs({
      externalUrl: this.externalUrl,
      releaseName: this.releaseName,
      namespace: this.namespace,
      adminPasswordSecretName: this.adminPasswordSecretName,
      coreServiceName: this.coreServiceName,
      coreServiceHost: this.coreServiceHost,
      values: this.values,
    });
  }
}
