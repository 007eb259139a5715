export * from "./PatroniCluster";
export * from "./renderPatroniConfig";
export * from "./clusterPatroniConfig";
export * from "./connectionBudget";
export * from "./renderJobScripts";
export * from "./spiloEffectiveConfig";
