/**
 * Pure rendering of the cluster add-ons: which EKS add-ons and service accounts exist, the vpc-cni
 * configuration, the AWS Load Balancer Controller's chart values and its published IAM policy.
 */
import iamPolicyDoc from "./awsLoadBalancerControllerIamPolicy.json";
import { AddonName, NetworkPolicyEnforcer, VPC_CNI_NETWORK_POLICY_KEY } from "./addonFacts";

/** Pinned AWS Load Balancer Controller chart (eks-charts `aws-load-balancer-controller` 1.17.1 = controller v2.17.1). */
export const AWS_LOAD_BALANCER_CONTROLLER_CHART = {
  chart: "aws-load-balancer-controller",
  version: "1.17.1",
  repo: "https://aws.github.io/eks-charts",
  appVersion: "v2.17.1",
} as const;

/** The controller's IAM policy for v2.17.1, as published (source named in the data file). */
export const AWS_LOAD_BALANCER_CONTROLLER_IAM_POLICY = iamPolicyDoc as {
  source: string;
  version: string;
  policy: { Version: string; Statement: Record<string, unknown>[] };
};

/** Where the add-ons' controllers run (EKS installs its add-ons there; AWS docs install the controller there). */
export const ADDON_NAMESPACE = "kube-system";

/** How each add-on gets AWS credentials: an IRSA role for a fixed service account, with an AWS managed policy. */
export interface AddonIdentity {
  /** Service account EKS creates for the add-on's controller. */
  serviceAccount: string;
  /** AWS managed policy (name under `arn:<partition>:iam::aws:policy/`). */
  managedPolicy: string;
}

/**
 * EKS add-ons whose controllers call AWS APIs (EKS user guide: "Amazon EBS CSI driver", "Amazon EFS CSI
 * driver"). vpc-cni keeps the node role's AmazonEKS_CNI_Policy.
 */
export const EKS_ADDON_IDENTITIES: Partial<Record<AddonName, AddonIdentity>> = {
  "aws-ebs-csi-driver": {
    serviceAccount: "ebs-csi-controller-sa",
    managedPolicy: "service-role/AmazonEBSCSIDriverPolicy",
  },
  "aws-efs-csi-driver": {
    serviceAccount: "efs-csi-controller-sa",
    managedPolicy: "service-role/AmazonEFSCSIDriverPolicy",
  },
};

/** The vpc-cni add-on's configuration: network policy enforcement on when the vpc-cni is the stack's enforcer. */
export function renderVpcCniConfiguration(enforcement: NetworkPolicyEnforcer): Record<string, string> {
  return { [VPC_CNI_NETWORK_POLICY_KEY]: enforcement === "vpc-cni" ? "true" : "false" };
}

/** The controller's policy with every `arn:aws:` ARN moved to the account's partition (aws-cn, aws-us-gov...). */
export function renderLoadBalancerControllerPolicy(partition: string): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(AWS_LOAD_BALANCER_CONTROLLER_IAM_POLICY.policy).replace(/"arn:aws:/g, `"arn:${partition}:`),
  );
}

/** Helm release name of the controller, derived from the component's name (several stacks can share a cluster's tooling). */
export const loadBalancerControllerReleaseName = (componentName: string) =>
  `${componentName}-${AWS_LOAD_BALANCER_CONTROLLER_CHART.chart}`.slice(0, 53).replace(/-+$/, "");

/** Chart values of the AWS Load Balancer Controller (keys checked against the pinned chart by test/addons.spec.ts). */
export function renderLoadBalancerControllerValues(a: {
  clusterName: string;
  region: string;
  vpcId?: string;
  serviceAccount: string;
  roleArn: string;
  replicas: number;
}): Record<string, unknown> {
  return {
    clusterName: a.clusterName,
    region: a.region,
    // Without vpcId the controller asks the instance metadata service, which IMDSv2's hop limit hides from pods.
    ...(a.vpcId ? { vpcId: a.vpcId } : {}),
    replicaCount: a.replicas,
    serviceAccount: {
      create: true,
      name: a.serviceAccount,
      annotations: { "eks.amazonaws.com/role-arn": a.roleArn },
    },
    podDisruptionBudget: { maxUnavailable: 1 },
    // Harbor's Service asks for the controller by annotation; the default-class webhook (failurePolicy Fail)
    // would only put every other LoadBalancer Service of the cluster at the controller's mercy.
    enableServiceMutatorWebhook: false,
    // The stack routes through Gateway API (Envoy Gateway), not Ingress: no `alb` IngressClass.
    createIngressClassResource: false,
  };
}
