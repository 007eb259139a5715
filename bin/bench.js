#!/usr/bin/env node
// `npm run bench`: prints performance figures (no assertions). See bench/run.ts.
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
require("../bench/run.ts");
