/**
 * The admission tier's objects from plain arguments. Pure: Args in, Kubernetes objects and chart values out.
 */
import { AdmissionMode, allowedPrefixes, renderAllowlistCel, validationActions } from "./registryAllowlist";
import {
  LabelSelector,
  NoMatchPolicy,
  ProjectSigners,
  renderClusterImagePolicy,
  renderPolicyControllerValues,
} from "./signatures";

export interface AdmissionObjectsArgs {
  /** Object names start with it. */
  name: string;
  harborHost: string;
  projects: string[];
  extraRegistries: string[];
  mode: AdmissionMode;
  exemptNamespaces: string[];
  exemptImages: string[];
  signatures?: {
    projects: ProjectSigners[];
    namespaceSelector: LabelSelector;
    noMatchPolicy: NoMatchPolicy;
    replicas: number;
  };
}

/** A Kubernetes object as rendered (plain JSON). */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
}

export interface AdmissionObjects {
  policy: RenderedObject;
  binding: RenderedObject;
  clusterImagePolicies: RenderedObject[];
  policyControllerValues?: Record<string, unknown>;
}

const WORKLOADS = [
  { apiGroups: [""], resources: ["pods", "pods/ephemeralcontainers"] },
  { apiGroups: ["apps"], resources: ["deployments", "replicasets", "statefulsets", "daemonsets"] },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"] },
];

export function renderAdmissionPolicies(a: AdmissionObjectsArgs): AdmissionObjects {
  const cel = renderAllowlistCel({
    prefixes: allowedPrefixes(a.harborHost, a.projects, a.extraRegistries),
    exemptImages: a.exemptImages,
    exemptNamespaces: a.exemptNamespaces,
    digestNamespaces: a.signatures?.namespaceSelector,
  });
  const policyName = `${a.name}-registry-allowlist`;
  const policy = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: policyName },
    spec: {
      // A CEL error (a malformed object) refuses rather than admits.
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: WORKLOADS.map((w) => ({
          ...w,
          apiVersions: ["v1"],
          operations: ["CREATE", "UPDATE"],
        })),
      },
      matchConditions: cel.matchConditions,
      variables: cel.variables,
      validations: cel.validations,
    },
  };
  const binding = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: policyName },
    spec: { policyName, validationActions: validationActions(a.mode) },
  };
  const clusterImagePolicies = (a.signatures?.projects ?? []).map((s) =>
    renderClusterImagePolicy(a.harborHost, s, `${a.name}-${s.project}`),
  );
  return {
    policy,
    binding,
    clusterImagePolicies,
    policyControllerValues: a.signatures
      ? renderPolicyControllerValues({
          namespaceSelector: a.signatures.namespaceSelector,
          noMatchPolicy: a.signatures.noMatchPolicy,
          replicas: a.signatures.replicas,
        })
      : undefined,
  };
}
