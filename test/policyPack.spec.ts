/**
 * The policy pack as `pulumi policy publish` and `pulumi preview --policy-pack` take it: self-contained
 * (its build holds every file it imports), importing only an SDK-free facts module, and refusing policy
 * config it does not understand, which the Pulumi CLI would pass through silently.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { builtinModules } from "module";
import { allPolicies } from "../policies/policies";
import { guardAnalyzer, policyGrpc } from "../policies/configGuard";

const ROOT = path.join(__dirname, "..");
const PACK = path.join(ROOT, "policies");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AnalyzerService } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");

/** Every module specifier a source or compiled file imports or requires. */
function specifiers(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(/(?:\bfrom\s+|\brequire\(|\bimport\()\s*"([^"]+)"/g)].map((m) => m[1]);
}

/** Files reachable by relative imports from `entry` (with extension `ext`), and the bare specifiers met. */
function moduleGraph(entry: string, ext: ".ts" | ".js"): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (f: string) => {
    if (files.has(f)) return;
    files.add(f);
    for (const s of specifiers(f)) {
      if (!s.startsWith(".")) {
        bare.add(s);
        continue;
      }
      const base = path.resolve(path.dirname(f), s);
      const target = [base + ext, path.join(base, "index" + ext)].find((c) => fs.existsSync(c));
      assert.ok(target, `${path.relative(ROOT, f)} imports ${s}, which does not exist`);
      visit(target);
    }
  };
  visit(entry);
  return { files, bare };
}

/** A pulumirpc.ConfigureAnalyzerRequest as the Pulumi CLI sends it. */
function configureRequest(config: Record<string, Record<string, unknown>>) {
  const req = new analyzerPb.ConfigureAnalyzerRequest();
  const levels: Record<string, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
  for (const [name, { enforcementLevel, ...props }] of Object.entries(config)) {
    const c = new analyzerPb.PolicyConfig();
    c.setEnforcementlevel(levels[String(enforcementLevel ?? "advisory")]);
    c.setProperties(Struct.fromJavaScript(props));
    req.getPolicyconfigMap().set(name, c);
  }
  return req;
}

/** Calls a configure handler; resolves with the error it answers (undefined when it passes on). */
function configure(handler: (call: unknown, cb: (err: unknown) => void) => unknown, req: unknown) {
  return new Promise<{ code?: number; details?: string } | undefined>((resolve) =>
    handler({ request: req }, (err) => resolve((err ?? undefined) as { code?: number; details?: string } | undefined)),
  );
}

describe("facts module (components/facts.ts)", () => {
  it("imports no @pulumi/* package (nor any package) anywhere in its transitive imports", () => {
    const { files, bare } = moduleGraph(path.join(ROOT, "components", "facts.ts"), ".ts");
    assert.deepEqual([...bare], [], "only relative imports below the facts module");
    const rel = [...files].map((f) => path.relative(ROOT, f)).sort();
    for (const f of [
      "components/tokens.ts",
      "components/conventions/labels.ts",
      "components/harbor/chartComponents.ts",
      "components/conventions/connectionBudget.ts",
    ])
      assert.ok(rel.includes(f), `${f} is re-exported: ${rel.join(", ")}`);
  });

  it("is the only thing the policies import from outside policies/", () => {
    const { files, bare } = moduleGraph(path.join(PACK, "index.ts"), ".ts");
    const outside = [...files].filter((f) => !f.startsWith(PACK + path.sep)).map((f) => path.relative(ROOT, f));
    const viaFacts = moduleGraph(path.join(ROOT, "components", "facts.ts"), ".ts").files;
    assert.ok(outside.includes("components/facts.ts"));
    for (const f of outside) assert.ok(viaFacts.has(path.join(ROOT, f)), `${f} is imported outside the facts module`);
    assert.deepEqual([...bare].filter((b) => !builtinModules.includes(b)).sort(), ["@pulumi/policy"]);
  });
});

describe("policy pack build (policies/tsconfig.json -> policies/dist)", function () {
  this.timeout(180000);
  let entry: string;

  before(() => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8"));
    fs.rmSync(path.join(PACK, "dist"), { recursive: true, force: true });
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(PACK, "tsconfig.json")], {
      stdio: "pipe",
    });
    entry = path.join(PACK, pkg.main);
  });

  it("holds every file the built entry reaches, and needs only the pack's own dependencies", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8"));
    assert.ok(pkg.files.includes("dist") && pkg.scripts.prepare, "the build ships and runs on npm ci");
    const { files, bare } = moduleGraph(entry, ".js");
    for (const f of files) assert.ok(f.startsWith(path.join(PACK, "dist") + path.sep), `${f} is outside policies/dist`);
    assert.ok([...files].some((f) => f.endsWith(path.join("dist", "components", "facts.js"))));
    for (const b of bare)
      assert.ok(builtinModules.includes(b) || b in pkg.dependencies, `${b} is not a dependency of the pack`);
  });

  it("loads as the CLI loads it: registers all policies and guards the analyzer's Configure", async () => {
    // A PolicyPack would start the gRPC server; stand in for it, registering the service as it does.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const policyModule = require("@pulumi/policy/policy");
    const realPack = policyModule.PolicyPack;
    const grpc = policyGrpc() as unknown as { Server: new () => { handlers: Map<string, { func: unknown }> } & object };
    const server = new grpc.Server();
    const passedOn: unknown[] = [];
    let registered: { name: string; policies: { name: string }[] } | undefined;
    policyModule.PolicyPack = class {
      constructor(name: string, args: { policies: { name: string }[] }) {
        registered = { name, policies: args.policies };
        (server as unknown as { addService(s: object, i: object): void }).addService(AnalyzerService, {
          analyzeStack: () => undefined,
          configure: (call: { request: unknown }, cb: (err: unknown, resp?: unknown) => void) => {
            passedOn.push(call.request);
            cb(null, {});
          },
        });
      }
    };
    try {
      delete require.cache[entry];
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the pack's entry runs on load, as under the CLI
      require(entry);
    } finally {
      policyModule.PolicyPack = realPack;
    }
    assert.equal(registered?.name, "harbor-ha");
    assert.deepEqual(
      registered?.policies.map((p) => p.name),
      allPolicies.map((p) => p.name),
    );
    const handler = server.handlers.get("/pulumirpc.Analyzer/Configure")!.func as Parameters<typeof configure>[0];
    const prod = JSON.parse(fs.readFileSync(path.join(PACK, "config", "prod.json"), "utf8"));
    assert.equal(await configure(handler, configureRequest(prod)), undefined);
    assert.equal(passedOn.length, 1, "a valid config reaches the pack");
    const err = await configure(
      handler,
      configureRequest({
        ...prod,
        "harbor-node-hardware-sizing": { ...prod["harbor-node-hardware-sizing"], dbMinVCPU: 16 },
        "harbor-zone-sprea": { enforcementLevel: "mandatory" },
      }),
    );
    assert.equal(err?.code, 3, "INVALID_ARGUMENT");
    assert.match(
      err!.details!,
      /harbor-node-hardware-sizing\.dbMinVCPU is not a setting of the policy \(settings: [^)]*\)\. Fix: did you mean "dbMinVcpu"\?/,
    );
    assert.match(
      err!.details!,
      /"harbor-zone-sprea" is not a policy of the pack \(known: [^)]*\)\. Fix: did you mean "harbor-zone-spread"\?/,
    );
    assert.equal(passedOn.length, 1, "an invalid config never reaches the policies");
  });
});

describe("policy config guard (the analyzer's Configure)", () => {
  it("passes the stacks' own configs and `all`, refuses wrong types and levels with every problem at once", async () => {
    const calls: unknown[] = [];
    const { configure: guarded } = guardAnalyzer(
      { configure: (call: unknown, cb: (e: unknown) => void) => (calls.push(call), cb(null)) },
      allPolicies,
    );
    for (const stack of ["dev", "staging", "prod", "prod-fresh"]) {
      const cfg = JSON.parse(fs.readFileSync(path.join(PACK, "config", `${stack}.json`), "utf8"));
      assert.equal(
        await configure(guarded, configureRequest({ ...cfg, all: { enforcementLevel: "advisory" } })),
        undefined,
      );
    }
    assert.equal(calls.length, 4);
    const err = await configure(
      guarded,
      configureRequest({
        "harbor-replicas": { minReplicas: "2" },
        "harbor-patroni-members": { minMember: 3 },
        all: { enforcementLevel: "mandatory", minReplicas: 3 },
      }),
    );
    assert.equal(err?.code, 3);
    for (const re of [
      /harbor-replicas\.minReplicas: "2" does not match/,
      /harbor-patroni-members\.minMember is not a setting of the policy \(settings: minMembers\)\. Fix: did you mean "minMembers"\?/,
      /all takes an enforcement level only, not minReplicas/,
    ])
      assert.match(err!.details!, re);
    assert.equal(calls.length, 4);
  });
});
