/**
 * PostgreSQL's connection budget for Harbor: the one formula the PatroniCluster (max_connections), Harbor's
 * release (what its pools may open), the platform and the policy pack (through components/facts.ts) use. It
 * lives in conventions because both the data tier and the harbor tier need it, and tiers never import each
 * other. Pure and SDK-free: it must import nothing.
 *
 * Demand: every pod of a component that opens a database pool (Harbor's core, jobservice and exporter:
 * jobservice opens its own pool with core's `MaxOpenConns`, field notes) may open `maxOpenConns`
 * connections, and a rolling update runs `maxSurge` extra pods of a Deployment beside the old ones.
 * Supply: `max_connections` minus the superuser reserve, the replication members and admin headroom.
 * Bounds: PostgreSQL's hard limit and the member's memory.
 */

/** PostgreSQL's upper bound for max_connections (MAX_BACKENDS, 2^18 - 1: src/include/postmaster/postmaster.h, guc_tables.c). */
export const POSTGRES_MAX_CONNECTIONS_LIMIT = 262143;

/** PostgreSQL's default `superuser_reserved_connections`. */
export const SUPERUSER_RESERVED = 3;

/** Connections kept for Patroni, monitoring, the DB Job and an operator's psql. */
export const ADMIN_HEADROOM = 20;

/**
 * Private memory of one idle backend, MiB: "a connection only has an overhead of less than 2MiB"
 * (A. Freund, "Measuring the Memory Overhead of a Postgres Connection", 2020). Each connection may also
 * use `work_mem` (the renderer's floor is 4 MiB) for a sort or hash.
 */
export const BACKEND_OVERHEAD_MIB = 2;
export const WORK_MEM_FLOOR_MIB = 4;

/** A component whose pods each open a database pool. */
export interface DbPool {
  /** Component name (for messages), e.g. `core`. */
  component: string;
  /** Replicas. */
  replicas: number;
  /** Connections each pod may open (Harbor's `database.maxOpenConns`). */
  maxOpenConns: number;
  /** Extra pods during a rolling update. Default: Kubernetes' Deployment default, 25 % of replicas rounded up. */
  maxSurge?: number;
}

/** Kubernetes' default `maxSurge` of a Deployment's RollingUpdate: 25 %, rounded up. */
export function defaultMaxSurge(replicas: number): number {
  return Math.ceil(replicas * 0.25);
}

export interface ConnectionBudgetArgs {
  /** Components that hold a pool. */
  pools: DbPool[];
  /** Patroni members (each replica holds connections to the primary: WAL sender, Patroni). */
  members: number;
  /** Connections kept for administration, monitoring and Patroni. Default: 20. */
  adminHeadroom?: number;
  /** Memory of a member, GiB: bounds max_connections (see maxConnectionsForMemory). Default: not bounded. */
  memoryGi?: number;
}

export interface ConnectionBudget {
  /** max_connections to configure. */
  maxConnections: number;
  /** Connections not available to applications (replication, superuser reserve, admin). */
  reserved: number;
  /** What applications may open in total. */
  availableForApplications: number;
  /** What the pools may open at the peak of a rolling update (every pool's replicas + surge). */
  peakDemand?: number;
  /** The highest max_connections allowed: PostgreSQL's limit and, with memoryGi, the memory bound. */
  ceiling?: number;
}

/** Connections kept from applications: replication members, the superuser reserve, admin headroom. */
export function reservedConnections(members: number, adminHeadroom = ADMIN_HEADROOM): number {
  return Math.max(0, members - 1) * 2 + SUPERUSER_RESERVED + adminHeadroom;
}

/** Connections the pools may open at once: steady state and at the peak of a rolling update. */
export function poolDemand(pools: DbPool[]): { steady: number; peak: number; terms: string[] } {
  let steady = 0;
  let peak = 0;
  const terms: string[] = [];
  for (const p of pools) {
    const surge = p.maxSurge ?? defaultMaxSurge(p.replicas);
    steady += p.replicas * p.maxOpenConns;
    peak += (p.replicas + surge) * p.maxOpenConns;
    terms.push(`${p.component} (${p.replicas} + ${surge} surge) x ${p.maxOpenConns}`);
  }
  return { steady, peak, terms };
}

/**
 * The highest max_connections a member of `memoryGi` carries: shared_buffers takes 25 % of memory
 * (renderPatroniConfig's memoryParameters), and each connection its backend overhead plus one work_mem
 * (at least WORK_MEM_FLOOR_MIB), which must fit the other 75 %:
 *   N x (BACKEND_OVERHEAD_MIB + max(WORK_MEM_FLOOR_MIB, 25 % of memory / N)) <= 75 % of memory
 * hence N <= memoryMiB / 8 (the work_mem floor binds first).
 */
export function maxConnectionsForMemory(memoryGi: number): number {
  const mib = memoryGi * 1024;
  return Math.floor((mib * 0.75) / (BACKEND_OVERHEAD_MIB + WORK_MEM_FLOOR_MIB));
}

/** The budget of a database whose max_connections is already set (e.g. RDS). */
export function budgetOf(maxConnections: number, members = 1, adminHeadroom = ADMIN_HEADROOM): ConnectionBudget {
  const reserved = reservedConnections(members, adminHeadroom);
  return { maxConnections, reserved, availableForApplications: maxConnections - reserved };
}

/** max_connections for the pools' peak demand plus the reserve, rounded up to a multiple of 10. */
export function computeConnectionBudget(a: ConnectionBudgetArgs): ConnectionBudget {
  const reserved = reservedConnections(a.members, a.adminHeadroom);
  const { peak } = poolDemand(a.pools);
  // Round up to a multiple of 10 so small changes in replicas don't restart PostgreSQL each time.
  const maxConnections = Math.ceil((peak + reserved) / 10) * 10;
  const ceiling =
    a.memoryGi !== undefined
      ? Math.min(POSTGRES_MAX_CONNECTIONS_LIMIT, maxConnectionsForMemory(a.memoryGi))
      : POSTGRES_MAX_CONNECTIONS_LIMIT;
  return { maxConnections, reserved, availableForApplications: maxConnections - reserved, peakDemand: peak, ceiling };
}

/** A problem with a budget: what is wrong and the fix (the caller names the key). */
export interface BudgetProblem {
  problem: string;
  fix: string;
}

/** Whether the budget `computeConnectionBudget` made is one PostgreSQL and the member can run. */
export function connectionBudgetProblems(a: ConnectionBudgetArgs): BudgetProblem[] {
  const b = computeConnectionBudget(a);
  const { peak, terms } = poolDemand(a.pools);
  const out: BudgetProblem[] = [];
  const demand = `${terms.join(" + ")} = ${peak} connections at the peak of a rolling update, plus ${b.reserved} reserved`;
  if (b.maxConnections > POSTGRES_MAX_CONNECTIONS_LIMIT)
    out.push({
      problem: `${demand} needs max_connections ${b.maxConnections}, above PostgreSQL's limit of ${POSTGRES_MAX_CONNECTIONS_LIMIT}`,
      fix: "lower maxOpenConns or the replicas of core/jobservice/exporter (a pooler such as PgBouncer in front serves more clients)",
    });
  else if (a.memoryGi !== undefined && b.maxConnections > maxConnectionsForMemory(a.memoryGi))
    out.push({
      problem: `${demand} needs max_connections ${b.maxConnections}, more than a ${a.memoryGi} GiB member carries (${maxConnectionsForMemory(a.memoryGi)}: ${BACKEND_OVERHEAD_MIB} MiB per backend + ${WORK_MEM_FLOOR_MIB} MiB work_mem each within 75 % of memory)`,
      fix: `lower maxOpenConns or replicas, or give each member at least ${Math.ceil((b.maxConnections * (BACKEND_OVERHEAD_MIB + WORK_MEM_FLOOR_MIB)) / 0.75 / 1024)} GiB`,
    });
  return out;
}

/** Whether pools fit a database whose budget is fixed; a message saying why not, otherwise undefined. */
export function poolsExceedBudget(
  pools: DbPool[],
  budget: Pick<ConnectionBudget, "availableForApplications" | "maxConnections">,
): string | undefined {
  const { peak, terms } = poolDemand(pools);
  if (peak <= budget.availableForApplications) return undefined;
  return `Harbor's pools, ${terms.join(" + ")} = ${peak} at the peak of a rolling update, exceed the ${budget.availableForApplications} connections PostgreSQL offers applications (max_connections ${budget.maxConnections})`;
}

/** Whether `poolPods` pods of `maxOpenConns` fit a budget (no surge: the caller counted its pods). */
export function poolExceedsBudget(
  poolPods: number,
  maxOpenConns: number,
  budget: Pick<ConnectionBudget, "availableForApplications" | "maxConnections">,
): string | undefined {
  const pool = poolPods * maxOpenConns;
  if (pool <= budget.availableForApplications) return undefined;
  return `Harbor's pool of ${poolPods} pods x ${maxOpenConns} connections = ${pool} exceeds the ${budget.availableForApplications} connections PostgreSQL offers applications (max_connections ${budget.maxConnections})`;
}

/**
 * Role names Harbor's database user may not take: the accounts Spilo 4.0-p2 creates or reserves
 * (configure_spilo.py placeholders PGUSER_SUPERUSER `postgres`, PGUSER_STANDBY `standby`, PGUSER_ADMIN
 * `admin`, HUMAN_ROLE `zalandos`; post_init.sh roles `cron_admin`, `robot_zmon`), and PostgreSQL's `pg_`
 * prefix. Handing Harbor one of them hands it the superuser, the replication account or a robot's role.
 */
export const RESERVED_ROLE_NAMES = ["postgres", "standby", "admin", "zalandos", "cron_admin", "robot_zmon"] as const;

/** Why `user` may not be Harbor's role (undefined: it may). `others`: this cluster's own superuser/replication names. */
export function reservedRoleProblem(user: string, others: string[] = []): string | undefined {
  const taken = [...new Set([...RESERVED_ROLE_NAMES, ...others])];
  if (taken.includes(user.toLowerCase()))
    return `"${user}" is a role the database keeps for itself (${taken.join(", ")})`;
  if (/^pg_/i.test(user)) return `"${user}" starts with pg_, a prefix PostgreSQL reserves for its own roles`;
  return undefined;
}
