export * from "./PatroniCluster";
export * from "./renderPatroniConfig";
export * from "./clusterPatroniConfig";
export * from "./renderJobScripts";
export * from "./spiloEffectiveConfig";
export * from "../conventions/connectionBudget";
export * from "./renderPostgresExporter";
