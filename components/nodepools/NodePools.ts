import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as eks from "@pulumi/aws/eks";
import { ComponentTypes } from "../tokens";
import { ArgsChecker } from "../conventions/validation";
import { NodeTier } from "../conventions/labels";
import { NODE_TIERS, NodePoolSpec, nodePoolProblems, renderNodePools } from "./renderNodePools";

export interface NodePoolsArgs {
  /** Name of the EXISTING EKS cluster the node groups join. Required. */
  clusterName: pulumi.Input<string>;
  /** ARN of the IAM role the nodes assume (AmazonEKSWorkerNodePolicy, CNI, ECR read). Required. */
  nodeRoleArn: pulumi.Input<string>;
  /** Private subnets the nodes run in, one per zone for zone spread. Required (at least one). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The pools per tier; a tier left out gets no node group. Default: none (at least one tier is required). */
  pools: Partial<Record<NodeTier, NodePoolSpec>>;
  /** Prefix of the launch template and node group names (`<prefix>-<tier>`). Default: the component's name. */
  namePrefix?: string;
  /** Kubernetes version of the nodes. Default: the cluster's version. */
  kubernetesVersion?: pulumi.Input<string>;
  /** AWS tags on every node group, launch template, instance and volume. Default: {}. */
  tags?: Record<string, string>;
}

/**
 * EKS managed node groups for the `app` and `db` tiers on an existing cluster. Nodes carry the label
 * `harbor-ha.io/tier=<tier>` and a matching NoSchedule taint, so Harbor lands on `app` and Patroni on `db`
 * only through `Placement`. Root volumes are encrypted gp3 via a launch template; IMDSv2 is required.
 * Stacks that bring their own nodes simply don't create this component.
 */
export class NodePools extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.NodePools;

  /** Node group names per tier. */
  readonly nodeGroupNames: pulumi.Output<Partial<Record<NodeTier, string>>>;
  /** The tiers this component created. */
  readonly tiers: NodeTier[];

  constructor(name: string, args: NodePoolsArgs, opts?: pulumi.ComponentResourceOptions) {
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
    if (Array.isArray(args.subnetIds))
      check.check(
        args.subnetIds.length > 0,
        "subnetIds",
        "is empty",
        "list the cluster's private subnets, one per zone",
      );
    if (typeof args.clusterName === "string")
      check.check(args.clusterName.length > 0, "clusterName", "is empty", "set the existing EKS cluster's name");
    check.throwIfAny();

    super(NodePools.__pulumiType, name, {}, opts);
    const rendered = renderNodePools(args.namePrefix ?? name, pools, args.tags ?? {});
    const names: Partial<Record<NodeTier, pulumi.Output<string>>> = {};
    for (const r of rendered) {
      const lt = new ec2.LaunchTemplate(
        `${name}-${r.tier}`,
        { ...r.launchTemplate, updateDefaultVersion: true },
        { parent: this },
      );
      const ng = new eks.NodeGroup(
        `${name}-${r.tier}`,
        {
          clusterName: args.clusterName,
          nodeRoleArn: args.nodeRoleArn,
          subnetIds: args.subnetIds,
          version: args.kubernetesVersion,
          ...r.nodeGroup,
          launchTemplate: { id: lt.id, version: pulumi.interpolate`${lt.latestVersion}` },
        },
        // Scaling is left to the cluster autoscaler once created.
        { parent: this, ignoreChanges: ["scalingConfig.desiredSize"] },
      );
      names[r.tier] = ng.nodeGroupName;
    }
    this.tiers = rendered.map((r) => r.tier);
    this.nodeGroupNames = pulumi.output(names) as pulumi.Output<Partial<Record<NodeTier, string>>>;
    this.registerOutputs({ nodeGroupNames: this.nodeGroupNames });
  }
}
