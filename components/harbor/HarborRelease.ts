import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import {
  ArgsChecker,
  ArgsProblem,
  refuseInvalidArgs,
  DbPool,
  DEFAULT_NAMESPACE,
  Placement,
  podPlacement,
} from "../conventions";
import { HarborSecretNames, HarborSecrets } from "./HarborSecrets";
import {
  harborDatabasePools,
  HARBOR_COMPONENTS,
  HarborComponent,
  harborFullName,
  harborValuesProblems,
  RegistryStorage,
  renderHarborValues,
  ResourceSpec,
  HarborServiceMonitor,
} from "./renderHarborValues";
import { HarborRedis, harborRedisProblems, HarborRedisValues } from "./redisConnection";

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
  /** Harbor's external URL, `https://<host>`. Plain (an Output is refused, naming it): it is checked before any resource. */
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
  /**
   * Redis: sentinels and their master set (RedisSentinel's outputs, or the team's; the default kind), or one
   * endpoint, plain or TLS (`kind: "endpoint"`: ElastiCache's primary endpoint, cluster mode disabled).
   * Addresses are host:port without a scheme (checked when plain).
   */
  redis: HarborRedis;
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
  /**
   * The chart's Prometheus-operator ServiceMonitor (needs its CRDs): `true`, or the labels the user's Prometheus
   * selects monitors by and relabelings of its endpoint. Default: false.
   */
  serviceMonitor?: boolean | HarborServiceMonitor;
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
 * Defaults of {@link HarborReleaseArgs}: the one place they are written. The release applies them in
 * {@link resolveHarborReleaseArgs}; the platform passes its values through and the stack config uses these.
 */
export const harborReleaseDefaults = {
  namespace: DEFAULT_NAMESPACE,
  databasePort: 5432,
  coreDatabase: "registry",
  sslmode: "require",
  maxOpenConns: 100,
  maxIdleConns: 50,
  replicas: 2,
  highAvailability: false,
  trivy: true,
  metrics: true,
  serviceMonitor: false,
  zoneSpread: "preferred" as HarborReleaseArgs["zoneSpread"] & string,
  timeoutSeconds: 900,
};

/** The settings of a release with every default applied. */
export interface HarborReleaseSettings {
  namespace: pulumi.Input<string>;
  releaseName: string;
  replicas: Record<HarborComponent, number>;
  maxOpenConns: number;
  maxIdleConns: number;
  highAvailability: boolean;
  trivy: boolean;
  metrics: boolean;
  serviceMonitor: boolean | HarborServiceMonitor;
  zoneSpread: "required" | "preferred" | "none";
  timeoutSeconds: number;
}

/** Applies {@link harborReleaseDefaults} to the Args of release `name`. Pure. */
export function resolveHarborReleaseArgs(
  name: string,
  args: Omit<
    HarborReleaseArgs,
    "externalUrl" | "database" | "redis" | "storage" | "routeParentRefs" | "tokenServiceSecretName"
  >,
): HarborReleaseSettings {
  const d = harborReleaseDefaults;
  const all = args.replicas ?? d.replicas;
  return {
    namespace: args.namespace ?? d.namespace,
    releaseName: args.releaseName ?? name,
    replicas: Object.fromEntries(HARBOR_COMPONENTS.map((c) => [c, args.componentReplicas?.[c] ?? all])) as Record<
      HarborComponent,
      number
    >,
    maxOpenConns: args.maxOpenConns ?? d.maxOpenConns,
    maxIdleConns: args.maxIdleConns ?? d.maxIdleConns,
    highAvailability: args.highAvailability ?? d.highAvailability,
    trivy: args.trivy ?? d.trivy,
    metrics: args.metrics ?? d.metrics,
    serviceMonitor: args.serviceMonitor ?? d.serviceMonitor,
    zoneSpread: args.zoneSpread ?? d.zoneSpread,
    timeoutSeconds: args.timeoutSeconds ?? d.timeoutSeconds,
  };
}

/**
 * The database pools a release with these Args holds (core, jobservice, and the exporter when metrics are on,
 * each with its replicas and maxOpenConns), defaults applied. The data tier sizes its connection budget from them.
 */
export function harborDatabaseClientPools(
  args: Pick<HarborReleaseArgs, "replicas" | "componentReplicas" | "metrics" | "maxOpenConns">,
): DbPool[] {
  return harborDatabasePools(resolveHarborReleaseArgs("-", args));
}

/**
 * Harbor 2.15 (chart 1.19.2) wired to external PostgreSQL, Redis (Sentinel or one endpoint) and registry storage, with
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
    refuseInvalidArgs("HarborRelease", name, checkHarborReleaseArgs(name, args));
    super(HarborRelease.__pulumiType, name, {}, opts);
    const settings = resolveHarborReleaseArgs(name, args);

    const ns = pulumi.output(settings.namespace);
    const fullName = harborFullName(settings.releaseName);
    const secrets = new HarborSecrets(
      `${name}-secrets`,
      { namespace: settings.namespace, adminPassword: args.adminPassword },
      { parent: this },
    );
    const values = chartValues(args, settings, fullName, secrets.names);
    this.release = this.helmRelease(name, settings, ns, values);
    const coreService = `${fullName}-core`;
    this.externalUrl = pulumi.output(args.externalUrl);
    this.releaseName = pulumi.output(settings.releaseName);
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

  /** The chart release (Helm waits for Harbor's pods; a fresh database's migrations take minutes). */
  private helmRelease(
    name: string,
    settings: HarborReleaseSettings,
    ns: pulumi.Output<string>,
    values: pulumi.Output<Record<string, unknown>>,
  ): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
      name,
      {
        name: settings.releaseName,
        namespace: ns,
        chart: HARBOR_CHART.chart,
        version: HARBOR_CHART.version,
        repositoryOpts: { repo: HARBOR_CHART.repo },
        values,
        timeout: settings.timeoutSeconds,
        atomic: false,
        cleanupOnFail: false,
      },
      { parent: this },
    );
  }
}

/**
 * Every problem of these Args (empty: valid), before any resource: the checks renderHarborValues makes too.
 * Pure: HarborPlatform asks it too.
 */
export function checkHarborReleaseArgs(name: string, args: HarborReleaseArgs): ArgsProblem[] {
  const s = resolveHarborReleaseArgs(name, args);
  const plainStorage = pulumi.Output.isInstance(args.storage) ? undefined : (args.storage as RegistryStorage);
  const storageAccessMode =
    args.storageAccessMode ?? (plainStorage?.type === "filesystem" ? plainStorage.accessMode : undefined);
  const check = new ArgsChecker("HarborRelease", name);
  if (!check.requirePlain({ externalUrl: args.externalUrl })) return check.problems;
  check.problems.push(
    ...harborValuesProblems({
      externalUrl: args.externalUrl,
      replicas: s.replicas,
      highAvailability: s.highAvailability,
      trivy: s.trivy,
      metrics: s.metrics,
      maxOpenConns: s.maxOpenConns,
      maxIdleConns: s.maxIdleConns,
      databaseConnectionBudget: args.databaseConnectionBudget,
      storageAccessMode,
      sslmode: typeof args.database.sslmode === "string" ? args.database.sslmode : undefined,
    }),
  );
  check.problems.push(...harborRedisProblems(args.redis).map((p) => ({ ...p, path: `redis.${p.path}` })));
  check.atLeast(s.timeoutSeconds, 60, "timeoutSeconds");
  return check.problems;
}

/** The chart's view of Harbor's Redis, values still Inputs. */
function redisInputs(r: HarborRedis): pulumi.Input<Record<string, unknown>> {
  if (r.kind === "endpoint")
    return {
      kind: "endpoint",
      addr: r.addr,
      tls: r.tls,
      caBundleSecretName: r.caBundleSecretName,
      existingSecret: r.passwordSecretName,
    };
  return { sentinelAddrs: r.sentinelAddrs, sentinelMasterSet: r.masterSet, existingSecret: r.passwordSecretName };
}

/** The chart values, once the other tiers' outputs and the Secret names are known. */
function chartValues(
  args: HarborReleaseArgs,
  s: HarborReleaseSettings,
  fullName: string,
  secretNames: HarborSecretNames,
): pulumi.Output<Record<string, unknown>> {
  const d = harborReleaseDefaults;
  const placement = podPlacement(args.placement);
  return pulumi
    .output({
      db: {
        host: args.database.host,
        port: args.database.port ?? d.databasePort,
        username: args.database.user,
        coreDatabase: args.database.database ?? d.coreDatabase,
        existingSecret: args.database.passwordSecretName,
        sslmode: args.database.sslmode ?? d.sslmode,
      },
      redis: redisInputs(args.redis),
      storage: args.storage,
      tokenSecret: args.tokenServiceSecretName,
      parentRefs: args.routeParentRefs,
      names: secretNames,
    })
    .apply(({ db, redis, storage, tokenSecret, parentRefs, names }) =>
      renderHarborValues({
        externalUrl: args.externalUrl,
        fullName,
        database: db,
        databaseConnectionBudget: args.databaseConnectionBudget,
        maxOpenConns: s.maxOpenConns,
        maxIdleConns: s.maxIdleConns,
        redis: redis as unknown as HarborRedisValues,
        storage: storage as RegistryStorage,
        secrets: names,
        tokenServiceSecretName: tokenSecret,
        routeParentRefs: parentRefs as object[],
        replicas: s.replicas,
        highAvailability: s.highAvailability,
        trivy: s.trivy,
        trivyStorageClass: args.trivyStorageClass,
        metrics: s.metrics,
        serviceMonitor: s.serviceMonitor,
        zoneSpread: s.zoneSpread,
        nodeSelector: placement.nodeSelector,
        tolerations: placement.tolerations,
        resources: args.resources,
      }),
    );
}
