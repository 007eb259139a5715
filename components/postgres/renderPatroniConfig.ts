/**
 * Patroni's configuration, from one pure function. The cluster (Spilo on Kubernetes, Kubernetes DCS)
 * and the local failover drills (etcd3 DCS on 127.0.0.1) both run what this renders: only the DCS
 * section and the member's addresses differ.
 */
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

export type PatroniDcs =
    | { type: "kubernetes"; namespace: string; labels: Record<string, string>; scopeLabel: string; roleLabel: string }
    | { type: "etcd3"; hosts: string[] };

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
    /** PostgreSQL binaries (empty: on PATH). */
    binDir?: string;
    /** Where Patroni writes its pgpass file. */
    pgpass: string;
}

export interface PatroniConfigArgs {
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
    /** DCS timing. Defaults: Patroni's (30 / 10 / 10). */
    timing?: PatroniTiming;
    /** Superuser and replication user names (passwords come from the environment). Default: postgres / standby. */
    superuser?: string;
    replicationUser?: string;
    /** CIDR allowed in pg_hba for replication and clients. Default: 0.0.0.0/0 (the NetworkPolicy/Service restricts). */
    clientCidr?: string;
    dcs: PatroniDcs;
    member: PatroniMember;
}

export class PatroniConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PatroniConfigError";
    }
}

/** Patroni's timing rule: the leader must be able to renew its key (loop + two retries) within the TTL. */
export function checkPatroniTiming(t: PatroniTiming = {}): string | undefined {
    const ttl = t.ttl ?? 30;
    const loopWait = t.loopWait ?? 10;
    const retryTimeout = t.retryTimeout ?? 10;
    if (loopWait + 2 * retryTimeout > ttl) {
        return `loop_wait + 2 * retry_timeout must be <= ttl, got ${loopWait} + 2 * ${retryTimeout} = ${loopWait + 2 * retryTimeout} > ${ttl}; raise ttl to at least ${loopWait + 2 * retryTimeout} or lower loop_wait / retry_timeout`;
    }
    return undefined;
}

const mb = (n: number) => `${Math.max(1, Math.floor(n))}MB`;

/** PostgreSQL memory settings for `memoryGi` of RAM and `maxConnections` sessions. */
export function memoryParameters(memoryGi: number, maxConnections: number): Record<string, string> {
    const totalMb = memoryGi * 1024;
    const sharedBuffers = totalMb * 0.25;
    return {
        shared_buffers: mb(sharedBuffers),
        effective_cache_size: mb(totalMb * 0.75),
        maintenance_work_mem: mb(Math.min(2048, totalMb * 0.05)),
        // A quarter of RAM shared by every session's sorts; never below PostgreSQL's 4MB default.
        work_mem: mb(Math.max(4, (totalMb * 0.25) / maxConnections)),
    };
}

export function renderPatroniConfig(args: PatroniConfigArgs): Record<string, unknown> {
    const timingProblem = checkPatroniTiming(args.timing);
    if (timingProblem) throw new PatroniConfigError(`Patroni config for "${args.scope}": ${timingProblem}`);
    const t = args.timing ?? {};
    const superuser = args.superuser ?? "postgres";
    const replicationUser = args.replicationUser ?? "standby";
    const cidr = args.clientCidr ?? "0.0.0.0/0";
    const m = args.member;
    const dcs =
        args.dcs.type === "kubernetes"
            ? {
                  kubernetes: {
                      namespace: args.dcs.namespace,
                      labels: args.dcs.labels,
                      scope_label: args.dcs.scopeLabel,
                      role_label: args.dcs.roleLabel,
                      use_endpoints: true,
                      ports: [{ name: "postgresql", port: 5432 }],
                  },
              }
            : { etcd3: { hosts: args.dcs.hosts } };
    return {
        scope: args.scope,
        name: m.name,
        restapi: { listen: m.restApiListen, connect_address: m.restApiConnect },
        ...dcs,
        bootstrap: {
            dcs: {
                ttl: t.ttl ?? 30,
                loop_wait: t.loopWait ?? 10,
                retry_timeout: t.retryTimeout ?? 10,
                maximum_lag_on_failover: t.maximumLagOnFailover ?? 1048576,
                synchronous_mode: args.synchronousMode ?? true,
                // With one member there is no standby to wait for; strict mode would block every commit.
                synchronous_mode_strict: false,
                postgresql: {
                    use_pg_rewind: true,
                    use_slots: true,
                    // These take effect only from the DCS (field notes), so they live here.
                    parameters: {
                        max_connections: args.maxConnections,
                        max_wal_senders: Math.max(10, args.members * 2 + 2),
                        max_replication_slots: Math.max(10, args.members * 2 + 2),
                        max_worker_processes: 8,
                        max_locks_per_transaction: 64,
                        max_prepared_transactions: 0,
                        wal_level: "replica",
                        wal_log_hints: "on",
                        hot_standby: "on",
                        wal_keep_size: "1GB",
                        password_encryption: "scram-sha-256",
                        ...memoryParameters(args.memoryGi, args.maxConnections),
                    },
                },
            },
            initdb: [{ encoding: "UTF8" }, "data-checksums", { locale: "C.UTF-8" }],
        },
        postgresql: {
            listen: m.postgresListen,
            connect_address: m.postgresConnect,
            data_dir: m.dataDir,
            ...(m.binDir ? { bin_dir: m.binDir } : {}),
            pgpass: m.pgpass,
            // Passwords are not rendered: Patroni reads PATRONI_SUPERUSER_PASSWORD and
            // PATRONI_REPLICATION_PASSWORD from the environment (a Kubernetes Secret in the cluster).
            authentication: { superuser: { username: superuser }, replication: { username: replicationUser } },
            pg_hba: [
                "local all all trust",
                `host replication ${replicationUser} ${cidr} scram-sha-256`,
                `host all all ${cidr} scram-sha-256`,
            ],
        },
        tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
    };
}
