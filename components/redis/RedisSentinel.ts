import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import * as random from "@pulumi/random";
import { ComponentTypes } from "../tokens";
import {
  ArgsChecker,
  ArgsProblem,
  Placement,
  refuseInvalidArgs,
  podPlacement,
  selectorLabels,
  standardLabels,
  zoneSpread,
} from "../conventions";
import {
  checkQuorum,
  REDIS_PORT,
  redisMaxmemoryMb,
  redisSentinelDefaults,
  redisTopology,
  RedisTopology,
  renderRedisConf,
  renderRedisStartScript,
  renderSentinelConf,
  renderSentinelStartScript,
  SENTINEL_PORT,
  sentinelAddrList,
} from "./renderRedisConfig";
import { renderRedisExporterContainer } from "./renderRedisExporter";

/**
 * The official Redis image (Bitnami's moved to a legacy registry in 2025), pinned by exact tag: 7.2.11
 * fixes CVE-2025-49844 (and 7.2.8 CVE-2025-21605): redis/redis release 7.2.11, docker-library/official-images#20011.
 * No citable digest was found (official-images records commits, not digests): see README.
 */
export const REDIS_IMAGE = "redis:7.2.11-alpine";

export interface RedisSentinelArgs {
  /** Namespace (e.g. a Namespace's `metadata.name`; the rendered host names carry it). Default: `harbor`. */
  namespace?: pulumi.Input<string>;
  /** Redis nodes: one master and replicas. Default: 3. */
  replicas?: number;
  /** Sentinels. HA minimums (3 in prod) are the policy pack's rule. Default: 3. */
  sentinels?: number;
  /** Sentinels that must agree the master is down (at most `sentinels`). Default: 2. */
  quorum?: number;
  /** Master set name Harbor is given. Default: `harbor`. */
  masterSet?: string;
  /** Memory per Redis node, GiB (maxmemory is 80 % of it). Default: 2. */
  memoryGi?: number;
  /** CPU per Redis node. Default: 1. */
  cpu?: number;
  /** SSD StorageClass for the append-only files and the sentinels' state. Default: the cluster's default class. */
  storageClass?: string;
  /** Volume per Redis node, GiB. Default: 8. */
  volumeGb?: number;
  /** Volume per sentinel (its state: monitored master, epochs, peers), GiB, on `storageClass`. Default: 1. */
  sentinelVolumeGb?: number;
  /** Labels of the client pods (Harbor) that may reach Redis and the sentinels. Default: `{ app: "harbor" }` (the Harbor chart's pods). */
  clientPodSelector?: Record<string, string>;
  /** Milliseconds before a silent master is considered down. Default: 5000. */
  downAfterMs?: number;
  /** Failover timeout, ms. Default: 60000. */
  failoverTimeoutMs?: number;
  /** Where pods run. Default: anywhere. */
  placement?: Placement;
  /** Spread pods over zones with a hard constraint. Default: false (best effort). */
  requireZoneSpread?: boolean;
  /** A redis_exporter sidecar in every Redis and sentinel pod. Default: false. */
  metricsExporter?: boolean;
}

/**
 * Redis with Sentinel for Harbor's cache and job queue, on the official image with configs we render.
 *
 * Sentinels require no password (Harbor's client cannot send one, harbor#14757): a NetworkPolicy admits
 * only Harbor's pods and the set's own pods to 6379/26379 instead. Redis nodes require the password
 * from a Secret, and sentinels use it (`sentinel auth-pass`) to reach them. Each pod's start script
 * asks the sentinels for the current master first, so a restarted master rejoins as a replica.
 */
export class RedisSentinel extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.RedisSentinel;

  /** Harbor's `redis.external.addr`: `host:26379,...`. */
  readonly sentinelAddrs: pulumi.Output<string>;
  /** Harbor's `redis.external.sentinelMasterSet`. */
  readonly masterSet: pulumi.Output<string>;
  /** Secret with key `REDIS_PASSWORD` (Harbor's `redis.external.existingSecret` format). */
  readonly passwordSecretName: pulumi.Output<string>;
  /** Labels selecting this set's pods. */
  readonly podSelector: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: RedisSentinelArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("RedisSentinel", name, checkRedisSentinelArgs(name, args));
    super(RedisSentinel.__pulumiType, name, {}, opts);
    const d = redisSentinelDefaults;
    const replicas = args.replicas ?? d.replicas;
    const sentinels = args.sentinels ?? d.sentinels;
    const memoryGi = args.memoryGi ?? d.memoryGi;

    const ns = args.namespace ?? d.namespace;
    // Host names carry the namespace: the configs render once it is known (a plain string renders at once).
    const topologyIn = pulumi.output(ns).apply((n) => redisTopology(name, { ...args, namespace: n }));
    const child = { parent: this };
    const labels = standardLabels("redis", name);
    const redisSelector = { ...selectorLabels("redis", name), "harbor-ha.io/role": "redis" };
    const sentinelSelector = { ...selectorLabels("redis", name), "harbor-ha.io/role": "sentinel" };

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, child);
    const auth = new k8s.core.v1.Secret(
      `${name}-auth`,
      { metadata: { name: `${name}-auth`, namespace: ns, labels }, stringData: { REDIS_PASSWORD: password.result } },
      child,
    );

    const files = topologyIn.apply((topology) => redisFiles(name, topology, memoryGi, replicas));
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { name: `${name}-config`, namespace: ns, labels }, data: files },
      child,
    );

    const secretEnv = (envName: string) => ({
      name: envName,
      valueFrom: { secretKeyRef: { name: auth.metadata.name, key: "REDIS_PASSWORD" } },
    });
    const statefulSet = (
      role: "redis" | "sentinel",
      count: number,
      selector: Record<string, string>,
      port: number,
      resources: object,
      volumeGb: number,
    ) => {
      const setName = `${name}-${role}`;
      const service = new k8s.core.v1.Service(
        setName,
        {
          metadata: { name: setName, namespace: ns, labels },
          spec: { clusterIP: "None", publishNotReadyAddresses: true, selector, ports: [{ name: role, port }] },
        },
        child,
      );
      new k8s.apps.v1.StatefulSet(
        setName,
        {
          metadata: { name: setName, namespace: ns, labels },
          spec: {
            serviceName: service.metadata.name,
            replicas: count,
            podManagementPolicy: "Parallel",
            selector: { matchLabels: selector },
            template: {
              metadata: { labels: { ...labels, ...selector } },
              spec: {
                ...podPlacement(args.placement),
                topologySpreadConstraints: zoneSpread(
                  selector,
                  args.requireZoneSpread ?? false,
                  args.placement?.zoneTopologyKey,
                ),
                securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true },
                containers: [
                  {
                    name: role,
                    image: REDIS_IMAGE,
                    command: ["sh", "-c", 'exec sh "/config/start-$(hostname).sh"'],
                    ports: [{ name: role, containerPort: port }],
                    // The start scripts read REDIS_PASSWORD; redis-cli (probes) reads REDISCLI_AUTH, so no
                    // password is ever in a process's arguments. Sentinels require none (harbor#14757).
                    env:
                      role === "redis"
                        ? [secretEnv("REDIS_PASSWORD"), secretEnv("REDISCLI_AUTH")]
                        : [secretEnv("REDIS_PASSWORD")],
                    resources,
                    readinessProbe: {
                      exec: {
                        command: [
                          "sh",
                          "-c",
                          role === "redis"
                            ? "redis-cli --no-auth-warning ping | grep -q PONG"
                            : `redis-cli -p ${port} ping | grep -q PONG`,
                        ],
                      },
                      periodSeconds: 5,
                    },
                    livenessProbe: { tcpSocket: { port }, periodSeconds: 10, failureThreshold: 6 },
                    volumeMounts: [
                      { name: "config", mountPath: "/config" },
                      { name: "data", mountPath: "/data" },
                    ],
                  },
                  ...(args.metricsExporter
                    ? [renderRedisExporterContainer({ role, passwordSecretName: auth.metadata.name })]
                    : []),
                ],
                volumes: [{ name: "config", configMap: { name: config.metadata.name } }],
              },
            },
            // Both sets keep their state on a PersistentVolume: a Redis node its data, a sentinel the
            // master it monitors and its epochs (an emptyDir would forget them on every restart).
            volumeClaimTemplates: [
              {
                metadata: { name: "data", labels },
                spec: {
                  accessModes: ["ReadWriteOnce"],
                  ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
                  resources: { requests: { storage: `${volumeGb}Gi` } },
                },
              },
            ],
          },
        },
        child,
      );
      new k8s.policy.v1.PodDisruptionBudget(
        setName,
        {
          metadata: { name: setName, namespace: ns, labels },
          spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        },
        child,
      );
    };
    const cpu = `${args.cpu ?? d.cpu}`;
    statefulSet(
      "redis",
      replicas,
      redisSelector,
      REDIS_PORT,
      { requests: { cpu, memory: `${memoryGi}Gi` }, limits: { cpu, memory: `${memoryGi}Gi` } },
      args.volumeGb ?? d.volumeGb,
    );
    statefulSet(
      "sentinel",
      sentinels,
      sentinelSelector,
      SENTINEL_PORT,
      { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
      args.sentinelVolumeGb ?? d.sentinelVolumeGb,
    );

    const clients = args.clientPodSelector ?? { app: "harbor" };
    new k8s.networking.v1.NetworkPolicy(
      `${name}-clients`,
      {
        metadata: { name: `${name}-clients`, namespace: ns, labels },
        spec: {
          podSelector: { matchLabels: selectorLabels("redis", name) },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [
                { podSelector: { matchLabels: clients } },
                { podSelector: { matchLabels: selectorLabels("redis", name) } },
              ],
              ports: [
                { protocol: "TCP", port: REDIS_PORT },
                { protocol: "TCP", port: SENTINEL_PORT },
              ],
            },
          ],
        },
      },
      child,
    );

    this.sentinelAddrs = topologyIn.apply(sentinelAddrList);
    this.masterSet = pulumi.output(args.masterSet ?? d.masterSet);
    this.passwordSecretName = auth.metadata.name;
    this.podSelector = pulumi.output(selectorLabels("redis", name));
    this.registerOutputs({
      sentinelAddrs: this.sentinelAddrs,
      masterSet: this.masterSet,
      passwordSecretName: this.passwordSecretName,
      podSelector: this.podSelector,
    });
  }
}

/** The config files of every pod (one each: each announces its own stable DNS name), by file name. Pure. */
function redisFiles(name: string, topology: RedisTopology, memoryGi: number, replicas: number): Record<string, string> {
  const files: Record<string, string> = {};
  // The pod's command picks its file by hostname.
  topology.redis.forEach((self, i) => {
    const pod = `${name}-redis-${i}`;
    files[`${pod}.conf`] = renderRedisConf({ self, maxmemoryMb: redisMaxmemoryMb(memoryGi), replicas: replicas - 1 });
    files[`start-${pod}.sh`] = renderRedisStartScript({
      ...topology,
      source: `/config/${pod}.conf`,
      target: "/data/redis.conf",
      self,
    });
  });
  topology.sentinels.forEach((self, i) => {
    const pod = `${name}-sentinel-${i}`;
    files[`${pod}.conf`] = renderSentinelConf({ ...topology, self });
    files[`start-${pod}.sh`] = renderSentinelStartScript({
      ...topology,
      source: `/config/${pod}.conf`,
      target: "/data/sentinel.conf",
      self,
    });
  });
  return files;
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkRedisSentinelArgs(name: string, args: RedisSentinelArgs): ArgsProblem[] {
  const d = redisSentinelDefaults;
  const replicas = args.replicas ?? d.replicas;
  const sentinels = args.sentinels ?? d.sentinels;
  const quorum = args.quorum ?? d.quorum;
  const memoryGi = args.memoryGi ?? d.memoryGi;
  const check = new ArgsChecker("RedisSentinel", name);
  check.atLeast(replicas, 1, "replicas");
  check.atLeast(sentinels, 1, "sentinels");
  check.atLeast(quorum, 1, "quorum");
  check.check(
    !checkQuorum(quorum, sentinels),
    "quorum",
    checkQuorum(quorum, sentinels) ?? "",
    `set quorum to at most ${sentinels} (a majority, e.g. 2 of 3)`,
  );
  check.check(
    memoryGi >= 0.125,
    "memoryGi",
    `must be at least 0.125, got ${memoryGi}`,
    "give each Redis node at least 128 MiB",
  );
  check.check(
    /^[a-zA-Z0-9_-]+$/.test(args.masterSet ?? d.masterSet),
    "masterSet",
    `"${args.masterSet}" has characters Harbor's URL cannot carry`,
    "use letters, digits, - and _",
  );
  // An empty selector would match every pod in the namespace and open the password-less sentinels to all.
  check.check(
    args.clientPodSelector === undefined || Object.keys(args.clientPodSelector).length > 0,
    "clientPodSelector",
    "is empty, which would admit every pod in the namespace",
    'give the labels of Harbor\'s pods, e.g. { app: "harbor" }',
  );
  return check.problems;
}
