export * from "./HarborPlatform";
export type { PlatformCluster } from "./clusterWiring";
