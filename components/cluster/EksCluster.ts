import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs } from "../conventions/validation";
import {
  CLUSTER_ROLE_POLICIES,
  cidrProblem,
  eksClusterDefaults,
  managedPolicyArn,
  NODE_ROLE_POLICIES,
  planSubnets,
  renderKubeconfig,
  renderServiceTrustPolicy,
  SUBNET_ROLE_TAGS,
} from "./renderCluster";

/** The VPC a created cluster runs in: a new one across the zones, or an existing one's subnets. */
export type EksClusterVpc =
  | {
      /** IPv4 block of a new VPC (a /16 to /24), split into a private and a public subnet per zone. Default: 10.0.0.0/16. */
      cidr?: string;
    }
  | {
      /** An existing VPC's id. */
      id: string;
      /** Its private subnets, one per zone (nodes and pods run there). */
      privateSubnetIds: string[];
      /** Its public subnets (internet-facing NLBs; tag them kubernetes.io/role/elb=1). Default: []. */
      publicSubnetIds?: string[];
    };

export interface EksClusterArgs {
  /** Kubernetes version of the control plane, `1.<minor>` (one EKS supports). Required. */
  kubernetesVersion: string;
  /**
   * Availability zones of the stack; a new VPC gets one private and one public subnet (and a NAT gateway) in each.
   * Plain strings (an Output is refused, naming it): the subnets are counted and named per zone. Required (at least one).
   */
  zones: string[];
  /** The VPC. Default: a new VPC of 10.0.0.0/16 across `zones`. */
  vpc?: EksClusterVpc;
  /** The API server answers on a public endpoint. Default: true. */
  endpointPublicAccess?: boolean;
  /** The API server answers inside the VPC (nodes talk to it there). Default: true. */
  endpointPrivateAccess?: boolean;
  /** CIDRs the public endpoint answers. Default: ["0.0.0.0/0"] (EKS's default). */
  publicAccessCidrs?: string[];
  /** AWS tags on every resource that takes them. Default: {}. */
  tags?: Record<string, string>;
}

/**
 * An EKS cluster built from `@pulumi/aws` resources (not `@pulumi/eks`, whose v3+ components are remote
 * and show no children to the offline plan; README, "A cluster from an empty account"): a new VPC across
 * the stack's zones (private and public subnet, NAT gateway per zone) or an existing one, the cluster
 * role, the cluster (API access entries, control-plane logs), the node role the node pools use, and the
 * IAM OIDC provider every IRSA role of the stack trusts.
 */
export class EksCluster extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.EksCluster;

  /** The cluster's name (for node groups, add-ons, the load balancer controller). */
  readonly clusterName: pulumi.Output<string>;
  /** The VPC's id. */
  readonly vpcId: pulumi.Output<string>;
  /** Private subnets, one per zone: where node groups run. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** The role the node groups' instances assume. */
  readonly nodeRoleArn: pulumi.Output<string>;
  /** The cluster's IAM OIDC provider (IRSA). */
  readonly oidcProviderArn: pulumi.Output<string>;
  /** The cluster's OIDC issuer, `https://oidc.eks.<region>.amazonaws.com/id/<id>`. */
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /** Kubeconfig (JSON) for the stack's Kubernetes provider; credentials come from `aws eks get-token`. */
  readonly kubeconfig: pulumi.Output<string>;
  /** The cluster resource, for `dependsOn`. */
  readonly cluster: eks.Cluster;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("EksCluster", name, checkEksClusterArgs(name, args));
    super(EksCluster.__pulumiType, name, {}, opts);
    const d = eksClusterDefaults;
    const tags = args.tags ?? {};
    const partition = getPartitionOutput({}, { parent: this }).partition;
    const network = this.network(name, args, tags);
    const clusterRole = this.serviceRole(
      `${name}-cluster`,
      "eks.amazonaws.com",
      CLUSTER_ROLE_POLICIES,
      partition,
      tags,
    );
    this.cluster = new eks.Cluster(
      name,
      {
        version: args.kubernetesVersion,
        roleArn: clusterRole.role.arn,
        vpcConfig: {
          subnetIds: pulumi.all([network.privateSubnetIds, network.publicSubnetIds]).apply(([p, q]) => [...p, ...q]),
          endpointPublicAccess: args.endpointPublicAccess ?? d.endpointPublicAccess,
          endpointPrivateAccess: args.endpointPrivateAccess ?? d.endpointPrivateAccess,
          publicAccessCidrs: args.publicAccessCidrs ?? d.publicAccessCidrs,
        },
        // Access entries (API) for node groups and admins; the creator gets cluster-admin so `pulumi up`
        // can install the rest through the kubeconfig below.
        accessConfig: { authenticationMode: "API_AND_CONFIG_MAP", bootstrapClusterCreatorAdminPermissions: true },
        enabledClusterLogTypes: d.enabledLogTypes,
        tags,
      },
      // The role's policies must be attached before EKS assumes it.
      { parent: this, dependsOn: [...clusterRole.attachments, ...network.ready] },
    );
    const nodeRole = this.serviceRole(`${name}-node`, "ec2.amazonaws.com", NODE_ROLE_POLICIES, partition, tags);
    this.oidcIssuerUrl = this.cluster.identities.apply((ids) => ids?.[0]?.oidcs?.[0]?.issuer ?? "");
    const oidc = new iam.OpenIdConnectProvider(
      name,
      { url: this.oidcIssuerUrl, clientIdLists: ["sts.amazonaws.com"], tags },
      { parent: this },
    );
    this.clusterName = this.cluster.name;
    this.vpcId = network.vpcId;
    this.privateSubnetIds = network.privateSubnetIds;
    // Node groups wait for the node role's policies through this output.
    this.nodeRoleArn = pulumi.all([nodeRole.role.arn, ...nodeRole.attachments.map((a) => a.id)]).apply(([arn]) => arn);
    this.oidcProviderArn = oidc.arn;
    const region = getRegionOutput({}, { parent: this }).region;
    this.kubeconfig = pulumi
      .all([this.cluster.name, this.cluster.endpoint, this.cluster.certificateAuthority, region])
      .apply(([clusterName, endpoint, ca, r]) =>
        JSON.stringify(renderKubeconfig({ clusterName, endpoint, certificateAuthority: ca?.data ?? "", region: r })),
      );
    this.registerOutputs({
      clusterName: this.clusterName,
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      nodeRoleArn: this.nodeRoleArn,
      oidcProviderArn: this.oidcProviderArn,
      oidcIssuerUrl: this.oidcIssuerUrl,
    });
  }

  /** A new VPC across the zones (or the given one): subnets tagged for load balancers, NAT per zone. */
  private network(
    name: string,
    args: EksClusterArgs,
    tags: Record<string, string>,
  ): {
    vpcId: pulumi.Output<string>;
    privateSubnetIds: pulumi.Output<string[]>;
    publicSubnetIds: pulumi.Output<string[]>;
    ready: pulumi.Resource[];
  } {
    const vpcArgs = args.vpc ?? {};
    if ("id" in vpcArgs)
      return {
        vpcId: pulumi.output(vpcArgs.id),
        privateSubnetIds: pulumi.output(vpcArgs.privateSubnetIds),
        publicSubnetIds: pulumi.output(vpcArgs.publicSubnetIds ?? []),
        ready: [],
      };
    const child = { parent: this };
    const cidr = vpcArgs.cidr ?? eksClusterDefaults.vpcCidr;
    const vpc = new ec2.Vpc(
      name,
      { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: name } },
      child,
    );
    const igw = new ec2.InternetGateway(name, { vpcId: vpc.id, tags: { ...tags, Name: name } }, child);
    const publicRoutes = new ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: { ...tags, Name: `${name}-public` },
      },
      child,
    );
    const privateIds: pulumi.Output<string>[] = [];
    const publicIds: pulumi.Output<string>[] = [];
    const ready: pulumi.Resource[] = [];
    for (const s of planSubnets(cidr, args.zones)) {
      const pub = new ec2.Subnet(
        `${name}-public-${s.zone}`,
        {
          vpcId: vpc.id,
          cidrBlock: s.publicCidr,
          availabilityZone: s.zone,
          mapPublicIpOnLaunch: false,
          tags: { ...tags, ...SUBNET_ROLE_TAGS.public, Name: `${name}-public-${s.zone}` },
        },
        child,
      );
      const pubAssoc = new ec2.RouteTableAssociation(
        `${name}-public-${s.zone}`,
        { subnetId: pub.id, routeTableId: publicRoutes.id },
        child,
      );
      const eip = new ec2.Eip(
        `${name}-nat-${s.zone}`,
        { domain: "vpc", tags: { ...tags, Name: `${name}-nat-${s.zone}` } },
        child,
      );
      // One NAT gateway per zone: losing a zone does not cut the others' egress (image pulls, AWS APIs).
      const nat = new ec2.NatGateway(
        `${name}-${s.zone}`,
        { subnetId: pub.id, allocationId: eip.id, tags: { ...tags, Name: `${name}-${s.zone}` } },
        { parent: this, dependsOn: [igw] },
      );
      const priv = new ec2.Subnet(
        `${name}-private-${s.zone}`,
        {
          vpcId: vpc.id,
          cidrBlock: s.privateCidr,
          availabilityZone: s.zone,
          tags: { ...tags, ...SUBNET_ROLE_TAGS.private, Name: `${name}-private-${s.zone}` },
        },
        child,
      );
      const privRoutes = new ec2.RouteTable(
        `${name}-private-${s.zone}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
          tags: { ...tags, Name: `${name}-private-${s.zone}` },
        },
        child,
      );
      const privAssoc = new ec2.RouteTableAssociation(
        `${name}-private-${s.zone}`,
        { subnetId: priv.id, routeTableId: privRoutes.id },
        child,
      );
      privateIds.push(priv.id);
      publicIds.push(pub.id);
      ready.push(pubAssoc, privAssoc);
    }
    return {
      vpcId: vpc.id,
      privateSubnetIds: pulumi.all(privateIds),
      publicSubnetIds: pulumi.all(publicIds),
      ready,
    };
  }

  /** A role assumed by an AWS service, with its managed policies (ARNs in the account's partition). */
  private serviceRole(
    name: string,
    service: "eks.amazonaws.com" | "ec2.amazonaws.com",
    policies: string[],
    partition: pulumi.Output<string>,
    tags: Record<string, string>,
  ): { role: iam.Role; attachments: iam.RolePolicyAttachment[] } {
    const role = new iam.Role(
      name,
      { assumeRolePolicy: JSON.stringify(renderServiceTrustPolicy(service)), tags },
      { parent: this },
    );
    const attachments = policies.map(
      (p) =>
        new iam.RolePolicyAttachment(
          `${name}-${p}`,
          { role: role.name, policyArn: pulumi.interpolate`${partition.apply((pt) => managedPolicyArn(pt, p))}` },
          { parent: this },
        ),
    );
    return { role, attachments };
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkEksClusterArgs(name: string, args: EksClusterArgs): ArgsProblem[] {
  const check = new ArgsChecker("EksCluster", name);
  if (!check.requirePlain({ zones: args.zones })) return check.problems;
  check.check(
    /^1\.\d+$/.test(args.kubernetesVersion ?? ""),
    "kubernetesVersion",
    `must be "1.<minor>", got ${JSON.stringify(args.kubernetesVersion)}`,
    'set it to a version EKS supports, e.g. "1.33"',
  );
  const zones = args.zones ?? [];
  check.check(zones.length > 0, "zones", "is empty", "list the availability zones the cluster spans (three for prod)");
  check.check(new Set(zones).size === zones.length, "zones", "lists a zone twice", "list each zone once");
  const vpc = args.vpc ?? {};
  if ("id" in vpc) {
    check.check(
      (vpc.privateSubnetIds ?? []).length > 0,
      "vpc.privateSubnetIds",
      "is empty",
      "list the VPC's private subnets, one per zone",
    );
  } else if (vpc.cidr !== undefined) {
    const why = cidrProblem(vpc.cidr);
    check.check(!why, "vpc.cidr", why ?? "", "use a /16 to /24 block such as 10.0.0.0/16");
    if (!why && zones.length > 0) {
      const prefix = Number(vpc.cidr.split("/")[1]) + 2 * Math.ceil(Math.log2(zones.length + 1));
      check.check(
        prefix <= 28,
        "vpc.cidr",
        `is too small for ${zones.length} zones (public subnets would be /${prefix}; AWS subnets are /16 to /28)`,
        "use a larger block such as 10.0.0.0/16",
      );
    }
  }
  return check.problems;
}
