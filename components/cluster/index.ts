export * from "./EksCluster";
export * from "./renderCluster";
