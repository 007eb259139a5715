/**
 * Harbor chart 1.19.2 values from typed, plain arguments. Pure: the component resolves Outputs first.
 * Every key set here exists in the chart (test/harbor.spec.ts checks them against values-keys.txt).
 */
import { ArgsChecker, ArgsProblem } from "../conventions/validation";
import { readWriteOnceSharingViolation, type RegistryStorageDescriptor } from "../conventions/registryStorage";
import { DbPool, poolDemand } from "../conventions/connectionBudget";
import {
  HARBOR_COMPONENTS,
  HARBOR_DB_POOL_COMPONENTS,
  HarborComponent,
  HarborDbPoolComponent,
} from "./chartComponents";
import { harborRedisProblems, type HarborRedisValues } from "./redisConnection";

export { HARBOR_COMPONENTS } from "./chartComponents";
export type { HarborComponent } from "./chartComponents";

export interface ResourceSpec {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** Memory requests = limits (no OOM kill from a neighbour's burst); CPU may burst to the limit. */
export const DEFAULT_RESOURCES: Record<HarborComponent | "registryController", ResourceSpec> = {
  core: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } },
  jobservice: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
  registry: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } },
  registryController: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  portal: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
  trivy: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } },
  exporter: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
};

/** Where the registry keeps blobs: the storage tier's `registryStorage` descriptor. */
export type RegistryStorage = RegistryStorageDescriptor;

/** Names of the Secrets holding what the chart would otherwise generate (see HarborSecrets). */
export interface HarborSecretNamesPlain {
  secretKey: string;
  core: string;
  jobservice: string;
  registryHttp: string;
  registryCredentials: string;
  admin: string;
}

export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;

export interface HarborValuesArgs {
  /** `https://<host>` users reach Harbor at. */
  externalUrl: string;
  /** The chart's fullname (`fullnameOverride`): Services are `<fullName>-core`, ... */
  fullName: string;
  database: {
    host: string;
    port: number;
    username: string;
    coreDatabase: string;
    existingSecret: string;
    sslmode: string;
  };
  /** Connections the database offers applications (max_connections minus reserved); undefined: not checked. */
  databaseConnectionBudget?: number;
  /** `database.maxOpenConns`: pool per core and exporter pod. */
  maxOpenConns: number;
  /** `database.maxIdleConns`. */
  maxIdleConns: number;
  /** Sentinels with their master set, or one endpoint (plain or TLS). */
  redis: HarborRedisValues;
  storage: RegistryStorage;
  secrets: HarborSecretNamesPlain;
  tokenServiceSecretName: string;
  /** The Gateway listener(s) Harbor's HTTPRoute attaches to (`expose.route.parentRefs`): HarborGateway's `harborParentRefs`. */
  routeParentRefs: object[];
  replicas: Record<HarborComponent, number>;
  /** Refuse fewer than 2 replicas of any deployed component. */
  highAvailability: boolean;
  trivy: boolean;
  metrics: boolean;
  serviceMonitor: boolean | HarborServiceMonitor;
  zoneSpread: "required" | "preferred" | "none";
  nodeSelector?: Record<string, string>;
  tolerations?: object[];
  resources?: Partial<Record<HarborComponent | "registryController", ResourceSpec>>;
  trivyStorageClass?: string;
}

/** The chart's ServiceMonitor settings (`metrics.serviceMonitor.*`, passed through by its template). */
export interface HarborServiceMonitor {
  /** Labels the user's Prometheus selects ServiceMonitors by. Default: none. */
  additionalLabels?: Record<string, string>;
  /** Relabelings of the endpoint (the CRD's camelCase form). Default: none. */
  relabelings?: object[];
}

/** Components the chart deploys with these settings (trivy and the exporter are optional). */
export function deployedComponents(a: { trivy: boolean; metrics: boolean }): HarborComponent[] {
  return HARBOR_COMPONENTS.filter((c) => (c === "trivy" ? a.trivy : c === "exporter" ? a.metrics : true));
}

/**
 * Harbor's database pools as the chart deploys them: each pool component (core, jobservice, and the exporter
 * only with metrics on) with its replicas, every pod opening up to `maxOpenConns`. The data tier sizes
 * max_connections from these, with the rolling-update surge (conventions/connectionBudget).
 */
export function harborDatabasePools(a: {
  replicas: Pick<Record<HarborComponent, number>, HarborDbPoolComponent>;
  metrics: boolean;
  maxOpenConns: number;
}): DbPool[] {
  return HARBOR_DB_POOL_COMPONENTS.filter((c) => c !== "exporter" || a.metrics).map((c) => ({
    component: c,
    replicas: a.replicas[c],
    maxOpenConns: a.maxOpenConns,
  }));
}

export type HarborValuesCheckArgs = Pick<
  HarborValuesArgs,
  | "externalUrl"
  | "replicas"
  | "highAvailability"
  | "trivy"
  | "metrics"
  | "maxOpenConns"
  | "maxIdleConns"
  | "databaseConnectionBudget"
> & {
  /** Access mode of filesystem storage; undefined for object storage or when not known yet. */
  storageAccessMode?: "ReadWriteMany" | "ReadWriteOnce";
  /** Checked only when plain. */
  sslmode?: string;
};

/** Every problem of these plain arguments (empty: valid). Pure. */
export function harborValuesProblems(a: HarborValuesCheckArgs): ArgsProblem[] {
  const check = new ArgsChecker("HarborRelease", "-");
  check.check(
    /^https:\/\/[^/]+\/?$/.test(a.externalUrl),
    "externalUrl",
    `must be https://<host>, got "${a.externalUrl}"`,
    "use the https URL users reach Harbor at",
  );
  for (const c of deployedComponents(a)) {
    const n = a.replicas[c];
    if (check.atLeast(n, 1, `replicas.${c}`) && a.highAvailability) {
      check.check(
        n >= 2,
        `replicas.${c}`,
        `${n} replica of ${c} is a single point of failure and high availability is required`,
        `run ${c} with 2 or more replicas`,
      );
    }
  }
  check.atLeast(a.maxOpenConns, 1, "maxOpenConns");
  check.atLeast(a.maxIdleConns, 0, "maxIdleConns");
  check.check(
    a.maxIdleConns <= a.maxOpenConns,
    "maxIdleConns",
    `${a.maxIdleConns} is more than maxOpenConns ${a.maxOpenConns}`,
    "keep maxIdleConns <= maxOpenConns",
  );
  if (a.databaseConnectionBudget !== undefined) {
    const { peak, terms } = poolDemand(harborDatabasePools(a));
    check.check(
      peak <= a.databaseConnectionBudget,
      "maxOpenConns",
      `Harbor's pools, ${terms.join(" + ")} = ${peak} connections at the peak of a rolling update, exceed the database's connection budget of ${a.databaseConnectionBudget}`,
      "lower maxOpenConns, run fewer core/jobservice/exporter replicas, or raise the database's max_connections",
    );
  }
  if (a.storageAccessMode === "ReadWriteOnce")
    check.rule(
      "storage",
      readWriteOnceSharingViolation({
        registryReplicas: a.replicas.registry,
        subject: "the registry storage",
        replicasKey: "replicas",
      }),
    );
  if (a.sslmode !== undefined)
    check.check(
      (SSL_MODES as readonly string[]).includes(a.sslmode),
      "database.sslmode",
      `"${a.sslmode}" is not a PostgreSQL sslmode Harbor accepts`,
      `use one of ${SSL_MODES.join(", ")}`,
    );
  return check.problems;
}

/** The chart's Services (`<fullName>-core`, ...) are named from this, as the chart's `harbor.fullname` does. */
export function harborFullName(releaseName: string): string {
  return (releaseName.includes("harbor") ? releaseName : `${releaseName}-harbor`).slice(0, 63).replace(/-+$/, "");
}

/** `redis.external`: a comma list of sentinels plus the master set (redis+sentinel://), or one endpoint (redis:// or rediss://). */
function redisExternal(r: HarborRedisValues): Record<string, unknown> {
  const common = {
    // Harbor requires the core database index to be "0".
    coreDatabaseIndex: "0",
    jobserviceDatabaseIndex: "1",
    registryDatabaseIndex: "2",
    trivyAdapterIndex: "5",
  };
  if (r.kind === "endpoint")
    return {
      addr: r.addr,
      // Only `true` is written: the chart's default is off.
      ...(r.tls ? { tlsOptions: { enable: true } } : {}),
      ...common,
      ...(r.existingSecret ? { existingSecret: r.existingSecret } : {}),
    };
  return { addr: r.sentinelAddrs, sentinelMasterSet: r.sentinelMasterSet, ...common, existingSecret: r.existingSecret };
}

/**
 * The values. Throws InvalidArgsError when the arguments are invalid (the same checks the component
 * makes before registering anything), so no caller can render a release that would exhaust the database
 * or share a ReadWriteOnce volume.
 */
export function renderHarborValues(a: HarborValuesArgs): Record<string, unknown> {
  const check = new ArgsChecker("renderHarborValues", a.fullName);
  check.problems.push(
    ...harborValuesProblems({
      ...a,
      storageAccessMode: a.storage.type === "filesystem" ? a.storage.accessMode : undefined,
      sslmode: a.database.sslmode,
    }),
    ...harborRedisProblems(
      a.redis.kind === "endpoint"
        ? { ...a.redis, passwordSecretName: a.redis.existingSecret }
        : { sentinelAddrs: a.redis.sentinelAddrs, masterSet: a.redis.sentinelMasterSet, passwordSecretName: "" },
    ).map((p) => ({ ...p, path: `redis.${p.path}` })),
  );
  check.throwIfAny();

  const res = { ...DEFAULT_RESOURCES, ...(a.resources ?? {}) };
  // The chart appends each component's own labelSelector to every constraint: give none here.
  const spread =
    a.zoneSpread === "none"
      ? []
      : [
          {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: a.zoneSpread === "required" ? "DoNotSchedule" : "ScheduleAnyway",
          },
          { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
        ];
  const common = (component: HarborComponent) => ({
    replicas: a.replicas[component],
    // The chart renders a PDB only when enabled and replicas > 1.
    podDisruptionBudget: { enabled: a.replicas[component] > 1, minAvailable: 1 },
    topologySpreadConstraints: spread,
    ...(a.nodeSelector ? { nodeSelector: a.nodeSelector } : {}),
    ...(a.tolerations ? { tolerations: a.tolerations } : {}),
  });
  const s = a.storage;
  const imageChartStorage =
    s.type === "s3"
      ? {
          type: "s3",
          // Blobs are served through the registry, not redirected to S3 (clients may not reach the bucket).
          disableredirect: true,
          s3: {
            bucket: s.bucket,
            region: s.region,
            ...(s.regionEndpoint ? { regionendpoint: s.regionEndpoint } : {}),
            // The chart's templates drop `false` booleans (field notes): set only true.
            ...(s.encrypt ? { encrypt: true } : {}),
            ...(s.keyId ? { keyid: s.keyId } : {}),
            existingSecret: s.secretName,
            ...(s.rootDirectory ? { rootdirectory: s.rootDirectory } : {}),
          },
        }
      : { type: "filesystem", disableredirect: true };
  const pvc = {
    ...(s.type === "filesystem" ? { registry: { existingClaim: s.existingClaim, accessMode: s.accessMode } } : {}),
    ...(a.trivy && a.trivyStorageClass ? { trivy: { storageClass: a.trivyStorageClass } } : {}),
  };
  return {
    fullnameOverride: a.fullName,
    externalURL: a.externalUrl,
    // A single ReadWriteOnce volume cannot be attached to the old and the new registry pod at once.
    ...(s.type === "filesystem" && s.accessMode === "ReadWriteOnce" ? { updateStrategy: { type: "Recreate" } } : {}),
    // The chart's HTTPRoute (templates/gateway-apis/route.yaml: /api/, /service/, /v2/, /c/ -> core,
    // / -> portal) on the Gateway the edge tier owns, for Harbor's hostname only. TLS terminates at the
    // Gateway: the chart's expose.tls would only mount a CA download volume, which with a certificate
    // Secret and no caSecretName renders without a secret name (core-dpl.yaml).
    expose: {
      type: "route",
      tls: { enabled: false },
      route: { parentRefs: a.routeParentRefs, hosts: [new URL(a.externalUrl).hostname] },
    },
    existingSecretAdminPassword: a.secrets.admin,
    existingSecretAdminPasswordKey: "HARBOR_ADMIN_PASSWORD",
    existingSecretSecretKey: a.secrets.secretKey,
    database: {
      type: "external",
      external: {
        host: a.database.host,
        port: String(a.database.port),
        username: a.database.username,
        coreDatabase: a.database.coreDatabase,
        existingSecret: a.database.existingSecret,
        sslmode: a.database.sslmode,
      },
      maxOpenConns: a.maxOpenConns,
      maxIdleConns: a.maxIdleConns,
    },
    redis: { type: "external", external: redisExternal(a.redis) },
    // The CA of a TLS Redis endpoint, in the trust store of core, jobservice, registry, trivy and the exporter.
    ...(a.redis.kind === "endpoint" && a.redis.tls && a.redis.caBundleSecretName
      ? { caBundleSecretName: a.redis.caBundleSecretName }
      : {}),
    persistence: {
      enabled: true,
      resourcePolicy: "keep",
      imageChartStorage,
      ...(Object.keys(pvc).length ? { persistentVolumeClaim: pvc } : {}),
    },
    core: {
      ...common("core"),
      existingSecret: a.secrets.core,
      existingXsrfSecret: a.secrets.core,
      existingXsrfSecretKey: "CSRF_KEY",
      // Token service signing certificate (tls.crt/tls.key), issued once by the tls tier.
      secretName: a.tokenServiceSecretName,
      resources: res.core,
    },
    jobservice: {
      ...common("jobservice"),
      existingSecret: a.secrets.jobservice,
      existingSecretKey: "JOBSERVICE_SECRET",
      // The file logger keeps logs on one pod and needs RWX; the database logger serves every replica.
      jobLoggers: ["database"],
      resources: res.jobservice,
    },
    registry: {
      ...common("registry"),
      existingSecret: a.secrets.registryHttp,
      existingSecretKey: "REGISTRY_HTTP_SECRET",
      credentials: { username: "harbor_registry_user", existingSecret: a.secrets.registryCredentials },
      registry: { resources: res.registry },
      controller: { resources: res.registryController },
    },
    portal: { ...common("portal"), resources: res.portal },
    trivy: a.trivy ? { enabled: true, ...common("trivy"), resources: res.trivy } : { enabled: false },
    exporter: { ...common("exporter"), resources: res.exporter },
    metrics: {
      enabled: a.metrics,
      ...(a.metrics && a.serviceMonitor
        ? { serviceMonitor: { enabled: true, ...(typeof a.serviceMonitor === "object" ? a.serviceMonitor : {}) } }
        : {}),
    },
    // Manifests and tags cached in Redis: fewer database round trips on pulls.
    cache: { enabled: true, expireHours: 24 },
  };
}
