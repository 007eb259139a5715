/**
 * redis.conf, sentinel.conf and the start scripts of Redis and Sentinel pods, as pure functions.
 * The cluster and the local failover drills run what these render (the drills with 127.0.0.1 and
 * distinct ports, the cluster with stable pod DNS names). No password is ever rendered: the start
 * scripts append it from the environment (a Kubernetes Secret) to a writable copy of the file.
 */

/** Defaults of RedisSentinelArgs (SDK-free: stack config, HarborPlatform and policies use these, never copies). */
export const redisSentinelDefaults = {
  namespace: "harbor",
  replicas: 3,
  sentinels: 3,
  quorum: 2,
  masterSet: "harbor",
  memoryGi: 2,
  cpu: 1,
  volumeGb: 8,
  sentinelVolumeGb: 1,
  downAfterMs: 5000,
  failoverTimeoutMs: 60000,
} as const;

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
      // Placeholder: the start script replaces this line with the master it found (or kept in its
      // state) before the sentinel starts; no sentinel ever monitors a node because of its index.
      `sentinel monitor ${m} ${a.redis[0].host} ${a.redis[0].port} ${a.quorum}`,
      `sentinel down-after-milliseconds ${m} ${a.downAfterMs ?? redisSentinelDefaults.downAfterMs}`,
      `sentinel failover-timeout ${m} ${a.failoverTimeoutMs ?? redisSentinelDefaults.failoverTimeoutMs}`,
      `sentinel parallel-syncs ${m} 1`,
    ].join("\n") + "\n"
  );
}

export interface StartScriptArgs extends RedisTopology {
  /** The rendered config file (read-only mount). */
  source: string;
  /** Writable copy the daemon runs from, on the pod's volume (Sentinel rewrites its file: its state). */
  target: string;
  /** This node or sentinel. */
  self: Endpoint;
  /** Data directory of a Redis node (where its AOF/RDB live). Default: the directory of `target`. */
  dataDir?: string;
  /** redis-cli binary. Default: `redis-cli` (on PATH). */
  cli?: string;
  /** The daemon binary. Default: `redis-server` (Redis nodes) / `redis-sentinel` (sentinels). */
  server?: string;
  /** Environment variable holding the Redis password. Default: `REDIS_PASSWORD`. */
  passwordEnv?: string;
  /**
   * Rounds (1 s apart) in which nobody answers before the first node of a brand-new set (empty data
   * directory) bootstraps as master. Default: 5.
   */
  askRounds?: number;
  /** Give up (exit 1) after this many rounds without a master; 0 waits forever (pods). Default: 0. */
  maxRounds?: number;
}

const hostPorts = (es: Endpoint[]) => es.map((e) => `${e.host}:${e.port}`).join(" ");

/**
 * Shell functions shared by both start scripts. `find_master` prints "host port" of the real master:
 * 1. what a sentinel reports, unless the node it names answers as a replica (a stale sentinel), or
 *    does not answer while another node is master (a failover under way: wait for the sentinels);
 * 2. else what the running Redis nodes say: a node that is master, or the master a replica is linked
 *    to (`master_link_status:up`), the highest replication offset winning.
 * It prints nothing when nobody knows: the caller waits. No index is ever assumed.
 * The password reaches redis-cli through `REDISCLI_AUTH` (environment), never argv; sentinels get none.
 */
function discoveryFunctions(a: StartScriptArgs): string[] {
  const cli = a.cli ?? "redis-cli";
  const pw = a.passwordEnv ?? "REDIS_PASSWORD";
  return [
    `pw="\${${pw}}"`,
    "unset REDISCLI_AUTH",
    `self="${a.self.host}:${a.self.port}"`,
    "node_info() {",
    `  REDISCLI_AUTH="$pw" timeout 3 ${cli} --no-auth-warning -h "\${1%:*}" -p "\${1##*:}" INFO replication 2>/dev/null | tr -d '\\r'`,
    "}",
    `field() { printf '%s\\n' "$1" | sed -n "s/^$2://p"; }`,
    "ask_sentinels() {",
    `  for s in ${hostPorts(a.sentinels)}; do`,
    '    [ "$s" = "$self" ] && continue',
    `    out=$(timeout 3 ${cli} -h "\${s%:*}" -p "\${s##*:}" --raw SENTINEL get-master-addr-by-name ${a.masterSet} 2>/dev/null | tr '\\n' ' ') || true`,
    "    set -- $out",
    '    [ -n "${1:-}" ] && [ -n "${2:-}" ] || continue',
    '    answered=1; info=$(node_info "$1:$2") || true',
    '    role=$(field "$info" role)',
    '    if [ "$role" = slave ]; then echo "sentinel $s names $1:$2, a replica: ignored" >&2; continue; fi',
    // The named master does not answer (down, or this very node starting): follow the sentinels unless
    // another node already is master (a failover under way: the sentinels will name it shortly).
    '    if [ -z "$role" ] && other=$(survey_nodes 2>/dev/null) && [ "$other" != "$1 $2" ]; then',
    '      echo "sentinel $s names $1:$2, which does not answer, while $other is master: waiting" >&2; return 3',
    "    fi",
    '    echo "$1 $2"; return 0',
    "  done",
    "  return 1",
    "}",
    "survey_nodes() {",
    '  best=""; best_off=-1',
    `  for n in ${hostPorts(a.redis)}; do`,
    '    [ "$n" = "$self" ] && continue',
    '    info=$(node_info "$n") || true',
    '    role=$(field "$info" role)',
    '    [ -n "$role" ] || continue',
    "    answered=1",
    '    if [ "$role" = master ]; then cand="${n%:*} ${n##*:}"; off=$(field "$info" master_repl_offset)',
    '    elif [ "$(field "$info" master_link_status)" = up ]; then',
    '      cand="$(field "$info" master_host) $(field "$info" master_port)"; off=$(field "$info" slave_repl_offset)',
    "    else continue; fi",
    '    echo "node $n: $role, offset ${off:-0}, master $cand" >&2',
    '    if [ "${off:-0}" -gt "$best_off" ]; then best=$cand; best_off=${off:-0}; fi',
    "  done",
    '  [ -n "$best" ] && echo "$best"',
    "}",
    // Exit status: 0 found (printed), 1 someone answered but knows no master, 2 nobody answered.
    "find_master() {",
    "  answered=0; asked=0",
    "  ask_sentinels || asked=$?",
    '  [ "$asked" = 0 ] && return 0',
    '  [ "$asked" = 3 ] && return 1',
    "  survey_nodes && return 0",
    '  [ "$answered" = 1 ] && return 1',
    "  return 2",
    "}",
  ];
}

/**
 * A Redis node's start: find the real master (sentinels, else the running nodes) and start as its
 * replica, or as master when it is this node. When nobody knows a master, wait and ask again: only
 * the first node of a brand-new set (empty data directory, nobody answering for `askRounds` rounds)
 * bootstraps as master, so a node with data never takes over because of its index.
 */
export function renderRedisStartScript(a: StartScriptArgs): string {
  const dataDir = a.dataDir ?? a.target.replace(/\/[^/]*$/, "");
  const first = a.redis[0];
  const isFirst = first.host === a.self.host && first.port === a.self.port;
  return (
    [
      "#!/bin/sh",
      "set -eu",
      ...discoveryFunctions(a),
      `cp "${a.source}" "${a.target}"`,
      `printf 'requirepass %s\\nmasterauth %s\\n' "$pw" "$pw" >> "${a.target}"`,
      'master=""',
      "rounds=0",
      "while :; do",
      "  rc=0; m=$(find_master) || rc=$?",
      "  if [ $rc = 0 ]; then master=$m; break; fi",
      "  rounds=$((rounds + 1))",
      ...(isFirst
        ? [
            `  if [ $rc = 2 ] && [ $rounds -ge ${a.askRounds ?? 5} ] && [ ! -e "${dataDir}/appendonlydir" ] && [ ! -e "${dataDir}/dump.rdb" ]; then`,
            '    master="${self%:*} ${self##*:}"',
            `    echo "nobody knows a master of ${a.masterSet} and this node has no data: bootstrapping a new set"`,
            "    break",
            "  fi",
          ]
        : []),
      ...(a.maxRounds
        ? [
            `  if [ $rounds -ge ${a.maxRounds} ]; then echo "no master of ${a.masterSet} found after $rounds rounds" >&2; exit 1; fi`,
          ]
        : []),
      `  echo "no sentinel or node knows the master of ${a.masterSet} yet (round $rounds): waiting"`,
      "  sleep 1",
      "done",
      "set -- $master",
      'if [ "$1:$2" = "$self" ]; then',
      '  echo "starting as master"',
      "else",
      '  echo "starting as replica of $1 $2"',
      `  echo "replicaof $1 $2" >> "${a.target}"`,
      "fi",
      `exec ${a.server ?? "redis-server"} "${a.target}"`,
    ].join("\n") + "\n"
  );
}

/**
 * A sentinel's start. Its state (`target`, on a PersistentVolume) survives restarts: the monitored
 * master, epochs and known peers are kept, with the rendered settings (timeouts, quorum, announce
 * names) re-applied. A sentinel without state monitors the master the other sentinels or the running
 * Redis nodes report, and waits until someone knows it: it never monitors a guessed node.
 */
export function renderSentinelStartScript(a: StartScriptArgs): string {
  const m = a.masterSet;
  const state = `${a.target}.state`;
  return (
    [
      "#!/bin/sh",
      "set -eu",
      ...discoveryFunctions(a),
      'master=""',
      `if [ -f "${a.target}" ] && grep -q "^sentinel monitor ${m} " "${a.target}"; then`,
      `  set -- $(grep "^sentinel monitor ${m} " "${a.target}")`,
      '  master="$4 $5"',
      `  grep -E "^sentinel (myid|current-epoch|config-epoch ${m}|leader-epoch ${m}|known-replica ${m}|known-sentinel ${m}) " "${a.target}" > "${state}" || true`,
      '  echo "kept sentinel state: monitoring $master"',
      "else",
      `  : > "${state}"`,
      "  rounds=0",
      "  while :; do",
      "    rc=0; found=$(find_master) || rc=$?",
      "    if [ $rc = 0 ]; then master=$found; break; fi",
      "    rounds=$((rounds + 1))",
      ...(a.maxRounds
        ? [
            `    if [ $rounds -ge ${a.maxRounds} ]; then echo "no master of ${m} found after $rounds rounds" >&2; exit 1; fi`,
          ]
        : []),
      `    echo "no sentinel or node knows the master of ${m} yet (round $rounds): waiting"`,
      "    sleep 1",
      "  done",
      '  echo "monitoring $master (found by asking)"',
      "fi",
      "set -- $master",
      `sed "s/^sentinel monitor ${m} .*/sentinel monitor ${m} $1 $2 ${a.quorum}/" "${a.source}" > "${a.target}.new"`,
      `cat "${state}" >> "${a.target}.new"`,
      // Sentinels authenticate to the password-protected Redis nodes; they require no password themselves.
      `printf 'sentinel auth-pass ${m} %s\\n' "$pw" >> "${a.target}.new"`,
      `mv "${a.target}.new" "${a.target}"`,
      `rm -f "${state}"`,
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
  const d = redisSentinelDefaults;
  const ns = args.namespace ?? d.namespace;
  const host = (set: string, i: number) => `${name}-${set}-${i}.${name}-${set}.${ns}.svc.cluster.local`;
  return {
    masterSet: args.masterSet ?? d.masterSet,
    redis: Array.from({ length: args.replicas ?? d.replicas }, (_, i) => ({
      host: host("redis", i),
      port: REDIS_PORT,
    })),
    sentinels: Array.from({ length: args.sentinels ?? d.sentinels }, (_, i) => ({
      host: host("sentinel", i),
      port: SENTINEL_PORT,
    })),
    quorum: args.quorum ?? d.quorum,
    downAfterMs: args.downAfterMs,
    failoverTimeoutMs: args.failoverTimeoutMs,
  };
}

/** maxmemory of a node: 80 % of its memory limit, leaving room for replication buffers and fork. */
export function redisMaxmemoryMb(memoryGi: number): number {
  return Math.floor(memoryGi * 1024 * 0.8);
}
