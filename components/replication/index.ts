export * from "./args";
export * from "./renderReplication";
export * from "./replicationPolicy";
export * from "./ReplicationTargets";
