#!/usr/bin/env node
// The harbor-ha CLI. Runs the compiled dist/ when it is at least as new as every source file (`npm ci`
// builds it through `prepare`), otherwise the TypeScript sources through ts-node (transpile-only;
// type-checking is `npm test`'s job), so an edited checkout never runs stale code.
require("./compileCache").enableCompileCache();
const path = require("path");
const { distIsFresh, ROOT } = require("./distFreshness");

let main;
if (distIsFresh()) {
  main = require(path.join(ROOT, "dist", "cli", "main.js")).main;
} else {
  require("ts-node").register({ transpileOnly: true, project: path.join(ROOT, "tsconfig.json") });
  main = require(path.join(ROOT, "cli", "main.ts")).main;
}
// Set the exit code and let Node exit once stdout and stderr have drained: process.exit() right after a
// large write cuts it at the pipe's buffer (64 KiB) when stdout is a pipe (`| jq`, `| tee`, CI logs).
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`harbor-ha: ${e && e.message ? e.message : e}\n`);
    process.exitCode = 1;
  },
);
