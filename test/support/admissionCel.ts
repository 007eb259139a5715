/**
 * Evaluates a rendered ValidatingAdmissionPolicy the way the API server does, with a CEL implementation
 * from npm (@marcbachmann/cel-js): matchConstraints (resource kinds), matchConditions, then the variables
 * in order (each sees the ones before), then the validations. The expressions are the very strings the
 * component renders; nothing is re-implemented here but the (non-CEL) resource-rule match.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an ES module, loaded with Node's require(esm)
const { Environment } = require("@marcbachmann/cel-js") as {
  Environment: new (o: object) => { evaluate(expr: string, ctx: object): unknown };
};

const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });

/** Resource (plural) of a kind, as the API server's request carries it. */
const RESOURCE: Record<string, [string, string]> = {
  Pod: ["", "pods"],
  Deployment: ["apps", "deployments"],
  ReplicaSet: ["apps", "replicasets"],
  StatefulSet: ["apps", "statefulsets"],
  DaemonSet: ["apps", "daemonsets"],
  Job: ["batch", "jobs"],
  CronJob: ["batch", "cronjobs"],
};

export type Verdict = { outcome: "not-matched" | "skipped" | "allowed" } | { outcome: "refused"; message: string };

/** The policy's verdict on `object` created in `namespace` (subresource: e.g. `ephemeralcontainers`). */
export function admit(
  policy: Record<string, any>,
  object: Record<string, any>,
  namespace: string,
  subresource?: string,
  namespaceLabels: Record<string, string> = {},
): Verdict {
  const [group, plural] = RESOURCE[object.kind] ?? ["?", "?"];
  const resource = subresource ? `${plural}/${subresource}` : plural;
  const matched = (policy.spec.matchConstraints.resourceRules as any[]).some(
    (r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.operations.includes("CREATE"),
  );
  if (!matched) return { outcome: "not-matched" };
  const ctx: Record<string, any> = {
    object,
    oldObject: null,
    namespaceObject: {
      metadata: { name: namespace, labels: { "kubernetes.io/metadata.name": namespace, ...namespaceLabels } },
    },
    request: { namespace, operation: "CREATE", kind: { group, version: "v1", kind: object.kind } },
    variables: {},
  };
  for (const m of policy.spec.matchConditions ?? [])
    if (env.evaluate(m.expression, ctx) !== true) return { outcome: "skipped" };
  for (const v of policy.spec.variables ?? []) ctx.variables[v.name] = env.evaluate(v.expression, ctx);
  for (const v of policy.spec.validations) {
    if (env.evaluate(v.expression, ctx) !== true)
      return { outcome: "refused", message: String(env.evaluate(v.messageExpression, ctx)) };
  }
  return { outcome: "allowed" };
}

/** Evaluates one CEL expression (e.g. the normalization the policy uses) with `ctx`. */
export function celEvaluate(expression: string, ctx: object): unknown {
  return env.evaluate(expression, ctx);
}

/** A pod spec with these containers (and optional init/ephemeral containers). */
export function podSpec(images: string[], init: string[] = [], ephemeral: string[] = []): Record<string, any> {
  const c = (prefix: string) => (image: string, i: number) => ({ name: `${prefix}${i}`, image });
  return {
    containers: images.map(c("c")),
    ...(init.length ? { initContainers: init.map(c("init")) } : {}),
    ...(ephemeral.length ? { ephemeralContainers: ephemeral.map(c("debug")) } : {}),
  };
}

/** `kind` wrapping a pod spec where that kind keeps it. */
export function workload(kind: string, spec: Record<string, any>): Record<string, any> {
  const template = { metadata: { labels: { app: "x" } }, spec };
  const body =
    kind === "Pod"
      ? spec
      : kind === "CronJob"
        ? { schedule: "0 * * * *", jobTemplate: { spec: { template } } }
        : kind === "Job"
          ? { template }
          : { selector: { matchLabels: { app: "x" } }, template };
  return { apiVersion: kind === "Pod" ? "v1" : "apps/v1", kind, metadata: { name: "x" }, spec: body };
}
