import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import { stringify } from "yaml";
import { ComponentTypes } from "../tokens";
import {
  ArgsChecker,
  HARBOR_DATABASE_LABEL,
  Placement,
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
import { renderApplyDcsScript, renderHarborDbScript } from "./renderJobScripts";

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
 * The price: backups, cloning and major upgrades are not automated here (the operator does them).
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
    const d = patroniClusterDefaults;
    const members = args.members ?? d.members;
    const memoryGi = args.memoryGi ?? d.memoryGi;
    const cpu = args.cpu ?? d.cpu;
    const pools = clientPoolsOf(args);
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
    // Each pool checked, then (when they are sound) the budget they make: one formula, components/postgres/connectionBudget.ts.
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
    const roleProblem = reservedRoleProblem(args.user ?? d.user, ["postgres", "standby"]);
    check.check(!roleProblem, "user", roleProblem ?? "", 'give Harbor a role of its own, e.g. "harbor"');
    check.throwIfAny();
    super(PatroniCluster.__pulumiType, name, {}, opts);

    const ns = args.namespace ?? d.namespace;
    const database = args.database ?? d.database;
    const user = args.user ?? d.user;
    const labels = standardLabels("postgresql", name, { [SPILO_SCOPE_LABEL]: name, ...SPILO_APP_LABELS });
    const selector = { ...selectorLabels("postgresql", name), [SPILO_SCOPE_LABEL]: name };
    const { config: patroni, budget } = renderClusterPatroniConfig(name, {
      members,
      memoryGi,
      synchronousMode: args.synchronousMode,
      timing: args.timing,
      clientPools: pools,
    });
    this.budget = budget;
    // One copy for every member: Spilo sets each pod's name, addresses and namespace from the pod.
    const patroniYaml = stringify(sharedSpiloConfig(patroni));
    // bootstrap.dcs applies only when the cluster is first initialised; later changes are PATCHed into the DCS (job below).
    const dynamicConfig = JSON.stringify((patroni.bootstrap as { dcs: unknown }).dcs);

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
    const roleObject = `${name}-${user.replace(/_/g, "-")}`;
    const harborSecret = new k8s.core.v1.Secret(
      roleObject,
      {
        metadata: { name: roleObject, namespace: ns, labels },
        type: "Opaque",
        stringData: { password: password(user.replace(/_/g, "-")) },
      },
      child,
    );
    const config = new k8s.core.v1.ConfigMap(
      `${name}-patroni`,
      {
        metadata: { name: `${name}-patroni`, namespace: ns, labels },
        data: { "patroni.yaml": patroniYaml, "dcs.json": dynamicConfig },
      },
      child,
    );

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

    const fieldEnv = (envName: string, fieldPath: string) => ({
      name: envName,
      valueFrom: { fieldRef: { fieldPath } },
    });
    const secretEnv = (envName: string, secretName: pulumi.Input<string>, key: string) => ({
      name: envName,
      valueFrom: { secretKeyRef: { name: secretName, key } },
    });
    const resources = {
      requests: { cpu: `${cpu}`, memory: `${memoryGi}Gi` },
      limits: { cpu: `${cpu}`, memory: `${memoryGi}Gi` },
    };
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
          labels: args.harborDatabase ? { ...labels, [HARBOR_DATABASE_LABEL]: "true" } : labels,
        },
        spec: {
          serviceName: headless.metadata.name,
          replicas: members,
          podManagementPolicy: "Parallel",
          selector: { matchLabels: selector },
          template: {
            metadata: {
              labels,
              annotations: {
                "harbor-ha.io/patroni-config-sha256": createHash("sha256")
                  .update(patroniYaml)
                  .digest("hex")
                  .slice(0, 16),
              },
            },
            spec: {
              serviceAccountName: account.metadata.name,
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
              volumes: [{ name: "dshm", emptyDir: { medium: "Memory" } }],
              containers: [
                {
                  name: "postgres",
                  image: SPILO_IMAGE,
                  ports: [
                    { name: "postgresql", containerPort: 5432 },
                    { name: "patroni", containerPort: 8008 },
                  ],
                  resources,
                  env: [
                    fieldEnv("POD_NAMESPACE", "metadata.namespace"),
                    fieldEnv("POD_IP", "status.podIP"),
                    { name: "SCOPE", value: name },
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
                    secretEnv("PGPASSWORD_SUPERUSER", credentials.metadata.name, "superuser"),
                    secretEnv("PGPASSWORD_STANDBY", credentials.metadata.name, "replication"),
                    secretEnv("PATRONI_SUPERUSER_PASSWORD", credentials.metadata.name, "superuser"),
                    secretEnv("PATRONI_REPLICATION_PASSWORD", credentials.metadata.name, "replication"),
                    secretEnv("PATRONI_REWIND_PASSWORD", credentials.metadata.name, "superuser"),
                    {
                      name: "SPILO_CONFIGURATION",
                      valueFrom: { configMapKeyRef: { name: config.metadata.name, key: "patroni.yaml" } },
                    },
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
                  ],
                },
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
        child,
      );
    // Patroni labels exactly one pod as leader; the rw Service follows the label.
    const rw = service("rw", SPILO_LEADER_ROLE, [{ name: "patroni", port: 8008, targetPort: 8008 }]);
    const ro = service("ro", SPILO_REPLICA_ROLE);
    const rwHost = pulumi.interpolate`${rw.metadata.name}.${ns}.svc.cluster.local`;

    // Harbor's role and database, created idempotently once the leader answers; and the dynamic
    // configuration (max_connections, timing, ...) PATCHed into the DCS so changes apply after bootstrap.
    // Passwords reach the job only through the environment (Secrets), never the script.
    const scripts = new k8s.core.v1.ConfigMap(
      `${name}-jobs`,
      {
        metadata: { name: `${name}-jobs`, namespace: ns, labels },
        data: { "create-harbor-db.sh": renderHarborDbScript(database, user), "apply-dcs.sh": renderApplyDcsScript() },
      },
      child,
    );
    const jobLabels = standardLabels("postgresql-job", name);
    // Patroni's REST API (8008) has no authentication: only members and this cluster's jobs reach it;
    // PostgreSQL (5432) is open to the clients too.
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
      child,
    );
    const jobPod = (container: k8s.types.input.core.v1.Container): k8s.types.input.batch.v1.JobSpec => ({
      backoffLimit: 30,
      ttlSecondsAfterFinished: 86400,
      template: {
        // Not the members' labels: the members' Services, PDB and spread must not count job pods.
        metadata: { labels: jobLabels },
        spec: {
          restartPolicy: "OnFailure",
          ...podPlacement(args.placement),
          containers: [container],
          volumes: [
            { name: "scripts", configMap: { name: scripts.metadata.name } },
            { name: "patroni", configMap: { name: config.metadata.name } },
          ],
        },
      },
    });
    const jobResources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } };
    const mounts = [
      { name: "scripts", mountPath: "/scripts" },
      { name: "patroni", mountPath: "/patroni" },
    ];
    new k8s.batch.v1.Job(
      `${name}-harbor-db`,
      {
        metadata: { name: `${name}-harbor-db`, namespace: ns, labels },
        spec: jobPod({
          name: "create-harbor-db",
          image: PSQL_IMAGE,
          command: ["sh", "/scripts/create-harbor-db.sh"],
          env: [
            { name: "PGHOST", value: rwHost },
            { name: "PGPORT", value: "5432" },
            { name: "PGUSER", value: "postgres" },
            { name: "PGSSLMODE", value: "require" },
            secretEnv("PGPASSWORD", credentials.metadata.name, "superuser"),
            secretEnv("HARBOR_PASSWORD", harborSecret.metadata.name, "password"),
          ],
          resources: jobResources,
          volumeMounts: mounts,
        }),
      },
      { parent: this, dependsOn: [statefulSet, rw] },
    );
    new k8s.batch.v1.Job(
      `${name}-apply-dcs`,
      {
        // The name carries the config's hash: a changed configuration runs a new job.
        metadata: {
          name: `${name}-apply-dcs-${createHash("sha256").update(dynamicConfig).digest("hex").slice(0, 8)}`,
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
      { parent: this, dependsOn: [statefulSet, rw] },
    );

    this.host = pulumi.all([rw.metadata.name, pulumi.output(ns)]).apply(([svc, n]) => serviceHost(svc, n));
    this.readOnlyHost = pulumi.all([ro.metadata.name, pulumi.output(ns)]).apply(([svc, n]) => serviceHost(svc, n));
    this.port = pulumi.output(5432);
    this.database = pulumi.output(database);
    this.user = pulumi.output(user);
    this.passwordSecretName = harborSecret.metadata.name;
    // Spilo serves TLS with its own certificate and pg_hba requires it (hostssl): encrypted, not verified.
    this.sslmode = pulumi.output("require");
    this.maxConnections = pulumi.output(budget.maxConnections);
    this.connectionBudget = pulumi.output(budget);
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
