/**
 * Where Harbor's registry keeps blobs: what a storage component outputs and Harbor's release takes.
 * It lives here, below both tiers, so that they share one definition without importing each other.
 */
export type RegistryStorageDescriptor =
  | {
      /** S3 or an S3-compatible store. */
      type: "s3";
      /** Bucket name. */
      bucket: string;
      /** The bucket's region. */
      region: string;
      /** Endpoint of an S3-compatible store. Default: AWS S3. */
      regionEndpoint?: string;
      /** Server-side encryption on. */
      encrypt: boolean;
      /** KMS key for SSE-KMS. Default: S3's own key. */
      keyId?: string;
      /** Secret with REGISTRY_STORAGE_S3_ACCESSKEY / REGISTRY_STORAGE_S3_SECRETKEY. */
      secretName: string;
      /** Prefix inside the bucket. Default: none. */
      rootDirectory?: string;
    }
  | {
      /** A volume claim. */
      type: "filesystem";
      /** The PersistentVolumeClaim to mount. */
      existingClaim: string;
      /** Its access mode: ReadWriteOnce allows one registry replica only. */
      accessMode: "ReadWriteMany" | "ReadWriteOnce";
      /** Its size in GiB, when known. Default: unknown. */
      sizeGi?: number;
    };
