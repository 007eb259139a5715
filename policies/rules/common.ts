import * as policySdk from "@pulumi/policy";
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { Graph } from "./graph";

type PolicyConfigJSONSchema = PolicyConfigSchema["properties"][string];

/** @pulumi/policy's own error for "unknown during preview" (exported at runtime; internal in its typings). */
const { UnknownValueError } = policySdk as unknown as {
  UnknownValueError: new (unknownSentinel: string, path: string[]) => Error;
};
/** The analyzer's sentinel for an unknown string (the one UnknownValueError accepts). */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Thrown by a rule, after it has checked everything known, when some input it needs is unknown during
 * preview. The analyzer (and the offline engine) report an UnknownValueError as ONE advisory diagnostic
 * per policy, whatever the policy's level: "cannot check until apply: <what>".
 */
export class CannotCheckUntilApply extends UnknownValueError {
  constructor(
    readonly what: string[],
    readonly urn?: string,
  ) {
    super(UNKNOWN_STRING, []);
    this.name = "CannotCheckUntilApply";
    this.message = `cannot check until apply: ${what.join("; ")}`;
  }
}

/** Every violation message follows one shape: resource, what was measured, the threshold, the fix. */
export function violation(resource: string, measured: string, threshold: string, fix: string): string {
  return `${resource}: ${measured}; required: ${threshold}. Fix: ${fix}.`;
}

export interface RuleDefinition<C extends object> {
  name: string;
  description: string;
  severity: Severity;
  remediationSteps: string;
  /** Threshold properties; each has a `default` (the seed's numbers). */
  config: Record<string, PolicyConfigJSONSchema>;
  /**
   * Checks the whole graph; `report(message, urn)` for each violation; `cannotCheck(what, urn)` for each
   * input it needs that is unknown during preview (never read a default or skip in its place).
   */
  check(
    g: Graph,
    config: C,
    report: (message: string, urn?: string) => void,
    args: StackValidationArgs,
    cannotCheck: (what: string, urn?: string) => void,
  ): void;
}

/**
 * A stack policy: sees every resource, so rules that need a resource's neighbours (a node group's
 * launch template, a bucket's access block, Harbor's Redis vs the sentinels) work the same way.
 * Enforcement is `mandatory` here; per-stack config files lower it (dev: advisory).
 */
export function stackRule<C extends object>(
  def: RuleDefinition<C>,
  enforcementLevel: EnforcementLevel = "mandatory",
): StackValidationPolicy {
  return {
    name: def.name,
    description: def.description,
    enforcementLevel,
    severity: def.severity,
    remediationSteps: def.remediationSteps,
    configSchema: { properties: def.config },
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const cfg = args.getConfig<C>();
      const deferred: { what: string; urn?: string }[] = [];
      def.check(
        Graph.of(args),
        cfg,
        (m, urn) => reportViolation(m, urn),
        args,
        (what, urn) => deferred.push({ what, urn }),
      );
      if (deferred.length)
        throw new CannotCheckUntilApply([...new Set(deferred.map((d) => d.what))], deferred.find((d) => d.urn)?.urn);
    },
  };
}

export const num = (d: number, description: string, minimum = 0): PolicyConfigJSONSchema => ({
  type: "number",
  default: d,
  minimum,
  description,
});
export const strList = (d: string[], description: string): PolicyConfigJSONSchema => ({
  type: "array",
  items: { type: "string" },
  default: d,
  description,
});
