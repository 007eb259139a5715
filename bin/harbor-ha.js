#!/usr/bin/env node
// The harbor-ha CLI. Runs the compiled dist/ when it is at least as new as every source file (`npm ci`
// builds it through `prepare`), otherwise the TypeScript sources through ts-node (transpile-only;
// type-checking is `npm test`'s job), so an edited checkout never runs stale code.
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..");
const SOURCE_DIRS = ["cli", "engine", "stacks", "components", "policies"];

function newestSource(dir) {
    let newest = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.name === "node_modules") continue;
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
        else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
    return newest;
}

function distIsFresh() {
    const built = path.join(root, "dist", "cli", "main.js");
    if (!fs.existsSync(built)) return false;
    if (!fs.existsSync(path.join(root, "cli", "main.ts"))) return true; // an installed package: dist only
    const builtAt = fs.statSync(built).mtimeMs;
    return SOURCE_DIRS.every((d) => !fs.existsSync(path.join(root, d)) || newestSource(path.join(root, d)) <= builtAt);
}

let main;
if (distIsFresh()) {
    main = require(path.join(root, "dist", "cli", "main.js")).main;
} else {
    require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
    main = require(path.join(root, "cli", "main.ts")).main;
}
main(process.argv.slice(2)).then((code) => process.exit(code));
