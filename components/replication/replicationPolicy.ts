/**
 * A Harbor replication policy (`/replication/policies`) as a Pulumi dynamic resource; its id is
 * Harbor's policy id. Every spec field, filters and trigger included, updates in place (Harbor's PUT
 * takes the whole policy); only a move to another Harbor (`connection.url`) replaces it.
 * Provider: the generic Harbor provider, a module-level singleton; inputs: two properties (see
 * registryEndpoint.ts for both).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ApiReplicationFilter, ApiReplicationPolicy } from "../harborApi/model";
import type { HarborClientOptions } from "../harborApi/client";
import type { ConnectionArgs } from "../harborApi/connectionArgs";
import { Connected, CONNECTION_SECRET_OUTPUTS } from "../harborApi/providerSupport";
import { HarborResourceDefinition, makeHarborProvider, objectShapeProblem } from "../harborApi/resourceProvider";

export interface ReplicationPolicySpec {
  name: string;
  description: string;
  direction: "push" | "pull";
  /** Id of the remote endpoint: destination of a push, source of a pull. */
  registryId: number;
  destNamespace: string;
  destNamespaceReplaceCount: number;
  filters: ApiReplicationFilter[];
  trigger: { type: string; cron?: string };
  override: boolean;
  replicateDeletion: boolean;
  enabled: boolean;
  /** KB/s per task, -1 for no limit. */
  speedKbps: number;
  copyByChunk: boolean;
}

export interface ReplicationPolicyInputs extends Connected {
  spec: ReplicationPolicySpec;
}

export const POLICY_REPLACE_KEYS: readonly string[] = [];

const FILTER_ORDER = ["name", "tag", "label", "resource"];

/** Filters in a stable order, with `decoration` only where Harbor uses it (tag, label). */
export function normalizeFilters(filters: ApiReplicationFilter[] | undefined): ApiReplicationFilter[] {
  return (filters ?? [])
    .map((f) => {
      const out: ApiReplicationFilter = { type: f.type, value: Array.isArray(f.value) ? [...f.value] : f.value };
      if (f.type === "tag" || f.type === "label") out.decoration = f.decoration || "matches";
      return out;
    })
    .sort((a, b) => FILTER_ORDER.indexOf(a.type) - FILTER_ORDER.indexOf(b.type));
}

/** Body of `POST /replication/policies` and `PUT /replication/policies/{id}`. A push has no source (this Harbor). */
export function policyBody(s: ReplicationPolicySpec): ApiReplicationPolicy {
  const body: ApiReplicationPolicy = {
    name: s.name,
    description: s.description,
    dest_namespace: s.destNamespace,
    dest_namespace_replace_count: s.destNamespaceReplaceCount,
    trigger:
      s.trigger.type === "scheduled"
        ? { type: "scheduled", trigger_settings: { cron: s.trigger.cron ?? "" } }
        : { type: s.trigger.type },
    filters: normalizeFilters(s.filters),
    replicate_deletion: s.replicateDeletion,
    override: s.override,
    enabled: s.enabled,
    speed: s.speedKbps,
    copy_by_chunk: s.copyByChunk,
  };
  if (s.direction === "pull") body.src_registry = { id: s.registryId };
  else body.dest_registry = { id: s.registryId };
  return body;
}

/** The spec of what Harbor answers. Harbor shows this Harbor itself as registry id 0 (or none). */
export function policySpecFromApi(api: ApiReplicationPolicy): ReplicationPolicySpec {
  const pull = (api.src_registry?.id ?? 0) > 0;
  const trigger: { type: string; cron?: string } = { type: api.trigger?.type ?? "manual" };
  if (trigger.type === "scheduled") trigger.cron = api.trigger?.trigger_settings?.cron ?? "";
  return {
    name: api.name ?? "",
    description: api.description ?? "",
    direction: pull ? "pull" : "push",
    registryId: Number((pull ? api.src_registry?.id : api.dest_registry?.id) ?? 0),
    destNamespace: api.dest_namespace ?? "",
    destNamespaceReplaceCount: api.dest_namespace_replace_count ?? -1,
    filters: normalizeFilters(api.filters),
    trigger,
    override: api.override ?? false,
    replicateDeletion: api.replicate_deletion ?? false,
    enabled: api.enabled ?? false,
    speedKbps: api.speed ?? -1,
    copyByChunk: api.copy_by_chunk ?? false,
  };
}

/** The replication policy as a generic Harbor resource; its natural key is its (unique) name. */
export const replicationPolicyDefinition: HarborResourceDefinition<ReplicationPolicyInputs> = {
  kind: "replication policy",
  type: "ReplicationPolicy",
  path: (id) => `/replication/policies/${id}`,
  createCall: (s) => ({ method: "POST", path: "/replication/policies", body: policyBody(s.spec) }),
  updateCalls: (id, s) => [{ method: "PUT", path: `/replication/policies/${id}`, body: policyBody(s.spec) }],
  shapeProblem: (api) => objectShapeProblem(api, { name: "string", trigger: "object" }),
  specFromApi: (api: ApiReplicationPolicy) => policySpecFromApi(api),
  normalize: (spec) => ({ ...spec, filters: normalizeFilters(spec.filters) }),
  replaceKeys: POLICY_REPLACE_KEYS,
  naturalKey: {
    label: (s) => s.spec.name,
    listPath: (s) => `/replication/policies?q=${encodeURIComponent(`name=${s.spec.name}`)}`,
    matches: (api: ApiReplicationPolicy, s) => api.name === s.spec.name,
    idOf: (api: ApiReplicationPolicy) => api.id,
  },
};

export function makeReplicationPolicyProvider(
  clientOptions: HarborClientOptions = {},
): pulumi.dynamic.ResourceProvider {
  return makeHarborProvider(replicationPolicyDefinition, clientOptions) as pulumi.dynamic.ResourceProvider;
}

export const replicationPolicyProvider = makeReplicationPolicyProvider();

export interface HarborReplicationPolicyArgs {
  /** The Harbor where the policy is created. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** What Harbor stores, in the API's terms. Required. */
  spec: pulumi.Input<{ [K in keyof ReplicationPolicySpec]: pulumi.Input<ReplicationPolicySpec[K]> }>;
}

/** One replication policy in one Harbor; its `id` is Harbor's policy id. */
export class HarborReplicationPolicy extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<ReplicationPolicySpec>;

  constructor(name: string, args: HarborReplicationPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      replicationPolicyProvider,
      name,
      { ...args },
      { ...opts, additionalSecretOutputs: [...CONNECTION_SECRET_OUTPUTS] },
      "harbor",
      "ReplicationPolicy",
    );
  }

  /** Harbor's id of the policy. */
  get policyId(): pulumi.Output<number> {
    return this.id.apply(Number);
  }
}
