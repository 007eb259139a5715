export * from "./systemSchedules";
export * from "./retentionPolicy";
export * from "./immutableTagRule";
export * from "./oidcAuthentication";
export * from "./renderHarborOperations";
export * from "./HarborOperations";
