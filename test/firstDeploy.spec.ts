/**
 * A first `pulumi up` from an empty account (issue 13, items 2 DNS, 3 and 4): the stack owns the SSD
 * StorageClass every claim names, the SSD policy checks the class of each claim, Harbor's name is an
 * alias record for the load balancer the Gateway publishes, and Harbor's API resources wait (bounded) for
 * the release, the record and the issued certificate.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { parse, stringify } from "yaml";
import { EXIT_OK, EXIT_POLICY, isInputError, plan } from "../cli/plan";
import {
  CapturedResource,
  evaluatePolicies,
  PlanGraph,
  runProgram,
  runStack,
  stackFilePath,
  UNKNOWN,
  unwrapSecrets,
} from "../engine";
import { allPolicies } from "../policies/policies";
import { HarborPlatform, SsdStorageClass, InvalidArgsError } from "../components";
import { hostedZoneProblem } from "../components/edge";
import { harborChartClaims } from "../components/harbor";
import { renderSsdStorageClass } from "../components/storage";
import { HarborClient, pingDiagnosis } from "../components/harborApi";

type Cfg = Record<string, any>;
// prod-fresh too: a cluster from an empty account has no StorageClass but the ones its plan makes.
const STACKS = ["dev", "staging", "prod", "prod-fresh"] as const;

function variant(dir: string, stack: string, edit: (c: Cfg) => void): string {
  const doc = parse(fs.readFileSync(stackFilePath(stack), "utf8"));
  edit(doc.config);
  const file = path.join(dir, `${stack}-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, stringify(doc));
  return file;
}

async function refusal(stack: string, file: string): Promise<Error> {
  try {
    await plan(stack, { configFile: file });
  } catch (e) {
    return e as Error;
  }
  assert.fail(`stack "${stack}" was planned; it should have been refused`);
}

/** One input error, before any resource, naming the stack, the key, what is wrong and the fix; no trace. */
function oneClearMessage(e: Error, stack: string, key: string, what: RegExp) {
  assert.ok(isInputError(e), `an input error, got ${e.name}: ${e.stack}`);
  assert.equal(e.name, "StackConfigError", "refused while reading the config, before any resource");
  assert.ok(e.message.startsWith(`stack "${stack}"`), e.message);
  assert.doesNotMatch(e.message, /\n\s+at /);
  const lines = e.message.split("\n").filter((l) => l.startsWith(`  - ${key}:`));
  assert.equal(lines.length, 1, `one line names ${key}:\n${e.message}`);
  assert.match(lines[0], what);
  assert.match(lines[0], /Fix: /);
}

const inputs = (r: CapturedResource) => unwrapSecrets(r.inputs) as any;
const ofType = (g: PlanGraph, type: string) => g.resources.filter((r) => r.type === type);
const T = {
  sc: "kubernetes:storage.k8s.io/v1:StorageClass",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  pv: "kubernetes:core/v1:PersistentVolume",
  sts: "kubernetes:apps/v1:StatefulSet",
  release: "kubernetes:helm.sh/v3:Release",
  record: "aws:route53/record:Record",
  gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
  certificate: "kubernetes:cert-manager.io/v1:Certificate",
};

/**
 * Every claim of a plan and the class it names, read from the objects themselves (not through the policy):
 * PVCs, StatefulSets' volumeClaimTemplates, and the Harbor chart's claims from its values.
 */
function claimsOf(g: PlanGraph): { what: string; storageClass: unknown }[] {
  const out: { what: string; storageClass: unknown }[] = [];
  for (const pvc of ofType(g, T.pvc))
    out.push({ what: `PVC ${pvc.name}`, storageClass: inputs(pvc).spec.storageClassName });
  for (const sts of ofType(g, T.sts))
    for (const t of inputs(sts).spec.volumeClaimTemplates ?? [])
      out.push({ what: `StatefulSet ${sts.name} ${t.metadata.name}`, storageClass: t.spec.storageClassName });
  for (const rel of ofType(g, T.release).filter((r) => inputs(r).chart === "harbor" && inputs(r).values !== UNKNOWN))
    for (const c of harborChartClaims(inputs(rel).values))
      out.push({ what: `Harbor chart ${c.claim}`, storageClass: c.storageClass });
  return out;
}

describe("first deploy: storage classes", function () {
  this.timeout(600_000);
  let dir: string;
  const graphs: Partial<Record<(typeof STACKS)[number], PlanGraph>> = {};
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-firstdeploy-"));
    for (const s of STACKS) graphs[s] = await runStack(s);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const stack of STACKS)
    it(`${stack}: every claim's StorageClass is defined in the same plan, and is SSD (or the laptop's disk in dev)`, () => {
      const g = graphs[stack]!;
      assert.deepEqual(g.errors, []);
      const classes = new Map(ofType(g, T.sc).map((sc) => [inputs(sc).metadata.name, inputs(sc)]));
      const claims = claimsOf(g);
      // Patroni's data, Redis and the sentinels' state, plus Trivy's cache or dev's registry volume.
      assert.ok(claims.length >= 3, JSON.stringify(claims));
      for (const c of claims) {
        assert.equal(typeof c.storageClass, "string", `${c.what} names a class (not the cluster's default)`);
        const sc = classes.get(c.storageClass);
        assert.ok(sc, `${c.what}: class "${c.storageClass}" is defined in the ${stack} plan`);
        if (stack === "dev") assert.equal(sc.provisioner, "rancher.io/local-path");
        else {
          assert.equal(sc.provisioner, "ebs.csi.aws.com", c.what);
          assert.equal(sc.parameters.type, "gp3", c.what);
          assert.equal(sc.parameters.encrypted, "true", c.what);
        }
        assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
      }
    });

  it("claims wait for the class (a PVC naming a class that does not exist yet stays Pending)", () => {
    const g = graphs.prod!;
    const sc = ofType(g, T.sc)[0];
    for (const sts of ofType(g, T.sts).filter((s) => (inputs(s).spec.volumeClaimTemplates ?? []).length))
      assert.ok(sts.dependencies.includes(sc.urn), `${sts.name} waits for the StorageClass`);
    const rel = ofType(g, T.release).find((r) => inputs(r).chart === "harbor")!;
    assert.ok(rel.dependencies.includes(sc.urn), "Harbor's release (Trivy's claims) waits for the StorageClass");
    // The same mechanism makes Harbor's chart (its HTTPRoute) wait for Envoy Gateway's release (the CRDs).
    const envoy = ofType(g, T.release).find((r) => r.name === "harbor-envoy-gateway")!;
    assert.ok(rel.dependencies.includes(envoy.urn), "Harbor's chart waits for the Gateway API CRDs");
  });

  it("prod: Trivy's claim names the stack's class through the chart's values", () => {
    const rel = ofType(graphs.prod!, T.release).find((r) => inputs(r).chart === "harbor")!;
    assert.equal(inputs(rel).values.persistence.persistentVolumeClaim.trivy.storageClass, "harbor-ssd");
  });

  it("a first preview knows every claim's class (names are plain, not computed)", async () => {
    const g = await runStack("prod", { preview: true });
    const claims = claimsOf(g);
    assert.ok(claims.length >= 3);
    for (const c of claims) assert.equal(c.storageClass, "harbor-ssd", c.what);
    // prod's Harbor values are built in one apply with the KMS key ARN: the policy says it cannot check them yet.
    const r = await plan("prod", { preview: true });
    assert.ok(
      r.violations.some(
        (v) => v.policy === "harbor-ssd-storage-only" && /^cannot check until apply: .*Helm values/.test(v.message),
      ),
      r.violations.map((v) => `${v.policy}: ${v.message}`).join("\n"),
    );
    assert.ok(r.violations.every((v) => v.enforcementLevel === "advisory"));
    assert.ok(ofType(g, T.sc).every((sc) => inputs(sc).metadata.name !== UNKNOWN));
  });

  for (const cls of ["st1", "sc1", "standard", "no-such-class"])
    it(`prod with postgres.storageClass: ${cls} exits 2: the class is not defined by the plan`, async () => {
      const r = await plan("prod", {
        configFile: variant(dir, "prod", (c) => (c["harbor-ha:postgres"].storageClass = cls)),
      });
      assert.equal(r.exitCode, EXIT_POLICY);
      const hits = r.violations.filter((v) => v.policy === "harbor-ssd-storage-only");
      assert.equal(hits.length, 1, hits.map((v) => v.message).join("\n"));
      assert.equal(hits[0].enforcementLevel, "mandatory");
      assert.match(hits[0].message, /StatefulSet "harbor\/harbor-db"/);
      assert.match(
        hits[0].message,
        new RegExp(`storageClassName is "${cls}", a StorageClass the plan does not define`),
      );
      assert.match(hits[0].message, /Fix: name the stack's own class \(harbor-ha:storageClass\.name/);
    });

  it("dev with an undefined class: the same violation, advisory (exit 0)", async () => {
    const r = await plan("dev", {
      configFile: variant(dir, "dev", (c) => (c["harbor-ha:redis"].storageClass = "standard")),
    });
    const hits = r.violations.filter((v) => v.policy === "harbor-ssd-storage-only");
    assert.ok(hits.length >= 1);
    assert.ok(hits.every((v) => v.enforcementLevel === "advisory"));
    assert.match(hits[0].message, /"standard", a StorageClass the plan does not define/);
    assert.equal(r.exitCode, EXIT_OK);
  });

  it("a claim on the cluster's default class, or on a defined class of a magnetic type, is a violation", async () => {
    const graph = await runProgram(async () => {
      for (const [name, type] of [
        ["cold", "st1"],
        ["colder", "sc1"],
        ["magnetic", "standard"],
      ]) {
        new k8s.storage.v1.StorageClass(name, {
          metadata: { name },
          provisioner: "ebs.csi.aws.com",
          parameters: { type },
        });
        new k8s.core.v1.PersistentVolumeClaim(`${name}-claim`, {
          metadata: { name: `${name}-claim`, namespace: "harbor" },
          spec: { accessModes: ["ReadWriteOnce"], storageClassName: name, resources: { requests: { storage: "1Gi" } } },
        });
      }
      new k8s.storage.v1.StorageClass("laptop", { metadata: { name: "laptop" }, provisioner: "rancher.io/local-path" });
      new k8s.core.v1.PersistentVolumeClaim("on-laptop", {
        metadata: { name: "on-laptop", namespace: "harbor" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "laptop",
          resources: { requests: { storage: "1Gi" } },
        },
      });
      new k8s.core.v1.PersistentVolumeClaim("default", {
        metadata: { name: "default", namespace: "harbor" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      });
      new k8s.helm.v3.Release("harbor", {
        chart: "harbor",
        version: "1.19.2",
        // Chart defaults: registry on a filesystem claim, job logs in files, Trivy: three claims, no class.
        values: { database: { type: "external" }, redis: { type: "external" } },
      });
    });
    const v = (await evaluatePolicies(graph, allPolicies)).filter((x) => x.policy === "harbor-ssd-storage-only");
    const msgs = v.map((x) => x.message);
    const some = (re: RegExp) =>
      assert.ok(
        msgs.some((m) => re.test(m)),
        `${re} in:\n${msgs.join("\n")}`,
      );
    for (const t of ["st1", "sc1", "standard"]) some(new RegExp(`parameters\\.type is "${t}" \\(not SSD\\)`));
    some(
      /PersistentVolumeClaim "harbor\/on-laptop".*provisioned by rancher\.io\/local-path, whose volumes are not known to be SSD/,
    );
    some(/PersistentVolumeClaim "harbor\/default".*names no StorageClass, so it gets the cluster's default class/);
    for (const claim of ["registry", "jobservice.jobLog", "trivy"])
      some(
        new RegExp(
          `Release "harbor".*persistentVolumeClaim\\.${claim.replace(".", "\\.")}\\.storageClass \\(the chart's ${claim} claim\\) names no StorageClass`,
        ),
      );
    assert.equal(v.length, 8, msgs.join("\n"));
  });

  it("renders the class: gp3, encrypted, optional KMS key, WaitForFirstConsumer, expandable", () => {
    const sc = renderSsdStorageClass({ kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/abc" }) as any;
    assert.equal(sc.provisioner, "ebs.csi.aws.com");
    assert.deepEqual(sc.parameters, {
      type: "gp3",
      encrypted: "true",
      "csi.storage.k8s.io/fstype": "ext4",
      kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/abc",
    });
    assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
    assert.equal(sc.allowVolumeExpansion, true);
    const laptop = renderSsdStorageClass({ provisioner: "rancher.io/local-path" }) as any;
    assert.equal(laptop.parameters, undefined, "local-path takes no EBS parameters");
    assert.equal(laptop.allowVolumeExpansion, false, "local-path cannot resize");
  });

  it("SsdStorageClass refuses a magnetic type and EBS settings on another provisioner, before any resource", () => {
    assert.throws(
      () => new SsdStorageClass("x", { volumeType: "st1" }),
      (e: Error) =>
        e instanceof InvalidArgsError &&
        /volumeType: "st1" is a magnetic \(HDD\) EBS volume type\. Fix: use one of gp3/.test(e.message),
    );
    assert.throws(
      () => new SsdStorageClass("x", { provisioner: "rancher.io/local-path", volumeType: "gp3" }),
      /volumeType: is an EBS setting, but the provisioner is "rancher\.io\/local-path"/,
    );
  });

  const bad: [string, "dev" | "prod", (c: Cfg) => void, string, RegExp][] = [
    [
      "a magnetic volume type",
      "prod",
      (c) => (c["harbor-ha:storageClass"].volumeType = "sc1"),
      "harbor-ha:storageClass.volumeType",
      /"sc1" is a magnetic \(HDD\)/,
    ],
    [
      "a laptop provisioner in prod",
      "prod",
      (c) => (c["harbor-ha:storageClass"].provisioner = "rancher.io/local-path"),
      "harbor-ha:storageClass.provisioner",
      /laptop clusters only/,
    ],
    [
      "the EBS CSI driver in dev",
      "dev",
      (c) => delete c["harbor-ha:storageClass"],
      "harbor-ha:storageClass.provisioner",
      /needs EBS/,
    ],
    [
      "a KMS key that is not an ARN",
      "prod",
      (c) => (c["harbor-ha:storageClass"].kmsKeyArn = "my-key"),
      "harbor-ha:storageClass.kmsKeyArn",
      /not a KMS key ARN/,
    ],
  ];
  for (const [what, stack, edit, key, re] of bad)
    it(`refuses ${what} in ${stack}, naming ${key}`, async () =>
      oneClearMessage(await refusal(stack, variant(dir, stack, edit)), stack, key, re));
});

describe("first deploy: Harbor's DNS record", function () {
  this.timeout(600_000);
  let dir: string;
  let prod: PlanGraph;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-firstdeploy-"));
    prod = await runStack("prod");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prod: an alias A record for the external URL's host, to the NLB the Gateway publishes", () => {
    const [record] = ofType(prod, T.record);
    const r = inputs(record);
    assert.deepEqual([r.name, r.type, r.zoneId], ["harbor.example.com", "A", "Z0123456789EXAMPLE"]);
    const gateway = ofType(prod, T.gateway)[0];
    // The address comes from the Gateway's status (the engine's fake of what Envoy Gateway publishes).
    assert.match(r.aliases[0].name, /\.elb\.eu-west-1\.amazonaws\.com$/);
    assert.ok(record.dependencies.includes(gateway.urn), "the record is built from the Gateway's published address");
    // The NLB's canonical hosted zone of eu-west-1 (terraform-provider-aws hostedZoneIDPerRegionNLBMap).
    assert.equal(r.aliases[0].zoneId, "Z2IFOLAFXWLO4F");
    assert.equal(r.aliases[0].evaluateTargetHealth, true);
  });

  it("the Gateway wait for its address is bounded", () => {
    const annotations = inputs(ofType(prod, T.gateway)[0]).metadata.annotations;
    assert.equal(annotations["pulumi.com/waitFor"], "jsonpath={.status.addresses[0].value}");
    assert.equal(annotations["pulumi.com/timeoutSeconds"], "600");
  });

  it("a first preview: the record's zone and name are known, the load balancer's name is not", async () => {
    const g = await runStack("prod", { preview: true });
    const r = inputs(ofType(g, T.record)[0]);
    assert.deepEqual([r.name, r.zoneId], ["harbor.example.com", "Z0123456789EXAMPLE"]);
    assert.equal(r.aliases[0].name, UNKNOWN);
  });

  it("switched off (dns.enabled: false), and with no API resources: no record, no address wait, no certificate wait", async () => {
    const g = await runStack("prod", {
      configFile: variant(dir, "prod", (c) => {
        c["harbor-ha:dns"].enabled = false;
        delete c["harbor-ha:replication"];
        delete c["harbor-ha:projects"];
        delete c["harbor-ha:operations"];
        // Admission allowlists the projects just removed; without them it has nothing to allow.
        delete c["harbor-ha:admission"];
      }),
    });
    assert.deepEqual(g.errors, []);
    assert.equal(ofType(g, T.record).length, 0);
    assert.equal(inputs(ofType(g, T.gateway)[0]).metadata.annotations, undefined);
    const tls = ofType(g, T.certificate).find((c) => c.name === "harbor-certs-tls")!;
    assert.equal(inputs(tls).metadata.annotations, undefined);
  });

  it("hostedZoneProblem: a zone holds its own name and the names below it, whatever the case or final dot", () => {
    assert.equal(hostedZoneProblem("harbor.example.com", "example.com"), undefined);
    assert.equal(hostedZoneProblem("HARBOR.Example.com", "example.com."), undefined);
    assert.equal(hostedZoneProblem("example.com", "example.com"), undefined);
    assert.ok(hostedZoneProblem("harbor.notexample.com", "example.com"), "a suffix is not a parent domain");
    assert.ok(hostedZoneProblem("harbor.example.com", "harbor.example.com.dr"));
  });

  const bad: [string, (c: Cfg) => void, string, RegExp][] = [
    [
      "a hosted zone that does not contain the host",
      (c) => (c["harbor-ha:dns"].zoneName = "example.org"),
      "harbor-ha:dns.zoneName",
      /the hosted zone "example\.org" does not contain Harbor's host "harbor\.example\.com"/,
    ],
    [
      "a hosted zone id that is not one",
      (c) => (c["harbor-ha:dns"].hostedZoneId = "example.com"),
      "harbor-ha:dns.hostedZoneId",
      /not a Route53 hosted zone id/,
    ],
    [
      "an alias record without an NLB",
      (c) => (c["harbor-ha:edge"].exposure = "loadBalancer"),
      "harbor-ha:dns",
      /points at an AWS network load balancer, but harbor-ha:edge\.exposure is "loadBalancer"/,
    ],
  ];
  for (const [what, edit, key, re] of bad)
    it(`refuses ${what}, one message before any resource`, async () =>
      oneClearMessage(await refusal("prod", variant(dir, "prod", edit)), "prod", key, re));

  it("HarborPlatform refuses a zone that does not contain the host, before any resource", () => {
    // The check runs before the component registers itself: nothing exists when it throws.
    assert.throws(
      () =>
        new HarborPlatform("h", {
          environment: "prod",
          externalUrl: "https://harbor.example.com",
          storage: { kind: "s3" },
          tls: { issuer: { mode: "self-signed" } },
          dns: { hostedZoneId: "Z0123456789EXAMPLE", zoneName: "example.org" },
        }),
      (e: Error) =>
        e instanceof InvalidArgsError &&
        /dns\.zoneName: the hosted zone "example\.org" does not contain Harbor's host "harbor\.example\.com".*Fix: /.test(
          e.message,
        ),
    );
  });
});

describe("first deploy: ordering of Harbor's API resources", function () {
  this.timeout(600_000);
  const planned: Record<string, PlanGraph> = {};
  before(async () => {
    planned.prod = await runStack("prod");
    planned.staging = await runStack("staging");
    planned.dev = await runStack("dev");
  });
  const api = (g: PlanGraph) => g.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/harbor:"));
  const one = (g: PlanGraph, type: string, name?: string) => ofType(g, type).find((r) => !name || r.name === name)!;

  for (const stack of ["prod", "staging"])
    it(`${stack}: every API resource waits for the release, the DNS record and the issued edge certificate`, () => {
      const g = planned[stack];
      const release = ofType(g, T.release).find((r) => inputs(r).chart === "harbor")!;
      const record = one(g, T.record);
      const cert = one(g, T.certificate, "harbor-certs-tls");
      assert.ok(api(g).length >= 3, "the stack has API resources");
      for (const r of api(g))
        for (const [what, dep] of [
          ["the Harbor release", release],
          ["the DNS record", record],
          ["the edge certificate", cert],
        ] as const)
          assert.ok(r.dependencies.includes(dep.urn), `${r.type} ${r.name} waits for ${what}`);
    });

  it("dev (no DNS record): API resources wait for the release and the self-signed certificate", () => {
    const g = planned.dev;
    const cert = one(g, T.certificate, "harbor-certs-tls");
    assert.equal(ofType(g, T.record).length, 0);
    for (const r of api(g)) assert.ok(r.dependencies.includes(cert.urn), `${r.name} waits for the certificate`);
  });

  it("every wait is bounded: release 900 s, Gateway address 600 s, certificate 900 s, ping 60 x 5 s", () => {
    const g = planned.prod;
    const release = ofType(g, T.release).find((r) => inputs(r).chart === "harbor")!;
    assert.equal(inputs(release).timeout, 900);
    assert.notEqual(inputs(release).skipAwait, true, "Helm waits for the pods");
    const cert = inputs(one(g, T.certificate, "harbor-certs-tls")).metadata.annotations;
    assert.deepEqual(cert, { "pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": "900" });
    assert.equal(inputs(one(g, T.gateway)).metadata.annotations["pulumi.com/timeoutSeconds"], "600");
    for (const r of api(g)) {
      const c = inputs(r).connection ?? {};
      assert.ok((c.pingAttempts ?? 60) * (c.pingIntervalMs ?? 5000) <= 300_000, `${r.name}: ping wait bounded`);
    }
  });

  it("staging (HTTP-01): the edge certificate is requested only once the record exists (no cached NXDOMAIN)", () => {
    const g = planned.staging;
    assert.ok(one(g, T.certificate, "harbor-certs-tls").dependencies.includes(one(g, T.record).urn));
  });

  it("staging (HTTP-01): cert-manager's release waits for the Gateway API CRDs (its Gateway support starts only if they exist)", () => {
    const g = planned.staging;
    const cm = ofType(g, T.release).find((r) => r.name === "harbor-cert-manager")!;
    const envoy = ofType(g, T.release).find((r) => r.name === "harbor-envoy-gateway")!;
    assert.ok(cm.dependencies.includes(envoy.urn));
  });

  it("the release does not wait for DNS or the certificate (its pods wait for Secrets by themselves)", () => {
    const g = planned.prod;
    const release = ofType(g, T.release).find((r) => inputs(r).chart === "harbor")!;
    assert.ok(!release.dependencies.includes(one(g, T.record).urn));
    assert.ok(!release.dependencies.includes(one(g, T.certificate, "harbor-certs-tls").urn));
  });
});

describe("first deploy: a failed ping says what is missing", () => {
  it("names the DNS record, the listener, Harbor's route or Harbor's pods", () => {
    assert.match(
      pingDiagnosis("harbor.example.com", { code: "ENOTFOUND" }),
      /Missing: a DNS record; harbor\.example\.com does not resolve/,
    );
    assert.match(pingDiagnosis("h", { code: "ECONNREFUSED" }), /Missing: a listener/);
    assert.match(pingDiagnosis("h", { code: "timed out" }), /Missing: a listener/);
    assert.match(pingDiagnosis("h", { status: 404 }), /Missing: Harbor's route/);
    assert.match(pingDiagnosis("h", { status: 503 }), /Missing: ready Harbor pods/);
    assert.match(pingDiagnosis("h", { status: 500 }), /Is the release up/);
  });

  it("a host that does not resolve fails the bounded wait with the DNS diagnosis", async function () {
    this.timeout(30_000);
    // .invalid never resolves (RFC 2606).
    const c = new HarborClient(
      { url: "https://harbor.first-deploy.invalid", username: "admin", password: "not-used-here" },
      {
        ping: { attempts: 2, intervalMs: 1 },
        retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5000, totalMs: 10000 },
      },
    );
    const e = await c.waitForPing().catch((x: Error) => x);
    assert.match(String(e), /did not answer the ping after 2 attempts/);
    assert.match(String(e), /Missing: a DNS record; harbor\.first-deploy\.invalid does not resolve/);
  });
});
