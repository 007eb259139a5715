export * from "./labels";
export * from "./scheduling";
export * from "./validation";
export * from "./registryStorage";
export * from "./namespace";
export * from "./connectionBudget";
export * from "./irsa";
export * from "./s3Bucket";
