/**
 * The policy pack on the real stacks, through the same plan the CLI runs: prod is clean, and configs
 * that break a rule fail with a message naming the resource, the measured value, the threshold and the fix.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { plan, EXIT_POLICY } from "../cli/plan";
import { stackFilePath } from "../engine";

function variant(stack: string, edit: (c: Record<string, any>) => void): string {
  const doc = parse(fs.readFileSync(stackFilePath(stack), "utf8"));
  edit(doc.config);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-policy-")), `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stringify(doc));
  return file;
}

async function mandatory(stack: string, file?: string) {
  const r = await plan(stack, { configFile: file });
  assert.deepEqual(r.graph.errors, []);
  return { exitCode: r.exitCode, violations: r.violations.filter((v) => v.enforcementLevel === "mandatory") };
}

describe("policy pack on the stacks", () => {
  it("prod plans with no violation at all", async () => {
    const r = await plan("prod");
    assert.deepEqual(r.violations, []);
    assert.equal(r.exitCode, 0);
  });

  it("staging plans with no mandatory violation", async () => {
    assert.deepEqual((await mandatory("staging")).violations, []);
  });

  const broken: [string, (c: Record<string, any>) => void, string, RegExp][] = [
    [
      "db nodes of m6i.xlarge",
      (c) => (c["harbor-ha:nodePools"].db.instanceTypes = ["m6i.xlarge"]),
      "harbor-node-hardware-sizing",
      /m6i\.xlarge.*4 vCPU.*8/s,
    ],
    ["2 Patroni members", (c) => (c["harbor-ha:postgres"].members = 2), "harbor-patroni-members", /2.*3/],
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
      /500.*1200/s,
    ],
    ["one Harbor replica", (c) => (c["harbor-ha:harbor"].replicas = 1), "harbor-replicas", /1.*2/],
    [
      "2 sentinels",
      (c) => Object.assign(c["harbor-ha:redis"], { sentinels: 2, quorum: 2 }),
      "harbor-redis-sentinel-quorum",
      /2.*3/,
    ],
  ];
  for (const [what, edit, policy, measured] of broken) {
    it(`prod with ${what} exits 2 on ${policy}, naming value, threshold and fix`, async () => {
      const r = await mandatory("prod", variant("prod", edit));
      assert.equal(r.exitCode, EXIT_POLICY);
      const hits = r.violations.filter((v) => v.policy === policy);
      assert.ok(
        hits.length > 0,
        `expected a ${policy} violation, got: ${r.violations.map((v) => v.policy).join(", ")}`,
      );
      const hit = hits.find((v) => measured.test(v.message));
      assert.ok(hit, `no ${policy} message matches ${measured}: ${hits.map((v) => v.message).join(" | ")}`);
      assert.match(hit.message, /required/);
      assert.match(hit.message, /Fix: /);
    });
  }
});
