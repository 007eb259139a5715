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
