/**
 * Drill 4: point-in-time restore on real PostgreSQL 15 + Patroni (Debian), through the commands the
 * PatroniCluster configures. A source cluster archives its WAL with Spilo's archive_command (computed by
 * `spiloArchiveCommand` from the component's WAL-G environment), a base backup is pushed, rows are written
 * with timestamps, a table is dropped at time T, and a new cluster bootstraps with Spilo's clone_with_wale
 * method (modelled by `spiloCloneBootstrap` from the component's CLONE_* environment) to just before T.
 * The drill checks that every row committed before T is back and nothing after it, and prints the RPO
 * observed and the restore time per GiB.
 *
 * STAND-INS (said in the output too): WAL-G is not installable here, so `wal-g` is a shell script that
 * honours WAL-G's command-line contract (wal-push, wal-fetch, backup-push, backup-fetch, backup-list) over
 * a local directory (`WALG_FILE_PREFIX`, WAL-G's own file storage setting) standing in for the S3 bucket;
 * base backups are taken with pg_basebackup. `envdir` (daemontools) is a two-line stand-in; Spilo's
 * clone_with_wale.py is a stand-in that picks the newest backup before the target time (its
 * choose_backup rule) and fetches it. etcd stands in for the Kubernetes DCS.
 */
import { spawnSync } from "child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "fs";
import * as http from "http";
import { arch } from "os";
import { join } from "path";
import { Client } from "pg";
import { stringify } from "yaml";
import { patroniSettings, renderPatroniConfig } from "../components/postgres/renderPatroniConfig";
import { backupAgeLimits } from "../components/postgres/backupFacts";
import { renderBackupAgeScript } from "../components/postgres/renderJobScripts";
import {
  patroniBackupDefaults,
  renderBackupEnv,
  renderRestoreEnv,
  SPILO_S3_ENVDIR_NAMES,
  spiloArchiveCommand,
  spiloCloneBootstrap,
  withArchiving,
} from "../components/postgres/walgBackup";
import { ETCD, PATRONI, PG_BIN, postgresDrillUnavailable } from "./postgresDrill";
import { freePorts, Sandbox, SETPRIV, say, sleep } from "./procs";

/** Why the restore drill cannot run here (undefined: it can). Same packages as the failover drill. */
export function restoreDrillUnavailable(): string | undefined {
  return postgresDrillUnavailable();
}

/**
 * STAND-IN for WAL-G (v3.0.3's CLI contract), over the local directory $WALG_FILE_PREFIX. Not WAL-G: no
 * compression, encryption, delta backups or S3. Every line it logs starts with "[wal-g STAND-IN]".
 */
export function renderWalgStandIn(pgBin: string): string {
  return `#!/bin/sh
# STAND-IN for WAL-G (not WAL-G): the commands and arguments WAL-G takes, over $WALG_FILE_PREFIX.
set -eu
store="\${WALG_FILE_PREFIX:?WALG_FILE_PREFIX unset}"
log() { echo "[wal-g STAND-IN] $*" >&2; }
mkdir -p "$store/wal_005" "$store/basebackups_005"
cmd="\${1:-}"; shift || true
case "$cmd" in
  wal-push)
    src="$1"; name=$(basename "$src"); dst="$store/wal_005/$name"
    if [ -f "$dst" ]; then
      if cmp -s "$src" "$dst"; then exit 0; fi
      if [ "\${WALG_PREVENT_WAL_OVERWRITE:-}" = "true" ]; then log "refusing to overwrite $name"; exit 1; fi
    fi
    cp "$src" "$dst.tmp.$$" && mv "$dst.tmp.$$" "$dst"
    ;;
  wal-fetch)
    name="$1"; dst="$2"
    if [ -f "$store/wal_005/$name" ]; then cp "$store/wal_005/$name" "$dst"; exit 0; fi
    exit 1
    ;;
  backup-push)
    ts=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ); tmp="$store/basebackups_005/.incoming.$$"
    "${pgBin}/pg_basebackup" -D "$tmp" -X none --checkpoint=fast --no-password
    start=$(sed -n 's/^START WAL LOCATION: .* (file \\([0-9A-F]*\\))$/\\1/p' "$tmp/backup_label")
    name="base_$start"
    mv "$tmp" "$store/basebackups_005/$name"
    printf '{"start_time":"%s","finish_time":"%s"}\\n' "$ts" "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" \\
      > "$store/basebackups_005/\${name}_backup_stop_sentinel.json"
    log "backup-push: $name"
    ;;
  backup-list)
    # --detail --json: WAL-G v3.0.3 prints a JSON array of each backup's extended metadata (backup_name, time,
    # wal_file_name, start_time, finish_time, ...), or nothing and "No backups found" on stderr.
    json=""; for a in "$@"; do [ "$a" = "--json" ] && json=1; done
    [ -n "$json" ] || echo "name modified wal_segment_backup_start"
    sep=""; out=""
    for s in "$store"/basebackups_005/*_backup_stop_sentinel.json; do
      [ -f "$s" ] || continue
      n=$(basename "$s" _backup_stop_sentinel.json)
      m=$(sed -n 's/.*"finish_time":"\\([^"]*\\)".*/\\1/p' "$s")
      b=$(sed -n 's/.*"start_time":"\\([^"]*\\)".*/\\1/p' "$s")
      if [ -n "$json" ]; then
        out="$out$sep$(printf '{"backup_name":"%s","time":"%s","wal_file_name":"%s","start_time":"%s","finish_time":"%s"}' "$n" "$m" "\${n#base_}" "$b" "$m")"; sep=","
      else
        echo "$n $m \${n#base_}"
      fi
    done
    if [ -n "$json" ]; then
      if [ -n "$out" ]; then echo "[$out]"; else log "No backups found"; fi
    fi
    ;;
  backup-fetch)
    dir="$1"; name="$2"
    if [ "$name" = "LATEST" ]; then name=$(ls "$store/basebackups_005" | grep '^base_[0-9A-F]*$' | sort | tail -n1); fi
    [ -d "$store/basebackups_005/$name" ] || { log "no backup $name"; exit 1; }
    mkdir -p "$dir"; cp -a "$store/basebackups_005/$name/." "$dir/"; chmod 700 "$dir"
    log "backup-fetch: $name -> $dir"
    ;;
  *) log "unsupported command: $cmd"; exit 64 ;;
esac
`;
}

/** STAND-IN for daemontools' envdir: each file of DIR becomes a variable, then exec. */
const ENVDIR_STAND_IN = `#!/bin/sh
# STAND-IN for daemontools envdir.
dir="$1"; shift
for f in "$dir"/*; do [ -f "$f" ] && export "$(basename "$f")=$(head -n1 "$f")"; done
exec "$@"
`;

/**
 * STAND-IN for Spilo's clone_with_wale.py: the newest backup that finished before the target time
 * (its choose_backup rule), else LATEST, fetched with backup-fetch. Patroni appends --scope and --datadir.
 */
const CLONE_STAND_IN = `#!/bin/sh
# STAND-IN for Spilo's clone_with_wale.py.
target=""; datadir=""
for a in "$@"; do case "$a" in --recovery-target-time=*) target="\${a#*=}";; --datadir=*) datadir="\${a#*=}";; esac; done
best=LATEST
if [ -n "$target" ]; then
  # Nanoseconds, as Spilo compares datetimes: whole seconds made a backup that finished in T's second "not before T".
  t=$(date -u -d "$target" +%s%N)
  best=""
  wal-g backup-list | tail -n +2 | while read -r name modified rest; do
    m=$(date -u -d "$modified" +%s%N); [ "$m" -lt "$t" ] && echo "$m $name"
  done | sort -n | tail -n1 | cut -d' ' -f2 > "$datadir.choice" || true
  best=$(cat "$datadir.choice"); rm -f "$datadir.choice"
  [ -n "$best" ] || { echo "no backup before $target" >&2; exit 1; }
fi
exec wal-g backup-fetch "$datadir" "$best"
`;

export interface RestoreDrillResult {
  /** Rows acknowledged before T, and how many of them the restored cluster has. */
  rowsBeforeT: number;
  restoredBeforeT: number;
  /** Rows written after T (the drop, the new table's rows) found in the restored cluster: must be 0. */
  rowsAfterTFound: number;
  droppedTableBack: boolean;
  /** Time between the last acknowledged commit before T and T (what a restore "to T" loses), ms. */
  rpoToTargetMs: number;
  /** Time from the last commit before T until its WAL segment was in the archive, s (whole-cluster loss RPO). */
  archiveLagSeconds: number;
  archiveTimeoutSeconds: number;
  /** From starting the restored member until it accepted writes, s. */
  restoreSeconds: number;
  restoredBytes: number;
  secondsPerGiB: number;
  /**
   * The PatroniCluster's backup-age check (its rendered script, through the envdir, against the stand-in's
   * `backup-list --detail --json`): exit codes with no backup yet, right after the base backup, and with that
   * backup's finish_time moved back by more than the limit.
   */
  backupAgeCheck: { none: number; fresh: number; backdated: number; output: string };
  totalSeconds: number;
}

function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, timeout: 1000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

export interface RestoreDrillOptions {
  /** archive_timeout of the drill's source cluster (the component's default is 60 s). Default: 2. */
  archiveTimeoutSeconds?: number;
  /** Filler data before the base backup, MiB (approximate). Default: 8. */
  fillerMiB?: number;
  /** Whole-drill budget, s (the target is 60 s on 2 cores). Default: 58. */
  budgetSeconds?: number;
}

export async function runRestoreDrill(opts: RestoreDrillOptions = {}): Promise<RestoreDrillResult> {
  const started = Date.now();
  const archiveTimeout = opts.archiveTimeoutSeconds ?? 2;
  const box = new Sandbox("pg-restore", "postgres");
  box.budget(opts.budgetSeconds ?? 58);
  const clients: Client[] = [];
  const password = `drill-${process.pid}-${Date.now()}`;
  const dataDirs: string[] = [];
  box.onCleanup(() => {
    for (const d of dataDirs) {
      const f = join(d, "postmaster.pid");
      if (!existsSync(f)) continue;
      const pid = Number(readFileSync(f, "utf8").split("\n")[0]);
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(d)) box.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  });
  try {
    say(
      "STAND-INS: wal-g is a shell script honouring WAL-G's CLI (wal-push, wal-fetch, backup-push, backup-fetch, backup-list) over a local directory in place of the S3 bucket; envdir and Spilo's clone_with_wale.py are stand-ins too; Debian's Patroni 3.0 / PostgreSQL 15 play Spilo's, etcd plays the Kubernetes DCS",
    );
    const bin = box.mkdir("bin", 0o755);
    const archive = box.mkdir("archive");
    for (const [file, body] of [
      ["wal-g", renderWalgStandIn(PG_BIN)],
      ["envdir", ENVDIR_STAND_IN],
      ["clone_with_wale", CLONE_STAND_IN],
    ]) {
      writeFileSync(join(bin, file), body);
      chmodSync(join(bin, file), 0o755);
    }
    const PATH = `${bin}:${PG_BIN}:/usr/bin:/bin`;

    // The component's environment for an S3-compatible target, reduced to what Spilo writes into the
    // envdir; the stand-in's store replaces the bucket.
    const backupEnv = renderBackupEnv({
      target: {
        kind: "s3-compatible",
        bucket: "drill-archive",
        endpoint: "https://archive.invalid",
        region: "local",
        credentialsSecretName: "unused",
      },
      archiveTimeoutSeconds: archiveTimeout,
    });
    const plain = Object.fromEntries(
      backupEnv.map((e) => [e.name, "value" in e ? String(e.value) : "stand-in-not-used"]),
    ) as Record<string, string>;
    const writeEnvDir = (dir: string, vars: Record<string, string>) => {
      for (const [k, v] of Object.entries(vars)) {
        writeFileSync(join(dir, k), `${v}\n`);
        box.chown(join(dir, k));
      }
    };
    const envDir = box.mkdir("wal-e.d-env");
    writeEnvDir(envDir, {
      ...Object.fromEntries(Object.entries(plain).filter(([k]) => SPILO_S3_ENVDIR_NAMES.includes(k))),
      WALG_FILE_PREFIX: archive,
    });
    const archiveCommand = spiloArchiveCommand({ ...plain, WALE_ENV_DIR: envDir });
    if (!archiveCommand.includes("wal-g wal-push")) throw new Error(`Spilo would archive with ${archiveCommand}`);
    say(`archive_command (Spilo's, from the component's env): ${archiveCommand}`);

    const [etcdClient, etcdPeer, srcPg, srcRest, dstPg, dstRest] = await freePorts(6);
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    box.start(
      "etcd",
      ETCD,
      [
        ...["--name", "drill", "--data-dir", box.mkdir("etcd"), "--listen-client-urls", etcdUrl],
        ...["--advertise-client-urls", etcdUrl, "--listen-peer-urls", `http://127.0.0.1:${etcdPeer}`],
        ...["--initial-advertise-peer-urls", `http://127.0.0.1:${etcdPeer}`],
        ...["--initial-cluster", `drill=http://127.0.0.1:${etcdPeer}`],
      ],
      arch() === "x64" ? {} : { ETCD_UNSUPPORTED_ARCH: arch() },
    );
    await box.waitFor("etcd", async () => (await httpStatus(etcdClient, "/health")) === 200, 20000);

    const settings = patroniSettings({
      scope: "x",
      members: 1,
      memoryGi: 0.25,
      synchronousMode: false,
      timing: { ttl: 10, loopWait: 1, retryTimeout: 4 },
      pools: [{ component: "drill", replicas: 1, maxOpenConns: 10, maxSurge: 0 }],
    });
    const { budget: _b, ...s } = settings;
    const memberConfig = (scope: string, pgPort: number, restPort: number, dir: string) =>
      renderPatroniConfig({
        ...s,
        scope,
        clientCidr: "127.0.0.1/32",
        requireSsl: false,
        dcs: { type: "etcd3", hosts: [`127.0.0.1:${etcdClient}`] },
        member: {
          name: `${scope}-0`,
          restApiListen: `127.0.0.1:${restPort}`,
          restApiConnect: `127.0.0.1:${restPort}`,
          postgresListen: `127.0.0.1:${pgPort}`,
          postgresConnect: `127.0.0.1:${pgPort}`,
          dataDir: join(dir, "data"),
          binDir: PG_BIN,
          pgpass: join(dir, "pgpass"),
          socketDir: dir,
        },
      });
    const patroniEnv = {
      PATH,
      PATRONI_SUPERUSER_PASSWORD: password,
      PATRONI_REPLICATION_PASSWORD: `${password}-r`,
      PATRONI_REWIND_PASSWORD: password,
    };
    const startMember = (scope: string, config: Record<string, unknown>, dir: string) => {
      const file = join(dir, "patroni.yml");
      writeFileSync(file, stringify(config));
      box.chown(file);
      dataDirs.push(join(dir, "data"));
      return box.start(scope, PATRONI, [file], patroniEnv);
    };

    // The source cluster: the component's archiving (archive_mode/archive_timeout in bootstrap.dcs) and
    // Spilo's archive_command (a local parameter in Spilo's TEMPLATE).
    const srcDir = box.mkdir("src");
    const srcConfig = withArchiving(memberConfig("harbor-src", srcPg, srcRest, srcDir), archiveTimeout) as {
      postgresql: { parameters: Record<string, unknown> };
    };
    srcConfig.postgresql.parameters.archive_command = archiveCommand;
    const src = startMember("harbor-src", srcConfig, srcDir);
    say("etcd up; starting the source cluster (initdb)");
    await box.waitFor("the source leader", async () => (await httpStatus(srcRest, "/primary")) === 200, 40000, 250);
    const connect = async (port: number) => {
      const c = new Client({ host: "127.0.0.1", port, user: "postgres", password, database: "postgres" });
      c.on("error", () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    };
    const db = await connect(srcPg);
    const fillerRows = Math.round(((opts.fillerMiB ?? 8) * 1024 * 1024) / 560);
    await db.query(
      `CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 16) AS pad FROM generate_series(1, ${fillerRows}) g`,
    );
    await db.query("CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
    say(`source cluster up; ${fillerRows} filler rows; archive_timeout ${archiveTimeout} s (component default 60 s)`);

    // Rows, one transaction each, acknowledged when COMMIT returned.
    const acked: number[] = [];
    let next = 1;
    let lastAckAt = 0;
    const write = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const id = next++;
        await db.query("INSERT INTO events (id) VALUES ($1)", [id]);
        acked.push(id);
        lastAckAt = Date.now();
        await sleep(10);
      }
    };
    await write(30);
    // The backup-age check as its CronJob runs it: the rendered script, WAL-G's settings from the envdir.
    writeFileSync(join(bin, "backup-age.py"), renderBackupAgeScript());
    const maxAge = backupAgeLimits(patroniBackupDefaults.schedule)!.maxAgeSeconds;
    // As the members' user, like backup-push: the stand-in creates the store's folders on first use.
    const backupAge = (dir: string) =>
      spawnSync(
        SETPRIV,
        [
          ...["--reuid=postgres", "--regid=postgres", "--init-groups"],
          join(bin, "envdir"),
          dir,
          "python3",
          join(bin, "backup-age.py"),
        ],
        {
          encoding: "utf8",
          timeout: 10000,
          env: { PATH, MAX_BACKUP_AGE_SECONDS: String(maxAge) },
        },
      );
    const none = backupAge(envDir);
    // The base backup, as Spilo's postgres_backup.sh ends: `wal-g backup-push "$PGDATA"`, in the envdir.
    const push = spawnSync(
      SETPRIV,
      [
        ...["--reuid=postgres", "--regid=postgres", "--init-groups"],
        ...[join(bin, "envdir"), envDir, join(bin, "wal-g"), "backup-push", join(srcDir, "data")],
      ],
      {
        encoding: "utf8",
        timeout: 30000, // pg_basebackup speaks the replication protocol: the replication role, over the socket (pg_hba).
        env: { PATH, PGHOST: srcDir, PGPORT: String(srcPg), PGUSER: "standby" },
      },
    );
    if (push.status !== 0) throw new Error(`backup-push failed: ${push.stderr}`);
    say(`base backup pushed (${push.stderr.trim().split("\n").pop()})`);
    const fresh = backupAge(envDir);
    // The same archive's sentinels with finish_time (and time) moved back by the limit plus an hour.
    const old = box.mkdir("archive-backdated");
    const oldEnv = box.mkdir("wal-e.d-env-backdated");
    box.mkdir("archive-backdated/basebackups_005");
    const backdated = new Date(Date.now() - (maxAge + 3600) * 1000).toISOString();
    for (const f of readdirSync(join(archive, "basebackups_005")).filter((n) => n.endsWith("_sentinel.json")))
      writeFileSync(
        join(old, "basebackups_005", f),
        readFileSync(join(archive, "basebackups_005", f), "utf8").replace(
          /"finish_time":"[^"]*"/,
          `"finish_time":"${backdated}"`,
        ),
      );
    for (const f of readdirSync(envDir)) writeFileSync(join(oldEnv, f), readFileSync(join(envDir, f)));
    writeFileSync(join(oldEnv, "WALG_FILE_PREFIX"), `${old}\n`);
    const stale = backupAge(oldEnv);
    const backupAgeCheck = {
      none: none.status ?? -1,
      fresh: fresh.status ?? -1,
      backdated: stale.status ?? -1,
      output: [none, fresh, stale].map((r) => `${r.status}: ${(r.stdout + r.stderr).trim()}`).join(" | "),
    };
    say(`backup-age check (limit ${(maxAge / 3600).toFixed(0)} h): ${backupAgeCheck.output}`);
    await write(60);
    const tRow = await db.query("SELECT clock_timestamp() AS t");
    const target = (tRow.rows[0].t as Date).toISOString();
    const rpoToTargetMs = Date.parse(target) - lastAckAt;
    const beforeT = [...acked];
    await sleep(50);
    await db.query("DROP TABLE events");
    say(`T = ${target}: DROP TABLE events after ${beforeT.length} acknowledged rows`);
    await db.query("CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
    const afterIds: number[] = [];
    for (let i = 0; i < 20; i++) {
      const id = next++;
      await db.query("INSERT INTO events (id) VALUES ($1)", [id]);
      afterIds.push(id);
    }
    // Wait for the archive to hold the WAL up to here (archive_timeout switches the segment).
    const lsn = (await db.query("SELECT pg_walfile_name(pg_current_wal_lsn()) AS f")).rows[0].f as string;
    await box.waitFor(
      `WAL ${lsn} archived`,
      async () => existsSync(join(archive, "wal_005", lsn)),
      (archiveTimeout + 15) * 1000,
      100,
    );
    const archiveLagSeconds = (Date.now() - lastAckAt) / 1000;
    say(`WAL through ${lsn} archived ${archiveLagSeconds.toFixed(1)} s after the last commit before T`);
    await db.end().catch(() => undefined);
    // The source is lost (the disaster); its processes are SIGKILLed (postmaster by the sandbox's cleanup).
    box.kill(src.pid, "SIGKILL");
    const pm = Number(readFileSync(join(srcDir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
    if (readFileSync(`/proc/${pm}/cmdline`, "utf8").includes(srcDir)) box.kill(pm, "SIGKILL");

    // The restored cluster: the component's CLONE_* environment through Spilo's clone template.
    const restoreEnv = renderRestoreEnv({
      source: { bucket: "drill-archive", scope: "harbor-src" },
      targetTime: target,
    });
    const cloneVars = Object.fromEntries(restoreEnv.map((e) => [e.name, "value" in e ? String(e.value) : ""]));
    const cloneEnvDir = box.mkdir("wal-e.d-env-clone");
    writeEnvDir(cloneEnvDir, { USE_WALG_RESTORE: cloneVars.CLONE_USE_WALG_RESTORE, WALG_FILE_PREFIX: archive });
    const bootstrap = spiloCloneBootstrap(cloneVars, {
      envDir: cloneEnvDir,
      cloneCommand: join(bin, "clone_with_wale"),
      restoreCommand: `${join(bin, "wal-g")} wal-fetch`,
    })!;
    const dstDir = box.mkdir("restored");
    const dstConfig = memberConfig("harbor-restored", dstPg, dstRest, dstDir) as {
      bootstrap: Record<string, unknown>;
    };
    Object.assign(dstConfig.bootstrap, bootstrap);
    // Spilo's envdir path is absolute: our stand-in's envdir sits on PATH.
    const t0 = Date.now();
    startMember("harbor-restored", dstConfig, dstDir);
    say(`restoring: ${JSON.stringify((bootstrap.clone_with_wale as { recovery_conf: unknown }).recovery_conf)}`);
    await box.waitFor(
      "the restored cluster's leader",
      async () => (await httpStatus(dstRest, "/primary")) === 200,
      40000,
      200,
    );
    const restored = await box.waitFor(
      "a writable restored cluster",
      async () => {
        const c = await connect(dstPg);
        const r = await c.query("SELECT pg_is_in_recovery() AS ro");
        if (r.rows[0].ro) {
          await c.end();
          return false;
        }
        return c;
      },
      20000,
      200,
    );
    const restoreSeconds = (Date.now() - t0) / 1000;
    const ids = new Set((await restored.query("SELECT id FROM events")).rows.map((r: { id: string }) => Number(r.id)));
    const restoredBytes = Number(
      (await restored.query("SELECT sum(pg_database_size(datname))::bigint AS b FROM pg_database")).rows[0].b,
    );
    await restored.query("CREATE TABLE restore_proof (id int)");
    const result: RestoreDrillResult = {
      rowsBeforeT: beforeT.length,
      restoredBeforeT: beforeT.filter((id) => ids.has(id)).length,
      rowsAfterTFound: afterIds.filter((id) => ids.has(id)).length,
      droppedTableBack: ids.size > 0,
      rpoToTargetMs,
      archiveLagSeconds,
      archiveTimeoutSeconds: archiveTimeout,
      restoreSeconds,
      restoredBytes,
      secondsPerGiB: restoreSeconds / (restoredBytes / 1024 ** 3),
      backupAgeCheck,
      totalSeconds: (Date.now() - started) / 1000,
    };
    say(
      `restored ${result.restoredBeforeT}/${result.rowsBeforeT} rows committed before T, ${result.rowsAfterTFound} after; restore ${restoreSeconds.toFixed(1)} s for ${(restoredBytes / 1024 ** 2).toFixed(0)} MiB = ${result.secondsPerGiB.toFixed(0)} s/GiB (stand-in copy on local disk; Patroni start-up and post-bootstrap dominate at this size)`,
    );
    return result;
  } catch (e) {
    for (const n of ["harbor-src", "harbor-restored"])
      try {
        say(
          `--- tail of ${n} log ---\n${readFileSync(join(box.dir, `${n}.log`), "utf8")
            .split("\n")
            .slice(-40)
            .join("\n")}`,
        );
      } catch {
        /* no log */
      }
    throw e;
  } finally {
    for (const c of clients) await c.end().catch(() => undefined);
    await box.stopAll();
  }
}

if (require.main === module) {
  const why = restoreDrillUnavailable();
  if (why) {
    say(`SKIPPED restore drill: ${why}`);
    process.exit(0);
  }
  runRestoreDrill().then(
    (r) => {
      say(JSON.stringify(r));
      process.exit(r.restoredBeforeT === r.rowsBeforeT && r.rowsAfterTFound === 0 ? 0 : 1);
    },
    (e) => {
      say(`restore drill failed: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    },
  );
}
