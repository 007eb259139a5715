/**
 * What the observability tier is told about the other tiers: the sizing its alert thresholds follow from
 * (the PatroniCluster's connection budget and timing, the sentinels' quorum, Redis' maxmemory), the pods and
 * ports it scrapes. Pure: the tiers' own exported functions and defaults, never copies.
 */
import { selectorLabels } from "../conventions";
import { ConnectionBudget } from "../conventions/connectionBudget";
import {
  backupAgeCheckName,
  backupAgeLimits,
  DEFAULT_TIMING,
  PATRONI_METRICS_PORT,
  PATRONI_METRICS_PORT_NAME,
  patroniClusterDefaults,
  POSTGRES_EXPORTER_PORT,
  POSTGRES_EXPORTER_PORT_NAME,
  patroniBackupDefaults,
} from "../postgres";
import { REDIS_EXPORTER_PORT, REDIS_EXPORTER_PORT_NAME, redisMaxmemoryMb, redisSentinelDefaults } from "../redis";
import { harborChartServiceMonitor, HarborObservabilityArgs, ObservedDeployment } from "../observability";
import { envoyGatewayDefaults } from "../edge";
import { CERT_MANAGER_NAMESPACE } from "../tls";
import type { HarborPlatformArgs } from "./HarborPlatform";

/** The Redis pods' role label (RedisSentinel's selectors). */
const REDIS_ROLE_LABEL = "harbor-ha.io/role";

export function observabilityWiring(
  l: { name: string; ns: string },
  args: HarborPlatformArgs,
  budget: ConnectionBudget | undefined,
): {
  deployment: ObservedDeployment;
  targets: HarborObservabilityArgs["targets"];
  ports: HarborObservabilityArgs["ports"];
  harborServiceMonitor: ReturnType<typeof harborChartServiceMonitor> | undefined;
} {
  const db = args.database ?? { kind: "patroni" as const };
  const rd = args.redis ?? { kind: "sentinel" as const };
  const dbName = `${l.name}-db`;
  const redisName = `${l.name}-redis`;
  const metrics = args.harbor?.metrics ?? true;
  const deployment: ObservedDeployment = {
    namespace: l.ns,
    // The platform's name: unique per namespace (its objects are named after it), unlike the namespace.
    platform: l.name,
    harbor: metrics,
    postgres:
      db.kind === "patroni" && budget
        ? {
            members: db.members ?? patroniClusterDefaults.members,
            synchronousMode: db.synchronousMode ?? patroniClusterDefaults.synchronousMode,
            maxConnections: budget.maxConnections,
            maximumLagOnFailoverBytes: db.timing?.maximumLagOnFailover ?? DEFAULT_TIMING.maximumLagOnFailover,
            statefulSet: dbName,
            backups: db.backup !== undefined,
            backupAgeCheck: backupAgeCheckOf(dbName, db.backup?.schedule, db.backup !== undefined),
          }
        : undefined,
    redis:
      rd.kind === "sentinel"
        ? {
            masterSet: rd.masterSet ?? redisSentinelDefaults.masterSet,
            sentinels: rd.sentinels ?? redisSentinelDefaults.sentinels,
            quorum: rd.quorum ?? redisSentinelDefaults.quorum,
            maxmemoryBytes: redisMaxmemoryMb(rd.memoryGi ?? redisSentinelDefaults.memoryGi) * 1024 * 1024,
          }
        : undefined,
    certificates: true,
  };
  return {
    deployment,
    targets: {
      postgresPods: deployment.postgres ? selectorLabels("postgresql", dbName) : undefined,
      postgresExporter: true,
      redisPods: deployment.redis
        ? {
            redis: { ...selectorLabels("redis", redisName), [REDIS_ROLE_LABEL]: "redis" },
            sentinel: { ...selectorLabels("redis", redisName), [REDIS_ROLE_LABEL]: "sentinel" },
          }
        : undefined,
      certManagerNamespace: CERT_MANAGER_NAMESPACE,
      // The team's Gateway's proxies are the team's to watch.
      envoy:
        args.edge?.kind === "existing"
          ? undefined
          : { namespace: envoyGatewayDefaults.namespace, gatewayNamespace: l.ns },
    },
    ports: {
      patroni: PATRONI_METRICS_PORT_NAME,
      patroniPort: PATRONI_METRICS_PORT,
      postgresExporter: POSTGRES_EXPORTER_PORT_NAME,
      postgresExporterPort: POSTGRES_EXPORTER_PORT,
      redisExporter: REDIS_EXPORTER_PORT_NAME,
      redisExporterPort: REDIS_EXPORTER_PORT,
    },
    harborServiceMonitor: harborServiceMonitorWiring(l.name, args),
  };
}

/** The backup-age CronJob PatroniCluster makes with backups, and its limits (the postgres tier's one home). */
function backupAgeCheckOf(
  cluster: string,
  schedule: string | undefined,
  backups: boolean,
): NonNullable<ObservedDeployment["postgres"]>["backupAgeCheck"] {
  const limits = backups ? backupAgeLimits(schedule ?? patroniBackupDefaults.schedule) : undefined;
  if (!limits) return undefined;
  const { maxAgeSeconds, alertAfterSeconds, neverSucceededAfterSeconds } = limits;
  return { cronJob: backupAgeCheckName(cluster), maxAgeSeconds, alertAfterSeconds, neverSucceededAfterSeconds };
}

/** Harbor chart's own ServiceMonitor, when the observability tier watches Harbor (metrics on, monitors on). */
export function harborServiceMonitorWiring(
  platform: string,
  args: Pick<HarborPlatformArgs, "observability" | "harbor">,
): ReturnType<typeof harborChartServiceMonitor> | undefined {
  const obs = args.observability;
  return obs && (args.harbor?.metrics ?? true) && (obs.monitors ?? true)
    ? harborChartServiceMonitor(obs.selectorLabels ?? {}, platform)
    : undefined;
}
