/**
 * Harbor on a team's own Amazon RDS for PostgreSQL, with harbor-ha's Redis Sentinel, S3 storage and
 * cert-manager certificates. Uses only the public `harbor-ha` API.
 *
 * The RDS endpoint and a Secret holding its password (key `password`) are the team's; so are the
 * cluster's shared Gateway (Harbor's chart route attaches to its HTTPS listener) and cert-manager.
 */
import * as pulumi from "@pulumi/pulumi";
import { HarborCertificates, HarborRelease, RedisSentinel, S3Storage } from "harbor-ha";

export = async () => {
  const config = new pulumi.Config();
  const namespace = config.get("namespace") ?? "registry";
  const host = config.get("host") ?? "registry.team.example.com";

  const redis = new RedisSentinel("cache", { namespace, replicas: 3, sentinels: 3, quorum: 2 });
  const storage = new S3Storage("blobs", { namespace, kms: true });
  const certificates = new HarborCertificates("certs", {
    namespace,
    host,
    issuer: { mode: "existing", issuerName: config.get("clusterIssuer") ?? "letsencrypt-prod" },
  });
  const harbor = new HarborRelease("harbor", {
    namespace,
    externalUrl: `https://${host}`,
    database: {
      host: config.get("rdsHost") ?? "harbor.abcdefghij.eu-west-1.rds.amazonaws.com",
      port: 5432,
      user: "harbor",
      database: "registry",
      passwordSecretName: config.get("rdsPasswordSecret") ?? "rds-harbor",
      sslmode: "verify-full",
    },
    // RDS db.r6g.large: max_connections ~1700, minus what the team keeps for itself.
    // Core, jobservice and exporter pods (2 + 1 surge each) x 100 = 900 fit it.
    databaseConnectionBudget: 1000,
    maxOpenConns: 100,
    redis: {
      sentinelAddrs: redis.sentinelAddrs,
      masterSet: redis.masterSet,
      passwordSecretName: redis.passwordSecretName,
    },
    storage: storage.registryStorage,
    tokenServiceSecretName: certificates.tokenServiceSecretName,
    routeParentRefs: [
      {
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: config.get("gateway") ?? "shared",
        namespace: config.get("gatewayNamespace") ?? "gateways",
        sectionName: "https",
      },
    ],
    replicas: 2,
  });
  return { url: harbor.externalUrl, bucket: storage.bucket };
};
