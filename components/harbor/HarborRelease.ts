import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, Placement, podPlacement } from "../conventions";
import { HarborSecrets } from "./HarborSecrets";
import { checkHarborValues, HarborComponent, RegistryStorage, renderHarborValues, ResourceSpec } from "./renderHarborValues";

export const HARBOR_CHART = { chart: "harbor", version: "1.19.2", repo: "https://helm.goharbor.io", appVersion: "2.15.2" } as const;

export interface HarborReleaseArgs {
    /** Namespace. Default: `harbor`. */
    namespace?: pulumi.Input<string>;
    /** Helm release name. Default: the component's name. */
    releaseName?: string;
    /** Harbor's external URL, `https://<host>` (plain: it is checked). */
    externalUrl: string;
    /** The external PostgreSQL (e.g. PatroniCluster's outputs, or RDS with a Secret holding `password`). */
    database: {
        /** Host Harbor connects to (the read-write endpoint). */
        host: pulumi.Input<string>;
        /** Port, usually 5432. */
        port: pulumi.Input<number>;
        /** Role Harbor logs in as. */
        user: pulumi.Input<string>;
        /** Harbor's database (`coreDatabase`). */
        database: pulumi.Input<string>;
        /** Secret with key `password`. */
        passwordSecretName: pulumi.Input<string>;
        /** Default: `require`. */
        sslmode?: pulumi.Input<string>;
        /** Connections the database offers applications (its budget), checked against the pool when known. Default: not checked. */
        availableConnections?: number;
    };
    /** Per-pod pool of core and exporter (`database.maxOpenConns`). Default: 100. */
    maxOpenConns?: number;
    /** `database.maxIdleConns`. Default: 50. */
    maxIdleConns?: number;
    /** Redis in sentinel mode (e.g. RedisSentinel's outputs). */
    redis: {
        /** `host:26379,host:26379,...` */
        sentinelAddrs: pulumi.Input<string>;
        /** The sentinels' master set name. */
        masterSet: pulumi.Input<string>;
        /** Secret with key `REDIS_PASSWORD`. */
        passwordSecretName: pulumi.Input<string>;
    };
    /** Registry storage (a storage component's `registryStorage`). */
    storage: pulumi.Input<RegistryStorage>;
    /** Access mode of filesystem storage when known up front (refuses RWO with replicas > 1 before any resource). Default: taken from `storage` when plain. */
    storageAccessMode?: "ReadWriteMany" | "ReadWriteOnce";
    /** Secret with the ingress certificate (`tls.crt`/`tls.key`). */
    tlsSecretName: pulumi.Input<string>;
    /** Secret with the token service's certificate (`tls.crt`/`tls.key`), e.g. issued by cert-manager. */
    tokenServiceSecretName: pulumi.Input<string>;
    /** Ingress class. Default: `nginx`. */
    ingressClassName?: pulumi.Input<string>;
    /** Extra ingress annotations (e.g. the admin allowlist). Default: none. */
    ingressAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Replicas of core, jobservice, registry, portal, trivy and exporter. Default: 2. */
    replicas?: number;
    /** Trivy scanner. Default: true. */
    trivy?: boolean;
    /** Metrics endpoints. Default: true. */
    metrics?: boolean;
    /** Zone spread of every component: hard, best effort or none. Default: `preferred`. */
    zoneSpread?: "required" | "preferred" | "none";
    /** Where pods run (the `app` tier). Default: anywhere. */
    placement?: Placement;
    /** Per-component requests/limits. Default: DEFAULT_RESOURCES. */
    resources?: Partial<Record<HarborComponent | "registryController", ResourceSpec>>;
    /** Harbor admin password (secret). Default: generated. */
    adminPassword?: pulumi.Input<string>;
}

/**
 * Harbor 2.15 (chart 1.19.2) wired to external PostgreSQL, Redis Sentinel and registry storage, with
 * every secret the chart would regenerate on each render generated once by {@link HarborSecrets}.
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
    /** In-cluster host of Harbor's core Service. */
    readonly coreServiceHost: pulumi.Output<string>;
    /** The chart values (secrets are referenced by name, never inside). */
    readonly values: pulumi.Output<Record<string, unknown>>;
    /** The Helm release itself, for `dependsOn`. */
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: HarborReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        const replicas = args.replicas ?? 2;
        const maxOpenConns = args.maxOpenConns ?? 100;
        const maxIdleConns = args.maxIdleConns ?? 50;
        const plainStorage = pulumi.Output.isInstance(args.storage) ? undefined : (args.storage as RegistryStorage);
        const accessMode = args.storageAccessMode ?? (plainStorage?.type === "filesystem" ? plainStorage.accessMode : undefined);
        const check = new ArgsChecker("HarborRelease", name);
        checkHarborValues(
            {
                externalUrl: args.externalUrl,
                replicas,
                maxOpenConns,
                maxIdleConns,
                databaseAvailableConnections: args.database.availableConnections as number,
                storage: accessMode ? ({ type: "filesystem", existingClaim: "", accessMode } as RegistryStorage) : (undefined as unknown as RegistryStorage),
            },
            check,
        );
        check.throwIfAny();
        super(HarborRelease.__pulumiType, name, {}, opts);

        const ns = pulumi.output(args.namespace ?? "harbor");
        const releaseName = args.releaseName ?? name;
        const secrets = new HarborSecrets(`${name}-secrets`, { namespace: args.namespace, adminPassword: args.adminPassword }, { parent: this });
        const placement = podPlacement(args.placement);
        const values = pulumi
            .output({
                db: ({ host: args.database.host, port: args.database.port, username: args.database.user, coreDatabase: args.database.database, passwordSecretName: args.database.passwordSecretName, sslmode: args.database.sslmode ?? "require" }),
                redis: ({ sentinelAddrs: args.redis.sentinelAddrs, masterSet: args.redis.masterSet, passwordSecretName: args.redis.passwordSecretName }),
                storage: args.storage,
                tlsSecret: args.tlsSecretName,
                tokenSecret: args.tokenServiceSecretName,
                className: args.ingressClassName ?? "nginx",
                annotations: args.ingressAnnotations ?? {},
                names: secrets.names,
            })
            .apply(({ db, redis, storage, tlsSecret, tokenSecret, className, annotations, names }) =>
                renderHarborValues({
                    externalUrl: args.externalUrl,
                    database: db,
                    databaseAvailableConnections: args.database.availableConnections ?? Number.POSITIVE_INFINITY,
                    maxOpenConns,
                    maxIdleConns,
                    redis,
                    storage: storage as RegistryStorage,
                    secrets: names,
                    tlsSecretName: tlsSecret,
                    tokenServiceSecretName: tokenSecret,
                    ingressClassName: className,
                    ingressAnnotations: annotations as Record<string, string>,
                    replicas,
                    trivy: args.trivy ?? true,
                    metrics: args.metrics ?? true,
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
                // Harbor's migrations and first start take minutes on a fresh database.
                timeout: 900,
                atomic: false,
                cleanupOnFail: false,
            },
            { parent: this },
        );
        this.externalUrl = pulumi.output(args.externalUrl);
        this.releaseName = pulumi.output(releaseName);
        this.namespace = ns;
        this.adminPasswordSecretName = secrets.names.admin;
        this.adminPassword = secrets.adminPassword;
        this.coreServiceHost = pulumi.interpolate`${releaseName}-core.${ns}.svc.cluster.local`;
        this.values = values;
        this.registerOutputs({ externalUrl: this.externalUrl, releaseName: this.releaseName, adminPasswordSecretName: this.adminPasswordSecretName, coreServiceHost: this.coreServiceHost });
    }
}
