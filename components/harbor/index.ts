export * from "./HarborRelease";
export * from "./HarborSecrets";
export * from "./renderHarborValues";
export * from "./databasePool";
