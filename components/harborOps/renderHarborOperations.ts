/**
 * Args and pure functions of {@link HarborOperations}: the checks (Harbor's cron rules, bounds, known
 * projects, https for OIDC) and the provider specs rendered from the Args, with their defaults.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ArgsChecker } from "../conventions/validation";
import { harborCronProblem, normalizeCron } from "../harborApi/cron";
import { harborApiProblems, HarborApiArgs } from "../harborApi/connectionArgs";
import type { RetentionRuleSpec } from "./retentionPolicy";
import type { Severity } from "../harborApi/project";
import { MAX_QUOTA_BYTES } from "./projectQuota";
import { WEBHOOK_EVENT_TYPES, WEBHOOK_NOTIFY_TYPES, WEBHOOK_PAYLOAD_FORMATS, WebhookEventType } from "./projectWebhook";
import { GROUP_TYPES, GroupType, PROJECT_ROLES, ProjectRole } from "./projectMemberGroup";

/** Audit events Harbor logs (and can purge). */
export const AUDIT_EVENT_TYPES = [
  "create_artifact",
  "delete_artifact",
  "pull_artifact",
  "create_project",
  "delete_project",
  "create_repository",
  "delete_repository",
  "create_tag",
  "delete_tag",
  "create_robot",
  "delete_robot",
  "login_user",
  "logout_user",
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Defaults, in one place: the component, the stack config and README use these. */
export const OPERATIONS_DEFAULTS = {
  gcWorkers: 1,
  gcDeleteUntagged: true,
  /** 90 days. */
  auditRetentionHours: 2160,
  auditEventTypes: ["create_artifact", "delete_artifact", "pull_artifact"] as AuditEventType[],
  proxyCacheType: "docker-hub",
  proxyCacheUrl: "https://hub.docker.com",
  oidcScope: "openid,profile,email",
  webhookNotifyType: "http",
  webhookPayloadFormat: "Default",
  memberGroupType: "oidc",
} as const;

/** GiB as Harbor's portal counts them (1024^3 bytes). */
export const GIB = 1024 ** 3;

/** What a retention rule keeps. */
export type RetentionKeep = "always" | "latestPushed" | "latestPulled" | "daysSinceLastPush" | "daysSinceLastPull";

/** Harbor's template (and its parameter) for each {@link RetentionKeep}. */
export const RETENTION_TEMPLATES: Record<RetentionKeep, string> = {
  always: "always",
  latestPushed: "latestPushedK",
  latestPulled: "latestPulledN",
  daysSinceLastPush: "nDaysSinceLastPush",
  daysSinceLastPull: "nDaysSinceLastPull",
};

export interface RetentionRuleArgs {
  /** What the rule keeps: every match, the N latest pushed/pulled, or those pushed/pulled in the last N days. Required. */
  keep: RetentionKeep;
  /** N for every `keep` but `always`. Required then. */
  count?: number;
  /** Tags (doublestar pattern). Default: `**`. */
  tags?: string;
  /** The rule applies to tags NOT matching `tags`. Default: false. */
  excludeTags?: boolean;
  /** Repositories (doublestar pattern). Default: `**`. */
  repositories?: string;
  /** Untagged artifacts count as matching. Default: false. */
  untagged?: boolean;
}

export interface HarborOperationsArgs {
  /** The Harbor to manage (admin credential as a secret). Required. */
  harbor: HarborApiArgs;
  /** Harbor ids of the projects by name (HarborProjects' `projectIds`), for retention and immutability. Default: none. */
  projectIds?: pulumi.Input<Record<string, number>>;
  /** Names in `projectIds`, to check references before anything is registered. Default: []. */
  knownProjects?: string[];
  /** Garbage collection. Default: none (Harbor's own setting stays). */
  gc?: {
    /** Harbor's 6-field cron, e.g. `0 0 3 * * 6` (Saturdays 03:00). Required. */
    cron: string;
    /** Delete untagged artifacts too. Default: true. */
    deleteUntagged?: boolean;
    /** Parallel workers, 1-5. Default: 1. */
    workers?: number;
  };
  /** Audit log purge. Default: none. */
  auditLogPurge?: {
    /** Harbor's 6-field cron. Required. */
    cron: string;
    /** Keep this many hours of audit log. Default: 2160 (90 days). */
    retentionHours?: number;
    /** Event types purged. Default: create_artifact, delete_artifact, pull_artifact. */
    eventTypes?: AuditEventType[];
  };
  /** Vulnerability scan of every artifact. Default: none. */
  scanAll?: {
    /** Harbor's 6-field cron. Required. */
    cron: string;
  };
  /** Tag retention, one policy per project. Default: []. */
  retention?: {
    /** Project name (in `projectIds`). Required. */
    project: string;
    /** Harbor's 6-field cron of the runs. Required. */
    cron: string;
    /** Rules, any of which keeps an artifact; the rest is deleted. Required, at least one. */
    rules: RetentionRuleArgs[];
  }[];
  /** Immutable tag rules. Default: []. */
  immutableTags?: {
    /** Project name (in `projectIds`). Required. */
    project: string;
    /** Tags that can never be overwritten or deleted (doublestar). Required. */
    tags: string;
    /** Repositories (doublestar). Default: `**`. */
    repositories?: string;
  }[];
  /** Proxy-cache projects: an endpoint to the upstream and a project bound to it. Default: []. */
  proxyCaches?: {
    /** Name of the project created (pull through `<harbor>/<project>/library/nginx`). Required. */
    project: string;
    /** Upstream adapter type. Default: `docker-hub`. */
    type?: string;
    /** Upstream URL. Default: `https://hub.docker.com`. */
    url?: string;
    /** Upstream user (Docker Hub's pull limits are per account). Default: anonymous. */
    accessKey?: string;
    /** Upstream token (a secret). Default: none. */
    accessSecret?: pulumi.Input<string>;
    /** Anyone may pull through it without logging in. Default: false. */
    public?: boolean;
    /** Scan cached images. Default: true. */
    autoScan?: boolean;
    /** Refuse pulls of cached images with vulnerabilities at `severity` or above. Default: false. */
    preventVulnerable?: boolean;
    /** Lowest blocking severity. Default: `high`. */
    severity?: Severity;
  }[];
  /** System robot accounts for CI and tools, with least permissions (named projects, pull unless push). Default: []. */
  systemRobots?: {
    /** Short name (Harbor logs in as `robot$<name>`). Required. */
    name: string;
    /** `pull` (read only) or `push` (read, push, tag). Default: `pull`. */
    role?: "pull" | "push";
    /** The projects it may use, by name; `*` is refused (least permissions). Required. */
    projects: string[];
    /** Days before it expires (rotate by replacing). Default: 90. */
    durationDays?: number;
    /** What it is for. Default: "". */
    description?: string;
  }[];
  /**
   * Storage quotas of projects (regular or proxy-cache). Harbor makes every project's quota (unlimited);
   * this sets its hard limit and puts "unlimited" back when removed. Default: [].
   */
  projectQuotas?: {
    /** Project name (in `projectIds` or a proxy cache). Required. */
    project: string;
    /** Hard storage limit in GiB (1024^3 bytes), at most 1024 TiB (Harbor's limit). Required. */
    storageGb: number;
  }[];
  /** Webhook policies of projects: one target each. Default: []. */
  webhooks?: {
    /** Project name (in `projectIds` or a proxy cache). Required. */
    project: string;
    /** Policy name, unique in the project. Required. */
    name: string;
    /** Where Harbor POSTs the events (https, or http without an auth header). Required. */
    address: string;
    /** Events that fire it (Harbor 2.15's types). Required, at least one. */
    eventTypes: WebhookEventType[];
    /** `http` or `slack`. Default: `http`. */
    notifyType?: (typeof WEBHOOK_NOTIFY_TYPES)[number];
    /** `Default` or `CloudEvents` (http only). Default: `Default` for http. */
    payloadFormat?: (typeof WEBHOOK_PAYLOAD_FORMATS)[number];
    /** The `Authorization` header Harbor sends (a secret). Default: none. */
    authHeader?: pulumi.Input<string>;
    /** Skip the address's certificate check. Default: false. */
    skipCertVerify?: boolean;
    /** Whether it fires. Default: true. */
    enabled?: boolean;
    /** What it is for. Default: "". */
    description?: string;
  }[];
  /** Groups (OIDC, LDAP, HTTP) given a role in projects. Default: []. */
  memberGroups?: {
    /** Project name (in `projectIds` or a proxy cache). Required. */
    project: string;
    /** The group's name, as the identity provider names it (OIDC: a value of `groupsClaim`). Required. */
    group: string;
    /** Where the group comes from. Default: `oidc`. */
    type?: GroupType;
    /** LDAP groups: the group's DN. Required for `ldap`, refused otherwise. */
    ldapGroupDn?: string;
    /** Its role: projectAdmin, maintainer, developer, guest or limitedGuest. Required. */
    role: ProjectRole;
  }[];
  /** OIDC login. Default: none (Harbor's database users). */
  oidc?: {
    /** Login button label. Required. */
    name: string;
    /** Issuer URL (https). Required. */
    endpoint: string;
    /** The OIDC client id registered for Harbor. Required. */
    clientId: string;
    /** The client secret: a Pulumi secret. Required. */
    clientSecret: pulumi.Input<string>;
    /** Scopes, comma-separated, must include openid. Default: `openid,profile,email`. */
    scope?: string;
    /** Verify the provider's certificate. Default: true. */
    verifyCert?: boolean;
    /** Create users on first login. Default: true. */
    autoOnboard?: boolean;
    /** Claim used as user name on onboarding. Default: "" (Harbor asks). */
    userClaim?: string;
    /** Claim with the groups. Default: "". */
    groupsClaim?: string;
    /** Group whose members are admins. Default: "". */
    adminGroup?: string;
  };
}

const PROJECT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Every problem of a {@link HarborOperationsArgs}, recorded on `checker`. */
export function checkHarborOperations(a: HarborOperationsArgs, checker: ArgsChecker): void {
  for (const [path, problem, fix] of harborApiProblems(a.harbor)) checker.check(false, path, problem, fix);
  const cron = (value: string | undefined, at: string) => {
    const problem = harborCronProblem(value ?? "");
    checker.check(!problem, at, problem ?? "", 'write Harbor\'s 6-field cron with seconds 0 first, e.g. "0 0 3 * * 6"');
  };
  if (a.gc) {
    cron(a.gc.cron, "gc.cron");
    const w = a.gc.workers ?? OPERATIONS_DEFAULTS.gcWorkers;
    checker.check(
      Number.isInteger(w) && w >= 1 && w <= 5,
      "gc.workers",
      `must be 1-5, got ${w}`,
      "Harbor runs 1 to 5 GC workers",
    );
  }
  if (a.auditLogPurge) {
    cron(a.auditLogPurge.cron, "auditLogPurge.cron");
    const h = a.auditLogPurge.retentionHours ?? OPERATIONS_DEFAULTS.auditRetentionHours;
    checker.check(
      Number.isInteger(h) && h >= 1,
      "auditLogPurge.retentionHours",
      `must be a whole number of hours >= 1, got ${h}`,
      "e.g. 2160 (90 days)",
    );
  }
  if (a.scanAll) cron(a.scanAll.cron, "scanAll.cron");
  const knownProject = (p: string, at: string) =>
    checker.check(
      (a.knownProjects ?? []).includes(p),
      at,
      `"${p}" is not one of the projects managed here (${[...(a.knownProjects ?? [])].join(", ") || "none"})`,
      "declare the project in projects first",
    );
  const retained = new Map<string, number>();
  (a.retention ?? []).forEach((r, i) => {
    const at = `retention[${i}]`;
    knownProject(r.project, `${at}.project`);
    checker.check(
      !retained.has(r.project),
      `${at}.project`,
      `"${r.project}" already has a policy at retention[${retained.get(r.project)}]`,
      "Harbor keeps one retention policy per project: merge the rules",
    );
    retained.set(r.project, i);
    cron(r.cron, `${at}.cron`);
    checker.check(
      (r.rules ?? []).length > 0,
      `${at}.rules`,
      "is empty: every artifact would be deleted",
      "add at least one rule",
    );
    (r.rules ?? []).forEach((rule, j) => {
      const needsCount = rule.keep !== "always";
      checker.check(
        RETENTION_TEMPLATES[rule.keep] !== undefined,
        `${at}.rules[${j}].keep`,
        `"${rule.keep}" is not a retention rule`,
        `use one of ${Object.keys(RETENTION_TEMPLATES).join(", ")}`,
      );
      checker.check(
        !needsCount || (Number.isInteger(rule.count) && (rule.count ?? 0) >= 1),
        `${at}.rules[${j}].count`,
        `must be a whole number >= 1 for keep "${rule.keep}", got ${rule.count}`,
        "set count",
      );
    });
  });
  (a.immutableTags ?? []).forEach((r, i) => {
    knownProject(r.project, `immutableTags[${i}].project`);
    checker.check(!!r.tags, `immutableTags[${i}].tags`, "is empty", 'give a tag pattern, e.g. "v*"');
  });
  (a.proxyCaches ?? []).forEach((p, i) => {
    checker.check(
      PROJECT_NAME.test(p.project),
      `proxyCaches[${i}].project`,
      `"${p.project}" is not a valid Harbor project name`,
      "use lowercase letters and digits separated by '.', '_' or '-'",
    );
    checker.check(
      !(a.knownProjects ?? []).includes(p.project),
      `proxyCaches[${i}].project`,
      `"${p.project}" is also a regular project`,
      "give the proxy cache its own project name",
    );
    checker.check(
      (p.accessKey === undefined) === (p.accessSecret === undefined),
      `proxyCaches[${i}].accessKey`,
      "accessKey and accessSecret must be set together",
      "set both, or neither for anonymous pulls",
    );
  });
  const robots = new Map<string, number>();
  (a.systemRobots ?? []).forEach((r, i) => {
    const at = `systemRobots[${i}]`;
    checker.check(
      PROJECT_NAME.test(r.name ?? ""),
      `${at}.name`,
      `"${r.name}" is not a valid robot name`,
      "use lowercase letters and digits separated by '.', '_' or '-'",
    );
    checker.check(
      !robots.has(r.name),
      `${at}.name`,
      `"${r.name}" is already used by systemRobots[${robots.get(r.name)}]`,
      "declare every robot once",
    );
    robots.set(r.name, i);
    checker.check((r.projects ?? []).length > 0, `${at}.projects`, "is empty", "name the projects the robot may use");
    checker.check(
      !(r.projects ?? []).includes("*"),
      `${at}.projects`,
      'contains "*": the robot could reach every project, present and future',
      "name the projects it needs (least permissions)",
    );
    const d = r.durationDays ?? 90;
    checker.check(
      Number.isInteger(d) && d >= 1,
      `${at}.durationDays`,
      `must be a whole number of days >= 1, got ${d}`,
      "give an expiry and rotate by replacing the robot",
    );
  });
  checkProjectSettings(a, checker);
  if (a.oidc) {
    checker.check(
      /^https:\/\//.test(a.oidc.endpoint ?? ""),
      "oidc.endpoint",
      `"${a.oidc.endpoint}" is not an https URL`,
      "give the provider's https issuer URL",
    );
    checker.check(
      a.oidc.clientSecret !== undefined && a.oidc.clientSecret !== "",
      "oidc.clientSecret",
      "is missing",
      "pass the OIDC client secret as a Pulumi secret",
    );
    const scope = a.oidc.scope ?? OPERATIONS_DEFAULTS.oidcScope;
    checker.check(
      scope
        .split(",")
        .map((s) => s.trim())
        .includes("openid"),
      "oidc.scope",
      `"${scope}" lacks openid`,
      "include openid in the scopes",
    );
  }
}

/** Quotas, webhooks and member groups: projects known, bounds, Harbor's types, no header over plain http. */
function checkProjectSettings(a: HarborOperationsArgs, checker: ArgsChecker): void {
  const projects = [...(a.knownProjects ?? []), ...(a.proxyCaches ?? []).map((p) => p.project)];
  const known = (p: string, at: string) =>
    checker.check(
      projects.includes(p),
      at,
      `"${p}" is not one of the projects managed here (${projects.join(", ") || "none"})`,
      "declare the project in projects (or as a proxy cache) first",
    );
  const quoted = new Map<string, number>();
  (a.projectQuotas ?? []).forEach((q, i) => {
    const at = `projectQuotas[${i}]`;
    known(q.project, `${at}.project`);
    checker.check(
      !quoted.has(q.project),
      `${at}.project`,
      `"${q.project}" already has a quota at projectQuotas[${quoted.get(q.project)}]`,
      "a project has one quota: keep one entry",
    );
    quoted.set(q.project, i);
    checker.check(
      Number.isInteger(q.storageGb) && q.storageGb >= 1 && q.storageGb * GIB <= MAX_QUOTA_BYTES,
      `${at}.storageGb`,
      `must be a whole number of GiB from 1 to ${MAX_QUOTA_BYTES / GIB} (Harbor's 1024 TB), got ${q.storageGb}`,
      "give the limit in GiB, or leave the project out for no limit",
    );
  });
  const hooks = new Map<string, number>();
  (a.webhooks ?? []).forEach((w, i) => {
    const at = `webhooks[${i}]`;
    known(w.project, `${at}.project`);
    const key = `${w.project}/${w.name}`;
    checker.check(
      !!w.name && !hooks.has(key),
      `${at}.name`,
      w.name ? `"${w.name}" is already used in project ${w.project} by webhooks[${hooks.get(key)}]` : "is empty",
      "give every webhook of a project its own name",
    );
    hooks.set(key, i);
    let url: URL | undefined;
    try {
      url = new URL(w.address);
    } catch {
      url = undefined;
    }
    checker.check(
      !!url && (url.protocol === "https:" || url.protocol === "http:"),
      `${at}.address`,
      `"${w.address}" is not an http(s) URL`,
      "give the receiver's URL, e.g. https://hooks.example.com/harbor",
    );
    checker.check(
      !(url?.protocol === "http:" && w.authHeader !== undefined),
      `${at}.authHeader`,
      "would cross the network in clear: the address is plain http",
      "use an https address",
    );
    checker.check(
      !(url?.protocol === "http:" && w.skipCertVerify),
      `${at}.skipCertVerify`,
      "has no effect on a plain http address",
      "remove it, or use https",
    );
    checker.check(
      (w.eventTypes ?? []).length > 0,
      `${at}.eventTypes`,
      "is empty: Harbor refuses a policy without events",
      `list some of ${WEBHOOK_EVENT_TYPES.join(", ")}`,
    );
    for (const e of w.eventTypes ?? [])
      checker.check(
        (WEBHOOK_EVENT_TYPES as readonly string[]).includes(e),
        `${at}.eventTypes`,
        `"${e}" is not an event type Harbor 2.15 notifies`,
        `use some of ${WEBHOOK_EVENT_TYPES.join(", ")}`,
      );
    const notify = w.notifyType ?? OPERATIONS_DEFAULTS.webhookNotifyType;
    checker.check(
      (WEBHOOK_NOTIFY_TYPES as readonly string[]).includes(notify),
      `${at}.notifyType`,
      `"${notify}" is not a notify type Harbor supports`,
      `use ${WEBHOOK_NOTIFY_TYPES.join(" or ")}`,
    );
    checker.check(
      !(notify === "slack" && w.payloadFormat !== undefined),
      `${at}.payloadFormat`,
      "is refused by Harbor for slack targets",
      "remove payloadFormat (it applies to http only)",
    );
  });
  const members = new Map<string, number>();
  (a.memberGroups ?? []).forEach((m, i) => {
    const at = `memberGroups[${i}]`;
    known(m.project, `${at}.project`);
    const key = `${m.project}/${m.group}`;
    checker.check(
      !!m.group && !members.has(key),
      `${at}.group`,
      m.group ? `"${m.group}" already has a role in ${m.project} at memberGroups[${members.get(key)}]` : "is empty",
      "give a group one role per project",
    );
    members.set(key, i);
    checker.check(
      PROJECT_ROLES[m.role] !== undefined,
      `${at}.role`,
      `"${m.role}" is not a Harbor project role`,
      `use one of ${Object.keys(PROJECT_ROLES).join(", ")}`,
    );
    const type = m.type ?? OPERATIONS_DEFAULTS.memberGroupType;
    checker.check(
      GROUP_TYPES[type] !== undefined,
      `${at}.type`,
      `"${type}" is not a Harbor group type`,
      `use one of ${Object.keys(GROUP_TYPES).join(", ")}`,
    );
    checker.check(
      (type === "ldap") === !!m.ldapGroupDn,
      `${at}.ldapGroupDn`,
      type === "ldap" ? "is missing for an LDAP group" : `applies to LDAP groups only, not ${type}`,
      type === "ldap" ? 'give the group\'s DN, e.g. "cn=devs,ou=groups,dc=example,dc=com"' : "remove it",
    );
    checker.check(
      !(type === "oidc" && a.oidc !== undefined && !a.oidc.groupsClaim),
      `${at}.type`,
      "is oidc, but oidc.groupsClaim is empty: Harbor would never see anyone in the group",
      'set oidc.groupsClaim (e.g. "groups")',
    );
  });
}

/** Harbor's retention rule for a {@link RetentionRuleArgs}. */
export function renderRetentionRule(r: RetentionRuleArgs): RetentionRuleSpec {
  const template = RETENTION_TEMPLATES[r.keep];
  return {
    template,
    params: r.keep === "always" ? {} : { [template]: r.count ?? 1 },
    tagPattern: r.tags ?? "**",
    tagDecoration: r.excludeTags ? "excludes" : "matches",
    repoPattern: r.repositories ?? "**",
    repoDecoration: "repoMatches",
    untagged: r.untagged ?? false,
  };
}

export { normalizeCron };
