/**
 * The cluster flavour of Patroni's configuration: what PatroniCluster hands to Spilo. Pure, so the
 * drills can validate exactly this with `patroni --validate-config`.
 */
import { ConnectionBudget, DbPool } from "../conventions/connectionBudget";
import { DEFAULT_NAMESPACE } from "../conventions/namespace";
import { patroniSettings, PatroniTiming, renderPatroniConfig } from "./renderPatroniConfig";
import { withArchiving } from "./walgBackup";

/** Spilo's data layout and labels (its conventions; the Services select on the role label). */
export const SPILO_PGROOT = "/home/postgres/pgdata/pgroot";
export const SPILO_SCOPE_LABEL = "cluster-name";
export const SPILO_ROLE_LABEL = "spilo-role";
export const SPILO_LEADER_ROLE = "master";
export const SPILO_REPLICA_ROLE = "replica";
export const SPILO_APP_LABELS = { application: "spilo" };

/** The sizing a cluster's Patroni configuration depends on (a subset of PatroniClusterArgs). */
export interface ClusterConfigArgs {
  namespace?: string;
  members?: number;
  memoryGi?: number;
  synchronousMode?: boolean;
  timing?: PatroniTiming;
  clientPools?: DbPool[];
  clientPool?: { pods: number; maxOpenConns: number };
  /** With backups: archive_timeout in seconds (archive_mode on). Default: none (Spilo's, WAL thrown away). */
  archiveTimeoutSeconds?: number;
}

/** PatroniCluster's defaults (stack config and HarborPlatform use these, never copies). */
export const patroniClusterDefaults = {
  namespace: DEFAULT_NAMESPACE,
  members: 3,
  storageClass: "gp3",
  volumeGb: 1024,
  cpu: 4,
  memoryGi: 16,
  synchronousMode: true,
  database: "registry",
  user: "harbor",
  /** Harbor's pools at the chart's 2 replicas and our maxOpenConns 100: core, jobservice, exporter. */
  clientPools: [
    { component: "core", replicas: 2, maxOpenConns: 100 },
    { component: "jobservice", replicas: 2, maxOpenConns: 100 },
    { component: "exporter", replicas: 2, maxOpenConns: 100 },
  ] as DbPool[],
};

/** The pools a cluster serves: `clientPools`, else the simple `clientPool` form (pods as given, no surge). */
export function clientPoolsOf(args: Pick<ClusterConfigArgs, "clientPools" | "clientPool">): DbPool[] {
  if (args.clientPools) return args.clientPools;
  if (args.clientPool)
    return [
      { component: "clients", replicas: args.clientPool.pods, maxOpenConns: args.clientPool.maxOpenConns, maxSurge: 0 },
    ];
  return patroniClusterDefaults.clientPools;
}

/** The headless Service name that gives members stable DNS names. */
export const membersServiceName = (name: string) => `${name}-members`;

/** Stable DNS name of member `i` (StatefulSet pod + headless Service). */
export function memberHost(name: string, namespace: string, i: number): string {
  return `${name}-${i}.${membersServiceName(name)}.${namespace}.svc.cluster.local`;
}

/**
 * Full Patroni configuration of member `index` of cluster `name`, Kubernetes DCS. Spilo fills the
 * member's identity at run time from the pod (name, pod IP); `sharedSpiloConfig` removes it.
 */
export function renderClusterPatroniConfig(
  name: string,
  args: ClusterConfigArgs,
  index = 0,
): { config: Record<string, unknown>; budget: ConnectionBudget } {
  const d = patroniClusterDefaults;
  const ns = args.namespace ?? d.namespace;
  const { budget, ...settings } = patroniSettings({
    scope: name,
    members: args.members ?? d.members,
    memoryGi: args.memoryGi ?? d.memoryGi,
    synchronousMode: args.synchronousMode ?? d.synchronousMode,
    timing: args.timing,
    pools: clientPoolsOf(args),
  });
  const host = memberHost(name, ns, index);
  const config = renderPatroniConfig({
    ...settings,
    requireSsl: true,
    dcs: {
      type: "kubernetes",
      labels: SPILO_APP_LABELS,
      scopeLabel: SPILO_SCOPE_LABEL,
      roleLabel: SPILO_ROLE_LABEL,
      leaderLabelValue: SPILO_LEADER_ROLE,
    },
    member: {
      name: `${name}-${index}`,
      restApiListen: "0.0.0.0:8008",
      restApiConnect: `${host}:8008`,
      postgresListen: "0.0.0.0:5432",
      postgresConnect: `${host}:5432`,
      dataDir: `${SPILO_PGROOT}/data`,
      pgpass: "/run/postgresql/pgpass",
    },
  });
  return {
    config: args.archiveTimeoutSeconds !== undefined ? withArchiving(config, args.archiveTimeoutSeconds) : config,
    budget,
  };
}

/**
 * The part of the configuration every member shares (the SPILO_CONFIGURATION ConfigMap): member
 * identity and addresses are dropped, Spilo sets them per pod (pod name, pod IP).
 */
export function sharedSpiloConfig(config: Record<string, unknown>): Record<string, unknown> {
  const {
    name: _name,
    restapi,
    postgresql,
    ...rest
  } = config as { name: string; restapi: Record<string, unknown>; postgresql: Record<string, unknown> };
  const { connect_address: _r, ...restapiShared } = restapi;
  const { connect_address: _p, ...postgresqlShared } = postgresql;
  return { ...rest, restapi: restapiShared, postgresql: postgresqlShared };
}
