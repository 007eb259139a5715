/**
 * A system-level Harbor robot account (`/robots`) for replication, as a Pulumi dynamic resource; its id
 * is Harbor's robot id. The secret is answered only at creation and kept as a secret output; a rename
 * replaces the robot. Provider: a module-level singleton (see registryEndpoint.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ApiRobot, ApiRobotCreated, ApiRobotPermission } from "../harborApi/model";
import type { HarborClientOptions } from "../harborApi/client";
import type { ConnectionArgs } from "../harborApi/connectionArgs";
import {
  clientFor,
  Connected,
  CONNECTION_SECRET_OUTPUTS,
  diffSpec,
  withoutProvider,
} from "../harborApi/providerSupport";

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

function normalized(i: RobotAccountInputs): RobotAccountInputs {
  return { ...withoutProvider(i), spec: { ...i.spec, permissions: normalizePermissions(i.spec.permissions) } };
}

export function makeRobotAccountProvider(clientOptions: HarborClientOptions = {}): pulumi.dynamic.ResourceProvider {
  return {
    async create(inputs: RobotAccountInputs) {
      const res = await clientFor(inputs, clientOptions).request<ApiRobotCreated>(
        "POST",
        "/robots",
        robotCreateBody(inputs.spec),
      );
      const created = res.body ?? {};
      if (created.id === undefined || !created.secret)
        throw new Error(`Harbor created robot "${inputs.spec.name}" but did not answer its id and secret`);
      const outs: RobotAccountState = {
        ...normalized(inputs),
        fullName: created.name ?? `robot$${inputs.spec.name}`,
        secret: created.secret,
      };
      return { id: String(created.id), outs };
    },
    async read(id: string, props: RobotAccountState) {
      const api = await clientFor(props, clientOptions).find<ApiRobot>(`/robots/${id}`);
      if (!api) return {};
      return {
        id,
        props: {
          connection: props.connection,
          password: props.password,
          spec: robotSpecFromApi(api),
          fullName: api.name ?? props.fullName,
          secret: props.secret,
        },
      };
    },
    async diff(_id: string, olds: RobotAccountState, news: RobotAccountInputs) {
      const d = diffSpec(olds, normalized(news), ROBOT_REPLACE_KEYS);
      return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
    },
    async update(id: string, olds: RobotAccountState, news: RobotAccountInputs) {
      await clientFor(news, clientOptions).put(`/robots/${id}`, robotUpdateBody(news.spec, olds.fullName, Number(id)));
      return { outs: { ...normalized(news), fullName: olds.fullName, secret: olds.secret } };
    },
    async delete(id: string, props: RobotAccountState) {
      await clientFor(props, clientOptions).remove(`/robots/${id}`);
    },
  };
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
