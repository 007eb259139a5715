/**
 * harbor-ha's data tier alone, for another application: Patroni PostgreSQL and Redis Sentinel.
 * Uses only the public `harbor-ha` API.
 */
import { PatroniCluster, RedisSentinel } from "harbor-ha";

export = async () => {
  const namespace = "payments";
  const db = new PatroniCluster("payments-db", {
    namespace,
    members: 3,
    database: "payments",
    user: "payments",
    memoryGi: 8,
    cpu: 2,
    volumeGb: 200,
    // The application's pool: 6 pods with 20 connections each.
    clientPool: { pods: 6, maxOpenConns: 20 },
    clientPodSelector: { app: "payments" },
  });
  const cache = new RedisSentinel("payments-cache", {
    namespace,
    masterSet: "payments",
    clientPodSelector: { app: "payments" },
  });
  return {
    dbHost: db.host,
    dbSecret: db.passwordSecretName,
    maxConnections: db.maxConnections,
    sentinels: cache.sentinelAddrs,
  };
};
