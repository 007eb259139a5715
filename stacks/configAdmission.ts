/**
 * `harbor-ha:admission`: admission policies in the stack's cluster (registry allowlist, signature
 * verification). The shapes are checked here with zod; the rules (registry hosts, public keys, selectors
 * that match nothing, signers of allowed projects) are the admission tier's own `admissionArgsProblems`,
 * asked before any resource so that each problem names the stack key.
 */
import { z } from "zod";
import { admissionArgsProblems, admissionPoliciesDefaults, platformAdmissionProjects } from "../components";
import type { PlatformAdmission } from "../components";

const selectorExpression = z.strictObject({
  key: z.string().min(1),
  operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
  values: z.array(z.string()).optional(),
});

export const admissionConfig = z.strictObject({
  /** Deny (refuse), Warn or Audit. Default: Deny. */
  mode: z.enum(["Deny", "Warn", "Audit"]).default(admissionPoliciesDefaults.mode),
  /** Harbor projects pods may pull from. Default: `projects` and the proxy caches of `operations`. */
  projects: z.array(z.string()).optional(),
  /** Other registries, `host[:port]` or `host[:port]/path`. Default: []. */
  extraRegistries: z.array(z.string()).default([]),
  /** Namespaces the allowlist skips. Default: [kube-system]. */
  exemptNamespaces: z.array(z.string()).default(admissionPoliciesDefaults.exemptNamespaces),
  /** Images allowed anywhere besides the platform's own (fully qualified). Default: []. */
  exemptImages: z.array(z.string()).default([]),
  /** Signature verification (sigstore policy-controller). Default: none. */
  signatures: z
    .strictObject({
      projects: z
        .array(
          z.strictObject({
            project: z.string().min(1),
            publicKeys: z.array(z.string()).optional(),
            keyless: z
              .array(
                z.strictObject({
                  issuer: z.string(),
                  subject: z.string().optional(),
                  subjectRegExp: z.string().optional(),
                }),
              )
              .optional(),
          }),
        )
        .min(1),
      namespaceSelector: z
        .strictObject({
          matchLabels: z.record(z.string(), z.string()).optional(),
          matchExpressions: z.array(selectorExpression).optional(),
        })
        .optional(),
      noMatchPolicy: z.enum(["deny", "warn", "allow"]).optional(),
      namespace: z.string().optional(),
      replicas: z.number().int().positive().optional(),
    })
    .optional(),
});

export type AdmissionConfig = z.output<typeof admissionConfig>;

/** The config as the platform takes it. */
export function platformAdmission(a: AdmissionConfig | undefined): PlatformAdmission | undefined {
  return a ? { ...a } : undefined;
}

/**
 * The admission tier's rules on the stack's values, each as `<key>: <problem>. Fix: <fix>.` with the full
 * stack key; `ctx` gives Harbor's host and the projects the stack declares.
 */
export function admissionProblems(
  a: AdmissionConfig | undefined,
  ctx: {
    externalUrl: string;
    projects: { name: string }[];
    operations: { proxyCaches?: { project: string }[] };
    key: (p: string) => string;
  },
): string[] {
  if (!a) return [];
  const projects = a.projects ?? platformAdmissionProjects({ projects: ctx.projects, operations: ctx.operations });
  return admissionArgsProblems({ ...a, harborHost: new URL(ctx.externalUrl).host, projects }).map((p) => {
    const key = p.path === "projects" && !a.projects ? "admission.projects" : `admission.${p.path}`;
    const fix =
      p.path === "projects" && !a.projects
        ? `set ${ctx.key("admission.projects")}, or declare ${ctx.key("projects")} (or proxy caches) the cluster pulls from`
        : p.fix;
    return `${ctx.key(key)}: ${p.problem}. Fix: ${fix}.`;
  });
}
