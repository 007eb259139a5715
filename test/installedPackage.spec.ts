/**
 * harbor-ha as a platform team gets it: packed, installed from the tarball into a new project that has
 * its own (newer) @pulumi/pulumi, and used from that project's program. Pulumi's real closure serializer
 * runs (the engine's offline stub is not loaded here), and the serialized providers are loaded the way the
 * dynamic provider host loads them, in a process that never loaded harbor-ha, against the fake Harbor.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  CONSUMER_PULUMI_VERSION,
  developedWith,
  installConsumer,
  ROOT,
  runInConsumer,
} from "./support/consumerProject";
import { FakeHarbor, startFakeHarbor } from "./support/harborApiServer";

/** The minimal program of README.md's "Use as a library" (its first TypeScript block). */
function readmeProgram(): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Use as a library"));
  const m = section.match(/```ts\n([\s\S]*?)```/);
  assert.ok(m, "README's Use as a library has a TypeScript program");
  return m[1];
}

/** TypeScript settings of a consumer project per module resolution (Pulumi's templates use node10). */
const RESOLUTIONS: Record<string, { module: string; moduleResolution: string }> = {
  node10: { module: "commonjs", moduleResolution: "node10" },
  node16: { module: "node16", moduleResolution: "node16" },
  bundler: { module: "esnext", moduleResolution: "bundler" },
};

/** Every dynamic resource type the sources define (`super(provider, name, args, opts, "harbor", "<Type>")`). */
function dynamicTypesInSources(): string[] {
  const types: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts"))
        for (const m of fs
          .readFileSync(p, "utf8")
          .matchAll(/extends pulumi\.dynamic\.Resource[\s\S]*?"harbor",\s*"(\w+)"/g))
          types.push(`pulumi-nodejs:dynamic/harbor:${m[1]}`);
    }
  };
  walk(path.join(ROOT, "components"));
  return types.sort();
}

describe("installed package: a consumer project with another @pulumi/pulumi", function () {
  this.timeout(600_000);
  let consumer: string;
  let harbor: FakeHarbor;
  let planned: {
    sdk: string;
    oneSdk: boolean;
    outputs: any;
    registered: { type: string; name: string; inputs: any }[];
  };
  let loaded: {
    type: string;
    methods: string[];
    same: any;
    moved: any;
    codeRequires: string[];
    lifecycle?: { id: string; inputSpec: any; readSpec: any };
  }[];

  before(async () => {
    ({ dir: consumer } = await installConsumer({
      typescript: developedWith("typescript"),
      "@types/node": developedWith("@types/node"),
    }));
    harbor = await startFakeHarbor();
    await runInConsumer(consumer, "program.js", ["planned.json"], { HARBOR_URL: harbor.url });
    planned = JSON.parse(fs.readFileSync(path.join(consumer, "planned.json"), "utf8"));
    await runInConsumer(consumer, "loadProviders.js", ["planned.json", "loaded.json"]);
    loaded = JSON.parse(fs.readFileSync(path.join(consumer, "loaded.json"), "utf8"));
  });
  after(async () => {
    await harbor?.close();
    if (consumer) fs.rmSync(consumer, { recursive: true, force: true });
  });

  it("the consumer's program plans replication, projects and operations with its own SDK", () => {
    assert.equal(planned.sdk, CONSUMER_PULUMI_VERSION);
    const count = (t: string) =>
      planned.registered.filter((r) => r.type === `pulumi-nodejs:dynamic/harbor:${t}`).length;
    assert.deepEqual(
      [count("RegistryEndpoint"), count("ReplicationPolicy"), count("Project")],
      [2, 1, 3],
      "the dr endpoint and the proxy cache's upstream, one policy, two projects and the proxy-cache project",
    );
    assert.deepEqual(Object.keys(planned.outputs.projectIds).sort(), ["library", "prod"]);
  });

  it("the installed CLI plans dev from the shipped stack file and policy config: exit 0, no mandatory violation", async () => {
    const { stdout } = await runInConsumer(consumer, "node_modules/harbor-ha/bin/harbor-ha.js", [
      "plan",
      "dev",
      "--json",
    ]);
    const plan = JSON.parse(stdout);
    assert.ok(plan.resources.length > 20, "the dev stack's resources");
    assert.deepEqual(
      plan.violations.filter((v: { enforcementLevel: string }) => v.enforcementLevel === "mandatory"),
      [],
      "dev's policy config (advisory) was found",
    );
  });

  it("harbor-ha/policies loads the shipped stack policy configs", async () => {
    const { stdout } = await runInConsumer(consumer, "-e", [
      `const p = require("harbor-ha/policies"); process.stdout.write(JSON.stringify(["dev", "prod"].map((s) => p.loadStackPolicyConfig(s))))`,
    ]);
    const [dev, prod] = JSON.parse(stdout);
    const ours = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", f), "utf8"));
    assert.deepEqual([dev, prod], [ours("dev.json"), ours("prod.json")]);
  });

  it("the README's program and harbor-ha/policies type-check under moduleResolution node10, node16 and bundler", async () => {
    fs.writeFileSync(path.join(consumer, "index.ts"), readmeProgram());
    const failures: string[] = [];
    for (const [name, o] of Object.entries(RESOLUTIONS)) {
      const tsconfig = {
        compilerOptions: { ...o, target: "ES2022", strict: true, esModuleInterop: true, skipLibCheck: true },
        files: ["index.ts", "usePolicies.ts"],
      };
      fs.writeFileSync(path.join(consumer, `tsconfig.${name}.json`), JSON.stringify(tsconfig));
      const emit = name === "node10" ? ["--outDir", "out"] : ["--noEmit"];
      try {
        await runInConsumer(consumer, "node_modules/typescript/bin/tsc", ["-p", `tsconfig.${name}.json`, ...emit]);
      } catch (e) {
        failures.push(`${name}: ${(e as Error).message}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it("the README's program plans under the project's own mock runtime", async () => {
    await runInConsumer(consumer, "runProgram.js", ["out/index.js", "readme.json"]);
    const { registered, outputs } = JSON.parse(fs.readFileSync(path.join(consumer, "readme.json"), "utf8"));
    const types = registered.map((r: { type: string }) => r.type);
    assert.ok(types.includes("harbor-ha:platform:HarborPlatform"));
    assert.ok(types.includes("kubernetes:helm.sh/v3:Release"), "Harbor's release");
    assert.equal(outputs.url, "https://harbor.127.0.0.1.nip.io:30443");
  });

  it("one @pulumi/* of each: harbor-ha's peers resolve to the project's copies, none nested", () => {
    assert.equal(planned.oneSdk, true, "harbor-ha loads the project's @pulumi/pulumi");
    const nested = path.join(consumer, "node_modules", "harbor-ha", "node_modules");
    const nestedPulumi = fs.existsSync(path.join(nested, "@pulumi"))
      ? fs.readdirSync(path.join(nested, "@pulumi"))
      : [];
    assert.deepEqual(nestedPulumi, [], "no second copy of an SDK or provider under harbor-ha");
  });

  it("every dynamic provider of the sources was serialized by Pulumi's real serializer from node_modules", () => {
    const serialized = [...new Set(planned.registered.filter((r) => r.inputs.__provider).map((r) => r.type))].sort();
    assert.deepEqual(serialized, dynamicTypesInSources());
    for (const r of planned.registered.filter((x) => x.inputs.__provider)) {
      assert.ok(!/offline/.test(r.inputs.__provider), `${r.type}: real code, not the engine's offline stub`);
      assert.match(r.inputs.__provider, /exports\.handler/, r.type);
    }
  });

  it("each serialized provider loads in a fresh process as the provider host loads it, and works", () => {
    assert.deepEqual(loaded.map((l) => l.type).sort(), dynamicTypesInSources());
    for (const l of loaded) {
      assert.deepEqual(l.methods, ["create", "delete", "diff", "read", "update"], l.type);
      assert.deepEqual(l.same.replaces, [], `${l.type}: equal inputs replace nothing`);
      assert.deepEqual(l.moved.replaces, ["connection.url"], `${l.type}: another Harbor replaces`);
      for (const req of l.codeRequires)
        assert.ok(!/require\("\.\.?\//.test(req), `${l.type}: ${req} cannot resolve in the provider host`);
    }
    const life = Object.fromEntries(
      loaded.filter((l) => l.lifecycle).map((l) => [l.type.split(":").pop(), l.lifecycle]),
    );
    assert.deepEqual(Object.keys(life).sort(), ["GcSchedule", "Project", "RegistryEndpoint"]);
    assert.equal(life.RegistryEndpoint.readSpec.name, life.RegistryEndpoint.inputSpec.name);
    assert.equal(life.Project.readSpec.name, life.Project.inputSpec.name);
    assert.equal(life.GcSchedule.readSpec.cron, "0 0 3 * * 6");
    assert.equal(harbor.registries.size, 0, "created, read back and deleted through the fake Harbor");
    assert.deepEqual(harbor.violations, [], "every request matched Harbor's API document");
  });
});
