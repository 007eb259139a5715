export * from "./RedisSentinel";
export * from "./renderRedisConfig";
export * from "./renderRedisExporter";
