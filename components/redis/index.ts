export * from "./RedisSentinel";
export * from "./renderRedisConfig";
