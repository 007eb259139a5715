/**
 * A project's immutable tag rule (`/projects/{id}/immutabletagrules`) as a dynamic resource; its id is
 * Harbor's rule id. Harbor has no GET of one rule: read lists the project's rules and picks it. The
 * natural key is the (tag, repository) pattern pair.
 */
import * as pulumi from "@pulumi/pulumi";
import type { HarborClientOptions } from "../harborApi/client";
import type { ConnectionArgs } from "../harborApi/connectionArgs";
import { Connected, CONNECTION_SECRET_OUTPUTS } from "../harborApi/providerSupport";
import { HarborResourceDefinition, makeHarborProvider } from "../harborApi/resourceProvider";
import type { ApiRule } from "./retentionPolicy";

export interface ImmutableTagRuleSpec {
  projectId: number;
  /** Tags that can never be overwritten or deleted (doublestar, e.g. `v*`). */
  tagPattern: string;
  /** Repositories it applies to (doublestar, `**` for all). */
  repoPattern: string;
  disabled: boolean;
}

export type ImmutableTagRuleInputs = Connected & { spec: ImmutableTagRuleSpec };

export function immutableRuleBody(s: ImmutableTagRuleSpec, id?: number): ApiRule {
  return {
    ...(id === undefined ? {} : { id }),
    disabled: s.disabled,
    action: "immutable",
    template: "immutable_template",
    tag_selectors: [{ kind: "doublestar", decoration: "matches", pattern: s.tagPattern }],
    scope_selectors: { repository: [{ kind: "doublestar", decoration: "repoMatches", pattern: s.repoPattern }] },
  };
}

const rules = (projectId: number) => `/projects/${projectId}/immutabletagrules`;

export const immutableTagRuleDefinition: HarborResourceDefinition<ImmutableTagRuleInputs> = {
  kind: "immutable tag rule",
  type: "ImmutableTagRule",
  path: (id, s) => `${rules(s.spec.projectId)}/${id}`,
  createCall: (s) => ({ method: "POST", path: rules(s.spec.projectId), body: immutableRuleBody(s.spec) }),
  updateCalls: (id, s) => [
    { method: "PUT", path: `${rules(s.spec.projectId)}/${id}`, body: immutableRuleBody(s.spec, Number(id)) },
  ],
  get: async (client, id, s) => {
    const list = await client.find<unknown>(rules(s.spec.projectId));
    if (list === undefined) return undefined; // the project is gone, and the rule with it
    if (!Array.isArray(list)) return list; // the shape check reports it
    return list.find((r: ApiRule) => String(r?.id) === id);
  },
  shapeProblem: (api) =>
    api && typeof api === "object" && Array.isArray((api as ApiRule).tag_selectors)
      ? undefined
      : "expected an immutable rule object with tag_selectors",
  specFromApi: (api: ApiRule, s) => ({
    projectId: s.spec.projectId,
    tagPattern: api.tag_selectors?.[0]?.pattern ?? "",
    repoPattern: api.scope_selectors?.repository?.[0]?.pattern ?? "",
    disabled: api.disabled ?? false,
  }),
  replaceKeys: ["projectId", "tagPattern", "repoPattern"],
  naturalKey: {
    label: (s) => `${s.spec.tagPattern} in ${s.spec.repoPattern} of project ${s.spec.projectId}`,
    listPath: (s) => rules(s.spec.projectId),
    matches: (api: ApiRule, s) =>
      api.tag_selectors?.[0]?.pattern === s.spec.tagPattern &&
      api.scope_selectors?.repository?.[0]?.pattern === s.spec.repoPattern,
    idOf: (api: ApiRule) => api.id,
  },
};

export const makeImmutableTagRuleProvider = (o: HarborClientOptions = {}) =>
  makeHarborProvider(immutableTagRuleDefinition, o) as pulumi.dynamic.ResourceProvider;
export const immutableTagRuleProvider = makeImmutableTagRuleProvider();

export interface HarborImmutableTagRuleArgs {
  /** The Harbor of the project. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** The rule, in Harbor's terms. Required. */
  spec: pulumi.Input<{ [K in keyof ImmutableTagRuleSpec]: pulumi.Input<ImmutableTagRuleSpec[K]> }>;
}

/** One immutable tag rule of a project; its `id` is Harbor's rule id. */
export class HarborImmutableTagRule extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<ImmutableTagRuleSpec>;
  constructor(name: string, args: HarborImmutableTagRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      immutableTagRuleProvider,
      name,
      { ...args },
      { ...opts, additionalSecretOutputs: [...CONNECTION_SECRET_OUTPUTS] },
      "harbor",
      "ImmutableTagRule",
    );
  }
}
