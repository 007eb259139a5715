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

/** A refusal: what is wrong and how to fix it (the caller names the argument or key). */
export interface RuleViolation {
  problem: string;
  fix: string;
}

/**
 * The one rule about a ReadWriteOnce registry volume: it attaches to one node, so a second registry
 * replica fails with Multi-Attach errors. Every layer (stack config, platform, storage, release) refuses
 * with these words; `subject` says what the volume is where the check runs, `replicasKey` names the
 * setting that controls the replica count there.
 */
export function readWriteOnceSharingViolation(a: {
  registryReplicas: number;
  subject: string;
  replicasKey: string;
}): RuleViolation | undefined {
  if (a.registryReplicas <= 1) return undefined;
  return {
    problem: `${a.subject} is a ReadWriteOnce volume, which ${a.registryReplicas} registry replicas cannot share (Multi-Attach errors)`,
    fix: `use object storage (S3) or a ReadWriteMany volume (NFS, EFS), or set ${a.replicasKey} to 1`,
  };
}
