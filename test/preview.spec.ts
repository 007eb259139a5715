/**
 * Plans as a first `pulumi preview` of a new stack (computed outputs unknown): the policy pack gives no
 * false mandatory violation, says "cannot check until apply" for what it cannot see, and still catches
 * broken configs wherever their inputs are known.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { plan, EXIT_OK, EXIT_POLICY } from "../cli/plan";
import { planDocument } from "../cli/planReport";
import { canonicalJson } from "../cli/canonicalJson";
import { PlanGraph, stackFilePath, UNKNOWN, unknownPaths, unwrapSecrets } from "../engine";
import { allPolicies } from "../policies/policies";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
import { policyGrpc } from "../policies/configGuard";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const policyServer = require("@pulumi/policy/server");

type Rpc = (call: { request: unknown }, cb: (err: unknown, resp?: any) => void) => unknown;
let analyzer: { configure: Rpc; analyzeStack: Rpc } | undefined;

/**
 * @pulumi/policy's own analyzer service for the pack's policies, configured with prod's policy config as
 * the Pulumi CLI sends it (schema defaults overlaid with the file). `serve` registers the handlers; the
 * server is never bound.
 */
async function packAnalyzer(): Promise<{ configure: Rpc; analyzeStack: Rpc }> {
  if (analyzer) return analyzer;
  const proto = policyGrpc().Server.prototype as unknown as Record<string, unknown>;
  const [addService, bindAsync] = [proto.addService, proto.bindAsync];
  proto.addService = (_s: unknown, impl: { configure: Rpc; analyzeStack: Rpc }) => void (analyzer = impl);
  proto.bindAsync = () => undefined;
  try {
    policyServer.serve("harbor-ha", "0.1.0", "mandatory", { policies: allPolicies });
  } finally {
    Object.assign(proto, { addService, bindAsync });
  }
  const file = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policies", "config", "prod.json"), "utf8"));
  const req = new analyzerPb.ConfigureAnalyzerRequest();
  for (const p of allPolicies) {
    const { enforcementLevel, ...set } = file[p.name] ?? {};
    const defaults = Object.fromEntries(
      Object.entries(p.configSchema?.properties ?? {}).map(([k, v]) => [k, (v as { default?: unknown }).default]),
    );
    const c = new analyzerPb.PolicyConfig();
    c.setEnforcementlevel(enforcementLevel === "advisory" ? 0 : 1);
    c.setProperties(Struct.fromJavaScript({ ...defaults, ...set }));
    req.getPolicyconfigMap().set(p.name, c);
  }
  await new Promise((resolve, reject) => analyzer!.configure({ request: req }, (e) => (e ? reject(e) : resolve(e))));
  return analyzer!;
}

/** The diagnostics @pulumi/policy's own AnalyzeStack handler gives for a graph, as under `pulumi preview`. */
async function analyzeStack(graph: PlanGraph): Promise<{ policy: string; level: number; message: string }[]> {
  const req = new analyzerPb.AnalyzeStackRequest();
  req.setResourcesList(
    graph.resources
      .filter((r) => r.type !== "pulumi:pulumi:Stack")
      .map((r) => {
        const a = new analyzerPb.AnalyzerResource();
        a.setType(r.type);
        a.setName(r.name);
        a.setUrn(r.urn);
        a.setProperties(Struct.fromJavaScript(unwrapSecrets(r.custom ? r.inputs : (r.outputs ?? {}))));
        const opts = new analyzerPb.AnalyzerResourceOptions();
        if (r.parent) opts.setParent(r.parent);
        a.setOptions(opts);
        if (r.parent) a.setParent(r.parent);
        a.setDependenciesList(r.dependencies);
        return a;
      }),
  );
  const { analyzeStack: rpc } = await packAnalyzer();
  const resp = await new Promise<{ getDiagnosticsList(): any[] }>((resolve, reject) =>
    rpc({ request: req }, (err, r) => (err ? reject(err) : resolve(r))),
  );
  return resp.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    level: d.getEnforcementlevel(),
    message: d.getMessage(),
  }));
}

function variant(stack: string, edit: (c: Record<string, any>) => void): string {
  const doc = parse(fs.readFileSync(stackFilePath(stack), "utf8"));
  edit(doc.config);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-preview-")), `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stringify(doc));
  return file;
}

const CANNOT_CHECK = /^cannot check until apply: /;

describe("plan --preview (first preview of a new stack)", () => {
  for (const stack of ["dev", "staging", "prod", "prod-fresh"]) {
    it(`${stack}: no mandatory violation; every unchecked input is an advisory "cannot check until apply"`, async () => {
      const r = await plan(stack, { preview: true });
      assert.deepEqual(r.graph.errors, []);
      assert.equal(r.graph.preview, true);
      assert.deepEqual(
        r.violations.filter((v) => v.enforcementLevel === "mandatory"),
        [],
      );
      assert.equal(r.exitCode, EXIT_OK);
      for (const v of r.violations) {
        assert.equal(v.enforcementLevel, "advisory");
        if (stack !== "dev") assert.match(v.message, CANNOT_CHECK, `${v.policy}: ${v.message}`);
      }
    });
  }

  it("prod: ids, ARNs, random results and the KMS key ARN are unknown; workloads stay known", async () => {
    const { graph, violations } = await plan("prod", { preview: true });
    const byType = (t: string) => graph.resources.filter((r) => r.type === t);
    const sse = byType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find(
      (r) => r.parent.includes("S3Storage"),
    )!;
    assert.deepEqual(unknownPaths(sse.inputs).sort(), [
      "bucket",
      "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId",
    ]);
    const harbor = graph.resources.find(
      (r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "harbor-harbor",
    )!;
    assert.equal(harbor.inputs.values, UNKNOWN, "one apply mixes the KMS key ARN into the whole values");
    for (const s of byType("kubernetes:core/v1:Secret").filter((r) => /secrets-core$/.test(r.name)))
      assert.deepEqual(unknownPaths(s.inputs), ["stringData"], "generated passwords are unknown");
    const workloads = byType("kubernetes:apps/v1:StatefulSet");
    assert.ok(workloads.length >= 2);
    for (const w of workloads) assert.deepEqual(unknownPaths(w.inputs), [], w.name);
    // The three rules that read the chart's defaults on unknown values now say they cannot check.
    for (const policy of [
      "harbor-pod-disruption-budgets",
      "harbor-zone-spread",
      "harbor-registry-capacity-headroom",
      "harbor-replicas",
    ]) {
      const v = violations.find((x) => x.policy === policy);
      assert.ok(v, `${policy} says what it cannot check`);
      assert.match(v.message, /cannot check until apply: Release "harbor-harbor" Helm values/);
      assert.equal(v.enforcementLevel, "advisory");
    }
    // The same stack after apply: every value known, nothing deferred.
    const applied = await plan("prod");
    assert.equal(applied.graph.resources.length, graph.resources.length);
    assert.deepEqual(
      applied.graph.resources.flatMap((r) => unknownPaths(r.inputs)),
      [],
    );
    assert.ok(!applied.violations.some((v) => CANNOT_CHECK.test(v.message)));
  });

  it("through @pulumi/policy's own AnalyzeStack handler: prod under preview has only advisory diagnostics", async () => {
    const { ADVISORY, MANDATORY } = analyzerPb.EnforcementLevel;
    const preview = await analyzeStack((await plan("prod", { preview: true })).graph);
    assert.ok(preview.length > 0);
    assert.deepEqual(
      preview.filter((d) => d.level === MANDATORY),
      [],
    );
    for (const d of preview) {
      assert.equal(d.level, ADVISORY);
      assert.match(
        d.message,
        /^can't run policy '[a-z0-9-]+' from policy pack 'harbor-ha@v0\.1\.0' during preview: cannot check until apply: /,
      );
    }
    assert.ok(
      preview.some((d) => d.policy === "harbor-zone-spread" && /Release "harbor-harbor" Helm values/.test(d.message)),
    );
    // After apply (every value known) the analyzer reports nothing at all.
    assert.deepEqual(await analyzeStack((await plan("prod")).graph), []);
  });

  it("shows unknown values as [unknown] in the plan document, the same on every run", async () => {
    const a = await plan("staging", { preview: true });
    const b = await plan("staging", { preview: true });
    const ja = canonicalJson(planDocument(a.graph, a.violations));
    assert.equal(ja, canonicalJson(planDocument(b.graph, b.violations)));
    assert.match(ja, /"values": "\[unknown\]"/);
    assert.ok(!ja.includes(UNKNOWN), "the wire sentinel never reaches the output");
  });

  // The broken configs of test/stackPolicies.spec.ts, under preview: caught where the input is known,
  // reported as "cannot check until apply" where it is not (Harbor's values are unknown).
  const broken: [string, (c: Record<string, any>) => void, string, "caught" | "deferred", RegExp][] = [
    [
      "db nodes of m6i.xlarge",
      (c) => (c["harbor-ha:nodePools"].db.instanceTypes = ["m6i.xlarge"]),
      "harbor-node-hardware-sizing",
      "caught",
      /m6i\.xlarge.*4 vCPU/s,
    ],
    ["2 Patroni members", (c) => (c["harbor-ha:postgres"].members = 2), "harbor-patroni-members", "caught", /2.*3/],
    [
      "a 500 GiB registry for 400 GB of data",
      (c) => {
        c["harbor-ha:storage"] = {
          type: "efs",
          vpcId: "vpc-1",
          subnets: { "eu-west-1a": "subnet-a", "eu-west-1b": "subnet-b", "eu-west-1c": "subnet-c" },
          allowedCidrs: ["10.0.0.0/16"],
          capacityGb: 500,
        };
        c["harbor-ha:expectedDataGb"] = 400;
      },
      "harbor-registry-capacity-headroom",
      "caught",
      /500.*1200/s,
    ],
    [
      "one Harbor replica",
      (c) => (c["harbor-ha:harbor"].replicas = 1),
      "harbor-replicas",
      "deferred",
      /cannot check until apply: Release "harbor-harbor" Helm values/,
    ],
    [
      "2 sentinels",
      (c) => Object.assign(c["harbor-ha:redis"], { sentinels: 2, quorum: 2 }),
      "harbor-redis-sentinel-quorum",
      "caught",
      /2.*3/,
    ],
  ];
  for (const [what, edit, policy, outcome, message] of broken) {
    it(`prod with ${what}: ${policy} ${outcome === "caught" ? "still fails (input known)" : "says it cannot check until apply"}`, async () => {
      const r = await plan("prod", { configFile: variant("prod", edit), preview: true });
      assert.deepEqual(r.graph.errors, []);
      const hits = r.violations.filter((v) => v.policy === policy && message.test(v.message));
      assert.ok(hits.length > 0, `${policy}: ${JSON.stringify(r.violations.filter((v) => v.policy === policy))}`);
      if (outcome === "caught") {
        assert.ok(hits.some((v) => v.enforcementLevel === "mandatory"));
        assert.equal(r.exitCode, EXIT_POLICY);
      } else {
        assert.deepEqual(
          hits.map((v) => v.enforcementLevel),
          ["advisory"],
        );
        assert.ok(!r.violations.some((v) => v.policy === policy && v.enforcementLevel === "mandatory"));
      }
    });
  }
});
