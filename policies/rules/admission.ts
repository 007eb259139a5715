/**
 * Supply-chain guarantees at deploy time, read from the AdmissionPolicies component's inputs (its resolved
 * allowlist), its ValidatingAdmissionPolicyBinding and ClusterImagePolicies, and the Harbor projects the
 * stack manages: the registry allowlist denies in staging and prod, production projects' signatures are
 * verified at admission, and every project the cluster may pull from blocks CVSS >= 7.0 findings.
 */
import { HARBOR_BLOCKS_CVSS7_SEVERITIES } from "../../components/facts";
import { stackRule, strList, violation } from "./common";
import { arr, ComponentTypes, Graph, label, obj, platformFacts, Res, str } from "./graph";

const TYPES = {
  Binding: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
  Policy: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
  ClusterImagePolicy: "kubernetes:policy.sigstore.dev/v1beta1:ClusterImagePolicy",
  /** A Harbor project, as harbor-ha's dynamic provider registers it (`pulumi-nodejs:dynamic/harbor:<type>`). */
  Project: "pulumi-nodejs:dynamic/harbor:Project",
} as const;

/** What the AdmissionPolicies component registers as its inputs. */
interface AdmissionFacts {
  harborHost?: string;
  projects: string[];
  extraRegistries: string[];
  signedProjects: string[];
}

function admissionFacts(r: Res): AdmissionFacts {
  const p = obj(r.props);
  const strs = (v: unknown) => arr(v).filter((x): x is string => typeof x === "string");
  return {
    harborHost: str(p.harborHost),
    projects: strs(p.projects),
    extraRegistries: strs(p.extraRegistries),
    signedProjects: strs(p.signedProjects),
  };
}

/** Whether the rules apply: in the listed environments of a platform; always to a component used alone. */
function applies(g: Graph, environments: string[]): boolean {
  const f = platformFacts(g);
  return f.urn === undefined || (f.environment !== undefined && environments.includes(f.environment));
}

/** The stack's Harbor projects by name, with their managed metadata. */
function harborProjects(g: Graph): Map<string, { res: Res; metadata: Record<string, unknown> }> {
  const out = new Map<string, { res: Res; metadata: Record<string, unknown> }>();
  for (const r of g.ofType(TYPES.Project)) {
    const spec = obj(obj(r.props).spec);
    const name = str(spec.name);
    if (name) out.set(name, { res: r, metadata: obj(spec.metadata) });
  }
  return out;
}

const envConfig = strList(["staging", "prod"], "environments the rule applies to (a component used alone: always)");

export const admissionAllowlist = stackRule<{ environments: string[] }>({
  name: "harbor-admission-allowlist",
  description:
    "In the listed environments the cluster has harbor-ha's registry allowlist (AdmissionPolicies: a ValidatingAdmissionPolicy and its binding) and the binding denies (validationActions includes Deny), so only images from Harbor's allowed projects (and the platform's exempted system images) run.",
  severity: "high",
  remediationSteps: 'Set the stack\'s admission.mode to "Deny" (HarborPlatform admission Args).',
  config: { environments: envConfig },
  check(g, c, report, _args, cannotCheck) {
    if (!applies(g, c.environments)) return;
    const f = platformFacts(g);
    const components = g.ofType(ComponentTypes.AdmissionPolicies);
    if (components.length === 0) {
      if (f.urn)
        report(
          violation(
            `HarborPlatform (${f.environment})`,
            "no admission policies in the cluster: pods may run images from any registry",
            "a registry allowlist in Deny mode",
            "set the stack's admission (mode Deny)",
          ),
          f.urn,
        );
      return;
    }
    for (const comp of components) {
      // This component's objects (parent chain; the URN's type chain when the parent is not linked).
      const mine = (type: string) =>
        g.ofType(type).filter((r) => {
          const a = g.ancestor(r, comp.type);
          return a ? a.urn === comp.urn : g.isUnder(r, comp.type);
        });
      const bindings = mine(TYPES.Binding);
      const policies = mine(TYPES.Policy);
      const hiddenBinding = bindings.find((b) => g.unknown(b, "spec.validationActions"));
      if (hiddenBinding) {
        cannotCheck(`${label(hiddenBinding)} spec.validationActions`, hiddenBinding.urn);
        continue;
      }
      const denies = bindings.some((b) => arr(obj(obj(b.props).spec).validationActions).includes("Deny"));
      if (policies.length === 0 || !denies)
        report(
          violation(
            label(comp),
            policies.length === 0
              ? "no ValidatingAdmissionPolicy"
              : `binding actions ${bindings.map((b) => JSON.stringify(arr(obj(obj(b.props).spec).validationActions))).join(", ") || "(no binding)"}`,
            "validationActions including Deny",
            "set admission.mode to Deny",
          ),
          comp.urn,
        );
    }
  },
});

export const admissionSignatures = stackRule<{ environments: string[] }>({
  name: "harbor-admission-signatures",
  description:
    "In the listed environments every production project the cluster may pull from (a project with Harbor's enforceCosign) has its signatures verified at admission: a ClusterImagePolicy (sigstore policy-controller) whose images glob is <harbor host>/<project>/** with at least one key or keyless authority.",
  severity: "high",
  remediationSteps:
    "Add the project with its cosign public key or keyless identity to the stack's admission.signatures.projects.",
  config: { environments: envConfig },
  check(g, c, report, _args, cannotCheck) {
    if (!applies(g, c.environments)) return;
    const projects = harborProjects(g);
    const cips = g.ofType(TYPES.ClusterImagePolicy);
    for (const r of cips) if (g.unknown(r, "spec")) cannotCheck(`${label(r)} spec`, r.urn);
    for (const comp of g.ofType(ComponentTypes.AdmissionPolicies)) {
      const a = admissionFacts(comp);
      for (const p of a.projects) {
        const meta = projects.get(p)?.metadata;
        if (meta?.enable_content_trust_cosign !== "true") continue;
        const glob = `${a.harborHost}/${p}/**`;
        const verified = cips.some((r) => {
          const s = obj(obj(r.props).spec);
          return (
            arr(s.images).some((i) => obj(i).glob === glob) &&
            arr(s.authorities).some((au) => obj(au).key !== undefined || obj(au).keyless !== undefined) &&
            (s.mode ?? "enforce") === "enforce"
          );
        });
        if (!verified)
          report(
            violation(
              label(comp),
              `project "${p}" enforces cosign signatures in Harbor but nothing verifies them at admission`,
              `an enforcing ClusterImagePolicy for ${glob} with a key or keyless authority`,
              `add "${p}" with its signers to admission.signatures.projects`,
            ),
            comp.urn,
          );
      }
    }
  },
});

export const admissionVulnerabilityGate = stackRule<{ environments: string[]; ungatedRegistries: string[] }>({
  name: "harbor-admission-vulnerability-gate",
  description:
    "Every Harbor project the cluster may pull from (the admission allowlist's projects) is managed by this stack with preventVulnerable on at a severity that blocks every CVSS >= 7.0 finding (low, medium or high; critical lets High findings through), so Harbor never serves such an image; extra registries outside Harbor have no such gate and are refused unless listed in ungatedRegistries.",
  severity: "high",
  remediationSteps:
    "Set preventVulnerable: true and severity: high on each allowed project (projects, operations.proxyCaches), or remove it from admission.projects; drop extra registries.",
  config: {
    environments: envConfig,
    ungatedRegistries: strList([], "extra registries accepted without Harbor's vulnerability gate"),
  },
  check(g, c, report, _args, cannotCheck) {
    if (!applies(g, c.environments)) return;
    const projects = harborProjects(g);
    for (const { res } of projects.values())
      if (g.unknown(res, "spec.metadata")) cannotCheck(`${label(res)} spec.metadata`, res.urn);
    for (const comp of g.ofType(ComponentTypes.AdmissionPolicies)) {
      const a = admissionFacts(comp);
      for (const p of a.projects) {
        const found = projects.get(p);
        const m = found?.metadata ?? {};
        const severity = String(m.severity ?? "");
        if (found && m.prevent_vul === "true" && HARBOR_BLOCKS_CVSS7_SEVERITIES.includes(severity)) continue;
        report(
          violation(
            label(comp),
            !found
              ? `allowed project "${p}" is not managed by this stack, so its vulnerability gate is unknown`
              : `allowed project "${p}" has prevent_vul ${String(m.prevent_vul ?? "false")}, severity "${severity}"`,
            `preventVulnerable on at severity ${HARBOR_BLOCKS_CVSS7_SEVERITIES.join(", ")} (blocks CVSS >= 7.0)`,
            found
              ? `set preventVulnerable: true and severity: high on "${p}"`
              : `declare "${p}" in the stack's projects (or proxy caches) with preventVulnerable, or remove it from admission.projects`,
          ),
          comp.urn,
        );
      }
      for (const r of a.extraRegistries.filter((x) => !c.ungatedRegistries.includes(x)))
        report(
          violation(
            label(comp),
            `extra registry "${r}" is allowed, and Harbor's vulnerability gate does not cover it`,
            "images only from Harbor projects with preventVulnerable",
            `pull it through a Harbor proxy-cache project, or list "${r}" in this policy's ungatedRegistries`,
          ),
          comp.urn,
        );
    }
  },
});
