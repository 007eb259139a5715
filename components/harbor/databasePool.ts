/**
 * Which Harbor components open a database pool. Each pod of these opens up to `database.maxOpenConns`
 * connections of its own (field notes); the chart deploys the exporter only with metrics on.
 * SDK-free: the policy pack reads it through components/facts.ts.
 */
export const HARBOR_DB_POOL_COMPONENTS = ["core", "exporter"] as const;

export type HarborDbPoolComponent = (typeof HARBOR_DB_POOL_COMPONENTS)[number];

/** Pods holding a pool: the replicas of each pool component that is deployed (absent: not deployed). */
export function harborPoolPods(replicas: Partial<Record<HarborDbPoolComponent, number>>): number {
  return HARBOR_DB_POOL_COMPONENTS.reduce((n, c) => n + (replicas[c] ?? 0), 0);
}
