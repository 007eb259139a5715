import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

type PolicyConfigJSONSchema = PolicyConfigSchema["properties"][string];
import { Graph } from "./graph";

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
  /** Checks the whole graph; `report(message, urn)` for each violation. */
  check(g: Graph, config: C, report: (message: string, urn?: string) => void, args: StackValidationArgs): void;
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
      def.check(Graph.of(args), cfg, (m, urn) => reportViolation(m, urn), args);
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
