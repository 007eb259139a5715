/**
 * Every validation runs before the first child is registered: bad Args anywhere in the platform (its own, or a
 * nested tier's as the platform would pass them) give ONE error naming every problem while nothing exists yet;
 * every component on its own refuses before any child. The resources are counted as the engine registers them
 * (a stack transformation sees each one, components included), under the mock runtime.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runProgram } from "../engine";
import { InvalidArgsError } from "../components/conventions";
import { checkHarborPlatformArgs, HarborPlatform, HarborPlatformArgs } from "../components/platform";
import { checkRedisSentinelArgs, RedisSentinel } from "../components/redis";
import {
  checkFilesystemStorageArgs,
  checkNfsStorageArgs,
  checkS3StorageArgs,
  checkSsdStorageClassArgs,
  FilesystemStorage,
  NfsStorage,
  S3Storage,
  SsdStorageClass,
} from "../components/storage";
import {
  checkEnvoyGatewayArgs,
  checkHarborDnsRecordArgs,
  checkHarborGatewayArgs,
  checkNlbAccessLogBucketArgs,
  EnvoyGateway,
  HarborDnsRecord,
  HarborGateway,
  HarborGatewayRoutes,
  harborGatewayRoutesProblems,
  NlbAccessLogBucket,
} from "../components/edge";
import { checkHarborReleaseArgs, HarborRelease, HarborReleaseArgs } from "../components/harbor";
import { checkPatroniClusterArgs, PatroniCluster } from "../components/postgres";
import { checkHarborProjectsArgs, HarborProjects } from "../components/projects";
import { checkHarborOperationsArgs, HarborOperations } from "../components/harborOps";
import { checkReplicationTargetsArgs, ReplicationTargets } from "../components/replication";
import { CertManager, checkCertManagerArgs, checkHarborCertificatesArgs, HarborCertificates } from "../components/tls";
import { checkEksClusterArgs, EksCluster } from "../components/cluster";
import { checkNodePoolsArgs, NodePools } from "../components/nodepools";
import { checkClusterAddonsArgs, ClusterAddons } from "../components/addons";
import { admissionArgsProblems, AdmissionPolicies } from "../components/admission";
import { checkHarborObservabilityArgs, HarborObservability } from "../components/observability";

/** Runs `build` under the mock runtime; returns the error it threw and every resource registered before it. */
async function refused(build: () => void): Promise<{ error: InvalidArgsError; registered: string[] }> {
  const registered: string[] = [];
  try {
    await runProgram(async () => {
      pulumi.runtime.registerStackTransformation((a) => {
        registered.push(`${a.type}::${a.name}`);
        return undefined;
      });
      build();
    });
  } catch (e) {
    assert.ok(e instanceof InvalidArgsError, `an InvalidArgsError, got: ${(e as Error).stack}`);
    return { error: e, registered };
  }
  assert.fail(`expected a refusal; registered ${registered.length} resources`);
}

/** A valid platform with every nested tier present (the projects and operations need an allowlist-free edge). */
const valid: HarborPlatformArgs = {
  environment: "staging",
  externalUrl: "https://harbor.example.com",
  storage: { kind: "filesystem", capacityGb: 50 },
  harbor: { replicas: 1 },
  tls: { issuer: { mode: "self-signed" } },
  database: { kind: "patroni" },
  redis: { kind: "sentinel" },
  projects: [{ name: "library" }],
  operations: { gc: { cron: "0 0 3 * * 6" } },
};

/** One bad value per nested tier, and the platform key each must be reported under. */
const BAD_PER_TIER: { tier: string; args: Partial<HarborPlatformArgs>; path: string; words: RegExp }[] = [
  {
    tier: "RedisSentinel",
    args: { redis: { kind: "sentinel", quorum: 20 } },
    path: "redis.quorum",
    words: /20 is more than the 3 sentinels/,
  },
  {
    tier: "FilesystemStorage",
    args: { storage: { kind: "filesystem", capacityGb: 0 } },
    path: "storage.capacityGb",
    words: /must be an integer >= 1, got 0/,
  },
  { tier: "HarborGateway", args: { edge: { replicas: 0 } }, path: "edge.replicas", words: /got 0/ },
  {
    tier: "HarborGatewayRoutes (the team's Gateway)",
    args: {
      edge: { kind: "existing", gateway: { name: "shared", namespace: "gateways" }, adminAllowlist: ["10.0.0.0/8"] },
    },
    path: "edge.adminAllowlist",
    words: /SecurityPolicy/,
  },
  {
    tier: "HarborProjects",
    args: { projects: [{ name: "Not A Project!" }] },
    path: "projects[0].name",
    words: /not a valid Harbor project name/,
  },
  {
    tier: "HarborOperations",
    args: { operations: { gc: { cron: "0 0 3 * * 6", workers: 9 } } },
    path: "operations.gc.workers",
    words: /must be 1-5, got 9/,
  },
  {
    tier: "PatroniCluster",
    args: { database: { kind: "patroni", members: 3, memoryGi: 0.25 } },
    path: "database.memoryGi",
    words: /must be at least 0.5/,
  },
  {
    tier: "HarborRelease (connection budget)",
    args: {
      database: {
        kind: "existing",
        host: "db.example.com",
        database: "registry",
        user: "harbor",
        passwordSecretName: "db",
        maxConnections: 60,
      },
    },
    path: "harbor.maxOpenConns",
    words: /exceed the database's connection budget/,
  },
];

describe("every validation runs before the first child is registered", function () {
  this.timeout(120_000);

  it("the valid platform the cases start from passes every tier's check", () => {
    assert.deepEqual(checkHarborPlatformArgs("p", valid), []);
  });

  for (const c of BAD_PER_TIER)
    it(`HarborPlatform refuses a bad ${c.tier} Arg (${c.path}) before any resource`, async () => {
      const { error, registered } = await refused(() => new HarborPlatform("p", { ...valid, ...c.args }));
      assert.deepEqual(registered, [], "nothing registered, not even the platform");
      assert.equal(error.component, "HarborPlatform");
      const p = error.problems.find((x) => x.path === c.path);
      assert.ok(p, `${c.path} named; got ${error.problems.map((x) => x.path).join(", ")}`);
      assert.match(p.problem, c.words);
    });

  it("HarborPlatform names every tier's problem in one error, with nothing registered", async () => {
    // All the bad values at once (the database is ours here; the budget case needs the team's own, and the
    // team's Gateway excludes the own edge's replicas).
    const combinable = BAD_PER_TIER.filter((c) => c.path !== "harbor.maxOpenConns" && c.path !== "edge.adminAllowlist");
    const all = Object.assign({}, valid, ...combinable.map((c) => c.args));
    const { error, registered } = await refused(() => new HarborPlatform("p", all));
    assert.deepEqual(registered, []);
    const paths = error.problems.map((p) => p.path);
    for (const c of combinable) assert.ok(paths.includes(c.path), `${c.path} in ${paths.join(", ")}`);
    assert.match(error.message, /^HarborPlatform "p": \d+ invalid arguments:\n/);
    for (const line of error.message.split("\n").slice(1)) assert.match(line, /^ {2}- [^:]+: .+\. Fix: .+\.$/);
  });

  it("an argument the platform hands to several tiers is reported once, under the platform's key", () => {
    const problems = checkHarborPlatformArgs("p", { ...valid, externalUrl: "http://harbor.example.com" });
    const urls = problems.filter((p) => p.path === "externalUrl");
    assert.equal(urls.length, 1, JSON.stringify(problems, null, 1));
    assert.match(urls[0].problem, /must be https:\/\/<host>/);
  });
});

/** A nested tier's check is the one its component runs: same problems, same words. */
describe("each component refuses before any child, with the check the platform asks", function () {
  this.timeout(120_000);
  const harbor = { url: "https://harbor.example.com", password: "x" };
  const release: HarborReleaseArgs = {
    externalUrl: "https://harbor.example.com",
    database: { host: "db", user: "harbor", passwordSecretName: "db" },
    databaseConnectionBudget: 100,
    redis: { sentinelAddrs: "r:26379", masterSet: "harbor", passwordSecretName: "redis" },
    storage: { type: "s3", bucket: "b", region: "eu-west-1", encrypt: true, secretName: "s" },
    tokenServiceSecretName: "token",
    routeParentRefs: [],
  };
  const cases: { name: string; build: () => unknown; check: () => unknown[] }[] = [
    {
      name: "RedisSentinel",
      build: () => new RedisSentinel("c", { quorum: 20 }),
      check: () => checkRedisSentinelArgs("c", { quorum: 20 }),
    },
    {
      name: "FilesystemStorage",
      build: () => new FilesystemStorage("c", { capacityGb: 0 }),
      check: () => checkFilesystemStorageArgs("c", { capacityGb: 0 }),
    },
    {
      name: "S3Storage",
      build: () => new S3Storage("c", { abortIncompleteMultipartDays: 0 }),
      check: () => checkS3StorageArgs("c", { abortIncompleteMultipartDays: 0 }),
    },
    {
      name: "NfsStorage",
      build: () => new NfsStorage("c", { server: { host: "nfs", path: "relative" } }),
      check: () => checkNfsStorageArgs("c", { server: { host: "nfs", path: "relative" } }),
    },
    {
      name: "SsdStorageClass",
      build: () => new SsdStorageClass("c", { volumeType: "st1" }),
      check: () => checkSsdStorageClassArgs("c", { volumeType: "st1" }),
    },
    {
      name: "EnvoyGateway",
      build: () => new EnvoyGateway("c", { replicas: 0 }),
      check: () => checkEnvoyGatewayArgs("c", { replicas: 0 }),
    },
    {
      name: "HarborGateway (its access-log bucket's tags too)",
      build: () => new HarborGateway("c", gatewayArgs()),
      check: () => checkHarborGatewayArgs("c", gatewayArgs()),
    },
    {
      name: "NlbAccessLogBucket",
      build: () => new NlbAccessLogBucket("c", { retentionDays: 0 }),
      check: () => checkNlbAccessLogBucketArgs("c", { retentionDays: 0 }),
    },
    {
      name: "HarborDnsRecord",
      build: () => new HarborDnsRecord("c", dnsArgs),
      check: () => checkHarborDnsRecordArgs("c", dnsArgs),
    },
    {
      name: "CertManager",
      build: () => new CertManager("c", { highAvailability: true, replicas: 1 }),
      check: () => checkCertManagerArgs("c", { highAvailability: true, replicas: 1 }),
    },
    {
      name: "HarborCertificates",
      build: () => new HarborCertificates("c", { host: "Not A Host", issuer: { mode: "self-signed" } }),
      check: () => checkHarborCertificatesArgs("c", { host: "Not A Host", issuer: { mode: "self-signed" } }),
    },
    {
      name: "HarborRelease (connection budget exceeded)",
      build: () => new HarborRelease("c", release),
      check: () => checkHarborReleaseArgs("c", release),
    },
    {
      name: "PatroniCluster",
      build: () => new PatroniCluster("c", { memoryGi: 0.25 }),
      check: () => checkPatroniClusterArgs("c", { memoryGi: 0.25 }),
    },
    {
      name: "HarborProjects",
      build: () => new HarborProjects("c", { harbor, projects: [{ name: "Bad!" }] }),
      check: () => checkHarborProjectsArgs("c", { harbor, projects: [{ name: "Bad!" }] }),
    },
    {
      name: "HarborOperations",
      build: () => new HarborOperations("c", { harbor, gc: { cron: "0 0 3 * * 6", workers: 9 } }),
      check: () => checkHarborOperationsArgs("c", { harbor, gc: { cron: "0 0 3 * * 6", workers: 9 } }),
    },
    {
      name: "ReplicationTargets",
      build: () => new ReplicationTargets("c", { harbor: { ...harbor, pingAttempts: 0 }, selfUrl: "https://h" }),
      check: () => checkReplicationTargetsArgs("c", { harbor: { ...harbor, pingAttempts: 0 }, selfUrl: "https://h" }),
    },
    {
      name: "EksCluster",
      build: () => new EksCluster("c", { kubernetesVersion: "latest", zones: [] }),
      check: () => checkEksClusterArgs("c", { kubernetesVersion: "latest", zones: [] }),
    },
    {
      name: "NodePools",
      build: () => new NodePools("c", { clusterName: "k", nodeRoleArn: "arn", pools: {} }),
      check: () => checkNodePoolsArgs("c", { clusterName: "k", nodeRoleArn: "arn", pools: {} }),
    },
    {
      name: "ClusterAddons",
      build: () => new ClusterAddons("c", { clusterName: "k", loadBalancerControllerReplicas: 0 }),
      check: () => checkClusterAddonsArgs("c", { clusterName: "k", loadBalancerControllerReplicas: 0 }),
    },
    {
      name: "AdmissionPolicies",
      build: () => new AdmissionPolicies("c", { harborHost: "h", projects: ["lib"], mode: "Nope" as "Deny" }),
      check: () => admissionArgsProblems({ harborHost: "h", projects: ["lib"], mode: "Nope" as "Deny" }),
    },
    {
      name: "HarborGatewayRoutes",
      build: () => new HarborGatewayRoutes("c", teamRoutes),
      check: () => harborGatewayRoutesProblems(teamRoutes),
    },
    {
      name: "HarborObservability",
      build: () => new HarborObservability("c", observability),
      check: () => checkHarborObservabilityArgs("c", observability),
    },
  ];
  for (const c of cases)
    it(`${c.name}: nothing registered, the problems its exported check gives`, async () => {
      const expected = c.check();
      assert.ok(expected.length > 0, "the case is bad");
      const { error, registered } = await refused(() => void c.build());
      assert.deepEqual(registered, []);
      assert.deepEqual(error.problems, expected);
    });
});

function gatewayArgs() {
  return {
    namespace: "harbor",
    externalUrl: "https://harbor.example.com",
    tlsSecretName: "tls",
    coreServiceName: "harbor-core",
    accessLogs: { tags: { "aws:reserved": "x" } },
  };
}

const teamRoutes = {
  namespace: "harbor",
  externalUrl: "https://harbor.example.com",
  gateway: { name: "shared", namespace: "gateways" },
  coreServiceName: "harbor-core",
  adminAllowlist: ["10.0.0.0/8"],
};

const dnsArgs = {
  hostedZoneId: "Z0123456789EXAMPLE",
  zoneName: "example.org",
  host: "harbor.example.com",
  loadBalancerHostname: "nlb.example.com",
};

const observability = {
  namespace: "harbor",
  alertOverrides: { NoSuchAlert: {} },
  deployment: { namespace: "harbor", platform: "harbor", harbor: true, certificates: true },
  targets: {},
  ports: {},
} as unknown as ConstructorParameters<typeof HarborObservability>[1];
