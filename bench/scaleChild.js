// Child process of `npm run bench`: plan time of N replication targets (N registry endpoints + N push
// policies) under the compiled engine, in-process after a warm-up. Plain JS, so no ts-node source-map
// hooks distort the SDK's per-promise stack captures. Usage: node scaleChild.js <compiled root> N...
// Prints one JSON line: { component, runs: [{ n, ms, resources }] }.
const path = require("path");
const dist = path.join(process.argv[2], "dist");
const sizes = process.argv.slice(3).map(Number);
const { runProgram } = require(path.join(dist, "engine"));

// The real ReplicationTargets (components/replication) when it is built; otherwise a stand-in with the
// same shape: per target one endpoint and one policy depending on it, as dynamic-provider resources.
let ReplicationTargets;
let component = "components/replication ReplicationTargets";
try {
  ({ ReplicationTargets } = require(path.join(dist, "components", "replication")));
} catch {
  component = "stand-in (components/replication not built): dynamic endpoint + policy per target";
}

function program(n) {
  return async () => {
    const endpoints = Array.from({ length: n }, (_, i) => ({
      name: `site-${i}`,
      url: `https://harbor-${i}.bench.example.com`,
      accessKey: "robot$bench",
      accessSecret: "bench-secret-value",
    }));
    const policies = endpoints.map((e) => ({
      name: `to-${e.name}`,
      direction: "push",
      endpoint: e.name,
      trigger: { type: "event_based" },
      filters: { tag: "prod-*" },
    }));
    if (ReplicationTargets) {
      new ReplicationTargets("bench", {
        harbor: { url: "https://harbor.bench.example.com", password: "bench-admin-password" },
        endpoints,
        policies,
      });
      return;
    }
    const pulumi = require("@pulumi/pulumi");
    const provider = { create: async (inputs) => ({ id: inputs.name, outs: inputs }) };
    for (const e of endpoints) {
      const ep = new pulumi.dynamic.Resource(provider, `bench-endpoint-${e.name}`, {
        ...e,
        accessSecret: pulumi.secret(e.accessSecret),
      });
      new pulumi.dynamic.Resource(provider, `bench-policy-${e.name}`, { name: `to-${e.name}`, endpointId: ep.id });
    }
  };
}

(async () => {
  await runProgram(program(1), { stack: "bench" }); // warm-up: module loading, first-use costs
  const runs = [];
  for (const n of sizes) {
    const started = process.hrtime.bigint();
    const g = await runProgram(program(n), { stack: "bench" });
    runs.push({
      n,
      ms: Number(process.hrtime.bigint() - started) / 1e6,
      resources: g.resources.length,
      errors: g.errors.length,
    });
  }
  process.stdout.write(JSON.stringify({ component, runs }) + "\n");
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
