/** What a storage component hands Harbor's release: where the registry keeps blobs. */
export type RegistryStorageDescriptor =
    | { type: "s3"; bucket: string; region: string; regionEndpoint?: string; encrypt: boolean; keyId?: string; secretName: string; rootDirectory?: string }
    | { type: "filesystem"; existingClaim: string; accessMode: "ReadWriteMany" | "ReadWriteOnce"; sizeGi?: number };
