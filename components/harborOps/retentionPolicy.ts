/**
 * A project's tag retention policy (`/retentions`) as a dynamic resource; its id is Harbor's policy id.
 * Harbor keeps one policy per project (the project's `retention_id` metadata), which is its natural key.
 * Rules are evaluated with `or`: an artifact is kept when any rule retains it; everything else is
 * deleted by each scheduled run.
 */
import * as pulumi from "@pulumi/pulumi";
import type { HarborClientOptions } from "../harborApi/client";
import type { ConnectionArgs } from "../harborApi/connectionArgs";
import { Connected, CONNECTION_SECRET_OUTPUTS } from "../harborApi/providerSupport";
import { HarborResourceDefinition, makeHarborProvider, objectShapeProblem } from "../harborApi/resourceProvider";

/** `definitions.RetentionSelector`. */
export interface ApiSelector {
  kind: string;
  decoration: string;
  pattern: string;
  extras?: string;
}

/** `definitions.RetentionRule` (also the shape of `ImmutableRule`). */
export interface ApiRule {
  id?: number;
  priority?: number;
  disabled?: boolean;
  action?: string;
  template?: string;
  params?: Record<string, unknown>;
  tag_selectors?: ApiSelector[];
  scope_selectors?: Record<string, ApiSelector[]>;
}

/** `definitions.RetentionPolicy`. */
export interface ApiRetentionPolicy {
  id?: number;
  algorithm?: string;
  rules?: ApiRule[];
  trigger?: { kind?: string; settings?: { cron?: string }; references?: object };
  scope?: { level?: string; ref?: number };
}

/** One retention rule in Harbor's terms, without ids. */
export interface RetentionRuleSpec {
  /** `always`, `latestPushedK`, `latestPulledN`, `nDaysSinceLastPush`, `nDaysSinceLastPull`. */
  template: string;
  /** The template's number (`{ latestPushedK: 10 }`); `{}` for `always`. */
  params: Record<string, number>;
  /** Tags the rule applies to (doublestar pattern) and whether it matches or excludes them. */
  tagPattern: string;
  tagDecoration: "matches" | "excludes";
  /** Repositories (doublestar pattern, `**` for all) and whether it matches or excludes them. */
  repoPattern: string;
  repoDecoration: "repoMatches" | "repoExcludes";
  /** Untagged artifacts are kept by this rule too. */
  untagged: boolean;
}

export interface RetentionPolicySpec {
  /** Harbor's id of the project. */
  projectId: number;
  /** Harbor's 6-field cron of the runs. */
  cron: string;
  rules: RetentionRuleSpec[];
}

export type RetentionPolicyInputs = Connected & { spec: RetentionPolicySpec };

export function retentionRuleBody(r: RetentionRuleSpec, priority: number): ApiRule {
  return {
    priority,
    disabled: false,
    action: "retain",
    template: r.template,
    params: { ...r.params },
    tag_selectors: [
      {
        kind: "doublestar",
        decoration: r.tagDecoration,
        pattern: r.tagPattern,
        extras: JSON.stringify({ untagged: r.untagged }),
      },
    ],
    scope_selectors: { repository: [{ kind: "doublestar", decoration: r.repoDecoration, pattern: r.repoPattern }] },
  };
}

/** Body of `POST /retentions` and `PUT /retentions/{id}`. */
export function retentionBody(s: RetentionPolicySpec, id?: number): ApiRetentionPolicy {
  return {
    ...(id === undefined ? {} : { id }),
    algorithm: "or",
    rules: s.rules.map((r, i) => retentionRuleBody(r, i + 1)),
    trigger: { kind: "Schedule", settings: { cron: s.cron }, references: {} },
    scope: { level: "project", ref: s.projectId },
  };
}

function untaggedOf(extras: string | undefined): boolean {
  try {
    return JSON.parse(extras ?? "{}")?.untagged === true;
  } catch {
    return false;
  }
}

export function retentionSpecFromApi(api: ApiRetentionPolicy): RetentionPolicySpec {
  return {
    projectId: Number(api.scope?.ref ?? 0),
    cron: api.trigger?.settings?.cron ?? "",
    rules: [...(api.rules ?? [])]
      .filter((r) => !r.disabled)
      .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0))
      .map((r) => {
        const tag = r.tag_selectors?.[0];
        const repo = r.scope_selectors?.repository?.[0];
        return {
          template: r.template ?? "",
          params: Object.fromEntries(Object.entries(r.params ?? {}).map(([k, v]) => [k, Number(v)])),
          tagPattern: tag?.pattern ?? "",
          tagDecoration: (tag?.decoration ?? "matches") as RetentionRuleSpec["tagDecoration"],
          repoPattern: repo?.pattern ?? "",
          repoDecoration: (repo?.decoration ?? "repoMatches") as RetentionRuleSpec["repoDecoration"],
          untagged: untaggedOf(tag?.extras),
        };
      }),
  };
}

export const retentionPolicyDefinition: HarborResourceDefinition<RetentionPolicyInputs> = {
  kind: "retention policy",
  type: "RetentionPolicy",
  path: (id) => `/retentions/${id}`,
  createCall: (s) => ({ method: "POST", path: "/retentions", body: retentionBody(s.spec) }),
  updateCalls: (id, s) => [{ method: "PUT", path: `/retentions/${id}`, body: retentionBody(s.spec, Number(id)) }],
  shapeProblem: (api) =>
    objectShapeProblem(api, { id: "number", trigger: "object", scope: "object" }) ??
    (Array.isArray((api as ApiRetentionPolicy).rules) ? undefined : '"rules" is not a list'),
  specFromApi: (api: ApiRetentionPolicy) => retentionSpecFromApi(api),
  // Another project is another policy.
  replaceKeys: ["projectId"],
  naturalKey: {
    label: (s) => `of project ${s.spec.projectId}`,
    listPath: (s) => `/projects/${s.spec.projectId}`,
    // One policy per project: the project's `retention_id` metadata names it.
    find: async (client, s) => {
      const project = await client.get<{ metadata?: { retention_id?: string } }>(`/projects/${s.spec.projectId}`);
      const id = project?.metadata?.retention_id;
      return id ? String(id) : undefined;
    },
    matches: () => false,
    idOf: () => undefined,
  },
};

export const makeRetentionPolicyProvider = (o: HarborClientOptions = {}) =>
  makeHarborProvider(retentionPolicyDefinition, o) as pulumi.dynamic.ResourceProvider;
export const retentionPolicyProvider = makeRetentionPolicyProvider();

export interface HarborRetentionPolicyArgs {
  /** The Harbor of the project. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** The policy, in Harbor's terms. Required. */
  spec: pulumi.Input<{ [K in keyof RetentionPolicySpec]: pulumi.Input<RetentionPolicySpec[K]> }>;
}

/** A project's tag retention policy; its `id` is Harbor's policy id. */
export class HarborRetentionPolicy extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<RetentionPolicySpec>;
  constructor(name: string, args: HarborRetentionPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      retentionPolicyProvider,
      name,
      { ...args },
      { ...opts, additionalSecretOutputs: [...CONNECTION_SECRET_OUTPUTS] },
      "harbor",
      "RetentionPolicy",
    );
  }
}
