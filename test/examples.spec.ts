/**
 * Platform teams import harbor-ha into their own programs. The examples use only the public API
 * (`import ... from "harbor-ha"`, resolved through package.json `exports` to the BUILT package), are
 * compiled with tsc like a consumer's program, and run under the engine.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runProgram, unwrapSecrets, PlanGraph } from "../engine";

const ROOT = path.join(__dirname, "..");
const OUT = path.join(ROOT, "dist-examples");
const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");

function runExample(name: string): Promise<PlanGraph> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require(path.join(OUT, name, "index.js"));
  return runProgram(program, { stack: "example" });
}

describe("examples, compiled against the built package", function () {
  this.timeout(240_000);

  before(() => {
    // `npm ci` builds dist/ (prepare); rebuild only when sources changed since, so that a CLI run by a
    // parallel spec never reads a half-written dist/.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (!require("../bin/distFreshness").distIsFresh())
      execFileSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.build.json")], { cwd: ROOT, stdio: "pipe" });
    fs.rmSync(OUT, { recursive: true, force: true });
    execFileSync(process.execPath, [tsc, "-p", path.join(ROOT, "examples", "tsconfig.json")], {
      cwd: ROOT,
      stdio: "pipe",
    });
  });

  it("import only the public entry points", () => {
    for (const file of ["harbor-with-rds/index.ts", "data-tier/index.ts"]) {
      const imports = [...fs.readFileSync(path.join(ROOT, "examples", file), "utf8").matchAll(/from "([^"]+)"/g)].map(
        (m) => m[1],
      );
      assert.deepEqual(
        imports.filter((i) => !["harbor-ha", "harbor-ha/policies", "@pulumi/pulumi"].includes(i)),
        [],
        file,
      );
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    // ./dist/components/*: the dynamic providers' serialized code requires their modules by these paths
    // from the consumer's node_modules (test/installedPackage.spec.ts).
    assert.deepEqual(Object.keys(pkg.exports).sort(), [".", "./dist/components/*", "./package.json", "./policies"]);
    assert.ok(fs.existsSync(path.join(ROOT, pkg.exports["."].types)), "type declarations are built");
  });

  it("harbor-with-rds: Harbor on the team's RDS, our Redis Sentinel and S3", async () => {
    const g = await runExample("harbor-with-rds");
    assert.deepEqual(g.errors, []);
    assert.equal(
      g.resources.filter((r) => r.type === "harbor-ha:postgres:PatroniCluster").length,
      0,
      "no database of ours",
    );
    const harbor = unwrapSecrets(g.resources.find((r) => (r.inputs as any).chart === "harbor")!.inputs) as any;
    assert.equal(harbor.values.database.external.host, "harbor.abcdefghij.eu-west-1.rds.amazonaws.com");
    assert.equal(harbor.values.database.external.sslmode, "verify-full");
    assert.match(
      harbor.values.redis.external.addr,
      /^cache-sentinel-0\.cache-sentinel\.registry\.svc\.cluster\.local:26379,/,
    );
    assert.equal(harbor.values.persistence.imageChartStorage.type, "s3");
    assert.ok(g.resources.some((r) => r.type === "aws:s3/bucket:Bucket"));
  });

  it("data-tier: PostgreSQL and Redis for another application, no Harbor", async () => {
    const g = await runExample("data-tier");
    assert.deepEqual(g.errors, []);
    assert.ok(!g.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release"));
    const outputs = g.outputs as any;
    assert.equal(outputs.dbHost, "payments-db-rw.payments.svc.cluster.local");
    assert.ok(outputs.maxConnections >= 6 * 20, "max_connections covers the application's pool");
    const policy = unwrapSecrets(
      g.resources.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")!.inputs,
    ) as any;
    assert.deepEqual(policy.spec.ingress[0].from[0].podSelector.matchLabels, { app: "payments" });
  });
});
