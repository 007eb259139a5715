import { strict as assert } from "assert";
import { runProgram, evaluatePolicies } from "../engine";
import {
  IMDS_HOP_LIMIT,
  NodePools,
  PODS_NEEDING_NODE_ROLE,
  renderNodePool,
  renderNodePools,
  nodePoolProblems,
  isGraviton,
} from "../components/nodepools";
import { NODE_TIER_LABEL, NODE_ZONE_LABEL } from "../components/conventions/labels";
import { ComponentTypes } from "../components/tokens";
import { hardwareSizing, ssdStorage } from "../policies/policies";

const ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
const cluster = {
  clusterName: "harbor-prod",
  nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
  subnets: { "eu-west-1a": "subnet-a", "eu-west-1b": "subnet-b", "eu-west-1c": "subnet-c" },
};
const NG = "aws:eks/nodeGroup:NodeGroup";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";

describe("NodePools render", () => {
  it("renders an encrypted gp3 root volume of diskGb with IMDSv2 and hop limit 1 (no pod needs the node role)", () => {
    const r = renderNodePool("np", "db", { instanceTypes: ["r6i.2xlarge"], diskGb: 1500 });
    assert.equal(r.launchTemplate.namePrefix, "np-db-");
    assert.equal((r.launchTemplate as any).name, undefined, "no fixed name: AWS adds a unique suffix");
    const [bdm] = r.launchTemplate.blockDeviceMappings;
    assert.equal(bdm.deviceName, "/dev/xvda");
    assert.deepEqual(
      { size: bdm.ebs.volumeSize, type: bdm.ebs.volumeType, enc: bdm.ebs.encrypted },
      { size: 1500, type: "gp3", enc: "true" },
    );
    assert.equal(r.launchTemplate.metadataOptions.httpTokens, "required");
    assert.equal(r.launchTemplate.metadataOptions.httpPutResponseHopLimit, 1);
    assert.equal(IMDS_HOP_LIMIT, 1);
    assert.deepEqual(PODS_NEEDING_NODE_ROLE, [], "a pod that needs the node role must be named before raising it");
  });

  it("labels and taints nodes with the tier, and scales with the given sizes", () => {
    const r = renderNodePool("np", "app", {
      instanceTypes: ["m6i.2xlarge"],
      desiredSize: 4,
      minSize: 3,
      maxSize: 9,
      labels: { team: "platform" },
    });
    const [g] = r.groups;
    assert.equal(r.groups.length, 1, "app: one group over every subnet");
    assert.deepEqual(g.nodeGroup.labels, { team: "platform", [NODE_TIER_LABEL]: "app" });
    assert.deepEqual(g.nodeGroup.taints, [{ key: NODE_TIER_LABEL, value: "app", effect: "NO_SCHEDULE" }]);
    assert.deepEqual(g.nodeGroup.scalingConfig, { desiredSize: 4, minSize: 3, maxSize: 9 });
    assert.equal(g.nodeGroup.nodeGroupNamePrefix, "np-app-");
    assert.equal((g.nodeGroup as any).nodeGroupName, undefined, "no fixed name: create-before-delete");
    assert.equal(r.launchTemplate.blockDeviceMappings[0].ebs.volumeSize, 200, "app default disk");
    assert.equal(g.nodeGroup.amiType, "AL2023_x86_64_STANDARD");
    assert.deepEqual(
      renderNodePool("np", "app", { instanceTypes: ["m7g.2xlarge"], taint: false }).groups[0].nodeGroup.taints,
      [],
    );
  });

  it("db: one node group per zone, labelled with its zone, the tier's sizes split over the zones", () => {
    const r = renderNodePool(
      "np",
      "db",
      { instanceTypes: ["r6i.2xlarge"], minSize: 3, desiredSize: 3, maxSize: 6 },
      {},
      ZONES,
    );
    assert.deepEqual(
      r.groups.map((g) => [g.key, g.zone, g.nodeGroup.nodeGroupNamePrefix, g.nodeGroup.labels[NODE_ZONE_LABEL]]),
      ZONES.map((z) => [`db-${z}`, z, `np-db-${z}-`, z]),
    );
    for (const g of r.groups) assert.deepEqual(g.nodeGroup.scalingConfig, { desiredSize: 1, minSize: 1, maxSize: 2 });
    // The app tier stays one group even when zones are known.
    assert.equal(renderNodePool("np", "app", { instanceTypes: ["m6i.2xlarge"] }, {}, ZONES).groups.length, 1);
  });

  it("picks the arm64 AMI for Graviton types and refuses mixed architectures", () => {
    assert.equal(
      renderNodePool("np", "db", { instanceTypes: ["r7g.2xlarge"] }).groups[0].nodeGroup.amiType,
      "AL2023_ARM_64_STANDARD",
    );
    assert.ok(isGraviton("m7g.large") && !isGraviton("m6i.large") && !isGraviton("m6a.large"));
    const problems = nodePoolProblems("db", { instanceTypes: ["r7g.2xlarge", "r6i.2xlarge"] });
    assert.ok(problems.some(([p, what]) => p === "pools.db.instanceTypes" && /mixes Graviton/.test(what)));
  });

  it("tags instances and volumes with the tier, the given tags and a Name; honours gp3 IOPS/throughput and capacity type", () => {
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
        ["instance", { ...want, Name: "np-db" }],
        ["volume", { ...want, Name: "np-db" }],
      ],
    );
    assert.deepEqual(r.groups[0].nodeGroup.tags, want);
    assert.deepEqual(
      [r.launchTemplate.blockDeviceMappings[0].ebs.iops, r.launchTemplate.blockDeviceMappings[0].ebs.throughput],
      [6000, 250],
    );
    assert.equal(r.groups[0].nodeGroup.capacityType, "SPOT");
    assert.equal(
      renderNodePool("np", "db", { instanceTypes: ["r6i.4xlarge"] }).launchTemplate.blockDeviceMappings[0].ebs
        .volumeSize,
      100,
      "db default root disk is 100 GiB: the data is on Patroni's volumes",
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
  const plan = () =>
    runProgram(async () => {
      new NodePools("pools", {
        ...cluster,
        pools: {
          app: { instanceTypes: ["m6i.2xlarge"], diskGb: 200 },
          db: { instanceTypes: ["r6i.2xlarge"], diskGb: 100, maxSize: 3 },
        },
      });
    });

  it("creates a launch template per tier, one app node group and one db node group per zone with that zone's subnet", async () => {
    const graph = await plan();
    assert.deepEqual(graph.errors, []);
    const comp = graph.resources.find((r) => r.type === ComponentTypes.NodePools)!;
    const ngs = graph.resources.filter((r) => r.type === NG);
    const lts = graph.resources.filter((r) => r.type === LT);
    assert.equal(ngs.length, 4);
    assert.equal(lts.length, 2);
    for (const r of [...ngs, ...lts]) assert.equal(r.parent, comp.urn);
    const dbs = ngs.filter((r) => (r.inputs as any).labels[NODE_TIER_LABEL] === "db");
    assert.deepEqual(
      dbs.map((r) => [(r.inputs as any).labels[NODE_ZONE_LABEL], (r.inputs as any).subnetIds]),
      [
        ["eu-west-1a", ["subnet-a"]],
        ["eu-west-1b", ["subnet-b"]],
        ["eu-west-1c", ["subnet-c"]],
      ],
    );
    const app = ngs.find((r) => (r.inputs as any).labels[NODE_TIER_LABEL] === "app")!;
    assert.deepEqual((app.inputs as any).subnetIds, ["subnet-a", "subnet-b", "subnet-c"]);
    const i = dbs[0].inputs as any;
    assert.equal(i.clusterName, "harbor-prod");
    assert.deepEqual(i.scalingConfig, { desiredSize: 1, minSize: 1, maxSize: 1 });
    assert.match(i.launchTemplate.id, /^lt-/);
    const dbLt = lts.find((r) => (r.inputs as any).namePrefix.endsWith("-db-"))!;
    for (const db of dbs) assert.ok(db.dependencies.includes(dbLt.urn), "the node group waits for its launch template");
    assert.equal((dbLt.inputs as any).metadataOptions.httpPutResponseHopLimit, 1);
    assert.deepEqual(i.taints, [{ key: NODE_TIER_LABEL, value: "db", effect: "NO_SCHEDULE" }]);
  });

  it("replaces create-before-delete: no fixed names, no deleteBeforeReplace, stack-qualified prefixes, db groups chained zone by zone", async () => {
    const graph = await plan();
    for (const r of graph.resources.filter((x) => x.type === NG || x.type === LT)) {
      const i = r.inputs as any;
      assert.equal(i.nodeGroupName, undefined, r.name);
      assert.equal(i.name, undefined, r.name);
      assert.notEqual(r.deleteBeforeReplace, true, r.name);
      assert.match(i.nodeGroupNamePrefix ?? i.namePrefix, new RegExp(`^pools-${graph.stack}-(app|db)-`));
    }
    const dbs = graph.resources.filter((r) => r.type === NG && (r.inputs as any).labels[NODE_TIER_LABEL] === "db");
    assert.ok(dbs[1].dependencies.includes(dbs[0].urn) && dbs[2].dependencies.includes(dbs[1].urn), "chained");
  });

  it("passes the pack's sizing and SSD policies at the seed's sizing, and fails db nodes of m6i.xlarge with 50 GiB", async () => {
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
        pools: { app: { instanceTypes: ["m6i.2xlarge"] }, db: { instanceTypes: ["m6i.xlarge"], diskGb: 50 } },
      });
    });
    const v = await evaluatePolicies(bad, [hardwareSizing, ssdStorage]);
    const msgs = v.map((x) => x.message);
    assert.ok(
      msgs.some((m) => /pools-db/.test(m) && /m6i\.xlarge has 4 vCPU/.test(m) && />= 8 vCPU/.test(m) && /Fix:/.test(m)),
      msgs.join("\n"),
    );
    assert.ok(
      msgs.some((m) => /16 GiB memory/.test(m) && />= 32 GiB/.test(m)),
      msgs.join("\n"),
    );
    assert.ok(
      msgs.some((m) => /50 GiB/.test(m) && />= 100 GiB SSD/.test(m) && /diskGb/.test(m)),
      msgs.join("\n"),
    );
  });

  it("refuses bad Args before creating anything, naming every problem", async () => {
    await assert.rejects(
      runProgram(async () => {
        new NodePools("pools", {
          ...cluster,
          subnets: undefined,
          subnetIds: [],
          pools: { db: { instanceTypes: [], diskGb: 5, minSize: 4, desiredSize: 3 } },
        });
      }),
      (e: Error) => {
        assert.equal(e.name, "InvalidArgsError");
        for (const p of [
          "pools.db.instanceTypes",
          "pools.db.diskGb",
          "pools.db:",
          "subnetIds",
          "subnets: is required for the db tier",
        ])
          assert.ok(e.message.includes(p), `${p} in ${e.message}`);
        return true;
      },
    );
    await assert.rejects(
      runProgram(async () => void new NodePools("pools", { ...cluster, pools: {} })),
      /pools: configures no tier/,
    );
    await assert.rejects(
      runProgram(
        async () =>
          void new NodePools("pools", {
            ...cluster,
            subnets: { "eu-west-1": "subnet-a" },
            pools: { db: { instanceTypes: ["r6i.2xlarge"] } },
          }),
      ),
      /subnets\.eu-west-1: is not an availability zone name/,
    );
    // subnetIds alone still serves the app tier.
    const g = await runProgram(
      async () =>
        void new NodePools("pools", {
          clusterName: "c",
          nodeRoleArn: cluster.nodeRoleArn,
          subnetIds: ["subnet-a", "subnet-b"],
          pools: { app: { instanceTypes: ["m6i.2xlarge"] } },
        }),
    );
    assert.deepEqual((g.resources.find((r) => r.type === NG)!.inputs as any).subnetIds, ["subnet-a", "subnet-b"]);
  });
});
