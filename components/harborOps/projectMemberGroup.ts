/**
 * A group's membership of a project (`/projects/{id}/members`) as a dynamic resource: an OIDC, LDAP or
 * HTTP group with a role. Harbor onboards the group by name (LDAP: by DN) when it does not know it yet.
 * Its id is Harbor's member id; its natural key is the group's name among the project's group members.
 * A role change updates in place (`PUT` with `role_id`); another group or project replaces it. Harbor's
 * member answer lacks the group type, so read asks `/usergroups/{entity_id}` too.
 */
import * as pulumi from "@pulumi/pulumi";
import type { HarborClient, HarborClientOptions } from "../harborApi/client";
import type { ConnectionArgs } from "../harborApi/connectionArgs";
import { Connected, CONNECTION_SECRET_OUTPUTS } from "../harborApi/providerSupport";
import { HarborResourceDefinition, makeHarborProvider, objectShapeProblem } from "../harborApi/resourceProvider";

/** Harbor's project roles by name (src/common/const.go: RoleProjectAdmin = 1 ... RoleLimitedGuest = 5). */
export const PROJECT_ROLES = {
  projectAdmin: 1,
  developer: 2,
  guest: 3,
  maintainer: 4,
  limitedGuest: 5,
} as const;
export type ProjectRole = keyof typeof PROJECT_ROLES;

/** Harbor's group types (src/common/const.go: LDAPGroupType = 1, HTTPGroupType = 2, OIDCGroupType = 3). */
export const GROUP_TYPES = { ldap: 1, http: 2, oidc: 3 } as const;
export type GroupType = keyof typeof GROUP_TYPES;

/** `definitions.ProjectMemberEntity`, with the group's type added by read. */
export interface ApiProjectMember {
  id?: number;
  project_id?: number;
  entity_name?: string;
  role_name?: string;
  role_id?: number;
  entity_id?: number;
  /** `u` user, `g` group. */
  entity_type?: string;
  /** From `GET /usergroups/{entity_id}` (not in the member answer). */
  group_type?: number;
  ldap_group_dn?: string;
}

export interface ProjectMemberGroupSpec {
  /** Harbor's id of the project. */
  projectId: number;
  /** The group's name (OIDC/HTTP: as the identity provider names it). */
  groupName: string;
  /** 1 LDAP, 2 HTTP, 3 OIDC. */
  groupType: number;
  /** LDAP groups: the group's DN; "" otherwise. */
  ldapGroupDn: string;
  /** 1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest. */
  roleId: number;
}

export type ProjectMemberGroupInputs = Connected & { spec: ProjectMemberGroupSpec };

const members = (projectId: number) => `/projects/${projectId}/members`;

/** Body of `POST /projects/{id}/members` (`ProjectMember` with a `member_group`). */
export function memberGroupBody(s: ProjectMemberGroupSpec) {
  return {
    role_id: s.roleId,
    member_group: {
      group_name: s.groupName,
      group_type: s.groupType,
      ...(s.ldapGroupDn ? { ldap_group_dn: s.ldapGroupDn } : {}),
    },
  };
}

/** The member and its group's type and DN (Harbor answers those only for the group). */
async function readMember(client: HarborClient, id: string, s: ProjectMemberGroupInputs): Promise<unknown> {
  const member = await client.find<ApiProjectMember>(`${members(s.spec.projectId)}/${id}`);
  if (member === undefined || member === null || typeof member !== "object" || Array.isArray(member)) return member;
  if (member.entity_type !== "g" || typeof member.entity_id !== "number") return member; // the shape check says why
  const group = await client.find<{ group_type?: number; ldap_group_dn?: string }>(`/usergroups/${member.entity_id}`);
  return { ...member, group_type: group?.group_type, ldap_group_dn: group?.ldap_group_dn };
}

export const projectMemberGroupDefinition: HarborResourceDefinition<ProjectMemberGroupInputs> = {
  kind: "project member group",
  type: "ProjectMemberGroup",
  path: (id, s) => `${members(s.spec.projectId)}/${id}`,
  createCall: (s) => ({ method: "POST", path: members(s.spec.projectId), body: memberGroupBody(s.spec) }),
  updateCalls: (id, s) => [
    { method: "PUT", path: `${members(s.spec.projectId)}/${id}`, body: { role_id: s.spec.roleId } },
  ],
  get: readMember,
  shapeProblem: (api) =>
    objectShapeProblem(api, { id: "number", entity_name: "string", role_id: "number", entity_type: "string" }) ??
    ((api as ApiProjectMember).entity_type === "g" ? undefined : "the member is a user, not a group"),
  specFromApi: (api: ApiProjectMember, s) => ({
    projectId: s.spec.projectId,
    groupName: api.entity_name ?? "",
    // A group Harbor no longer has reads as type 0: drift, the next `up` replaces the membership.
    groupType: api.group_type ?? 0,
    ldapGroupDn: api.ldap_group_dn ?? "",
    roleId: api.role_id ?? 0,
  }),
  replaceKeys: ["projectId", "groupName", "groupType", "ldapGroupDn"],
  naturalKey: {
    label: (s) => `${s.spec.groupName} in project ${s.spec.projectId}`,
    listPath: (s) => `${members(s.spec.projectId)}?entityname=${encodeURIComponent(s.spec.groupName)}`,
    // `entityname` matches by substring and users too: the exact group is picked here.
    matches: (api: ApiProjectMember, s) => api.entity_type === "g" && api.entity_name === s.spec.groupName,
    idOf: (api: ApiProjectMember) => api.id,
  },
};

export const makeProjectMemberGroupProvider = (o: HarborClientOptions = {}) =>
  makeHarborProvider(projectMemberGroupDefinition, o) as pulumi.dynamic.ResourceProvider;
export const projectMemberGroupProvider = makeProjectMemberGroupProvider();

export interface HarborProjectMemberGroupArgs {
  /** The Harbor of the project. Required. */
  connection: pulumi.Input<ConnectionArgs>;
  /** Its admin password (made a secret output). Required. */
  password: pulumi.Input<string>;
  /** The membership, in Harbor's terms. Required. */
  spec: pulumi.Input<{ [K in keyof ProjectMemberGroupSpec]: pulumi.Input<ProjectMemberGroupSpec[K]> }>;
}

/** A group's role in a project; its `id` is Harbor's member id. */
export class HarborProjectMemberGroup extends pulumi.dynamic.Resource {
  declare readonly spec: pulumi.Output<ProjectMemberGroupSpec>;
  constructor(name: string, args: HarborProjectMemberGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      projectMemberGroupProvider,
      name,
      { ...args },
      { ...opts, additionalSecretOutputs: [...CONNECTION_SECRET_OUTPUTS] },
      "harbor",
      "ProjectMemberGroup",
    );
  }
}
