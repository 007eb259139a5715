// Child process of `npm run bench`: where the time of one `plan <stack>` goes under the compiled package
// (module loading, the program run, policies, JSON), plus the graph's size and longest creation chain.
// Usage: node planPhases.js <compiled root> <stack>. Prints one JSON line.
const t0 = process.hrtime.bigint();
const path = require("path");
const dist = path.join(process.argv[2], "dist");
const stack = process.argv[3];
const since = (t) => Number(process.hrtime.bigint() - t) / 1e6;

// As the CLI starts (bin/harbor-ha.js): the compile cache first, then the engine, which defers the SDK's
// unused modules (engine/deferredSdkModules.ts) before the SDK loads.
const compileCache = require(path.join(process.argv[2], "bin", "compileCache.js")).enableCompileCache();
const { deferredSdkModulesState } = require(path.join(dist, "engine", "deferredSdkModules"));
const sdk = process.hrtime.bigint();
require("@pulumi/pulumi");
const sdkMs = since(sdk);
const engine = require(path.join(dist, "engine"));
const planMod = require(path.join(dist, "cli", "plan"));
const { planDocument } = require(path.join(dist, "cli", "planReport"));
const { canonicalJson } = require(path.join(dist, "cli", "canonicalJson"));

(async () => {
  let t = process.hrtime.bigint();
  const policies = planMod.packPolicies();
  const policyLoadMs = since(t);
  const loadMs = since(t0);
  // The stack program's modules (components, stacks' config, zod, @pulumi/aws, @pulumi/kubernetes), which
  // runStack would otherwise load on its first run.
  t = process.hrtime.bigint();
  require(engine.STACK_PROGRAM);
  const programLoadMs = since(t);
  // Schema validation (incl. loading kubernetes-models classes and CRD validators) happens inside the run.
  let validateMs = 0;
  const schemas = require(path.join(dist, "engine", "schemas"));
  const validate = schemas.validateKubernetesObject;
  schemas.validateKubernetesObject = (...args) => {
    const v = process.hrtime.bigint();
    try {
      return validate(...args);
    } finally {
      validateMs += since(v);
    }
  };
  t = process.hrtime.bigint();
  const graph = await engine.runStack(stack, { configInput: engine.readStackConfig(stack) });
  const runMs = since(t);
  schemas.validateKubernetesObject = validate;
  t = process.hrtime.bigint();
  const violations = await engine.evaluatePolicies(graph, policies, { config: planMod.readPolicyConfig(stack) });
  const policiesMs = since(t);
  t = process.hrtime.bigint();
  canonicalJson(planDocument(graph, violations));
  const jsonMs = since(t);
  t = process.hrtime.bigint();
  await engine.runStack(stack, { configInput: engine.readStackConfig(stack) });
  const secondRunMs = since(t);
  const chain = engine.longestCreationChain(graph);
  process.stdout.write(
    JSON.stringify({
      stack,
      compileCache,
      deferredSdkModulesState,
      sdkMs,
      loadMs,
      policyLoadMs,
      programLoadMs,
      runMs,
      validateMs,
      secondRunMs,
      policiesMs,
      jsonMs,
      resources: graph.resources.length,
      custom: graph.resources.filter((r) => r.custom).length,
      errors: graph.errors.length,
      chain,
    }) + "\n",
  );
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
