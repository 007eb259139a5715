import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, DNS_LABEL, refuseInvalidArgs } from "../conventions";
import {
  ADMISSION_MODES,
  AdmissionMode,
  exemptImageProblem,
  normalizeImage,
  registryPrefixProblem,
} from "./registryAllowlist";
import {
  LabelSelector,
  NoMatchPolicy,
  POLICY_CONTROLLER_CHART,
  POLICY_CONTROLLER_IMAGES,
  POLICY_CONTROLLER_OPT_IN_LABEL,
  ProjectSigners,
  signatureProblems,
} from "./signatures";
import { renderAdmissionPolicies } from "./renderAdmissionPolicies";

/** Defaults of {@link AdmissionPoliciesArgs}, applied in the constructor only. */
export const admissionPoliciesDefaults = {
  mode: "Deny" as AdmissionMode,
  exemptNamespaces: ["kube-system"],
  signaturesNamespace: "cosign-system",
  signaturesReplicas: 2,
  noMatchPolicy: "deny" as NoMatchPolicy,
  namespaceSelector: { matchLabels: { [POLICY_CONTROLLER_OPT_IN_LABEL]: "true" } } as LabelSelector,
};

/** Signature verification with sigstore's policy-controller. */
export interface AdmissionSignaturesArgs {
  /** Signers per Harbor project (each a project of `projects`). */
  projects: ProjectSigners[];
  /** Namespaces where signatures are enforced. Default: label `policy.sigstore.dev/include: "true"`. */
  namespaceSelector?: LabelSelector;
  /** Images no project's policy matches, in those namespaces. Default: `deny`. */
  noMatchPolicy?: NoMatchPolicy;
  /** Namespace of policy-controller (created by its release). Default: `cosign-system`. */
  namespace?: string;
  /** Webhook replicas (a PDB with 2 or more). Default: 2. */
  replicas?: number;
}

export interface AdmissionPoliciesArgs {
  /**
   * Harbor's registry host, `host[:port]` as images name it (the host of Harbor's externalUrl). A plain string (an
   * Output is refused, naming it): it is written into the policy's CEL expressions.
   */
  harborHost: string;
  /** Harbor projects pods may pull from (`<harborHost>/<project>/...`), proxy-cache projects included. At least one. */
  projects: string[];
  /** Other registries allowed: `host[:port]` or `host[:port]/path`. Default: []. */
  extraRegistries?: string[];
  /** `Deny` refuses, `Warn` warns, `Audit` only logs (every mode also audits). Default: `Deny`. */
  mode?: AdmissionMode;
  /** Namespaces the allowlist skips. Default: `["kube-system"]`. */
  exemptNamespaces?: string[];
  /**
   * Images allowed anywhere: fully qualified repositories (any tag) or references, e.g. the system charts'
   * images the platform runs from their upstream registries. policy-controller's own images are added. Default: [].
   */
  exemptImages?: string[];
  /** Signature verification (sigstore policy-controller). Default: none. */
  signatures?: AdmissionSignaturesArgs;
}

const HARBOR_PROJECT = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Every problem of the Args (SDK-free: the stack config asks the same before any resource). */
export function admissionArgsProblems(args: AdmissionPoliciesArgs): ArgsProblem[] {
  const plain = new ArgsChecker("AdmissionPolicies", "-");
  if (!plain.requirePlain({ harborHost: args.harborHost })) return plain.problems;
  const out: ArgsProblem[] = [];
  const host = registryPrefixProblem(args.harborHost);
  if (host || args.harborHost.includes("/"))
    out.push({
      path: "harborHost",
      problem: host ?? `"${args.harborHost}" has a path`,
      fix: "give Harbor's host[:port]",
    });
  if (args.projects.length === 0)
    out.push({
      path: "projects",
      problem: "is empty, so every image would be refused",
      fix: "list the Harbor projects the cluster pulls from",
    });
  args.projects.forEach((p, i) => {
    if (!HARBOR_PROJECT.test(p))
      out.push({
        path: `projects[${i}]`,
        problem: `"${p}" is not a Harbor project name`,
        fix: 'use lowercase letters, digits and ".", "_", "-", e.g. "prod"',
      });
  });
  (args.extraRegistries ?? []).forEach((r, i) => {
    const why = registryPrefixProblem(r);
    if (why)
      out.push({ path: `extraRegistries[${i}]`, problem: why.split(". Fix: ")[0], fix: why.split(". Fix: ")[1] ?? "" });
  });
  if (args.mode !== undefined && !ADMISSION_MODES.includes(args.mode))
    out.push({
      path: "mode",
      problem: `"${String(args.mode)}" is not a mode`,
      fix: `use one of ${ADMISSION_MODES.join(", ")}`,
    });
  (args.exemptNamespaces ?? []).forEach((n, i) => {
    if (!DNS_LABEL.test(n))
      out.push({ path: `exemptNamespaces[${i}]`, problem: `"${n}" is not a namespace name`, fix: "use a DNS label" });
  });
  (args.exemptImages ?? []).forEach((im, i) => {
    const why = exemptImageProblem(im);
    if (why)
      out.push({ path: `exemptImages[${i}]`, problem: why.split(". Fix: ")[0], fix: why.split(". Fix: ")[1] ?? "" });
  });
  const s = args.signatures;
  if (s) {
    out.push(
      ...signatureProblems(
        s.projects,
        s.namespaceSelector ?? admissionPoliciesDefaults.namespaceSelector,
        args.projects,
      ),
    );
    if (s.replicas !== undefined && !(Number.isInteger(s.replicas) && s.replicas >= 1))
      out.push({
        path: "signatures.replicas",
        problem: `must be an integer >= 1, got ${s.replicas}`,
        fix: "set 2 or more",
      });
  }
  return out;
}

/**
 * Admission policies for a cluster that pulls from Harbor: a registry allowlist (ValidatingAdmissionPolicy
 * + binding, built into Kubernetes >= 1.30, no controller) over every container, init container and
 * ephemeral container of Pods and pod templates, and optionally signature verification per Harbor project
 * with sigstore's policy-controller (pinned chart, ClusterImagePolicies) in the namespaces that opt in.
 *
 * The vulnerability gate is Harbor's: `preventVulnerable` at severity high on every allowed project (the
 * policy pack's `harbor-admission-vulnerability-gate` checks it): Harbor refuses to serve a blocked image,
 * so a pod can only pull what passed it.
 */
export class AdmissionPolicies extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.AdmissionPolicies;

  /** The ValidatingAdmissionPolicy's name. */
  readonly policyName: pulumi.Output<string>;
  /** policy-controller's release, when signatures are verified. */
  readonly policyController?: k8s.helm.v3.Release;

  constructor(name: string, args: AdmissionPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("AdmissionPolicies", name, admissionArgsProblems(args));
    const d = admissionPoliciesDefaults;
    const s = args.signatures;
    const exemptImages = [
      ...new Set([
        ...(args.exemptImages ?? []),
        // policy-controller's own pods must be admitted, or its first install deadlocks.
        ...(s ? Object.values(POLICY_CONTROLLER_IMAGES).map(normalizeImage) : []),
      ]),
    ].sort();
    const resolved = {
      harborHost: args.harborHost,
      projects: [...args.projects],
      extraRegistries: args.extraRegistries ?? [],
      mode: args.mode ?? d.mode,
      exemptNamespaces: args.exemptNamespaces ?? d.exemptNamespaces,
      exemptImages,
      signatures: s
        ? {
            projects: s.projects,
            namespaceSelector: s.namespaceSelector ?? d.namespaceSelector,
            noMatchPolicy: s.noMatchPolicy ?? d.noMatchPolicy,
            replicas: s.replicas ?? d.signaturesReplicas,
          }
        : undefined,
    };
    // The resolved allowlist is this component's input: the policy pack reads the projects from it.
    const facts = {
      harborHost: resolved.harborHost,
      projects: resolved.projects,
      extraRegistries: resolved.extraRegistries,
      mode: resolved.mode,
      signedProjects: (s?.projects ?? []).map((p) => p.project),
    };
    super(AdmissionPolicies.__pulumiType, name, facts, opts);
    const o = renderAdmissionPolicies({ name, ...resolved });
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      `${name}-allowlist`,
      o.policy as k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs,
      { parent: this },
    );
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      `${name}-allowlist`,
      o.binding as unknown as k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs,
      {
        parent: this,
        dependsOn: [policy],
      },
    );
    if (s && o.policyControllerValues) {
      this.policyController = this.signatureVerifier(name, s, o.policyControllerValues);
      for (const cip of o.clusterImagePolicies)
        new k8s.apiextensions.CustomResource(cip.metadata.name, cip, {
          parent: this,
          dependsOn: [this.policyController],
        });
    }
    this.policyName = pulumi.output(o.policy.metadata.name);
    this.registerOutputs({ ...facts, policyName: this.policyName });
  }

  /** policy-controller's pinned chart (its CRDs, webhook and PDB). */
  private signatureVerifier(name: string, s: AdmissionSignaturesArgs, values: Record<string, unknown>) {
    return new k8s.helm.v3.Release(
      `${name}-policy-controller`,
      {
        name: "policy-controller",
        namespace: s.namespace ?? admissionPoliciesDefaults.signaturesNamespace,
        createNamespace: true,
        chart: POLICY_CONTROLLER_CHART.chart,
        version: POLICY_CONTROLLER_CHART.version,
        repositoryOpts: { repo: POLICY_CONTROLLER_CHART.repo },
        values,
      },
      { parent: this },
    );
  }
}
