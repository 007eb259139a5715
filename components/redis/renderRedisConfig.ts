/**
 * redis.conf, sentinel.conf and the start scripts of Redis and Sentinel pods, as pure functions.
 * The cluster and the local failover drills run what these render (the drills with 127.0.0.1 and
 * distinct ports, the cluster with stable pod DNS names). No password is ever rendered: the start
 * scripts append it from the environment (a Kubernetes Secret) to a writable copy of the file.
 */

/** A Redis node or sentinel as others reach it. */
export interface Endpoint {
  /** Stable host name (pod DNS name in the cluster, 127.0.0.1 in the drills). */
  host: string;
  port: number;
}

export interface RedisTopology {
  /** Master set name Harbor is given (`sentinelMasterSet`). */
  masterSet: string;
  /** Redis nodes, in order; the first is the bootstrap master of a new set. */
  redis: Endpoint[];
  /** Sentinels. */
  sentinels: Endpoint[];
  /** Sentinels that must agree the master is down. */
  quorum: number;
  /** Milliseconds without an answer before a sentinel considers the master down. Default: 5000. */
  downAfterMs?: number;
  /** Failover timeout, ms. Default: 60000. */
  failoverTimeoutMs?: number;
}

export interface RedisNodeConfArgs {
  /** This node as replicas and sentinels must reach it (announced). */
  self: Endpoint;
  /** Bind address. Default: `0.0.0.0`. */
  bind?: string;
  /** Working directory (RDB/AOF). Default: `/data`. */
  dir?: string;
  /** maxmemory in MB (eviction is off: Harbor's job queue must not lose keys). */
  maxmemoryMb: number;
  /** Nodes in the set besides this one: with one or more, a master stops accepting writes without a replica. */
  replicas: number;
}

/** redis.conf of one node (no password: `requirepass`/`masterauth` are added at start from the Secret). */
export function renderRedisConf(a: RedisNodeConfArgs): string {
  const lines = [
    `bind ${a.bind ?? "0.0.0.0"}`,
    `port ${a.self.port}`,
    // Access is limited by the NetworkPolicy and requirepass; protected-mode would refuse pod IPs.
    "protected-mode no",
    `dir ${a.dir ?? "/data"}`,
    "appendonly yes",
    "appendfsync everysec",
    `maxmemory ${a.maxmemoryMb}mb`,
    // Harbor's job queue lives here: refuse writes rather than silently evict jobs.
    "maxmemory-policy noeviction",
    // Pod IPs change on restart; replicas and sentinels must see the stable DNS name.
    `replica-announce-ip ${a.self.host}`,
    `replica-announce-port ${a.self.port}`,
    "replica-read-only yes",
    "replica-serve-stale-data yes",
    "repl-diskless-sync yes",
    // With min-replicas-to-write, a promoted master accepts writes only once a replica has synced:
    // start the transfer at once instead of waiting 5 s (the default) for more replicas to join.
    "repl-diskless-sync-delay 0",
  ];
  // Bound what a master cut off from its replicas can accept (and lose) during a partition.
  if (a.replicas > 0) lines.push("min-replicas-to-write 1", "min-replicas-max-lag 10");
  return lines.join("\n") + "\n";
}

export interface SentinelConfArgs extends RedisTopology {
  /** This sentinel as the other sentinels and Harbor reach it (announced). */
  self: Endpoint;
  /** Bind address. Default: `0.0.0.0`. */
  bind?: string;
  /** Working directory. Default: `/data`. */
  dir?: string;
}

/**
 * sentinel.conf. Deliberately no `requirepass`: Harbor cannot send a password to sentinels
 * (harbor#14757); port 26379 is protected by the NetworkPolicy instead. `sentinel auth-pass` (so the
 * sentinels can reach the password-protected nodes) is appended at start from the Secret.
 */
export function renderSentinelConf(a: SentinelConfArgs): string {
  const m = a.masterSet;
  return (
    [
      `bind ${a.bind ?? "0.0.0.0"}`,
      `port ${a.self.port}`,
      "protected-mode no",
      `dir ${a.dir ?? "/data"}`,
      "sentinel resolve-hostnames yes",
      "sentinel announce-hostnames yes",
      `sentinel announce-ip ${a.self.host}`,
      `sentinel announce-port ${a.self.port}`,
      `sentinel monitor ${m} ${a.redis[0].host} ${a.redis[0].port} ${a.quorum}`,
      `sentinel down-after-milliseconds ${m} ${a.downAfterMs ?? 5000}`,
      `sentinel failover-timeout ${m} ${a.failoverTimeoutMs ?? 60000}`,
      `sentinel parallel-syncs ${m} 1`,
    ].join("\n") + "\n"
  );
}

export interface StartScriptArgs extends RedisTopology {
  /** The rendered config file (read-only mount). */
  source: string;
  /** Writable copy the daemon runs from (Sentinel rewrites its file). */
  target: string;
  /** This node or sentinel. */
  self: Endpoint;
  /** redis-cli binary. Default: `redis-cli` (on PATH). */
  cli?: string;
  /** The daemon binary. Default: `redis-server` (Redis nodes) / `redis-sentinel` (sentinels). */
  server?: string;
  /** Environment variable holding the Redis password. Default: `REDIS_PASSWORD`. */
  passwordEnv?: string;
  /** Rounds of asking the sentinels (1 s apart) before concluding the set is new. Default: 5. */
  askRounds?: number;
}

/** Shell function printing "host port" of the master the first answering sentinel knows. */
function askSentinels(a: StartScriptArgs): string[] {
  return [
    "current_master() {",
    `  for s in ${a.sentinels.map((s) => `${s.host}:${s.port}`).join(" ")}; do`,
    `    out=$(${a.cli ?? "redis-cli"} -h "\${s%:*}" -p "\${s##*:}" --raw SENTINEL get-master-addr-by-name ${a.masterSet} 2>/dev/null | tr '\\n' ' ') || true`,
    "    set -- $out",
    '    if [ -n "${1:-}" ] && [ -n "${2:-}" ]; then echo "$1 $2"; return 0; fi',
    "  done",
    "  return 1",
    "}",
  ];
}

/**
 * A Redis node's start: ask the sentinels who the master is and start as its replica. Only when no
 * sentinel knows a master (a brand-new set) does the first node bootstrap as master and the others
 * replicate it. A restarted (old) master thus rejoins the current master instead of coming back as a
 * second one.
 */
export function renderRedisStartScript(a: StartScriptArgs): string {
  const pw = a.passwordEnv ?? "REDIS_PASSWORD";
  const boot = a.redis[0];
  return (
    [
      "#!/bin/sh",
      "set -eu",
      ...askSentinels(a),
      `cp "${a.source}" "${a.target}"`,
      `printf 'requirepass %s\\nmasterauth %s\\n' "$${pw}" "$${pw}" >> "${a.target}"`,
      'master=""',
      "tries=0",
      // Sentinels may still be starting with the pods: ask for a while before concluding the set is new.
      `while [ $tries -lt ${a.askRounds ?? 5} ]; do`,
      "  if m=$(current_master); then master=$m; break; fi",
      "  tries=$((tries + 1)); sleep 1",
      "done",
      'if [ -z "$master" ]; then',
      `  master="${boot.host} ${boot.port}"`,
      '  echo "no sentinel knows a master of ' + a.masterSet + ': bootstrap master is $master"',
      "else",
      '  echo "sentinels report master $master"',
      "fi",
      "set -- $master",
      `if [ "$1" = "${a.self.host}" ] && [ "$2" = "${a.self.port}" ]; then`,
      '  echo "starting as master"',
      "else",
      '  echo "starting as replica of $1 $2"',
      `  echo "replicaof $1 $2" >> "${a.target}"`,
      "fi",
      `exec ${a.server ?? "redis-server"} "${a.target}"`,
    ].join("\n") + "\n"
  );
}

/** A sentinel's start: monitor the master the other sentinels know, else the bootstrap master. */
export function renderSentinelStartScript(a: StartScriptArgs): string {
  const pw = a.passwordEnv ?? "REDIS_PASSWORD";
  return (
    [
      "#!/bin/sh",
      "set -eu",
      ...askSentinels(a),
      `cp "${a.source}" "${a.target}"`,
      "if m=$(current_master); then",
      "  set -- $m",
      `  sed -i "s/^sentinel monitor ${a.masterSet} .*/sentinel monitor ${a.masterSet} $1 $2 ${a.quorum}/" "${a.target}"`,
      "fi",
      // Sentinels authenticate to the password-protected Redis nodes; they require no password themselves.
      `printf 'sentinel auth-pass ${a.masterSet} %s\\n' "$${pw}" >> "${a.target}"`,
      `exec ${a.server ?? "redis-sentinel"} "${a.target}"`,
    ].join("\n") + "\n"
  );
}

/** Harbor's `redis.external.addr`: the sentinels as `host:port,host:port,...`. */
export function sentinelAddrList(t: Pick<RedisTopology, "sentinels">): string {
  return t.sentinels.map((s) => `${s.host}:${s.port}`).join(",");
}

/** Quorum rule: a failover needs `quorum` sentinels to agree, so quorum may not exceed the sentinels. */
export function checkQuorum(quorum: number, sentinels: number): string | undefined {
  if (quorum > sentinels) return `${quorum} is more than the ${sentinels} sentinels, so no failover could ever happen`;
  return undefined;
}

/** Redis and Sentinel ports in the cluster (Harbor's sentinel address list and the NetworkPolicy use them). */
export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;

/** What the topology of a RedisSentinel depends on (a subset of its Args). */
export interface RedisTopologyArgs {
  namespace?: string;
  replicas?: number;
  sentinels?: number;
  quorum?: number;
  masterSet?: string;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

/** The topology of a RedisSentinel `name`: stable per-pod DNS names (StatefulSet pod + headless Service). */
export function redisTopology(name: string, args: RedisTopologyArgs): RedisTopology {
  const ns = args.namespace ?? "harbor";
  const host = (set: string, i: number) => `${name}-${set}-${i}.${name}-${set}.${ns}.svc.cluster.local`;
  return {
    masterSet: args.masterSet ?? "harbor",
    redis: Array.from({ length: args.replicas ?? 3 }, (_, i) => ({ host: host("redis", i), port: REDIS_PORT })),
    sentinels: Array.from({ length: args.sentinels ?? 3 }, (_, i) => ({
      host: host("sentinel", i),
      port: SENTINEL_PORT,
    })),
    quorum: args.quorum ?? 2,
    downAfterMs: args.downAfterMs,
    failoverTimeoutMs: args.failoverTimeoutMs,
  };
}

/** maxmemory of a node: 80 % of its memory limit, leaving room for replication buffers and fork. */
export function redisMaxmemoryMb(memoryGi: number): number {
  return Math.floor(memoryGi * 1024 * 0.8);
}
