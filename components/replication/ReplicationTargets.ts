/**
 * ReplicationTargets: one Harbor's registry endpoints and replication policies (and the robot accounts
 * they log in with on the remote Harbors), checked as a whole set before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs } from "../conventions/validation";
import { connectionInputs } from "../harborApi/connectionArgs";
import { withoutStackCapture } from "../harborApi/stackCapture";
import { ReplicationFlow, ReplicationTargetsArgs } from "./args";
import {
  checkReplicationTargets,
  renderEndpointFields,
  renderPolicyFields,
  replicationFlows,
} from "./renderReplication";
import { HarborRegistryEndpoint } from "../harborApi/registryEndpoint";
import { HarborRobotAccount, renderRobotPermissions } from "../harborApi/robotAccount";
import { HarborReplicationPolicy } from "./replicationPolicy";

/** Resource-name-safe form of an endpoint or policy name. */
function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
}

/**
 * Harbor API paths ReplicationTargets calls on this Harbor (relative to /api/v2.0; registryEndpoint.ts,
 * replicationPolicy.ts): the edge checks the stack can reach them. Robot accounts are made on remote Harbors.
 */
export const REPLICATION_API_PATHS = [
  "/ping",
  "/registries",
  "/registries/{id}",
  "/replication/policies",
  "/replication/policies/{id}",
];

/**
 * One Harbor's replication set: registry endpoints (with robot accounts created on remote Harbors when
 * asked), replication policies, all checked together (trigger/direction, cron, loops, insecure opt-in)
 * before anything is registered. Pass the Harbor release in `opts.dependsOn`; at run time every call
 * first waits (bounded) for `/api/v2.0/ping`.
 */

export class ReplicationTargets extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.ReplicationTargets;

  /** Harbor id of each endpoint, by endpoint name. */
  readonly endpointIds: pulumi.Output<Record<string, number>>;
  /** Harbor id of each policy, by policy name. */
  readonly policyIds: pulumi.Output<Record<string, number>>;
  /** Login name of each robot created on a remote Harbor, by endpoint name. */
  readonly robotNames: pulumi.Output<Record<string, string>>;
  /** The replication edges this set declares (plain), for a loop check across Harbors (`peerFlows`). */
  readonly flows: ReplicationFlow[];

  constructor(name: string, args: ReplicationTargetsArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs(ReplicationTargets.__pulumiType, name, checkReplicationTargetsArgs(name, args));
    super(ReplicationTargets.__pulumiType, name, {}, opts);

    const endpointsArgs = args.endpoints ?? [];
    const policiesArgs = args.policies ?? [];
    const selfUrl = (args.selfUrl ?? (args.harbor.url as string)) as string;
    this.flows = replicationFlows(selfUrl, endpointsArgs, policiesArgs);

    const local = connectionInputs(args.harbor);
    // Calls to this Harbor wait for its release (and then, at run time, for /ping).
    const waitForRelease = opts?.dependsOn;

    const endpoints: Record<string, HarborRegistryEndpoint> = {};
    const robots: Record<string, HarborRobotAccount> = {};
    const policies: Record<string, HarborReplicationPolicy> = {};
    // Thousands of children: skip the SDK's per-promise stack capture (see stackCapture.ts).
    withoutStackCapture(() => {
      for (const e of endpointsArgs) {
        let accessKey = e.accessKey;
        let accessSecret = e.accessSecret === undefined ? undefined : pulumi.secret(e.accessSecret);
        if (e.robot) {
          // The robot lives on the remote Harbor, which this stack does not deploy: no wait on our release.
          const robot = new HarborRobotAccount(
            `${name}-robot-${slug(e.name)}`,
            {
              ...connectionInputs(e.robot.admin),
              spec: {
                name: e.robot.name ?? `replication-${slug(e.name)}`,
                description: `harbor-ha: ${e.robot.access} replication credential for ${selfUrl}`,
                durationDays: e.robot.durationDays ?? -1,
                permissions: renderRobotPermissions(e.robot.access, e.robot.projects ?? ["*"]),
                disabled: false,
              },
            },
            { parent: this },
          );
          robots[e.name] = robot;
          accessKey = robot.fullName;
          accessSecret = robot.secret;
        }
        endpoints[e.name] = new HarborRegistryEndpoint(
          `${name}-endpoint-${slug(e.name)}`,
          {
            ...local,
            spec: {
              ...renderEndpointFields(e),
              ...(accessKey === undefined ? {} : { accessKey }),
              ...(e.caCertificate === undefined ? {} : { caCertificate: e.caCertificate }),
            },
            ...(accessSecret === undefined ? {} : { accessSecret }),
          },
          { parent: this, dependsOn: waitForRelease },
        );
      }

      for (const p of policiesArgs) {
        policies[p.name] = new HarborReplicationPolicy(
          `${name}-policy-${slug(p.name)}`,
          { ...local, spec: { ...renderPolicyFields(p), registryId: endpoints[p.endpoint].registryId } },
          { parent: this, dependsOn: waitForRelease },
        );
      }
    });

    this.endpointIds = pulumi.output(Object.fromEntries(Object.entries(endpoints).map(([k, r]) => [k, r.registryId])));
    this.policyIds = pulumi.output(Object.fromEntries(Object.entries(policies).map(([k, r]) => [k, r.policyId])));
    this.robotNames = pulumi.output(Object.fromEntries(Object.entries(robots).map(([k, r]) => [k, r.fullName])));
    this.registerOutputs({
      endpointIds: this.endpointIds,
      policyIds: this.policyIds,
      robotNames: this.robotNames,
      flows: this.flows,
    });
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkReplicationTargetsArgs(name: string, args: ReplicationTargetsArgs): ArgsProblem[] {
  const checker = new ArgsChecker(ReplicationTargets.__pulumiType, name);
  checkReplicationTargets(args, checker);
  return checker.problems;
}
