import * as pulumi from "@pulumi/pulumi";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs } from "../conventions/validation";
import { renderIrsaTrustPolicy } from "../conventions/irsa";
import { ADDON_NAMES, AddonName, NETWORK_POLICY_ENFORCERS, NetworkPolicyEnforcer, VPC_CNI_ADDON } from "./addonFacts";
import {
  ADDON_NAMESPACE,
  AWS_LOAD_BALANCER_CONTROLLER_CHART,
  EKS_ADDON_IDENTITIES,
  loadBalancerControllerReleaseName,
  renderLoadBalancerControllerPolicy,
  renderLoadBalancerControllerValues,
  renderVpcCniConfiguration,
} from "./renderAddons";

/** One add-on's settings. */
export interface AddonSpec {
  /**
   * Manage it here (false: the team runs it already, or does without). Default: see {@link clusterAddonsDefaults};
   * an add-on with an IRSA role (EBS/EFS CSI, the controller) only when `oidc` is given.
   */
  enabled?: boolean;
  /** EKS add-on version (`eksctl utils describe-addon-versions`). Default: EKS's default version for the cluster's Kubernetes version; the controller's chart is pinned. */
  version?: string;
}

/** Defaults of {@link ClusterAddonsArgs}, applied in the constructor only. */
export const clusterAddonsDefaults = {
  /** Every add-on is managed, except the EFS CSI driver, which only EFS registry storage needs. */
  enabled: {
    "vpc-cni": true,
    "aws-ebs-csi-driver": true,
    "aws-efs-csi-driver": false,
    "aws-load-balancer-controller": true,
  } as Record<AddonName, boolean>,
  networkPolicyEnforcement: "vpc-cni" as NetworkPolicyEnforcer,
  loadBalancerControllerReplicas: 2,
};

export interface ClusterAddonsArgs {
  /** The EKS cluster's name (created by the stack or existing). Required. */
  clusterName: pulumi.Input<string>;
  /** Per add-on settings, by name (`vpc-cni`, `aws-ebs-csi-driver`, `aws-efs-csi-driver`, `aws-load-balancer-controller`). Default: {} (each add-on's default). */
  addons?: Partial<Record<AddonName, AddonSpec>>;
  /** Registry storage is EFS: manage the EFS CSI driver unless `addons.aws-efs-csi-driver.enabled` says otherwise. Default: false. */
  efsStorage?: boolean;
  /** The cluster's IAM OIDC provider: required when an add-on with an IRSA role (EBS/EFS CSI, the controller) is managed. Default: none. */
  oidc?: {
    /** The provider's ARN. */
    providerArn: pulumi.Input<string>;
    /** The cluster's issuer URL (`https://oidc.eks...`). */
    issuerUrl: pulumi.Input<string>;
  };
  /**
   * What enforces NetworkPolicies in the cluster, as the stack states it. `vpc-cni`: the vpc-cni add-on's
   * network policy agent (turned on here when this stack manages the add-on); another CNI: the team runs it
   * (the managed vpc-cni then leaves network policy off); `none`: nothing does. Recorded for the policy pack.
   * Default: not stated (`vpc-cni` for the add-on's configuration).
   */
  networkPolicyEnforcement?: NetworkPolicyEnforcer;
  /** VPC of the cluster, for the load balancer controller. Default: the controller discovers it. */
  vpcId?: pulumi.Input<string>;
  /** Load balancer controller replicas (one leader, standbys answer its webhooks). Default: 2. */
  loadBalancerControllerReplicas?: number;
  /** Resources the add-ons' pods need first, e.g. node groups (an add-on without nodes never becomes ACTIVE). Default: []. */
  waitFor?: pulumi.Resource[];
}

/**
 * The cluster add-ons Harbor's first `pulumi up` depends on, for a created or an existing EKS cluster:
 * `vpc-cni` with network policy enforcement (the sentinels and Patroni's REST API are protected by
 * NetworkPolicies only), the EBS CSI driver (gp3 volumes) and, for EFS storage, the EFS CSI driver, each an
 * EKS add-on with an IRSA role; and the AWS Load Balancer Controller (pinned chart, IRSA role with its
 * published IAM policy), which provisions the edge's NLB. Each can be switched off.
 */
export class ClusterAddons extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.ClusterAddons;

  /** What Kubernetes workloads should wait for: every add-on and the controller's release. */
  readonly ready: pulumi.Resource[];
  /** IRSA role ARNs by add-on. */
  readonly roleArns: Partial<Record<AddonName, pulumi.Output<string>>>;
  /** The add-ons managed here. */
  readonly managed: AddonName[];

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("ClusterAddons", name, checkClusterAddonsArgs(name, args));
    const managed = managedAddons(args);
    // The policy pack reads the stated enforcement and the managed add-ons from these inputs.
    const facts = {
      managed,
      ...(args.networkPolicyEnforcement ? { networkPolicyEnforcement: args.networkPolicyEnforcement } : {}),
    };
    super(ClusterAddons.__pulumiType, name, facts, opts);
    this.managed = managed;
    const partition = getPartitionOutput({}, { parent: this }).partition;
    this.roleArns = {};
    const ready: pulumi.Resource[] = [];
    for (const addon of managed) {
      if (addon === "aws-load-balancer-controller") ready.push(this.loadBalancerController(name, args, partition));
      else ready.push(this.eksAddon(name, addon, args, partition));
    }
    this.ready = ready;
    // The facts go out as outputs too: a real `pulumi preview` gives stack policies a component's outputs.
    this.registerOutputs({ ...facts, roleArns: this.roleArns });
  }

  /** An IRSA role for one service account in kube-system, trusted through the cluster's OIDC provider. */
  private irsaRole(name: string, serviceAccount: string, args: ClusterAddonsArgs): iam.Role {
    const oidc = args.oidc!;
    return new iam.Role(
      name,
      {
        description: `${serviceAccount} in ${ADDON_NAMESPACE} (IRSA)`,
        assumeRolePolicy: pulumi
          .all([oidc.providerArn, oidc.issuerUrl])
          .apply(([arn, url]) => JSON.stringify(renderIrsaTrustPolicy(arn, url, ADDON_NAMESPACE, serviceAccount))),
      },
      { parent: this },
    );
  }

  /** An EKS add-on; the CSI drivers get an IRSA role with their AWS managed policy. */
  private eksAddon(
    name: string,
    addon: AddonName,
    args: ClusterAddonsArgs,
    partition: pulumi.Output<string>,
  ): eks.Addon {
    const identity = EKS_ADDON_IDENTITIES[addon];
    let roleArn: pulumi.Output<string> | undefined;
    const deps: pulumi.Resource[] = [];
    if (identity) {
      const role = this.irsaRole(`${name}-${addon}`, identity.serviceAccount, args);
      const attachment = new iam.RolePolicyAttachment(
        `${name}-${addon}`,
        { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${identity.managedPolicy}` },
        { parent: this },
      );
      roleArn = role.arn;
      this.roleArns[addon] = roleArn;
      deps.push(attachment);
    }
    const spec = args.addons?.[addon] ?? {};
    return new eks.Addon(
      `${name}-${addon}`,
      {
        clusterName: args.clusterName,
        addonName: addon,
        addonVersion: spec.version,
        serviceAccountRoleArn: roleArn,
        configurationValues:
          addon === VPC_CNI_ADDON
            ? JSON.stringify(
                renderVpcCniConfiguration(
                  args.networkPolicyEnforcement ?? clusterAddonsDefaults.networkPolicyEnforcement,
                ),
              )
            : undefined,
        // EKS installs vpc-cni itself on a new cluster (and a team may have installed a driver by hand):
        // the stack's settings take over instead of failing on the conflict.
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
      },
      // vpc-cni runs before any node joins; the CSI controllers need nodes to become ACTIVE.
      { parent: this, dependsOn: [...deps, ...(addon === VPC_CNI_ADDON ? [] : (args.waitFor ?? []))] },
    );
  }

  /** The AWS Load Balancer Controller chart with an IRSA role holding the controller's published policy. */
  private loadBalancerController(
    name: string,
    args: ClusterAddonsArgs,
    partition: pulumi.Output<string>,
  ): k8s.helm.v3.Release {
    const releaseName = loadBalancerControllerReleaseName(name);
    const role = this.irsaRole(`${name}-lbc`, releaseName, args);
    const policy = new iam.Policy(
      `${name}-lbc`,
      {
        description: `AWS Load Balancer Controller ${AWS_LOAD_BALANCER_CONTROLLER_CHART.appVersion} (published iam_policy.json)`,
        policy: partition.apply((p) => JSON.stringify(renderLoadBalancerControllerPolicy(p))),
      },
      { parent: this },
    );
    const attachment = new iam.RolePolicyAttachment(
      `${name}-lbc`,
      { role: role.name, policyArn: policy.arn },
      { parent: this },
    );
    this.roleArns["aws-load-balancer-controller"] = role.arn;
    const region = getRegionOutput({}, { parent: this }).region;
    return new k8s.helm.v3.Release(
      `${name}-lbc`,
      {
        name: releaseName,
        chart: AWS_LOAD_BALANCER_CONTROLLER_CHART.chart,
        version: AWS_LOAD_BALANCER_CONTROLLER_CHART.version,
        repositoryOpts: { repo: AWS_LOAD_BALANCER_CONTROLLER_CHART.repo },
        namespace: ADDON_NAMESPACE,
        values: pulumi.all([args.clusterName, region, args.vpcId, role.arn]).apply(([clusterName, r, vpcId, roleArn]) =>
          renderLoadBalancerControllerValues({
            clusterName,
            region: r,
            vpcId,
            serviceAccount: releaseName,
            roleArn,
            replicas: args.loadBalancerControllerReplicas ?? clusterAddonsDefaults.loadBalancerControllerReplicas,
          }),
        ),
        // Ready means its webhooks answer: Services and TargetGroupBindings created after it are reconciled.
        waitForJobs: true,
        atomic: true,
      },
      { parent: this, dependsOn: [attachment, ...(args.waitFor ?? [])] },
    );
  }
}

/** The add-ons managed here: the ones asked for, else the defaults (those needing IRSA only with the OIDC provider). */
function managedAddons(args: ClusterAddonsArgs): AddonName[] {
  // Without the cluster's OIDC provider an add-on that needs an IRSA role is off unless asked for (then refused).
  const enabled = (a: AddonName) =>
    args.addons?.[a]?.enabled ??
    ((a === "aws-efs-csi-driver" ? (args.efsStorage ?? false) : clusterAddonsDefaults.enabled[a]) &&
      (!needsIrsa(a) || args.oidc !== undefined));
  return ADDON_NAMES.filter(enabled);
}

const needsIrsa = (a: AddonName) => a === "aws-load-balancer-controller" || EKS_ADDON_IDENTITIES[a] !== undefined;

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkClusterAddonsArgs(name: string, args: ClusterAddonsArgs): ArgsProblem[] {
  const check = new ArgsChecker("ClusterAddons", name);
  for (const key of Object.keys(args.addons ?? {}))
    check.check(
      (ADDON_NAMES as readonly string[]).includes(key),
      `addons.${key}`,
      "is not an add-on this component manages",
      `use one of ${ADDON_NAMES.join(", ")}`,
    );
  if (args.networkPolicyEnforcement !== undefined)
    check.check(
      (NETWORK_POLICY_ENFORCERS as readonly string[]).includes(args.networkPolicyEnforcement),
      "networkPolicyEnforcement",
      `is "${args.networkPolicyEnforcement}"`,
      `use one of ${NETWORK_POLICY_ENFORCERS.join(", ")}`,
    );
  const needIrsa = managedAddons(args).filter(needsIrsa);
  check.check(
    needIrsa.length === 0 || args.oidc !== undefined,
    "oidc",
    `is required for the IRSA roles of ${needIrsa.join(", ")}`,
    "pass the cluster's OIDC provider ARN and issuer URL, or switch those add-ons off",
  );
  check.atLeast(args.loadBalancerControllerReplicas, 1, "loadBalancerControllerReplicas");
  return check.problems;
}
