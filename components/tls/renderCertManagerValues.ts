/**
 * jetstack cert-manager chart values and the Route53 policy of its dns01 solver. Pure.
 * Keys checked against the chart's values.yaml at the pinned version (v1.21.1).
 */
import { arn, AwsPartition, hostedZoneArn } from "../conventions/arn";
export interface CertManagerValuesArgs {
  /** Replicas of the controller, webhook and cainjector. */
  replicas: number;
  /** IAM role cert-manager's service account assumes through IRSA (Route53 for dns01). */
  serviceAccountRoleArn?: string;
  /** Check dns01 records against public resolvers only (not the cluster's split-horizon view). */
  publicDns01Resolvers: boolean;
  nodeSelector?: Record<string, string>;
  tolerations?: object[];
  /** Spread each deployment's pods over zones (best effort). */
  zoneSpread: boolean;
  /** Solve HTTP-01 through Gateway API HTTPRoutes (`enableGatewayAPI` in the controller's configuration). */
  gatewayApi?: boolean;
}

export const PUBLIC_DNS01_RESOLVERS = "8.8.8.8:53,1.1.1.1:53";

export function renderCertManagerValues(a: CertManagerValuesArgs): Record<string, unknown> {
  // The chart renders a PDB only when enabled; one with a single replica would block node drains.
  const pdb = { podDisruptionBudget: a.replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false } };
  const placement = {
    ...(a.nodeSelector ? { nodeSelector: a.nodeSelector } : {}),
    ...(a.tolerations ? { tolerations: a.tolerations } : {}),
  };
  const spread = (component: string) =>
    a.zoneSpread
      ? {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: {
                matchLabels: { "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": component },
              },
            },
          ],
        }
      : {};
  const small = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
  return {
    // CRDs from the chart (`installCRDs` is deprecated); kept on uninstall so certificates survive.
    crds: { enabled: true, keep: true },
    replicaCount: a.replicas,
    // cert-manager's documented way to turn on its Gateway API support (the gatewayHTTPRoute solver);
    // it looks for the Gateway API CRDs at start, so the chart waits for Envoy Gateway's (HarborPlatform).
    ...(a.gatewayApi
      ? {
          config: {
            apiVersion: "controller.config.cert-manager.io/v1alpha1",
            kind: "ControllerConfiguration",
            enableGatewayAPI: true,
          },
        }
      : {}),
    ...pdb,
    resources: small,
    ...placement,
    ...spread("controller"),
    ...(a.serviceAccountRoleArn
      ? { serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": a.serviceAccountRoleArn } } }
      : {}),
    ...(a.publicDns01Resolvers
      ? { dns01RecursiveNameservers: PUBLIC_DNS01_RESOLVERS, dns01RecursiveNameserversOnly: true }
      : {}),
    webhook: { replicaCount: a.replicas, ...pdb, resources: small, ...placement, ...spread("webhook") },
    cainjector: { replicaCount: a.replicas, ...pdb, resources: small, ...placement, ...spread("cainjector") },
  };
}

/** The TXT record names of ACME dns01 challenges for these certificate names (a wildcard's is its base's). */
export function acmeChallengeRecordNames(dnsNames: string[]): string[] {
  const names = dnsNames.map((n) => `_acme-challenge.${n.replace(/^\*\./, "").replace(/\.$/, "").toLowerCase()}`);
  return [...new Set(names)].sort();
}

/**
 * Route53 permissions cert-manager's dns01 solver needs: in the given hosted zones, changes to the
 * `_acme-challenge` TXT records of the given names ONLY (route53:ChangeResourceRecordSetsNormalizedRecordNames
 * and ...RecordTypes), so the role cannot repoint Harbor's own record or any other. ARNs in `partition`. Pure.
 */
export function renderRoute53Policy(
  hostedZoneIds: string[],
  dnsNames: string[],
  partition: AwsPartition = { partition: "aws", dnsSuffix: "amazonaws.com" },
): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ChangeStatus",
        Effect: "Allow",
        Action: "route53:GetChange",
        Resource: arn(partition, "route53", "change/*"),
      },
      {
        Sid: "ReadRecords",
        Effect: "Allow",
        Action: "route53:ListResourceRecordSets",
        Resource: hostedZoneIds.map((id) => hostedZoneArn(partition, id)),
      },
      {
        Sid: "ChallengeRecordsOnly",
        Effect: "Allow",
        Action: "route53:ChangeResourceRecordSets",
        Resource: hostedZoneIds.map((id) => hostedZoneArn(partition, id)),
        Condition: {
          "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": acmeChallengeRecordNames(dnsNames),
            "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
          },
        },
      },
      { Sid: "FindZone", Effect: "Allow", Action: "route53:ListHostedZonesByName", Resource: "*" },
    ],
  };
}
