/**
 * Drill 1: a real 3-member Patroni 3 / PostgreSQL 15 cluster on etcd 3.4, configured by the same
 * renderPatroniConfig the Kubernetes cluster uses (etcd3 DCS and loopback addresses instead of the
 * Kubernetes DCS and pod DNS names; everything else identical). Rows are written continuously through
 * the leader; the leader's patroni and postgres are SIGKILLed; the drill measures the time until a new
 * leader accepts writes (RTO) and counts acknowledged rows missing afterwards.
 */
import { execFileSync, spawnSync } from "child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "fs";
import * as http from "http";
import { arch } from "os";
import { join } from "path";
import { Client } from "pg";
import { stringify } from "yaml";
import {
  PatroniConfigArgs,
  PatroniTiming,
  patroniSettings,
  renderPatroniConfig,
} from "../components/postgres/renderPatroniConfig";
import { renderApplyDcsScript, renderHarborDbScript } from "../components/postgres/renderJobScripts";
import { freePorts, missingBinaries, Sandbox, SETPRIV, say, sleep } from "./procs";

export const PG_BIN = "/usr/lib/postgresql/15/bin";
export const PATRONI = "/usr/bin/patroni";
export const ETCD = "/usr/bin/etcd";

/** Why the Postgres drill cannot run here (undefined: it can). */
export function postgresDrillUnavailable(): string | undefined {
  const missing = missingBinaries([PATRONI, ETCD, `${PG_BIN}/postgres`, SETPRIV]);
  if (missing.length) return `missing ${missing.join(", ")} (apt-get install -y patroni etcd-server postgresql-15)`;
  try {
    execFileSync("id", ["-u", "postgres"], { stdio: "ignore" });
  } catch {
    return "no `postgres` user (created by the postgresql-15 package)";
  }
  return undefined;
}

/**
 * Drill timing. The cluster runs Patroni's defaults (ttl 30 / loop_wait 10 / retry_timeout 10), sized
 * for a Kubernetes API server's hiccups; after a hard kill the leader key lives out its TTL, so the
 * drill uses a shorter TTL that still obeys loop_wait + 2*retry_timeout <= ttl, checked by the same
 * renderer. A hard-killed leader in the cluster costs up to about ttl + loop_wait seconds.
 */
export const DRILL_TIMING: PatroniTiming = { ttl: 10, loopWait: 2, retryTimeout: 4 };

export interface PostgresDrillResult {
  members: number;
  startupSeconds: number;
  oldLeader: string;
  newLeader: string;
  rtoSeconds: number;
  acknowledged: number;
  lost: number;
  failedWrites: number;
}

export interface Member {
  name: string;
  pgPort: number;
  restPort: number;
  dir: string;
  dataDir: string;
  patroniPid: number;
}

export function httpStatus(port: number, path: string, timeoutMs = 1000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

export async function leaderOf(members: Member[], exclude?: string): Promise<Member | undefined> {
  for (const m of members) {
    if (m.name === exclude) continue;
    try {
      if ((await httpStatus(m.restPort, "/primary", 500)).status === 200) return m;
    } catch {
      /* member down */
    }
  }
  return undefined;
}

/**
 * PID of the postmaster running on `dataDir`, read from postmaster.pid. A SIGKILLed postmaster leaves
 * the file behind, so the PID counts only while /proc says it is still a postgres on this data dir
 * (never signal a PID the kernel may have given to someone else).
 */
export function postmasterPid(dataDir: string): number | undefined {
  const f = join(dataDir, "postmaster.pid");
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return cmdline[0].endsWith("postgres") && cmdline.includes(dataDir) ? pid : undefined;
  } catch {
    return undefined; // gone
  }
}

export interface PostgresDrillOptions {
  /** Patroni members. Default: 3. */
  members?: number;
  /** Seconds of writes before the kill. Default: 3. */
  writeSecondsBefore?: number;
  /** Seconds to wait for a new leader to accept writes. Default: 45. */
  timeoutSeconds?: number;
  /** DCS timing (checked by the renderer). Default: DRILL_TIMING. */
  timing?: PatroniTiming;
  /** Whole-drill budget: after it every daemon is killed and the drill fails. Default: 70. */
  budgetSeconds?: number;
}

export async function runPostgresDrill(opts: PostgresDrillOptions = {}): Promise<PostgresDrillResult> {
  const n = opts.members ?? 3;
  const timing = opts.timing ?? DRILL_TIMING;
  const box = new Sandbox("pg", "postgres");
  box.budget(opts.budgetSeconds ?? 70);
  const superPassword = `drill-${process.pid}-${Date.now()}`;
  const started = Date.now();
  const clients: Client[] = [];
  const members: Member[] = [];
  // Postmasters run in their own session (Patroni detaches them): kill each by PID, with its children
  // (listed first: once the postmaster dies they are re-parented), whatever happens.
  box.onCleanup(() => {
    for (const m of members) {
      const pid = postmasterPid(m.dataDir);
      if (!pid) continue;
      const children = childrenOf(pid);
      for (const p of [pid, ...children]) box.kill(p, "SIGKILL");
    }
  });
  try {
    const [etcdClient, etcdPeer, ...ports] = await freePorts(2 + 2 * n);
    const etcdDir = box.mkdir("etcd");
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    box.start(
      "etcd",
      ETCD,
      [
        "--name",
        "drill",
        "--data-dir",
        etcdDir,
        "--listen-client-urls",
        etcdUrl,
        "--advertise-client-urls",
        etcdUrl,
        "--listen-peer-urls",
        `http://127.0.0.1:${etcdPeer}`,
        "--initial-advertise-peer-urls",
        `http://127.0.0.1:${etcdPeer}`,
        "--initial-cluster",
        `drill=http://127.0.0.1:${etcdPeer}`,
      ],
      arch() === "x64" ? {} : { ETCD_UNSUPPORTED_ARCH: arch() === "arm64" ? "arm64" : arch() },
    );
    await box.waitFor("etcd", async () => (await httpStatus(etcdClient, "/health")).body.includes("true"), 20000);
    say(`etcd up on 127.0.0.1:${etcdClient}`);
    // Say what stands in for what: the pods run Spilo's Patroni on the Kubernetes DCS.
    say(
      "stand-ins: Debian's Patroni 3.0.2 and PostgreSQL 15 play Spilo's Patroni and PostgreSQL 17; etcd 3.4 plays the Kubernetes DCS (ConfigMaps); the Patroni config is the cluster's renderer (etcd3 flavour), with its pg_hba replication lines, local shared_buffers and failsafe_mode",
    );

    const { budget: _budget, ...settings } = patroniSettings({
      scope: "drill",
      members: n,
      memoryGi: 0.25,
      synchronousMode: true,
      timing,
      pools: [{ component: "drill writers", replicas: 2, maxOpenConns: 20, maxSurge: 0 }],
    });
    const env = {
      PATRONI_SUPERUSER_PASSWORD: superPassword,
      PATRONI_REPLICATION_PASSWORD: `${superPassword}-repl`,
      PATRONI_REWIND_PASSWORD: superPassword,
    };
    const configArgs = (m: { name: string; pgPort: number; restPort: number; dir: string }): PatroniConfigArgs => ({
      ...settings,
      clientCidr: "127.0.0.1/32",
      requireSsl: false, // no certificates in the sandbox; the cluster requires TLS
      dcs: { type: "etcd3", hosts: [`127.0.0.1:${etcdClient}`] },
      member: {
        name: m.name,
        restApiListen: `127.0.0.1:${m.restPort}`,
        restApiConnect: `127.0.0.1:${m.restPort}`,
        postgresListen: `127.0.0.1:${m.pgPort}`,
        postgresConnect: `127.0.0.1:${m.pgPort}`,
        dataDir: join(m.dir, "data"),
        binDir: PG_BIN,
        pgpass: join(m.dir, "pgpass"),
        socketDir: m.dir,
      },
    });
    for (let i = 0; i < n; i++) {
      const name = `pg${i}`;
      const dir = box.mkdir(name);
      const [pgPort, restPort] = [ports[2 * i], ports[2 * i + 1]];
      const config = renderPatroniConfig(configArgs({ name, pgPort, restPort, dir }));
      const file = join(dir, "patroni.yml");
      writeFileSync(file, stringify(config));
      box.chown(file);
      const d = box.start(name, PATRONI, [file], env);
      members.push({ name, pgPort, restPort, dir, dataDir: join(dir, "data"), patroniPid: d.pid });
    }
    say(
      `started ${n} patroni members (synchronous_mode, ttl ${timing.ttl ?? 30}s loop_wait ${timing.loopWait ?? 10}s retry_timeout ${timing.retryTimeout ?? 10}s)`,
    );

    const first = await box.waitFor("a Patroni leader", () => leaderOf(members), 90000, 500);
    say(`leader elected: ${first.name}`);
    // Ready when every member streams and one is the synchronous standby.
    await box.waitFor(
      "all members streaming with a synchronous standby",
      async () => {
        const c = JSON.parse((await httpStatus(first.restPort, "/cluster")).body) as {
          members: { role: string; state: string }[];
        };
        const running = c.members.filter((m) => m.state === "running" || m.state === "streaming").length;
        return running === n && c.members.some((m) => m.role === "sync_standby");
      },
      90000,
      500,
    );
    const startupSeconds = (Date.now() - started) / 1000;
    // Leadership may have moved while the members bootstrapped: ask again.
    const leader = await box.waitFor("the leader", () => leaderOf(members), 30000, 250);
    say(`cluster ready in ${startupSeconds.toFixed(1)} s, leader ${leader.name}`);

    const connect = async (m: Member) => {
      const c = new Client({
        host: "127.0.0.1",
        port: m.pgPort,
        user: "postgres",
        password: superPassword,
        database: "postgres",
        connectionTimeoutMillis: 1000,
        statement_timeout: 2000,
        query_timeout: 2500,
      });
      c.on("error", () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    };
    // Harbor's database and role, by the very script the cluster's Job runs; twice, to prove it idempotent.
    const harborPassword = `${superPassword}-harbor`;
    const scriptFile = join(box.dir, "create-harbor-db.sh");
    writeFileSync(scriptFile, renderHarborDbScript("registry", "harbor"));
    for (let run = 1; run <= 2; run++) {
      const r = spawnSync("sh", [scriptFile], {
        encoding: "utf8",
        timeout: 20000,
        env: {
          PATH: `${PG_BIN}:${process.env.PATH}`,
          PGHOST: "127.0.0.1",
          PGPORT: String(leader.pgPort),
          PGUSER: "postgres",
          PGPASSWORD: superPassword,
          PGSSLMODE: "disable",
          HARBOR_PASSWORD: harborPassword,
        },
      });
      if (r.status !== 0) throw new Error(`create-harbor-db.sh run ${run} failed: ${r.stderr}`);
    }
    const harbor = new Client({
      host: "127.0.0.1",
      port: leader.pgPort,
      user: "harbor",
      password: harborPassword,
      database: "registry",
      connectionTimeoutMillis: 2000,
    });
    await harbor.connect();
    await harbor.query("CREATE TABLE harbor_probe (id int)");
    await harbor.end();
    say("create-harbor-db.sh ran twice (idempotent); harbor can log in to registry and create tables");

    // The cluster's apply-dcs Job, run for real: the rendered dynamic config PATCHed in through the leader's REST API.
    if (existsSync("/usr/bin/curl")) {
      const dcsFile = join(box.dir, "dcs.json");
      writeFileSync(
        dcsFile,
        JSON.stringify((renderPatroniConfig(configArgs(members[0])).bootstrap as { dcs: unknown }).dcs),
      );
      const scriptPath = join(box.dir, "apply-dcs.sh");
      writeFileSync(scriptPath, renderApplyDcsScript());
      const r = spawnSync("sh", [scriptPath], {
        encoding: "utf8",
        timeout: 20000,
        env: { PATH: process.env.PATH, PATRONI_URL: `http://127.0.0.1:${leader.restPort}`, DCS_JSON: dcsFile },
      });
      if (r.status !== 0) throw new Error(`apply-dcs.sh failed: ${r.stderr}`);
      const applied = JSON.parse((await httpStatus(leader.restPort, "/config")).body) as {
        ttl: number;
        synchronous_mode: boolean;
      };
      if (applied.ttl !== (timing.ttl ?? 30) || applied.synchronous_mode !== true)
        throw new Error(`apply-dcs.sh: DCS config not as rendered: ${JSON.stringify(applied)}`);
      say("apply-dcs.sh PATCHed the rendered dynamic configuration through the leader's REST API");
    }

    const setup = await connect(leader);
    await setup.query("CREATE TABLE IF NOT EXISTS drill_writes (id bigint PRIMARY KEY, at timestamptz DEFAULT now())");
    await setup.end().catch(() => undefined);

    // Writer: one row at a time, autocommit; an id counts as acknowledged only when COMMIT returned.
    const acked: number[] = [];
    let failed = 0;
    let next = 1;
    let stop = false;
    let killAt = 0;
    let firstAfterKill = 0;
    let writingTo = "";
    let victimName = "";
    let firstWriter = "";
    const writer = (async () => {
      let c: Client | undefined;
      while (!stop && !box.expired) {
        try {
          if (!c) {
            const l = await leaderOf(members);
            if (!l) throw new Error("no leader");
            c = await connect(l);
            const r = await c.query("SELECT pg_is_in_recovery() AS ro");
            if (r.rows[0].ro) throw new Error(`${l.name} is not writable yet`);
            if (writingTo !== l.name) say(`writer connected to leader ${l.name}`);
            writingTo = l.name;
          }
          const id = next++;
          const startedAt = Date.now();
          await c.query("INSERT INTO drill_writes (id) VALUES ($1)", [id]);
          acked.push(id);
          // Only a write begun after the kill, on another member, proves a new leader: the old
          // leader's backends can still finish a commit before they notice their postmaster died.
          if (killAt && startedAt > killAt && writingTo !== victimName && !firstAfterKill) {
            firstAfterKill = Date.now();
            firstWriter = writingTo;
          }
        } catch {
          failed++;
          if (c) c.end().catch(() => undefined);
          c = undefined;
          await sleep(100);
        }
      }
      if (c) await c.end().catch(() => undefined);
    })();

    await sleep((opts.writeSecondsBefore ?? 3) * 1000);
    const victim = (await leaderOf(members))!;
    victimName = victim.name;
    const pmPid = postmasterPid(victim.dataDir);
    // The postmaster's children (backends, walsenders, checkpointer...), listed before the kill:
    // once it dies they are re-parented and no longer recognisable as this member's.
    const children = pmPid ? childrenOf(pmPid) : [];
    say(
      `${acked.length} rows acknowledged; SIGKILL ${victim.name}'s patroni (pid ${victim.patroniPid}) and postgres (postmaster pid ${pmPid} + ${children.length} children)`,
    );
    if (!pmPid) throw new Error(`no running postmaster found for ${victim.name}`);
    killAt = Date.now();
    box.kill(victim.patroniPid, "SIGKILL");
    box.kill(pmPid, "SIGKILL");
    for (const pid of children) box.kill(pid, "SIGKILL");
    await box.waitFor(
      "a new leader accepting writes",
      async () => firstAfterKill > 0,
      (opts.timeoutSeconds ?? 45) * 1000,
      100,
    );
    const rtoSeconds = (firstAfterKill - killAt) / 1000;
    const newLeader = firstWriter;
    say(`new leader ${newLeader} accepted writes after ${rtoSeconds.toFixed(2)} s`);
    await sleep(1000);
    stop = true;
    await writer;

    const check = await box.waitFor(
      "a connection to the new leader",
      async () => connect((await leaderOf(members, victim.name))!),
      15000,
      250,
    );
    const have = new Set<number>(
      (await check.query("SELECT id FROM drill_writes")).rows.map((r: { id: string }) => Number(r.id)),
    );
    await check.end().catch(() => undefined);
    const lost = acked.filter((id) => !have.has(id)).length;
    say(`acknowledged ${acked.length} rows, lost ${lost}, failed attempts ${failed}`);
    return {
      members: n,
      startupSeconds,
      oldLeader: victim.name,
      newLeader,
      rtoSeconds,
      acknowledged: acked.length,
      lost,
      failedWrites: failed,
    };
  } catch (e) {
    for (const m of members) say(`--- tail of ${m.name} log ---\n${tail(join(box.dir, `${m.name}.log`))}`);
    throw e;
  } finally {
    for (const c of clients) await c.end().catch(() => undefined);
    await box.stopAll();
  }
}

/** PIDs whose parent is `pid` (from /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat, after the parenthesised command name (which may hold spaces).
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
