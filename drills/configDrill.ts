/**
 * Drill 3: the configs rendered for the dev, staging and prod stacks are accepted by the real daemons.
 * - `patroni --validate-config` on the CLUSTER flavour (Kubernetes DCS, pod DNS names) that
 *   PatroniCluster hands to Spilo; Patroni refuses loopback connect addresses, so this is the flavour
 *   to validate.
 * - redis-server and redis-sentinel start from every redis.conf / sentinel.conf rendered with each
 *   stack's sizing (loopback endpoints and a temp dir: sentinels resolve host names at load time).
 */
import { spawnSync } from "child_process";
import { readFileSync, writeFileSync } from "fs";
import Redis from "ioredis";
import { join, resolve } from "path";
import { parse, stringify } from "yaml";
import { DbPool } from "../components/conventions/connectionBudget";
import { renderClusterPatroniConfig } from "../components/postgres/clusterPatroniConfig";
import {
  Endpoint,
  RedisTopology,
  redisMaxmemoryMb,
  renderRedisConf,
  renderSentinelConf,
} from "../components/redis/renderRedisConfig";
import { PATRONI, PG_BIN } from "./postgresDrill";
import { REDIS_SENTINEL, REDIS_SERVER } from "./redisDrill";
import { freePorts, missingBinaries, Sandbox, say } from "./procs";

export const STACKS = ["dev", "staging", "prod"] as const;
export type StackName = (typeof STACKS)[number];

/** The data-tier sizing of a stack, read from its stack file (the Args the platform passes on). */
export interface StackDataArgs {
  postgres: { members?: number; memoryGi?: number; synchronousMode?: boolean };
  redis: { replicas?: number; sentinels?: number; quorum?: number; memoryGi?: number };
  /** Harbor's components that hold a pool (the platform's connection budget input). */
  clientPools: DbPool[];
}

export function stackDataArgs(stack: StackName, root = resolve(__dirname, "..")): StackDataArgs {
  const file = parse(readFileSync(join(root, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: {
      "harbor-ha:postgres"?: StackDataArgs["postgres"];
      "harbor-ha:redis"?: StackDataArgs["redis"];
      "harbor-ha:harbor"?: { replicas?: number; maxOpenConns?: number; metrics?: boolean };
    };
  };
  const c = file.config ?? {};
  const harbor = c["harbor-ha:harbor"] ?? {};
  const replicas = harbor.replicas ?? 2;
  return {
    postgres: c["harbor-ha:postgres"] ?? {},
    redis: c["harbor-ha:redis"] ?? {},
    // As the platform computes it (harborDbPools): core, jobservice and (with metrics) exporter.
    clientPools: ["core", "jobservice", ...(harbor.metrics === false ? [] : ["exporter"])].map((component) => ({
      component,
      replicas,
      maxOpenConns: harbor.maxOpenConns ?? 100,
    })),
  };
}

export function configDrillUnavailable(): string | undefined {
  const missing = missingBinaries([PATRONI, `${PG_BIN}/postgres`, REDIS_SERVER, REDIS_SENTINEL]);
  return missing.length ? `missing ${missing.join(", ")}` : undefined;
}

export interface ConfigDrillResult {
  stack: StackName;
  patroniValid: boolean;
  patroniOutput: string;
  /** Control: the loopback variant is refused (the validator really checks). */
  loopbackRefused: boolean;
  maxConnections: number;
  redisStarted: number;
  sentinelsStarted: number;
  problems: string[];
}

/** Validates one stack's Patroni config and starts every Redis/Sentinel config it renders. */
export async function runConfigDrill(stack: StackName, budgetSeconds = 15): Promise<ConfigDrillResult> {
  const a = stackDataArgs(stack);
  const box = new Sandbox(`cfg-${stack}`);
  box.budget(budgetSeconds);
  const problems: string[] = [];
  const conns: Redis[] = [];
  try {
    const { config, budget } = renderClusterPatroniConfig("harbor-db", { ...a.postgres, clientPools: a.clientPools });
    // Spilo finds its own binaries; the validator checks bin_dir, so point it at this machine's.
    const file = join(box.dir, "patroni.yml");
    writeFileSync(file, stringify({ ...config, postgresql: { ...(config.postgresql as object), bin_dir: PG_BIN } }));
    const v = spawnSync(PATRONI, ["--validate-config", file], { encoding: "utf8", timeout: 20000 });
    const patroniOutput = `${v.stdout ?? ""}${v.stderr ?? ""}`.trim();
    const patroniValid = v.status === 0;
    if (!patroniValid) problems.push(`patroni --validate-config (exit ${v.status}): ${patroniOutput}`);
    // Control: the validator is live and strict: the same config with loopback addresses is refused.
    const loop = join(box.dir, "patroni-loopback.yml");
    const host = "127.0.0.1";
    writeFileSync(
      loop,
      stringify({
        ...config,
        restapi: { listen: `${host}:8008`, connect_address: `${host}:8008` },
        postgresql: { ...(config.postgresql as object), bin_dir: PG_BIN, connect_address: `${host}:5432` },
      }),
    );
    const loopbackRefused =
      spawnSync(PATRONI, ["--validate-config", loop], { encoding: "utf8", timeout: 20000 }).status !== 0;
    if (!loopbackRefused)
      problems.push("patroni --validate-config accepted loopback connect addresses: the validator is not checking");
    say(
      `${stack}: patroni --validate-config ${patroniValid ? "accepts" : "REFUSES"} the cluster config (max_connections ${budget.maxConnections}); loopback control ${loopbackRefused ? "refused" : "ACCEPTED"}`,
    );

    const nRedis = a.redis.replicas ?? 3;
    const nSentinels = a.redis.sentinels ?? 3;
    const ports = await freePorts(nRedis + nSentinels);
    const topo: RedisTopology = {
      masterSet: "harbor",
      redis: ports.slice(0, nRedis).map((port) => ({ host: "127.0.0.1", port })),
      sentinels: ports.slice(nRedis).map((port) => ({ host: "127.0.0.1", port })),
      quorum: a.redis.quorum ?? 2,
    };
    const start = (kind: "redis" | "sentinel", self: Endpoint, i: number) => {
      const dir = box.mkdir(`${kind}${i}`);
      const conf = join(dir, `${kind}.conf`);
      writeFileSync(
        conf,
        kind === "redis"
          ? renderRedisConf({
              self,
              bind: "127.0.0.1",
              dir,
              maxmemoryMb: redisMaxmemoryMb(a.redis.memoryGi ?? 2),
              replicas: nRedis - 1,
            })
          : renderSentinelConf({ ...topo, self, bind: "127.0.0.1", dir }),
      );
      box.start(`${kind}${i}`, kind === "redis" ? REDIS_SERVER : REDIS_SENTINEL, [conf]);
    };
    topo.redis.forEach((e, i) => start("redis", e, i));
    topo.sentinels.forEach((e, i) => start("sentinel", e, i));
    const answers = async (e: Endpoint) => {
      const r = new Redis({
        host: e.host,
        port: e.port,
        maxRetriesPerRequest: 1,
        retryStrategy: () => null,
        connectTimeout: 1000,
        lazyConnect: true,
      });
      r.on("error", () => undefined);
      conns.push(r);
      await r.connect();
      return (await r.ping()) === "PONG";
    };
    let redisStarted = 0;
    let sentinelsStarted = 0;
    for (const [i, e] of topo.redis.entries()) {
      if (await box.waitFor(`redis${i}`, () => answers(e), 10000).catch(() => false)) redisStarted++;
      else problems.push(`redis-server did not start from redis${i}.conf: ${tail(join(box.dir, `redis${i}.log`))}`);
    }
    for (const [i, e] of topo.sentinels.entries()) {
      if (await box.waitFor(`sentinel${i}`, () => answers(e), 10000).catch(() => false)) sentinelsStarted++;
      else
        problems.push(
          `redis-sentinel did not start from sentinel${i}.conf: ${tail(join(box.dir, `sentinel${i}.log`))}`,
        );
    }
    say(
      `${stack}: ${redisStarted}/${nRedis} redis-server and ${sentinelsStarted}/${nSentinels} redis-sentinel started from their rendered configs`,
    );
    return {
      stack,
      patroniValid,
      patroniOutput,
      loopbackRefused,
      maxConnections: budget.maxConnections,
      redisStarted,
      sentinelsStarted,
      problems,
    };
  } finally {
    for (const c of conns) c.disconnect();
    await box.stopAll();
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-3).join(" | ");
  } catch {
    return "(no log)";
  }
}
