/**
 * Evaluates @pulumi/policy policies against a captured graph, calling their `validateResource` and
 * `validateStack` with the same argument shapes the Pulumi policy analyzer passes. The policies are
 * the pack's own exported objects: there is no second implementation. A preview graph's unknown values
 * reach the policies as the analyzer hands them over (the wire sentinel behind the props proxy).
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
  /**
   * Policy config as `--policy-pack-config` gives it: policy name -> level or `{ enforcementLevel, ...config }`;
   * `all` sets the level of every policy not named.
   */
  config?: Record<string, unknown>;
}

class NotApplicable extends Error {}

/**
 * Exported by @pulumi/policy at runtime but marked internal in its typings: the analyzer's props proxy
 * (throws `UnknownValueError` on reading a value unknown during preview) and that error class. Loaded on
 * first use, so that runs without policies don't load the policy SDK.
 */
interface AnalyzerRuntime {
  unknownCheckingProxy<T extends object>(props: T): T;
  UnknownValueError: abstract new (...args: never[]) => Error;
}
const analyzerRuntime = async (): Promise<AnalyzerRuntime> =>
  (await import("@pulumi/policy")) as unknown as AnalyzerRuntime;

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

/** The analyzer's resource view, built once per evaluation and shared by every policy. */
type MutablePolicyResource = PolicyResource & { parent?: PolicyResource; dependencies: PolicyResource[] };

/** Whether a resource is of a resource class (`isType`/`asType`), matched by its Pulumi type token. */
function typeToken(cls: unknown): string | undefined {
  const t = (cls as { __pulumiType?: unknown } | undefined)?.__pulumiType;
  return typeof t === "string" ? t : undefined;
}

/**
 * The resources as the analyzer hands them to policies: props behind @pulumi/policy's own
 * unknown-checking proxy, so a rule that reads a value unknown during preview fails here as it does
 * under `pulumi preview`.
 */
function policyResources(graph: PlanGraph, { unknownCheckingProxy }: AnalyzerRuntime): PolicyResource[] {
  const byUrn = new Map<string, MutablePolicyResource>();
  const out: MutablePolicyResource[] = [];
  const dependencyUrns = new Map<PolicyResource, string[]>();
  for (const r of graph.resources) {
    if (r.type === "pulumi:pulumi:Stack") continue;
    // As Pulumi's analyzer does: custom resources show their inputs, components their registered outputs.
    const props = unknownCheckingProxy(
      unwrapSecrets(r.custom ? r.inputs : (r.outputs ?? {})) as Record<string, unknown>,
    );
    const pr: MutablePolicyResource = {
      type: r.type,
      props,
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
      isType: (cls: unknown) => typeToken(cls) === r.type,
      asType: (cls: unknown) => (typeToken(cls) === r.type ? props : undefined),
    } as unknown as MutablePolicyResource;
    byUrn.set(r.urn, pr);
    out.push(pr);
    dependencyUrns.set(pr, r.dependencies);
  }
  for (const pr of out) {
    const parentUrn = pr.opts.parent;
    if (parentUrn && byUrn.has(parentUrn)) pr.parent = byUrn.get(parentUrn);
    pr.dependencies = (dependencyUrns.get(pr) ?? []).flatMap((u) => byUrn.get(u) ?? []);
  }
  return out;
}

/**
 * Runs each policy as the analyzer does. A policy that stops on a value unknown during preview
 * (`UnknownValueError`, which the pack's rules throw with "cannot check until apply: ...") reports one
 * ADVISORY violation with that message, as `pulumi preview` does, whatever the policy's level.
 */
export async function evaluatePolicies(
  graph: PlanGraph,
  policies: Policy[],
  options: PolicyRunOptions = {},
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const runtime = await analyzerRuntime();
  const resources = policyResources(graph, runtime);
  const all = policyConfig(options.config, "all").level;

  for (const policy of policies) {
    const { level, props } = policyConfig(options.config, policy.name);
    const enforcementLevel = level ?? all ?? policy.enforcementLevel ?? options.enforcementLevel ?? "advisory";
    if (enforcementLevel === "disabled") continue;
    const cfg = withDefaults(policy, props);
    const report = (urn: string) => (message: string, reportUrn?: string) =>
      violations.push({ policy: policy.name, enforcementLevel, urn: reportUrn ?? urn, message });
    const notApplicable = (reason?: string): never => {
      throw new NotApplicable(reason);
    };
    const deferred = (e: unknown, urn: string) => {
      if (e instanceof NotApplicable) return;
      if (!(e instanceof runtime.UnknownValueError)) throw e;
      const at = (e as { urn?: unknown }).urn;
      violations.push({
        policy: policy.name,
        enforcementLevel: "advisory",
        urn: typeof at === "string" ? at : urn,
        message: e.message,
      });
    };
    if ("validateResource" in policy && policy.validateResource) {
      const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
      for (const pr of resources) {
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
            deferred(e, pr.urn);
          }
        }
      }
    }
    if ("validateStack" in policy && policy.validateStack) {
      const args = {
        resources,
        stackTags: new Map(),
        getConfig: () => cfg,
        notApplicable,
      } as unknown as StackValidationArgs;
      try {
        await (policy as StackValidationPolicy).validateStack(args, report(""));
      } catch (e) {
        deferred(e, "");
      }
    }
  }
  return violations.sort((a, b) => (a.policy + a.urn + a.message < b.policy + b.urn + b.message ? -1 : 1));
}
