/**
 * The stack config mapped onto HarborPlatform's Args. Pure: no resources.
 */
import { HarborPlatformArgs, IssuerMode } from "../components";
import { StackConfig } from "./config";
import { platformAdmission } from "./configAdmission";
import { toArgs as storageClassArgs } from "./configStorageClass";
import { backupArgs } from "./configBackups";

/** The cluster key onto the platform's: a cluster to create, or the existing one's facts. */
function clusterArgs(c: StackConfig): HarborPlatformArgs["cluster"] {
  const cl = c.cluster;
  if (!cl) return undefined;
  const { create, addons, networkPolicyEnforcement } = cl;
  // An encrypted cluster name stays secret: the load balancer controller, which needs it in its Helm values
  // (stored in plain text by the cluster), is then off unless asked for (which the config refuses).
  const lbc = "aws-load-balancer-controller";
  const secretName = cl.name !== undefined && typeof cl.name !== "string";
  const common = {
    addons: secretName && addons[lbc]?.enabled === undefined ? { ...addons, [lbc]: { enabled: false } } : addons,
    networkPolicyEnforcement,
  };
  if (create) {
    const { vpc, ...rest } = create;
    return {
      ...common,
      create: {
        ...rest,
        vpc: vpc.id
          ? { id: vpc.id, privateSubnetIds: vpc.privateSubnetIds ?? [], publicSubnetIds: vpc.publicSubnetIds }
          : { cidr: vpc.cidr },
      },
    };
  }
  return {
    ...common,
    existing: { name: cl.name!, oidcProviderArn: cl.oidcProviderArn, oidcIssuerUrl: cl.oidcIssuerUrl, vpcId: cl.vpcId },
  };
}

/** Maps the validated stack config onto the platform's Args (pure: no resources). */
export function platformArgs(c: StackConfig): HarborPlatformArgs {
  const storage: HarborPlatformArgs["storage"] = (() => {
    const s = c.storage;
    switch (s.type) {
      case "s3":
        return {
          kind: "s3",
          bucketName: s.bucketName,
          kms: s.kms,
          noncurrentVersionExpirationDays: s.noncurrentVersionExpirationDays,
          uploadsNoncurrentExpirationDays: s.uploadsNoncurrentExpirationDays,
          accessKeys: s.accessKeys,
          s3GatewayEndpoint: s.s3GatewayEndpoint,
        };
      case "s3-compatible":
        return {
          kind: "s3",
          compatible: {
            bucket: s.bucketName,
            region: s.region,
            regionEndpoint: s.regionEndpoint,
            credentialsSecretName: s.credentialsSecretName,
          },
        };
      case "efs":
        return {
          kind: "nfs",
          capacityGb: s.capacityGb,
          efs: { vpcId: s.vpcId, subnets: s.subnets, allowedCidrs: s.allowedCidrs },
        };
      case "nfs":
        return { kind: "nfs", capacityGb: s.capacityGb, server: { host: s.server, path: s.path } };
      case "filesystem":
        return { kind: "filesystem", storageClass: s.storageClass, capacityGb: s.capacityGb };
    }
  })();
  const issuer: IssuerMode =
    c.tls.mode === "self-signed"
      ? { mode: "self-signed" }
      : c.tls.mode === "acme-http01"
        ? // The platform points the solver at its Gateway's HTTP listener.
          { mode: "acme-http01", email: c.tls.email!, server: c.tls.acmeServer, gatewayParentRefs: [] }
        : {
            mode: "acme-dns01",
            email: c.tls.email!,
            server: c.tls.acmeServer,
            region: c.tls.route53!.region,
            hostedZoneId: c.tls.route53!.hostedZoneId,
          };
  return {
    environment: c.environment,
    namespace: c.namespace,
    externalUrl: c.externalUrl,
    expectedDataGb: c.expectedDataGb,
    highThroughput: c.highThroughput,
    zones: c.zones,
    adminPassword: c.adminPassword,
    database: { kind: "patroni", ...c.postgres, ...backupArgs(c.backups, c.cluster) },
    redis: { kind: "sentinel", ...c.redis },
    storage,
    storageClass: { create: c.storageClass.create, ...storageClassArgs(c.storageClass) },
    dns: c.dns?.enabled ? { hostedZoneId: c.dns.hostedZoneId, zoneName: c.dns.zoneName } : undefined,
    tls: {
      installCertManager: c.tls.installCertManager,
      route53Irsa:
        c.cluster?.oidcProviderArn && c.cluster.oidcIssuerUrl
          ? { oidcProviderArn: c.cluster.oidcProviderArn, oidcIssuerUrl: c.cluster.oidcIssuerUrl }
          : undefined,
      issuer,
    },
    edge: {
      exposure: c.edge.exposure,
      internal: c.edge.internal,
      replicas: c.edge.replicas,
      nodePorts: c.edge.nodePorts,
      adminAllowlist: c.edge.adminAllowlist,
      operatorCidrs: c.edge.operatorCidrs,
      deletionProtection: c.edge.deletionProtection,
      accessLogs: c.edge.accessLogs,
    },
    tags: c.tags,
    harbor: { ...c.harbor },
    nodePools:
      c.nodePools && c.cluster
        ? {
            // With cluster.create the platform fills these from the created cluster.
            clusterName: c.cluster.name,
            nodeRoleArn: c.cluster.nodeRoleArn,
            ...(c.cluster.subnets ? { subnets: c.cluster.subnets } : { subnetIds: c.cluster.subnetIds }),
            pools: c.nodePools,
          }
        : undefined,
    cluster: clusterArgs(c),
    replication: c.replication,
    projects: c.projects,
    operations: c.operations,
    admission: platformAdmission(c.admission),
    observability: c.observability.enabled
      ? {
          monitors: c.observability.monitors,
          rules: c.observability.rules,
          prometheusOperatorCrds: c.observability.prometheusOperatorCrds,
          dashboards: c.observability.dashboards,
          selectorLabels: c.observability.selectorLabels,
          dashboardNamespace: c.observability.dashboardNamespace,
          prometheus: c.observability.prometheus,
          alertOverrides: c.observability.alerts,
        }
      : undefined,
    ...(c.harborApi ? { harborApi: c.harborApi } : {}),
  };
}
