#!/usr/bin/env node
// Runs the CLI from source in a checkout (always current; transpile-only, type-checking is `npm test`'s job),
// or from the compiled dist/ in an installed package.
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..");
if (fs.existsSync(path.join(root, "cli", "main.ts"))) {
    require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
    require(path.join(root, "cli", "main.ts")).main(process.argv.slice(2)).then((code) => process.exit(code));
} else {
    require(path.join(root, "dist", "cli", "main.js")).main(process.argv.slice(2)).then((code) => process.exit(code));
}
