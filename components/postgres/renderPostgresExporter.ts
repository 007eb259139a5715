/**
 * The postgres_exporter sidecar of a Patroni member, as a pure function: the container, its metrics port
 * and the connections it holds (counted in the connection budget). Patroni's own `/metrics` is served on
 * its REST API port (8008) and needs no sidecar.
 */
import { DbPool } from "../conventions/connectionBudget";

/**
 * prometheus-community/postgres_exporter, pinned by exact tag: v0.20.1 (CHANGELOG "0.20.1 / 2026-07-07" of
 * github.com/prometheus-community/postgres_exporter). No citable digest was found: see README.
 */
export const POSTGRES_EXPORTER_IMAGE = "quay.io/prometheuscommunity/postgres-exporter:v0.20.1";
/** postgres_exporter's default listen port (`--web.listen-address=:9187`). */
export const POSTGRES_EXPORTER_PORT = 9187;
/** The container port's name: the PodMonitor scrapes it by this name. */
export const POSTGRES_EXPORTER_PORT_NAME = "pg-metrics";
/** Patroni's REST API port and name (it serves `/metrics`). */
export const PATRONI_METRICS_PORT = 8008;
export const PATRONI_METRICS_PORT_NAME = "patroni";
/**
 * Connections one exporter holds: postgres_exporter opens one connection per scrape of its one DSN
 * (CHANGELOG 0.14.0 "Change database connections to one per scrape", 0.15.0 "separate connection per
 * scrape"); two allow one overlapping scrape.
 */
export const POSTGRES_EXPORTER_CONNECTIONS = 2;
/**
 * The exporter's own login role: `pg_monitor`, never the superuser, limited to POSTGRES_EXPORTER_CONNECTIONS
 * connections per member (renderMonitoringRoleScript). Its password lives in `<cluster>-postgres-exporter`.
 */
export const POSTGRES_EXPORTER_ROLE = "postgres_exporter";

/** The exporters' pool for the connection budget: one exporter per member, no rolling surge (StatefulSet). */
export function postgresExporterPools(members: number, enabled: boolean): DbPool[] {
  return enabled
    ? [
        {
          component: "postgres-exporter",
          replicas: members,
          maxOpenConns: POSTGRES_EXPORTER_CONNECTIONS,
          maxSurge: 0,
        },
      ]
    : [];
}

export interface PostgresExporterArgs<S = string> {
  /** Secret with the exporter role's password (a plain name or a Pulumi Output). */
  credentialsSecretName: S;
  /** Key of the password in that Secret. */
  passwordKey: string;
  /** The exporter's login role (POSTGRES_EXPORTER_ROLE: member of pg_monitor, which reads pg_stat_* views and settings). */
  user: string;
  /** `sslmode` to the local member (Spilo requires TLS). */
  sslmode: string;
}

/**
 * The sidecar container. It connects to its own member over localhost; the password comes from the
 * Secret through the environment (`DATA_SOURCE_PASS`), never argv.
 */
export function renderPostgresExporterContainer<S>(a: PostgresExporterArgs<S>) {
  return {
    name: "postgres-exporter",
    image: POSTGRES_EXPORTER_IMAGE,
    ports: [{ name: POSTGRES_EXPORTER_PORT_NAME, containerPort: POSTGRES_EXPORTER_PORT }],
    env: [
      { name: "DATA_SOURCE_URI", value: `localhost:5432/postgres?sslmode=${a.sslmode}` },
      { name: "DATA_SOURCE_USER", value: a.user },
      { name: "DATA_SOURCE_PASS", valueFrom: { secretKeyRef: { name: a.credentialsSecretName, key: a.passwordKey } } },
    ],
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
    readinessProbe: { httpGet: { path: "/", port: POSTGRES_EXPORTER_PORT }, periodSeconds: 10 },
    securityContext: { runAsNonRoot: true, runAsUser: 65534, allowPrivilegeEscalation: false },
  };
}
