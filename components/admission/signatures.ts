/**
 * Signature verification at admission with sigstore's policy-controller (pinned chart below): one
 * ClusterImagePolicy per Harbor project, with cosign public keys and/or keyless identities, enforced in the
 * namespaces that opt in. Pure: renders objects and chart values; checks keys and selectors.
 *
 * Digests: in an opted-in namespace policy-controller's mutating webhook resolves every tag to a digest,
 * and its validating webhook refuses an image that is not a digest ("must be an image digest",
 * pkg/webhook/validator.go at v0.13.1), so what runs is exactly what was verified.
 */
import { createPublicKey } from "crypto";

/** Pinned chart of sigstore/helm-charts (tag `policy-controller-0.10.6`, app v0.13.1). */
export const POLICY_CONTROLLER_CHART = {
  chart: "policy-controller",
  version: "0.10.6",
  repo: "https://sigstore.github.io/helm-charts",
} as const;

/**
 * The chart's images. The webhook by the digest the chart itself pins (values.yaml `webhook.image.version`,
 * "crane digest ghcr.io/sigstore/policy-controller/policy-controller:v0.13.1"); the post-delete lease
 * cleanup Job by the chart's tag (`latest-dev`, no digest given upstream).
 */
export const POLICY_CONTROLLER_IMAGES = {
  webhook:
    "ghcr.io/sigstore/policy-controller/policy-controller@sha256:0bcd60beb93f4427c29cf3a669743caf58490e98ded4380c33c09f092734a6ab",
  leasesCleanup: "cgr.dev/chainguard/kubectl:latest-dev",
} as const;

/** The label policy-controller's chart opts namespaces in with (its default `webhook.namespaceSelector`). */
export const POLICY_CONTROLLER_OPT_IN_LABEL = "policy.sigstore.dev/include";

/** A keyless (Fulcio certificate) signer identity. */
export interface KeylessIdentity {
  /** OIDC issuer of the signer, e.g. `https://token.actions.githubusercontent.com`. */
  issuer: string;
  /** The certificate's subject, exact (e.g. a workflow URL). One of subject and subjectRegExp. */
  subject?: string;
  /** The certificate's subject as a regular expression (RE2). One of subject and subjectRegExp. */
  subjectRegExp?: string;
}

/** Who may sign images of one Harbor project. */
export interface ProjectSigners {
  /** The Harbor project (`<harbor host>/<project>/**`). */
  project: string;
  /** cosign public keys (PEM, `-----BEGIN PUBLIC KEY-----`). Default: []. */
  publicKeys?: string[];
  /** Keyless identities, verified against public Sigstore (Fulcio, Rekor). Default: []. */
  keyless?: KeylessIdentity[];
}

/** A Kubernetes label selector (matchLabels, matchExpressions). */
export interface LabelSelector {
  /** Labels a namespace must have, exactly. Default: none. */
  matchLabels?: Record<string, string>;
  /** Label expressions (In, NotIn, Exists, DoesNotExist), all of which must hold. Default: none. */
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

/** What policy-controller does in an opted-in namespace with an image no ClusterImagePolicy matches. */
export type NoMatchPolicy = "deny" | "warn" | "allow";

/** A problem with an Arg: where, what is wrong, the fix. */
export interface SignatureProblem {
  path: string;
  problem: string;
  fix: string;
}

/** Whether `pem` is one PEM public key Node (OpenSSL) parses as EC, RSA or Ed25519; else what is wrong. */
export function publicKeyProblem(pem: string): string | undefined {
  const text = pem.trim();
  if (!/^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/.test(text))
    return "is not a PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----, base64 between)";
  try {
    const type = createPublicKey(text).asymmetricKeyType;
    if (!["ec", "rsa", "ed25519"].includes(type ?? ""))
      return `is a ${type} key; cosign verifies ECDSA, RSA and Ed25519 keys`;
  } catch (e) {
    return `does not parse as a public key (${(e as Error).message.replace(/\s+/g, " ")})`;
  }
  return undefined;
}

/**
 * Why a label selector can match no namespace at all, else undefined: `In` without values, a key both
 * required and forbidden, or values no label could have at once (matchLabels and In/NotIn together).
 */
export function selectorMatchesNothing(sel: LabelSelector): string | undefined {
  const keys = new Set([...Object.keys(sel.matchLabels ?? {}), ...(sel.matchExpressions ?? []).map((e) => e.key)]);
  if (keys.size === 0) return undefined;
  for (const key of keys) {
    let allowed: Set<string> | undefined; // undefined: any value
    const denied = new Set<string>();
    let mustExist = false;
    let mustNotExist = false;
    const restrict = (vs: string[]) => {
      allowed = new Set(vs.filter((v) => allowed === undefined || allowed.has(v)));
      mustExist = true;
    };
    if (sel.matchLabels && key in sel.matchLabels) restrict([sel.matchLabels[key]]);
    for (const e of (sel.matchExpressions ?? []).filter((x) => x.key === key)) {
      if (e.operator === "In") {
        if (!e.values?.length) return `matchExpressions "${key} In []" has no values, so it matches nothing`;
        restrict(e.values);
      } else if (e.operator === "NotIn") (e.values ?? []).forEach((v) => denied.add(v));
      else if (e.operator === "Exists") mustExist = true;
      else mustNotExist = true;
    }
    if (mustExist && mustNotExist) return `label "${key}" is both required and forbidden (DoesNotExist)`;
    if (allowed && [...allowed].every((v) => denied.has(v)))
      return `label "${key}" can have no value that every term accepts`;
  }
  return undefined;
}

/** Checks the signers and the selector; every problem at once. */
export function signatureProblems(
  signers: readonly ProjectSigners[],
  selector: LabelSelector,
  projects: readonly string[],
): SignatureProblem[] {
  const out: SignatureProblem[] = [];
  const seen = new Set<string>();
  signers.forEach((s, i) => {
    const at = `signatures.projects[${i}]`;
    if (seen.has(s.project))
      out.push({ path: `${at}.project`, problem: `"${s.project}" is listed twice`, fix: "list each project once" });
    seen.add(s.project);
    if (!projects.includes(s.project))
      out.push({
        path: `${at}.project`,
        problem: `"${s.project}" is not a project the cluster may pull from (${projects.join(", ") || "none"})`,
        fix: "add it to the allowed projects, or remove its signers",
      });
    if (!(s.publicKeys?.length || s.keyless?.length))
      out.push({
        path: at,
        problem: "has no public key and no keyless identity, so nothing could verify its images",
        fix: "give publicKeys (cosign.pub) or keyless identities",
      });
    (s.publicKeys ?? []).forEach((k, j) => {
      const why = publicKeyProblem(k);
      if (why)
        out.push({
          path: `${at}.publicKeys[${j}]`,
          problem: why,
          fix: "paste the whole cosign.pub (cosign generate-key-pair)",
        });
    });
    (s.keyless ?? []).forEach((id, j) => {
      if (!/^https:\/\/[^\s/]+/.test(id.issuer))
        out.push({
          path: `${at}.keyless[${j}].issuer`,
          problem: `"${id.issuer}" is not an https URL`,
          fix: "give the OIDC issuer URL",
        });
      if ((id.subject === undefined) === (id.subjectRegExp === undefined))
        out.push({
          path: `${at}.keyless[${j}]`,
          problem: "needs exactly one of subject and subjectRegExp",
          fix: "set subject (exact) or subjectRegExp",
        });
      if (id.subjectRegExp !== undefined)
        try {
          new RegExp(id.subjectRegExp);
        } catch {
          out.push({
            path: `${at}.keyless[${j}].subjectRegExp`,
            problem: "is not a regular expression",
            fix: "fix the pattern",
          });
        }
    });
  });
  const nothing = selectorMatchesNothing(selector);
  if (nothing)
    out.push({
      path: "signatures.namespaceSelector",
      problem: `matches no namespace: ${nothing}`,
      fix: `select the namespaces that opt in, e.g. matchLabels { "${POLICY_CONTROLLER_OPT_IN_LABEL}": "true" }`,
    });
  return out;
}

/** The policy-controller ClusterImagePolicy (policy.sigstore.dev/v1beta1) of one project. */
export function renderClusterImagePolicy(
  harborHost: string,
  s: ProjectSigners,
  name: string,
): { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> } {
  const authorities = [
    ...(s.publicKeys ?? []).map((data, i) => ({ name: `key-${i}`, key: { data: data.trim() } })),
    ...(s.keyless?.length
      ? [
          {
            name: "keyless",
            keyless: {
              url: "https://fulcio.sigstore.dev",
              identities: s.keyless.map((id) => ({
                issuer: id.issuer,
                ...(id.subject !== undefined ? { subject: id.subject } : { subjectRegExp: id.subjectRegExp }),
              })),
            },
            ctlog: { url: "https://rekor.sigstore.dev" },
          },
        ]
      : []),
  ];
  return {
    apiVersion: "policy.sigstore.dev/v1beta1",
    kind: "ClusterImagePolicy",
    metadata: { name },
    spec: { mode: "enforce", images: [{ glob: `${harborHost}/${s.project}/**` }], authorities },
  };
}

/** The chart's values: opted-in namespaces, unmatched images, the pinned image, HA with a PDB. */
export function renderPolicyControllerValues(a: {
  namespaceSelector: LabelSelector;
  noMatchPolicy: NoMatchPolicy;
  replicas: number;
}): Record<string, unknown> {
  return {
    installCRDs: true,
    webhook: {
      replicaCount: a.replicas,
      image: {
        repository: POLICY_CONTROLLER_IMAGES.webhook.split("@")[0],
        version: POLICY_CONTROLLER_IMAGES.webhook.split("@")[1],
      },
      // Helm merges maps into the chart's default selector (matchExpressions include=true): both keys are
      // given so that ours replaces it rather than adding to it.
      namespaceSelector: {
        matchLabels: a.namespaceSelector.matchLabels ?? {},
        matchExpressions: a.namespaceSelector.matchExpressions ?? [],
      },
      configData: { "no-match-policy": a.noMatchPolicy },
      failurePolicy: "Fail",
      podDisruptionBudget: { enabled: a.replicas > 1, minAvailable: 1 },
    },
  };
}
