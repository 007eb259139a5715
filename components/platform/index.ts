export * from "./HarborPlatform";
