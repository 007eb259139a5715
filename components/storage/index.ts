export * from "./S3Storage";
export * from "./FileStorage";
export * from "./descriptor";
export * from "./registryS3Policy";
