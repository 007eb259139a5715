/**
 * `harbor-ha plan <stack>`: runs the stack program offline, validates every object, evaluates the
 * policy pack and reports. Exit codes: 0 ok, 1 bad config / schema failure / program error,
 * 2 a mandatory policy violation.
 */
import * as fs from "fs";
import * as path from "path";
import type { Policy } from "@pulumi/policy";
import { evaluatePolicies, PlanGraph, PROJECT_ROOT, readStackConfig, runStack, Violation } from "../engine";
import { canonicalJson } from "./canonicalJson";
import { planDocument, renderHuman } from "./planReport";
import { CliInputError } from "./fileErrors";
import { claimOutDirectory, writeManifests } from "./writeManifests";

export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_POLICY = 2;

export interface PlanOptions {
  /** Stack config file instead of stacks/Pulumi.<stack>.yaml. */
  configFile?: string;
  /** Policy pack config file instead of policies/config/<stack>.json (when that exists). */
  policyConfigFile?: string;
  /** Plan as a first `pulumi preview` of a new stack: computed outputs unknown. Default: false. */
  preview?: boolean;
}

export interface PlanResult {
  graph: PlanGraph;
  violations: Violation[];
  elapsedMs: number;
  exitCode: number;
}

/** The policy pack's exported policies (never its PolicyPack entry, which would start a server). */
export function packPolicies(): Policy[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(__dirname, "..", "policies", "policies")).allPolicies;
}

/** Policy config as `pulumi preview --policy-pack-config <file>` takes it, checked against each policy's schema. */
export function readPolicyConfig(stack: string, file?: string): Record<string, unknown> | undefined {
  try {
    // The stack's file from the project's policies/config (dist/ holds no JSON), or the one given.
    const stackFile = path.join(PROJECT_ROOT, "policies", "config", `${stack}.json`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand: plain plans skip the pack
    return require(path.join(__dirname, "..", "policies", "policies")).loadStackPolicyConfig(
      stack,
      file ?? (fs.existsSync(stackFile) ? stackFile : undefined),
    );
  } catch (e) {
    const error = new Error(`stack "${stack}": ${(e as Error).message}`);
    error.name = "PolicyConfigError";
    throw error;
  }
}

export async function plan(stack: string, options: PlanOptions = {}): Promise<PlanResult> {
  const started = process.hrtime.bigint();
  const configInput = readStackConfig(stack, options.configFile);
  const graph = await runStack(stack, { configInput, preview: options.preview });
  const violations = await evaluatePolicies(graph, packPolicies(), {
    config: readPolicyConfig(stack, options.policyConfigFile),
  });
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const exitCode =
    graph.errors.length > 0
      ? EXIT_INVALID
      : violations.some((v) => v.enforcementLevel === "mandatory")
        ? EXIT_POLICY
        : EXIT_OK;
  return { graph, violations, elapsedMs, exitCode };
}

/** Errors that are the user's input (config, Args), reported as such with exit code 1. */
export function isInputError(e: unknown): e is Error {
  return (
    e instanceof Error &&
    ["StackConfigError", "InvalidArgsError", "StackFileError", "PolicyConfigError", "CliInputError"].includes(e.name)
  );
}

export async function planCommand(
  stack: string,
  flags: { config?: string; json?: boolean; out?: string; policyConfig?: string; preview?: boolean },
): Promise<number> {
  let result: PlanResult;
  try {
    // A directory the plan may not write is refused before anything is planned.
    if (flags.out !== undefined) claimOutDirectory(flags.out, stack);
    result = await plan(stack, {
      configFile: flags.config,
      policyConfigFile: flags.policyConfig,
      preview: flags.preview,
    });
  } catch (e) {
    process.stderr.write(
      `${isInputError(e) ? e.message : `plan of stack "${stack}" failed: ${(e as Error)?.stack ?? e}`}\n`,
    );
    return EXIT_INVALID;
  }
  if (flags.json) {
    process.stdout.write(canonicalJson(planDocument(result.graph, result.violations)) + "\n");
    for (const e of result.graph.errors) process.stderr.write(`[${e.kind}] ${e.message} (${e.urn})\n`);
  } else {
    process.stdout.write(renderHuman(result.graph, result.violations, result.elapsedMs) + "\n");
  }
  if (flags.out !== undefined) {
    try {
      const files = writeManifests(result.graph, flags.out);
      process.stderr.write(`wrote ${files.length} files to ${flags.out}\n`);
    } catch (e) {
      if (!(e instanceof CliInputError)) throw e;
      process.stderr.write(`${e.message}\n`);
      return EXIT_INVALID;
    }
  }
  return result.exitCode;
}
