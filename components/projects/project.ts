/**
 * A Harbor project with its metadata (`/projects`) as a Pulumi dynamic resource; its id is Harbor's
 * project id. Metadata changes update in place, a rename replaces the project. Provider: a module-level
 * singleton, so Pulumi serializes its code once per process however many projects there are; inputs
 * are two properties (connection, spec) because each property costs the SDK per resource.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ApiProject, ApiProjectMetadata } from "../harborApi/model";
import type { HarborClientOptions } from "../harborApi/client";
import type { ConnectionArgs } from "../harborApi/connectionArgs";
import {
  clientFor,
  Connected,
  CONNECTION_SECRET_OUTPUTS,
  diffSpec,
  withoutProvider,
} from "../harborApi/providerSupport";

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

export interface ProjectSpec {
  name: string;
  metadata: ManagedMetadata;
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
  return { name: api.name ?? "", metadata: managedMetadata(api.metadata) };
}

export function makeProjectProvider(clientOptions: HarborClientOptions = {}): pulumi.dynamic.ResourceProvider {
  return {
    async create(inputs: ProjectInputs) {
      const client = clientFor(inputs, clientOptions);
      let id = await client.create("/projects", { project_name: inputs.spec.name, metadata: inputs.spec.metadata });
      if (id === undefined) {
        const found = (await client.get<ApiProject[]>(`/projects?name=${encodeURIComponent(inputs.spec.name)}`)) ?? [];
        id = found.find((p) => p.name === inputs.spec.name)?.project_id;
        if (id === undefined)
          throw new Error(
            `Harbor created project "${inputs.spec.name}" but did not say its id, and it cannot be found by name`,
          );
      }
      return { id: String(id), outs: withoutProvider(inputs) };
    },
    async read(id: string, props: ProjectInputs) {
      const api = await clientFor(props, clientOptions).find<ApiProject>(`/projects/${id}`);
      if (!api) return {};
      return { id, props: { connection: props.connection, password: props.password, spec: projectSpecFromApi(api) } };
    },
    async diff(_id: string, olds: ProjectInputs, news: ProjectInputs) {
      const d = diffSpec(olds, news, ["name"]);
      return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
    },
    async update(id: string, _olds: ProjectInputs, news: ProjectInputs) {
      await clientFor(news, clientOptions).put(`/projects/${id}`, { metadata: news.spec.metadata });
      return { outs: withoutProvider(news) };
    },
    async delete(id: string, props: ProjectInputs) {
      // Harbor refuses (412) while the project holds repositories: the error says so; nothing is forced.
      await clientFor(props, clientOptions).remove(`/projects/${id}`);
    },
  };
}

export const projectProvider = makeProjectProvider();

export interface HarborProjectResourceArgs {
  /** The Harbor where the project is created. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** What Harbor stores, in the API's terms. Required. */
  spec: pulumi.Input<{ name: pulumi.Input<string>; metadata: pulumi.Input<ManagedMetadata> }>;
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
