/**
 * Each rule of the pack against small synthetic programs run under the engine: a prod-shaped stack
 * that passes every policy, and one change per test that breaks exactly one rule with the right
 * message (resource, measured value, threshold, fix). The components are stand-ins registered with
 * the real type tokens, so these tests don't depend on the tier components being finished.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as aws from "@pulumi/aws";
import { runProgram, evaluatePolicies, Violation, PlanGraph } from "../engine";
import { ComponentTypes } from "../components/tokens";
import { HARBOR_DATABASE_LABEL, NODE_TIER_LABEL } from "../components/conventions/labels";
import { NodePools } from "../components/nodepools";
import { allPolicies, loadStackPolicyConfig, policyConfigPath } from "../policies/policies";
import { PolicyResource, StackValidationPolicy, unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import * as os from "os";
import { INSTANCE_TYPES } from "../policies/rules/instanceTypes";
import { secretLiterals } from "../policies/rules/security";
import { renderHarborGateway } from "../components/edge/renderHarborGateway";

interface Params {
  environment: string;
  zones: string[];
  expectedDataGb?: number;
  highThroughput: boolean;
  appTypes: string[];
  dbTypes: string[];
  dbDisk: number;
  patroniReplicas: number;
  patroniVolume: string;
  patroniResources: any;
  maxConnections: number;
  sentinels: number;
  quorum: number;
  sentinelConf: boolean;
  harborReplicas: number;
  maxOpenConns: number;
  harborResources: boolean;
  harborPdb: boolean;
  spread: boolean;
  /** ClientTrafficPolicy tls.minVersion at the Gateway. */
  tlsMinVersion: string;
  /** The admin API's allowlist (empty: no admin route). */
  adminAllowlist: string[];
  storage: "s3" | "pvc";
  pvcSize: string;
  pab: boolean;
  sse: boolean;
  tlsOnlyPolicy: boolean;
  redisAddr?: string;
  dbHost?: string;
  extra?: (parent: pulumi.Resource) => void;
  harborValues?: Record<string, any>;
  cmData?: Record<string, string>;
  patroniPdb: boolean;
}

const PROD: Params = {
  environment: "prod",
  zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
  expectedDataGb: 2000,
  highThroughput: true,
  appTypes: ["m6i.2xlarge"],
  dbTypes: ["r6i.2xlarge"],
  dbDisk: 1024,
  patroniReplicas: 3,
  patroniVolume: "1024Gi",
  patroniResources: { requests: { cpu: "6", memory: "32Gi" }, limits: { cpu: "6", memory: "32Gi" } },
  maxConnections: 1230, // (core + jobservice + exporter) x (3 + 1 surge) x 100 + 23 reserved, rounded up to 10
  sentinels: 3,
  quorum: 2,
  sentinelConf: true,
  harborReplicas: 3,
  maxOpenConns: 100,
  harborResources: true,
  harborPdb: true,
  spread: true,
  tlsMinVersion: "1.2",
  adminAllowlist: ["10.0.0.0/8"],
  storage: "s3",
  pvcSize: "8000Gi",
  pab: true,
  sse: true,
  tlsOnlyPolicy: true,
  patroniPdb: true,
};

const NS = "harbor";
const zoneSpread = (sel: Record<string, string>) => [
  {
    maxSkew: 1,
    topologyKey: "topology.kubernetes.io/zone",
    whenUnsatisfiable: "DoNotSchedule",
    labelSelector: { matchLabels: sel },
  },
];

/** A stand-in component registered under a real type token; like the real ones, it registers its facts as outputs too. */
class Stub extends pulumi.ComponentResource {
  constructor(
    type: string,
    name: string,
    inputs: Record<string, unknown> = {},
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(type, name, inputs, opts);
    this.registerOutputs(inputs);
  }
}

/** The prod-shaped stack's own SSD StorageClass, which every claim names (as the platform's do). */
const SSD_CLASS = "harbor-ssd";

function statefulSet(
  name: string,
  parent: pulumi.Resource,
  p: Params,
  o: { replicas: number; tier: string; container: any; volume?: string; serviceName: string },
) {
  const sel = { app: name };
  return new k8s.apps.v1.StatefulSet(
    name,
    {
      // The platform marks Harbor's database (HARBOR_DATABASE_LABEL): Harbor's sizing applies to it.
      metadata: { name, namespace: NS, ...(o.tier === "db" ? { labels: { [HARBOR_DATABASE_LABEL]: "true" } } : {}) },
      spec: {
        serviceName: o.serviceName,
        replicas: o.replicas,
        selector: { matchLabels: sel },
        template: {
          metadata: { labels: sel },
          spec: {
            nodeSelector: { [NODE_TIER_LABEL]: o.tier },
            tolerations: [{ key: NODE_TIER_LABEL, operator: "Equal", value: o.tier, effect: "NoSchedule" }],
            ...(p.spread ? { topologySpreadConstraints: zoneSpread(sel) } : {}),
            containers: [o.container],
          },
        },
        ...(o.volume
          ? {
              volumeClaimTemplates: [
                {
                  metadata: { name: "data" },
                  spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: SSD_CLASS,
                    resources: { requests: { storage: o.volume } },
                  },
                },
              ],
            }
          : {}),
      },
    },
    { parent },
  );
}

function pdb(name: string, parent: pulumi.Resource) {
  new k8s.policy.v1.PodDisruptionBudget(
    name,
    { metadata: { name, namespace: NS }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } } },
    { parent },
  );
}

const harborRes = { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } };

function program(p: Params) {
  return async () => {
    const platform = new Stub(ComponentTypes.HarborPlatform, "harbor", {
      environment: p.environment,
      expectedDataGb: p.expectedDataGb,
      highThroughput: p.highThroughput,
      zones: p.zones,
    });
    const child = { parent: platform };
    new k8s.storage.v1.StorageClass(
      SSD_CLASS,
      {
        metadata: { name: SSD_CLASS },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true" },
        volumeBindingMode: "WaitForFirstConsumer",
      },
      child,
    );
    new NodePools(
      "pools",
      {
        clusterName: "c",
        nodeRoleArn: "arn:aws:iam::1:role/n",
        subnets: { "eu-west-1a": "s1", "eu-west-1b": "s2", "eu-west-1c": "s3" },
        pools: { app: { instanceTypes: p.appTypes }, db: { instanceTypes: p.dbTypes, diskGb: p.dbDisk } },
      },
      child,
    );

    const pg = new Stub(ComponentTypes.PatroniCluster, "db", {}, child);
    const patroniYaml = `scope: db\nbootstrap:\n  dcs:\n    postgresql:\n      parameters:\n        max_connections: ${p.maxConnections}\n        password_encryption: scram-sha-256\n`;
    new k8s.core.v1.ConfigMap(
      "db-patroni",
      {
        metadata: { name: "db-patroni", namespace: NS },
        data: {
          "patroni.yaml": patroniYaml,
          // Backups on, as the PatroniCluster renders them (harbor-database-backups).
          "dcs.json": JSON.stringify({ postgresql: { parameters: { archive_mode: "on", archive_timeout: "60s" } } }),
        },
      },
      { parent: pg },
    );
    statefulSet("db", pg, p, {
      replicas: p.patroniReplicas,
      tier: "db",
      serviceName: "db",
      volume: p.patroniVolume,
      container: {
        name: "postgres",
        image: "ghcr.io/zalando/spilo-17:4.0-p2",
        resources: p.patroniResources,
        env: [
          { name: "USE_WALG_BACKUP", value: "true" },
          { name: "WAL_S3_BUCKET", value: "harbor-db-backups" },
          { name: "BACKUP_NUM_TO_RETAIN", value: "7" },
        ],
      },
    });
    if (p.patroniPdb) pdb("db", pg);
    new k8s.core.v1.Service(
      "db-rw",
      {
        metadata: { name: "db-rw", namespace: NS },
        spec: { selector: { app: "db", "spilo-role": "master" }, ports: [{ port: 5432 }] },
      },
      { parent: pg },
    );

    const redis = new Stub(ComponentTypes.RedisSentinel, "redis", {}, child);
    const res = { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "1", memory: "4Gi" } };
    statefulSet("redis", redis, p, {
      replicas: 3,
      tier: "db",
      serviceName: "redis",
      volume: "10Gi",
      container: { name: "redis", image: "redis:7.4", resources: res },
    });
    statefulSet("redis-sentinel", redis, p, {
      replicas: p.sentinels,
      tier: "db",
      serviceName: "redis-sentinel",
      container: {
        name: "sentinel",
        image: "redis:7.4",
        command: ["redis-sentinel", "/etc/sentinel/sentinel.conf"],
        ports: [{ containerPort: 26379 }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
      },
    });
    if (p.sentinelConf)
      new k8s.core.v1.ConfigMap(
        "redis-sentinel",
        {
          metadata: { name: "redis-sentinel", namespace: NS },
          data: {
            "sentinel.conf": `port 26379\nsentinel resolve-hostnames yes\nsentinel monitor harbor redis-0.redis.harbor.svc.cluster.local 6379 ${p.quorum}\nsentinel down-after-milliseconds harbor 5000\n`,
          },
        },
        { parent: redis },
      );
    pdb("redis", redis);
    pdb("redis-sentinel", redis);

    if (p.storage === "s3") {
      const s3 = new Stub(ComponentTypes.S3Storage, "registry", {}, child);
      const bucket = new aws.s3.Bucket("registry", { bucket: "harbor-registry-prod" }, { parent: s3 });
      if (p.pab)
        new aws.s3.BucketPublicAccessBlock(
          "registry",
          {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
          },
          { parent: s3 },
        );
      if (p.sse)
        new aws.s3.BucketServerSideEncryptionConfiguration(
          "registry",
          { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] },
          { parent: s3 },
        );
      const statements = [
        {
          Sid: "AllowRegistry",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::1:user/registry" },
          Action: "s3:GetObject",
          Resource: "*",
        },
      ];
      if (p.tlsOnlyPolicy)
        statements.push({
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: "*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        } as any);
      new aws.s3.BucketPolicy(
        "registry",
        { bucket: bucket.id, policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) },
        { parent: s3 },
      );
    } else {
      const fsStore = new Stub(ComponentTypes.FilesystemStorage, "registry", {}, child);
      new k8s.core.v1.PersistentVolumeClaim(
        "registry",
        {
          metadata: { name: "registry", namespace: NS },
          spec: {
            accessModes: ["ReadWriteMany"],
            storageClassName: SSD_CLASS,
            resources: { requests: { storage: p.pvcSize } },
          },
        },
        { parent: fsStore },
      );
    }

    const edge = new Stub(ComponentTypes.HarborGateway, "edge", {}, child);
    const objects = renderHarborGateway({
      namespace: NS,
      host: "harbor.example.com",
      externalHttpsPort: 443,
      gatewayName: "harbor",
      gatewayClassName: "harbor",
      envoyProxyName: "harbor-edge",
      tlsSecretName: "harbor-tls",
      coreService: { name: "harbor-core", port: 80 },
      adminAllowlist: p.adminAllowlist,
      exposure: "nlb",
      internal: false,
      nodePorts: { https: 30443, http: 30080 },
      replicas: 2,
      zoneSpread: true,
    });
    (objects.clientTrafficPolicy.spec as any).tls.minVersion = p.tlsMinVersion;
    for (const [key, o] of Object.entries(objects))
      if (o) new k8s.apiextensions.CustomResource(`edge-${key}`, o, { parent: edge });

    const harbor = new Stub(ComponentTypes.HarborRelease, "harbor", {}, child);
    const comp = (name: string) => ({
      replicas: p.harborReplicas,
      ...(p.harborResources ? { resources: harborRes } : {}),
      ...(p.harborPdb ? { podDisruptionBudget: { enabled: true, maxUnavailable: 1 } } : {}),
      ...(p.spread ? { topologySpreadConstraints: zoneSpread({ component: name }) } : {}),
    });
    const sentinelAddr = [0, 1, 2]
      .map((i) => `redis-sentinel-${i}.redis-sentinel.${NS}.svc.cluster.local:26379`)
      .join(",");
    new k8s.helm.v3.Release(
      "harbor",
      {
        chart: "harbor",
        version: "1.19.2",
        namespace: NS,
        values: {
          externalURL: "https://harbor.example.com",
          expose: {
            type: "route",
            tls: { enabled: false },
            route: {
              parentRefs: [{ kind: "Gateway", name: "harbor", namespace: NS, sectionName: "https" }],
              hosts: ["harbor.example.com"],
            },
          },
          existingSecretSecretKey: "harbor-secretkey",
          core: {
            ...comp("core"),
            existingSecret: "harbor-core",
            existingXsrfSecret: "harbor-xsrf",
            secretName: "harbor-token",
          },
          jobservice: { ...comp("jobservice"), existingSecret: "harbor-jobservice", jobLoggers: ["database"] },
          portal: comp("portal"),
          registry: {
            ...comp("registry"),
            registry: p.harborResources ? { resources: harborRes } : {},
            controller: p.harborResources ? { resources: harborRes } : {},
            existingSecret: "harbor-registry",
            credentials: { username: "harbor_registry_user", existingSecret: "harbor-registry-htpasswd" },
          },
          trivy: comp("trivy"),
          exporter: comp("exporter"),
          metrics: { enabled: true },
          database: {
            type: "external",
            maxOpenConns: p.maxOpenConns,
            maxIdleConns: 50,
            external: {
              host: p.dbHost ?? `db-rw.${NS}.svc.cluster.local`,
              port: "5432",
              username: "harbor",
              coreDatabase: "registry",
              existingSecret: "db-harbor",
              sslmode: "require",
            },
          },
          redis: {
            type: "external",
            external: {
              addr: p.redisAddr ?? sentinelAddr,
              sentinelMasterSet: "harbor",
              coreDatabaseIndex: "0",
              existingSecret: "redis-auth",
            },
          },
          persistence: {
            enabled: true,
            persistentVolumeClaim: { trivy: { storageClass: SSD_CLASS } },
            imageChartStorage: {
              type: "s3",
              s3: { bucket: "harbor-registry-prod", region: "eu-west-1", existingSecret: "registry-s3" },
            },
          },
          ...(p.harborValues ?? {}),
        },
      },
      { parent: harbor },
    );
    if (p.cmData)
      new k8s.core.v1.ConfigMap(
        "app-config",
        { metadata: { name: "app-config", namespace: NS }, data: p.cmData },
        { parent: harbor },
      );
    // The registry allowlist staging and prod require (harbor-admission-allowlist): a denying binding.
    const admission = new Stub(
      ComponentTypes.AdmissionPolicies,
      "admission",
      { harborHost: "harbor.example.com", projects: [], extraRegistries: [], signedProjects: [] },
      child,
    );
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      "allowlist",
      { metadata: { name: "allowlist" }, spec: { validations: [{ expression: "true" }] } },
      { parent: admission },
    );
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      "allowlist",
      { metadata: { name: "allowlist" }, spec: { policyName: "allowlist", validationActions: ["Deny"] } },
      { parent: admission },
    );
    p.extra?.(platform);
    return {};
  };
}

async function violationsOf(
  over: Partial<Params>,
  config?: Record<string, unknown>,
): Promise<{ v: Violation[]; graph: PlanGraph }> {
  const graph = await runProgram(program({ ...PROD, ...over }), { stack: "test" });
  assert.deepEqual(graph.errors, [], "the synthetic stack is valid Kubernetes/secret-clean");
  return { v: await evaluatePolicies(graph, allPolicies, { config }), graph };
}

/** Exactly the violations of one policy, each naming measured value, threshold and fix. */
function only(v: Violation[], policy: string, alsoExpected: string[] = []): string[] {
  for (const e of alsoExpected)
    assert.ok(
      v.some((x) => x.policy === e),
      `${e} should fire too`,
    );
  v = v.filter((x) => !alsoExpected.includes(x.policy));
  const others = v.filter((x) => x.policy !== policy);
  assert.deepEqual(
    others.map((x) => `${x.policy}: ${x.message}`),
    [],
    `only ${policy} should fire`,
  );
  assert.ok(v.length > 0, `${policy} should fire`);
  for (const x of v) {
    assert.match(x.message, /; required: .+\. Fix: .+/, x.message);
    assert.equal(x.enforcementLevel, "mandatory");
  }
  return v.map((x) => x.message);
}

const some = (msgs: string[], ...res: RegExp[]) =>
  assert.ok(
    msgs.some((m) => res.every((r) => r.test(m))),
    `no message matches ${res.join(" & ")} in:\n${msgs.join("\n")}`,
  );

describe("policy pack: a prod-shaped stack", () => {
  it("passes every policy with the default (seed) thresholds", async () => {
    const { v } = await violationsOf({});
    assert.deepEqual(
      v.map((x) => `${x.policy}: ${x.message}`),
      [],
    );
  });

  it("every policy has a name, description, severity, remediation and config defaults", () => {
    const names = allPolicies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length, "unique names");
    for (const p of allPolicies) {
      assert.ok(p.description && p.severity && p.remediationSteps && p.enforcementLevel === "mandatory", p.name);
      for (const [k, s] of Object.entries(p.configSchema?.properties ?? {}))
        assert.ok("default" in (s as object), `${p.name}.${k} has a default`);
    }
  });
});

describe("policy pack: hardware sizing", () => {
  it("flags db nodes of m6i.xlarge (vCPU, memory) with the threshold and fix", async () => {
    // The Patroni pods (6 cores / 32 GiB) no longer fit such nodes either.
    const msgs = only((await violationsOf({ dbTypes: ["m6i.xlarge"] })).v, "harbor-node-hardware-sizing", [
      "harbor-data-pod-resources",
    ]);
    some(
      msgs,
      /NodeGroup "pools-db-eu-west-1a"/,
      /m6i\.xlarge has 4 vCPU/,
      />= 8 vCPU for db nodes/,
      /Fix: use a type with 8\+ vCPU/,
    );
    some(msgs, /m6i\.xlarge has 16 GiB memory/, />= 32 GiB/);
  });

  it("raises the per-instance memory floor to 32 GiB only on high-throughput stacks", async () => {
    const lowTp = (await violationsOf({ highThroughput: false, appTypes: ["m6i.xlarge"] })).v;
    assert.deepEqual(
      lowTp.map((x) => x.message),
      [],
      "m6i.xlarge meets app minima (4 vCPU / 16 GiB)",
    );
    const msgs = only(
      (await violationsOf({ highThroughput: true, appTypes: ["m6i.xlarge"] })).v,
      "harbor-node-hardware-sizing",
    );
    some(msgs, /pools-app/, /16 GiB memory/, />= 32 GiB \(high-throughput stack\)/);
  });

  it("flags a db root volume below the root minimum (100 GiB), measured through the launch template", async () => {
    const msgs = only((await violationsOf({ dbDisk: 50 })).v, "harbor-node-hardware-sizing");
    some(msgs, /pools-db/, /root volume \(launch template pools-db\) is 50 GiB/, />= 100 GiB SSD/, /diskGb/);
  });

  it("does not ask 1 TiB of a db node's root volume: the database's 1 TiB is the Patroni data volume", async () => {
    const { v: ok } = await violationsOf({ dbDisk: 100 });
    assert.deepEqual(
      ok.map((x) => `${x.policy}: ${x.message}`),
      [],
    );
    const { v } = await violationsOf({ patroniVolume: "500Gi" });
    assert.ok(
      v.some((x) => x.policy === "harbor-patroni-volume-size"),
      "a 500 GiB Patroni data volume is refused",
    );
  });

  it("treats an unknown instance type as a violation that says to add it", async () => {
    // Pod sizing then falls back to the configured db node size (32 GiB), which a 32 GiB pod exceeds.
    const msgs = only((await violationsOf({ dbTypes: ["x9z.mega"] })).v, "harbor-node-hardware-sizing", [
      "harbor-data-pod-resources",
    ]);
    some(msgs, /"x9z\.mega" is not in the instance table/, /add "x9z\.mega"/, /baseline\/burst bandwidth/);
    const extraInstanceTypes = { "x9z.mega": { vcpu: 16, memoryGib: 128, baselineGbit: 25 } };
    const { v } = await violationsOf(
      { dbTypes: ["x9z.mega"] },
      { "harbor-node-hardware-sizing": { extraInstanceTypes }, "harbor-data-pod-resources": { extraInstanceTypes } },
    );
    assert.deepEqual(v, [], "extraInstanceTypes config resolves it");
    // The old shape ("networkGbit", an "up to" figure) is refused, naming what is missing.
    const old = { "x9z.mega": { vcpu: 16, memoryGib: 128, networkGbit: 25 } };
    const bad = (
      await violationsOf({ dbTypes: ["x9z.mega"] }, { "harbor-node-hardware-sizing": { extraInstanceTypes: old } })
    ).v
      .filter((x) => x.policy === "harbor-node-hardware-sizing")
      .map((x) => x.message);
    some(bad, /extraInstanceTypes\["x9z\.mega"\]/, /baselineGbit/);
  });

  it("stores baseline and burst bandwidth: 'up to' types are measured by their baseline", () => {
    for (const f of ["m5", "m6i", "m6a", "m7g", "r5", "r6i", "r7g", "c5", "c6i", "c7g"]) {
      for (const s of ["large", "xlarge", "2xlarge", "4xlarge"]) assert.ok(INSTANCE_TYPES[`${f}.${s}`], `${f}.${s}`);
    }
    assert.deepEqual(INSTANCE_TYPES["r6i.2xlarge"], { vcpu: 8, memoryGib: 64, baselineGbit: 3.125, burstGbit: 12.5 });
    assert.equal(INSTANCE_TYPES["c6i.4xlarge"].memoryGib, 32);
    assert.deepEqual(INSTANCE_TYPES["m5.8xlarge"], { vcpu: 32, memoryGib: 128, baselineGbit: 10 });
    assert.deepEqual(INSTANCE_TYPES["t3.2xlarge"], {
      vcpu: 8,
      memoryGib: 32,
      baselineGbit: 2.048,
      burstGbit: 5,
      burstableCpu: true,
    });
    assert.equal(INSTANCE_TYPES["m6i.metal"], undefined, "sizes not in the table stay unknown");
    assert.equal(INSTANCE_TYPES["m7i.xlarge"], undefined, "types the pinned guide does not list stay unknown");
  });

  it("refuses burstable-CPU types for db and app nodes (t3.2xlarge db, t3.xlarge app)", async () => {
    const { v } = await violationsOf({ dbTypes: ["t3.2xlarge"], appTypes: ["t3.xlarge"], highThroughput: false });
    const msgs = v.filter((x) => x.policy === "harbor-node-hardware-sizing").map((x) => x.message);
    some(msgs, /pools-db/, /t3\.2xlarge is a burstable-CPU type/, /no burstable types for db nodes/);
    some(msgs, /pools-app/, /t3\.xlarge is a burstable-CPU type/, /no burstable types for app nodes/);
  });

  for (const [type, baseline] of [
    ["r5.large", "0.75"],
    ["m7g.medium", "0.52"],
    ["t3.medium", "0.256"],
    ["m6i.large", "0.781"],
  ])
    it(`the 1 Gbit floor is the baseline: ${type} (${baseline} Gbit, "up to" more) fails it`, async () => {
      const { v } = await violationsOf(
        { appTypes: [type], highThroughput: false },
        { "harbor-node-hardware-sizing": { appMinVcpu: 1, appMinMemoryGib: 1, minMemoryGibPerInstance: 1 } },
      );
      const msgs = v.filter((x) => x.policy === "harbor-node-hardware-sizing").map((x) => x.message);
      some(
        msgs,
        new RegExp(`${type.replace(".", "\\.")} has ${baseline.replace(".", "\\.")} Gbit baseline`),
        />= 1 Gbit sustained/,
      );
    });

  it("m6i.xlarge (1.562 Gbit baseline) meets the floor", async () => {
    const { v } = await violationsOf({ appTypes: ["m6i.xlarge"], highThroughput: false });
    assert.deepEqual(
      v.filter((x) => x.policy === "harbor-node-hardware-sizing").map((x) => x.message),
      [],
    );
  });

  it("checks EC2 instances and launch templates by their tier tags and block devices", async () => {
    const { v } = await violationsOf({
      extra: (parent) => {
        new aws.ec2.Instance(
          "bastion",
          { ami: "ami-1", instanceType: "t3.medium", rootBlockDevice: { volumeSize: 30, volumeType: "gp3" } },
          { parent },
        );
        new aws.ec2.LaunchTemplate(
          "db-extra",
          {
            instanceType: "r6i.large",
            tags: { [NODE_TIER_LABEL]: "db" },
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 40, volumeType: "gp3" } }],
          },
          { parent },
        );
      },
    });
    const msgs = only(v, "harbor-node-hardware-sizing");
    some(msgs, /Instance "bastion"/, /t3\.medium has 4 GiB memory/, />= 32 GiB/);
    some(msgs, /LaunchTemplate "db-extra" \(tier db\)/, /r6i\.large has 2 vCPU/);
    some(msgs, /LaunchTemplate "db-extra"/, /largest block device is 40 GiB/, />= 100 GiB SSD/);
  });
});

describe("policy pack: storage", () => {
  it("refuses st1 EBS volumes, sc1 StorageClasses and magnetic block devices", async () => {
    const { v } = await violationsOf({
      extra: (parent) => {
        new aws.ebs.Volume("cold", { availabilityZone: "eu-west-1a", size: 500, type: "st1" }, { parent });
        new aws.ebs.Volume("fast", { availabilityZone: "eu-west-1a", size: 500, type: "gp3" }, { parent });
        new k8s.storage.v1.StorageClass(
          "slow",
          { metadata: { name: "slow" }, provisioner: "ebs.csi.aws.com", parameters: { type: "sc1" } },
          { parent },
        );
        new k8s.storage.v1.StorageClass(
          "gp3",
          { metadata: { name: "gp3" }, provisioner: "ebs.csi.aws.com", parameters: { type: "gp3" } },
          { parent },
        );
        new k8s.storage.v1.StorageClass(
          "efs",
          { metadata: { name: "efs" }, provisioner: "efs.csi.aws.com", parameters: { provisioningMode: "efs-ap" } },
          { parent },
        );
      },
    });
    const msgs = only(v, "harbor-ssd-storage-only");
    assert.equal(msgs.length, 2, msgs.join("\n"));
    some(msgs, /Volume "cold"/, /type is "st1" \(not SSD\)/, /one of gp3, gp2, io1, io2/, /Fix: set type to gp3/);
    some(msgs, /StorageClass "slow"/, /parameters\.type is "sc1"/);
  });

  it("flags Patroni volumes below the db disk minimum; the dev config lowers it", async () => {
    const msgs = only((await violationsOf({ patroniVolume: "500Gi" })).v, "harbor-patroni-volume-size");
    some(msgs, /StatefulSet "harbor\/db"/, /500 GiB/, />= 1024 GiB/, /postgres\.volumeGb/);
    const dev = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policies", "config", "dev.json"), "utf8"));
    const { v } = await violationsOf(
      { patroniVolume: "10Gi" },
      { "harbor-patroni-volume-size": dev["harbor-patroni-volume-size"] },
    );
    assert.deepEqual(v, []);
  });

  it("flags a 500 GiB registry for 400 GB of data (needs 3x), and passes with headroom", async () => {
    const msgs = only(
      (await violationsOf({ storage: "pvc", pvcSize: "500Gi", expectedDataGb: 400 })).v,
      "harbor-registry-capacity-headroom",
    );
    some(
      msgs,
      /PersistentVolumeClaim "harbor\/registry"/,
      /500 GiB \(537 GB\) for 400 GB of expected data/,
      />= 3 x 400 GB = 1200 GB/,
      /capacityGb to at least 1118/,
    );
    assert.deepEqual((await violationsOf({ storage: "pvc", pvcSize: "1200Gi", expectedDataGb: 400 })).v, []);
    assert.deepEqual(
      (await violationsOf({ storage: "pvc", pvcSize: "5Gi", expectedDataGb: undefined })).v,
      [],
      "no expectedDataGb: nothing to check",
    );
  });
});

describe("policy pack: pod sizing", () => {
  it("flags Patroni containers without limits, and pods larger than their tier's node", async () => {
    const msgs = only(
      (await violationsOf({ patroniResources: { requests: { cpu: "2", memory: "8Gi" } } })).v,
      "harbor-data-pod-resources",
    );
    some(msgs, /StatefulSet "harbor\/db".*container "postgres"/, /limits\.cpu, limits\.memory not set/);
    const big = only(
      (
        await violationsOf({
          patroniResources: { requests: { cpu: "6", memory: "60Gi" }, limits: { cpu: "6", memory: "60Gi" } },
        })
      ).v,
      "harbor-data-pod-resources",
    );
    some(big, /pod memory requests total 60 GiB/, /<= 57\.6 GiB allocatable on a db node r6i\.2xlarge/);
  });

  it("flags Harbor components without requests and limits", async () => {
    const msgs = only((await violationsOf({ harborResources: false })).v, "harbor-pod-resources");
    for (const p of [
      "core.resources",
      "jobservice.resources",
      "portal.resources",
      "registry.registry.resources",
      "registry.controller.resources",
      "trivy.resources",
      "exporter.resources",
    ])
      some(msgs, new RegExp(`values\\.${p.replace(/\./g, "\\.")} lacks requests\\.cpu`));
  });
});

describe("policy pack: HA", () => {
  it("flags Harbor components below 2 replicas", async () => {
    const msgs = only(
      (await violationsOf({ harborReplicas: 1, harborPdb: false, harborValues: {} })).v.filter(
        (x) => x.policy !== "harbor-pod-disruption-budgets",
      ),
      "harbor-replicas",
    );
    some(msgs, /Harbor core/, /values\.core\.replicas is 1/, />= 2/, /harbor\.replicas/);
    assert.equal(msgs.length, 6, "core, jobservice, portal, registry, trivy, exporter");
  });

  it("flags 2 Patroni members", async () => {
    const msgs = only((await violationsOf({ patroniReplicas: 2 })).v, "harbor-patroni-members");
    some(msgs, /StatefulSet "harbor\/db"/, /members \(replicas\) is 2/, />= 3/, /postgres\.members to 3/);
  });

  it("flags 2 sentinels, a quorum of 1, and a quorum it cannot find", async () => {
    some(
      only(
        (
          await violationsOf({
            sentinels: 2,
            quorum: 2,
            redisAddr:
              "redis-sentinel-0.redis-sentinel.harbor.svc.cluster.local:26379,redis-sentinel-1.redis-sentinel.harbor.svc.cluster.local:26379",
          })
        ).v,
        "harbor-redis-sentinel-quorum",
      ),
      /2 sentinel\(s\)/,
      />= 3 sentinels/,
      /redis\.sentinels to 3/,
    );
    some(
      only((await violationsOf({ quorum: 1 })).v, "harbor-redis-sentinel-quorum"),
      /sentinel quorum is 1 with 3 sentinel\(s\)/,
      /sentinel\.conf/,
      /redis\.quorum to 2/,
    );
    some(only((await violationsOf({ sentinelConf: false })).v, "harbor-redis-sentinel-quorum"), /quorum not found/);
  });

  it("flags missing PDBs for Patroni and Harbor", async () => {
    const msgs = only((await violationsOf({ patroniPdb: false, harborPdb: false })).v, "harbor-pod-disruption-budgets");
    some(msgs, /StatefulSet "harbor\/db"/, /no PodDisruptionBudget selects its pods/);
    some(msgs, /Harbor core/, /podDisruptionBudget\.enabled is unset/);
  });

  it("flags missing zone spread, and a prod stack in one zone", async () => {
    const msgs = only((await violationsOf({ spread: false })).v, "harbor-zone-spread");
    some(msgs, /StatefulSet "harbor\/db"/, /topology\.kubernetes\.io\/zone/);
    some(msgs, /Harbor registry/, /topologySpreadConstraints has no topology\.kubernetes\.io\/zone/);
    some(
      only((await violationsOf({ zones: ["eu-west-1a"] })).v, "harbor-zone-spread"),
      /HarborPlatform \(prod\)/,
      /spans 1 zone/,
      />= 2 zones/,
    );
    assert.deepEqual(
      (await violationsOf({ environment: "dev", zones: [], spread: false })).v.filter(
        (x) => x.policy === "harbor-zone-spread",
      ),
      [],
      "single-zone dev: no spread required",
    );
  });
});

describe("policy pack: security", () => {
  it("flags a bucket without public access block, encryption or TLS-only policy", async () => {
    const msgs = only(
      (await violationsOf({ pab: false, sse: false, tlsOnlyPolicy: false })).v,
      "harbor-s3-bucket-security",
    );
    assert.equal(msgs.length, 3, msgs.join("\n"));
    some(msgs, /Bucket "registry"/, /no BucketPublicAccessBlock/, /all true/);
    some(msgs, /default encryption is not configured/, /aws:kms/);
    some(msgs, /denies requests without TLS/, /aws:SecureTransport/);
  });

  it("flags secret literals in ConfigMaps and Helm values, not references", async () => {
    const msgs = only(
      (
        await violationsOf({
          cmData: {
            "redis.conf": "port 6379\nrequirepass hunter2hunter2\n",
            DB_PASSWORD: "s3cr3t-value",
            SECRET_NAME: "harbor-core",
          },
          harborValues: { harborAdminPassword: "a-literal-admin-password" },
        })
      ).v,
      "harbor-no-secret-literals",
    );
    some(msgs, /ConfigMap "harbor\/app-config"/, /requirepass/);
    some(msgs, /data\.DB_PASSWORD is a literal/);
    some(msgs, /Release "harbor"/, /values\.harborAdminPassword is a literal/, /existingSecret/);
    assert.ok(!msgs.some((m) => /SECRET_NAME|existingSecret"|secretName/.test(m.split("Fix:")[0])), msgs.join("\n"));
    assert.deepEqual(
      secretLiterals(
        {
          a: {
            existingSecret: "x",
            secretName: "y",
            password: "",
            token: "${TOKEN}",
            tolerations: [{ key: "harbor-ha.io/tier" }],
          },
        },
        "values",
      ),
      [],
    );
    assert.deepEqual(
      secretLiterals({ "patroni.yaml": "password_encryption: scram-sha-256\nsecret:\n  nested: 1\n" }, "data"),
      [],
    );
  });

  it("flags TLS below 1.2 at the Gateway and a plain-http Harbor", async () => {
    const msgs = only(
      (
        await violationsOf({
          tlsMinVersion: "1.1",
          harborValues: { externalURL: "http://harbor.example.com" },
        })
      ).v,
      "harbor-edge-tls",
    );
    some(msgs, /ClientTrafficPolicy "harbor\/harbor-clients"/, /spec\.tls\.minVersion is "1\.1"/, /one of 1\.2, 1\.3/);
    some(msgs, /values\.externalURL is "http:\/\/harbor\.example\.com"/);
    // "Auto" lets Envoy pick its default: not an explicit floor.
    some(only((await violationsOf({ tlsMinVersion: "Auto" })).v, "harbor-edge-tls"), /minVersion is "Auto"/);
  });

  it("flags a Harbor pool above Postgres max_connections", async () => {
    // core, jobservice, exporter: (3 + 1 surge) x 200 each = 2400 > 1230 - 23.
    const msgs = only((await violationsOf({ maxOpenConns: 200 })).v, "harbor-db-connection-budget");
    some(
      msgs,
      /core \(3 \+ 1 surge\) x 200 \+ jobservice \(3 \+ 1 surge\) x 200 \+ exporter \(3 \+ 1 surge\) x 200 = 2400/,
      /<= max_connections 1230 - 23 reserved = 1207/,
      /ConfigMap "harbor\/db-patroni"/,
      /maxOpenConns/,
    );
  });
});

describe("policy pack: stack wiring", () => {
  it("flags Harbor pointing at Redis and Postgres hosts the stack did not create", async () => {
    const msgs = only(
      (await violationsOf({ redisAddr: "redis.other:26379", dbHost: "db.other.svc.cluster.local" })).v,
      "harbor-tier-wiring",
    );
    some(
      msgs,
      /redis\.external\.addr has "redis\.other", not a sentinel/,
      /redis-sentinel-0\.redis-sentinel\.harbor\.svc\.cluster\.local/,
    );
    some(msgs, /database\.external\.host is "db\.other\.svc\.cluster\.local"/, /db-rw\.harbor\.svc\.cluster\.local/);
  });
});

describe("policy pack: files", () => {
  const dir = path.join(__dirname, "..", "policies");
  it("has a PulumiPolicy.yaml, a package.json and an entry that only constructs the pack", () => {
    assert.match(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    assert.equal(pkg.name, "harbor-ha-policies");
    assert.equal(pkg.dependencies["@pulumi/policy"], "1.21.0");
    assert.equal(pkg.dependencies["@pulumi/pulumi"], "3.248.0");
    // The CLI loads `main`: the build of index.ts (test/policyPack.spec.ts builds and loads it).
    assert.equal(pkg.main, "dist/policies/index.js");
    const entry = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
    assert.match(entry, /new PolicyPack\("harbor-ha", \{ policies: allPolicies, enforcementLevel: "mandatory" \}\)/);
  });

  it("imports no provider SDK or component class from any policy module", () => {
    const top = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && f !== "index.ts")
      .map((f) => path.join(dir, f));
    const files = [...top, ...fs.readdirSync(path.join(dir, "rules")).map((f) => path.join(dir, "rules", f))];
    assert.ok(top.some((f) => f.endsWith("stackConfig.ts")) && files.length > 10);
    for (const f of files) {
      for (const m of fs.readFileSync(f, "utf8").matchAll(/from "([^"]+)"/g)) {
        assert.ok(
          ["@pulumi/policy", "fs", "path"].includes(m[1]) ||
            m[1].startsWith("./") ||
            /^\.\.\/(\.\.\/)?components\/facts$/.test(m[1]),
          `${path.basename(f)} imports ${m[1]}`,
        );
      }
    }
  });

  it("per-stack configs: dev advisory everywhere, staging/prod mandatory, keys known to each policy", () => {
    for (const stack of ["dev", "staging", "prod", "prod-fresh"]) {
      const cfg = JSON.parse(fs.readFileSync(path.join(dir, "config", `${stack}.json`), "utf8"));
      for (const p of allPolicies) {
        const c = cfg[p.name];
        assert.ok(c, `${stack}: ${p.name}`);
        assert.equal(c.enforcementLevel, stack === "dev" ? "advisory" : "mandatory", `${stack}: ${p.name}`);
        for (const k of Object.keys(c))
          if (k !== "enforcementLevel")
            assert.ok(k in (p.configSchema?.properties ?? {}), `${stack}: ${p.name}.${k} unknown`);
      }
      for (const k of Object.keys(cfg))
        assert.ok(
          allPolicies.some((p) => p.name === k),
          `${stack}: ${k} is no policy`,
        );
    }
    const prod = JSON.parse(fs.readFileSync(path.join(dir, "config", "prod.json"), "utf8"));
    assert.equal(prod["harbor-node-hardware-sizing"].dbMinRootVolumeGib, 100);
    assert.equal(prod["harbor-patroni-volume-size"].minVolumeGib, 1024);
    assert.equal(prod["harbor-patroni-members"].minMembers, 3);
  });

  it("the dev config turns a broken stack's violations into advisories", async () => {
    const dev = JSON.parse(fs.readFileSync(path.join(dir, "config", "dev.json"), "utf8"));
    const { v } = await violationsOf({ dbTypes: ["t3.medium"], tlsMinVersion: "1.0" }, dev);
    assert.ok(v.length > 0);
    assert.ok(v.every((x) => x.enforcementLevel === "advisory"));
  });
});

/**
 * The same graph as `pulumi preview --policy-pack` hands it to a stack policy: props behind
 * @pulumi/policy's unknown-checking proxy (reading an unknown throws), components carrying their
 * registered outputs rather than their inputs, parent/dependencies as objects.
 */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
function setPath(o: any, p: string, v: unknown) {
  const keys = p.split(".");
  let cur = o;
  for (const k of keys.slice(0, -1)) cur = cur[k] ??= {};
  cur[keys[keys.length - 1]] = v;
}
function analyzerResources(
  graph: PlanGraph,
  edit: (type: string, name: string, props: any) => any = (_t, _n, p) => p,
): PolicyResource[] {
  const rs = graph.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
  const out = rs.map((r) => {
    const props = edit(r.type, r.name, JSON.parse(JSON.stringify(r.inputs)));
    return {
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: unknownCheckingProxy(props),
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
      },
      dependencies: [],
      propertyDependencies: {},
    } as unknown as PolicyResource;
  });
  const byUrn = new Map(out.map((r) => [r.urn, r]));
  rs.forEach((r, i) => {
    if (r.parent && byUrn.has(r.parent)) (out[i] as any).parent = byUrn.get(r.parent);
    (out[i] as any).dependencies = r.dependencies.map((d) => byUrn.get(d)).filter(Boolean);
  });
  return out;
}
/**
 * Runs every stack policy as the analyzer does: violations at the policy's level, and a policy that
 * stops on an unknown value (UnknownValueError) as one advisory "can't run ... during preview" diagnostic.
 */
async function runAnalyzer(
  resources: PolicyResource[],
): Promise<{ policy: string; message: string; advisory?: boolean }[]> {
  const found: { policy: string; message: string; advisory?: boolean }[] = [];
  for (const p of allPolicies as StackValidationPolicy[]) {
    const cfg: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) cfg[k] = (s as any).default;
    try {
      await p.validateStack(
        {
          resources,
          getConfig: () => cfg,
          stackTags: new Map(),
          notApplicable: () => {
            throw new Error("n/a");
          },
        } as any,
        (message: string) => void found.push({ policy: p.name, message }),
      );
    } catch (e) {
      if (!(e instanceof UnknownValueError)) throw e;
      found.push({ policy: p.name, message: (e as Error).message, advisory: true });
    }
  }
  return found;
}
/** The violations of the policies' own level (not the "cannot check until apply" advisories). */
async function runStackPolicies(resources: PolicyResource[]): Promise<{ policy: string; message: string }[]> {
  return (await runAnalyzer(resources)).filter((f) => !f.advisory);
}

describe("policy pack under pulumi preview's analyzer (proxied props, unknowns, component outputs)", () => {
  it("keeps every policy running when ids, ARNs and the bucket policy are unknown during preview", async () => {
    const { graph } = await violationsOf({});
    const resources = analyzerResources(graph, (type, _name, props) => {
      if (type === "aws:s3/bucketPolicy:BucketPolicy") props.policy = UNKNOWN;
      if (type.startsWith("aws:s3/bucket") && type !== "aws:s3/bucket:Bucket") props.bucket = UNKNOWN;
      if (type === "aws:eks/nodeGroup:NodeGroup") props.launchTemplate.id = UNKNOWN;
      if (type === "kubernetes:helm.sh/v3:Release" && props.chart === "harbor")
        setPath(props, "values.persistence.imageChartStorage.s3.bucket", UNKNOWN);
      return props;
    });
    const bp = resources.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy")!;
    assert.throws(
      () => (bp.props as any).policy,
      /can't be known during preview/,
      "the harness reproduces the analyzer's proxy",
    );
    const found = await runAnalyzer(resources);
    // Nothing at the policies' level; what cannot be judged yet is said, as an advisory, never skipped.
    assert.deepEqual(
      found.filter((f) => !f.advisory),
      [],
    );
    assert.deepEqual(
      found.map((f) => f.policy),
      ["harbor-s3-bucket-security"],
    );
    assert.match(found[0].message, /^cannot check until apply: BucketPolicy "registry" policy document/);
  });

  it("says 'cannot check until apply' where a first preview hides its inputs, never reading defaults", async () => {
    // Harbor's values built in one apply with a computed ARN; the sentinel and Patroni configs computed too.
    const { graph } = await violationsOf({});
    const resources = analyzerResources(graph, (type, name, props) => {
      if (type === "kubernetes:helm.sh/v3:Release" && props.chart === "harbor") props.values = UNKNOWN;
      if (type === "kubernetes:core/v1:ConfigMap" && name !== "app-config") props.data = UNKNOWN;
      return props;
    });
    const found = await runAnalyzer(resources);
    assert.deepEqual(
      found.filter((f) => !f.advisory),
      [],
      "no violation read from the chart's defaults",
    );
    const deferred = new Map(found.map((f) => [f.policy, f.message]));
    for (const policy of [
      "harbor-replicas",
      "harbor-pod-disruption-budgets",
      "harbor-zone-spread",
      "harbor-pod-resources",
      "harbor-db-connection-budget",
      "harbor-tier-wiring",
      "harbor-edge-tls",
      "harbor-no-secret-literals",
    ])
      assert.match(
        deferred.get(policy) ?? "",
        /^cannot check until apply: (.*; )?Release "harbor" Helm values/,
        `${policy}: ${JSON.stringify(found)}`,
      );
    assert.match(deferred.get("harbor-redis-sentinel-quorum") ?? "", /^cannot check until apply: sentinel quorum of/);
    // The same graph with those values known: the same policies pass, nothing is deferred.
    assert.deepEqual(await runAnalyzer(analyzerResources(graph)), []);
  });

  it("still measures known values and flags a computed password in Helm values", async () => {
    const { graph } = await violationsOf({ dbTypes: ["m6i.xlarge"] });
    const resources = analyzerResources(graph, (type, _name, props) => {
      if (type === "aws:eks/nodeGroup:NodeGroup") props.launchTemplate.id = UNKNOWN;
      if (type === "kubernetes:helm.sh/v3:Release" && props.chart === "harbor")
        props.values.database.external.password = UNKNOWN;
      return props;
    });
    const found = await runStackPolicies(resources);
    assert.ok(
      found.some((f) => f.policy === "harbor-node-hardware-sizing" && /m6i\.xlarge has 4 vCPU/.test(f.message)),
      JSON.stringify(found),
    );
    assert.ok(
      found.some(
        (f) =>
          f.policy === "harbor-no-secret-literals" &&
          /values\.database\.external\.password is a computed value/.test(f.message) &&
          /Fix: /.test(f.message),
      ),
      JSON.stringify(found),
    );
  });

  it("harbor-platform-facts fails when HarborPlatform's registered outputs lack the facts the analyzer reads", async () => {
    const { graph } = await violationsOf({});
    // AnalyzeStack gives a component its registered outputs: here, outputs without the facts.
    const found = await runStackPolicies(
      analyzerResources(graph, (type, _n, props) =>
        type === ComponentTypes.HarborPlatform
          ? { namespace: "harbor", externalUrl: "https://harbor.example.com" }
          : props,
      ),
    );
    const msgs = found.filter((f) => f.policy === "harbor-platform-facts").map((f) => f.message);
    assert.equal(msgs.length, 1, JSON.stringify(found));
    some(
      msgs,
      /HarborPlatform "harbor"/,
      /environment \(string\), highThroughput \(boolean\), zones \(string\[\]\) not readable/,
      /has: namespace, externalUrl/,
      /registerOutputs/,
    );
    // Outputs that carry the facts (as inputs do offline) pass.
    const ok = await runStackPolicies(
      analyzerResources(graph, (type, _n, props) =>
        type === ComponentTypes.HarborPlatform ? { ...props, namespace: "harbor" } : props,
      ),
    );
    assert.deepEqual(ok, []);
  });
});

describe("policy pack: per-stack config loader", () => {
  const tmp = (doc: unknown) => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-pcfg-")), "cfg.json");
    fs.writeFileSync(f, typeof doc === "string" ? doc : JSON.stringify(doc));
    return f;
  };

  it("loads dev, staging and prod from policies/config, and nothing for a stack without a file", () => {
    for (const stack of ["dev", "staging", "prod"]) {
      const cfg = loadStackPolicyConfig(stack)!;
      assert.equal(policyConfigPath(stack), path.join(__dirname, "..", "policies", "config", `${stack}.json`));
      assert.equal((cfg["harbor-patroni-members"] as any).enforcementLevel, stack === "dev" ? "advisory" : "mandatory");
    }
    assert.equal(loadStackPolicyConfig("no-such-stack"), undefined);
    assert.throws(() => loadStackPolicyConfig("prod", "/nonexistent/cfg.json"), /does not exist/);
  });

  it("refuses unknown policies, unknown settings, wrong types and levels, naming each", () => {
    const f = tmp({
      "harbor-patroni-member": "mandatory",
      "harbor-patroni-members": { minMember: 3 },
      "harbor-replicas": { minReplicas: "2" },
      "harbor-edge-tls": "strict",
      "harbor-zone-spread": { enforcementLevel: "advisory", zoneEnvironments: ["prod"] },
    });
    assert.throws(
      () => loadStackPolicyConfig("prod", f),
      (e: Error) => {
        for (const re of [
          /"harbor-patroni-member" is not a policy/,
          /harbor-patroni-members\.minMember is not a setting of the policy \(settings: minMembers\)\. Fix: did you mean "minMembers"\?/,
          /"harbor-patroni-member" is not a policy of the pack \(known: [^)]*\)\. Fix: did you mean "harbor-patroni-members"\?/,
          /harbor-replicas\.minReplicas: "2" does not match/,
          /harbor-edge-tls: level "strict"/,
        ])
          assert.match(e.message, re);
        assert.doesNotMatch(e.message, /- harbor-zone-spread/, "a valid entry is not reported");
        return true;
      },
    );
    assert.throws(() => loadStackPolicyConfig("prod", tmp("{ not json")), /not valid JSON/);
  });

  it("the loaded dev config makes a broken stack advisory under evaluatePolicies", async () => {
    const { graph } = await violationsOf({});
    const graphBroken = await runProgram(program({ ...PROD, patroniReplicas: 2 }), { stack: "test" });
    assert.deepEqual(await evaluatePolicies(graph, allPolicies, { config: loadStackPolicyConfig("prod") }), []);
    const dev = await evaluatePolicies(graphBroken, allPolicies, { config: loadStackPolicyConfig("dev") });
    assert.deepEqual(dev, [], "dev allows 1+ members");
    const prod = await evaluatePolicies(graphBroken, allPolicies, { config: loadStackPolicyConfig("prod") });
    assert.deepEqual(
      prod.map((v) => [v.policy, v.enforcementLevel]),
      [["harbor-patroni-members", "mandatory"]],
    );
  });
});
