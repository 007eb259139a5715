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
import { stackFilePath, UNKNOWN, unknownPaths } from "../engine";

function variant(stack: string, edit: (c: Record<string, any>) => void): string {
  const doc = parse(fs.readFileSync(stackFilePath(stack), "utf8"));
  edit(doc.config);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-preview-")), `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stringify(doc));
  return file;
}

const CANNOT_CHECK = /^cannot check until apply: /;

describe("plan --preview (first preview of a new stack)", () => {
  for (const stack of ["dev", "staging", "prod"]) {
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
    const sse = byType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0];
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
    for (const policy of ["pod-disruption-budgets", "zone-spread", "registry-capacity-headroom", "harbor-replicas"]) {
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
      "node-hardware-sizing",
      "caught",
      /m6i\.xlarge.*4 vCPU/s,
    ],
    ["2 Patroni members", (c) => (c["harbor-ha:postgres"].members = 2), "patroni-members", "caught", /2.*3/],
    [
      "a 500 GiB registry for 400 GB of data",
      (c) => {
        c["harbor-ha:storage"] = {
          type: "efs",
          vpcId: "vpc-1",
          subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
          allowedCidrs: ["10.0.0.0/16"],
          capacityGb: 500,
        };
        c["harbor-ha:expectedDataGb"] = 400;
      },
      "registry-capacity-headroom",
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
      "redis-sentinel-quorum",
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
