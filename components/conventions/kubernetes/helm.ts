/** `k8s.helm.v3.Release` without helm/v3's index, which loads the Chart class and with it every API group. */
export * as v3 from "./helmV3";
