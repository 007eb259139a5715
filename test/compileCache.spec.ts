import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import Module from "module";
import * as os from "os";
import * as path from "path";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS, no types; only its path helper is used here
const { node20CacheDir } = require("../bin/compileCache") as { node20CacheDir(): string };

// bin/compileCache.js changes how every later module compiles, so each check runs in a child process; the
// cache goes under a fresh TMPDIR (os.tmpdir() honours it), never the machine's shared one.
const ROOT = path.join(__dirname, "..");
const COMPILE_CACHE = path.join(ROOT, "bin", "compileCache.js");
/** Node >= 22.1 caches compiled code itself; Node 20 gets the CLI's own hook. */
const NODE_OWN_CACHE = typeof (Module as unknown as { enableCompileCache?: unknown }).enableCompileCache === "function";
/** The Node 20 cache's top directory under os.tmpdir() (harbor-ha-compile-cache-<uid>), from the module itself. */
const CACHE_TOP = path.relative(os.tmpdir(), node20CacheDir()).split(path.sep)[0];

function childEnv(tmpdir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmpdir, ...extra };
  if (!("NODE_DISABLE_COMPILE_CACHE" in extra)) delete env.NODE_DISABLE_COMPILE_CACHE;
  delete env.NODE_COMPILE_CACHE;
  return env;
}

/** Every file under `dir` with its mtime. */
function filesWithMtimes(dir: string): Map<string, number> {
  const found = new Map<string, number>();
  if (!fs.existsSync(dir)) return found;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath ?? entry.path, entry.name);
    if (entry.isFile()) found.set(full, fs.statSync(full).mtimeMs);
  }
  return found;
}

// The child: enables the cache (or not), requires the tree, prints how, where the cache is and the exports.
const LOAD_TREE = `
const [mode, entry, compileCache] = process.argv.slice(1);
const cc = require(compileCache);
const how = mode === "cached" ? cc.enableCompileCache() : "not enabled";
const tree = require(entry);
process.stdout.write(JSON.stringify({ how, cacheDir: cc.node20CacheDir(), tree: { ...tree, twice: tree.twice(21) } }));
`;

describe("compile cache (bin/compileCache.js)", function () {
  this.timeout(300000);
  let tmp: string;
  let tree: string;
  let entry: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-compile-cache-test-"));
    tree = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-compile-cache-tree-"));
    entry = path.join(tree, "main.js");
    // A shebang (only valid at a file's start, not inside the CommonJS wrapper), a sibling require,
    // __dirname/__filename, require.resolve, `this` at top level, a stack line (the wrapper must keep line
    // numbers), and ES-module syntax in three forms that must take Node's own path.
    fs.writeFileSync(
      entry,
      [
        "#!/usr/bin/env node",
        'const sibling = require("./lib/sibling");',
        "module.exports = {",
        "  sibling,",
        '  stackLine: new Error("where").stack.split("\\n")[1].replace(/^\\s*at /, ""),',
        "  dirname: __dirname,",
        "  filename: __filename,",
        '  resolved: require.resolve("./lib/sibling"),',
        '  resolvedWithPaths: require.resolve("./sibling", { paths: [require("path").join(__dirname, "lib")] }),',
        "  thisIsExports: this === module.exports,",
        "  mainIsUndefined: require.main === undefined,",
        '  typeModulePackage: { ...require("./esm/typed.js") },',
        '  detectedModule: { ...require("./detected.js") },',
        '  mjs: { ...require("./explicit.mjs") },',
        "};",
        "module.exports.twice = (x) => 2 * x;",
        "",
      ].join("\n"),
    );
    fs.mkdirSync(path.join(tree, "lib"));
    fs.writeFileSync(path.join(tree, "lib", "sibling.js"), "exports.value = 42;\nexports.name = __filename;\n");
    fs.mkdirSync(path.join(tree, "esm"));
    fs.writeFileSync(path.join(tree, "esm", "package.json"), '{ "type": "module" }\n');
    fs.writeFileSync(path.join(tree, "esm", "typed.js"), "export const typed = 7;\n");
    fs.writeFileSync(path.join(tree, "detected.js"), "export const detected = 8;\n");
    fs.writeFileSync(path.join(tree, "explicit.mjs"), "export const explicit = 9;\n");
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(tree, { recursive: true, force: true });
  });

  function load(mode: "cached" | "uncached", env: Record<string, string> = {}) {
    const r = spawnSync(process.execPath, ["-e", LOAD_TREE, mode, entry, COMPILE_CACHE], {
      env: childEnv(tmp, env),
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { how: string; cacheDir: string; tree: Record<string, unknown> };
  }

  it("loads a CommonJS tree (shebang, ES modules included) exactly as without it, and reuses its cache", function () {
    const uncached = load("uncached").tree;
    assert.equal((uncached.sibling as { value: number }).value, 42);
    assert.deepEqual(uncached.mjs, { explicit: 9 });

    const first = load("cached");
    assert.deepEqual(first.tree, uncached);
    if (NODE_OWN_CACHE) {
      assert.match(first.how, /^Node's own/);
      return;
    }
    assert.match(first.how, /^enabled \(Node 20/);
    assert.ok(first.cacheDir.startsWith(tmp + path.sep), first.cacheDir);
    const written = filesWithMtimes(first.cacheDir);
    // One cache per CommonJS file (main.js, lib/sibling.js); the ES modules went through Node's own path.
    assert.equal(written.size, 2, [...written.keys()].join("\n"));

    const second = load("cached");
    assert.deepEqual(second.tree, uncached);
    // Accepted caches are not written again: same files, untouched.
    assert.deepEqual(filesWithMtimes(first.cacheDir), written);
  });

  it("runs an edited file's new code, not its cached old code (same length, even with the old mtime)", function () {
    const sibling = path.join(tree, "lib", "sibling.js");
    const stamp = new Date(1_700_000_000_000); // a whole second: utimes keeps it exactly
    fs.utimesSync(sibling, stamp, stamp);
    const before = load("cached");
    assert.equal((before.tree.sibling as { value: number }).value, 42);
    const source = fs.readFileSync(sibling, "utf8");
    fs.writeFileSync(sibling, source.replace("42", "43"));
    assert.equal(fs.statSync(sibling).size, Buffer.byteLength(source));
    // As tar, rsync -a or cp -p leave a replaced file: its old mtime (V8 checks only the length).
    fs.utimesSync(sibling, stamp, stamp);
    assert.equal(fs.statSync(sibling).mtimeMs, stamp.getTime());

    const after = load("cached");
    assert.equal((after.tree.sibling as { value: number }).value, 43);
    if (!NODE_OWN_CACHE) assert.equal(filesWithMtimes(after.cacheDir).size, 3); // a new entry, not a stale one
  });

  it("keys a loader's transformed code (ts-node's .ts) by the code, not the file's size and mtime", function () {
    if (NODE_OWN_CACHE) this.skip(); // Node's own cache keys by the code it compiles
    // The same file, transformed two ways into code of the same length: V8 alone would accept the first
    // run's cache for the second (it checks the length only) and run the old code.
    const file = path.join(tree, "value.tmod");
    fs.writeFileSync(file, "module.exports = VALUE;");
    const child = `
      const fs = require("fs");
      require(${JSON.stringify(COMPILE_CACHE)}).enableCompileCache();
      require.extensions[".tmod"] = (m, f) => m._compile(fs.readFileSync(f, "utf8").replace("VALUE", process.env.VALUE), f);
      process.stdout.write(String(require(${JSON.stringify(file)})));`;
    const run = (value: string) => {
      const r = spawnSync(process.execPath, ["-e", child], { env: childEnv(tmp, { VALUE: value }), encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(run("11"), "11");
    assert.equal(run("22"), "22");
    assert.equal(run("11"), "11");
  });

  it("keeps dynamic import() working in cached CommonJS code", function () {
    const file = path.join(tree, "dynamic.js");
    fs.writeFileSync(file, 'module.exports = () => import ("node:path").then((m) => typeof m.join);\n');
    const child = `
      require(${JSON.stringify(COMPILE_CACHE)}).enableCompileCache();
      require(${JSON.stringify(file)})().then((t) => process.stdout.write(t));`;
    for (let i = 0; i < 2; i++) {
      const r = spawnSync(process.execPath, ["-e", child], { env: childEnv(tmp), encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "function");
      assert.doesNotMatch(r.stderr, /Warning/); // no experimental vm loader on the way
    }
  });

  it("is off with NODE_DISABLE_COMPILE_CACHE=1: says so and writes no cache", function () {
    const disabled = load("cached", { NODE_DISABLE_COMPILE_CACHE: "1" });
    assert.match(disabled.how, /^disabled/);
    assert.deepEqual(disabled.tree, load("uncached").tree);
    // No cache directory at all, for either kind of cache.
    assert.deepEqual(fs.readdirSync(tmp), []);
  });

  it("does not fail the run when the cache directory cannot be created", function () {
    // A regular file where the cache directory would go: mkdir fails even for root, unlike permissions.
    fs.writeFileSync(path.join(tmp, CACHE_TOP), "");
    const r = load("cached");
    assert.deepEqual(r.tree, load("uncached").tree);
    assert.ok(fs.statSync(path.join(tmp, CACHE_TOP)).isFile());
  });

  it("runs uncached when its directory is not private to this user (another user could plant code)", function () {
    const shared = path.join(tmp, CACHE_TOP);
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o777); // anyone may write into it
    const r = load("cached");
    assert.match(r.how, /^disabled \(.* is not a directory private to this user\)$/);
    assert.deepEqual(r.tree, load("uncached").tree);
    assert.deepEqual(fs.readdirSync(shared), []);

    // A link to elsewhere is refused too, even to a private directory.
    fs.rmSync(shared, { recursive: true });
    const elsewhere = fs.mkdtempSync(path.join(tmp, "elsewhere-"));
    fs.symlinkSync(elsewhere, shared);
    assert.match(load("cached").how, /^disabled/);
    assert.deepEqual(fs.readdirSync(elsewhere), []);

    // Made by the cache itself: this user's only.
    fs.rmSync(shared);
    assert.doesNotMatch(load("cached").how, /^disabled/);
    const mode = fs.statSync(shared).mode & 0o777;
    assert.equal(mode & 0o077, 0, `mode ${mode.toString(8)}`);
  });

  it("the CLI's offline plan is byte-identical with a cold cache, a warm cache and none", function () {
    const plan = (env: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "harbor-ha.js"), "plan", "dev", "--json"], {
        cwd: ROOT,
        env: childEnv(tmp, env),
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /Warning/);
      return r.stdout;
    };
    const cold = plan();
    assert.ok(cold.length > 1000);
    const cacheDir = path.join(tmp, CACHE_TOP);
    const written = filesWithMtimes(cacheDir);
    if (NODE_OWN_CACHE) assert.ok(fs.readdirSync(path.join(cacheDir, "node")).length > 0);
    else assert.ok(written.size > 100, `${written.size} cache files`); // the SDK, providers, components

    const warm = plan();
    assert.equal(warm, cold);
    if (!NODE_OWN_CACHE) assert.equal(filesWithMtimes(cacheDir).size, written.size);

    assert.equal(plan({ NODE_DISABLE_COMPILE_CACHE: "1" }), cold);
  });
});
