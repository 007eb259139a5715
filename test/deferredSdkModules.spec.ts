import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { DEFERRED_SDK_MODULES, exportedNames } from "../engine/deferredSdkModules";

// The stand-ins change the process's require cache, so behaviour is checked in child processes. The child
// loads engine/deferredSdkModules.ts transpiled here, compiled at its own path (so it resolves the SDK as the
// engine does), not through ts-node: ts-node loads TypeScript itself, which would hide whether the SDK did.
const ROOT = path.join(__dirname, "..");
const MODULE_TS = path.join(ROOT, "engine", "deferredSdkModules.ts");
const SDK_ROOT = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
/** The file a deferred module is in this checkout's SDK (a dependency resolves from the SDK). */
const sdkFile = (d: (typeof DEFERRED_SDK_MODULES)[number]) =>
  d.dependency ? require.resolve(d.file, { paths: [SDK_ROOT] }) : path.join(SDK_ROOT, d.file);

/** Child prelude: `deferred` is engine/deferredSdkModules loaded when the prelude runs; `loaded(pkg)` says whether a package's files are in the require cache. */
const PRELUDE = `
const Module = require("module");
const fs = require("fs");
const path = require("path");
const [moduleJs, moduleTs] = process.argv.slice(1);
const loadDeferred = () => {
  const m = new Module(moduleTs, null);
  m.filename = moduleTs;
  m.paths = Module._nodeModulePaths(path.dirname(moduleTs));
  m._compile(fs.readFileSync(moduleJs, "utf8"), moduleTs);
  return m.exports;
};
const loaded = (pkg) => Object.keys(require.cache).some((f) => f.includes(path.join("node_modules", pkg) + path.sep));
const print = (x) => process.stdout.write(JSON.stringify(x));
`;

describe("deferred SDK modules (engine/deferredSdkModules.ts)", function () {
  this.timeout(120000);
  let work: string;
  let moduleJs: string;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-deferred-sdk-"));
    moduleJs = path.join(work, "deferredSdkModules.js");
    const out = ts.transpileModule(fs.readFileSync(MODULE_TS, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    fs.writeFileSync(moduleJs, out.outputText);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  function child(script: string, cwd = ROOT): any {
    const r = spawnSync(process.execPath, ["-e", PRELUDE + script, moduleJs, MODULE_TS], { cwd, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  it("the SDK's deferred files export exactly what the stand-ins forward", () => {
    for (const d of DEFERRED_SDK_MODULES) {
      assert.ok(fs.existsSync(sdkFile(d)), d.file);
      if (d.standIn.kind === "functions")
        assert.deepEqual([...exportedNames(sdkFile(d))].sort(), [...d.standIn.exports].sort(), d.file);
    }
  });

  it("keeps TypeScript, Arborist, execa, gRPC and OpenTelemetry out of an SDK load, and loads each on first use", () => {
    const real = child(`
      require("@pulumi/pulumi/runtime/closure/codePaths").findWorkspaceRoot(process.cwd()).then((root) => print({ root }));
    `);
    const r = child(`
      const deferred = loadDeferred();
      const pulumi = require("@pulumi/pulumi");
      // A deferred package's entry file holds its stand-in: loaded means any other of its files.
      const sdkRoot = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
      const beyondEntry = (pkg) => {
        const entry = require.resolve(pkg, { paths: [sdkRoot] });
        return Object.keys(require.cache).some((f) => f.includes(path.join("node_modules", pkg) + path.sep) && f !== entry);
      };
      const atLoad = { typescript: loaded("typescript"), arborist: loaded("@npmcli/arborist"), execa: loaded("execa"),
        grpc: beyondEntry("@grpc/grpc-js"), opentelemetry: beyondEntry("@opentelemetry/api") };
      const grpcStatus = require("@grpc/grpc-js").status.UNAVAILABLE;
      const grpcAfterUse = beyondEntry("@grpc/grpc-js");
      const types = {
        localWorkspace: typeof pulumi.automation.LocalWorkspace,
        computeCodePaths: typeof pulumi.runtime.computeCodePaths,
      };
      (async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => "deferred-marker");
        const typescriptAfterSerialize = loaded("typescript");
        const root = await require("@pulumi/pulumi/runtime/closure/codePaths").findWorkspaceRoot(process.cwd());
        print({ state: deferred.deferredSdkModulesState, again: deferred.deferSdkModules(), atLoad, types,
          text: serialized.text, typescriptAfterSerialize, root, grpcStatus, grpcAfterUse, arboristAfterCall: loaded("@npmcli/arborist"), execaAfterUse: loaded("execa") });
      })();
    `);
    assert.equal(r.state, "installed");
    assert.equal(r.again, "installed");
    assert.deepEqual(r.atLoad, { typescript: false, arborist: false, execa: false, grpc: false, opentelemetry: false });
    assert.equal(r.grpcStatus, 14); // grpc.status.UNAVAILABLE, read through the stand-in
    assert.equal(r.grpcAfterUse, true);
    assert.deepEqual(r.types, { localWorkspace: "function", computeCodePaths: "function" });
    assert.match(r.text, /deferred-marker/);
    assert.equal(r.typescriptAfterSerialize, true);
    assert.deepEqual(r.root, real.root);
    assert.equal(r.arboristAfterCall, true);
    assert.equal(r.execaAfterUse, true);
  });

  it("defers zod's locales until one is used; the default English messages are zod's own", () => {
    const script = (defer: boolean) => `
      const deferred = loadDeferred();
      const installed = ${defer} && deferred.deferZodLocales(process.cwd());
      const locales = () => Object.keys(require.cache).filter((f) => f.includes(path.join("zod", "v4", "locales"))).length;
      const { z } = require("zod");
      const atLoad = locales();
      const message = z.object({ n: z.number().int().min(1) }).safeParse({ n: 0.5 }).error.issues.map((i) => i.message);
      const fr = typeof z.locales.fr;
      print({ installed, atLoad, message, fr, afterUse: locales() });`;
    const plain = child(script(false));
    const r = child(script(true));
    assert.equal(r.installed, true);
    assert.ok(plain.atLoad > 50, `${plain.atLoad} locale files without the stand-in`);
    assert.equal(r.atLoad, 2); // the stand-in for the index, and English (zod loads it from its own file)
    assert.deepEqual(r.message, plain.message);
    assert.equal(r.fr, "function");
    assert.equal(r.afterUse, plain.afterUse);
  });

  it("changes nothing when the SDK is already loaded", () => {
    const r = child(`
      require("@pulumi/pulumi");
      const files = ${JSON.stringify(DEFERRED_SDK_MODULES.map(sdkFile))};
      const before = files.map((f) => require.cache[f] && require.cache[f].exports);
      const cached = Object.keys(require.cache).length;
      const deferred = loadDeferred();
      print({ state: deferred.deferredSdkModulesState, again: deferred.deferSdkModules(),
        loadedBefore: before.filter((e) => e !== undefined).length,
        sameExports: files.every((f, i) => (require.cache[f] && require.cache[f].exports) === before[i]),
        cachedBefore: cached, cachedAfter: Object.keys(require.cache).length });
    `);
    assert.equal(r.state, "sdk-already-loaded");
    assert.equal(r.again, "sdk-already-loaded");
    assert.ok(r.loadedBefore >= 5, `${r.loadedBefore} deferred files loaded by the SDK itself`);
    assert.equal(r.sameExports, true);
    assert.equal(r.cachedAfter, r.cachedBefore);
  });

  describe("another SDK layout", () => {
    let project: string;
    /** A minimal @pulumi/pulumi in a project under os.tmpdir() (outside the repo: nothing resolves upwards to its SDK). */
    function fakeSdk(codePathsExports: string[], withAutomation = true) {
      const sdk = path.join(project, "node_modules", "@pulumi", "pulumi");
      fs.mkdirSync(path.join(sdk, "runtime", "closure"), { recursive: true });
      fs.mkdirSync(path.join(sdk, "automation"));
      fs.writeFileSync(path.join(sdk, "package.json"), '{ "name": "@pulumi/pulumi", "version": "3.0.0" }\n');
      fs.writeFileSync(path.join(sdk, "runtime", "index.js"), "exports.runtime = true;\n");
      fs.writeFileSync(
        path.join(sdk, "typescript-shim.js"),
        'globalThis.shimLoads = (globalThis.shimLoads || 0) + 1;\nexports.name = "shim";\n',
      );
      fs.writeFileSync(
        path.join(sdk, "runtime", "closure", "codePaths.js"),
        codePathsExports.map((n) => `exports.${n} = (x) => "${n}:" + x;\n`).join(""),
      );
      if (withAutomation)
        fs.writeFileSync(
          path.join(sdk, "automation", "index.js"),
          'globalThis.automationLoads = (globalThis.automationLoads || 0) + 1;\nexports.LocalWorkspace = "fake";\n',
        );
      // The other deferred files (gRPC client definitions, gRPC, OpenTelemetry): each counts its loads.
      for (const d of DEFERRED_SDK_MODULES.filter((m) => m.standIn.kind === "namespace")) {
        if (["typescript-shim.js", "automation/index.js"].includes(d.file)) continue;
        const file = d.dependency ? path.join(project, "node_modules", d.file, "index.js") : path.join(sdk, d.file);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        if (d.dependency)
          fs.writeFileSync(
            path.join(path.dirname(file), "package.json"),
            `{ "name": "${d.file}", "version": "1.0.0" }\n`,
          );
        fs.writeFileSync(
          file,
          `globalThis.otherLoads = (globalThis.otherLoads || 0) + 1;\nexports.__esModule = true;\nexports.name = ${JSON.stringify(d.file)};\n`,
        );
      }
      return sdk;
    }
    beforeEach(() => {
      project = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-fake-sdk-"));
    });
    afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

    const defer = (project: string) => child(`print(loadDeferred().deferSdkModules(${JSON.stringify(project)}));`);

    it("leaves an SDK whose codePaths.js exports another name as it is", () => {
      fakeSdk(["computeCodePaths", "findWorkspaceRoot", "somethingNew"]);
      assert.equal(defer(project), "sdk-layout-differs");
    });

    it("leaves an SDK without one of the files as it is", () => {
      fakeSdk(["computeCodePaths", "findWorkspaceRoot"], false);
      assert.equal(defer(project), "sdk-layout-differs");
    });

    it("reports no SDK where none resolves", () => {
      assert.equal(defer(project), "no-sdk");
    });

    it("installs stand-ins for an SDK with the expected layout, each loading the real file once, on first use", () => {
      const sdk = fakeSdk(["computeCodePaths", "findWorkspaceRoot"]);
      const r = child(`
        const state = loadDeferred().deferSdkModules(${JSON.stringify(project)});
        const sdk = ${JSON.stringify(sdk)};
        const shim = require(path.join(sdk, "typescript-shim.js"));
        const automation = require(path.join(sdk, "automation", "index.js"));
        const codePaths = require(path.join(sdk, "runtime", "closure", "codePaths.js"));
        const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdk] }));
        const untouched = { shim: globalThis.shimLoads ?? 0, automation: globalThis.automationLoads ?? 0, other: globalThis.otherLoads ?? 0 };
        const grpcName = grpc.name;
        const esModule = automation.__esModule;
        const afterEsModule = globalThis.automationLoads ?? 0;
        automation.patched = 7; // a test double or an instrumentation library writing a member
        const patched = automation.patched;
        print({ state, untouched, esModule, afterEsModule, patched, shimName: shim.name, shimHas: "name" in shim,
          shimKeys: Object.keys(shim), workspace: automation.LocalWorkspace, root: codePaths.findWorkspaceRoot("x"),
          grpcName, loads: { shim: globalThis.shimLoads, automation: globalThis.automationLoads, other: globalThis.otherLoads } });
      `);
      assert.deepEqual(r, {
        state: "installed",
        untouched: { shim: 0, automation: 0, other: 0 },
        esModule: true,
        afterEsModule: 0,
        patched: 7,
        shimName: "shim",
        shimHas: true,
        shimKeys: ["name"],
        workspace: "fake",
        root: "findWorkspaceRoot:x",
        grpcName: "@grpc/grpc-js",
        loads: { shim: 1, automation: 1, other: 1 },
      });
    });
  });
});
