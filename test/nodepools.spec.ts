import { strict as assert } from "assert";
import { runProgram, evaluatePolicies } from "../engine";
import { NodePools, renderNodePool, renderNodePools, nodePoolProblems, isGraviton } from "../components/nodepools";
import { NODE_TIER_LABEL } from "../components/conventions/labels";
import { ComponentTypes } from "../components/tokens";
import { hardwareSizing, ssdStorage } from "../policies/policies";

const cluster = {
  clusterName: "harbor-prod",
  nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
  subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
};

describe("NodePools render", () => {
  it("renders an encrypted gp3 root volume of diskGb with IMDSv2 and hop limit 2", () => {
    const r = renderNodePool("np", "db", { instanceTypes: ["r6i.2xlarge"], diskGb: 1500 });
    assert.equal(r.launchTemplate.name, "np-db");
    const [bdm] = r.launchTemplate.blockDeviceMappings;
    assert.equal(bdm.deviceName, "/dev/xvda");
    assert.deepEqual(
      { size: bdm.ebs.volumeSize, type: bdm.ebs.volumeType, enc: bdm.ebs.encrypted },
      { size: 1500, type: "gp3", enc: "true" },
    );
    assert.equal(r.launchTemplate.metadataOptions.httpTokens, "required");
    assert.equal(r.launchTemplate.metadataOptions.httpPutResponseHopLimit, 2);
  });

  it("labels and taints nodes with the tier, and scales with the given sizes", () => {
    const r = renderNodePool("np", "app", {
      instanceTypes: ["m6i.2xlarge"],
      desiredSize: 4,
      minSize: 3,
      maxSize: 9,
      labels: { team: "platform" },
    });
    assert.deepEqual(r.nodeGroup.labels, { team: "platform", [NODE_TIER_LABEL]: "app" });
    assert.deepEqual(r.nodeGroup.taints, [{ key: NODE_TIER_LABEL, value: "app", effect: "NO_SCHEDULE" }]);
    assert.deepEqual(r.nodeGroup.scalingConfig, { desiredSize: 4, minSize: 3, maxSize: 9 });
    assert.equal(r.launchTemplate.blockDeviceMappings[0].ebs.volumeSize, 200, "app default disk");
    assert.equal(r.nodeGroup.amiType, "AL2023_x86_64_STANDARD");
    assert.deepEqual(
      renderNodePool("np", "app", { instanceTypes: ["m7g.2xlarge"], taint: false }).nodeGroup.taints,
      [],
    );
  });

  it("picks the arm64 AMI for Graviton types and refuses mixed architectures", () => {
    assert.equal(
      renderNodePool("np", "db", { instanceTypes: ["r7g.2xlarge"] }).nodeGroup.amiType,
      "AL2023_ARM_64_STANDARD",
    );
    assert.ok(isGraviton("m7g.large") && !isGraviton("m6i.large") && !isGraviton("m6a.large"));
    const problems = nodePoolProblems("db", { instanceTypes: ["r7g.2xlarge", "r6i.2xlarge"] });
    assert.ok(problems.some(([p, what]) => p === "pools.db.instanceTypes" && /mixes Graviton/.test(what)));
  });

  it("tags instances and volumes with the tier and the given tags, and honours gp3 IOPS/throughput and capacity type", () => {
    const r = renderNodePool(
      "np",
      "db",
      { instanceTypes: ["r6i.4xlarge"], diskIops: 6000, diskThroughputMiBs: 250, capacityType: "SPOT" },
      { team: "registry" },
    );
    const want = { team: "registry", [NODE_TIER_LABEL]: "db" };
    assert.deepEqual(
      r.launchTemplate.tagSpecifications.map((t) => [t.resourceType, t.tags]),
      [
        ["instance", want],
        ["volume", want],
      ],
    );
    assert.deepEqual(r.nodeGroup.tags, want);
    assert.deepEqual(
      [r.launchTemplate.blockDeviceMappings[0].ebs.iops, r.launchTemplate.blockDeviceMappings[0].ebs.throughput],
      [6000, 250],
    );
    assert.equal(r.nodeGroup.capacityType, "SPOT");
    assert.equal(
      renderNodePool("np", "db", { instanceTypes: ["r6i.4xlarge"] }).launchTemplate.blockDeviceMappings[0].ebs
        .volumeSize,
      1024,
      "db default disk is 1 TiB",
    );
    assert.ok(
      nodePoolProblems("app", { instanceTypes: ["m6i.large"], diskIops: 20000, diskThroughputMiBs: 50 }).length === 2,
    );
  });

  it("renders only the configured tiers, app before db", () => {
    assert.deepEqual(
      renderNodePools("x", { db: { instanceTypes: ["r6i.2xlarge"] } }).map((r) => r.tier),
      ["db"],
    );
    assert.deepEqual(
      renderNodePools("x", { db: { instanceTypes: ["r6i.2xlarge"] }, app: { instanceTypes: ["m6i.xlarge"] } }).map(
        (r) => r.tier,
      ),
      ["app", "db"],
    );
  });
});

describe("NodePools component", () => {
  it("creates a launch template and a node group per tier on the existing cluster", async () => {
    const graph = await runProgram(async () => {
      new NodePools("pools", {
        ...cluster,
        pools: {
          app: { instanceTypes: ["m6i.2xlarge"], diskGb: 200 },
          db: { instanceTypes: ["r6i.2xlarge"], diskGb: 1024, maxSize: 3 },
        },
      });
    });
    assert.deepEqual(graph.errors, []);
    const comp = graph.resources.find((r) => r.type === ComponentTypes.NodePools)!;
    const ngs = graph.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
    const lts = graph.resources.filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate");
    assert.equal(ngs.length, 2);
    assert.equal(lts.length, 2);
    for (const r of [...ngs, ...lts]) assert.equal(r.parent, comp.urn);
    const db = ngs.find((r) => (r.inputs as any).labels[NODE_TIER_LABEL] === "db")!;
    const i = db.inputs as any;
    assert.equal(i.clusterName, "harbor-prod");
    assert.deepEqual(i.subnetIds, cluster.subnetIds);
    assert.deepEqual(i.scalingConfig, { desiredSize: 3, minSize: 3, maxSize: 3 });
    assert.match(i.launchTemplate.id, /^lt-/);
    const dbLt = lts.find((r) => (r.inputs as any).name === "pools-db")!;
    assert.ok(db.dependencies.includes(dbLt.urn), "the node group waits for its launch template");
    assert.equal((dbLt.inputs as any).blockDeviceMappings[0].ebs.volumeSize, 1024);
    assert.equal(
      (dbLt.inputs as any).metadataOptions.httpPutResponseHopLimit,
      2,
      "registry pods reach IMDS one hop behind the node",
    );
    assert.deepEqual(i.taints, [{ key: NODE_TIER_LABEL, value: "db", effect: "NO_SCHEDULE" }]);
  });

  it("passes the pack's sizing and SSD policies at the seed's sizing, and fails db nodes of m6i.xlarge with 500 GiB", async () => {
    const good = await runProgram(async () => {
      new NodePools("pools", {
        ...cluster,
        pools: { app: { instanceTypes: ["m6i.2xlarge"] }, db: { instanceTypes: ["r6i.2xlarge"] } },
      });
    });
    assert.deepEqual(await evaluatePolicies(good, [hardwareSizing, ssdStorage]), []);
    const bad = await runProgram(async () => {
      new NodePools("pools", {
        ...cluster,
        pools: { app: { instanceTypes: ["m6i.2xlarge"] }, db: { instanceTypes: ["m6i.xlarge"], diskGb: 500 } },
      });
    });
    const v = await evaluatePolicies(bad, [hardwareSizing, ssdStorage]);
    const msgs = v.map((x) => x.message);
    assert.equal(v.length, 3, msgs.join("\n"));
    assert.ok(
      msgs.some((m) => /pools-db/.test(m) && /m6i\.xlarge has 4 vCPU/.test(m) && />= 8 vCPU/.test(m) && /Fix:/.test(m)),
      msgs.join("\n"),
    );
    assert.ok(
      msgs.some((m) => /16 GiB memory/.test(m) && />= 32 GiB/.test(m)),
      msgs.join("\n"),
    );
    assert.ok(
      msgs.some((m) => /500 GiB/.test(m) && />= 1024 GiB SSD/.test(m) && /diskGb/.test(m)),
      msgs.join("\n"),
    );
  });

  it("refuses bad Args before creating anything, naming every problem", async () => {
    await assert.rejects(
      runProgram(async () => {
        new NodePools("pools", {
          ...cluster,
          subnetIds: [],
          pools: { db: { instanceTypes: [], diskGb: 5, minSize: 4, desiredSize: 3 } },
        });
      }),
      (e: Error) => {
        assert.equal(e.name, "InvalidArgsError");
        for (const p of ["pools.db.instanceTypes", "pools.db.diskGb", "pools.db:", "subnetIds"])
          assert.ok(e.message.includes(p), `${p} in ${e.message}`);
        return true;
      },
    );
    await assert.rejects(
      runProgram(async () => void new NodePools("pools", { ...cluster, pools: {} })),
      /pools: configures no tier/,
    );
  });
});
