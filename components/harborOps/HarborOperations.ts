/**
 * HarborOperations: a Harbor's day-2 operations as code, once the release is up (`opts.dependsOn`):
 * GC, audit log purge and scan-all schedules, tag retention, immutable tags, proxy-cache projects and
 * OIDC login. Every Arg is checked (Harbor's cron rules included) before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { ComponentTypes } from "../tokens";
import { ArgsChecker } from "../conventions/validation";
import { connectionInputs } from "../harborApi/connectionArgs";
import { HarborRegistryEndpoint } from "../harborApi/registryEndpoint";
import { HarborRobotAccount, renderRobotPermissions } from "../harborApi/robotAccount";
import { HarborProject, renderProjectMetadata } from "../harborApi/project";
import {
  checkHarborOperations,
  HarborOperationsArgs,
  normalizeCron,
  OPERATIONS_DEFAULTS,
  renderRetentionRule,
} from "./renderHarborOperations";
import { HarborAuditLogPurgeSchedule, HarborGcSchedule, HarborScanAllSchedule } from "./systemSchedules";
import { HarborRetentionPolicy } from "./retentionPolicy";
import { HarborImmutableTagRule } from "./immutableTagRule";
import { HarborOidcAuthentication } from "./oidcAuthentication";

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
    const checker = new ArgsChecker(HarborOperations.__pulumiType, name);
    checkHarborOperations(args, checker);
    checker.throwIfAny();
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

    this.proxyCacheProjectIds = pulumi.output(proxyIds);
    this.robotSecrets = pulumi.secret(pulumi.output(robotSecrets));
    this.registerOutputs({ proxyCacheProjectIds: this.proxyCacheProjectIds, robotSecrets: this.robotSecrets });
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
