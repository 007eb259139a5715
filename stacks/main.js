// Pulumi's entry point (Pulumi.yaml `main`). In a checkout it loads the TypeScript program transpile-only:
// no build step that could go stale, and close to precompiled start-up (see README, "TypeScript or
// JavaScript"); type-checking is `npm test`'s job (tsc --noEmit), run in CI on every change. The npm
// package ships no TypeScript sources: there it loads the compiled program from dist/.
const fs = require("fs");
const path = require("path");

if (fs.existsSync(path.join(__dirname, "index.ts"))) {
  require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
  module.exports = require("./index.ts");
} else {
  module.exports = require("../dist/stacks/index.js");
}
