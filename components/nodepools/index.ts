export * from "./NodePools";
export * from "./renderNodePools";
