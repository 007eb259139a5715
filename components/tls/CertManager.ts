import * as pulumi from "@pulumi/pulumi";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import * as iam from "@pulumi/aws/iam";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import {
  ArgsChecker,
  ArgsProblem,
  refuseInvalidArgs,
  Placement,
  podPlacement,
  renderIrsaTrustPolicy,
} from "../conventions";
import { renderCertManagerValues, renderRoute53Policy } from "./renderCertManagerValues";

/** Pinned jetstack chart (a `helm.v3.Release`: simpler and current, unlike @pulumi/kubernetes-cert-manager). */
export const CERT_MANAGER_CHART = {
  chart: "cert-manager",
  version: "v1.21.1",
  repo: "https://charts.jetstack.io",
} as const;

/**
 * The chart's images (values.yaml: `imageRegistry` quay.io, `imageNamespace` jetstack, each component's
 * `image.name`, tag the chart's appVersion), pinned by tag; no digest upstream. The admission allowlist
 * exempts them (HarborPlatform); the acmesolver runs in Harbor's namespace for HTTP-01.
 */
export const CERT_MANAGER_IMAGES = ["controller", "webhook", "cainjector", "acmesolver", "startupapicheck"].map(
  (c) => `quay.io/jetstack/cert-manager-${c}:${CERT_MANAGER_CHART.version}`,
);

/** The chart names its controller's service account after the release (`cert-manager`). */
export const CERT_MANAGER_SERVICE_ACCOUNT = "cert-manager";

/** Where cert-manager runs unless told otherwise (HarborCertificates' self-signed CA Secret lives there too). */
export const CERT_MANAGER_NAMESPACE = "cert-manager";

/** Defaults of {@link CertManagerArgs}, applied in the constructor only. */
export const certManagerDefaults = {
  existing: false,
  namespace: CERT_MANAGER_NAMESPACE,
  highAvailability: false,
  /** Replicas with `highAvailability` (each deployment then gets a PDB). */
  replicasHighlyAvailable: 2,
  /** Replicas without. */
  replicasSingle: 1,
  publicResolvers: true,
  gatewayApi: false,
};

export interface CertManagerArgs {
  /** The cluster already runs cert-manager: install nothing (the Route53 role is still created when asked). Default: false. */
  existing?: boolean;
  /** Namespace of cert-manager (e.g. a Namespace's `metadata.name`). Default: `cert-manager`. */
  namespace?: pulumi.Input<string>;
  /** Refuse fewer than 2 replicas (each deployment then gets a PDB). Default: false. */
  highAvailability?: boolean;
  /** Replicas of the controller, webhook and cainjector. Default: 2 with highAvailability, else 1. */
  replicas?: number;
  /**
   * Route53 access for ACME dns01 through IRSA: an IAM role trusted for cert-manager's service
   * account by the cluster's OIDC provider, allowed to change records in these zones only; the chart
   * annotates the service account with it (ambient credentials, which ClusterIssuers may use).
   * Default: none.
   */
  route53?: {
    /** Hosted zones cert-manager may change (Harbor's zone). */
    hostedZoneIds: string[];
    /** Names certificates are issued for: only their `_acme-challenge.<name>` TXT records may be changed. */
    dnsNames: string[];
    /** AWS tags on the role. Default: {}. */
    tags?: Record<string, string>;
    /** The cluster's IAM OIDC provider ARN (an output when the stack creates the cluster). */
    oidcProviderArn: pulumi.Input<string>;
    /** The cluster's OIDC issuer URL (`https://oidc.eks...`). */
    oidcIssuerUrl: pulumi.Input<string>;
    /** Check challenge records against public resolvers only. Default: true. */
    publicResolvers?: boolean;
  };
  /** Turn on cert-manager's Gateway API support (HTTP-01 through `gatewayHTTPRoute`); needs the Gateway API CRDs installed first. Default: false. */
  gatewayApi?: boolean;
  /** Where cert-manager's pods run. Default: anywhere. */
  placement?: Placement;
  /** Spread each deployment over zones (best effort). Default: true when highAvailability. */
  zoneSpread?: boolean;
}

/** cert-manager from the jetstack chart with its CRDs, replicated with PDBs for HA; or nothing when the cluster has one. */
export class CertManager extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.CertManager;

  readonly namespace: pulumi.Output<string>;
  /** The Helm release, for `dependsOn` (issuers need its CRDs); undefined when `existing`. */
  readonly release?: k8s.helm.v3.Release;
  /** What issuers should wait for: the release, or nothing with an existing cert-manager. */
  readonly ready: pulumi.Resource[];
  /** The IRSA role for Route53 (annotate an existing cert-manager's service account with it). */
  readonly route53RoleArn?: pulumi.Output<string>;

  constructor(name: string, args: CertManagerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("CertManager", name, checkCertManagerArgs(name, args));
    super(CertManager.__pulumiType, name, {}, opts);
    const d = certManagerDefaults;
    const ha = args.highAvailability ?? d.highAvailability;
    const replicas = args.replicas ?? (ha ? d.replicasHighlyAvailable : d.replicasSingle);
    const ns = args.namespace ?? d.namespace;
    const roleArn = args.route53 ? this.route53Role(name, args.route53, ns) : undefined;
    if (!(args.existing ?? d.existing)) this.release = this.chartRelease(name, args, ns, replicas, ha, roleArn);
    this.ready = this.release ? [this.release] : [];
    this.namespace = pulumi.output(ns);
    this.route53RoleArn = roleArn;
    this.registerOutputs({ namespace: this.namespace, route53RoleArn: this.route53RoleArn });
  }

  /** The IRSA role cert-manager's service account assumes to change records in the given zones only. */
  private route53Role(
    name: string,
    r: NonNullable<CertManagerArgs["route53"]>,
    ns: pulumi.Input<string>,
  ): pulumi.Output<string> {
    const role = new iam.Role(
      `${name}-route53`,
      {
        description: "cert-manager dns01 on Route53 (IRSA)",
        tags: r.tags ?? {},
        assumeRolePolicy: pulumi
          .all([r.oidcProviderArn, r.oidcIssuerUrl, ns])
          .apply(([arn, url, n]) => JSON.stringify(renderIrsaTrustPolicy(arn, url, n, CERT_MANAGER_SERVICE_ACCOUNT))),
      },
      { parent: this },
    );
    new iam.RolePolicy(
      `${name}-route53`,
      {
        role: role.name,
        policy: getPartitionOutput({}, { parent: this }).apply((p) =>
          JSON.stringify(renderRoute53Policy(r.hostedZoneIds, r.dnsNames, p)),
        ),
      },
      { parent: this },
    );
    return role.arn;
  }

  /** The jetstack chart with its CRDs, annotated with the Route53 role when there is one. */
  private chartRelease(
    name: string,
    args: CertManagerArgs,
    ns: pulumi.Input<string>,
    replicas: number,
    ha: boolean,
    roleArn: pulumi.Output<string> | undefined,
  ): k8s.helm.v3.Release {
    const placement = podPlacement(args.placement);
    return new k8s.helm.v3.Release(
      name,
      {
        name: "cert-manager",
        namespace: ns,
        createNamespace: true,
        chart: CERT_MANAGER_CHART.chart,
        version: CERT_MANAGER_CHART.version,
        repositoryOpts: { repo: CERT_MANAGER_CHART.repo },
        values: pulumi.output(roleArn).apply((arn) =>
          renderCertManagerValues({
            replicas,
            serviceAccountRoleArn: arn,
            publicDns01Resolvers: args.route53
              ? (args.route53.publicResolvers ?? certManagerDefaults.publicResolvers)
              : false,
            nodeSelector: placement.nodeSelector,
            tolerations: placement.tolerations,
            zoneSpread: args.zoneSpread ?? ha,
            gatewayApi: args.gatewayApi ?? certManagerDefaults.gatewayApi,
          }),
        ),
      },
      { parent: this },
    );
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkCertManagerArgs(name: string, args: CertManagerArgs): ArgsProblem[] {
  const d = certManagerDefaults;
  const ha = args.highAvailability ?? d.highAvailability;
  const replicas = args.replicas ?? (ha ? d.replicasHighlyAvailable : d.replicasSingle);
  const check = new ArgsChecker("CertManager", name);
  if (check.atLeast(replicas, 1, "replicas") && ha)
    check.check(
      replicas >= 2,
      "replicas",
      `${replicas} replica is a single point of failure and high availability is required`,
      "run 2 or more replicas",
    );
  if (args.route53) {
    check.check(
      (args.route53.hostedZoneIds ?? []).length > 0,
      "route53.hostedZoneIds",
      "is empty or missing",
      "list the hosted zone of Harbor's host",
    );
    // Outputs (a cluster the stack creates) are checked by the provider at apply.
    const { oidcProviderArn, oidcIssuerUrl } = args.route53;
    check.check(
      (args.route53.dnsNames ?? []).length > 0,
      "route53.dnsNames",
      "is empty or missing, so the role could change no challenge record",
      "list the names certificates are issued for (Harbor's host)",
    );
    check.check(
      typeof oidcProviderArn !== "string" || /^arn:aws[-a-z]*:iam::\d{12}:oidc-provider\/.+/.test(oidcProviderArn),
      "route53.oidcProviderArn",
      `"${args.route53.oidcProviderArn}" is not an IAM OIDC provider ARN`,
      "give the cluster's arn:aws:iam::<account>:oidc-provider/...",
    );
    check.check(
      typeof oidcIssuerUrl !== "string" || /^https:\/\/.+/.test(oidcIssuerUrl),
      "route53.oidcIssuerUrl",
      `"${args.route53.oidcIssuerUrl}" is not an https URL`,
      "give the cluster's OIDC issuer URL",
    );
  }
  return check.problems;
}
