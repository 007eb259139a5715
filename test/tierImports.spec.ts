/**
 * Arrows point down: a tier (one folder under components/) never imports another tier. Tiers import
 * only the shared lower layers (conventions, harborApi, tokens.ts); only the platform composes tiers;
 * the lower layers import no tier. (facts.ts re-exports facts from their tiers for the policy pack; no
 * tier imports it.) Read from the sources, so a new cross-import fails.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const COMPONENTS = path.join(__dirname, "..", "components");
/** Shared lower layers: folders and files every tier may import. */
const LOWER = new Set(["conventions", "harborApi", "tokens"]);

/** Every `components/<first segment>` a file imports from outside its own folder. */
function importedTops(file: string): string[] {
  const src = fs.readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)["'](\.[^"']+)["']/g)) {
    const target = path.relative(COMPONENTS, path.resolve(path.dirname(file), m[1]));
    if (target.startsWith("..")) continue; // outside components/
    out.push(target.split(path.sep)[0].replace(/\.ts$/, ""));
  }
  return out;
}

function filesOf(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? filesOf(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
    );
}

/** Every tier folder; each may import only itself and the lower layers (the platform composes them). */
const TIERS = [
  "addons",
  "admission",
  "cluster",
  "observability",
  "conventions",
  "harborApi",
  "edge",
  "harbor",
  "harborOps",
  "nodepools",
  "postgres",
  "projects",
  "redis",
  "replication",
  "storage",
  "tls",
];

describe("tiers never import each other", () => {
  const folders = fs
    .readdirSync(COMPONENTS, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

  it("the scan sees the tiers that share Harbor API resources (control)", () => {
    for (const t of ["harborOps", "replication", "projects", "platform"]) assert.ok(folders.includes(t), t);
    // harborOps uses registry endpoints, robots and projects: all from harborApi now.
    const ops = filesOf(path.join(COMPONENTS, "harborOps")).flatMap(importedTops);
    assert.ok(ops.includes("harborApi"), "harborOps imports harborApi");
  });

  for (const folder of TIERS)
    it(`${folder} imports only its own folder and the lower layers`, () => {
      const wrong = filesOf(path.join(COMPONENTS, folder)).flatMap((file) =>
        importedTops(file)
          .filter((top) => top !== folder && !LOWER.has(top))
          .map((top) => `${path.relative(COMPONENTS, file)} imports components/${top}`),
      );
      assert.deepEqual(wrong, []);
    });

  it("every tier folder is checked (a new tier must be added above or be the platform)", () => {
    const checked = new Set([...TIERS, "platform"]);
    assert.deepEqual(
      folders.filter((f) => !checked.has(f)),
      [],
    );
  });

  it("tokens.ts imports no tier", () => {
    assert.deepEqual(
      importedTops(path.join(COMPONENTS, "tokens.ts")).filter((t) => !LOWER.has(t)),
      [],
    );
  });
});
