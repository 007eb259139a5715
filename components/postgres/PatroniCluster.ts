import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import { stringify } from "yaml";
import { ComponentTypes } from "../tokens";
import {
  ArgsChecker,
  ArgsProblem,
  refuseInvalidArgs,
  createHardenedBucket,
  HARBOR_DATABASE_LABEL,
  Placement,
  renderIrsaTrustPolicy,
  podPlacement,
  selectorLabels,
  serviceHost,
  standardLabels,
  zoneSpread,
} from "../conventions";
import { checkPatroniTiming, PatroniTiming } from "./renderPatroniConfig";
import {
  clientPoolsOf,
  membersServiceName,
  patroniClusterDefaults,
  renderClusterPatroniConfig,
  sharedSpiloConfig,
  SPILO_APP_LABELS,
  SPILO_LEADER_ROLE,
  SPILO_PGROOT,
  SPILO_REPLICA_ROLE,
  SPILO_ROLE_LABEL,
  SPILO_SCOPE_LABEL,
} from "./clusterPatroniConfig";
import {
  connectionBudgetProblems,
  ConnectionBudget,
  DbPool,
  reservedRoleProblem,
} from "../conventions/connectionBudget";
import {
  renderApplyDcsScript,
  renderBackupAgeScript,
  renderHarborDbScript,
  renderMonitoringRoleScript,
} from "./renderJobScripts";
import { backupAgeLimits } from "./backupFacts";
import {
  POSTGRES_EXPORTER_CONNECTIONS,
  POSTGRES_EXPORTER_ROLE,
  postgresExporterPools,
  renderPostgresExporterContainer,
} from "./renderPostgresExporter";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import {
  AwsBackupStore,
  checkBackupArgs,
  EnvVar,
  IRSA_TOKEN_DIR,
  PatroniBackupArgs,
  patroniBackupDefaults,
  PatroniRestoreArgs,
  renderBackupEnv,
  renderRestoreEnv,
  renderSelfAssumeStatement,
  renderWalgConfigFile,
  renderWalgS3Policy,
  spiloS3Envdir,
  WALG_CONFIG_FILE,
} from "./walgBackup";

/** Spilo 17 (PostgreSQL 17 + Patroni), pinned. */
export const SPILO_IMAGE = "ghcr.io/zalando/spilo-17:4.0-p2";
/** A psql client for the one-off job that creates Harbor's database and role. */
export const PSQL_IMAGE = "postgres:17.6-alpine";

export interface PatroniClusterArgs {
  /** Namespace to deploy into. Default: `harbor`. */
  namespace?: pulumi.Input<string>;
  /** Patroni members. HA minimums (3 in prod) are the policy pack's rule. Default: 3. */
  members?: number;
  /** SSD StorageClass of the data volumes. Default: `gp3`. */
  storageClass?: string;
  /** Data volume per member, GiB. Default: 1024. */
  volumeGb?: number;
  /** CPU requested (and limited) per member, cores. Default: 4. */
  cpu?: number;
  /** Memory requested (and limited) per member, GiB; sizes PostgreSQL's memory settings. Default: 16. */
  memoryGi?: number;
  /** Synchronous replication (zero acknowledged-commit loss on failover). Default: true. */
  synchronousMode?: boolean;
  /** DCS timing; `loop_wait + 2*retry_timeout <= ttl` is enforced. Default: ttl 30, loop_wait 10, retry_timeout 10. */
  timing?: PatroniTiming;
  /** Harbor's database. Default: `registry`. */
  database?: string;
  /** Harbor's role. Default: `harbor`. */
  user?: string;
  /**
   * This cluster is Harbor's database: its StatefulSet carries `HARBOR_DATABASE_LABEL`, so the policy
   * pack's Harbor sizing (`harbor-patroni-volume-size`) applies. Default: false (HarborPlatform sets it for its own).
   */
  harborDatabase?: boolean;
  /**
   * The components whose pods each hold a connection pool (Harbor: core, jobservice, exporter), with
   * their replicas, `maxOpenConns` and rolling-update surge: max_connections covers their peak.
   * Default: core, jobservice and exporter, 2 replicas each, 100 connections per pod, 25 % surge.
   */
  clientPools?: DbPool[];
  /** Simpler form of `clientPools`: `pods` pods of `maxOpenConns` (counted as given, no surge). Ignored with clientPools. Default: none (Harbor's default pools, `clientPools`). */
  clientPool?: {
    /** Pods that each hold a connection pool. */
    pods: number;
    /** Connections each pod may open (Harbor's `database.maxOpenConns`). */
    maxOpenConns: number;
  };
  /** Where members run (the `db` tier). Default: anywhere. */
  placement?: Placement;
  /** Spread members over zones with a hard constraint (needs >= members zones). Default: false (best effort). */
  requireZoneSpread?: boolean;
  /** Labels of the client pods that may reach PostgreSQL (5432). Default: `{ app: "harbor" }` (the Harbor chart's pods). */
  clientPodSelector?: Record<string, string>;
  /**
   * Continuous WAL archiving and scheduled base backups through Spilo's WAL-G, to a hardened bucket made
   * here (IRSA) or an S3-compatible store. Default: none (Spilo archives to /bin/true: no restore path).
   */
  backup?: PatroniBackupArgs;
  /**
   * Bootstrap this cluster from an archive (to the latest point or a target time) instead of an empty
   * database. Read only when the cluster is first initialised. Default: none (a new, empty database).
   */
  restore?: PatroniRestoreArgs;
  /** A postgres_exporter sidecar per member (its connections are counted in the budget). Default: false. */
  metricsExporter?: boolean;
}

/**
 * Highly available PostgreSQL for Harbor, run by Patroni.
 *
 * Engine: a self-managed Spilo StatefulSet (`ghcr.io/zalando/spilo-17`, pinned) with Patroni's
 * Kubernetes DCS, rather than the Zalando postgres-operator. Reasons:
 * 1. The Patroni configuration comes from our own pure function (renderPatroniConfig) and reaches
 *    Spilo unchanged through SPILO_CONFIGURATION (a ConfigMap, no secrets; Spilo lets it override its
 *    generated config), so the failover drills run on real daemons exactly what the cluster runs.
 * 2. No operator, CRD or cluster-wide RBAC to install and upgrade: one namespaced Role with the verbs
 *    the Kubernetes DCS uses is all Patroni needs.
 * 3. Every object is a core kind validated against real schemas in the plan.
 * Backups and restore: Spilo's WAL-G, configured by Args.backup / Args.restore (walgBackup.ts). Major
 * upgrades are not automated here (the operator does them).
 *
 * The leader lock lives in ConfigMaps (`use_endpoints: false`), so nothing competes with the
 * Services' own Endpoints. Patroni labels exactly one pod `spilo-role=master`: the rw Service follows
 * it; the ro Service selects `spilo-role=replica`. Passwords (superuser, replication, Harbor's) are
 * random, kept in Secrets and reach pods only via secretKeyRef. Harbor's role and database are
 * created by an idempotent Job. Patroni reads `bootstrap.dcs` only when the cluster is first
 * initialised, so a second Job PATCHes the rendered dynamic configuration (max_connections, timing...)
 * into the DCS through the leader's REST API whenever it changes.
 */
export class PatroniCluster extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.PatroniCluster;

  /** Read-write Service host (always the leader). */
  readonly host: pulumi.Output<string>;
  /** Read-only Service host (replicas). */
  readonly readOnlyHost: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly database: pulumi.Output<string>;
  readonly user: pulumi.Output<string>;
  /** Secret holding Harbor's database password under key `password`. */
  readonly passwordSecretName: pulumi.Output<string>;
  readonly sslmode: pulumi.Output<string>;
  readonly maxConnections: pulumi.Output<number>;
  readonly connectionBudget: pulumi.Output<ConnectionBudget>;
  /** The same budget as a plain value, for Args checks made before any resource exists (e.g. Harbor's pool). */
  readonly budget: ConnectionBudget;

  constructor(name: string, args: PatroniClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("PatroniCluster", name, checkPatroniClusterArgs(name, args));
    super(PatroniCluster.__pulumiType, name, {}, opts);

    const l = clusterLayout(name, args);
    this.budget = l.budget;
    const secrets = this.secrets(l);
    const backupStore = this.backupStore(l);
    l.archiveEnv = this.archiveEnv(l, backupStore);
    const config = this.patroniConfigMap(l);
    const account = this.serviceAccount(l);
    const statefulSet = this.members(l, { secrets, config, account });
    const { rw, ro } = this.services(l);
    this.networkPolicy(l);
    const scripts = this.jobs(l, { secrets, config, statefulSet, rw });
    this.backupAgeCheck(l, { store: backupStore, account, config, scripts });

    this.host = pulumi.all([rw.metadata.name, pulumi.output(l.ns)]).apply(([svc, n]) => serviceHost(svc, n));
    this.readOnlyHost = pulumi.all([ro.metadata.name, pulumi.output(l.ns)]).apply(([svc, n]) => serviceHost(svc, n));
    this.port = pulumi.output(5432);
    this.database = pulumi.output(l.database);
    this.user = pulumi.output(l.user);
    this.passwordSecretName = secrets.harbor.metadata.name;
    // Spilo serves TLS with its own certificate and pg_hba requires it (hostssl): encrypted, not verified.
    this.sslmode = pulumi.output("require");
    this.maxConnections = pulumi.output(l.budget.maxConnections);
    this.connectionBudget = pulumi.output(l.budget);
    this.registerOutputs({
      host: this.host,
      readOnlyHost: this.readOnlyHost,
      port: this.port,
      database: this.database,
      user: this.user,
      passwordSecretName: this.passwordSecretName,
      sslmode: this.sslmode,
      maxConnections: this.maxConnections,
      connectionBudget: this.connectionBudget,
    });
  }

  /** Random passwords in Secrets: superuser and replication (members), Harbor's (its `existingSecret` format). */
  private secrets(l: ClusterLayout): ClusterSecrets {
    const { name, ns, labels } = l;
    const child = { parent: this };
    const password = (role: string) =>
      new random.RandomPassword(`${name}-${role}`, { length: 32, special: false }, child).result;
    const credentials = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { name: `${name}-credentials`, namespace: ns, labels },
        type: "Opaque",
        stringData: { superuser: password("superuser"), replication: password("replication") },
      },
      child,
    );
    // The application role's password, named after the role (`<name>-harbor` for Harbor's default role;
    // `_` is not allowed in object names), in Harbor's database.external.existingSecret format: key `password`.
    const roleObject = `${name}-${l.user.replace(/_/g, "-")}`;
    const harbor = new k8s.core.v1.Secret(
      roleObject,
      {
        metadata: { name: roleObject, namespace: ns, labels },
        type: "Opaque",
        stringData: { password: password(l.user.replace(/_/g, "-")) },
      },
      child,
    );
    // The metrics exporter's own role (pg_monitor), with the sidecar only.
    const exporter = l.args.metricsExporter
      ? new k8s.core.v1.Secret(
          `${name}-postgres-exporter`,
          {
            metadata: { name: `${name}-postgres-exporter`, namespace: ns, labels },
            type: "Opaque",
            stringData: { password: password("postgres-exporter") },
          },
          child,
        )
      : undefined;
    return { credentials, harbor, exporter };
  }

  /** The shared Patroni configuration (SPILO_CONFIGURATION) and the dynamic part the apply-dcs Job PATCHes. */
  private patroniConfigMap(l: ClusterLayout): k8s.core.v1.ConfigMap {
    return new k8s.core.v1.ConfigMap(
      `${l.name}-patroni`,
      {
        metadata: { name: `${l.name}-patroni`, namespace: l.ns, labels: l.labels },
        data: {
          "patroni.yaml": l.patroniYaml,
          "dcs.json": l.dynamicConfig,
          ...(l.args.backup?.target.kind === "aws" ? { "walg.json": renderWalgConfigFile(l.name) } : {}),
        },
      },
      { parent: this },
    );
  }

  /** The members' ServiceAccount, bound to a Role with exactly the verbs Patroni's Kubernetes DCS uses. */
  private serviceAccount(l: ClusterLayout): k8s.core.v1.ServiceAccount {
    const { name, ns, labels } = l;
    const child = { parent: this };
    const account = new k8s.core.v1.ServiceAccount(name, { metadata: { name, namespace: ns, labels } }, child);
    const role = new k8s.rbac.v1.Role(
      name,
      { metadata: { name, namespace: ns, labels }, rules: PATRONI_KUBERNETES_DCS_RULES },
      child,
    );
    new k8s.rbac.v1.RoleBinding(
      name,
      {
        metadata: { name, namespace: ns, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: ns }],
      },
      child,
    );
    return account;
  }

  /** The members: headless Service (stable DNS names), the Spilo StatefulSet and its PodDisruptionBudget. */
  private members(
    l: ClusterLayout,
    deps: { secrets: ClusterSecrets; config: k8s.core.v1.ConfigMap; account: k8s.core.v1.ServiceAccount },
  ): k8s.apps.v1.StatefulSet {
    const { name, ns, labels, selector, args } = l;
    const d = patroniClusterDefaults;
    const child = { parent: this };
    // Stable per-member DNS names (<name>-<i>.<name>-members); Patroni's lock lives in ConfigMaps, not here.
    const headless = new k8s.core.v1.Service(
      `${name}-members`,
      {
        metadata: { name: membersServiceName(name), namespace: ns, labels },
        spec: {
          clusterIP: "None",
          publishNotReadyAddresses: true,
          selector,
          ports: [
            { name: "postgresql", port: 5432 },
            { name: "patroni", port: 8008 },
          ],
        },
      },
      child,
    );
    const statefulSet = new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: {
          name,
          namespace: ns,
          labels: l.args.harborDatabase ? { ...labels, [HARBOR_DATABASE_LABEL]: "true" } : labels,
        },
        spec: {
          serviceName: headless.metadata.name,
          replicas: l.members,
          podManagementPolicy: "Parallel",
          selector: { matchLabels: selector },
          template: {
            metadata: {
              labels,
              annotations: {
                "harbor-ha.io/patroni-config-sha256": createHash("sha256")
                  .update(l.patroniYaml)
                  .digest("hex")
                  .slice(0, 16),
              },
            },
            spec: {
              serviceAccountName: deps.account.metadata.name,
              ...podPlacement(args.placement),
              topologySpreadConstraints: zoneSpread(
                selector,
                args.requireZoneSpread ?? false,
                args.placement?.zoneTopologyKey,
              ),
              affinity: {
                podAntiAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selector } },
                  ],
                },
              },
              terminationGracePeriodSeconds: PATRONI_TERMINATION_GRACE_SECONDS,
              securityContext: { fsGroup: 103 },
              volumes: [{ name: "dshm", emptyDir: { medium: "Memory" } }, ...this.archiveVolumes(l, deps.config)],
              containers: [
                this.postgresContainer(l, deps),
                ...(deps.secrets.exporter
                  ? [renderPostgresExporterContainer(exporterArgs(deps.secrets.exporter))]
                  : []),
              ],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "pgdata", labels },
              spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.storageClass ?? d.storageClass,
                resources: { requests: { storage: `${args.volumeGb ?? d.volumeGb}Gi` } },
              },
            },
          ],
        },
      },
      child,
    );
    new k8s.policy.v1.PodDisruptionBudget(
      name,
      { metadata: { name, namespace: ns, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
      child,
    );
    return statefulSet;
  }

  /** The Spilo container of a member: Patroni's Kubernetes DCS settings, passwords from Secrets, probes, preStop. */
  private postgresContainer(
    l: ClusterLayout,
    deps: { secrets: ClusterSecrets; config: k8s.core.v1.ConfigMap },
  ): k8s.types.input.core.v1.Container {
    const credentials = deps.secrets.credentials.metadata.name;
    return {
      name: "postgres",
      image: SPILO_IMAGE,
      ports: [
        { name: "postgresql", containerPort: 5432 },
        { name: "patroni", containerPort: 8008 },
      ],
      resources: {
        requests: { cpu: `${l.cpu}`, memory: `${l.memoryGi}Gi` },
        limits: { cpu: `${l.cpu}`, memory: `${l.memoryGi}Gi` },
      },
      env: [
        fieldEnv("POD_NAMESPACE", "metadata.namespace"),
        fieldEnv("POD_IP", "status.podIP"),
        { name: "SCOPE", value: l.name },
        { name: "PGROOT", value: SPILO_PGROOT },
        { name: "PGVERSION", value: SPILO_PGVERSION },
        // Talk to the API server through its Service (Spilo's default, true, tries the endpoints first).
        { name: "KUBERNETES_BYPASS_API_SERVICE", value: "false" },
        { name: "DCS_ENABLE_KUBERNETES_API", value: "true" },
        { name: "KUBERNETES_USE_CONFIGMAPS", value: "true" },
        { name: "KUBERNETES_SCOPE_LABEL", value: SPILO_SCOPE_LABEL },
        { name: "KUBERNETES_ROLE_LABEL", value: SPILO_ROLE_LABEL },
        { name: "KUBERNETES_LEADER_LABEL_VALUE", value: SPILO_LEADER_ROLE },
        { name: "KUBERNETES_LABELS", value: JSON.stringify(SPILO_APP_LABELS) },
        { name: "PGUSER_SUPERUSER", value: "postgres" },
        { name: "PGUSER_STANDBY", value: "standby" },
        secretEnv("PGPASSWORD_SUPERUSER", credentials, "superuser"),
        secretEnv("PGPASSWORD_STANDBY", credentials, "replication"),
        secretEnv("PATRONI_SUPERUSER_PASSWORD", credentials, "superuser"),
        secretEnv("PATRONI_REPLICATION_PASSWORD", credentials, "replication"),
        secretEnv("PATRONI_REWIND_PASSWORD", credentials, "superuser"),
        {
          name: "SPILO_CONFIGURATION",
          valueFrom: { configMapKeyRef: { name: deps.config.metadata.name, key: "patroni.yaml" } },
        },
        ...l.archiveEnv,
      ],
      readinessProbe: {
        httpGet: { path: "/readiness", port: 8008 },
        periodSeconds: 10,
        failureThreshold: 3,
      },
      livenessProbe: { httpGet: { path: "/liveness", port: 8008 }, periodSeconds: 10, failureThreshold: 6 },
      lifecycle: { preStop: { exec: { command: ["/bin/sh", "-c", renderPreStopSwitchover()] } } },
      volumeMounts: [
        { name: "pgdata", mountPath: "/home/postgres/pgdata" },
        // PostgreSQL's dynamic shared memory lives in /dev/shm: the container's default is 64 MiB.
        { name: "dshm", mountPath: "/dev/shm" },
        ...(usesIrsa(l.args)
          ? [
              { name: "aws-iam-token", mountPath: IRSA_TOKEN_DIR, readOnly: true },
              { name: "walg-config", mountPath: WALG_CONFIG_FILE, subPath: "walg.json", readOnly: true },
            ]
          : []),
      ],
    };
  }

  /**
   * The AWS side of backups: a dedicated KMS key and hardened bucket (components/conventions/s3Bucket.ts;
   * deleted backups stay as noncurrent versions for the retention period), and the role WAL-G assumes
   * through IRSA on the members' ServiceAccount with least privilege on that bucket (and read on a restore
   * source). Nothing without an AWS backup target.
   */
  private backupStore(l: ClusterLayout): AwsBackupStore | undefined {
    const t = l.args.backup?.target;
    if (t?.kind !== "aws") return undefined;
    const d = patroniBackupDefaults;
    const child = { parent: this };
    const name = `${l.name}-backups`;
    const key =
      (t.kms ?? d.kms)
        ? new kms.Key(
            name,
            { description: `PostgreSQL backups of ${l.name}`, enableKeyRotation: true, deletionWindowInDays: 30 },
            child,
          )
        : undefined;
    const bucket = createHardenedBucket(
      name,
      {
        bucketName: t.bucketName,
        forceDestroy: t.forceDestroy ?? d.forceDestroy,
        kmsKeyArn: key?.arn,
        noncurrentVersionExpirationDays: l.args.backup?.retentionDays ?? d.retentionDays,
        abortIncompleteMultipartDays: d.abortIncompleteMultipartDays,
      },
      this,
    );
    const rolePrefix = `${l.name}-walg-`;
    const role = new iam.Role(
      name,
      {
        namePrefix: rolePrefix,
        assumeRolePolicy: pulumi
          // Both present: checkBackupArgs refused an AWS target without them.
          .all([t.oidcProviderArn!, t.oidcIssuerUrl!, pulumi.output(l.ns)])
          .apply(([provider, issuer, ns]) => {
            const trust = renderIrsaTrustPolicy(provider, issuer, ns, l.name) as { Statement: unknown[] };
            return JSON.stringify({
              ...trust,
              Statement: [...trust.Statement, renderSelfAssumeStatement(provider, `${rolePrefix}*`)],
            });
          }),
      },
      child,
    );
    const restoreBucket = l.args.restore?.source;
    const restoreArns =
      restoreBucket && !restoreBucket.endpoint && !restoreBucket.credentialsSecretName
        ? [`arn:aws:s3:::${restoreBucket.bucket}`]
        : [];
    new iam.RolePolicy(
      name,
      {
        role: role.id,
        policy: pulumi
          .all([bucket.arn, key?.arn])
          .apply(([b, k]) => JSON.stringify(renderWalgS3Policy(b, k, restoreArns))),
      },
      child,
    );
    return { bucket: bucket.bucket, region: bucket.region, roleArn: role.arn, kmsKeyArn: key?.arn };
  }

  /**
   * The members' WAL-G environment: archiving and base backups (Args.backup), bootstrap from an archive
   * (Args.restore). Values computed by AWS (bucket, region, role and key ARNs) go through a ConfigMap, so the
   * StatefulSet itself stays fully known on a first preview (its policies can still judge it).
   */
  private archiveEnv(l: ClusterLayout, store: AwsBackupStore | undefined): k8s.types.input.core.v1.EnvVar[] {
    const { backup, restore } = l.args;
    const env: EnvVar[] = [
      ...(backup ? renderBackupEnv(backup, store) : []),
      ...(restore
        ? renderRestoreEnv(
            { ...restore, source: { ...restore.source, region: restore.source.region ?? store?.region } },
            { roleArn: store?.roleArn },
          )
        : []),
    ];
    const computed = env.filter((e) => "value" in e && typeof e.value !== "string");
    if (computed.length === 0) return env;
    const values = new k8s.core.v1.ConfigMap(
      `${l.name}-walg`,
      {
        metadata: { name: `${l.name}-walg`, namespace: l.ns, labels: l.labels },
        data: Object.fromEntries(computed.map((e) => [e.name, (e as { value: pulumi.Input<string> }).value])),
      },
      { parent: this },
    );
    return env.map((e) =>
      "value" in e && typeof e.value !== "string"
        ? { name: e.name, valueFrom: { configMapKeyRef: { name: values.metadata.name, key: e.name } } }
        : e,
    );
  }

  /** IRSA's projected token (audience sts.amazonaws.com) and WAL-G's config file, with an AWS backup target. */
  private archiveVolumes(l: ClusterLayout, config: k8s.core.v1.ConfigMap): k8s.types.input.core.v1.Volume[] {
    if (!usesIrsa(l.args)) return [];
    return [
      {
        name: "aws-iam-token",
        projected: {
          sources: [
            { serviceAccountToken: { audience: "sts.amazonaws.com", expirationSeconds: 86400, path: "token" } },
          ],
        },
      },
      {
        name: "walg-config",
        configMap: { name: config.metadata.name, items: [{ key: "walg.json", path: "walg.json" }] },
      },
    ];
  }

  /** The clients' Services: rw follows the pod Patroni labels leader, ro selects the replicas. */
  private services(l: ClusterLayout): { rw: k8s.core.v1.Service; ro: k8s.core.v1.Service } {
    const { name, ns, labels, selector } = l;
    const service = (
      suffix: string,
      role: string,
      extraPorts: { name: string; port: number; targetPort: number }[] = [],
    ) =>
      new k8s.core.v1.Service(
        `${name}-${suffix}`,
        {
          metadata: { name: `${name}-${suffix}`, namespace: ns, labels },
          spec: {
            selector: { ...selector, [SPILO_ROLE_LABEL]: role },
            ports: [{ name: "postgresql", port: 5432, targetPort: 5432 }, ...extraPorts],
          },
        },
        { parent: this },
      );
    // Patroni labels exactly one pod as leader; the rw Service follows the label.
    return {
      rw: service("rw", SPILO_LEADER_ROLE, [{ name: "patroni", port: 8008, targetPort: 8008 }]),
      ro: service("ro", SPILO_REPLICA_ROLE),
    };
  }

  /**
   * Who reaches the members: PostgreSQL (5432) the clients, members and this cluster's jobs; Patroni's REST
   * API (8008, no authentication) only members and jobs.
   */
  private networkPolicy(l: ClusterLayout): void {
    const { name, ns, labels, selector, args } = l;
    new k8s.networking.v1.NetworkPolicy(
      `${name}-access`,
      {
        metadata: { name: `${name}-access`, namespace: ns, labels },
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [
                { podSelector: { matchLabels: args.clientPodSelector ?? { app: "harbor" } } },
                { podSelector: { matchLabels: selector } },
                { podSelector: { matchLabels: selectorLabels("postgresql-job", name) } },
              ],
              ports: [{ protocol: "TCP", port: 5432 }],
            },
            {
              from: [
                { podSelector: { matchLabels: selector } },
                { podSelector: { matchLabels: selectorLabels("postgresql-job", name) } },
              ],
              ports: [{ protocol: "TCP", port: 8008 }],
            },
          ],
        },
      },
      { parent: this },
    );
  }

  /**
   * Harbor's role and database, created idempotently once the leader answers; and the dynamic
   * configuration (max_connections, timing, ...) PATCHed into the DCS so changes apply after bootstrap.
   * Passwords reach the jobs only through the environment (Secrets), never the script.
   */
  private jobs(
    l: ClusterLayout,
    deps: {
      secrets: ClusterSecrets;
      config: k8s.core.v1.ConfigMap;
      statefulSet: k8s.apps.v1.StatefulSet;
      rw: k8s.core.v1.Service;
    },
  ): k8s.core.v1.ConfigMap {
    const { name, ns, labels, args } = l;
    const scripts = new k8s.core.v1.ConfigMap(
      `${name}-jobs`,
      {
        metadata: { name: `${name}-jobs`, namespace: ns, labels },
        data: {
          "create-harbor-db.sh": renderHarborDbScript(l.database, l.user),
          "apply-dcs.sh": renderApplyDcsScript(),
          ...(l.args.backup ? { [BACKUP_AGE_SCRIPT]: renderBackupAgeScript() } : {}),
          ...(deps.secrets.exporter
            ? {
                [MONITORING_ROLE_SCRIPT]: renderMonitoringRoleScript(
                  POSTGRES_EXPORTER_ROLE,
                  POSTGRES_EXPORTER_CONNECTIONS,
                ),
              }
            : {}),
        },
      },
      { parent: this },
    );
    const rwHost = pulumi.interpolate`${deps.rw.metadata.name}.${ns}.svc.cluster.local`;
    const jobLabels = standardLabels("postgresql-job", name);
    const jobPod = (container: k8s.types.input.core.v1.Container): k8s.types.input.batch.v1.JobSpec => ({
      backoffLimit: 30,
      ttlSecondsAfterFinished: 86400,
      template: {
        // Not the members' labels: the members' Services, PDB and spread must not count job pods.
        metadata: { labels: jobLabels },
        spec: {
          restartPolicy: "OnFailure",
          // They talk to PostgreSQL and Patroni's REST API only: no Kubernetes API token beside the superuser's password.
          automountServiceAccountToken: false,
          ...podPlacement(args.placement),
          containers: [container],
          volumes: [
            { name: "scripts", configMap: { name: scripts.metadata.name } },
            { name: "patroni", configMap: { name: deps.config.metadata.name } },
          ],
        },
      },
    });
    const jobResources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } };
    const mounts = [
      { name: "scripts", mountPath: "/scripts" },
      { name: "patroni", mountPath: "/patroni" },
    ];
    const afterMembers = { parent: this, dependsOn: [deps.statefulSet, deps.rw] };
    // psql Jobs on the leader as the superuser; each role's password comes from its Secret through env.
    const psqlJob = (id: string, container: string, script: string, password: k8s.types.input.core.v1.EnvVar) =>
      new k8s.batch.v1.Job(
        `${name}-${id}`,
        {
          metadata: { name: `${name}-${id}`, namespace: ns, labels },
          spec: jobPod({
            name: container,
            image: PSQL_IMAGE,
            command: ["sh", `/scripts/${script}`],
            env: [
              { name: "PGHOST", value: rwHost },
              { name: "PGPORT", value: "5432" },
              { name: "PGUSER", value: "postgres" },
              { name: "PGSSLMODE", value: "require" },
              secretEnv("PGPASSWORD", deps.secrets.credentials.metadata.name, "superuser"),
              password,
            ],
            resources: jobResources,
            volumeMounts: mounts,
          }),
        },
        afterMembers,
      );
    psqlJob(
      "harbor-db",
      "create-harbor-db",
      "create-harbor-db.sh",
      secretEnv("HARBOR_PASSWORD", deps.secrets.harbor.metadata.name, "password"),
    );
    if (deps.secrets.exporter)
      psqlJob(
        "monitoring-role",
        "create-monitoring-role",
        MONITORING_ROLE_SCRIPT,
        secretEnv("MONITOR_PASSWORD", deps.secrets.exporter.metadata.name, "password"),
      );
    new k8s.batch.v1.Job(
      `${name}-apply-dcs`,
      {
        // The name carries the config's hash: a changed configuration runs a new job.
        metadata: {
          name: `${name}-apply-dcs-${createHash("sha256").update(l.dynamicConfig).digest("hex").slice(0, 8)}`,
          namespace: ns,
          labels,
        },
        spec: jobPod({
          name: "apply-dcs",
          image: SPILO_IMAGE,
          command: ["sh", "/scripts/apply-dcs.sh"],
          env: [{ name: "PATRONI_URL", value: pulumi.interpolate`http://${rwHost}:8008` }],
          resources: jobResources,
          volumeMounts: mounts,
        }),
      },
      afterMembers,
    );
    return scripts;
  }

  /**
   * With backups: a CronJob `<name>-backup-age` that lists the archive with the members' own WAL-G settings
   * (Spilo's envdir for this environment, modelled by spiloS3Envdir) and fails when the newest base backup is
   * older than backupAgeLimits(schedule) allows. Its last success is what the PostgresBaseBackupTooOld alert
   * watches (kube-state-metrics). It runs as the members' ServiceAccount for IRSA (the role's trust names it),
   * without the Kubernetes API token (automountServiceAccountToken: false): it needs the bucket, not Patroni's Role.
   */
  private backupAgeCheck(
    l: ClusterLayout,
    deps: {
      store: AwsBackupStore | undefined;
      account: k8s.core.v1.ServiceAccount;
      config: k8s.core.v1.ConfigMap;
      scripts: k8s.core.v1.ConfigMap;
    },
  ): void {
    const backup = l.args.backup;
    if (!backup) return;
    // checkBackupArgs refused a schedule this model cannot read.
    const limits = backupAgeLimits(backup.schedule ?? patroniBackupDefaults.schedule)!;
    const { name, ns, labels, args } = l;
    const checkName = backupAgeCheckName(name);
    const rendered = renderBackupEnv(backup, deps.store);
    const fromSecrets = rendered.filter((e) => "valueFrom" in e);
    const plain = Object.fromEntries(
      rendered.flatMap((e) => ("value" in e ? [[e.name, e.value] as [string, pulumi.Input<string>]] : [])),
    );
    // What Spilo writes into the members' envdir; keys held in Secrets stay references. Values AWS computes
    // (bucket, region, ARNs) go through the model as tokens and come back as outputs, key by key, so a first
    // preview knows every other value (policies judge the ConfigMap instead of "unknown until apply").
    const tokens = new Map<string, pulumi.Input<string>>();
    const modelled = Object.fromEntries(
      Object.entries(plain).map(([k, v]) => {
        if (typeof v === "string") return [k, v];
        tokens.set(k, v);
        return [k, `@@computed:${k}@@`];
      }),
    );
    const present = Object.fromEntries(fromSecrets.map((e) => [e.name, "from-a-secret"]));
    const w = spiloS3Envdir({ ...modelled, ...present, SCOPE: name, PGVERSION: SPILO_PGVERSION });
    for (const n of Object.keys(present)) delete w[n];
    const envdir = Object.fromEntries(
      Object.entries(w).map(([k, v]) => {
        const parts = v.split(/@@computed:(\w+)@@/).map((p, i) => (i % 2 ? tokens.get(p)! : p));
        return [k, parts.length === 1 ? v : pulumi.concat(...parts)];
      }),
    );
    const env = new k8s.core.v1.ConfigMap(
      `${checkName}-env`,
      { metadata: { name: `${checkName}-env`, namespace: ns, labels }, data: envdir },
      { parent: this },
    );
    const irsa = usesIrsa(args);
    new k8s.batch.v1.CronJob(
      checkName,
      {
        metadata: { name: checkName, namespace: ns, labels },
        spec: {
          schedule: limits.checkSchedule,
          concurrencyPolicy: "Forbid",
          startingDeadlineSeconds: 600,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              // One attempt: a failure is the signal (kube-state-metrics' last successful time stops).
              backoffLimit: 0,
              activeDeadlineSeconds: 600,
              ttlSecondsAfterFinished: 86400,
              template: {
                metadata: { labels: standardLabels("postgresql-backup-age", name) },
                spec: {
                  restartPolicy: "Never",
                  serviceAccountName: deps.account.metadata.name,
                  automountServiceAccountToken: false,
                  ...podPlacement(args.placement),
                  containers: [
                    {
                      name: "backup-age",
                      image: SPILO_IMAGE,
                      command: ["python3", `/scripts/${BACKUP_AGE_SCRIPT}`],
                      envFrom: [{ configMapRef: { name: env.metadata.name } }],
                      env: [
                        { name: "MAX_BACKUP_AGE_SECONDS", value: String(limits.maxAgeSeconds) },
                        // WAL-G reads $HOME/.walg.json (AWS_ROLE_SESSION_NAME with IRSA, see renderWalgConfigFile).
                        { name: "HOME", value: WALG_CONFIG_FILE.replace(/\/[^/]*$/, "") },
                        ...fromSecrets,
                      ],
                      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                      securityContext: { allowPrivilegeEscalation: false },
                      volumeMounts: [
                        { name: "scripts", mountPath: "/scripts" },
                        ...(irsa
                          ? [
                              { name: "aws-iam-token", mountPath: IRSA_TOKEN_DIR, readOnly: true },
                              {
                                name: "walg-config",
                                mountPath: WALG_CONFIG_FILE,
                                subPath: "walg.json",
                                readOnly: true,
                              },
                            ]
                          : []),
                      ],
                    },
                  ],
                  volumes: [
                    { name: "scripts", configMap: { name: deps.scripts.metadata.name } },
                    ...this.archiveVolumes(l, deps.config),
                  ],
                },
              },
            },
          },
        },
      },
      { parent: this },
    );
  }
}

/** The backup-age check's script in the jobs' ConfigMap. */
const BACKUP_AGE_SCRIPT = "backup-age.py";
/** The exporter role's script in the jobs' ConfigMap. */
const MONITORING_ROLE_SCRIPT = "create-monitoring-role.sh";

/** The backup-age CronJob of a cluster (the alert selects kube-state-metrics' series by this name). */
export function backupAgeCheckName(cluster: string): string {
  return `${cluster}-backup-age`;
}

/** What every builder of a cluster reads: the resolved Args, names, labels and the rendered configuration. */
interface ClusterLayout {
  name: string;
  args: PatroniClusterArgs;
  ns: pulumi.Input<string>;
  members: number;
  cpu: number;
  memoryGi: number;
  database: string;
  user: string;
  /** Labels of every object; `selector` selects the members. */
  labels: Record<string, string>;
  selector: Record<string, string>;
  /** One copy for every member: Spilo sets each pod's name, addresses and namespace from the pod. */
  patroniYaml: string;
  /** bootstrap.dcs: applies only when the cluster is first initialised; later changes are PATCHed (apply-dcs Job). */
  dynamicConfig: string;
  budget: ConnectionBudget;
  /** WAL-G's environment (backup and restore), once the backup store exists. */
  archiveEnv: k8s.types.input.core.v1.EnvVar[];
}

/** Whether the members get AWS credentials through IRSA (an AWS backup target). */
function usesIrsa(args: PatroniClusterArgs): boolean {
  return args.backup?.target.kind === "aws";
}

/** The members' credentials (`superuser`, `replication`), Harbor's and the metrics exporter's (`password`). */
interface ClusterSecrets {
  credentials: k8s.core.v1.Secret;
  harbor: k8s.core.v1.Secret;
  /** With the exporter sidecar only. */
  exporter?: k8s.core.v1.Secret;
}

/** The connection budget a cluster of these (valid) Args gets: its `budget`, known before it exists. Pure. */
export function patroniClusterBudget(name: string, args: PatroniClusterArgs): ConnectionBudget {
  return clusterLayout(name, args).budget;
}

function clusterLayout(name: string, args: PatroniClusterArgs): ClusterLayout {
  const d = patroniClusterDefaults;
  const members = args.members ?? d.members;
  const memoryGi = args.memoryGi ?? d.memoryGi;
  const { config: patroni, budget } = renderClusterPatroniConfig(name, {
    members,
    memoryGi,
    synchronousMode: args.synchronousMode,
    timing: args.timing,
    clientPools: budgetedPoolsOf(args),
    archiveTimeoutSeconds: args.backup
      ? (args.backup.archiveTimeoutSeconds ?? patroniBackupDefaults.archiveTimeoutSeconds)
      : undefined,
  });
  return {
    name,
    args,
    ns: args.namespace ?? d.namespace,
    members,
    cpu: args.cpu ?? d.cpu,
    memoryGi,
    database: args.database ?? d.database,
    user: args.user ?? d.user,
    labels: standardLabels("postgresql", name, { [SPILO_SCOPE_LABEL]: name, ...SPILO_APP_LABELS }),
    selector: { ...selectorLabels("postgresql", name), [SPILO_SCOPE_LABEL]: name },
    patroniYaml: stringify(sharedSpiloConfig(patroni)),
    dynamicConfig: JSON.stringify((patroni.bootstrap as { dcs: unknown }).dcs),
    budget,
    archiveEnv: [],
  };
}

const fieldEnv = (envName: string, fieldPath: string) => ({
  name: envName,
  valueFrom: { fieldRef: { fieldPath } },
});

const secretEnv = (envName: string, secretName: pulumi.Input<string>, key: string) => ({
  name: envName,
  valueFrom: { secretKeyRef: { name: secretName, key } },
});

/** Every pool the budget counts: the clients' and, with the sidecar, each member's postgres_exporter. */
function budgetedPoolsOf(args: PatroniClusterArgs) {
  return [
    ...clientPoolsOf(args),
    ...postgresExporterPools(args.members ?? patroniClusterDefaults.members, args.metricsExporter ?? false),
  ];
}

/** The exporter's credentials: its own pg_monitor role and Secret, never the superuser (sslmode as Harbor's). */
function exporterArgs(secret: k8s.core.v1.Secret) {
  return {
    credentialsSecretName: secret.metadata.name,
    passwordKey: "password",
    user: POSTGRES_EXPORTER_ROLE,
    sslmode: "require",
  };
}

/** Every problem of Args no cluster could run (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkPatroniClusterArgs(name: string, args: PatroniClusterArgs): ArgsProblem[] {
  const d = patroniClusterDefaults;
  const members = args.members ?? d.members;
  const memoryGi = args.memoryGi ?? d.memoryGi;
  const cpu = args.cpu ?? d.cpu;
  const pools = budgetedPoolsOf(args);
  const check = new ArgsChecker("PatroniCluster", name);
  check.atLeast(members, 1, "members");
  check.check(
    memoryGi >= 0.5,
    "memoryGi",
    `must be at least 0.5, got ${memoryGi}`,
    "give each member at least 0.5 GiB",
  );
  check.check(cpu > 0, "cpu", `must be positive, got ${cpu}`, "request at least 0.1 CPU");
  check.atLeast(args.volumeGb ?? d.volumeGb, 1, "volumeGb");
  // Each pool checked, then (when they are sound) the budget they make: one formula, components/conventions/connectionBudget.ts.
  const simpleForm = !args.clientPools && args.clientPool !== undefined;
  const poolKey = simpleForm ? "clientPool" : "clientPools";
  const minReplicas = simpleForm ? 1 : 0;
  let poolsSound = true;
  pools.forEach((p, i) => {
    const at = simpleForm ? "clientPool" : `clientPools[${i}]`;
    const replicasOk = Number.isInteger(p.replicas) && p.replicas >= minReplicas;
    const connsOk = Number.isInteger(p.maxOpenConns) && p.maxOpenConns >= 1;
    poolsSound &&= replicasOk && connsOk;
    check.check(
      replicasOk,
      simpleForm ? `${at}.pods` : `${at}.replicas`,
      `must be a whole number >= ${minReplicas}, got ${p.replicas}`,
      "give the pods that hold a pool",
    );
    check.check(
      connsOk,
      `${at}.maxOpenConns`,
      `must be a whole number >= 1, got ${p.maxOpenConns}`,
      "give Harbor's database.maxOpenConns",
    );
  });
  if (poolsSound)
    for (const b of connectionBudgetProblems({ pools, members, memoryGi }))
      check.check(false, poolKey, b.problem, b.fix);
  const timingProblem = checkPatroniTiming(args.timing);
  check.check(
    !timingProblem,
    "timing",
    timingProblem ?? "",
    "adjust timing so that loop_wait + 2*retry_timeout <= ttl",
  );
  check.check(
    /^[a-z_][a-z0-9_]*$/.test(args.database ?? d.database),
    "database",
    `"${args.database}" is not a plain PostgreSQL identifier`,
    "use lowercase letters, digits and _",
  );
  check.check(
    /^[a-z_][a-z0-9_]*$/.test(args.user ?? d.user),
    "user",
    `"${args.user}" is not a plain PostgreSQL identifier`,
    "use lowercase letters, digits and _",
  );
  const roleProblem = reservedRoleProblem(args.user ?? d.user, ["postgres", "standby", POSTGRES_EXPORTER_ROLE]);
  check.check(!roleProblem, "user", roleProblem ?? "", 'give Harbor a role of its own, e.g. "harbor"');
  checkBackupArgs(check, args.backup, args.restore);
  return check.problems;
}

/**
 * Exactly what Patroni's Kubernetes DCS uses with ConfigMaps (`use_endpoints: false`): the leader,
 * config, sync and failsafe ConfigMaps (delete/deletecollection only for `patronictl remove`), and its
 * members' pods (role labels, member state annotations). No endpoints, services or pod creation.
 */
export const PATRONI_KUBERNETES_DCS_RULES = [
  {
    apiGroups: [""],
    resources: ["configmaps"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
  },
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "patch", "update"] },
];

/** Spilo's major PostgreSQL version (the image is spilo-17): PGVERSION, so Spilo never guesses bin_dir. */
export const SPILO_PGVERSION = "17";

/** Seconds the kubelet waits after SIGTERM: a switchover plus a checkpoint of GBs of shared buffers. */
export const PATRONI_TERMINATION_GRACE_SECONDS = 300;

/**
 * preStop of a member: when this pod is the leader, ask Patroni (its REST API, on the pod) to switch
 * over to a healthy replica and wait until it no longer is the primary, so a rollout or drain never
 * SIGTERMs the leader. A lone member (no candidate) answers 412 and simply stops.
 */
export function renderPreStopSwitchover(waitSeconds = 120): string {
  return [
    "if curl -fsS -o /dev/null http://localhost:8008/primary; then",
    `  curl -sS -X POST -H 'Content-Type: application/json' -d "{\\"leader\\":\\"$HOSTNAME\\"}" http://localhost:8008/switchover || true`,
    "  i=0",
    `  while [ $i -lt ${waitSeconds} ] && curl -fsS -o /dev/null http://localhost:8008/primary; do sleep 1; i=$((i + 1)); done`,
    "fi",
  ].join("\n");
}
