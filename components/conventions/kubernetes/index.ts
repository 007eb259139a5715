/**
 * The @pulumi/kubernetes API groups the tiers use, with the package's own shape (`k8s.core.v1.Secret`,
 * `k8s.helm.v3.Release`, `k8s.types.input...`), loaded per group. The package's index loads every group and,
 * through helm/v3's Chart, its whole yaml module and glob: about a quarter of a second of every plan
 * (`npm run bench`) for classes no tier uses. A tier that needs another group adds it here.
 */
export * as admissionregistration from "@pulumi/kubernetes/admissionregistration";
export * as apiextensions from "@pulumi/kubernetes/apiextensions";
export * as apps from "@pulumi/kubernetes/apps";
export * as batch from "@pulumi/kubernetes/batch";
export * as core from "@pulumi/kubernetes/core";
export * as networking from "@pulumi/kubernetes/networking";
export * as policy from "@pulumi/kubernetes/policy";
export * as rbac from "@pulumi/kubernetes/rbac";
export * as storage from "@pulumi/kubernetes/storage";
export * as types from "@pulumi/kubernetes/types";
export * as helm from "./helm";
export { Provider } from "@pulumi/kubernetes/provider";
