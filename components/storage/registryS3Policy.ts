/**
 * The registry's IAM and bucket policies and the bucket's lifecycle, as plain objects. Pure.
 */
export const REGISTRY_BUCKET_ACTIONS = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"];
export const REGISTRY_OBJECT_ACTIONS = [
  "s3:PutObject",
  "s3:GetObject",
  "s3:DeleteObject",
  "s3:ListMultipartUploadParts",
  "s3:AbortMultipartUpload",
];
export const REGISTRY_KMS_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"];
export { MIN_TLS_VERSION } from "../conventions/s3Bucket";

export interface RegistryS3PolicyArgs {
  bucketArn: string;
  /** The bucket's SSE-KMS key. Default: none (SSE-S3). */
  kmsKeyArn?: string;
  /** `s3.<region>.<dns suffix>`: the key is used only through S3 (`kms:ViaService`). Required with kmsKeyArn. */
  s3ServiceEndpoint?: string;
  /** The VPC's S3 gateway endpoint: the registry's key works only through it (`aws:SourceVpce`). Default: anywhere. */
  sourceVpce?: string;
}

/**
 * The least-privilege IAM policy of Harbor's registry on its bucket (field notes), plus the KMS actions,
 * only through S3, when the bucket is encrypted with a customer key. With a VPC endpoint, the S3 actions
 * are allowed only through it: a leaked key is useless outside the VPC.
 */
export function renderRegistryS3Policy(a: RegistryS3PolicyArgs): Record<string, unknown> {
  const viaVpce = a.sourceVpce ? { Condition: { StringEquals: { "aws:SourceVpce": a.sourceVpce } } } : {};
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "RegistryBucket", Effect: "Allow", Action: REGISTRY_BUCKET_ACTIONS, Resource: [a.bucketArn], ...viaVpce },
      {
        Sid: "RegistryObjects",
        Effect: "Allow",
        Action: REGISTRY_OBJECT_ACTIONS,
        Resource: [`${a.bucketArn}/*`],
        ...viaVpce,
      },
      ...(a.kmsKeyArn
        ? [
            {
              Sid: "RegistryKmsThroughS3",
              Effect: "Allow",
              Action: REGISTRY_KMS_ACTIONS,
              Resource: [a.kmsKeyArn],
              Condition: { StringEquals: { "kms:ViaService": a.s3ServiceEndpoint } },
            },
          ]
        : []),
    ],
  };
}

/** The TLS-only bucket policy lives with the shared bucket hardening; re-exported for existing importers. */
export { renderTlsOnlyBucketPolicy } from "../conventions/s3Bucket";

/**
 * Where the registry keeps repository state (links, `_uploads/`) under its root directory. Uploads are
 * written there and then MOVED to `blobs/`; S3 has no move, so the driver copies and deletes, which with
 * versioning leaves a noncurrent copy of every pushed layer.
 */
export function repositoriesPrefix(rootDirectory?: string): string {
  const root = (rootDirectory ?? "").replace(/^\/+|\/+$/g, "");
  return `${root ? `${root}/` : ""}docker/registry/v2/repositories/`;
}

/**
 * Objects under `repositories/` larger than this are upload data or hash states (link files are ~70 bytes):
 * their noncurrent copies expire fast, while small link files keep the general retention (a deleted tag
 * can be restored).
 */
export const UPLOAD_DATA_MIN_BYTES = 1024;

export interface LifecycleArgs {
  noncurrentVersionExpirationDays: number;
  uploadsNoncurrentExpirationDays: number;
  abortIncompleteMultipartDays: number;
  rootDirectory?: string;
}

/** The bucket's lifecycle rules. */
export function renderLifecycleRules(a: LifecycleArgs): Record<string, unknown>[] {
  return [
    {
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: a.noncurrentVersionExpirationDays },
    },
    {
      // Copy + delete of every upload: the noncurrent copy is pure waste (about the pushed bytes again).
      id: "expire-noncurrent-upload-data",
      status: "Enabled",
      filter: { and: { prefix: repositoriesPrefix(a.rootDirectory), objectSizeGreaterThan: UPLOAD_DATA_MIN_BYTES } },
      noncurrentVersionExpiration: { noncurrentDays: a.uploadsNoncurrentExpirationDays },
    },
    {
      // Once its noncurrent versions are gone, a delete marker is all that is left of an object.
      id: "expire-delete-markers",
      status: "Enabled",
      filter: {},
      expiration: { expiredObjectDeleteMarker: true },
    },
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: a.abortIncompleteMultipartDays },
    },
  ];
}
