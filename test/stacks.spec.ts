import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { runStack, redact, PlanGraph, readStackConfig, offlineSecretPlaceholder } from "../engine";
import { canonicalJson } from "../cli/canonicalJson";
import { planDocument, renderHuman } from "../cli/planReport";
import { writeManifests } from "../cli/writeManifests";

const count = (g: PlanGraph, type: string) => g.resources.filter((r) => r.type === type).length;
const statefulSet = (g: PlanGraph, name: string) =>
  g.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === name)!.inputs as any;

describe("stacks", () => {
  it("dev plans for a laptop cluster: no AWS resource, self-signed TLS, NodePort, single replicas", async () => {
    const g = await runStack("dev");
    assert.deepEqual(g.errors, []);
    assert.deepEqual(
      g.resources.filter((r) => r.type.startsWith("aws:")).map((r) => r.type),
      [],
    );
    assert.equal(statefulSet(g, "harbor-db").spec.replicas, 1);
    assert.equal(statefulSet(g, "harbor-redis-sentinel").spec.replicas, 1);
    const proxy = g.resources.find((r) => (r.inputs as any).kind === "EnvoyProxy")!.inputs as any;
    assert.equal(proxy.spec.provider.kubernetes.envoyService.type, "NodePort");
    assert.ok(
      !g.resources.some((r) => /ingress-nginx|networking\.k8s\.io\/v1:Ingress/.test(r.type + (r.inputs as any).chart)),
    );
    assert.ok(
      g.resources.some((r) => (r.inputs as any).kind === "ClusterIssuer" && (r.inputs as any).spec?.ca),
      "self-signed CA issuer",
    );
  });

  for (const stack of ["staging", "prod"]) {
    it(`${stack} plans the full HA topology on AWS across three zones`, async () => {
      const g = await runStack(stack);
      assert.deepEqual(g.errors, []);
      assert.equal(statefulSet(g, "harbor-db").spec.replicas, 3);
      assert.equal(statefulSet(g, "harbor-redis-sentinel").spec.replicas, 3);
      assert.equal(
        statefulSet(g, "harbor-db").spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable,
        "DoNotSchedule",
      );
      // The registry's bucket and the database backups' bucket (harbor-ha:backups), each under its tier;
      // prod also the NLB's access-log bucket.
      assert.equal(count(g, "aws:s3/bucket:Bucket"), stack === "prod" ? 3 : 2);
      assert.equal(
        g.resources.filter((r) => r.type === "aws:s3/bucket:Bucket" && r.urn.includes("PatroniCluster")).length,
        1,
      );
      // app: one group over all subnets; db: one group per zone.
      assert.equal(count(g, "aws:eks/nodeGroup:NodeGroup"), 4);
      assert.ok(count(g, "kubernetes:policy/v1:PodDisruptionBudget") >= 3);
      const values = g.resources.find((r) => (r.inputs as any).chart === "harbor")!.inputs as any;
      assert.ok(values.values.core.replicas >= 2);
      // Pinned to the tiers the node pools label.
      assert.deepEqual(statefulSet(g, "harbor-db").spec.template.spec.nodeSelector, { "harbor-ha.io/tier": "db" });
      assert.deepEqual(values.values.core.nodeSelector, { "harbor-ha.io/tier": "app" });
    });
  }

  it("prod declares DR replication, event-based and scheduled, and blocking project policies", async () => {
    const g = await runStack("prod");
    const policies = g.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/harbor:ReplicationPolicy");
    const triggers = policies.map((p) => (p.inputs as any).spec.trigger.type).sort();
    assert.deepEqual(triggers, ["event_based", "scheduled"]);
    for (const p of policies)
      assert.deepEqual((p.inputs as any).spec.filters, [{ decoration: "matches", type: "tag", value: "prod-*" }]);
    const endpoint = g.resources.find(
      (r) => r.type === "pulumi-nodejs:dynamic/harbor:RegistryEndpoint" && (r.inputs as any).spec.name === "dr",
    );
    assert.ok(endpoint, "the DR endpoint is planned");
    assert.equal((endpoint.inputs as any).spec.url, "https://harbor.dr.example.com");
    assert.equal((redact(endpoint.inputs) as any).accessSecret, "[secret]");
    assert.equal((redact(endpoint.inputs) as any).password, "[secret]");
    const projects = g.resources
      .filter((r) => r.type === "pulumi-nodejs:dynamic/harbor:Project")
      .map((r) => (r.inputs as any).spec.metadata);
    assert.ok(projects.length > 0);
    for (const m of projects) assert.deepEqual([m.prevent_vul, m.severity, m.auto_scan], ["true", "high", "true"]);
  });
});

/**
 * Secret canaries: unique strings in `secure:` leaves (and, for refusals, in plain fields where they are
 * refused) must never appear in the plan (JSON or text), stderr, or any `--out` file.
 */
describe("stacks: secrets stay secret per leaf (canaries)", function () {
  this.timeout(180_000);
  const ROOT = path.join(__dirname, "..");
  const token = `${process.pid}${Date.now().toString(36)}`;
  const canary = (n: number) => `CANARY${n}x${token}`;
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-canary-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** prod, with encrypted adminPassword, cluster.name, and accessKey/accessSecret on two endpoints. */
  function canaryStack(secure: (n: number) => unknown, edit: (c: Record<string, any>) => void = () => {}): string {
    const doc = parse(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.prod.yaml"), "utf8"));
    const c = doc.config;
    c["harbor-ha:adminPassword"] = secure(1);
    c["harbor-ha:cluster"].name = secure(2);
    const [dr] = c["harbor-ha:replication"].endpoints;
    dr.accessKey = secure(3);
    dr.accessSecret = secure(4);
    c["harbor-ha:replication"].endpoints.push({
      name: "backup",
      url: "https://harbor.backup.example.com",
      accessKey: secure(5),
      accessSecret: secure(6),
    });
    edit(c);
    const file = path.join(dir, `prod-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, stringify(doc));
    return file;
  }

  function everyFile(d: string): string[] {
    if (!fs.existsSync(d)) return [];
    return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(d, e.name);
      return e.isDirectory() ? everyFile(p) : [p];
    });
  }

  function assertNoCanary(where: string, text: string) {
    const m = /CANARY\d+x\w+/.exec(text);
    assert.equal(
      m,
      null,
      `a canary leaked into ${where}: ...${m ? text.slice(Math.max(0, m.index - 200), m.index + 40) : ""}`,
    );
  }

  function cli(...args: string[]) {
    return spawnSync(process.execPath, [path.join(ROOT, "bin", "harbor-ha.js"), ...args], {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
  }

  it("decrypted values (as `pulumi up` hands them over) stay secret in resources, outputs, the plan and --out", async () => {
    const file = canaryStack((n) => ({ secure: `v1:ciphertext-${n}` }));
    const input = readStackConfig("prod", file);
    // Decrypt as the Pulumi CLI would: each secure leaf's placeholder becomes its canary plaintext.
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.config)) {
      let out = v;
      for (const leaf of input.secureLeaves)
        out = out
          .split(offlineSecretPlaceholder("prod", leaf))
          .join(`${canary(input.secureLeaves.indexOf(leaf) + 1)}-secret`);
      config[k] = out;
    }
    // The six above plus prod's own OIDC client secret and its security webhook's auth header.
    assert.equal(input.secureLeaves.length, 8);
    const g = await runStack("prod", { configInput: { ...input, config } });
    assert.deepEqual(g.errors, [], "no leak found by the engine");
    assertNoCanary("the plan JSON", canonicalJson(planDocument(g, [])));
    assertNoCanary("the plan text", renderHuman(g, [], 0));
    const out = path.join(dir, "manifests-in-process");
    writeManifests(g, out);
    for (const f of everyFile(out)) assertNoCanary(f, fs.readFileSync(f, "utf8"));
    // Marked secret where they flow: the node groups' cluster name and each endpoint's credential.
    const doc = JSON.parse(canonicalJson(planDocument(g, [])));
    const groups = doc.resources.filter((r: any) => r.type === "aws:eks/nodeGroup:NodeGroup");
    assert.equal(groups.length, 4);
    for (const ng of groups) assert.equal(ng.inputs.clusterName, "[secret]");
    // The replication endpoints (the proxy cache's Docker Hub endpoint is anonymous).
    const endpoints = doc.resources.filter(
      (r: any) => r.type === "pulumi-nodejs:dynamic/harbor:RegistryEndpoint" && r.name.includes("-replication-"),
    );
    assert.equal(endpoints.length, 2);
    for (const e of endpoints) {
      // The SDK serializes a map holding a secret as one secret (the whole spec), which still hides the key.
      assert.ok(e.inputs.spec === "[secret]" || e.inputs.spec.accessKey === "[secret]", JSON.stringify(e.inputs));
      assert.equal(e.inputs.accessSecret, "[secret]");
    }
    for (const ng of groups)
      assert.equal(
        ng.inputs.nodeRoleArn,
        "arn:aws:iam::123456789012:role/harbor-prod-nodes",
        "plain siblings stay plain",
      );
    assert.equal(doc.outputs.adminPassword, "[secret]");
  });

  it("`harbor-ha plan prod --config <file> --json --out <dir>`: canaries in secure: leaves never appear", () => {
    const file = canaryStack((n) => ({ secure: `v1:${canary(n)}` }));
    const out = path.join(dir, "manifests-cli");
    const r = cli("plan", "prod", "--config", file, "--json", "--out", out);
    assert.ok([0, 2].includes(r.status!), `exit ${r.status}: ${r.stderr}`);
    assertNoCanary("stdout", r.stdout);
    assertNoCanary("stderr", r.stderr);
    const files = everyFile(out);
    assert.ok(files.length > 10, "manifests were written");
    for (const f of files) assertNoCanary(f, fs.readFileSync(f, "utf8"));
    const doc = JSON.parse(r.stdout);
    for (const ng of doc.resources.filter((x: any) => x.type === "aws:eks/nodeGroup:NodeGroup"))
      assert.equal(ng.inputs.clusterName, "[secret]");
    const endpoints = doc.resources.filter(
      (x: any) => x.type === "pulumi-nodejs:dynamic/harbor:RegistryEndpoint" && x.name.includes("-replication-"),
    );
    assert.equal(endpoints.length, 2);
    for (const e of endpoints) {
      assert.ok(e.inputs.spec === "[secret]" || e.inputs.spec.accessKey === "[secret]", JSON.stringify(e.inputs));
      assert.equal(e.inputs.accessSecret, "[secret]");
    }
  });

  it("refused configs (plain credentials, credentials in URLs, encrypted plain-only values) never echo them", () => {
    const file = canaryStack(
      (n) => ({ secure: `v1:${canary(n)}` }),
      (c) => {
        c["harbor-ha:replication"].endpoints[1].accessSecret = canary(7);
        c["harbor-ha:replication"].endpoints[1].url = `https://robot:${canary(8)}@harbor.backup.example.com`;
        c["harbor-ha:externalUrl"] = `https://admin:${canary(9)}@harbor.example.com`;
        c["harbor-ha:tls"].route53.hostedZoneId = { secure: `v1:${canary(10)}` };
        c["harbor-ha:storage"].bucketName = { secure: `v1:${canary(11)}` };
      },
    );
    const out = path.join(dir, "manifests-refused");
    for (const args of [["--json", "--out", out], []]) {
      const r = cli("plan", "prod", "--config", file, ...args);
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, "");
      assertNoCanary("stderr", r.stderr);
      for (const key of [
        "harbor-ha:replication.endpoints[1].accessSecret: is a secret but is stored in plain text",
        "harbor-ha:replication.endpoints[1].url: has a user name or password in a URL",
        "harbor-ha:externalUrl: has a user name or password in a URL",
        "harbor-ha:tls.route53.hostedZoneId: is encrypted (secure:)",
        "harbor-ha:storage.bucketName: is encrypted (secure:)",
      ])
        assert.ok(r.stderr.includes(key), `${key} not in:\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
    for (const f of everyFile(out)) assertNoCanary(f, fs.readFileSync(f, "utf8"));
  });
});
