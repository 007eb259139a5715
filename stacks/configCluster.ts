/**
 * The `harbor-ha:cluster` key: an existing EKS cluster (`name`, `nodeRoleArn`, `subnetIds`, OIDC), or a
 * cluster the stack creates (`create`), and the add-ons the stack manages there. Imported by config.ts;
 * the helpers it needs (IAM ARNs, URLs, CIDRs) are passed in so that they keep one home there.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ADDON_NAMES, NETWORK_POLICY_ENFORCERS, eksClusterDefaults } from "../components";
import { subnetsByZoneSchema } from "./configAws";

const NS = "harbor-ha";

/** The helpers of config.ts this schema uses. */
export interface ClusterSchemaHelpers {
  iamArn(type: "role" | "oidc-provider", example: string): z.ZodType<string>;
  httpsUrl(example: string): z.ZodType<string>;
  cidr: z.ZodType<string>;
}

const addon = z.strictObject({
  /** Manage the add-on (false: the team runs it). Default: true, except aws-efs-csi-driver (with EFS storage only). */
  enabled: z.boolean().optional(),
  /** EKS add-on version. Default: EKS's default for the cluster's Kubernetes version. */
  version: z.string().min(1).optional(),
});

/** The `cluster` key's schema. */
export function clusterSchema(h: ClusterSchemaHelpers) {
  return z.strictObject({
    /** The existing EKS cluster's name; may be encrypted (it stays a secret). Refused with `create`. */
    name: z
      .string()
      .min(1)
      .transform((v): pulumi.Input<string> => v)
      .optional(),
    /** Existing cluster: the node groups' IAM role. */
    nodeRoleArn: h.iamArn("role", "arn:aws:iam::123456789012:role/harbor-nodes").optional(),
    /** Existing cluster: the nodes' private subnets without zones (app tier only). Prefer `subnets`. */
    subnetIds: z.array(z.string().min(1)).min(1).optional(),
    /** Existing cluster: the nodes' private subnets per zone, `{ "<zone>": "<subnet id>" }` (one db node group per zone). */
    subnets: subnetsByZoneSchema.optional(),
    /** Existing cluster: its IAM OIDC provider (IRSA roles). */
    oidcProviderArn: h
      .iamArn("oidc-provider", "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE")
      .optional(),
    /** Existing cluster: its OIDC issuer URL. */
    oidcIssuerUrl: h.httpsUrl("https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE").optional(),
    /** Existing cluster: its VPC, for the load balancer controller; required while the stack manages the controller (pods cannot reach IMDS to discover it). Default: none. */
    vpcId: z.string().min(1).optional(),
    /** A cluster the stack creates, across `zones`. Default: none. */
    create: z
      .strictObject({
        /** Kubernetes version, `1.<minor>`, one EKS supports. */
        kubernetesVersion: z.string().regex(/^1\.\d+$/, 'must be "1.<minor>", e.g. "1.33"'),
        /** A new VPC (`cidr`, Default: 10.0.0.0/16) or an existing one (`id` with `privateSubnetIds`). */
        vpc: z
          .strictObject({
            cidr: h.cidr.optional(),
            id: z.string().min(1).optional(),
            privateSubnetIds: z.array(z.string().min(1)).min(1).optional(),
            publicSubnetIds: z.array(z.string().min(1)).optional(),
          })
          .default({}),
        /** Public API endpoint. Default: true. */
        endpointPublicAccess: z.boolean().default(eksClusterDefaults.endpointPublicAccess),
        /** Private API endpoint. Default: true. */
        endpointPrivateAccess: z.boolean().default(eksClusterDefaults.endpointPrivateAccess),
        /** CIDRs the public endpoint answers. Default: ["0.0.0.0/0"]. */
        publicAccessCidrs: z.array(h.cidr).min(1).optional(),
      })
      .optional(),
    /** Add-ons by name, each switchable off. Default: all on (aws-efs-csi-driver with EFS storage only). */
    addons: z.strictObject(Object.fromEntries(ADDON_NAMES.map((n) => [n, addon.optional()]))).default({}),
    /** What enforces NetworkPolicies: the vpc-cni add-on (default for its configuration) or another CNI the team runs. Default: not stated. */
    networkPolicyEnforcement: z.enum(NETWORK_POLICY_ENFORCERS).optional(),
  });
}

export type ClusterConfig = z.output<ReturnType<typeof clusterSchema>>;

/** What the cluster key's parts need together; `region` is the stack's `aws:region`. */
export function clusterConfigProblems(
  c: { cluster?: ClusterConfig; zones: string[]; nodePools?: unknown; storage: { type: string } },
  region: string | undefined,
  leaves: { encryptedName: boolean } = { encryptedName: false },
): string[] {
  const out: string[] = [];
  const k = (p: string) => `${NS}:${p}`;
  const cl = c.cluster;
  if (region)
    for (const zone of c.zones)
      if (!zone.startsWith(region) || !/^[a-z]$/.test(zone.slice(region.length)))
        out.push(
          `${k("zones")}: "${zone}" is not a zone of the stack's region ${region} (aws:region). Fix: use ${region}a, ${region}b, ... or change aws:region.`,
        );
  if (!cl) return out;
  if (cl.create) {
    const both = (
      ["name", "nodeRoleArn", "subnetIds", "subnets", "oidcProviderArn", "oidcIssuerUrl", "vpcId"] as const
    ).filter((f) => cl[f] !== undefined);
    if (both.length)
      out.push(
        `${k("cluster.create")}: creates a cluster, but ${both.map((f) => k(`cluster.${f}`)).join(", ")} describe an existing one. Fix: remove ${both.length === 1 ? "it" : "them"} (the created cluster provides them), or remove ${k("cluster.create")} to use the existing cluster.`,
      );
    if (c.zones.length === 0)
      out.push(
        `${k("zones")}: required with ${k("cluster.create")} (the VPC and cluster span them). Fix: list the region's zones, e.g. [eu-west-1a, eu-west-1b, eu-west-1c].`,
      );
    const vpc = cl.create.vpc;
    if (vpc.cidr && vpc.id)
      out.push(
        `${k("cluster.create.vpc")}: sets both cidr (a new VPC) and id (an existing one). Fix: keep one of them.`,
      );
    if (vpc.id && !vpc.privateSubnetIds)
      out.push(
        `${k("cluster.create.vpc.privateSubnetIds")}: required with ${k("cluster.create.vpc.id")}. Fix: list the VPC's private subnets, one per zone.`,
      );
    if (!vpc.id && (vpc.privateSubnetIds || vpc.publicSubnetIds))
      out.push(
        `${k("cluster.create.vpc")}: lists subnets without the VPC's id. Fix: set ${k("cluster.create.vpc.id")}, or remove the subnets to create a new VPC.`,
      );
  } else {
    if (leaves.encryptedName && cl.addons["aws-load-balancer-controller"]?.enabled === true)
      out.push(
        `${k("cluster.addons.aws-load-balancer-controller")}: enabled, but ${k("cluster.name")} is encrypted, and the controller takes the cluster's name in its Helm values, which the cluster stores in plain text. Fix: store ${k("cluster.name")} in plain (it is not a credential), or leave the controller off (the default with an encrypted name).`,
      );
    for (const f of ["name", "nodeRoleArn", "subnetIds"] as const)
      if (cl[f] === undefined && (f === "name" || c.nodePools) && !(f === "subnetIds" && cl.subnets))
        out.push(
          `${k(`cluster.${f}`)}: required for an existing cluster${f === "name" ? "" : ` when ${k("nodePools")} is set`}. Fix: set it, or set ${k("cluster.create")} to create the cluster.`,
        );
    // The controller on an existing cluster (asked for, or on by default: plain name and OIDC provider given)
    // needs the VPC's id: it would ask the instance metadata service, which the nodes' hop limit 1 hides from pods.
    const lbc = cl.addons["aws-load-balancer-controller"]?.enabled;
    const lbcManaged =
      lbc === true || (lbc === undefined && !leaves.encryptedName && !!(cl.oidcProviderArn && cl.oidcIssuerUrl));
    if (lbcManaged && cl.vpcId === undefined)
      out.push(
        `${k("cluster.vpcId")}: required on an existing cluster when the AWS Load Balancer Controller is managed here: without it the controller asks the instance metadata service for its VPC, which the nodes' IMDS hop limit of 1 keeps from pods, and it never starts (no NLB for Harbor). Fix: set ${k("cluster.vpcId")} to the cluster's VPC (\`aws eks describe-cluster --name <cluster> --query cluster.resourcesVpcConfig.vpcId\`), or switch the controller off (${k("cluster.addons")}.aws-load-balancer-controller.enabled: false).`,
      );
    // Without the OIDC provider the IRSA add-ons default to off (README); asking for one is refused.
    const irsa = ADDON_NAMES.filter((a) => a !== "vpc-cni").filter((a) => cl.addons[a]?.enabled === true);
    if (irsa.length && !(cl.oidcProviderArn && cl.oidcIssuerUrl))
      out.push(
        `${k("cluster.oidcProviderArn")}: required with ${k("cluster.oidcIssuerUrl")} for the IRSA roles of the add-ons ${irsa.join(", ")}. Fix: set both from \`aws eks describe-cluster\`, or switch those add-ons off (${k("cluster.addons")}.<name>.enabled: false).`,
      );
  }
  return out;
}
