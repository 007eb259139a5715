/**
 * A corpus of bad stack configs, derived from the committed dev and prod stack files, each run through
 * the function `harbor-ha plan` runs (`plan()` of cli/plan.ts): each must be refused as an input error,
 * before any resource (the program's first step reads the config), with one message naming the stack,
 * the full key, what is wrong and the fix, and no stack trace. A second table holds plausible configs
 * that are valid on purpose, so that the checks do not refuse too much.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { isInputError, plan } from "../cli/plan";

const ROOT = path.join(__dirname, "..");
const stackDoc = (stack: string) =>
  parse(fs.readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8")) as { config: Cfg };
type Cfg = Record<string, any>;

interface BadCase {
  name: string;
  base: "dev" | "prod";
  /** Changes the base stack's `config:` map. */
  edit: (c: Cfg) => void;
  /** The full key the message must name, and a fragment of what is wrong or of the fix. */
  key: string;
  fix: string | RegExp;
}

const prodEndpoint = (c: Cfg) => c["harbor-ha:replication"].endpoints[0];

const BAD: BadCase[] = [
  // The issue's 22 accepted cases, and its message texts.
  {
    name: "StorageClass not a Kubernetes name (GP3_Fast)",
    base: "prod",
    edit: (c) => (c["harbor-ha:postgres"].storageClass = "GP3_Fast"),
    key: "harbor-ha:postgres.storageClass",
    fix: 'e.g. "gp3-fast"',
  },
  {
    name: "StorageClass with a space (Local Path)",
    base: "dev",
    edit: (c) => (c["harbor-ha:storage"].storageClass = "Local Path"),
    key: "harbor-ha:storage.storageClass",
    fix: "not a Kubernetes object name",
  },
  {
    name: "invalid S3 bucket name",
    base: "prod",
    edit: (c) => (c["harbor-ha:storage"].bucketName = "My_Bucket!"),
    key: "harbor-ha:storage.bucketName",
    fix: "3-63 lowercase letters",
  },
  {
    name: "bucket name formatted as an IP address",
    base: "prod",
    edit: (c) => (c["harbor-ha:storage"].bucketName = "192.168.5.4"),
    key: "harbor-ha:storage.bucketName",
    fix: "IP address",
  },
  {
    name: "bucket name with a reserved suffix",
    base: "prod",
    edit: (c) => (c["harbor-ha:storage"].bucketName = "registry-s3alias"),
    key: "harbor-ha:storage.bucketName",
    fix: '"-s3alias"',
  },
  {
    name: "nodeRoleArn: arn:garbage",
    base: "prod",
    edit: (c) => (c["harbor-ha:cluster"].nodeRoleArn = "arn:garbage"),
    key: "harbor-ha:cluster.nodeRoleArn",
    fix: "copy the IAM role's ARN",
  },
  {
    name: "nodeRoleArn of another service",
    base: "prod",
    edit: (c) => (c["harbor-ha:cluster"].nodeRoleArn = "arn:aws:s3:::harbor-prod-nodes"),
    key: "harbor-ha:cluster.nodeRoleArn",
    fix: '"s3" service',
  },
  {
    name: "nodeRoleArn in an unknown partition",
    base: "prod",
    edit: (c) => (c["harbor-ha:cluster"].nodeRoleArn = "arn:azure:iam::123456789012:role/x"),
    key: "harbor-ha:cluster.nodeRoleArn",
    fix: 'partition "azure"',
  },
  {
    name: "nodeRoleArn with a short account",
    base: "prod",
    edit: (c) => (c["harbor-ha:cluster"].nodeRoleArn = "arn:aws:iam::1234:role/x"),
    key: "harbor-ha:cluster.nodeRoleArn",
    fix: "12-digit AWS account ID",
  },
  {
    name: "nodeRoleArn naming a user, not a role",
    base: "prod",
    edit: (c) => (c["harbor-ha:cluster"].nodeRoleArn = "arn:aws:iam::123456789012:user/harbor"),
    key: "harbor-ha:cluster.nodeRoleArn",
    fix: "not role/<name>",
  },
  {
    name: "oidcProviderArn with a region",
    base: "prod",
    edit: (c) =>
      (c["harbor-ha:cluster"].oidcProviderArn = "arn:aws:iam:eu-west-1:123456789012:oidc-provider/oidc.example.com"),
    key: "harbor-ha:cluster.oidcProviderArn",
    fix: "IAM ARNs have none",
  },
  {
    name: "http:// ACME server",
    base: "prod",
    edit: (c) => (c["harbor-ha:tls"].acmeServer = "http://acme.example.com/directory"),
    key: "harbor-ha:tls.acmeServer",
    fix: "use https://",
  },
  {
    name: "a 1 EB Postgres volume",
    base: "prod",
    edit: (c) => (c["harbor-ha:postgres"].volumeGb = 1073741824),
    key: "harbor-ha:postgres.volumeGb",
    fix: "at most 65536",
  },
  {
    name: "a 1 EB node root volume",
    base: "prod",
    edit: (c) => (c["harbor-ha:nodePools"].db.diskGb = 1073741824),
    key: "harbor-ha:nodePools.db.diskGb",
    fix: "at most 65536",
  },
  {
    name: "expected data of 1 EB",
    base: "prod",
    edit: (c) => (c["harbor-ha:expectedDataGb"] = 1073741824),
    key: "harbor-ha:expectedDataGb",
    fix: "unit mistake",
  },
  {
    name: "zones: [a, a, a]",
    base: "prod",
    edit: (c) => (c["harbor-ha:zones"] = ["eu-west-1a", "eu-west-1a", "eu-west-1a"]),
    key: "harbor-ha:zones",
    fix: "list each zone once",
  },
  {
    name: "replication endpoint URL ending in /api/v2.0",
    base: "prod",
    edit: (c) => (prodEndpoint(c).url = "https://harbor.dr.example.com/api/v2.0"),
    key: "harbor-ha:replication.endpoints[0].url",
    fix: 'remove "/api/v2.0"',
  },
  {
    name: "peer flow URL ending in /api/v2.0/",
    base: "prod",
    edit: (c) =>
      (c["harbor-ha:replication"].peerFlows = [
        { from: "https://a.example.com/api/v2.0/", to: "https://b.example.com", policy: "p" },
      ]),
    key: "harbor-ha:replication.peerFlows[0].from",
    fix: "/api/v2.0",
  },
  {
    name: "a bare key (replicas: 3)",
    base: "prod",
    edit: (c) => (c.replicas = 3),
    key: "replicas",
    fix: 'did you mean "harbor-ha:redis.replicas" or "harbor-ha:harbor.replicas"',
  },
  {
    name: "a misspelt namespace (harbour-ha:)",
    base: "prod",
    edit: (c) => (c["harbour-ha:harbor"] = { replicas: 3 }),
    key: "harbour-ha:harbor",
    fix: 'did you mean "harbor-ha:harbor"',
  },
  {
    name: "an unknown namespace",
    base: "dev",
    edit: (c) => (c["gcp:project"] = "x"),
    key: "gcp:project",
    fix: "remove it",
  },
  {
    name: "replicas 0 told 'greater than 0', not 'at least 0'",
    base: "prod",
    edit: (c) => (c["harbor-ha:harbor"].replicas = 0),
    key: "harbor-ha:harbor.replicas",
    fix: "set harbor-ha:harbor.replicas to greater than 0",
  },
  {
    name: "externalUrl with a path",
    base: "prod",
    edit: (c) => (c["harbor-ha:externalUrl"] = "https://harbor.example.com/registry"),
    key: "harbor-ha:externalUrl",
    fix: "served at the root of its host. Fix: set it to https://harbor.example.com",
  },
  {
    name: "externalUrl with a port",
    base: "prod",
    edit: (c) => (c["harbor-ha:externalUrl"] = "https://harbor.example.com:8443"),
    key: "harbor-ha:externalUrl",
    fix: "names port 8443, but the load balancer listens on 443. Fix: drop the port",
  },
  {
    name: "externalUrl over http",
    base: "prod",
    edit: (c) => (c["harbor-ha:externalUrl"] = "http://harbor.example.com"),
    key: "harbor-ha:externalUrl",
    fix: "use https://",
  },
  {
    name: "externalUrl without a scheme",
    base: "prod",
    edit: (c) => (c["harbor-ha:externalUrl"] = "harbor.example.com"),
    key: "harbor-ha:externalUrl",
    fix: "is not a URL. Fix: write it in full",
  },
  // Plausible mistakes a user makes.
  {
    name: "negative replicas",
    base: "prod",
    edit: (c) => (c["harbor-ha:redis"].replicas = -1),
    key: "harbor-ha:redis.replicas",
    fix: "greater than 0",
  },
  {
    name: "fractional members",
    base: "prod",
    edit: (c) => (c["harbor-ha:postgres"].members = 2.5),
    key: "harbor-ha:postgres.members",
    fix: "expected a whole number, got number 2.5",
  },
  {
    name: "replicas as a string",
    base: "prod",
    edit: (c) => (c["harbor-ha:harbor"].replicas = "three"),
    key: "harbor-ha:harbor.replicas",
    fix: "expected a number",
  },
  {
    name: "zero memory",
    base: "prod",
    edit: (c) => (c["harbor-ha:redis"].memoryGi = 0),
    key: "harbor-ha:redis.memoryGi",
    fix: "greater than 0",
  },
  {
    name: "cpu as a string",
    base: "prod",
    edit: (c) => (c["harbor-ha:postgres"].cpu = "4 cores"),
    key: "harbor-ha:postgres.cpu",
    fix: "to a number",
  },
  {
    name: "empty namespace",
    base: "dev",
    edit: (c) => (c["harbor-ha:namespace"] = ""),
    key: "harbor-ha:namespace",
    fix: "DNS label",
  },
  {
    name: "uppercase namespace",
    base: "dev",
    edit: (c) => (c["harbor-ha:namespace"] = "Harbor"),
    key: "harbor-ha:namespace",
    fix: "DNS label",
  },
  {
    name: "empty externalUrl",
    base: "dev",
    edit: (c) => (c["harbor-ha:externalUrl"] = ""),
    key: "harbor-ha:externalUrl",
    fix: "is not a URL",
  },
  {
    name: "unknown environment",
    base: "prod",
    edit: (c) => (c["harbor-ha:environment"] = "production"),
    key: "harbor-ha:environment",
    fix: 'one of "dev", "staging", "prod"',
  },
  {
    name: "unknown TLS mode",
    base: "prod",
    edit: (c) => (c["harbor-ha:tls"].mode = "letsencrypt"),
    key: "harbor-ha:tls.mode",
    fix: '"acme-http01", "acme-dns01", "self-signed"',
  },
  {
    name: "unknown storage type",
    base: "prod",
    edit: (c) => (c["harbor-ha:storage"].type = "s4"),
    key: "harbor-ha:storage.type",
    fix: '"s3", "s3-compatible"',
  },
  {
    name: "unknown edge exposure",
    base: "prod",
    edit: (c) => (c["harbor-ha:edge"].exposure = "ingress"),
    key: "harbor-ha:edge.exposure",
    fix: '"nlb", "loadBalancer", "nodePort"',
  },
  {
    name: "quorum above sentinels",
    base: "prod",
    edit: (c) => (c["harbor-ha:redis"].quorum = 4),
    key: "harbor-ha:redis.quorum",
    fix: "at most 3",
  },
  {
    name: "minSize above desiredSize",
    base: "prod",
    edit: (c) => (c["harbor-ha:nodePools"].app.minSize = 5),
    key: "harbor-ha:nodePools.app",
    fix: "minSize <= desiredSize <= maxSize",
  },
  {
    name: "empty instance type list",
    base: "prod",
    edit: (c) => (c["harbor-ha:nodePools"].db.instanceTypes = []),
    key: "harbor-ha:nodePools.db.instanceTypes",
    fix: "at least 1 entries",
  },
  {
    name: "CIDR with a /33 prefix",
    base: "prod",
    edit: (c) => (c["harbor-ha:edge"].adminAllowlist = ["10.0.0.0/33"]),
    key: "harbor-ha:edge.adminAllowlist[0]",
    fix: "IPv4 CIDR",
  },
  {
    name: "CIDR with an octet above 255",
    base: "prod",
    edit: (c) => (c["harbor-ha:edge"].adminAllowlist = ["300.0.0.0/8"]),
    key: "harbor-ha:edge.adminAllowlist[0]",
    fix: "IPv4 CIDR",
  },
  {
    name: "allowlist as a string, not a list",
    base: "prod",
    edit: (c) => (c["harbor-ha:edge"].adminAllowlist = "10.0.0.0/8"),
    key: "harbor-ha:edge.adminAllowlist",
    fix: "expected a list, got string",
  },
  {
    name: "ACME e-mail that is not one",
    base: "prod",
    edit: (c) => (c["harbor-ha:tls"].email = "platform-team"),
    key: "harbor-ha:tls.email",
    fix: "harbor-ha:tls.email",
  },
  {
    name: "acme without e-mail",
    base: "prod",
    edit: (c) => delete c["harbor-ha:tls"].email,
    key: "harbor-ha:tls.email",
    fix: "ACME account's e-mail",
  },
  {
    name: "highThroughput as a word",
    base: "prod",
    edit: (c) => (c["harbor-ha:highThroughput"] = "yes"),
    key: "harbor-ha:highThroughput",
    fix: "to a boolean",
  },
  {
    name: "misspelt nested key",
    base: "prod",
    edit: (c) => (c["harbor-ha:postgres"].memberz = 3),
    key: "harbor-ha:postgres.memberz",
    fix: 'did you mean "members"',
  },
  {
    name: "S3 in dev",
    base: "dev",
    edit: (c) => (c["harbor-ha:storage"] = { type: "s3" }),
    key: "harbor-ha:storage.type",
    fix: 'use "filesystem"',
  },
  {
    name: "filesystem storage with 3 Harbor replicas",
    base: "dev",
    edit: (c) => (c["harbor-ha:harbor"].replicas = 3),
    key: "harbor-ha:storage.type",
    fix: "ReadWriteOnce",
  },
  // Issue 13: the cluster the stack creates or names, and its add-ons.
  {
    name: "unknown add-on name",
    base: "prod",
    edit: (c) => (c["harbor-ha:cluster"].addons = { "aws-ebs-csi-drivers": { enabled: false } }),
    key: "harbor-ha:cluster.addons.aws-ebs-csi-drivers",
    fix: 'did you mean "aws-ebs-csi-driver"',
  },
  {
    name: "a zone outside the stack's region",
    base: "prod",
    edit: (c) => (c["harbor-ha:zones"] = ["eu-west-1a", "eu-west-1b", "us-east-1c"]),
    key: "harbor-ha:zones",
    fix: '"us-east-1c" is not a zone of the stack\'s region eu-west-1',
  },
  {
    name: "cluster.create together with an existing cluster's name",
    base: "prod",
    edit: (c) => (c["harbor-ha:cluster"].create = { kubernetesVersion: "1.35" }),
    key: "harbor-ha:cluster.create",
    fix: "harbor-ha:cluster.name, harbor-ha:cluster.nodeRoleArn",
  },
  {
    name: "cluster.create with a Kubernetes version that is not 1.<minor>",
    base: "prod",
    edit: (c) => {
      c["harbor-ha:cluster"] = { create: { kubernetesVersion: "v1.35.0" } };
    },
    key: "harbor-ha:cluster.create.kubernetesVersion",
    fix: '"1.<minor>"',
  },
  {
    name: "unknown network policy enforcer",
    base: "prod",
    edit: (c) => (c["harbor-ha:cluster"].networkPolicyEnforcement = "weave"),
    key: "harbor-ha:cluster.networkPolicyEnforcement",
    fix: '"calico"',
  },
  {
    name: "IRSA add-ons on an existing cluster without its OIDC provider",
    base: "prod",
    edit: (c) => {
      delete c["harbor-ha:cluster"].oidcProviderArn;
      delete c["harbor-ha:cluster"].oidcIssuerUrl;
      c["harbor-ha:cluster"].addons = {
        "aws-ebs-csi-driver": { enabled: true },
        "aws-load-balancer-controller": { enabled: true },
      };
      c["harbor-ha:tls"] = { mode: "acme-http01", email: "ops@example.com" };
      // Backups' IRSA role needs the provider too (its own case); here only the add-ons are asked about.
      c["harbor-ha:backups"] = { enabled: false };
    },
    key: "harbor-ha:cluster.oidcProviderArn",
    fix: "aws-ebs-csi-driver, aws-load-balancer-controller",
  },
  {
    name: "node pools without a cluster",
    base: "prod",
    edit: (c) => delete c["harbor-ha:cluster"],
    key: "harbor-ha:cluster",
    fix: "{ name, nodeRoleArn, subnets }",
  },
  {
    name: "NFS path not absolute",
    base: "prod",
    edit: (c) =>
      (c["harbor-ha:storage"] = { type: "nfs", server: "nfs.example.com", path: "exports", capacityGb: 100 }),
    key: "harbor-ha:storage.path",
    fix: "harbor-ha:storage.path",
  },
  {
    name: "s3-compatible endpoint over http",
    base: "prod",
    edit: (c) =>
      (c["harbor-ha:storage"] = {
        type: "s3-compatible",
        bucketName: "registry",
        region: "us-east-1",
        regionEndpoint: "http://minio.example.com",
        credentialsSecretName: "minio-keys",
      }),
    key: "harbor-ha:storage.regionEndpoint",
    fix: "use https://",
  },
  {
    name: "EFS capacity of 0",
    base: "prod",
    edit: (c) =>
      (c["harbor-ha:storage"] = {
        type: "efs",
        vpcId: "vpc-1",
        subnets: { "eu-west-1a": "subnet-1" },
        allowedCidrs: ["10.0.0.0/16"],
        capacityGb: 0,
      }),
    key: "harbor-ha:storage.capacityGb",
    fix: "greater than 0",
  },
  {
    name: "replication policy with an unknown direction",
    base: "prod",
    edit: (c) => (c["harbor-ha:replication"].policies[0].direction = "both"),
    key: "harbor-ha:replication.policies[0].direction",
    fix: '"push", "pull"',
  },
  {
    name: "replication endpoint of an unknown adapter type",
    base: "prod",
    edit: (c) => (prodEndpoint(c).type = "nexus"),
    key: "harbor-ha:replication.endpoints[0].type",
    fix: "one of",
  },
  {
    name: "project severity not a Harbor level",
    base: "prod",
    edit: (c) => (c["harbor-ha:projects"][0].severity = "severe"),
    key: "harbor-ha:projects[0].severity",
    fix: '"none", "low", "medium", "high", "critical"',
  },
  {
    name: "a huge maxOpenConns (max_connections beyond what PostgreSQL accepts)",
    base: "prod",
    edit: (c) => (c["harbor-ha:harbor"].maxOpenConns = 1000000),
    key: "harbor-ha:harbor.maxOpenConns",
    fix: "above PostgreSQL's limit of 262143",
  },
  {
    name: "maxIdleConns above maxOpenConns",
    base: "prod",
    edit: (c) => (c["harbor-ha:harbor"].maxIdleConns = 500),
    key: "harbor-ha:harbor.maxIdleConns",
    fix: "set it to at most 100",
  },
  {
    name: "operator CIDR outside the admin allowlist (replication would lock the stack out)",
    base: "prod",
    edit: (c) => (c["harbor-ha:edge"].operatorCidrs = ["192.0.2.0/24"]),
    key: "harbor-ha:edge.operatorCidrs",
    fix: "outside adminAllowlist",
  },
  {
    name: "a private admin allowlist on an internet-facing NLB (clients arrive through NAT)",
    base: "prod",
    edit: (c) =>
      Object.assign(c["harbor-ha:edge"], { adminAllowlist: ["10.0.0.0/8"], operatorCidrs: ["10.0.64.0/20"] }),
    key: "harbor-ha:edge.adminAllowlist",
    fix: "or set internal: true",
  },
  {
    name: "dev externalUrl port is not the HTTPS NodePort",
    base: "dev",
    edit: (c) => (c["harbor-ha:externalUrl"] = "https://harbor.127.0.0.1.nip.io:8443"),
    key: "harbor-ha:externalUrl",
    fix: "the HTTPS NodePort 30443",
  },
  {
    name: "the config key is a list",
    base: "prod",
    edit: (c) => (c["harbor-ha:postgres"] = [1, 2]),
    key: "harbor-ha:postgres",
    fix: "expected a map, got a list",
  },
  {
    // The controller would ask IMDS for its VPC, which the nodes' hop limit 1 keeps from pods.
    name: "load balancer controller (on by default) on an existing cluster without its VPC id",
    base: "prod",
    edit: (c) => delete c["harbor-ha:cluster"].vpcId,
    key: "harbor-ha:cluster.vpcId",
    fix: "aws-load-balancer-controller.enabled: false",
  },
];

function writeStack(dir: string, base: string, edit: (c: Cfg) => void): string {
  const doc = stackDoc(base);
  edit(doc.config);
  const file = path.join(dir, `${base}-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, stringify(doc));
  return file;
}

async function refusal(stack: string, file: string): Promise<Error> {
  try {
    await plan(stack, { configFile: file });
  } catch (e) {
    return e as Error;
  }
  assert.fail(`stack "${stack}" (${file}) was planned; it should have been refused`);
}

function assertOneClearMessage(e: Error, stack: string, key: string, fix: string | RegExp) {
  assert.ok(isInputError(e), `an input error (exit 1, message only), got ${e.name}: ${e.stack}`);
  assert.ok(["StackConfigError", "StackFileError"].includes(e.name), `refused before any resource, got ${e.name}`);
  assert.ok(e.message.startsWith(`stack "${stack}"`), e.message);
  assert.doesNotMatch(e.message, /\n\s+at /, "no stack trace");
  const line = e.message.split("\n").find((l) => l.startsWith(`  - ${key}:`) || l.includes(`${key}`));
  assert.ok(line, `no line names ${key}:\n${e.message}`);
  if (typeof fix === "string") assert.ok(line.includes(fix), `"${fix}" not in: ${line}\n${e.message}`);
  else assert.match(line, fix);
  assert.match(line, /Fix: /, `the line says how to fix it: ${line}`);
}

describe("bad stack configs", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-bad-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const c of BAD) {
    it(`refuses: ${c.name}`, async () => {
      const e = await refusal(c.base, writeStack(dir, c.base, c.edit));
      assertOneClearMessage(e, c.base, c.key, c.fix);
    });
  }

  it("reports all problems at once, one line each", async () => {
    const e = await refusal(
      "prod",
      writeStack(dir, "prod", (c) => {
        for (const bad of BAD.filter((b) => b.base === "prod").slice(0, 20)) bad.edit(c);
      }),
    );
    const lines = e.message.split("\n").filter((l) => l.startsWith("  - "));
    const keys = [
      "harbor-ha:postgres.storageClass",
      "harbor-ha:storage.bucketName",
      "harbor-ha:cluster.nodeRoleArn",
      "harbor-ha:tls.acmeServer",
      "harbor-ha:postgres.volumeGb",
      "harbor-ha:zones",
      "harbor-ha:replication.endpoints[0].url",
      "replicas",
      "harbour-ha:harbor",
    ];
    for (const key of keys)
      assert.equal(lines.filter((l) => l.startsWith(`  - ${key}:`)).length, 1, `${key} once:\n${e.message}`);
    assert.match(e.message, new RegExp(`^stack "prod": invalid configuration, ${lines.length} problems:`));
  });

  describe("files that are not a stack config", () => {
    const files: [string, (f: string) => void, string][] = [
      ["a top-level list", (f) => fs.writeFileSync(f, "- a\n- b\n"), "is not a YAML mapping (the file is a list)"],
      ["a scalar", (f) => fs.writeFileSync(f, "just words\n"), "is not a YAML mapping (the file is a string)"],
      ["an empty file", (f) => fs.writeFileSync(f, ""), "is empty"],
      [
        "UTF-16 text",
        (f) => fs.writeFileSync(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("config: {}\n", "utf16le")])),
        "is not UTF-8 text (it looks like UTF-16)",
      ],
      [
        "binary data",
        (f) => fs.writeFileSync(f, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 0xff])),
        "is not UTF-8 text",
      ],
      ["a directory", (f) => fs.mkdirSync(f), "is a directory"],
      [
        "keys outside config:",
        (f) => fs.writeFileSync(f, "harbor-ha:environment: dev\n"),
        'has no "config:" map. Fix: indent harbor-ha:environment under "config:"',
      ],
    ];
    for (const [what, write, expected] of files) {
      it(`names the file and says what it is: ${what}`, async () => {
        const file = path.join(dir, `shape-${what.replace(/\W+/g, "-")}`);
        write(file);
        const e = await refusal("dev", file);
        assert.equal(e.name, "StackFileError");
        assert.ok(e.message.includes(file), e.message);
        assert.ok(e.message.includes(expected), e.message);
        assert.doesNotMatch(e.message, /missing|required, but not set|\n\s+at /);
      });
    }
  });

  describe("stack names (Pulumi's rule, checked before any path is built)", () => {
    for (const name of ["../prod", "a/b", "", "prod;rm -rf", "x".repeat(101), "..", "prod\n"]) {
      it(`refuses ${JSON.stringify(name.length > 20 ? `${name.slice(0, 10)}...` : name)}`, async () => {
        const e = await refusal(name, path.join(ROOT, "stacks", "Pulumi.dev.yaml"));
        assert.equal(e.name, "StackFileError");
        assert.match(e.message, /not a valid stack name\. Fix: use 1 to 100 letters, digits, '-', '_' or '\.'/);
      });
    }
  });

  describe("plausible configs that are valid on purpose", () => {
    const VALID: [string, "dev" | "prod", (c: Cfg) => void][] = [
      [
        "StorageClass with dots (ebs.csi.aws.com-gp3)",
        "prod",
        (c) => (c["harbor-ha:postgres"].storageClass = "ebs.gp3"),
      ],
      ["bucket with dots and digits", "prod", (c) => (c["harbor-ha:storage"].bucketName = "registry.prod-01")],
      [
        "GovCloud role ARN with a path",
        "prod",
        (c) => (c["harbor-ha:cluster"].nodeRoleArn = "arn:aws-us-gov:iam::123456789012:role/eks/harbor-nodes"),
      ],
      ["a 64 TiB volume", "prod", (c) => (c["harbor-ha:postgres"].volumeGb = 65536)],
      [
        "an existing cluster without its VPC id when the team runs the load balancer controller",
        "prod",
        (c) => {
          delete c["harbor-ha:cluster"].vpcId;
          c["harbor-ha:cluster"].addons = { "aws-load-balancer-controller": { enabled: false } };
        },
      ],
      [
        "quorum 1 of 3 sentinels (Redis allows it; failover still needs a majority)",
        "prod",
        (c) => (c["harbor-ha:redis"].quorum = 1),
      ],
      [
        "an ACME staging server",
        "prod",
        (c) => (c["harbor-ha:tls"].acmeServer = "https://acme-staging-v02.api.letsencrypt.org/directory"),
      ],
      [
        "externalUrl with a trailing slash",
        "prod",
        (c) => (c["harbor-ha:externalUrl"] = "https://harbor.example.com/"),
      ],
      [
        "an endpoint with a path below the host",
        "prod",
        (c) => (prodEndpoint(c).url = "https://registry.example.com/harbor"),
      ],
      [
        "provider keys of aws:, kubernetes:, random:, pulumi:",
        "dev",
        (c) => Object.assign(c, { "kubernetes:context": "kind", "pulumi:tags": { a: "b" }, "random:x": "1" }),
      ],
    ];
    for (const [name, base, edit] of VALID) {
      it(name, async () => {
        const file = writeStack(dir, base, edit);
        const { exitCode, graph } = await plan(base, { configFile: file });
        assert.deepEqual(graph.errors, []);
        assert.ok(graph.resources.length > 10);
        assert.ok(exitCode === 0 || exitCode === 2, `exit ${exitCode}`);
      });
    }
  });
});
