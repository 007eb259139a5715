/**
 * The pack refuses policy config it does not understand. The Pulumi CLI checks each policy's settings
 * against its configSchema but passes unknown settings and unknown policy names through (its schema
 * check allows additional properties), so a typo such as `dbMinVCPU` would leave the default in force
 * without a word. The whole config reaches the pack in the analyzer's `Configure` call, which
 * @pulumi/policy handles internally: the guard wraps that handler when the pack registers its gRPC
 * service, and answers INVALID_ARGUMENT with every problem at once, so `pulumi preview` stops before
 * any policy runs.
 */
import * as path from "path";
import type { Policy } from "@pulumi/policy";
import { policyConfigProblems } from "./stackConfig";

type Callback = (err: unknown, resp?: unknown) => void;
type Handler = (call: { request: ConfigureRequest }, callback: Callback) => unknown;

/** The part of pulumirpc.ConfigureAnalyzerRequest the guard reads. */
export interface ConfigureRequest {
  getPolicyconfigMap(): {
    entries(): Iterable<
      [string, { getEnforcementlevel(): number; getProperties(): { toJavaScript(): object } | undefined }]
    >;
  };
}

/** pulumirpc.EnforcementLevel by number. */
const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];

/** The config as the pack receives it: policy name -> { enforcementLevel, ...settings }. */
export function configOfRequest(req: ConfigureRequest): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, c] of req.getPolicyconfigMap().entries()) {
    out[name] = { ...(c.getProperties()?.toJavaScript() ?? {}), enforcementLevel: LEVELS[c.getEnforcementlevel()] };
  }
  return out;
}

/** gRPC INVALID_ARGUMENT with one message listing every problem. */
function invalidArgument(problems: string[]): Error & { code: number; details: string } {
  const details = `harbor-ha policy pack config is invalid:\n  - ${problems.join("\n  - ")}`;
  return Object.assign(new Error(details), { code: 3, details });
}

/** An analyzer implementation whose `configure` first checks the config against `policies`. */
export function guardAnalyzer<T extends { configure?: Handler }>(impl: T, policies: Policy[]): T {
  const configure = impl.configure;
  if (typeof configure !== "function") return impl;
  return {
    ...impl,
    configure(this: unknown, call: { request: ConfigureRequest }, callback: Callback) {
      let problems: string[];
      try {
        problems = policyConfigProblems(configOfRequest(call.request), policies);
      } catch (e) {
        problems = [`the config could not be read: ${(e as Error).message}`];
      }
      if (problems.length) return callback(invalidArgument(problems));
      return configure.call(this, call, callback);
    },
  };
}

interface GrpcServerClass {
  prototype: { addService(service: object, impl: Record<string, unknown>): void };
}

/** The gRPC module @pulumi/policy serves with (the guard must patch that copy). */
export function policyGrpc(): { Server: GrpcServerClass } {
  const from = path.dirname(require.resolve("@pulumi/policy"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from @pulumi/policy's own location
  return require(require.resolve("@grpc/grpc-js", { paths: [from] }));
}

/**
 * Installs the guard for the analyzer service the pack is about to register. Call before
 * `new PolicyPack(...)`, then `assertGuarded()` after it: the PolicyPack registers its service
 * synchronously, and a guard that did not see it (a changed @pulumi/policy) must fail loudly.
 */
export function installConfigGuard(policies: Policy[]): { assertGuarded(): void } {
  const proto = policyGrpc().Server.prototype;
  const addService = proto.addService;
  let guarded = false;
  proto.addService = function (this: unknown, service: object, impl: Record<string, unknown>) {
    const isAnalyzer = typeof impl?.configure === "function" && typeof impl?.analyzeStack === "function";
    if (isAnalyzer) guarded = true;
    return addService.call(this, service, isAnalyzer ? guardAnalyzer(impl as { configure?: Handler }, policies) : impl);
  };
  return {
    assertGuarded() {
      proto.addService = addService;
      if (!guarded)
        throw new Error(
          "harbor-ha policy pack: the policy config guard did not see the analyzer service (has @pulumi/policy changed?)",
        );
    },
  };
}
