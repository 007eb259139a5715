export * from "./EnvoyGateway";
export * from "./HarborGateway";
export * from "./renderEnvoyGatewayValues";
export * from "./renderHarborGateway";
export * from "./harborApiAccess";
export * from "./routeMatching";
export * from "./HarborDnsRecord";
export * from "./NlbAccessLogBucket";
