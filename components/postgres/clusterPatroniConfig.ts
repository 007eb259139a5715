/**
 * The cluster flavour of Patroni's configuration: what PatroniCluster hands to Spilo. Pure, so the
 * drills can validate exactly this with `patroni --validate-config`.
 */
import { ConnectionBudget } from "./connectionBudget";
import { patroniSettings, PatroniTiming, renderPatroniConfig } from "./renderPatroniConfig";

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
  clientPool?: { pods: number; maxOpenConns: number };
}

/** PatroniCluster's defaults for the fields above. */
export const CLUSTER_DEFAULTS = {
  namespace: "harbor",
  members: 3,
  memoryGi: 16,
  synchronousMode: true,
  clientPool: { pods: 4, maxOpenConns: 100 },
};

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
  const ns = args.namespace ?? CLUSTER_DEFAULTS.namespace;
  const { budget, ...settings } = patroniSettings({
    scope: name,
    members: args.members ?? CLUSTER_DEFAULTS.members,
    memoryGi: args.memoryGi ?? CLUSTER_DEFAULTS.memoryGi,
    synchronousMode: args.synchronousMode ?? CLUSTER_DEFAULTS.synchronousMode,
    timing: args.timing,
    clientPool: args.clientPool ?? CLUSTER_DEFAULTS.clientPool,
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
  return { config, budget };
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
