import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { evaluatePolicies, runStack, UNKNOWN } from "../engine";
import { allPolicies } from "../policies/policies";
import { podsFitNodes } from "../policies/rules/topology";

/** prod's stack file with `edit` applied, planned offline. */
async function prodWith(edit: (c: Record<string, any>) => void) {
  const doc = parse(fs.readFileSync(path.join(__dirname, "..", "stacks", "Pulumi.prod.yaml"), "utf8"));
  edit(doc.config);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-topology-"));
  try {
    const file = path.join(dir, "Pulumi.prod.yaml");
    fs.writeFileSync(file, stringify(doc));
    return await runStack("prod", { configFile: file });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("policy harbor-one-pod-per-node-fits (Patroni members vs db nodes)", function () {
  this.timeout(120_000);

  it("is part of the pack", () => {
    assert.ok(allPolicies.includes(podsFitNodes));
  });

  it("passes prod: 3 members on 3 db nodes", async () => {
    const g = await prodWith(() => {});
    assert.deepEqual(await evaluatePolicies(g, [podsFitNodes]), []);
  });

  it("reports 5 members on 3 db nodes (two would stay Pending under hostname anti-affinity)", async () => {
    const g = await prodWith((c) => (c["harbor-ha:postgres"].members = 5));
    const v = await evaluatePolicies(g, [podsFitNodes]);
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.equal(v[0].enforcementLevel, "mandatory");
    assert.match(v[0].message, /StatefulSet "harbor\/harbor-db".*5 replicas with one pod per node/);
    assert.match(
      v[0].message,
      /keep 3 nodes \(minSize\); required: replicas <= 3\. Fix: lower the replicas to 3 or raise nodePools\.db\.minSize to 5\./,
    );
  });

  it("counts the nodes a group always keeps (minSize), not the ones it may scale to", async () => {
    // Three zones: minSize 3 keeps one node per zone (3), maxSize 6 allows two per zone.
    const g = await prodWith((c) => {
      Object.assign(c["harbor-ha:nodePools"].db, { minSize: 3, desiredSize: 3, maxSize: 6 });
      c["harbor-ha:postgres"].members = 4;
    });
    const v = await evaluatePolicies(g, [podsFitNodes]);
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0].message, /4 replicas .* keep 3 nodes/);
  });

  it("does not guess when the stack declares no node groups (dev: bring your own nodes)", async () => {
    const g = await runStack("dev");
    assert.equal(g.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup").length, 0);
    assert.deepEqual(await evaluatePolicies(g, [podsFitNodes]), []);
  });

  it("says 'cannot check until apply' when a first preview hides the node groups' sizes, never skipping silently", async () => {
    const g = await prodWith(() => {});
    for (const r of g.resources)
      if (r.type === "aws:eks/nodeGroup:NodeGroup") (r.inputs as Record<string, unknown>).scalingConfig = UNKNOWN;
    const v = await evaluatePolicies(g, [podsFitNodes]);
    assert.ok(v.length > 0, "an unknown node count is reported");
    for (const x of v) {
      assert.equal(x.enforcementLevel, "advisory");
      assert.match(x.message, /^cannot check until apply: .*scalingConfig/);
    }
  });
});
