export * from "./ClusterAddons";
export * from "./renderAddons";
export * from "./addonFacts";
