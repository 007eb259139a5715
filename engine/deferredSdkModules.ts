/**
 * Loads parts of the Pulumi SDK on first use instead of with the SDK. `require("@pulumi/pulumi")` evaluates
 * the closure serializer's TypeScript compiler (`typescript-shim.js`, about 0.3 s), the code path
 * computation's npm Arborist stack (`runtime/closure/codePaths.js`, about 0.35 s), the Automation API
 * (about 0.05 s) and gRPC with its client definitions and OpenTelemetry (about 0.07 s): three quarters of
 * the SDK's load time. An offline plan uses none of them (the engine does not serialize dynamic providers,
 * see run.ts; nothing packages a lambda, drives the CLI or talks to a real engine). The SDK already loads
 * TypeScript lazily elsewhere (`tsutils.js`); these modules do not.
 *
 * Each module gets a stand-in in the require cache that loads the real module the moment a member is used,
 * so behaviour is unchanged: `pulumi.runtime.serializeFunction`, `computeCodePaths`, `pulumi.automation`
 * and gRPC still work. Installed only before the SDK's runtime has loaded (otherwise there is nothing to
 * save) and only where the SDK has these files with the expected exports; any other layout is left as it is.
 */
import * as fs from "fs";
import Module from "module";
import * as path from "path";

/** What the installer did, for the test and the bench. */
export type DeferredSdkModulesState = "installed" | "sdk-already-loaded" | "sdk-layout-differs" | "no-sdk";

interface DeferredModule {
  /** Path in the SDK package, or a package the SDK depends on (resolved from the SDK). */
  file: string;
  dependency?: true;
  /**
   * `namespace`: the stand-in forwards every property access (importers keep the object and read members
   * later). `functions`: the importer copies these exports when it loads (`runtime/index.js` does), so
   * each is a forwarding function; the SDK file must export exactly these.
   */
  standIn: { kind: "namespace"; esModule: boolean } | { kind: "functions"; exports: readonly string[] };
}

/** The SDK files deferred (SDK 3.x layout). */
export const DEFERRED_SDK_MODULES: readonly DeferredModule[] = [
  { file: "typescript-shim.js", standIn: { kind: "namespace", esModule: false } },
  {
    file: "runtime/closure/codePaths.js",
    standIn: { kind: "functions", exports: ["computeCodePaths", "findWorkspaceRoot"] },
  },
  // index.js wraps it in `__importStar`, which reads `__esModule` at load: answered without loading.
  { file: "automation/index.js", standIn: { kind: "namespace", esModule: true } },
  // gRPC (about 0.05 s) talks to a real engine only; the mock runtime has none. Its client definitions
  // call gRPC as they load, so they wait too. Their importers are the SDK's runtime modules, through
  // `__importStar` (grpc-js and OpenTelemetry are compiled ES modules and say so themselves).
  { file: "proto/resource_grpc_pb.js", standIn: { kind: "namespace", esModule: true } },
  { file: "proto/engine_grpc_pb.js", standIn: { kind: "namespace", esModule: true } },
  { file: "proto/callback_grpc_pb.js", standIn: { kind: "namespace", esModule: true } },
  { file: "proto/provider_grpc_pb.js", standIn: { kind: "namespace", esModule: true } },
  // @pulumi/policy's analyzer server (a plain `require`); the CLI evaluates the pack in process.
  { file: "proto/analyzer_grpc_pb.js", standIn: { kind: "namespace", esModule: true } },
  { file: "@grpc/grpc-js", dependency: true, standIn: { kind: "namespace", esModule: true } },
  // Tracing of real runs (about 0.02 s).
  { file: "@opentelemetry/api", dependency: true, standIn: { kind: "namespace", esModule: true } },
];

interface InternalModule {
  new (id: string, parent: unknown): NodeJS.Module & { load(file: string): void; paths: string[] };
  _cache: Record<string, NodeJS.Module>;
  _nodeModulePaths(dir: string): string[];
}
const ModuleInternals = Module as unknown as InternalModule;

type Exports = Record<string | symbol, unknown>;

/** The real module's exports, evaluated once on first call (outside the require cache, which holds the stand-in). */
function realModule(file: string): () => Exports {
  let loaded: NodeJS.Module | undefined;
  return () => {
    if (!loaded) {
      const m = new ModuleInternals(file, null);
      m.filename = file;
      m.paths = ModuleInternals._nodeModulePaths(path.dirname(file));
      m.load(file);
      loaded = m;
    }
    return loaded.exports as Exports;
  };
}

/** Every property access, `in` and key listing goes to the real module. */
function lazyNamespace(load: () => Exports, esModule: boolean): object {
  return new Proxy(
    {},
    {
      get: (_, key) => (esModule && key === "__esModule" ? true : load()[key]),
      has: (_, key) => key in load(),
      // Writes (a test double, an instrumentation library) go to the real module, where readers see them.
      set: (_, key, value) => Reflect.set(load(), key, value),
      deleteProperty: (_, key) => Reflect.deleteProperty(load(), key),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const d = Reflect.getOwnPropertyDescriptor(load(), key);
        // A proxy may not report a property non-configurable that its (empty) target lacks.
        return d && { ...d, configurable: true };
      },
    },
  );
}

function lazyFunctions(load: () => Exports, names: readonly string[]): object {
  const exports: Record<string, unknown> = { __esModule: true };
  for (const name of names)
    exports[name] = function (this: unknown, ...args: unknown[]) {
      return (load()[name] as (...a: unknown[]) => unknown).apply(this, args);
    };
  return exports;
}

/** The names a CommonJS file compiled by tsc exports (`exports.<name> = ...`). */
export function exportedNames(file: string): Set<string> {
  const names = new Set([...fs.readFileSync(file, "utf8").matchAll(/^exports\.(\w+) = /gm)].map((m) => m[1]));
  names.delete("__esModule");
  return names;
}

/** The file a deferred module is, for the SDK at `root` (undefined: not there). */
function deferredFile(root: string, { file, dependency }: DeferredModule): string | undefined {
  if (!dependency) return fs.existsSync(path.join(root, file)) ? path.join(root, file) : undefined;
  try {
    return require.resolve(file, { paths: [root] });
  } catch {
    return undefined;
  }
}

/** Whether the SDK's `file` is what a stand-in for `d` can stand for (a `functions` one: exactly those exports). */
function fitsLayout(file: string | undefined, { standIn }: DeferredModule): file is string {
  if (!file) return false;
  if (standIn.kind === "namespace") return true;
  const names = exportedNames(file);
  return names.size === standIn.exports.length && standIn.exports.every((n) => names.has(n));
}

function sdkRoot(fromDir: string | undefined): string | undefined {
  try {
    return path.dirname(require.resolve("@pulumi/pulumi/package.json", fromDir ? { paths: [fromDir] } : undefined));
  } catch {
    return undefined;
  }
}

function cacheStandIn(file: string, d: DeferredModule): void {
  const load = realModule(file);
  const standIn = new ModuleInternals(file, null);
  standIn.filename = file;
  standIn.loaded = true;
  standIn.exports =
    d.standIn.kind === "namespace" ? lazyNamespace(load, d.standIn.esModule) : lazyFunctions(load, d.standIn.exports);
  ModuleInternals._cache[file] = standIn;
}

const installedRoots = new Set<string>();

/** Installs the stand-ins for the SDK that resolves from `fromDir` (default: the engine's own). Idempotent. */
export function deferSdkModules(fromDir?: string): DeferredSdkModulesState {
  const root = sdkRoot(fromDir);
  if (!root) return "no-sdk";
  if (installedRoots.has(root)) return "installed";
  if (ModuleInternals._cache[path.join(root, "runtime", "index.js")]) return "sdk-already-loaded";
  const files = DEFERRED_SDK_MODULES.map((d) => deferredFile(root, d));
  if (!DEFERRED_SDK_MODULES.every((d, i) => fitsLayout(files[i], d))) return "sdk-layout-differs";
  DEFERRED_SDK_MODULES.forEach((d, i) => {
    // A dependency someone loaded already (another package's import) stays as it is.
    if (!ModuleInternals._cache[files[i]!]) cacheStandIn(files[i]!, d);
  });
  installedRoots.add(root);
  return "installed";
}

/**
 * zod's entry loads every one of its ~90 locales for `z.locales` (about 0.03 s); the stack program's config
 * schema uses the default (English, which zod loads from its own file). Its importers (zod's classic and
 * core entries) read it through `__importStar`. Resolved as the stack program resolves zod.
 */
export const DEFERRED_ZOD_LOCALES: DeferredModule = {
  file: "v4/locales/index.cjs",
  standIn: { kind: "namespace", esModule: true },
};

/** Installs the stand-in for zod's locales (see above) where zod has that file and has not loaded yet. */
export function deferZodLocales(fromDir: string): boolean {
  let root: string;
  try {
    root = path.dirname(require.resolve("zod/package.json", { paths: [fromDir] }));
  } catch {
    return false;
  }
  const file = deferredFile(root, DEFERRED_ZOD_LOCALES);
  if (!file || ModuleInternals._cache[file] || ModuleInternals._cache[path.join(root, "index.cjs")]) return false;
  cacheStandIn(file, DEFERRED_ZOD_LOCALES);
  return true;
}

/** Installed on import: the engine imports this module before the SDK (engine/index.ts, run.ts). */
export const deferredSdkModulesState: DeferredSdkModulesState = deferSdkModules();
