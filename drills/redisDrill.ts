/**
 * Drill 2: 3 redis-server + 3 redis-sentinel on loopback, configured and started by the same
 * renderers and start scripts the cluster uses (127.0.0.1 with distinct ports instead of pod DNS
 * names). Keys are written continuously through a Sentinel-aware client; the master is SIGKILLed; the
 * drill measures the time until writes succeed on the promoted replica (RTO), counts acknowledged keys
 * missing, then restarts the old master with its start script and checks it rejoins as a replica.
 */
import { chmodSync, readFileSync, writeFileSync } from "fs";
import Redis from "ioredis";
import { join } from "path";
import {
  Endpoint,
  RedisTopology,
  redisMaxmemoryMb,
  renderRedisConf,
  renderRedisStartScript,
  renderSentinelConf,
  renderSentinelStartScript,
} from "../components/redis/renderRedisConfig";
import { freePorts, missingBinaries, Sandbox, say, sleep } from "./procs";

export const REDIS_SERVER = "/usr/bin/redis-server";
export const REDIS_SENTINEL = "/usr/bin/redis-sentinel";
export const REDIS_CLI = "/usr/bin/redis-cli";

export function redisDrillUnavailable(): string | undefined {
  const missing = missingBinaries([REDIS_SERVER, REDIS_SENTINEL, REDIS_CLI, "/bin/sh"]);
  return missing.length ? `missing ${missing.join(", ")} (apt-get install -y redis-server redis-sentinel)` : undefined;
}

export interface RedisDrillResult {
  startupSeconds: number;
  oldMaster: string;
  newMaster: string;
  rtoSeconds: number;
  acknowledged: number;
  lost: number;
  failedWrites: number;
  /** The old master, restarted by its start script, came back as a replica of the new master. */
  restartedAsReplica: boolean;
  /** down-after-milliseconds the sentinels ran with (read back from a sentinel). */
  downAfterMs: number;
}

const ep = (e: Endpoint) => `${e.host}:${e.port}`;

/** Renders one node's files (config + start script) into the sandbox and starts it; returns its PID. */
function startNode(
  box: Sandbox,
  topo: RedisTopology,
  kind: "redis" | "sentinel",
  i: number,
  password: string,
  memoryGi: number,
  askRounds: number,
): number {
  const self = kind === "redis" ? topo.redis[i] : topo.sentinels[i];
  const dir = box.mkdir(`${kind}${i}`);
  const conf = join(dir, `${kind}.rendered.conf`);
  const script = join(dir, "start.sh");
  const common = { ...topo, source: conf, self, cli: REDIS_CLI, askRounds };
  if (kind === "redis") {
    writeFileSync(
      conf,
      renderRedisConf({
        self,
        bind: "127.0.0.1",
        dir,
        maxmemoryMb: redisMaxmemoryMb(memoryGi),
        replicas: topo.redis.length - 1,
      }),
    );
    writeFileSync(script, renderRedisStartScript({ ...common, target: join(dir, "redis.conf"), server: REDIS_SERVER }));
  } else {
    writeFileSync(conf, renderSentinelConf({ ...topo, self, bind: "127.0.0.1", dir }));
    writeFileSync(
      script,
      renderSentinelStartScript({ ...common, target: join(dir, "sentinel.conf"), server: REDIS_SENTINEL }),
    );
  }
  chmodSync(script, 0o755);
  // The script execs the daemon, so this PID becomes redis-server's / redis-sentinel's.
  return box.start(`${kind}${i}`, "/bin/sh", [script], { REDIS_PASSWORD: password }).pid;
}

export interface RedisDrillOptions {
  /** Seconds of writes before the kill. Default: 2. */
  writeSecondsBefore?: number;
  /** Seconds to wait for writes on a promoted replica. Default: 40. */
  timeoutSeconds?: number;
  /** Sentinel down-after-milliseconds (renderer arg). Default: the component's (5000), so the RTO is the cluster's. */
  downAfterMs?: number;
  /** Whole-drill budget: after it every daemon is killed and the drill fails. Default: 40. */
  budgetSeconds?: number;
}

export async function runRedisDrill(opts: RedisDrillOptions = {}): Promise<RedisDrillResult> {
  const box = new Sandbox("redis");
  box.budget(opts.budgetSeconds ?? 40);
  const password = `drill-${process.pid}-${Date.now()}`;
  const started = Date.now();
  const conns: Redis[] = [];
  const admin = (e: Endpoint, pw = true) => {
    const r = new Redis({
      host: e.host,
      port: e.port,
      password: pw ? password : undefined,
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
      connectTimeout: 1000,
    });
    r.on("error", () => undefined);
    conns.push(r);
    return r;
  };
  try {
    const ports = await freePorts(6);
    const topo: RedisTopology = {
      masterSet: "harbor",
      redis: ports.slice(0, 3).map((port) => ({ host: "127.0.0.1", port })),
      sentinels: ports.slice(3).map((port) => ({ host: "127.0.0.1", port })),
      quorum: 2,
      // The component's defaults (5 s / 60 s) unless the caller overrides.
      downAfterMs: opts.downAfterMs,
    };
    const redisPids = topo.redis.map((_, i) => startNode(box, topo, "redis", i, password, 0.125, 1));
    await box.waitFor(
      "the bootstrap master with 2 replicas",
      async () => /connected_slaves:2/.test(await admin(topo.redis[0]).info("replication")),
      30000,
      300,
    );
    topo.sentinels.forEach((_, i) => startNode(box, topo, "sentinel", i, password, 0.125, 1));
    await box.waitFor(
      "3 sentinels that know each other and both replicas",
      async () => {
        for (const s of topo.sentinels) {
          const flat = (await admin(s, false).call("SENTINEL", "MASTER", topo.masterSet)) as string[];
          const m = Object.fromEntries(
            flat.map((v, i) => (i % 2 === 0 ? [v, flat[i + 1]] : [])).filter((x) => x.length),
          );
          if (m["num-other-sentinels"] !== "2" || m["num-slaves"] !== "2") return false;
        }
        return true;
      },
      30000,
      300,
    );
    // What the sentinels actually run with (the rendered value, as loaded).
    const monitored = (await admin(topo.sentinels[0], false).call("SENTINEL", "MASTER", topo.masterSet)) as string[];
    const downAfterMs = Number(monitored[monitored.indexOf("down-after-milliseconds") + 1]);
    const startupSeconds = (Date.now() - started) / 1000;
    say(
      `redis set ready in ${startupSeconds.toFixed(1)} s (down-after ${downAfterMs} ms): master ${ep(topo.redis[0])}, sentinels ${topo.sentinels.map(ep).join(",")}`,
    );

    // The client Harbor uses works the same way: ask the sentinels for the master, re-ask on errors.
    const client = new Redis({
      sentinels: topo.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: topo.masterSet,
      password,
      commandTimeout: 1000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: true,
      connectTimeout: 1000,
      retryStrategy: () => 100,
      sentinelRetryStrategy: () => 100,
      reconnectOnError: (err) => (/READONLY|NOREPLICAS/.test(err.message) ? 2 : false),
    });
    client.on("error", () => undefined);
    conns.push(client);

    const acked: number[] = [];
    let failed = 0;
    let next = 1;
    let stop = false;
    let killAt = 0;
    let firstAfterKill = 0;
    const errors = new Map<string, number>();
    const writer = (async () => {
      while (!stop && !box.expired) {
        const id = next++;
        const startedAt = Date.now();
        try {
          await client.set(`drill:${id}`, String(id));
          acked.push(id);
          if (killAt && startedAt > killAt && !firstAfterKill) firstAfterKill = Date.now();
        } catch (e) {
          failed++;
          const msg = (e as Error).message.split(/[\s:]/)[0];
          errors.set(msg, (errors.get(msg) ?? 0) + 1);
          await sleep(50);
        }
      }
    })();
    await sleep((opts.writeSecondsBefore ?? 2) * 1000);
    const [mHost, mPort] = (await admin(topo.sentinels[0], false).call(
      "SENTINEL",
      "get-master-addr-by-name",
      topo.masterSet,
    )) as string[];
    const victim = topo.redis.findIndex((r) => r.host === mHost && r.port === Number(mPort));
    say(
      `${acked.length} keys acknowledged; SIGKILL master redis${victim} (${mHost}:${mPort}, pid ${redisPids[victim]})`,
    );
    killAt = Date.now();
    box.kill(redisPids[victim], "SIGKILL");
    await box.waitFor(
      "writes on a promoted replica",
      async () => firstAfterKill > 0,
      (opts.timeoutSeconds ?? 40) * 1000,
      100,
    );
    const rtoSeconds = (firstAfterKill - killAt) / 1000;
    const [nHost, nPort] = (await admin(topo.sentinels[0], false).call(
      "SENTINEL",
      "get-master-addr-by-name",
      topo.masterSet,
    )) as string[];
    say(`sentinels promoted ${nHost}:${nPort}; writes succeed again after ${rtoSeconds.toFixed(2)} s`);
    await sleep(500);
    stop = true;
    await writer;

    const newMaster = admin({ host: nHost, port: Number(nPort) });
    let lost = 0;
    for (let i = 0; i < acked.length; i += 500) {
      const chunk = acked.slice(i, i + 500);
      const values = await newMaster.mget(...chunk.map((id) => `drill:${id}`));
      lost += values.filter((v) => v === null).length;
    }
    say(
      `acknowledged ${acked.length} keys, lost ${lost}, failed attempts ${failed} (${[...errors].map(([k, v]) => `${k} x${v}`).join(", ") || "none"})`,
    );

    // The old master comes back: its start script must ask the sentinels and start as a replica.
    redisPids[victim] = startNode(box, topo, "redis", victim, password, 0.125, 5);
    const restartedAsReplica = await box
      .waitFor(
        "the restarted old master to replicate the new master",
        async () => {
          const info = await admin(topo.redis[victim]).info("replication");
          return /role:slave/.test(info) && info.includes(`master_port:${nPort}`) && /master_link_status:up/.test(info);
        },
        20000,
        300,
      )
      .then(
        () => true,
        () => false,
      );
    say(
      `restarted redis${victim}: ${restartedAsReplica ? "rejoined as a replica of the new master" : "did NOT rejoin as a replica"} (${firstLine(join(box.dir, `redis${victim}.log`), "starting as")})`,
    );
    return {
      startupSeconds,
      oldMaster: `${mHost}:${mPort}`,
      newMaster: `${nHost}:${nPort}`,
      rtoSeconds,
      acknowledged: acked.length,
      lost,
      failedWrites: failed,
      restartedAsReplica,
      downAfterMs,
    };
  } finally {
    for (const c of conns) c.disconnect();
    await box.stopAll();
  }
}

function firstLine(file: string, prefix: string): string {
  try {
    return (
      readFileSync(file, "utf8")
        .split("\n")
        .reverse()
        .find((l) => l.startsWith(prefix)) ?? "no start line"
    );
  } catch {
    return "no log";
  }
}
