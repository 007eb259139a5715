/**
 * A Harbor project with its metadata (`/projects`) as a Pulumi dynamic resource (shared by the projects
 * and harborOps tiers, for regular and proxy-cache projects); its id is Harbor's
 * project id. Metadata changes update in place, a rename replaces the project. Provider: the generic Harbor
 * provider, a module-level singleton, so Pulumi serializes its code once per process however many projects there are; inputs
 * are two properties (connection, spec) because each property costs the SDK per resource.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ApiProject, ApiProjectMetadata } from "./model";
import type { HarborClientOptions } from "./client";
import type { ConnectionArgs } from "./connectionArgs";
import { Connected, CONNECTION_SECRET_OUTPUTS } from "./providerSupport";
import { HarborResourceDefinition, makeHarborProvider, objectShapeProblem } from "./resourceProvider";

/** The metadata keys harbor-ha manages; others (retention_id, proxy settings...) are left alone. */
export const MANAGED_METADATA = [
  "public",
  "auto_scan",
  "severity",
  "prevent_vul",
  "enable_content_trust_cosign",
  "reuse_sys_cve_allowlist",
] as const;
export type ManagedMetadata = Record<(typeof MANAGED_METADATA)[number], string>;

export const SEVERITIES = ["none", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A project's scan and signing policy (`ProjectMetadata`), shared by regular and proxy-cache projects. */
export interface ProjectPolicyArgs {
  /** Anyone may pull without logging in. Default: false. */
  public?: boolean;
  /** Scan every pushed image with the default scanner (Trivy). Default: true. */
  autoScan?: boolean;
  /** Refuse pulls of images with vulnerabilities at `severity` or above. Default: false. */
  preventVulnerable?: boolean;
  /**
   * Lowest severity that blocks a pull when `preventVulnerable` is on. `high` blocks High and Critical,
   * i.e. CVSS v3 >= 7.0. Default: `high`.
   */
  severity?: Severity;
  /** Refuse pulls of images without a cosign signature. Default: false. */
  enforceCosign?: boolean;
  /** Use the system-wide CVE allowlist (instead of none). Default: true. */
  reuseSystemCveAllowlist?: boolean;
}

const bool = (b: boolean) => (b ? "true" : "false");

/** Harbor's metadata for a project, with every managed key explicit (so drift on any of them shows). */
export function renderProjectMetadata(
  p: ProjectPolicyArgs,
): Required<
  Pick<
    ApiProjectMetadata,
    "public" | "auto_scan" | "severity" | "prevent_vul" | "enable_content_trust_cosign" | "reuse_sys_cve_allowlist"
  >
> {
  return {
    public: bool(p.public ?? false),
    auto_scan: bool(p.autoScan ?? true),
    severity: p.severity ?? "high",
    prevent_vul: bool(p.preventVulnerable ?? false),
    enable_content_trust_cosign: bool(p.enforceCosign ?? false),
    reuse_sys_cve_allowlist: bool(p.reuseSystemCveAllowlist ?? true),
  };
}

export interface ProjectSpec {
  name: string;
  metadata: ManagedMetadata;
  /** A proxy-cache project: the id of the registry endpoint it caches. Set at creation only. Default: none. */
  registryId?: number;
}

export interface ProjectInputs extends Connected {
  spec: ProjectSpec;
}

/** The managed metadata of what Harbor answers; Harbor omits unset keys, which read as "false" (severity: ""). */
export function managedMetadata(m: ApiProjectMetadata | undefined): ManagedMetadata {
  const src = (m ?? {}) as Record<string, string | undefined>;
  const out = {} as Record<string, string>;
  for (const k of MANAGED_METADATA) out[k] = src[k] ?? (k === "severity" ? "" : "false");
  return out as ManagedMetadata;
}

export function projectSpecFromApi(api: ApiProject): ProjectSpec {
  const spec: ProjectSpec = { name: api.name ?? "", metadata: managedMetadata(api.metadata) };
  if (api.registry_id) spec.registryId = api.registry_id;
  return spec;
}

/** The project as a generic Harbor resource; its natural key is its (unique) name. */
export const projectDefinition: HarborResourceDefinition<ProjectInputs> = {
  kind: "project",
  type: "Project",
  path: (id) => `/projects/${id}`,
  createCall: (s) => ({
    method: "POST",
    path: "/projects",
    body: {
      project_name: s.spec.name,
      metadata: s.spec.metadata,
      ...(s.spec.registryId ? { registry_id: s.spec.registryId } : {}),
    },
  }),
  updateCalls: (id, s) => [{ method: "PUT", path: `/projects/${id}`, body: { metadata: s.spec.metadata } }],
  // Harbor refuses (412) to delete a project holding repositories: the error says so; nothing is forced.
  shapeProblem: (api) => objectShapeProblem(api, { name: "string", project_id: "number" }),
  specFromApi: (api: ApiProject) => projectSpecFromApi(api),
  // Harbor binds a proxy-cache project to its endpoint at creation only.
  replaceKeys: ["name", "registryId"],
  naturalKey: {
    label: (s) => s.spec.name,
    // `name` filters by substring: the exact name is matched below.
    listPath: (s) => `/projects?name=${encodeURIComponent(s.spec.name)}`,
    matches: (api: ApiProject, s) => api.name === s.spec.name,
    idOf: (api: ApiProject) => api.project_id,
  },
};

export function makeProjectProvider(clientOptions: HarborClientOptions = {}): pulumi.dynamic.ResourceProvider {
  return makeHarborProvider(projectDefinition, clientOptions) as pulumi.dynamic.ResourceProvider;
}

export const projectProvider = makeProjectProvider();

export interface HarborProjectResourceArgs {
  /** The Harbor where the project is created. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** What Harbor stores, in the API's terms. Required. */
  spec: pulumi.Input<{
    name: pulumi.Input<string>;
    metadata: pulumi.Input<ManagedMetadata>;
    registryId?: pulumi.Input<number>;
  }>;
}

/** One project in one Harbor; its `id` is Harbor's project id. */
export class HarborProject extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<ProjectSpec>;

  constructor(name: string, args: HarborProjectResourceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      projectProvider,
      name,
      { ...args },
      { ...opts, additionalSecretOutputs: [...CONNECTION_SECRET_OUTPUTS] },
      "harbor",
      "Project",
    );
  }

  /** Harbor's id of the project. */
  get projectId(): pulumi.Output<number> {
    return this.id.apply(Number);
  }
}
