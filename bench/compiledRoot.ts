/**
 * Where the bench finds the compiled CLI. Users run `harbor-ha` from the built package (dist/), so that is
 * what the figures describe: the checkout's dist/ when it is fresh, otherwise a throw-away build laid out
 * like an installed package (dist/, bin/, Pulumi.yaml, stack and policy config files, node_modules link).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const ROOT = path.join(__dirname, "..");

export interface CompiledRoot {
  /** Folder holding bin/harbor-ha.js and dist/. */
  root: string;
  /** How it was obtained, for the report. */
  origin: string;
  /** Removes a throw-away build. */
  cleanup(): void;
}

/** Lays out the files an installed package has beside dist/ (bin/, Pulumi.yaml, config, node_modules link). */
function layOutPackage(dir: string): void {
  const copy = (rel: string) => {
    const from = path.join(ROOT, rel);
    if (!fs.existsSync(from)) return;
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.cpSync(from, path.join(dir, rel), { recursive: true });
  };
  for (const f of [
    "Pulumi.yaml",
    "package.json",
    "bin/harbor-ha.js",
    "bin/distFreshness.js",
    "bin/compileCache.js",
    "policies/config",
  ])
    copy(f);
  for (const f of fs.readdirSync(path.join(ROOT, "stacks")).filter((n) => /^Pulumi\..+\.yaml$/.test(n)))
    copy(`stacks/${f}`);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
}

export function compiledRoot(): CompiledRoot {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { distIsFresh } = require(path.join(ROOT, "bin", "distFreshness.js"));
  if (distIsFresh()) {
    // The checkout's dist/ in an installed package's layout, so that the CLI does not check the sources'
    // freshness (a checkout-only step, ~50 ms). A new private folder each run (bench/run.ts runs a first
    // plan to write the compile cache before measuring).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-bench-package-"));
    // Timestamps kept: a precompiled validator's code cache is used only when not older than its file.
    fs.cpSync(path.join(ROOT, "dist"), path.join(dir, "dist"), { recursive: true, preserveTimestamps: true });
    layOutPackage(dir);
    return {
      root: dir,
      origin: "the checkout's dist/ (fresh), laid out as an installed package",
      cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-bench-"));
  const started = Date.now();
  // Emits even if others' in-progress files have type errors (noEmitOnError is off).
  const tsc = spawnSync(
    process.execPath,
    [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", path.join(dir, "dist")],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  if (!fs.existsSync(path.join(dir, "dist", "cli", "main.js"))) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`bench: building the package failed:\n${tsc.stdout}${tsc.stderr}`);
  }
  layOutPackage(dir);
  // tsc does not copy the CRD schemas engine/schemas.ts reads next to itself.
  if (fs.existsSync(path.join(ROOT, "engine", "crds")))
    fs.cpSync(path.join(ROOT, "engine", "crds"), path.join(dir, "dist", "engine", "crds"), { recursive: true });
  // The rest of `npm run build`: the precompiled CRD validators and their code caches, as a user's build has.
  const precompile = spawnSync(
    process.execPath,
    [
      "-e",
      `require(${JSON.stringify(path.join(dir, "dist", "engine", "precompileCrdValidators.js"))})` +
        `.precompileCrdValidators(${JSON.stringify(path.join(ROOT, "engine", "crds"))}, ${JSON.stringify(path.join(dir, "dist", "engine", "crds"))})`,
    ],
    { cwd: dir, encoding: "utf8" },
  );
  if (precompile.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`bench: precompiling the CRD validators failed:\n${precompile.stdout}${precompile.stderr}`);
  }
  return {
    root: dir,
    origin: `a throw-away build (dist/ is stale or absent; tsc took ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
