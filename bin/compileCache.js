// V8 code cache for the CLI's modules: a plan loads about a thousand CommonJS files (the Pulumi SDK, its
// providers, the components), and compiling them is a third of its time. Node 22 and later cache compiled
// code themselves (`module.enableCompileCache()`); on Node 20 this file does the same for CommonJS modules.
// Both keep it in os.tmpdir()/harbor-ha-compile-cache-<uid>, used only while it is this user's private
// directory (code read from it runs as this user). Both are switched off by NODE_DISABLE_COMPILE_CACHE=1.
//
// Node 20: each module is compiled with the cache V8 wrote for it in an earlier run (same file, unchanged
// since, same Node and V8 flags; V8 rejects a cache it cannot use and the module compiles as usual). Caches
// are written when the process exits, so they hold every function the run compiled, not only top-level
// code. ES modules, and files that only compile as one, take Node's own path.
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const os = require("os");
const path = require("path");
const vm = require("vm");
const { threadId } = require("worker_threads");

/** The cache's directory: per user (compiled code read from it runs as that user). */
function cacheRoot() {
  const user = typeof process.getuid === "function" ? `-${process.getuid()}` : "";
  return path.join(os.tmpdir(), `harbor-ha-compile-cache${user}`);
}

/** Where the Node 20 cache lives: per Node version and architecture (a cache is V8-version specific). */
function node20CacheDir() {
  return path.join(cacheRoot(), `${process.version}-${process.arch}`);
}

/**
 * Whether `dir` may hold code this process runs: a directory (not a link) owned by this user that no one
 * else can write, created so if absent. In a shared temporary directory another user could otherwise
 * create it first and plant compiled code.
 */
function isPrivateDirectory(dir) {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory()) return false;
    return typeof process.getuid !== "function" || (stat.uid === process.getuid() && (stat.mode & 0o022) === 0);
  } catch {
    return false;
  }
}

/**
 * One cache file per (path, size, mtime, ctime, inode) of a .js file: an edited or replaced file gets a
 * new entry instead of a stale one (V8 itself checks only the code's length). Other files reach here
 * transformed (ts-node's .ts): their key is the code itself.
 */
function cacheFile(dir, filename, content) {
  let what = content;
  if (filename.endsWith(".js") || filename.endsWith(".cjs")) {
    const stat = fs.statSync(filename, { throwIfNoEntry: false });
    if (!stat) return undefined;
    // ctime too: tar, rsync -a and cp -p restore a file's mtime, but no tool can set its ctime.
    what = `${stat.size}\0${stat.mtimeMs}\0${stat.ctimeMs}\0${stat.ino}`;
  }
  const key = sha1(`${filename}\0${what}`);
  return path.join(dir, key.slice(0, 2), key.slice(2));
}

// One-shot hashing where Node has it (20.12+), a third of createHash's cost per module.
const sha1 = crypto.hash
  ? (text) => crypto.hash("sha1", text)
  : (text) => crypto.createHash("sha1").update(text).digest("hex");

/** `require` as Node gives a CommonJS module (lib/internal/modules/helpers.js makeRequireFunction). */
function requireFor(mod) {
  const require = (id) => mod.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/** Caches compiled since the last write (Node 20 path): [script, cache file]. */
let toWrite = [];

/** Writes the caches compiled so far (at exit; a long-running caller may call it earlier). */
function flushCompileCache() {
  if (typeof Module.flushCompileCache === "function") return Module.flushCompileCache();
  const pending = toWrite;
  toWrite = [];
  for (const [script, file] of pending) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // Written whole, then renamed: a concurrent run or thread never reads half a cache.
      const tmp = `${file}.${process.pid}-${threadId}-${crypto.randomBytes(4).toString("hex")}`;
      try {
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, file);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    } catch {
      // A read-only or full temporary directory: that module compiles as before next time.
    }
  }
}

function installNode20Cache(dir) {
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename, format) {
    // Node's own path for ES modules, and for CommonJS with a dynamic import(): a script compiled from a
    // cache loses its import() loader on Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
    if (format === "module" || filename.endsWith(".mjs") || /\bimport\s*\(/.test(content))
      return compile.apply(this, arguments);
    const file = cacheFile(dir, filename, content);
    let cachedData;
    try {
      if (file) cachedData = fs.readFileSync(file);
    } catch {
      /* no cache yet */
    }
    let script;
    try {
      // A shebang line is valid only at the very start of a file, not inside the CommonJS wrapper.
      const source = content.startsWith("#!") ? `//${content}` : content;
      script = new vm.Script(Module.wrap(source), { filename, cachedData });
    } catch {
      // ES module syntax in a .js file (Node 20 detects and loads those itself) or a real syntax error,
      // which Node's own path reports as usual.
      return compile.apply(this, arguments);
    }
    if (file && (!cachedData || script.cachedDataRejected)) toWrite.push([script, file]);
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
  };
  process.once("exit", flushCompileCache);
  return "enabled (Node 20: harbor-ha's own)";
}

let enabled;

/** Turns the cache on for modules loaded from now on (once per thread). Returns how, for the bench. */
function enableCompileCache() {
  enabled ??= turnOn();
  return enabled;
}

function turnOn() {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return "disabled (NODE_DISABLE_COMPILE_CACHE)";
  const root = cacheRoot();
  if (!isPrivateDirectory(root)) return `disabled (${root} is not a directory private to this user)`;
  if (typeof Module.enableCompileCache === "function") {
    const result = Module.enableCompileCache(path.join(root, "node"));
    return `Node's own (${result && result.directory ? result.directory : "status " + (result && result.status)})`;
  }
  // Node's own loader does more for these (integrity checks, source map registration): leave it to them.
  const flags = `${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`;
  if (/--experimental-policy|--enable-source-maps/.test(flags) || process.sourceMapsEnabled)
    return "disabled (Node 20 with --experimental-policy or --enable-source-maps)";
  return installNode20Cache(node20CacheDir());
}

module.exports = { enableCompileCache, flushCompileCache, cacheRoot, node20CacheDir };
