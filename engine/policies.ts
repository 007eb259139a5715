/**
 * Evaluates @pulumi/policy policies against a captured graph, calling their `validateResource` and
 * `validateStack` with the same argument shapes the Pulumi policy analyzer passes. The policies are
 * the pack's own exported objects: there is no second implementation.
 */
import type {
  Policy,
  PolicyResource,
  StackValidationPolicy,
  ResourceValidationArgs,
  StackValidationArgs,
  EnforcementLevel,
} from "@pulumi/policy";
import { PlanGraph } from "./graph";
import { unwrapSecrets } from "./secrets";

export interface Violation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  urn: string;
  message: string;
}

export interface PolicyRunOptions {
  /** The pack's default enforcement level. Default: `advisory`. */
  enforcementLevel?: EnforcementLevel;
  /** Policy config as `--policy-pack-config` gives it: policy name -> level or `{ enforcementLevel, ...config }`. */
  config?: Record<string, unknown>;
}

class NotApplicable extends Error {}

function policyConfig(
  all: Record<string, unknown> | undefined,
  name: string,
): { level?: EnforcementLevel; props: Record<string, unknown> } {
  const c = all?.[name];
  if (typeof c === "string") return { level: c as EnforcementLevel, props: {} };
  if (c && typeof c === "object") {
    const { enforcementLevel, ...props } = c as Record<string, unknown>;
    return { level: enforcementLevel as EnforcementLevel | undefined, props };
  }
  return { props: {} };
}

/** Applies each policy's configSchema defaults under the given config, as the analyzer does. */
function withDefaults(policy: Policy, props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const schemaProps = (policy.configSchema?.properties ?? {}) as Record<string, { default?: unknown }>;
  for (const [k, s] of Object.entries(schemaProps)) if (s && "default" in s) out[k] = s.default;
  return { ...out, ...props };
}

export async function evaluatePolicies(
  graph: PlanGraph,
  policies: Policy[],
  options: PolicyRunOptions = {},
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const byUrn = new Map<string, PolicyResource>();
  const policyResources: PolicyResource[] = [];
  const dependencyUrns = new Map<PolicyResource, string[]>();
  for (const r of graph.resources) {
    if (r.type === "pulumi:pulumi:Stack") continue;
    const pr: PolicyResource = {
      type: r.type,
      // As Pulumi's analyzer does: custom resources show their inputs, components their registered outputs.
      props: unwrapSecrets(r.custom ? r.inputs : (r.outputs ?? {})) as Record<string, any>,
      urn: r.urn,
      name: r.name,
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        parent: r.parent || undefined,
      },
      dependencies: [],
      propertyDependencies: {},
      isType: (cls: any) => cls?.__pulumiType === r.type,
      asType: ((cls: any) => (cls?.__pulumiType === r.type ? unwrapSecrets(r.inputs) : undefined)) as any,
    } as unknown as PolicyResource;
    byUrn.set(r.urn, pr);
    policyResources.push(pr);
    dependencyUrns.set(pr, r.dependencies);
  }
  for (const pr of policyResources) {
    const parentUrn = pr.opts.parent;
    if (parentUrn && byUrn.has(parentUrn)) (pr as any).parent = byUrn.get(parentUrn);
    (pr as any).dependencies = (dependencyUrns.get(pr) ?? []).map((u) => byUrn.get(u)).filter(Boolean);
  }

  for (const policy of policies) {
    const { level, props } = policyConfig(options.config, policy.name);
    const enforcementLevel = level ?? policy.enforcementLevel ?? options.enforcementLevel ?? "advisory";
    if (enforcementLevel === "disabled") continue;
    const cfg = withDefaults(policy, props);
    const report = (urn: string) => (message: string, reportUrn?: string) =>
      violations.push({ policy: policy.name, enforcementLevel, urn: reportUrn ?? urn, message });
    const notApplicable = (reason?: string): never => {
      throw new NotApplicable(reason);
    };
    if ("validateResource" in policy && policy.validateResource) {
      const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
      for (const pr of policyResources) {
        const args = {
          ...pr,
          stackTags: new Map(),
          getConfig: () => cfg,
          notApplicable,
        } as unknown as ResourceValidationArgs;
        for (const v of validations) {
          try {
            await v(args, report(pr.urn));
          } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
          }
        }
      }
    }
    if ("validateStack" in policy && policy.validateStack) {
      const args = {
        resources: policyResources,
        stackTags: new Map(),
        getConfig: () => cfg,
        notApplicable,
      } as unknown as StackValidationArgs;
      try {
        await (policy as StackValidationPolicy).validateStack(args, report(""));
      } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
      }
    }
  }
  return violations.sort((a, b) => (a.policy + a.urn + a.message < b.policy + b.urn + b.message ? -1 : 1));
}
