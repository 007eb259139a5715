/**
 * Harbor chart 1.19.2 values from typed, plain arguments. Pure: the component resolves Outputs first.
 * Every key set here exists in the chart (test/harbor.spec.ts checks them against values-keys.txt).
 */
import { ArgsChecker } from "../conventions/validation";
import type { RegistryStorageDescriptor } from "../conventions/registryStorage";

export const HARBOR_COMPONENTS = ["core", "jobservice", "registry", "portal", "trivy", "exporter"] as const;
export type HarborComponent = (typeof HARBOR_COMPONENTS)[number];

export interface ResourceSpec {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

/** Requests = limits per component: Harbor's pods are latency-sensitive and must not be throttled by neighbours. */
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

export interface HarborValuesArgs {
    externalUrl: string;
    database: { host: string; port: number; username: string; coreDatabase: string; passwordSecretName: string; sslmode: string };
    /** max_connections the database offers applications (the data tier's budget). */
    databaseAvailableConnections: number;
    maxOpenConns: number;
    maxIdleConns: number;
    redis: { sentinelAddrs: string; masterSet: string; passwordSecretName: string };
    storage: RegistryStorage;
    secrets: { secretKey: string; core: string; jobservice: string; registryHttp: string; registryCredentials: string; admin: string };
    tlsSecretName: string;
    tokenServiceSecretName: string;
    ingressClassName: string;
    ingressAnnotations: Record<string, string>;
    replicas: number;
    trivy: boolean;
    metrics: boolean;
    zoneSpread: "required" | "preferred" | "none";
    nodeSelector?: Record<string, string>;
    tolerations?: object[];
    resources?: Partial<Record<HarborComponent | "registryController", ResourceSpec>>;
    trivyStorageClass?: string;
}

/** Records every problem of `a` on `check` (the component throws them all at once). */
export function checkHarborValues(a: Pick<HarborValuesArgs, "externalUrl" | "replicas" | "maxOpenConns" | "maxIdleConns" | "databaseAvailableConnections" | "storage">, check: ArgsChecker): void {
    check.check(/^https:\/\/[^/]+\/?$/.test(a.externalUrl), "externalUrl", `must be https://<host>, got "${a.externalUrl}"`, "use the https URL users reach Harbor at");
    check.atLeast(a.replicas, 1, "replicas");
    check.check(a.maxIdleConns <= a.maxOpenConns, "maxIdleConns", `${a.maxIdleConns} is more than maxOpenConns ${a.maxOpenConns}`, "keep maxIdleConns <= maxOpenConns");
    const pool = 2 * a.replicas * a.maxOpenConns; // core + exporter pods, each with its own pool
    if (typeof a.databaseAvailableConnections === "number") {
        check.check(
            pool <= a.databaseAvailableConnections,
            "maxOpenConns",
            `Harbor's pool of ${2 * a.replicas} pods (core + exporter) x ${a.maxOpenConns} = ${pool} exceeds the ${a.databaseAvailableConnections} connections the database offers applications`,
            `lower maxOpenConns to at most ${Math.floor(a.databaseAvailableConnections / (2 * a.replicas))}, or raise the database's max_connections`,
        );
    }
    if (a.storage?.type === "filesystem") {
        check.check(
            !(a.storage.accessMode === "ReadWriteOnce" && a.replicas > 1),
            "storage",
            `a ReadWriteOnce volume cannot be shared by ${a.replicas} registry replicas (Multi-Attach errors)`,
            "use S3 or a ReadWriteMany volume (NFS/EFS), or run 1 replica",
        );
    }
}

function host(url: string): string {
    return new URL(url).host;
}

export function renderHarborValues(a: HarborValuesArgs): Record<string, unknown> {
    const res = { ...DEFAULT_RESOURCES, ...(a.resources ?? {}) };
    const spread = (component: string) =>
        a.zoneSpread === "none"
            ? []
            : [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: a.zoneSpread === "required" ? "DoNotSchedule" : "ScheduleAnyway", labelSelector: { matchLabels: { app: "harbor", component: component } } }];
    const common = (component: HarborComponent) => ({
        replicas: a.replicas,
        // The chart renders a PDB only with more than one replica.
        podDisruptionBudget: { enabled: a.replicas > 1, minAvailable: 1 },
        topologySpreadConstraints: spread(component),
        ...(a.nodeSelector ? { nodeSelector: a.nodeSelector } : {}),
        ...(a.tolerations ? { tolerations: a.tolerations } : {}),
    });
    const storage =
        a.storage.type === "s3"
            ? {
                  imageChartStorage: {
                      type: "s3",
                      // Blobs are served through the registry, not redirected to S3 (clients may not reach S3).
                      disableredirect: true,
                      s3: {
                          bucket: a.storage.bucket,
                          region: a.storage.region,
                          ...(a.storage.regionEndpoint ? { regionendpoint: a.storage.regionEndpoint } : {}),
                          // `false` booleans are dropped by the chart's templates (field notes): only set true.
                          ...(a.storage.encrypt ? { encrypt: true } : {}),
                          ...(a.storage.keyId ? { keyid: a.storage.keyId } : {}),
                          existingSecret: a.storage.secretName,
                          ...(a.storage.rootDirectory ? { rootdirectory: a.storage.rootDirectory } : {}),
                      },
                  },
              }
            : {
                  imageChartStorage: { type: "filesystem", disableredirect: true },
                  persistentVolumeClaim: { registry: { existingClaim: a.storage.existingClaim, accessMode: a.storage.accessMode } },
              };
    return {
        externalURL: a.externalUrl,
        expose: {
            type: "ingress",
            tls: { enabled: true, certSource: "secret", secret: { secretName: a.tlsSecretName } },
            ingress: {
                hosts: { core: host(a.externalUrl) },
                className: a.ingressClassName,
                annotations: {
                    "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                    "nginx.ingress.kubernetes.io/proxy-body-size": "0",
                    ...a.ingressAnnotations,
                },
            },
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
                existingSecret: a.database.passwordSecretName,
                sslmode: a.database.sslmode,
            },
            maxOpenConns: a.maxOpenConns,
            maxIdleConns: a.maxIdleConns,
        },
        redis: {
            type: "external",
            external: {
                addr: a.redis.sentinelAddrs,
                sentinelMasterSet: a.redis.masterSet,
                // Harbor requires the core database index to be 0.
                coreDatabaseIndex: "0",
                jobserviceDatabaseIndex: "1",
                registryDatabaseIndex: "2",
                trivyAdapterIndex: "5",
                existingSecret: a.redis.passwordSecretName,
            },
        },
        persistence: {
            enabled: true,
            resourcePolicy: "keep",
            ...storage,
            persistentVolumeClaim: {
                ...("persistentVolumeClaim" in storage ? storage.persistentVolumeClaim : {}),
                ...(a.trivyStorageClass ? { trivy: { storageClass: a.trivyStorageClass } } : {}),
            },
        },
        core: {
            ...common("core"),
            existingSecret: a.secrets.core,
            existingXsrfSecret: a.secrets.core,
            existingXsrfSecretKey: "CSRF_KEY",
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
        trivy: { enabled: a.trivy, ...common("trivy"), resources: res.trivy },
        exporter: { ...common("exporter"), resources: res.exporter },
        metrics: { enabled: a.metrics },
        cache: { enabled: true, expireHours: 24 },
    };
}
