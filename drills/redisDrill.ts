/**
 * Drill 2: 3 redis-server + 3 redis-sentinel on loopback, configured and started by the same
 * renderers and start scripts the cluster uses (127.0.0.1 with distinct ports instead of pod DNS
 * names; each daemon's directory stands in for its PersistentVolume). Keys are written continuously
 * through a Sentinel-aware client (as Harbor's), and one set lives through five scenarios in a row:
 *   1. master SIGKILL: the sentinels promote a replica; the old master, restarted, rejoins as a replica;
 *   2. every sentinel replaced with its state wiped: the new sentinels find the real master by asking;
 *   3. full restart (every Redis node and sentinel, SIGTERM as a pod deletion): the real master stays
 *      master and no acknowledged key is lost;
 *   4. one sentinel (a minority) lost, then the master killed: the two left still fail over;
 *   5. two of three Redis nodes down (master and a replica): the sentinels promote the survivor, which
 *      refuses writes (`min-replicas-to-write 1`) until a second node is back.
 * Each scenario states what should happen, checks it, and reports its RTO and acknowledged keys lost.
 */
import { chmodSync, rmSync, writeFileSync } from "fs";
import Redis from "ioredis";
import * as net from "net";
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
  const missing = missingBinaries([REDIS_SERVER, REDIS_SENTINEL, REDIS_CLI, "/bin/sh", "/usr/bin/timeout"]);
  return missing.length ? `missing ${missing.join(", ")} (apt-get install -y redis-server redis-sentinel)` : undefined;
}

/** One scenario's outcome. */
export interface RedisScenario {
  name: string;
  /** What should happen (the assertion, in words). */
  expected: string;
  pass: boolean;
  /** Seconds from the fault until writes through the sentinels succeed again. */
  rtoSeconds: number;
  /** Keys acknowledged so far (all scenarios). */
  acknowledged: number;
  /** Acknowledged keys found missing in this scenario (not counted before). */
  lost: number;
  /** What was observed. */
  detail: string;
}

export interface RedisDrillResult {
  startupSeconds: number;
  /** down-after-milliseconds the sentinels ran with (read back from a sentinel). */
  downAfterMs: number;
  scenarios: RedisScenario[];
}

export interface RedisDrillOptions {
  /** Sentinel down-after-milliseconds (renderer arg). Default: the component's (5000), so the RTO is the cluster's. */
  downAfterMs?: number;
  /** Whole-drill budget: after it every daemon is killed and the drill fails. Default: 120. */
  budgetSeconds?: number;
  /** Redis failover target, s (scenarios 1 and 4). Default: 10. */
  rtoTargetSeconds?: number;
  /** Loss bound for hard kills (asynchronous replication): fraction of acknowledged keys. Default: 0.01. */
  lostFraction?: number;
}

const ep = (e: Endpoint) => `${e.host}:${e.port}`;

/** Something accepts TCP connections on `e`. */
function listening(e: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: e.host, port: e.port });
    sock.setTimeout(500);
    sock.once("connect", () => (sock.destroy(), resolve(true)));
    sock.once("error", () => resolve(false));
    sock.once("timeout", () => (sock.destroy(), resolve(false)));
  });
}
const MEMORY_GI = 0.125;

export async function runRedisDrill(opts: RedisDrillOptions = {}): Promise<RedisDrillResult> {
  const box = new Sandbox("redis");
  box.budget(opts.budgetSeconds ?? 120);
  const rtoTarget = opts.rtoTargetSeconds ?? 10;
  const lostFraction = opts.lostFraction ?? 0.01;
  const password = `drill-${process.pid}-${Date.now()}`;
  const started = Date.now();
  const conns: Redis[] = [];
  let stop = false;
  const connect = (e: Endpoint, pw = true) => {
    const r = new Redis({
      host: e.host,
      port: e.port,
      password: pw ? password : undefined,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
      connectTimeout: 1000,
    });
    r.on("error", () => undefined);
    conns.push(r);
    return r;
  };
  /** Runs fn on a short-lived connection. */
  const ask = async <T>(e: Endpoint, fn: (r: Redis) => Promise<T>, pw = true): Promise<T> => {
    const r = connect(e, pw);
    try {
      return await fn(r);
    } finally {
      r.disconnect();
    }
  };
  try {
    const ports = await freePorts(6);
    const topo: RedisTopology = {
      masterSet: "harbor",
      redis: ports.slice(0, 3).map((port) => ({ host: "127.0.0.1", port })),
      sentinels: ports.slice(3).map((port) => ({ host: "127.0.0.1", port })),
      quorum: 2,
      downAfterMs: opts.downAfterMs,
    };
    const dirOf = (kind: "redis" | "sentinel", i: number) => join(box.dir, `${kind}${i}`);
    /** Renders one daemon's files into its directory (its "volume") and starts it with its start script. */
    const start = (kind: "redis" | "sentinel", i: number, askRounds = 5): number => {
      const self = kind === "redis" ? topo.redis[i] : topo.sentinels[i];
      const dir = box.mkdir(`${kind}${i}`);
      const conf = join(dir, `${kind}.rendered.conf`);
      const script = join(dir, "start.sh");
      const common = { ...topo, source: conf, self, cli: REDIS_CLI, askRounds };
      if (kind === "redis") {
        writeFileSync(
          conf,
          renderRedisConf({ self, bind: "127.0.0.1", dir, maxmemoryMb: redisMaxmemoryMb(MEMORY_GI), replicas: 2 }),
        );
        writeFileSync(
          script,
          renderRedisStartScript({ ...common, target: join(dir, "redis.conf"), server: REDIS_SERVER }),
        );
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
    };
    const redisPids: number[] = [];
    const sentinelPids: number[] = [];

    const info = async (e: Endpoint) => {
      const text = await ask(e, (r) => r.info("replication"));
      return Object.fromEntries(
        text
          .split(/\r?\n/)
          .filter((l) => l.includes(":"))
          .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1)]),
      ) as Record<string, string>;
    };
    const sentinelMaster = async (s: Endpoint) => {
      const [h, p] = (await ask(s, (r) => r.call("SENTINEL", "get-master-addr-by-name", topo.masterSet), false)) as [
        string,
        string,
      ];
      return `${h}:${p}`;
    };
    const sentinelView = async (s: Endpoint) => {
      const flat = (await ask(s, (r) => r.call("SENTINEL", "MASTER", topo.masterSet), false)) as string[];
      return Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : []))) as Record<
        string,
        string
      >;
    };
    /** The node that is master with a live replica: the one the clients must reach. */
    const realMaster = async (): Promise<number | undefined> => {
      for (const [i, e] of topo.redis.entries()) {
        const r = await info(e).catch(() => undefined);
        if (r?.role === "master" && Number(r.connected_slaves) > 0) return i;
      }
      return undefined;
    };
    /** The set is whole again: the master has both replicas online, within a second of its offset. */
    const settle = (what: string) =>
      box
        .waitFor(
          what,
          async () => {
            const m = await realMaster();
            if (m === undefined) return false;
            const r = await info(topo.redis[m]);
            const online = Object.keys(r).filter(
              (k) => /^slave\d+$/.test(k) && /state=online/.test(r[k]) && /lag=[01]\b/.test(r[k]),
            );
            return online.length === topo.redis.length - 1 ? m + 1 : false;
          },
          30000,
          200,
        )
        .then((x) => x - 1);
    /** Every running sentinel (those in `which`) reports node `m` as master and sees `replicas` replicas and `peers` peers. */
    const sentinelsAgree = async (m: number, which: number[], replicas: number, peers: number) => {
      for (const i of which) {
        const v = await sentinelView(topo.sentinels[i]);
        if (`${v.ip}:${v.port}` !== ep(topo.redis[m])) return false;
        if (Number(v["num-slaves"]) < replicas || Number(v["num-other-sentinels"]) < peers) return false;
      }
      return true;
    };

    // Brand-new set: only the first node (empty data, nobody answering) bootstraps; the others wait for it.
    topo.redis.forEach((_, i) => (redisPids[i] = start("redis", i, 1)));
    topo.sentinels.forEach((_, i) => (sentinelPids[i] = start("sentinel", i)));
    await box.waitFor(
      "a new set: redis0 master with 2 replicas, 3 sentinels agreeing",
      () => sentinelsAgree(0, [0, 1, 2], 2, 2),
      40000,
      300,
    );
    const downAfterMs = Number((await sentinelView(topo.sentinels[0]))["down-after-milliseconds"]);
    const startupSeconds = (Date.now() - started) / 1000;
    say(
      `redis set ready in ${startupSeconds.toFixed(1)} s (down-after ${downAfterMs} ms): master ${ep(topo.redis[0])}`,
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

    /** Acknowledged key id -> when the write started and was acknowledged. */
    const acked = new Map<number, { sent: number; at: number }>();
    const errors = new Map<string, number>();
    let next = 1;
    const writer = (async () => {
      while (!stop && !box.expired) {
        const id = next++;
        const sent = Date.now();
        try {
          await client.set(`drill:${id}`, String(id));
          acked.set(id, { sent, at: Date.now() });
        } catch (e) {
          const kind = (e as Error).message.split(/[\s:]/)[0];
          errors.set(kind, (errors.get(kind) ?? 0) + 1);
          await sleep(50);
        }
      }
    })();
    /** When the first write sent after `t` was acknowledged (waits for it). */
    const writesResumeAfter = async (t: number, what: string, timeoutMs: number) => {
      let first = 0;
      await box.waitFor(
        what,
        async () => {
          for (const v of acked.values()) if (v.sent > t && (!first || v.at < first)) first = v.at;
          return first > 0;
        },
        timeoutMs,
        100,
      );
      return (first - t) / 1000;
    };
    const counted = new Set<number>();
    /** Acknowledged keys missing on master `m` that no earlier scenario counted. */
    const newlyLost = async (m: number) => {
      const ids = [...acked.keys()];
      let lost = 0;
      for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000);
        const values = await ask(topo.redis[m], (r) => r.mget(...chunk.map((id) => `drill:${id}`)));
        values.forEach((v, j) => {
          if (v === null && !counted.has(chunk[j])) {
            counted.add(chunk[j]);
            lost++;
          }
        });
      }
      return lost;
    };
    const scenarios: RedisScenario[] = [];
    const report = (s: Omit<RedisScenario, "acknowledged">) => {
      const r = { ...s, acknowledged: acked.size };
      scenarios.push(r);
      say(
        `${r.pass ? "PASS" : "FAIL"} redis: ${r.name}: RTO ${r.rtoSeconds.toFixed(2)} s, lost ${r.lost} of ${r.acknowledged} acknowledged; expected: ${r.expected}; observed: ${r.detail}`,
      );
    };
    const masterNow = async (what: string, notIn: number[] = []) =>
      box
        .waitFor(
          what,
          async () => {
            const m = await realMaster();
            return m !== undefined && !notIn.includes(m) ? m + 1 : false;
          },
          30000,
          200,
        )
        .then((x) => x - 1);
    const lossBound = () => Math.ceil(acked.size * lostFraction);
    await sleep(1500);

    // 1. Master SIGKILL.
    {
      const m = await masterNow("the master");
      const killAt = Date.now();
      box.kill(redisPids[m], "SIGKILL");
      const rto = await writesResumeAfter(killAt, "writes on a promoted replica", 40000);
      const n = await masterNow("a promoted replica", [m]);
      await sleep(300);
      const lost = await newlyLost(n);
      redisPids[m] = start("redis", m);
      const rejoined = await box
        .waitFor(
          "the old master to rejoin as a replica",
          async () => {
            const r = await info(topo.redis[m]);
            return r.role === "slave" && r.master_port === String(topo.redis[n].port) && r.master_link_status === "up";
          },
          20000,
          300,
        )
        .then(
          () => true,
          () => false,
        );
      report({
        name: "master SIGKILL",
        expected: `failover within ${rtoTarget} s, loss <= ${lostFraction * 100} % (asynchronous replication), the restarted old master rejoins as a replica`,
        pass: rto <= rtoTarget && lost <= lossBound() && rejoined,
        rtoSeconds: rto,
        lost,
        detail: `redis${m} -> redis${n}; old master ${rejoined ? "rejoined as a replica" : "did NOT rejoin as a replica"}`,
      });
    }

    // 2. Every sentinel replaced, state wiped (new pods on new volumes) after that failover.
    {
      const m = await settle("the set whole again (old master resynced)");
      await box.waitFor("sentinels to see the rejoined replica", () => sentinelsAgree(m, [0, 1, 2], 2, 2), 20000, 300);
      const at = Date.now();
      sentinelPids.forEach((pid) => box.kill(pid, "SIGKILL"));
      await sleep(200);
      topo.sentinels.forEach((_, i) => rmSync(dirOf("sentinel", i), { recursive: true, force: true }));
      topo.sentinels.forEach((_, i) => (sentinelPids[i] = start("sentinel", i)));
      const agreed = await box
        .waitFor("new sentinels to monitor the real master", () => sentinelsAgree(m, [0, 1, 2], 2, 2), 30000, 200)
        .then(
          () => true,
          () => false,
        );
      const views = await Promise.all(topo.sentinels.map((s) => sentinelMaster(s).catch(() => "none")));
      // A client that starts now reaches the master through the new sentinels only.
      const fresh = new Redis({ sentinels: topo.sentinels, name: topo.masterSet, password, maxRetriesPerRequest: 1 });
      fresh.on("error", () => undefined);
      conns.push(fresh);
      const freshWrite = await fresh.set("drill:fresh-client", "1").then(
        (v) => v === "OK",
        () => false,
      );
      fresh.disconnect();
      const rto = (Date.now() - at) / 1000;
      const lost = await newlyLost(m);
      report({
        name: "all sentinels replaced, state wiped",
        expected:
          "the new sentinels monitor the real master (never a replica) and a new client writes through them; 0 lost",
        pass: agreed && freshWrite && lost === 0,
        rtoSeconds: rto,
        lost,
        detail: `master redis${m} (${ep(topo.redis[m])}); new sentinels report ${views.join(", ")}; new client write ${freshWrite ? "acknowledged" : "FAILED"}`,
      });
    }

    // 3. Full restart after the failover: every Redis node and sentinel stopped (SIGTERM) and started together.
    {
      const m = await masterNow("the master");
      await sleep(500);
      const at = Date.now();
      for (const pid of [...redisPids, ...sentinelPids]) box.kill(pid, "SIGTERM");
      await box.waitFor(
        "every daemon to stop",
        async () => {
          for (const e of [...topo.redis, ...topo.sentinels]) if (await listening(e)) return false;
          return true;
        },
        15000,
        100,
      );
      const stoppedAt = Date.now();
      topo.redis.forEach((_, i) => (redisPids[i] = start("redis", i)));
      topo.sentinels.forEach((_, i) => (sentinelPids[i] = start("sentinel", i)));
      const back = await masterNow("a master after the full restart").catch(() => -1);
      const rto = await writesResumeAfter(stoppedAt, "writes after the full restart", 40000).catch(() => Infinity);
      const lost = back >= 0 ? await newlyLost(back) : acked.size;
      report({
        name: "full restart after a failover",
        expected: `the real master (redis${m}) stays master, writes resume, 0 acknowledged keys lost`,
        pass: back === m && lost === 0 && Number.isFinite(rto),
        rtoSeconds: Number.isFinite(rto) ? rto + (stoppedAt - at) / 1000 : rto,
        lost,
        detail: `master after restart: ${back >= 0 ? `redis${back}` : "none"}; stop took ${((stoppedAt - at) / 1000).toFixed(1)} s`,
      });
    }

    // 4. One sentinel lost (a minority), then the master killed: two of three sentinels still fail over.
    {
      const m = await settle("the set whole after the restart");
      await box.waitFor("sentinels to agree after the restart", () => sentinelsAgree(m, [0, 1, 2], 2, 2), 30000, 300);
      box.kill(sentinelPids[2], "SIGKILL");
      await sleep(300);
      const killAt = Date.now();
      box.kill(redisPids[m], "SIGKILL");
      const rto = await writesResumeAfter(killAt, "writes after a failover by two sentinels", 40000).catch(
        () => Infinity,
      );
      const n = await masterNow("a promoted replica", [m]).catch(() => -1);
      const lost = n >= 0 ? await newlyLost(n) : 0;
      sentinelPids[2] = start("sentinel", 2);
      redisPids[m] = start("redis", m);
      report({
        name: "sentinel minority lost, then master SIGKILL",
        expected: `the two remaining sentinels (a majority of 3) fail over within ${rtoTarget} s; loss <= ${lostFraction * 100} %`,
        pass: n >= 0 && n !== m && rto <= rtoTarget && lost <= lossBound(),
        rtoSeconds: rto,
        lost,
        detail: `sentinel2 down; redis${m} -> ${n >= 0 ? `redis${n}` : "none"}`,
      });
    }

    // 5. Two of three Redis nodes down: master and a replica.
    {
      const m = await settle("the set whole again (old master and sentinel back)");
      await box.waitFor("sentinels to agree again", () => sentinelsAgree(m, [0, 1, 2], 2, 2), 30000, 300);
      const other = [0, 1, 2].find((i) => i !== m)!;
      const survivor = [0, 1, 2].find((i) => i !== m && i !== other)!;
      const killAt = Date.now();
      box.kill(redisPids[m], "SIGKILL");
      box.kill(redisPids[other], "SIGKILL");
      // The sentinels (all three up) promote the survivor; with no replica it must refuse writes.
      const promoted = await box
        .waitFor("the survivor promoted", async () => (await info(topo.redis[survivor])).role === "master", 30000, 200)
        .then(
          () => true,
          () => false,
        );
      const refusal = await ask(topo.redis[survivor], (r) => r.set("drill:probe", "1")).then(
        () => "accepted",
        (e: Error) => e.message.split(" ")[0],
      );
      const restartAt = Date.now();
      const ackedWhileDown = [...acked.values()].filter((v) => v.sent > killAt && v.at < restartAt).length;
      redisPids[other] = start("redis", other);
      const rto = await writesResumeAfter(killAt, "writes once a second node is back", 40000).catch(() => Infinity);
      const lost = await newlyLost(survivor);
      redisPids[m] = start("redis", m);
      report({
        name: "two of three Redis nodes down (master + replica)",
        expected:
          "the sentinels promote the survivor, which refuses writes (NOREPLICAS, min-replicas-to-write 1) until a restarted node replicates it; loss <= 1 %",
        pass:
          promoted && refusal === "NOREPLICAS" && ackedWhileDown === 0 && Number.isFinite(rto) && lost <= lossBound(),
        rtoSeconds: rto,
        lost,
        detail: `redis${m} and redis${other} killed; survivor redis${survivor} ${promoted ? "promoted" : "NOT promoted"}, a write to it: ${refusal}; ${ackedWhileDown} writes acknowledged while two were down; redis${other} restarted after ${((restartAt - killAt) / 1000).toFixed(1)} s`,
      });
    }

    stop = true;
    await writer;
    say(`write errors seen: ${[...errors].map(([k, v]) => `${k} x${v}`).join(", ") || "none"}`);
    return { startupSeconds, downAfterMs, scenarios };
  } finally {
    stop = true;
    for (const c of conns) c.disconnect();
    await box.stopAll();
  }
}
