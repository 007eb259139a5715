import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as eks from "@pulumi/aws/eks";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs } from "../conventions/validation";
import { NodeTier } from "../conventions/labels";
import {
  NODE_GROUP_PREFIX_MAX,
  NODE_TIERS,
  NodePoolSpec,
  nodePoolProblems,
  RenderedNodeGroup,
  renderNodePools,
} from "./renderNodePools";

export interface NodePoolsArgs {
  /** Name of the EXISTING EKS cluster the node groups join. Required. */
  clusterName: pulumi.Input<string>;
  /** ARN of the IAM role the nodes assume (AmazonEKSWorkerNodePolicy, CNI, ECR read). Required. */
  nodeRoleArn: pulumi.Input<string>;
  /**
   * Private subnets per availability zone, `{ "eu-west-1a": "subnet-...", ... }`: the db tier gets one node
   * group per zone with that zone's subnet; the app tier one group over all of them. Default: none (then
   * `subnetIds`, which serves the app tier only).
   */
  subnets?: Record<string, pulumi.Input<string>>;
  /**
   * Private subnets without their zones: enough for the app tier (one group over all subnets). The db tier
   * needs `subnets` (one group per zone). Default: none (`subnets` is required then).
   */
  subnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** The pools per tier; a tier left out gets no node group. Default: none (at least one tier is required). */
  pools: Partial<Record<NodeTier, NodePoolSpec>>;
  /**
   * Prefix of the launch template and node group name prefixes (`<prefix>-<tier>[-<zone>]-`, AWS adds a
   * unique suffix). Default: `<component name>-<stack>`.
   */
  namePrefix?: string;
  /** Kubernetes version of the nodes. Default: the cluster's version. */
  kubernetesVersion?: pulumi.Input<string>;
  /** AWS tags on every node group, launch template, instance and volume (instances also get a Name). Default: {}. */
  tags?: Record<string, string>;
}

/**
 * EKS managed node groups for the `app` and `db` tiers on an existing cluster. Nodes carry the label
 * `harbor-ha.io/tier=<tier>` and a matching NoSchedule taint, so Harbor lands on `app` and Patroni on `db`
 * only through `Placement`. Root volumes are encrypted gp3 via a launch template; IMDSv2 is required with
 * hop limit 1 (pods cannot reach the node role). Names are prefixes, so replacements are created before
 * the old group goes; the db tier has one group per zone, chained so that a replacement deletes the old
 * groups one zone at a time. Stacks that bring their own nodes simply don't create this component.
 */
export class NodePools extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.NodePools;

  /** Node group names per tier (one per zone for `db`). */
  readonly nodeGroupNames: pulumi.Output<Partial<Record<NodeTier, string[]>>>;
  /** The tiers this component created. */
  readonly tiers: NodeTier[];

  constructor(name: string, args: NodePoolsArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("NodePools", name, checkNodePoolsArgs(name, args));
    super(NodePools.__pulumiType, name, {}, opts);
    const pools = args.pools ?? {};
    const zones = Object.keys(args.subnets ?? {});
    const prefix = args.namePrefix ?? `${name}-${pulumi.getStack()}`;
    const rendered = renderNodePools(prefix, pools, args.tags ?? {}, zones);
    const allSubnets = args.subnetIds ?? Object.values(args.subnets ?? {});
    const names: Partial<Record<NodeTier, pulumi.Output<string>[]>> = {};
    for (const r of rendered) {
      const lt = new ec2.LaunchTemplate(
        `${name}-${r.tier}`,
        { ...r.launchTemplate, updateDefaultVersion: true },
        { parent: this },
      );
      let previous: eks.NodeGroup | undefined;
      for (const g of r.groups) {
        previous = this.nodeGroup(name, args, g, lt, g.zone ? [args.subnets![g.zone]] : allSubnets, previous);
        (names[r.tier] ??= []).push(previous.nodeGroupName);
      }
    }
    this.tiers = rendered.map((r) => r.tier);
    this.nodeGroupNames = pulumi.output(names) as pulumi.Output<Partial<Record<NodeTier, string[]>>>;
    this.registerOutputs({ nodeGroupNames: this.nodeGroupNames });
  }

  /**
   * One managed node group. `after`: the previous zone's group of the tier; depending on it serializes the
   * deletes of a replacement (Pulumi deletes dependents first, one after another), so the old groups go one
   * zone at a time, each after the new groups exist.
   */
  private nodeGroup(
    name: string,
    args: NodePoolsArgs,
    g: RenderedNodeGroup,
    lt: ec2.LaunchTemplate,
    subnetIds: pulumi.Input<pulumi.Input<string>[]>,
    after: eks.NodeGroup | undefined,
  ): eks.NodeGroup {
    return new eks.NodeGroup(
      `${name}-${g.key}`,
      {
        clusterName: args.clusterName,
        nodeRoleArn: args.nodeRoleArn,
        subnetIds,
        version: args.kubernetesVersion,
        ...g.nodeGroup,
        launchTemplate: { id: lt.id, version: pulumi.interpolate`${lt.latestVersion}` },
      },
      // Scaling is left to the cluster autoscaler once created.
      { parent: this, ignoreChanges: ["scalingConfig.desiredSize"], dependsOn: after ? [after] : [] },
    );
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkNodePoolsArgs(name: string, args: NodePoolsArgs): ArgsProblem[] {
  const check = new ArgsChecker("NodePools", name);
  const pools = args.pools ?? {};
  check.check(
    NODE_TIERS.some((t) => pools[t]),
    "pools",
    "configures no tier",
    "set pools.app and/or pools.db (or don't create NodePools when the cluster brings its own nodes)",
  );
  for (const key of Object.keys(pools))
    check.check(
      (NODE_TIERS as string[]).includes(key),
      `pools.${key}`,
      `is not a node tier`,
      `use one of ${NODE_TIERS.join(", ")}`,
    );
  for (const t of NODE_TIERS) {
    if (pools[t])
      for (const [path, problem, fix] of nodePoolProblems(t, pools[t]!)) check.check(false, path, problem, fix);
  }
  const zones = Object.keys(args.subnets ?? {});
  check.check(
    zones.length > 0 || args.subnetIds !== undefined,
    "subnets",
    "is not set (nor subnetIds)",
    'set subnets to { "<zone>": "<private subnet id>" }, one per zone of the cluster',
  );
  check.check(
    !(zones.length > 0 && args.subnetIds !== undefined),
    "subnetIds",
    "is set together with subnets",
    "set subnets only (every subnet with its zone)",
  );
  if (Array.isArray(args.subnetIds))
    check.check(args.subnetIds.length > 0, "subnetIds", "is empty", "list the cluster's private subnets, one per zone");
  check.check(
    !(pools.db && zones.length === 0),
    "subnets",
    "is required for the db tier (subnetIds does not say which zone each subnet is in)",
    'db node groups are one per zone, each with its zone\'s subnet: set subnets to { "<zone>": "<subnet id>" }',
  );
  for (const z of zones)
    check.check(
      /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(z),
      `subnets.${z}`,
      "is not an availability zone name",
      'key each subnet by its zone, e.g. { "eu-west-1a": "subnet-0abc" }',
    );
  const prefix = args.namePrefix ?? `${name}-${pulumi.getStack()}`;
  const longest = Math.max(0, ...zones.map((z) => z.length + 1)) + `${prefix}-app-`.length;
  check.check(
    longest <= NODE_GROUP_PREFIX_MAX,
    "namePrefix",
    `"${prefix}" makes node group name prefixes of up to ${longest} characters; EKS allows ${NODE_GROUP_PREFIX_MAX} before the provider's 26-character suffix`,
    "set a shorter namePrefix (or a shorter component name)",
  );
  return check.problems;
}
