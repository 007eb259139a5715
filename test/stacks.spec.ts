import { strict as assert } from "assert";
import { runStack, redact, PlanGraph } from "../engine";

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
      assert.equal(count(g, "aws:s3/bucket:Bucket"), 1);
      assert.equal(count(g, "aws:eks/nodeGroup:NodeGroup"), 2);
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
    const endpoint = g.resources.find((r) => r.type === "pulumi-nodejs:dynamic/harbor:RegistryEndpoint");
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
