/**
 * Loads a generated CommonJS module (a precompiled CRD validator) with a V8 code cache written beside it
 * at build time. The Envoy Gateway validators are megabytes of one function each: V8 parsing and compiling
 * them took a third of a plan's time, which their cached bytecode skips. A cache that V8 rejects (another
 * Node or V8 version, other flags, a changed file) is ignored and the source compiled as without one.
 */
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import * as vm from "vm";

/** CommonJS's own wrapper: the cache belongs to this exact text, so loading and writing share it. */
const wrap = (source: string) => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

function compile(file: string, cachedData?: Buffer): vm.Script {
  return new vm.Script(wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
}

function run(script: vm.Script, file: string): unknown {
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...a: unknown[]) => void)(
    module.exports,
    createRequire(file),
    module,
    file,
    path.dirname(file),
  );
  return module.exports;
}

export interface CachedLoad {
  exports: unknown;
  /** Whether V8 used the cache (false: there was none, or V8 rejected it and compiled the source). */
  cacheUsed: boolean;
}

/**
 * Loads `file` as a CommonJS module, with the V8 code cache `cacheFile` when there is one and it is not
 * older than the file: V8 checks a cache against the source's length only, so a file rewritten since
 * (a build cut short) must not get the old code.
 */
export function loadWithCodeCache(file: string, cacheFile: string): CachedLoad {
  let cachedData: Buffer | undefined;
  const cacheTime = fs.statSync(cacheFile, { throwIfNoEntry: false })?.mtimeMs;
  if (cacheTime !== undefined && cacheTime >= fs.statSync(file).mtimeMs) cachedData = fs.readFileSync(cacheFile);
  const script = compile(file, cachedData);
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  if (!cacheUsed) rewriteAtExit(script, cacheFile);
  return { exports: run(script, file), cacheUsed };
}

/** Caches to write again: V8 rejected the build's, or there was none. */
const stale: [vm.Script, string][] = [];

/**
 * A package built with one Node and run with another (an npm install: built by whoever published it) has
 * caches V8 rejects. They are written again when the process exits, holding what this run compiled, so
 * the next plan has them; where the package's folder is read-only, plans simply go on without.
 */
function rewriteAtExit(script: vm.Script, cacheFile: string): void {
  if (stale.length === 0) process.once("exit", writeStaleCodeCaches);
  stale.push([script, cacheFile]);
}

/** Writes the caches `loadWithCodeCache` could not use (at exit; exported for the test). */
export function writeStaleCodeCaches(): void {
  for (const [script, cacheFile] of stale.splice(0)) {
    try {
      writeCache(script, cacheFile);
    } catch {
      // A read-only package folder: the next plan compiles the validator, as this one did.
    }
  }
}

/** Written whole, then renamed: a plan running meanwhile never reads half a cache. */
function writeCache(script: vm.Script, cacheFile: string): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Writes the code cache of `file` to `cacheFile`. `warmUp` runs the module's code first: V8 compiles a
 * function on its first call, and the cache holds only what is compiled when it is written.
 */
export function writeCodeCache(file: string, cacheFile: string, warmUp: (exports: unknown) => void): void {
  const script = compile(file);
  warmUp(run(script, file));
  writeCache(script, cacheFile);
}
