export * from "./S3Storage";
export * from "./NfsStorage";
export * from "./FilesystemStorage";
export * from "./descriptor";
export * from "./registryS3Policy";
export * from "./SsdStorageClass";
export * from "./ssdClasses";
