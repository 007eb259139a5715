// Pulumi's entry point (Pulumi.yaml `main`). It loads the TypeScript program transpile-only: no build
// step that could go stale, and close to precompiled start-up (see README, "TypeScript or JavaScript").
// Type-checking is `npm test`'s job (tsc --noEmit), run in CI on every change.
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
module.exports = require("./index.ts");
