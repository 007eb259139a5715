/**
 * Harbor's components as the chart (1.19) runs them, and which of them open a database pool.
 * SDK-free: the policy pack reads these through components/facts.ts.
 */

/** Components with pods and a `<component>.replicas` value; trivy and the exporter are optional. */
export const HARBOR_COMPONENTS = ["core", "jobservice", "registry", "portal", "trivy", "exporter"] as const;
export type HarborComponent = (typeof HARBOR_COMPONENTS)[number];

/**
 * Components whose every pod opens up to `database.maxOpenConns` connections of its own (field notes);
 * the chart deploys the exporter only with metrics on.
 */
export const HARBOR_DB_POOL_COMPONENTS = ["core", "exporter"] as const satisfies readonly HarborComponent[];

export type HarborDbPoolComponent = (typeof HARBOR_DB_POOL_COMPONENTS)[number];

/** Pods holding a pool: the replicas of each pool component that is deployed (absent: not deployed). */
export function harborPoolPods(replicas: Partial<Record<HarborDbPoolComponent, number>>): number {
  return HARBOR_DB_POOL_COMPONENTS.reduce((n, c) => n + (replicas[c] ?? 0), 0);
}
