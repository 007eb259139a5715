/**
 * The one hardened S3 bucket of this project: every tier that keeps data in S3 (registry blobs, database
 * backups) builds its bucket here, so the hardening cannot drift between them: public access blocked,
 * bucket-owner enforced, default encryption (SSE-KMS with the given key, else AES256), TLS-only bucket
 * policy, versioning, and a lifecycle the caller sizes (noncurrent expiry, aborted uploads).
 */
import * as pulumi from "@pulumi/pulumi";
import * as s3 from "@pulumi/aws/s3";

/** S3 general purpose bucket naming rules (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). */
export function bucketNameProblem(n: string): string | undefined {
  const fix = "Fix: use 3-63 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
  if (n.length < 3 || n.length > 63) return `is ${n.length} characters long; S3 bucket names have 3 to 63. ${fix}`;
  if (!/^[a-z0-9.-]+$/.test(n))
    return `has characters S3 does not allow in bucket names (only a-z, 0-9, '.', '-'). ${fix}`;
  if (!/^[a-z0-9]/.test(n) || !/[a-z0-9]$/.test(n)) return `does not begin and end with a letter or digit. ${fix}`;
  if (n.includes("..")) return `has two adjacent periods. ${fix}`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(n)) return `is formatted as an IP address. ${fix}`;
  const prefix = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => n.startsWith(p));
  if (prefix) return `starts with "${prefix}", a prefix S3 reserves. ${fix}`;
  const suffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].find((p) => n.endsWith(p));
  if (suffix) return `ends with "${suffix}", a suffix S3 reserves. ${fix}`;
  return undefined;
}

/** The oldest TLS version S3 accepts from anyone on the project's buckets. */
export const MIN_TLS_VERSION = 1.2;

/** Bucket policy: refuse every request not made over TLS, or made with TLS older than 1.2. Pure. */
export function renderTlsOnlyBucketPolicy(bucketArn: string): Record<string, unknown> {
  const all = { Principal: "*", Action: "s3:*", Resource: [bucketArn, `${bucketArn}/*`] };
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "DenyInsecureTransport", Effect: "Deny", ...all, Condition: { Bool: { "aws:SecureTransport": "false" } } },
      {
        Sid: "DenyTlsBelow12",
        Effect: "Deny",
        ...all,
        Condition: { NumericLessThan: { "s3:TlsVersion": MIN_TLS_VERSION } },
      },
    ],
  };
}

export interface HardenedBucketArgs {
  /** Bucket name. Default: generated from the resource name. */
  bucketName?: string;
  /** Delete the bucket with its content on `pulumi destroy`. */
  forceDestroy: boolean;
  /** SSE-KMS with this key; AES256 without. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Days before noncurrent versions expire. */
  noncurrentVersionExpirationDays: number;
  /** Days before incomplete multipart uploads are aborted. */
  abortIncompleteMultipartDays: number;
  /** AWS tags on the bucket. Default: {}. */
  tags?: Record<string, string>;
  /**
   * The whole lifecycle, when the caller needs more than the two rules above (the registry's upload
   * copies, delete markers). Default: noncurrent expiry and aborted uploads from the fields above.
   */
  lifecycleRules?: Record<string, unknown>[];
}

/**
 * Creates the hardened bucket and its settings as children of `parent` (resource names `name`), and
 * returns the bucket.
 */
export function createHardenedBucket(name: string, args: HardenedBucketArgs, parent: pulumi.Resource): s3.Bucket {
  const child = { parent };
  const bucket = new s3.Bucket(
    name,
    { ...(args.bucketName ? { bucket: args.bucketName } : {}), forceDestroy: args.forceDestroy, tags: args.tags ?? {} },
    child,
  );
  const publicAccess = new s3.BucketPublicAccessBlock(
    name,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    child,
  );
  new s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
  new s3.BucketServerSideEncryptionConfiguration(
    name,
    {
      bucket: bucket.id,
      rules: [
        {
          applyServerSideEncryptionByDefault: args.kmsKeyArn
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }
            : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: !!args.kmsKeyArn,
        },
      ],
    },
    child,
  );
  new s3.BucketPolicy(
    name,
    { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(renderTlsOnlyBucketPolicy(arn))) },
    { parent, dependsOn: [publicAccess] },
  );
  const versioning = new s3.BucketVersioning(
    name,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    child,
  );
  new s3.BucketLifecycleConfiguration(
    name,
    {
      bucket: bucket.id,
      rules: (args.lifecycleRules ?? [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpirationDays },
        },
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: {},
          abortIncompleteMultipartUpload: { daysAfterInitiation: args.abortIncompleteMultipartDays },
        },
      ]) as unknown as s3.BucketLifecycleConfigurationArgs["rules"],
    },
    { parent, dependsOn: [versioning] },
  );
  return bucket;
}
