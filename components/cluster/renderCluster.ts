/**
 * Pure rendering for a created EKS cluster: the subnet plan of a new VPC across the stack's zones, the
 * IAM trust and managed policies of the cluster and node roles, and the kubeconfig the stack's Kubernetes
 * provider uses. EksCluster only turns these plain values into resources.
 */

/** Defaults of {@link EksClusterArgs}, applied in the constructor only. */
export const eksClusterDefaults = {
  /** A /16 leaves room for three /18 private subnets (16k pod IPs each with the VPC CNI) and small public ones. */
  vpcCidr: "10.0.0.0/16",
  endpointPublicAccess: true,
  endpointPrivateAccess: true,
  /** EKS's own default: the public endpoint answers any address (authentication still applies). */
  publicAccessCidrs: ["0.0.0.0/0"],
  /** Control-plane logs sent to CloudWatch: who did what on the API server. */
  enabledLogTypes: ["api", "audit", "authenticator"],
};

/** One zone's share of a new VPC: a private subnet (nodes, pods) and a public one (NAT gateway, internet-facing NLB). */
export interface ZoneSubnets {
  zone: string;
  privateCidr: string;
  publicCidr: string;
}

const ipToInt = (ip: string) => ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

/** Whether `cidr` is an IPv4 CIDR whose address is the network's first one (no host bits set). */
export function cidrProblem(cidr: string): string | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  if (!m) return `"${cidr}" is not an IPv4 CIDR`;
  const prefix = Number(m[2]);
  if (prefix < 16 || prefix > 24) return `a VPC takes a /16 to /24 block (AWS VPC sizing), got /${prefix}`;
  if (ipToInt(m[1]) % 2 ** (32 - prefix) !== 0) return `"${cidr}" has host bits set`;
  return undefined;
}

/**
 * Splits a VPC block over `zones`: the block is cut into 2^k parts (k the bits to hold one more part than
 * zones); each zone gets one part as its private subnet, and the last part is cut again into one public
 * subnet per zone. A /16 over three zones gives three /18 private and three /20 public subnets.
 */
export function planSubnets(vpcCidr: string, zones: string[]): ZoneSubnets[] {
  const [ip, p] = vpcCidr.split("/");
  const prefix = Number(p);
  const base = ipToInt(ip);
  const k = Math.ceil(Math.log2(zones.length + 1));
  const privatePrefix = prefix + k;
  const publicBase = base + (2 ** k - 1) * 2 ** (32 - privatePrefix);
  const publicPrefix = privatePrefix + k;
  return zones.map((zone, i) => ({
    zone,
    privateCidr: `${intToIp(base + i * 2 ** (32 - privatePrefix))}/${privatePrefix}`,
    publicCidr: `${intToIp(publicBase + i * 2 ** (32 - publicPrefix))}/${publicPrefix}`,
  }));
}

/** Subnet tags the AWS Load Balancer Controller discovers subnets by (internet-facing vs internal NLBs). */
export const SUBNET_ROLE_TAGS = {
  public: { "kubernetes.io/role/elb": "1" },
  private: { "kubernetes.io/role/internal-elb": "1" },
} as const;

/** Trust policy of a role assumed by an AWS service (the EKS control plane, EC2 nodes). */
export function renderServiceTrustPolicy(service: "eks.amazonaws.com" | "ec2.amazonaws.com"): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  };
}

/** An AWS managed policy's ARN in a partition (aws, aws-cn, aws-us-gov...). */
export const managedPolicyArn = (partition: string, policy: string) => `arn:${partition}:iam::aws:policy/${policy}`;

/** Managed policies of the cluster role (EKS user guide, "Amazon EKS cluster IAM role"). */
export const CLUSTER_ROLE_POLICIES = ["AmazonEKSClusterPolicy"];
/** Managed policies of the node role (EKS user guide, "Amazon EKS node IAM role"). */
export const NODE_ROLE_POLICIES = [
  "AmazonEKSWorkerNodePolicy",
  "AmazonEKS_CNI_Policy",
  "AmazonEC2ContainerRegistryReadOnly",
];

/**
 * A kubeconfig for the created cluster. Credentials come from `aws eks get-token` at each call (no token
 * is stored in state); the CA and endpoint are public facts of the cluster.
 */
export function renderKubeconfig(a: {
  clusterName: string;
  endpoint: string;
  certificateAuthority: string;
  region: string;
}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: a.clusterName, cluster: { server: a.endpoint, "certificate-authority-data": a.certificateAuthority } },
    ],
    contexts: [{ name: a.clusterName, context: { cluster: a.clusterName, user: a.clusterName } }],
    "current-context": a.clusterName,
    users: [
      {
        name: a.clusterName,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", a.clusterName, "--region", a.region, "--output", "json"],
          },
        },
      },
    ],
  };
}
