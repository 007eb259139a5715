/**
 * The stack config mapped onto HarborPlatform's Args. Pure: no resources.
 */
import { HarborPlatformArgs, IssuerMode } from "../components";
import { StackConfig } from "./config";

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
    database: { kind: "patroni", ...c.postgres },
    redis: { kind: "sentinel", ...c.redis },
    storage,
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
            clusterName: c.cluster.name,
            nodeRoleArn: c.cluster.nodeRoleArn,
            ...(c.cluster.subnets ? { subnets: c.cluster.subnets } : { subnetIds: c.cluster.subnetIds }),
            pools: c.nodePools,
          }
        : undefined,
    replication: c.replication,
    projects: c.projects,
    operations: c.operations,
  };
}
