/**
 * Drill 1: a real 3-member Patroni 3 / PostgreSQL 15 cluster on etcd 3.4, configured by the same
 * renderPatroniConfig the Kubernetes cluster uses (etcd3 DCS and loopback addresses instead of the
 * Kubernetes DCS and pod DNS names; everything else identical, failsafe_mode and synchronous_mode
 * included). Rows are written continuously through the leader while the drill breaks the cluster, one
 * scenario after another on the same cluster (each starts from three members streaming with a
 * synchronous standby, except the leader kill, which runs on the two left by the sync standby kill):
 *
 * - DCS outage (etcd SIGKILLed for longer than the TTL): with failsafe_mode the leader keeps serving
 *   (every member answers its POST /failsafe), so writes never stop; etcd comes back, nothing moved.
 * - replica kill (the asynchronous one): writes do not stall, nothing moves.
 * - sync standby kill: commits wait for a synchronous standby until Patroni names the other replica;
 *   the write stall is measured.
 * - leader kill: the synchronous standby takes over; RTO measured.
 * - leader and sync standby together: the asynchronous replica must NOT be promoted (it may lack
 *   acknowledged commits); writes resume when the old synchronous standby is restarted.
 *
 * Each scenario asserts its outcome and reports its RTO (or write stall) and acknowledged rows lost.
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
  /** The DCS timing the cluster ran with. */
  timing: Required<Pick<PatroniTiming, "ttl" | "loopWait" | "retryTimeout">>;
  /** Every scenario run, in order (the leader kill's figures are also above). */
  scenarios: PgScenario[];
}

/** One scenario's outcome. */
export interface PgScenario {
  name: string;
  /** What must happen. */
  expected: string;
  /** Seconds until writes were accepted again (for a stall: the longest gap between acknowledged writes). */
  rtoSeconds: number;
  /** Rows acknowledged by the end of the scenario, and how many of them the leader no longer has. */
  acknowledged: number;
  lost: number;
  pass: boolean;
  detail: string;
}

/** Scenario names, in the order they run. */
export const PG_SCENARIOS = [
  "DCS outage (failsafe_mode)",
  "replica SIGKILL",
  "sync standby SIGKILL",
  "leader SIGKILL",
  "leader and sync standby SIGKILL together",
] as const;

export interface Member {
  name: string;
  pgPort: number;
  restPort: number;
  dir: string;
  dataDir: string;
  patroniPid: number;
  /** Its patroni.yml (to restart it). */
  config: string;
}

interface ClusterView {
  members: { name: string; role: string; state: string }[];
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
  /** Seconds of writes before the first scenario. Default: 1. */
  writeSecondsBefore?: number;
  /** Seconds to wait for a new leader to accept writes. Default: 45. */
  timeoutSeconds?: number;
  /** DCS timing (checked by the renderer). Default: DRILL_TIMING. */
  timing?: PatroniTiming;
  /** Whole-drill budget: after it every daemon is killed and the drill fails. Default: 150 + 6 x ttl. */
  budgetSeconds?: number;
  /** Label in the output (e.g. "tuned", "default timing"). Default: the timing. */
  label?: string;
  /**
   * Called once the cluster is up and set up (its CPU-heavy start is over; the scenarios mostly wait),
   * or when the drill fails before: another drill may start then. Default: none.
   */
  onReady?: () => void;
}

export async function runPostgresDrill(opts: PostgresDrillOptions = {}): Promise<PostgresDrillResult> {
  const n = opts.members ?? 3;
  const timing = opts.timing ?? DRILL_TIMING;
  const box = new Sandbox("pg", "postgres");
  const ttl = timing.ttl ?? 30;
  const loopWait = timing.loopWait ?? 10;
  const retryTimeout = timing.retryTimeout ?? 10;
  const label = opts.label ?? `ttl ${ttl}/loop_wait ${loopWait}/retry_timeout ${retryTimeout}`;
  const tell = (line: string) => say(`[pg ${label}] ${line}`);
  box.budget(opts.budgetSeconds ?? 150 + 6 * ttl);
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
    const etcdArgs = [
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
    ];
    const etcdEnv: Record<string, string> =
      arch() === "x64" ? {} : { ETCD_UNSUPPORTED_ARCH: arch() === "arm64" ? "arm64" : arch() };
    let etcdPid = box.start("etcd", ETCD, etcdArgs, etcdEnv).pid;
    await box.waitFor("etcd", async () => (await httpStatus(etcdClient, "/health")).body.includes("true"), 20000);
    tell(`etcd up on 127.0.0.1:${etcdClient}`);
    // Say what stands in for what: the pods run Spilo's Patroni on the Kubernetes DCS.
    tell(
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
      members.push({ name, pgPort, restPort, dir, dataDir: join(dir, "data"), patroniPid: d.pid, config: file });
    }
    tell(
      `started ${n} patroni members (synchronous_mode, ttl ${timing.ttl ?? 30}s loop_wait ${timing.loopWait ?? 10}s retry_timeout ${timing.retryTimeout ?? 10}s)`,
    );

    const first = await box.waitFor("a Patroni leader", () => leaderOf(members), 90000, 500);
    tell(`leader elected: ${first.name}`);
    // Patroni's view of the cluster, asked of any member that answers.
    const view = async (): Promise<ClusterView> => {
      for (const m of members)
        try {
          return JSON.parse((await httpStatus(m.restPort, "/cluster")).body) as ClusterView;
        } catch {
          /* down: ask the next */
        }
      throw new Error("no member answers /cluster");
    };
    // Ready when every member streams and one is the synchronous standby.
    const healthy = (what: string, timeoutMs = 90000) =>
      box.waitFor(
        what,
        async () => {
          const c = await view();
          const running = c.members.filter((m) => m.state === "running" || m.state === "streaming").length;
          const leader = c.members.find((m) => m.role === "leader" || m.role === "master");
          return running === n && leader && c.members.some((m) => m.role === "sync_standby") ? c : undefined;
        },
        timeoutMs,
        500,
      );
    await healthy("all members streaming with a synchronous standby");
    const startupSeconds = (Date.now() - started) / 1000;
    // Leadership may have moved while the members bootstrapped: ask again.
    const leader = await box.waitFor("the leader", () => leaderOf(members), 30000, 250);
    tell(`cluster ready in ${startupSeconds.toFixed(1)} s, leader ${leader.name}`);

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
    tell("create-harbor-db.sh ran twice (idempotent); harbor can log in to registry and create tables");

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
      tell("apply-dcs.sh PATCHed the rendered dynamic configuration through the leader's REST API");
    }

    // Retried: on a loaded machine a first connection can miss the 1 s connect timeout.
    await box.waitFor(
      "the drill table on the leader",
      async () => {
        const setup = await connect((await leaderOf(members))!);
        try {
          await setup.query(
            "CREATE TABLE IF NOT EXISTS drill_writes (id bigint PRIMARY KEY, at timestamptz DEFAULT now())",
          );
          return true;
        } finally {
          await setup.end().catch(() => undefined);
        }
      },
      20000,
      500,
    );

    opts.onReady?.();
    // Writer: one row at a time, autocommit; an id counts as acknowledged only when COMMIT returned.
    const acked: number[] = [];
    /** When each acknowledged write began and when its COMMIT returned. */
    const ackStarted: number[] = [];
    const ackAt: number[] = [];
    const ackedOn: string[] = [];
    let failed = 0;
    let next = 1;
    let stop = false;
    let writingTo = "";
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
            if (writingTo !== l.name) tell(`writer connected to leader ${l.name}`);
            writingTo = l.name;
          }
          const id = next++;
          const startedAt = Date.now();
          // Long enough for a synchronous standby switch (loop_wait) without the writer giving up.
          await c.query("INSERT INTO drill_writes (id) VALUES ($1)", [id]);
          acked.push(id);
          ackStarted.push(startedAt);
          ackAt.push(Date.now());
          ackedOn.push(writingTo);
        } catch {
          failed++;
          if (c) c.end().catch(() => undefined);
          c = undefined;
          await sleep(100);
        }
      }
      if (c) await c.end().catch(() => undefined);
    })();

    /** The first write begun after `t` on a member other than `not`, acknowledged: [ack time, member]. */
    const firstWriteAfter = (t: number, not: string[] = []) => {
      for (let i = 0; i < ackAt.length; i++)
        if (ackStarted[i] > t && !not.includes(ackedOn[i])) return [ackAt[i], ackedOn[i]] as const;
      return undefined;
    };
    /** Longest time without an acknowledged write in [from, to] (from the last ack before `from`). */
    const longestStall = (from: number, to: number) => {
      let prev = from;
      for (let i = ackAt.length - 1; i >= 0; i--)
        if (ackAt[i] <= from) {
          prev = ackAt[i];
          break;
        }
      let max = 0;
      for (const t of ackAt) {
        if (t <= from || t > to) continue;
        max = Math.max(max, t - prev);
        prev = t;
      }
      return Math.max(max, to - prev);
    };
    /** Acknowledged rows (up to now: the writer goes on) the current leader does not have. */
    const lostNow = async (exclude: string[] = []) => {
      const upTo = acked.length;
      const check = await box.waitFor(
        "a connection to the leader",
        async () => connect((await leaderOf(members.filter((m) => !exclude.includes(m.name))))!),
        30000,
        250,
      );
      const have = new Set<number>(
        (await check.query("SELECT id FROM drill_writes")).rows.map((r: { id: string }) => Number(r.id)),
      );
      await check.end().catch(() => undefined);
      return { acknowledged: upTo, lost: acked.slice(0, upTo).filter((id) => !have.has(id)).length };
    };
    /** SIGKILL of a member's patroni and postgres (postmaster and every child, listed before the kill). */
    const hardKill = (m: Member) => {
      const pm = postmasterPid(m.dataDir);
      const children = pm ? childrenOf(pm) : [];
      if (!pm) throw new Error(`no running postmaster found for ${m.name}`);
      box.kill(m.patroniPid, "SIGKILL");
      box.kill(pm, "SIGKILL");
      for (const pid of children) box.kill(pid, "SIGKILL");
      tell(`SIGKILL ${m.name}: patroni (pid ${m.patroniPid}), postmaster (pid ${pm}) + ${children.length} children`);
    };
    /** Starts a killed member's patroni again on its data directory (as a pod restarts on its volume). */
    const restart = (m: Member) => {
      m.patroniPid = box.start(m.name, PATRONI, [m.config], env).pid;
    };
    const byName = (name: string) => members.find((m) => m.name === name)!;
    const roleHolder = (c: ClusterView, ...roles: string[]) => c.members.find((m) => roles.includes(m.role))?.name;

    const scenarios: PgScenario[] = [];
    const record = (s: PgScenario) => {
      scenarios.push(s);
      tell(
        `${s.pass ? "PASS" : "FAIL"} ${s.name}: ${s.rtoSeconds.toFixed(2)} s, lost ${s.lost}/${s.acknowledged}: ${s.detail}`,
      );
    };
    await sleep((opts.writeSecondsBefore ?? 1) * 1000);

    // 1. DCS outage with failsafe_mode: longer than the TTL, so without failsafe the leader would demote.
    {
      const before = await healthy("a healthy cluster before the DCS outage");
      const leader = roleHolder(before, "leader", "master")!;
      const holdMs = (ttl + 2 * loopWait + 2) * 1000;
      const killAt = Date.now();
      box.kill(etcdPid, "SIGKILL");
      tell(`SIGKILL etcd (the DCS) for ${holdMs / 1000} s; leader ${leader}`);
      let failsafeSeen = false;
      let demoted = "";
      while (Date.now() - killAt < holdMs && !box.expired) {
        try {
          const st = JSON.parse((await httpStatus(byName(leader).restPort, "/patroni", 1500)).body) as {
            role?: string;
            failsafe_mode_is_active?: boolean;
          };
          if (st.failsafe_mode_is_active) failsafeSeen = true;
          if (st.role !== "master" && st.role !== "primary") demoted ||= `${leader} reported role ${st.role}`;
        } catch (e) {
          demoted ||= `${leader}'s REST API failed: ${(e as Error).message}`;
        }
        await sleep(500);
      }
      const stall = longestStall(killAt, Date.now());
      const wrote = ackAt.filter((t) => t > killAt).length;
      etcdPid = box.start("etcd", ETCD, etcdArgs, etcdEnv).pid;
      const after = await healthy("the cluster back on its DCS");
      const { acknowledged, lost } = await lostNow();
      const still = roleHolder(after, "leader", "master");
      const pass = failsafeSeen && !demoted && still === leader && wrote > 0 && stall < 3000 && lost === 0;
      record({
        name: PG_SCENARIOS[0],
        expected: `the leader keeps serving through a DCS outage longer than ttl (failsafe_mode: every member answers POST /failsafe); nothing moves`,
        rtoSeconds: stall / 1000,
        acknowledged,
        lost,
        pass,
        detail: `${wrote} writes during ${holdMs / 1000} s without etcd, longest gap ${(stall / 1000).toFixed(2)} s, failsafe_mode_is_active ${failsafeSeen ? "seen" : "NOT seen"}${demoted ? `, ${demoted}` : ""}, leader after: ${still}`,
      });
    }

    // 2. The asynchronous replica dies: nothing should notice.
    {
      const before = await healthy("a healthy cluster before the replica kill");
      const leader = roleHolder(before, "leader", "master")!;
      const victim = byName(roleHolder(before, "replica")!);
      const killAt = Date.now();
      hardKill(victim);
      await sleep(3000);
      const stall = longestStall(killAt, Date.now());
      const { acknowledged, lost } = await lostNow([victim.name]);
      const still = await leaderOf(members, victim.name);
      restart(victim);
      await healthy(`${victim.name} streaming again`);
      record({
        name: PG_SCENARIOS[1],
        expected: "writes continue on the same leader (no stall beyond commit latency), 0 acknowledged lost",
        rtoSeconds: stall / 1000,
        acknowledged,
        lost,
        pass: still?.name === leader && stall < 2000 + 1000 && lost === 0,
        detail: `killed ${victim.name}; longest gap between acknowledged writes ${(stall / 1000).toFixed(2)} s; leader ${still?.name}; restarted, streaming again`,
      });
    }

    // 3. The synchronous standby dies: commits wait until Patroni names the other replica.
    let twoLeft: { leader: string; sync: string; dead: string };
    {
      const before = await healthy("a healthy cluster before the sync standby kill");
      const leader = roleHolder(before, "leader", "master")!;
      const victim = byName(roleHolder(before, "sync_standby")!);
      const killAt = Date.now();
      hardKill(victim);
      const resumed = await box.waitFor(
        "writes acknowledged again after the sync standby kill",
        async () => firstWriteAfter(killAt + 200),
        (ttl + loopWait + 10) * 1000,
        100,
      );
      await sleep(1000);
      const stall = longestStall(killAt, Date.now());
      const after = await box.waitFor(
        "another synchronous standby",
        async () => {
          const c = await view();
          const s = roleHolder(c, "sync_standby");
          return s && s !== victim.name ? c : undefined;
        },
        (ttl + loopWait) * 1000,
        250,
      );
      const { acknowledged, lost } = await lostNow([victim.name]);
      const newSync = roleHolder(after, "sync_standby")!;
      twoLeft = { leader, sync: newSync, dead: victim.name };
      record({
        name: PG_SCENARIOS[2],
        expected: `commits stall until Patroni names the other replica synchronous (<= loop_wait + retry_timeout = ${loopWait + retryTimeout} s), same leader, 0 acknowledged lost`,
        rtoSeconds: stall / 1000,
        acknowledged,
        lost,
        pass: resumed[1] === leader && stall <= (loopWait + retryTimeout) * 1000 && lost === 0,
        detail: `killed ${victim.name}; writes stalled ${(stall / 1000).toFixed(2)} s; ${newSync} is the synchronous standby now; ${victim.name} left down for the next scenario`,
      });
    }

    // 4. The leader dies (two members left: leader and its synchronous standby).
    let leaderKill: { old: string; next: string; rto: number };
    {
      const victim = byName(twoLeft.leader);
      const killAt = Date.now();
      hardKill(victim);
      // Only a write begun after the kill, on another member, proves a new leader: the old leader's
      // backends can still finish a commit before they notice their postmaster died.
      const [at, on] = await box.waitFor(
        "a new leader accepting writes",
        async () => firstWriteAfter(killAt, [victim.name]),
        (opts.timeoutSeconds ?? ttl + loopWait + 25) * 1000,
        100,
      );
      const rto = (at - killAt) / 1000;
      await sleep(1000);
      const { acknowledged, lost } = await lostNow([victim.name, twoLeft.dead]);
      leaderKill = { old: victim.name, next: on, rto };
      record({
        name: PG_SCENARIOS[3],
        expected: "the synchronous standby takes over, 0 acknowledged commits lost",
        rtoSeconds: rto,
        acknowledged,
        lost,
        pass: on === twoLeft.sync && lost === 0,
        detail: `${victim.name} -> ${on} after ${rto.toFixed(2)} s`,
      });
      // Both dead members come back (the old leader rewinds if it must) before the last scenario.
      restart(victim);
      restart(byName(twoLeft.dead));
      await healthy("all three members back (old leader rejoined)", (ttl + 60) * 1000);
    }

    // 5. Leader and synchronous standby together: the async replica may lack commits, so it must wait.
    {
      const before = await healthy("a healthy cluster before the double kill");
      const leader = byName(roleHolder(before, "leader", "master")!);
      const sync = byName(roleHolder(before, "sync_standby")!);
      const replica = byName(roleHolder(before, "replica")!);
      const killAt = Date.now();
      hardKill(leader);
      hardKill(sync);
      const holdMs = (ttl + loopWait + 3) * 1000;
      let promoted = false;
      while (Date.now() - killAt < holdMs && !box.expired) {
        try {
          if ((await httpStatus(replica.restPort, "/primary", 500)).status === 200) promoted = true;
        } catch {
          /* busy */
        }
        await sleep(250);
      }
      const writtenMeanwhile = firstWriteAfter(killAt, [leader.name]);
      const restartAt = Date.now();
      restart(sync);
      tell(
        `${replica.name} was ${promoted ? "PROMOTED" : "not promoted"} in ${holdMs / 1000} s; restarted ${sync.name}`,
      );
      const [at, on] = await box.waitFor(
        "writes accepted after the synchronous standby's restart",
        async () => firstWriteAfter(restartAt, [leader.name]),
        (ttl + loopWait + 40) * 1000,
        100,
      );
      await sleep(500);
      const { acknowledged, lost } = await lostNow([leader.name]);
      record({
        name: PG_SCENARIOS[4],
        expected:
          "the asynchronous replica is not promoted (it may lack acknowledged commits); writes resume once the synchronous standby is back; 0 lost",
        rtoSeconds: (at - killAt) / 1000,
        acknowledged,
        lost,
        pass: !promoted && !writtenMeanwhile && lost === 0,
        detail: `${replica.name} ${promoted ? "was promoted" : "stayed a replica"} for ${holdMs / 1000} s; ${sync.name} restarted after ${((restartAt - killAt) / 1000).toFixed(1)} s (included in the RTO), writes on ${on} ${((at - restartAt) / 1000).toFixed(2)} s later`,
      });
    }
    stop = true;
    await writer;
    tell(`acknowledged ${acked.length} rows in all, failed attempts ${failed}`);
    const lk = scenarios.find((s) => s.name === PG_SCENARIOS[3])!;
    return {
      members: n,
      startupSeconds,
      oldLeader: leaderKill.old,
      newLeader: leaderKill.next,
      rtoSeconds: leaderKill.rto,
      acknowledged: lk.acknowledged,
      lost: lk.lost,
      failedWrites: failed,
      timing: { ttl, loopWait, retryTimeout },
      scenarios,
    };
  } catch (e) {
    opts.onReady?.();
    for (const m of members) tell(`--- tail of ${m.name} log ---\n${tail(join(box.dir, `${m.name}.log`))}`);
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
