export * from "./HarborRelease";
export * from "./HarborSecrets";
export * from "./renderHarborValues";
export { HARBOR_DB_POOL_COMPONENTS, HARBOR_IMAGES } from "./chartComponents";
export type { HarborDbPoolComponent } from "./chartComponents";
export * from "./chartClaims";
export * from "./redisConnection";
