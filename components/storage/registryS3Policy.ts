/**
 * The least-privilege IAM policy of Harbor's registry on its bucket (field notes), plus the KMS
 * actions when the bucket is encrypted with a customer key. Pure.
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

export function renderRegistryS3Policy(bucketArn: string, kmsKeyArn?: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "RegistryBucket", Effect: "Allow", Action: REGISTRY_BUCKET_ACTIONS, Resource: [bucketArn] },
      { Sid: "RegistryObjects", Effect: "Allow", Action: REGISTRY_OBJECT_ACTIONS, Resource: [`${bucketArn}/*`] },
      ...(kmsKeyArn
        ? [{ Sid: "RegistryKms", Effect: "Allow", Action: REGISTRY_KMS_ACTIONS, Resource: [kmsKeyArn] }]
        : []),
    ],
  };
}

/** The TLS-only bucket policy lives with the shared bucket hardening; re-exported for existing importers. */
export { renderTlsOnlyBucketPolicy } from "../conventions/s3Bucket";
