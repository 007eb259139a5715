export { Release } from "@pulumi/kubernetes/helm/v3/release";
export type { ReleaseArgs } from "@pulumi/kubernetes/helm/v3/release";
