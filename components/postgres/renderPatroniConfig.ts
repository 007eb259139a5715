/**
 * Patroni's configuration, from one pure function. The cluster (Spilo on Kubernetes, Kubernetes DCS)
 * and the local failover drills (etcd3 DCS on 127.0.0.1) both run what this renders: only the DCS
 * section, the member's addresses and whether client connections must use TLS differ.
 */
import { computeConnectionBudget, ConnectionBudget, DbPool } from "../conventions/connectionBudget";

export interface PatroniTiming {
  /** Leader key TTL in seconds. Default: 30. */
  ttl?: number;
  /** Seconds between HA loop runs. Default: 10. */
  loopWait?: number;
  /** Seconds to retry DCS and PostgreSQL operations. Default: 10. */
  retryTimeout?: number;
  /** Bytes a replica may lag and still be promoted (async mode). Default: 1048576 (1 MiB). */
  maximumLagOnFailover?: number;
}

/** Where Patroni keeps its leader lock and cluster state. */
export type PatroniDcs =
  | {
      type: "kubernetes";
      /** Namespace of the lock objects. Default: the pod's namespace (Spilo/Patroni read it from the environment). */
      namespace?: string;
      /** Labels on the objects Patroni creates and the pods it watches. */
      labels: Record<string, string>;
      /** Label holding the cluster (scope) name. */
      scopeLabel: string;
      /** Label Patroni sets to the member's role (the rw/ro Services select on it). */
      roleLabel: string;
      /** Value of `roleLabel` on the leader. Patroni 4 defaults to `primary`; Spilo's convention is `master`. */
      leaderLabelValue: string;
    }
  | {
      type: "etcd3";
      /** etcd endpoints, host:port. */
      hosts: string[];
    };

/** One member's identity and paths. */
export interface PatroniMember {
  /** Member name (pod name in the cluster). */
  name: string;
  /** host:port Patroni's REST API listens on. */
  restApiListen: string;
  /** host:port other members reach the REST API at. */
  restApiConnect: string;
  /** host:port PostgreSQL listens on. */
  postgresListen: string;
  /** host:port other members reach PostgreSQL at. */
  postgresConnect: string;
  /** Data directory. */
  dataDir: string;
  /** PostgreSQL binaries. Default: not set (Spilo/Patroni find them). */
  binDir?: string;
  /** Where Patroni writes its pgpass file. */
  pgpass: string;
  /** Directory of PostgreSQL's Unix socket. Default: not set (PostgreSQL's default). */
  socketDir?: string;
}

/** Everything that makes the cluster what it is; identical in the cluster and the drills. */
export interface PatroniSettings {
  /** Cluster name (Patroni scope). */
  scope: string;
  /** Memory requested per member, GiB: sizes shared_buffers and friends. */
  memoryGi: number;
  /** PostgreSQL max_connections (see computeConnectionBudget). */
  maxConnections: number;
  /** Members in the cluster (sizes WAL senders and slots). */
  members: number;
  /** Synchronous replication: no acknowledged commit is lost on failover. Default: true. */
  synchronousMode?: boolean;
  /** DCS timing. Default: Patroni's (ttl 30, loop_wait 10, retry_timeout 10). */
  timing?: PatroniTiming;
  /** Superuser name (password from PATRONI_SUPERUSER_PASSWORD). Default: `postgres`. */
  superuser?: string;
  /** Replication user name (password from PATRONI_REPLICATION_PASSWORD). Default: `standby`. */
  replicationUser?: string;
}

export interface PatroniConfigArgs extends PatroniSettings {
  /** CIDR allowed in pg_hba for replication and clients. Default: 0.0.0.0/0 (Services and NetworkPolicies restrict). */
  clientCidr?: string;
  /** Require TLS for network clients (`hostssl` lines; Spilo makes a certificate). Default: true. */
  requireSsl?: boolean;
  dcs: PatroniDcs;
  member: PatroniMember;
}

export class PatroniConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PatroniConfigError";
  }
}

/** Patroni's defaults; the component uses them unless Args say otherwise. */
export const DEFAULT_TIMING: Required<PatroniTiming> = {
  ttl: 30,
  loopWait: 10,
  retryTimeout: 10,
  maximumLagOnFailover: 1048576,
};

/** Patroni's timing rule: the leader must be able to renew its key (a loop plus two retries) within the TTL. */
export function checkPatroniTiming(t: PatroniTiming = {}): string | undefined {
  const ttl = t.ttl ?? DEFAULT_TIMING.ttl;
  const loopWait = t.loopWait ?? DEFAULT_TIMING.loopWait;
  const retryTimeout = t.retryTimeout ?? DEFAULT_TIMING.retryTimeout;
  const problems: string[] = [];
  for (const [k, v] of Object.entries({ ttl, loop_wait: loopWait, retry_timeout: retryTimeout })) {
    if (!Number.isInteger(v) || v < 1) problems.push(`${k} must be a positive integer of seconds, got ${v}`);
  }
  if (problems.length) return problems.join("; ");
  if (loopWait + 2 * retryTimeout > ttl) {
    return `loop_wait + 2 * retry_timeout must be <= ttl, got ${loopWait} + 2 * ${retryTimeout} = ${loopWait + 2 * retryTimeout} > ttl ${ttl}; raise ttl to at least ${loopWait + 2 * retryTimeout} or lower loop_wait / retry_timeout`;
  }
  return undefined;
}

const mb = (n: number) => `${Math.max(1, Math.floor(n))}MB`;

/** PostgreSQL memory settings for `memoryGi` of RAM and `maxConnections` sessions. */
export function memoryParameters(memoryGi: number, maxConnections: number): Record<string, string> {
  const totalMb = memoryGi * 1024;
  return {
    // The usual starting points: 25 % shared buffers, 75 % of RAM as the planner's cache estimate.
    shared_buffers: mb(totalMb * 0.25),
    effective_cache_size: mb(totalMb * 0.75),
    maintenance_work_mem: mb(Math.min(2048, Math.max(16, totalMb * 0.05))),
    // A quarter of RAM shared by every session's sorts; never below PostgreSQL's 4MB default.
    work_mem: mb(Math.max(4, (totalMb * 0.25) / maxConnections)),
  };
}

/** WAL senders and slots: one per member plus spares for rebuilds and pg_basebackup; never below 10. */
export function replicationCapacity(members: number): number {
  return Math.max(10, members * 2 + 2);
}

/** The settings of a cluster from its sizing (shared by the component and the drills). */
export function patroniSettings(a: {
  scope: string;
  members: number;
  memoryGi: number;
  synchronousMode?: boolean;
  timing?: PatroniTiming;
  /** Components that each hold a connection pool (Harbor: core, jobservice, exporter). */
  pools: DbPool[];
}): PatroniSettings & { budget: ConnectionBudget } {
  const budget = computeConnectionBudget({ pools: a.pools, members: a.members, memoryGi: a.memoryGi });
  return {
    scope: a.scope,
    members: a.members,
    memoryGi: a.memoryGi,
    synchronousMode: a.synchronousMode ?? true,
    timing: a.timing,
    maxConnections: budget.maxConnections,
    budget,
  };
}

/** Patroni's YAML configuration (as an object) of one member. Throws PatroniConfigError on a timing that breaks the rule. */
export function renderPatroniConfig(args: PatroniConfigArgs): Record<string, unknown> {
  const timingProblem = checkPatroniTiming(args.timing);
  if (timingProblem) throw new PatroniConfigError(`Patroni config for "${args.scope}": ${timingProblem}`);
  const t = { ...DEFAULT_TIMING, ...args.timing };
  const superuser = args.superuser ?? "postgres";
  const replicationUser = args.replicationUser ?? "standby";
  const cidr = args.clientCidr ?? "0.0.0.0/0";
  const host = (args.requireSsl ?? true) ? "hostssl" : "host";
  const m = args.member;
  const dcs =
    args.dcs.type === "kubernetes"
      ? {
          kubernetes: {
            ...(args.dcs.namespace ? { namespace: args.dcs.namespace } : {}),
            labels: args.dcs.labels,
            scope_label: args.dcs.scopeLabel,
            role_label: args.dcs.roleLabel,
            leader_label_value: args.dcs.leaderLabelValue,
            // ConfigMaps hold the leader lock: no Endpoints object competes with the Services' own.
            use_endpoints: false,
          },
        }
      : { etcd3: { hosts: args.dcs.hosts } };
  // A pg_hba list replaces Spilo's whole (its deep_update), so the replication lines are ours: the local
  // one lets Patroni read a replica's timeline and LSN over the socket (its check before pg_rewind).
  const pgHba = [
    "local all all trust",
    `local replication ${replicationUser} trust`,
    `${host} replication ${replicationUser} ${cidr} scram-sha-256`,
    `${host} all all ${cidr} scram-sha-256`,
  ];
  const sync = args.synchronousMode ?? true;
  const { shared_buffers, ...dcsMemoryParameters } = memoryParameters(args.memoryGi, args.maxConnections);
  return {
    scope: args.scope,
    name: m.name,
    restapi: { listen: m.restApiListen, connect_address: m.restApiConnect },
    ...dcs,
    bootstrap: {
      dcs: {
        ttl: t.ttl,
        loop_wait: t.loopWait,
        retry_timeout: t.retryTimeout,
        maximum_lag_on_failover: t.maximumLagOnFailover,
        synchronous_mode: sync,
        // Not strict: a lone survivor keeps accepting writes (availability) instead of blocking every commit.
        synchronous_mode_strict: false,
        // With the Kubernetes DCS, a leader that cannot reach the API server keeps its role while every
        // member still answers it over the REST API, instead of demoting itself (Patroni >= 3.0).
        failsafe_mode: true,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          // These take effect only from the DCS (field notes), so they live here.
          parameters: {
            max_connections: args.maxConnections,
            max_wal_senders: replicationCapacity(args.members),
            max_replication_slots: replicationCapacity(args.members),
            max_worker_processes: 8,
            max_locks_per_transaction: 64,
            max_prepared_transactions: 0,
            wal_level: "replica",
            wal_log_hints: "on",
            hot_standby: "on",
            wal_keep_size: "1GB",
            password_encryption: "scram-sha-256",
            ...dcsMemoryParameters,
          },
        },
      },
      initdb: [{ encoding: "UTF8" }, "data-checksums", { locale: "C.UTF-8" }],
      // Patroni 3.0's validator still requires bootstrap.pg_hba; the same lines as postgresql.pg_hba.
      pg_hba: pgHba,
    },
    postgresql: {
      listen: m.postgresListen,
      connect_address: m.postgresConnect,
      data_dir: m.dataDir,
      ...(m.binDir ? { bin_dir: m.binDir } : {}),
      pgpass: m.pgpass,
      // Passwords are never rendered: Patroni reads PATRONI_SUPERUSER_PASSWORD,
      // PATRONI_REPLICATION_PASSWORD and PATRONI_REWIND_PASSWORD from the environment (Secrets in the cluster).
      authentication: {
        superuser: { username: superuser },
        replication: { username: replicationUser },
        rewind: { username: superuser },
      },
      // shared_buffers is local: Spilo sets a local shared_buffers, and a local value beats bootstrap.dcs.
      parameters: { shared_buffers, ...(m.socketDir ? { unix_socket_directories: m.socketDir } : {}) },
      pg_hba: pgHba,
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}
