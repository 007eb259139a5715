// Whether the compiled dist/ is at least as new as every source it is built from (TypeScript, CRD schemas).
// Shared by the CLI entry (bin/harbor-ha.js) and the examples test, which both prefer dist/ when fresh.
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const SOURCE_DIRS = ["cli", "engine", "stacks", "components", "policies"];

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    // CRD schemas too: the build precompiles their validators into dist/engine/crds.
    else if (
      (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) ||
      (entry.name.endsWith(".json") && dir.endsWith("crds"))
    )
      newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function distIsFresh(root = ROOT) {
  const built = path.join(root, "dist", "cli", "main.js");
  if (!fs.existsSync(built)) return false;
  if (!fs.existsSync(path.join(root, "cli", "main.ts"))) return true; // an installed package: dist only
  const builtAt = fs.statSync(built).mtimeMs;
  return SOURCE_DIRS.every((d) => !fs.existsSync(path.join(root, d)) || newestSource(path.join(root, d)) <= builtAt);
}

module.exports = { distIsFresh, ROOT };
