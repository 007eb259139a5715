/**
 * PostgreSQL's connection budget for Harbor: each core and exporter pod opens up to
 * `database.maxOpenConns` connections (field notes), so max_connections must cover all of them plus
 * replication and administration, or Harbor exhausts the database under load.
 */
export interface ConnectionBudgetArgs {
  /** Pods that hold a Harbor database pool (core + exporter replicas). */
  poolPods: number;
  /** `database.maxOpenConns` per pod. */
  maxOpenConns: number;
  /** Patroni members (each replica holds a WAL sender). */
  members: number;
  /** Connections kept for administration, monitoring and Patroni. Default: 20. */
  adminHeadroom?: number;
}

export interface ConnectionBudget {
  /** max_connections to configure. */
  maxConnections: number;
  /** Connections not available to applications (replication, superuser reserve, admin). */
  reserved: number;
  /** What applications may open in total. */
  availableForApplications: number;
}

/** PostgreSQL's default `superuser_reserved_connections`. */
export const SUPERUSER_RESERVED = 3;

/** Connections kept from applications: WAL senders of replicas, the superuser reserve, admin headroom. */
export function reservedConnections(members: number, adminHeadroom = 20): number {
  return Math.max(0, members - 1) * 2 + SUPERUSER_RESERVED + adminHeadroom;
}

/** The budget of a database whose max_connections is already set (e.g. RDS). */
export function budgetOf(maxConnections: number, members = 1, adminHeadroom = 20): ConnectionBudget {
  const reserved = reservedConnections(members, adminHeadroom);
  return { maxConnections, reserved, availableForApplications: maxConnections - reserved };
}

export function computeConnectionBudget(a: ConnectionBudgetArgs): ConnectionBudget {
  const reserved = reservedConnections(a.members, a.adminHeadroom);
  const harborPool = a.poolPods * a.maxOpenConns;
  // Round up to a multiple of 10 so small changes in replicas don't restart PostgreSQL each time.
  const maxConnections = Math.ceil((harborPool + reserved) / 10) * 10;
  return { maxConnections, reserved, availableForApplications: maxConnections - reserved };
}

/** Whether a Harbor pool fits a database's budget; a message saying why not, otherwise undefined. */
export function poolExceedsBudget(
  poolPods: number,
  maxOpenConns: number,
  budget: Pick<ConnectionBudget, "availableForApplications" | "maxConnections">,
): string | undefined {
  const pool = poolPods * maxOpenConns;
  if (pool <= budget.availableForApplications) return undefined;
  return `Harbor's pool of ${poolPods} pods x ${maxOpenConns} connections = ${pool} exceeds the ${budget.availableForApplications} connections PostgreSQL offers applications (max_connections ${budget.maxConnections})`;
}
