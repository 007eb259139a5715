export * from "./PatroniCluster";
export * from "./renderPatroniConfig";
export * from "./connectionBudget";
