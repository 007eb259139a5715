/**
 * Harbor's components as the chart (1.19) runs them, and which of them open a database pool.
 * SDK-free: the policy pack reads these through components/facts.ts.
 */

/** Components with pods and a `<component>.replicas` value; trivy and the exporter are optional. */
export const HARBOR_COMPONENTS = ["core", "jobservice", "registry", "portal", "trivy", "exporter"] as const;
export type HarborComponent = (typeof HARBOR_COMPONENTS)[number];

/**
 * Components whose every pod opens up to `database.maxOpenConns` connections of its own (field notes: core;
 * jobservice opens its own pool with core's MaxOpenConns; the exporter, which the chart deploys only with
 * metrics on).
 */
export const HARBOR_DB_POOL_COMPONENTS = [
  "core",
  "jobservice",
  "exporter",
] as const satisfies readonly HarborComponent[];

export type HarborDbPoolComponent = (typeof HARBOR_DB_POOL_COMPONENTS)[number];
