/**
 * HarborOperations: a Harbor's day-2 operations as code, once the release is up (`opts.dependsOn`):
 * GC, audit log purge and scan-all schedules, tag retention, immutable tags, proxy-cache projects, OIDC
 * login, system robots, and projects' storage quotas, webhooks and member groups. Every Arg is checked (Harbor's cron rules included) before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs } from "../conventions/validation";
import { connectionInputs } from "../harborApi/connectionArgs";
import { HarborRegistryEndpoint } from "../harborApi/registryEndpoint";
import { HarborRobotAccount, renderRobotPermissions } from "../harborApi/robotAccount";
import { HarborProject, renderProjectMetadata } from "../harborApi/project";
import {
  checkHarborOperations,
  HarborOperationsArgs,
  GIB,
  normalizeCron,
  OPERATIONS_DEFAULTS,
  renderRetentionRule,
} from "./renderHarborOperations";
import { HarborAuditLogPurgeSchedule, HarborGcSchedule, HarborScanAllSchedule } from "./systemSchedules";
import { HarborRetentionPolicy } from "./retentionPolicy";
import { HarborImmutableTagRule } from "./immutableTagRule";
import { HarborOidcAuthentication } from "./oidcAuthentication";
import { HarborProjectQuota } from "./projectQuota";
import { HarborProjectWebhook } from "./projectWebhook";
import { GROUP_TYPES, HarborProjectMemberGroup, PROJECT_ROLES } from "./projectMemberGroup";

/**
 * Harbor API paths these resources call through the external URL (schedules, retention, immutability,
 * proxy-cache endpoints and projects, OIDC configuration, system robots): the platform's self-lockout check
 * walks them through the edge's routes. Almost all are admin paths.
 */
export const OPERATIONS_API_PATHS = [
  "/ping",
  "/system/gc/schedule",
  "/system/purgeaudit/schedule",
  "/system/scanAll/schedule",
  "/retentions",
  "/retentions/{id}",
  "/projects",
  "/projects/{id}",
  "/projects/{id}/immutabletagrules",
  "/projects/{id}/immutabletagrules/{rule}",
  "/registries",
  "/registries/{id}",
  "/configurations",
  "/robots",
  "/robots/{id}",
  "/quotas",
  "/quotas/{id}",
  "/projects/{id}/webhook/policies",
  "/projects/{id}/webhook/policies/{webhook}",
  "/projects/{id}/members",
  "/projects/{id}/members/{member}",
  "/usergroups/{id}",
];

/**
 * A Harbor's operations through its API: system schedules, tag retention and immutability for declared
 * projects, proxy-cache projects and OIDC login. Pass the Harbor release in `opts.dependsOn`.
 */
export class HarborOperations extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.HarborOperations;

  /** Harbor id of each proxy-cache project, by project name. */
  readonly proxyCacheProjectIds: pulumi.Output<Record<string, number>>;
  /** Secret of each system robot, by login name (`robot$<name>`); a secret output. */
  readonly robotSecrets: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: HarborOperationsArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs(HarborOperations.__pulumiType, name, checkHarborOperationsArgs(name, args));
    super(HarborOperations.__pulumiType, name, {}, opts);
    const conn = connectionInputs(args.harbor);
    const child = { parent: this, dependsOn: opts?.dependsOn };
    const projectId = (project: string) => pulumi.output(args.projectIds ?? {}).apply((ids) => ids[project]);

    this.schedules(name, args, conn, child);

    for (const r of args.retention ?? [])
      new HarborRetentionPolicy(
        `${name}-retention-${r.project}`,
        {
          ...conn,
          spec: {
            projectId: projectId(r.project),
            cron: normalizeCron(r.cron),
            rules: r.rules.map(renderRetentionRule),
          },
        },
        child,
      );
    (args.immutableTags ?? []).forEach((r, i) => {
      new HarborImmutableTagRule(
        `${name}-immutable-${r.project}-${i}`,
        {
          ...conn,
          spec: {
            projectId: projectId(r.project),
            tagPattern: r.tags,
            repoPattern: r.repositories ?? "**",
            disabled: false,
          },
        },
        child,
      );
    });

    const proxyIds: Record<string, pulumi.Output<number>> = {};
    for (const p of args.proxyCaches ?? []) {
      const endpoint = new HarborRegistryEndpoint(
        `${name}-proxy-endpoint-${p.project}`,
        {
          ...conn,
          spec: {
            name: `proxy-${p.project}`,
            type: p.type ?? OPERATIONS_DEFAULTS.proxyCacheType,
            url: p.url ?? OPERATIONS_DEFAULTS.proxyCacheUrl,
            description: `harbor-ha: upstream of the proxy-cache project ${p.project}`,
            insecure: false,
            ...(p.accessKey === undefined ? {} : { accessKey: p.accessKey }),
          },
          ...(p.accessSecret === undefined ? {} : { accessSecret: pulumi.secret(p.accessSecret) }),
        },
        child,
      );
      const project = new HarborProject(
        `${name}-proxy-${p.project}`,
        {
          ...conn,
          spec: {
            name: p.project,
            // The same scan policy as any project: a cache must not be a way around a vulnerability block.
            metadata: renderProjectMetadata({
              public: p.public ?? false,
              autoScan: p.autoScan ?? true,
              preventVulnerable: p.preventVulnerable ?? false,
              severity: p.severity,
            }),
            registryId: endpoint.registryId,
          },
        },
        child,
      );
      proxyIds[p.project] = project.projectId;
    }

    const robotSecrets: Record<string, pulumi.Output<string>> = {};
    for (const r of args.systemRobots ?? []) {
      const robot = new HarborRobotAccount(
        `${name}-robot-${r.name}`,
        {
          ...conn,
          spec: {
            name: r.name,
            description: r.description ?? "",
            durationDays: r.durationDays ?? 90,
            permissions: renderRobotPermissions(r.role ?? "pull", r.projects),
            disabled: false,
          },
        },
        child,
      );
      robotSecrets[`robot$${r.name}`] = robot.secret;
    }

    if (args.oidc) {
      const o = args.oidc;
      new HarborOidcAuthentication(
        `${name}-oidc`,
        {
          ...conn,
          spec: {
            name: o.name,
            endpoint: o.endpoint,
            clientId: o.clientId,
            scope: o.scope ?? OPERATIONS_DEFAULTS.oidcScope,
            verifyCert: o.verifyCert ?? true,
            autoOnboard: o.autoOnboard ?? true,
            userClaim: o.userClaim ?? "",
            groupsClaim: o.groupsClaim ?? "",
            adminGroup: o.adminGroup ?? "",
          },
          clientSecret: pulumi.secret(o.clientSecret),
        },
        child,
      );
    }

    // Quotas, webhooks and member groups apply to regular and proxy-cache projects alike.
    const anyProjectId = (project: string) => proxyIds[project] ?? projectId(project);
    this.projectSettings(name, args, conn, child, anyProjectId);

    this.proxyCacheProjectIds = pulumi.output(proxyIds);
    this.robotSecrets = pulumi.secret(pulumi.output(robotSecrets));
    this.registerOutputs({ proxyCacheProjectIds: this.proxyCacheProjectIds, robotSecrets: this.robotSecrets });
  }

  /** Projects' storage quotas, webhooks and member groups. */
  private projectSettings(
    name: string,
    args: HarborOperationsArgs,
    conn: ReturnType<typeof connectionInputs>,
    child: pulumi.CustomResourceOptions,
    projectId: (project: string) => pulumi.Input<number>,
  ): void {
    for (const q of args.projectQuotas ?? [])
      new HarborProjectQuota(
        `${name}-quota-${q.project}`,
        { ...conn, spec: { projectId: projectId(q.project), storageBytes: q.storageGb * GIB } },
        child,
      );
    for (const w of args.webhooks ?? []) {
      const notifyType = w.notifyType ?? OPERATIONS_DEFAULTS.webhookNotifyType;
      new HarborProjectWebhook(
        `${name}-webhook-${w.project}-${w.name}`,
        {
          ...conn,
          spec: {
            projectId: projectId(w.project),
            name: w.name,
            description: w.description ?? "",
            notifyType,
            address: w.address,
            skipCertVerify: w.skipCertVerify ?? false,
            // Harbor stores Default for an http target given none, and refuses any format for slack.
            payloadFormat: notifyType === "http" ? (w.payloadFormat ?? OPERATIONS_DEFAULTS.webhookPayloadFormat) : "",
            eventTypes: [...w.eventTypes].sort(),
            enabled: w.enabled ?? true,
          },
          ...(w.authHeader === undefined ? {} : { authHeader: pulumi.secret(w.authHeader) }),
        },
        child,
      );
    }
    for (const m of args.memberGroups ?? [])
      new HarborProjectMemberGroup(
        `${name}-member-${m.project}-${m.group}`,
        {
          ...conn,
          spec: {
            projectId: projectId(m.project),
            groupName: m.group,
            groupType: GROUP_TYPES[m.type ?? OPERATIONS_DEFAULTS.memberGroupType],
            ldapGroupDn: m.ldapGroupDn ?? "",
            roleId: PROJECT_ROLES[m.role],
          },
        },
        child,
      );
  }

  /** The system schedules (GC, audit log purge, scan all). */
  private schedules(
    name: string,
    args: HarborOperationsArgs,
    conn: ReturnType<typeof connectionInputs>,
    child: pulumi.CustomResourceOptions,
  ): void {
    if (args.gc)
      new HarborGcSchedule(
        `${name}-gc`,
        {
          ...conn,
          spec: {
            cron: normalizeCron(args.gc.cron),
            deleteUntagged: args.gc.deleteUntagged ?? OPERATIONS_DEFAULTS.gcDeleteUntagged,
            workers: args.gc.workers ?? OPERATIONS_DEFAULTS.gcWorkers,
          },
        },
        child,
      );
    if (args.auditLogPurge)
      new HarborAuditLogPurgeSchedule(
        `${name}-audit-log-purge`,
        {
          ...conn,
          spec: {
            cron: normalizeCron(args.auditLogPurge.cron),
            retentionHours: args.auditLogPurge.retentionHours ?? OPERATIONS_DEFAULTS.auditRetentionHours,
            eventTypes: [...(args.auditLogPurge.eventTypes ?? OPERATIONS_DEFAULTS.auditEventTypes)].sort(),
          },
        },
        child,
      );
    if (args.scanAll)
      new HarborScanAllSchedule(
        `${name}-scan-all`,
        { ...conn, spec: { cron: normalizeCron(args.scanAll.cron) } },
        child,
      );
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkHarborOperationsArgs(name: string, args: HarborOperationsArgs): ArgsProblem[] {
  const checker = new ArgsChecker(HarborOperations.__pulumiType, name);
  checkHarborOperations(args, checker);
  return checker.problems;
}
