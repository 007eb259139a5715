export * from "./args";
export * from "./renderReplication";
export * from "./registryEndpoint";
export * from "./replicationPolicy";
export * from "./robotAccount";
export * from "./ReplicationTargets";
