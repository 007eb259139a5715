/**
 * redis.conf, sentinel.conf and the start scripts of Redis and Sentinel pods, as pure functions.
 * The cluster and the local failover drills run what these render. No password is ever rendered:
 * the start scripts add it from the environment (a Kubernetes Secret) to a copy of the file.
 */
export interface RedisTopology {
    /** Master set name Harbor is given (`sentinelMasterSet`). */
    masterSet: string;
    /** Stable host names of the Redis nodes, in order; the first is the bootstrap master. */
    redisHosts: string[];
    /** Stable host names of the sentinels. */
    sentinelHosts: string[];
    /** Redis port. Default: 6379. */
    redisPort?: number;
    /** Sentinel port. Default: 26379. */
    sentinelPort?: number;
    /** Sentinels that must agree the master is down. */
    quorum: number;
    /** Milliseconds without an answer before a sentinel considers the master down. Default: 5000. */
    downAfterMs?: number;
    /** Failover timeout, ms. Default: 60000. */
    failoverTimeoutMs?: number;
}

export interface RedisNodeConfArgs {
    /** This node's stable host name (announced to replicas and sentinels). */
    announceHost: string;
    /** Port to listen on. Default: 6379. */
    port?: number;
    /** Bind address. Default: `0.0.0.0`. */
    bind?: string;
    /** Working directory (RDB/AOF). Default: `/data`. */
    dir?: string;
    /** maxmemory in MB (eviction is off: Harbor's job queue must not lose keys). */
    maxmemoryMb: number;
    /** Replicas in the set: with one or more, a master stops accepting writes without a replica. */
    replicas: number;
}

export function redisPorts(t: Pick<RedisTopology, "redisPort" | "sentinelPort">) {
    return { redis: t.redisPort ?? 6379, sentinel: t.sentinelPort ?? 26379 };
}

export function renderRedisConf(a: RedisNodeConfArgs): string {
    const lines = [
        `bind ${a.bind ?? "0.0.0.0"}`,
        `port ${a.port ?? 6379}`,
        "protected-mode no",
        `dir ${a.dir ?? "/data"}`,
        "appendonly yes",
        "appendfsync everysec",
        `maxmemory ${a.maxmemoryMb}mb`,
        "maxmemory-policy noeviction",
        `replica-announce-ip ${a.announceHost}`,
        `replica-announce-port ${a.port ?? 6379}`,
        "replica-read-only yes",
        "replica-serve-stale-data yes",
        "repl-diskless-sync yes",
    ];
    // Bound what a master cut off from its replicas can accept (and lose) during a partition.
    if (a.replicas > 0) lines.push("min-replicas-to-write 1", "min-replicas-max-lag 10");
    return lines.join("\n") + "\n";
}

export interface SentinelConfArgs extends RedisTopology {
    /** This sentinel's stable host name. */
    announceHost: string;
    /** Bind address. Default: `0.0.0.0`. */
    bind?: string;
    /** Working directory. Default: `/data`. */
    dir?: string;
}

/** sentinel.conf. No `requirepass`: Harbor cannot send a password to sentinels (harbor#14757). */
export function renderSentinelConf(a: SentinelConfArgs): string {
    const ports = redisPorts(a);
    return (
        [
            `bind ${a.bind ?? "0.0.0.0"}`,
            `port ${ports.sentinel}`,
            "protected-mode no",
            `dir ${a.dir ?? "/data"}`,
            "sentinel resolve-hostnames yes",
            "sentinel announce-hostnames yes",
            `sentinel announce-ip ${a.announceHost}`,
            `sentinel announce-port ${ports.sentinel}`,
            `sentinel monitor ${a.masterSet} ${a.redisHosts[0]} ${ports.redis} ${a.quorum}`,
            `sentinel down-after-milliseconds ${a.masterSet} ${a.downAfterMs ?? 5000}`,
            `sentinel failover-timeout ${a.masterSet} ${a.failoverTimeoutMs ?? 60000}`,
            `sentinel parallel-syncs ${a.masterSet} 1`,
        ].join("\n") + "\n"
    );
}

export interface StartScriptArgs extends RedisTopology {
    /** The rendered config file (read-only mount). */
    source: string;
    /** Writable copy the daemon runs from. */
    target: string;
    /** This node's host name. */
    self: string;
    /** redis-cli / redis-server / redis-sentinel binaries. Default: on PATH. */
    cli?: string;
    server?: string;
    /** Environment variable holding the Redis password. Default: REDIS_PASSWORD. */
    passwordEnv?: string;
}

/** Asks each sentinel for the current master; prints "host port" of the first answer. */
function askSentinels(a: StartScriptArgs): string[] {
    const ports = redisPorts(a);
    return [
        "current_master() {",
        `  for s in ${a.sentinelHosts.join(" ")}; do`,
        `    out=$(${a.cli ?? "redis-cli"} -h "$s" -p ${ports.sentinel} --raw SENTINEL get-master-addr-by-name ${a.masterSet} 2>/dev/null | tr '\\n' ' ')`,
        '    set -- $out',
        '    if [ -n "${1:-}" ] && [ -n "${2:-}" ]; then echo "$1 $2"; return 0; fi',
        "  done",
        "  return 1",
        "}",
    ];
}

/**
 * A Redis node's start: ask the sentinels who the master is and start as its replica; only when no
 * sentinel knows a master (a new set) does the first host bootstrap as master. A restarted pod thus
 * rejoins the current master instead of coming back as a second one.
 */
export function renderRedisStartScript(a: StartScriptArgs): string {
    const pw = a.passwordEnv ?? "REDIS_PASSWORD";
    const ports = redisPorts(a);
    return [
        "#!/bin/sh",
        "set -eu",
        ...askSentinels(a),
        `cp "${a.source}" "${a.target}"`,
        `printf 'requirepass %s\\nmasterauth %s\\n' "$${pw}" "$${pw}" >> "${a.target}"`,
        'master=""',
        "tries=0",
        // Sentinels may still be starting: ask for a while before concluding the set is new.
        "while [ $tries -lt 5 ]; do",
        "  if m=$(current_master); then master=$m; break; fi",
        "  tries=$((tries + 1)); sleep 1",
        "done",
        'if [ -z "$master" ]; then',
        `  [ "${a.self}" = "${a.redisHosts[0]}" ] || master="${a.redisHosts[0]} ${ports.redis}"`,
        "fi",
        'if [ -n "$master" ]; then',
        '  set -- $master',
        `  if [ "$1" != "${a.self}" ]; then echo "replicaof $1 $2" >> "${a.target}"; fi`,
        "fi",
        `exec ${a.server ?? "redis-server"} "${a.target}"`,
    ].join("\n") + "\n";
}

/** A sentinel's start: monitor the master the other sentinels know, else the bootstrap master. */
export function renderSentinelStartScript(a: StartScriptArgs): string {
    const pw = a.passwordEnv ?? "REDIS_PASSWORD";
    const ports = redisPorts(a);
    return [
        "#!/bin/sh",
        "set -eu",
        ...askSentinels(a),
        `cp "${a.source}" "${a.target}"`,
        "if m=$(current_master); then",
        '  set -- $m',
        `  sed -i "s/^sentinel monitor ${a.masterSet} .*/sentinel monitor ${a.masterSet} $1 $2 ${a.quorum}/" "${a.target}"`,
        "fi",
        // Sentinels authenticate to the password-protected Redis nodes; they require no password themselves.
        `printf 'sentinel auth-pass ${a.masterSet} %s\\n' "$${pw}" >> "${a.target}"`,
        `exec ${a.server ?? "redis-sentinel"} "${a.target}"`,
    ].join("\n") + "\n";
}

/** Harbor's `redis.external.addr`: the sentinels as `host:port,host:port,...`. */
export function sentinelAddrList(t: Pick<RedisTopology, "sentinelHosts" | "sentinelPort">): string {
    return t.sentinelHosts.map((h) => `${h}:${redisPorts(t).sentinel}`).join(",");
}
