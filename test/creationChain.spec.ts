import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { longestCreationChain, runProgram } from "../engine";

describe("longest creation chain", () => {
  it("follows input dependencies, explicit dependsOn on components and providers", async () => {
    const graph = await runProgram(async () => {
      const provider = new k8s.Provider("p", { context: "kind" });
      const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: "n" } }, { provider });
      class Group extends pulumi.ComponentResource {
        constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
          super("test:g:Group", name, {}, opts);
          new k8s.core.v1.ConfigMap(
            `${name}-cm`,
            { metadata: { name: `${name}-cm`, namespace: ns.metadata.name } },
            { parent: this, provider },
          );
          this.registerOutputs({});
        }
      }
      const group = new Group("g");
      new k8s.core.v1.ConfigMap(
        "after",
        { metadata: { name: "after", namespace: "n" } },
        { dependsOn: [group], provider },
      );
      new k8s.core.v1.ConfigMap("independent", { metadata: { name: "i", namespace: "n" } }, { provider });
    });
    const chain = longestCreationChain(graph);
    assert.deepEqual(
      chain.urns.map((u) => u.split("::").pop()),
      ["p", "ns", "g-cm", "after"],
    );
    assert.equal(chain.length, 4);
  });

  it("counts a custom parent before its children (the SDK awaits the parent's URN)", async () => {
    const graph = await runProgram(async () => {
      const ns = new k8s.core.v1.Namespace("outer", { metadata: { name: "outer" } });
      new k8s.core.v1.ConfigMap("inner", { metadata: { name: "inner", namespace: "fixed" } }, { parent: ns });
    });
    assert.deepEqual(
      longestCreationChain(graph).urns.map((u) => u.split("::").pop()),
      ["outer", "inner"],
    );
  });
});
