/**
 * Scripts of PatroniCluster's one-off Jobs, as pure functions (the drills run the first one against a
 * real cluster). No password is ever part of a script: they come from the environment (Secrets).
 */

/**
 * Idempotent creation of Harbor's role and database. The password never reaches argv or a logged
 * statement: psql reads it from $HARBOR_PASSWORD itself (`\\getenv`, psql >= 15), and the session turns
 * statement logging off first (Spilo sets `log_statement: ddl` and logs statements slower than 500 ms).
 */
export function renderHarborDbScript(database: string, user: string): string {
  return (
    [
      "set -eu",
      // PGHOST/PGPORT/PGUSER/PGPASSWORD/PGSSLMODE come from the environment.
      "until pg_isready -q; do sleep 2; done",
      `psql -v ON_ERROR_STOP=1 -v user="${user}" -v db="${database}" <<'SQL'`,
      "SET log_statement = 'none';",
      "SET log_min_duration_statement = -1;",
      "SET log_min_error_statement = 'panic';",
      "\\getenv pw HARBOR_PASSWORD",
      `SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user')\\gexec`,
      `ALTER ROLE :"user" WITH LOGIN PASSWORD :'pw';`,
      `SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')\\gexec`,
      "SQL",
    ].join("\n") + "\n"
  );
}

/**
 * Idempotent creation of the metrics exporter's login role: `pg_monitor` only (PostgreSQL's predefined role
 * for monitoring: reads every pg_stat_* view and setting, replication state included), no superuser, and a
 * connection limit per member of what the connection budget counts for it. Same password handling as
 * renderHarborDbScript: psql reads $MONITOR_PASSWORD itself (`\\getenv`), statement logging off first.
 */
export function renderMonitoringRoleScript(user: string, connectionLimit: number): string {
  return (
    [
      "set -eu",
      // PGHOST/PGPORT/PGUSER/PGPASSWORD/PGSSLMODE come from the environment.
      "until pg_isready -q; do sleep 2; done",
      `psql -v ON_ERROR_STOP=1 -v user="${user}" <<'SQL'`,
      "SET log_statement = 'none';",
      "SET log_min_duration_statement = -1;",
      "SET log_min_error_statement = 'panic';",
      "\\getenv pw MONITOR_PASSWORD",
      `SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user')\\gexec`,
      `ALTER ROLE :"user" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT ${connectionLimit} PASSWORD :'pw';`,
      `GRANT pg_monitor TO :"user";`,
      "SQL",
    ].join("\n") + "\n"
  );
}

/** PATCHes the rendered dynamic configuration into the DCS through the leader's REST API. */
export function renderApplyDcsScript(): string {
  return (
    [
      "set -eu",
      `until curl -fsS "$PATRONI_URL/primary" >/dev/null; do sleep 2; done`,
      `curl -fsS -X PATCH -H 'Content-Type: application/json' --data "@\${DCS_JSON:-/patroni/dcs.json}" "$PATRONI_URL/config"`,
    ].join("\n") + "\n"
  );
}

/**
 * The backup-age check (python3, which the Spilo image ships): lists the archive with WAL-G v3.0.3's
 * `backup-list --detail --json` (a JSON array of the backups' extended metadata; nothing on stdout and "No
 * backups found" on stderr when there is none) and exits 1 when the newest base backup finished more than
 * $MAX_BACKUP_AGE_SECONDS ago or there is none, 2 when the archive cannot be listed, 0 otherwise. WAL-G's
 * settings (prefix, region, role, keys) come from the environment, as from Spilo's envdir: nothing in argv.
 * `finish_time` is Go's RFC 3339 with nanoseconds; backups without extended metadata (zero time) fall back
 * to `time`, the sentinel's modification time.
 */
export function renderBackupAgeScript(): string {
  return `import datetime, json, os, re, subprocess, sys, time

limit = int(os.environ["MAX_BACKUP_AGE_SECONDS"])


def seconds(text):
    m = re.match(r"^(\\d{4})-(\\d\\d)-(\\d\\d)[Tt ](\\d\\d):(\\d\\d):(\\d\\d)(?:\\.\\d+)?([Zz]|[+-]\\d\\d:\\d\\d)$", text or "")
    if not m or m.group(1) == "0001":
        return None
    zone = m.group(7)
    offset = 0 if zone in ("Z", "z") else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    t = datetime.datetime(*[int(m.group(i)) for i in range(1, 7)], tzinfo=datetime.timezone.utc)
    return t.timestamp() - offset


listing = subprocess.run(["wal-g", "backup-list", "--detail", "--json"], capture_output=True, text=True)
if listing.returncode != 0:
    print("cannot list the archive: wal-g exited %d: %s" % (listing.returncode, listing.stderr.strip()[-500:]))
    sys.exit(2)
backups = json.loads(listing.stdout) if listing.stdout.strip() else []
finished = [(seconds(b.get("finish_time")) or seconds(b.get("time")), b.get("backup_name", "?")) for b in backups]
finished = [f for f in finished if f[0] is not None]
if not finished:
    print("no base backup in the archive (limit %.1f h)" % (limit / 3600))
    sys.exit(1)
newest, name = max(finished)
age = time.time() - newest
print("newest base backup %s finished %.1f h ago (limit %.1f h)" % (name, age / 3600, limit / 3600))
sys.exit(1 if age > limit else 0)
`;
}
