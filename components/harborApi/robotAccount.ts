/**
 * A system-level Harbor robot account (`/robots`) for replication and CI (shared by the replication and
 * harborOps tiers), as a Pulumi dynamic resource; its id
 * is Harbor's robot id. The secret is answered only at creation and kept as a secret output; a rename
 * replaces the robot. Provider: the generic Harbor provider, a module-level singleton (see registryEndpoint.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ApiRobot, ApiRobotCreated, ApiRobotPermission } from "./model";
import type { HarborClientOptions } from "./client";
import type { ConnectionArgs } from "./connectionArgs";
import { Connected, CONNECTION_SECRET_OUTPUTS } from "./providerSupport";
import { HarborResourceDefinition, makeHarborProvider, objectShapeProblem } from "./resourceProvider";

export interface RobotAccountSpec {
  /** Short name; Harbor answers the full name with its prefix (`robot$<name>`). */
  name: string;
  description: string;
  /** Days, -1 for never expiring. */
  durationDays: number;
  permissions: ApiRobotPermission[];
  disabled: boolean;
}

export interface RobotAccountInputs extends Connected {
  spec: RobotAccountSpec;
}

export interface RobotAccountState extends RobotAccountInputs {
  /** The name to log in with, e.g. `robot$replication-dr`. */
  fullName: string;
  /** The robot's secret (secret output). */
  secret: string;
}

/**
 * Permissions of a system robot (replication, CI) on `projects`: pull reads repositories and
 * artifacts; push also writes them, and may create the project at the destination as Harbor's
 * replication does when it is missing.
 */
export function renderRobotPermissions(access: "pull" | "push", projects: string[] = ["*"]): ApiRobotPermission[] {
  const read = [
    { resource: "repository", action: "list" },
    { resource: "repository", action: "pull" },
    { resource: "artifact", action: "list" },
    { resource: "artifact", action: "read" },
    { resource: "tag", action: "list" },
  ];
  const write = [
    { resource: "repository", action: "push" },
    { resource: "artifact", action: "create" },
    { resource: "tag", action: "create" },
    { resource: "artifact-label", action: "create" },
  ];
  const perProject = access === "push" ? [...read, ...write] : read;
  const permissions: ApiRobotPermission[] = projects.map((namespace) => ({
    kind: "project",
    namespace,
    access: perProject.map((a) => ({ ...a })),
  }));
  if (access === "push")
    permissions.push({ kind: "system", namespace: "/", access: [{ resource: "project", action: "create" }] });
  return permissions;
}

export const ROBOT_REPLACE_KEYS = ["name"] as const;

/** Permissions in a stable order, so refresh does not see a reordering as drift. */
export function normalizePermissions(p: ApiRobotPermission[] | undefined): ApiRobotPermission[] {
  const key = (a: { resource: string; action: string }) => `${a.resource}:${a.action}`;
  return (p ?? [])
    .map((x) => ({
      kind: x.kind,
      namespace: x.namespace,
      access: (x.access ?? [])
        .map((a) => ({ resource: a.resource, action: a.action }))
        .sort((a, b) => key(a).localeCompare(key(b))),
    }))
    .sort((a, b) => `${a.kind}/${a.namespace}`.localeCompare(`${b.kind}/${b.namespace}`));
}

/** Body of `POST /robots` (`RobotCreate`). */
export function robotCreateBody(s: RobotAccountSpec) {
  return {
    name: s.name,
    description: s.description,
    level: "system",
    disable: s.disabled,
    duration: s.durationDays,
    permissions: normalizePermissions(s.permissions),
  };
}

/** Body of `PUT /robots/{id}` (`Robot`): Harbor wants the full name and the level unchanged. */
export function robotUpdateBody(s: RobotAccountSpec, fullName: string, id: number): ApiRobot {
  return {
    id,
    name: fullName,
    description: s.description,
    level: "system",
    disable: s.disabled,
    duration: s.durationDays,
    permissions: normalizePermissions(s.permissions),
  };
}

/** The spec of what Harbor answers (it answers the prefixed name; the spec keeps the short one). */
export function robotSpecFromApi(api: ApiRobot): RobotAccountSpec {
  return {
    name: (api.name ?? "").replace(/^robot\$/, ""),
    description: api.description ?? "",
    durationDays: api.duration ?? -1,
    permissions: normalizePermissions(api.permissions),
    disabled: api.disable ?? false,
  };
}

/** The robot as a generic Harbor resource; its natural key is its name (Harbor answers `robot$<name>`). */
export const robotAccountDefinition: HarborResourceDefinition<RobotAccountInputs> = {
  kind: "robot account",
  type: "RobotAccount",
  path: (id) => `/robots/${id}`,
  createCall: (s) => ({ method: "POST", path: "/robots", body: robotCreateBody(s.spec) }),
  updateCalls: (id, s, olds) => [
    { method: "PUT", path: `/robots/${id}`, body: robotUpdateBody(s.spec, String(olds.fullName), Number(id)) },
  ],
  shapeProblem: (api) => objectShapeProblem(api, { id: "number", name: "string" }),
  specFromApi: (api: ApiRobot) => robotSpecFromApi(api),
  normalize: (spec) => ({ ...spec, permissions: normalizePermissions(spec.permissions) }),
  replaceKeys: ROBOT_REPLACE_KEYS,
  // The secret is answered only at creation; the full name does not change.
  keptOutputs: ["fullName", "secret"],
  naturalKey: {
    label: (s) => s.spec.name,
    listPath: (s) => `/robots?q=${encodeURIComponent(`name=robot$${s.spec.name}`)}`,
    matches: (api: ApiRobot, s) => api.name === `robot$${s.spec.name}` && api.level === "system",
    idOf: (api: ApiRobot) => api.id,
  },
  idFromAnswer: (answer) => {
    const id = (answer as ApiRobotCreated | undefined)?.id;
    return id === undefined ? undefined : String(id);
  },
  createdOutputs: (answer, s) => {
    const created = (answer ?? {}) as ApiRobotCreated;
    if (created.id === undefined || !created.secret)
      throw new Error(`Harbor created robot "${s.spec.name}" but did not answer its id and secret`);
    return { fullName: created.name ?? `robot$${s.spec.name}`, secret: created.secret };
  },
  // Adopted after a lost answer: its first secret was lost with it, so Harbor issues a new one (PATCH).
  adopt: async (client, id, s) => {
    const res = await client.request<{ secret?: string }>("PATCH", `/robots/${id}`, { secret: "" });
    if (!res.body?.secret) throw new Error(`Harbor refreshed robot "${s.spec.name}" but did not answer the secret`);
    return { fullName: `robot$${s.spec.name}`, secret: res.body.secret };
  },
};

export function makeRobotAccountProvider(clientOptions: HarborClientOptions = {}): pulumi.dynamic.ResourceProvider {
  return makeHarborProvider(robotAccountDefinition, clientOptions) as pulumi.dynamic.ResourceProvider;
}

export const robotAccountProvider = makeRobotAccountProvider();

export interface HarborRobotAccountArgs {
  /** The Harbor where the robot is created. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** What Harbor stores, in the API's terms. Required. */
  spec: pulumi.Input<{ [K in keyof RobotAccountSpec]: pulumi.Input<RobotAccountSpec[K]> }>;
}

/** A system robot account in one Harbor; `secret` and `connection` are secret outputs. */
export class HarborRobotAccount extends pulumi.dynamic.Resource {
  /** Login name (`robot$<name>`). */
  declare readonly fullName: pulumi.Output<string>;
  /** The robot's secret. */
  declare readonly secret: pulumi.Output<string>;

  constructor(name: string, args: HarborRobotAccountArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      robotAccountProvider,
      name,
      { ...args, fullName: undefined, secret: undefined },
      { ...opts, additionalSecretOutputs: [...CONNECTION_SECRET_OUTPUTS, "secret"] },
      "harbor",
      "RobotAccount",
    );
  }
}
