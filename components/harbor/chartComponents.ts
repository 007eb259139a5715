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

/**
 * The images chart 1.19.2 runs for these components, its defaults (values.yaml `<component>.image`; the
 * registry pod runs registry-photon and harbor-registryctl), pinned by the chart's tag, no digest upstream.
 * The admission allowlist exempts them (HarborPlatform): Harbor cannot be pulled from itself before it runs.
 */
export const HARBOR_IMAGES: Record<HarborComponent, readonly string[]> = {
  core: ["docker.io/goharbor/harbor-core:v2.15.2"],
  jobservice: ["docker.io/goharbor/harbor-jobservice:v2.15.2"],
  registry: ["docker.io/goharbor/registry-photon:v2.15.2", "docker.io/goharbor/harbor-registryctl:v2.15.2"],
  portal: ["docker.io/goharbor/harbor-portal:v2.15.2"],
  trivy: ["docker.io/goharbor/trivy-adapter-photon:v2.15.2"],
  exporter: ["docker.io/goharbor/harbor-exporter:v2.15.2"],
};
