/**
 * The in-process engine: runs a Pulumi program under the SDK's mock runtime and captures the whole
 * resource graph. Tests, the offline `plan` command and the policy checks all go through here.
 */
// First: defers parts of the SDK an offline run never uses, before anything loads the SDK.
import { deferZodLocales } from "./deferredSdkModules";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CapturingMonitor } from "./monitor";
import { CapturedResource, PlanError, PlanGraph, UNKNOWN } from "./graph";
import { findLeaks, isSecretEnvelope, secretPlaintexts } from "./secrets";
import { validateKubernetesObject } from "./schemas";
import { projectName, readStackConfig, StackConfigInput } from "./stackFile";
import { STACK_CONFIG_FILE_ENV } from "../stacks/secureLeaves";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings");

export type Program = () => unknown | Promise<unknown>;

/**
 * Dynamic resources serialize their provider's code (a TypeScript parse of the closure) on the first
 * resource of each provider. The engine drops that code from the captured inputs, so offline it is
 * not produced: the SDK's dynamic module looks `serializeFunction` up at call time. Only the dynamic
 * module's path is affected; `pulumi.runtime.serializeFunction` keeps the real implementation.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const closureModule = require("@pulumi/pulumi/runtime/closure/serializeClosure");
const realSerializeFunction = closureModule.serializeFunction;
const offlineSerializeFunction = async () => ({
  text: "/* provider code is not serialized offline */",
  exportName: "handler",
  containsSecrets: false,
});

export interface RunOptions {
  /** Pulumi project name. Default: the name in Pulumi.yaml. */
  project?: string;
  /** Stack name. Default: `test`. */
  stack?: string;
  /** Config as the CLI hands it over: `<namespace>:<key>` -> string (JSON for objects). Default: none. */
  config?: Record<string, string>;
  /** Config keys that are secret. Default: none. */
  secretKeys?: string[];
  /**
   * Run as a first `pulumi preview` of a new stack: ids, ARNs, random results and every other computed
   * provider output are unknown ({@link UNKNOWN}), and so is anything built from them in an `apply`.
   * Default: false (every computed output has a deterministic fake value, as after `pulumi up`).
   */
  preview?: boolean;
}

/**
 * The SDK wraps every internal promise for its promise-leak report at exit: a stack trace (source-mapped
 * under ts-node, about half of an offline run), an AsyncLocalStorage lookup, three properties and a
 * `then`/`catch` chain each. The engine reports a program's failures itself (its rejections, see
 * runProgram), so during a run the promise is passed through as it is. (It changes nothing a plan shows.)
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable");
const realDebuggablePromise = debuggable.debuggablePromise;
const offlineDebuggablePromise = <T>(p: Promise<T>): Promise<T> => p;

let running = false;

/**
 * A program that waits for something never settled (an Output or promise no one resolves) leaves Node
 * nothing to do, and the process would end without a plan, exit code 0. (The SDK's promise-leak report
 * caught this, see above.) When the event loop drains with the run unfinished, the run fails instead.
 */
function failWhenEventLoopDrains(): { drained: Promise<never>; dispose(): void } {
  let onDrained!: () => void;
  const drained = new Promise<never>((_, reject) => {
    onDrained = () =>
      reject(
        new Error(
          "engine: the stack program never finished: it waits for a value that is never resolved (an Output, " +
            "apply or promise that nothing settles). Fix: find that value in the program or component.",
        ),
      );
  });
  process.once("beforeExit", onDrained);
  return { drained, dispose: () => process.off("beforeExit", onDrained) };
}

/**
 * Runs `program` inside a mocked Pulumi stack and returns the captured graph, with schema failures
 * and leaked secrets listed in `errors`. A program that throws makes this reject with that error.
 * Runs are sequential within a process (the Pulumi runtime is process-global).
 */
export async function runProgram(program: Program, options: RunOptions = {}): Promise<PlanGraph> {
  if (running) throw new Error("engine: one run at a time per process (the Pulumi runtime is global)");
  running = true;
  const project = options.project ?? projectName();
  const stack = options.stack ?? "test";
  const preview = options.preview ?? false;
  const monitor = new CapturingMonitor(preview);
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  closureModule.serializeFunction = offlineSerializeFunction;
  debuggable.debuggablePromise = offlineDebuggablePromise;
  const unfinished = failWhenEventLoopDrains();
  try {
    // setMocks sets the runtime's feature flags; then swap in our capturing monitor.
    await pulumi.runtime.setMocks(
      { newResource: async () => ({ id: "", state: {} }), call: async () => ({}) },
      project,
      stack,
      preview,
    );
    settings.setMockOptions(monitor, project, stack, preview);
    pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);
    await Promise.race([pulumi.runtime.runInPulumiStack(async () => await program()), unfinished.drained]);
    await Promise.race([settings.waitForRPCs?.(), unfinished.drained]);
    // Let outputs settle that were chained after the stack's own outputs.
    await new Promise((r) => setImmediate(r));
    if (rejections.length > 0) throw rejections[0];
  } finally {
    // A failed run leaves rejections in flight; drain them here so they don't fail the next run.
    unfinished.dispose();
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    process.off("unhandledRejection", onRejection);
    closureModule.serializeFunction = realSerializeFunction;
    debuggable.debuggablePromise = realDebuggablePromise;
    running = false;
  }
  const graph = finishGraph(project, stack, monitor.captured, monitor.stackOutputs, options);
  if (monitor.reads.length > 0)
    graph.reads = [...monitor.reads].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return preview ? { ...graph, preview } : graph;
}

function finishGraph(
  project: string,
  stack: string,
  captured: CapturedResource[],
  outputs: Record<string, unknown>,
  options: RunOptions,
): PlanGraph {
  const resources = [...captured].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  const errors: PlanError[] = [];
  for (const r of resources) errors.push(...validateKubernetesObject(r));

  // A secret's plaintext found outside an envelope means it escaped through an apply or interpolation.
  const plaintexts = new Set<string>();
  for (const r of resources) secretPlaintexts(r.inputs, plaintexts);
  plaintexts.delete(UNKNOWN); // an unknown secret is not a plaintext
  secretPlaintexts(outputs, plaintexts);
  for (const key of options.secretKeys ?? []) {
    const v = options.config?.[key];
    if (v && v.length >= 8) plaintexts.add(v);
  }
  for (const r of resources) {
    for (const at of findLeaks(r.inputs, plaintexts)) {
      errors.push({
        kind: "secret-leak",
        urn: r.urn,
        message: `a secret value appears in plain input "${at}" of ${r.type} "${r.name}". Fix: pass it through a Kubernetes Secret or keep it a pulumi.secret.`,
      });
    }
  }
  for (const r of resources) {
    const where = secretInClusterObject(r);
    if (where)
      errors.push({
        kind: "secret-leak",
        urn: r.urn,
        message: `a secret is set in "${where}" of ${r.type} "${r.name}", where the cluster stores it in plain text. Fix: put it in a Kubernetes Secret and reference the Secret by name.`,
      });
  }
  for (const at of findLeaks(outputs, plaintexts)) {
    errors.push({
      kind: "secret-leak",
      urn: "",
      message: `a secret value appears in plain stack output "${at}". Fix: export it with pulumi.secret().`,
    });
  }
  return { project, stack, resources, outputs, errors };
}

/**
 * Kubernetes keeps secrets safe only in a `Secret`: a secret inside any other object (a ConfigMap, a
 * pod's env, Helm values) is stored and shown in plain text by the cluster, even if Pulumi redacts it.
 */
function secretInClusterObject(r: CapturedResource): string | undefined {
  if (!r.custom || !r.type.startsWith("kubernetes:") || r.type.startsWith("pulumi:providers:")) return undefined;
  if (r.type === "kubernetes:core/v1:Secret" || r.type === "kubernetes:core/v1:SecretList") return undefined;
  return firstSecretPath(r.inputs, "");
}

function firstSecretPath(v: unknown, path: string): string | undefined {
  if (isSecretEnvelope(v)) return path || "(value)";
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = firstSecretPath(v[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (v && typeof v === "object") {
    for (const [k, e] of Object.entries(v)) {
      const p = firstSecretPath(e, path ? `${path}.${k}` : k);
      if (p) return p;
    }
  }
  return undefined;
}

/** The stack program beside this engine: stacks/index.ts in a checkout, dist/stacks/index.js when compiled. */
export const STACK_PROGRAM = path.join(__dirname, "..", "stacks");

export interface StackRunOptions {
  /** A config file to use instead of `stacks/Pulumi.<stack>.yaml`. */
  configFile?: string;
  /** Config already read (overrides `configFile`). */
  configInput?: StackConfigInput;
  /** Run as a first `pulumi preview` of a new stack (see {@link RunOptions.preview}). Default: false. */
  preview?: boolean;
}

/**
 * Runs the real stack program (`stacks/`, whose module exports the program function) for `stack`,
 * fed with the stack's config file as the Pulumi CLI would feed it.
 */
export async function runStack(stack: string, options: StackRunOptions = {}): Promise<PlanGraph> {
  const input = options.configInput ?? readStackConfig(stack, options.configFile);
  deferZodLocales(STACK_PROGRAM);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(STACK_PROGRAM);
  const program: Program = typeof mod === "function" ? mod : mod.default;
  if (typeof program !== "function")
    throw new Error(`engine: ${STACK_PROGRAM} must export the program function (export = async () => outputs)`);
  // The program learns which leaves were `secure:` from the file itself, as under `pulumi up`.
  const previous = process.env[STACK_CONFIG_FILE_ENV];
  process.env[STACK_CONFIG_FILE_ENV] = path.resolve(input.file);
  try {
    return await runProgram(program, {
      stack,
      config: input.config,
      secretKeys: input.secretKeys,
      preview: options.preview,
    });
  } finally {
    if (previous === undefined) delete process.env[STACK_CONFIG_FILE_ENV];
    else process.env[STACK_CONFIG_FILE_ENV] = previous;
  }
}
