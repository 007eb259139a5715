import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as s3 from "@pulumi/aws/s3";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, createHardenedBucket, DEFAULT_NAMESPACE, standardLabels } from "../conventions";
import { renderRegistryS3Policy } from "./registryS3Policy";
import { RegistryStorageDescriptor } from "./descriptor";

export interface S3StorageArgs {
  /** Namespace of the credentials Secret. Default: `harbor`. */
  namespace?: pulumi.Input<string>;
  /** Bucket name. Default: generated from the component name. */
  bucketName?: string;
  /** Region of the bucket, as the registry is told. Default: the bucket's region (the AWS provider's). */
  region?: string;
  /** Encrypt with a dedicated KMS key (true) or SSE-S3 AES256 (false). Default: true. */
  kms?: boolean;
  /** Days before noncurrent versions (left by registry garbage collection) expire. Default: 30. */
  noncurrentVersionExpirationDays?: number;
  /** Days before incomplete multipart uploads are aborted. Default: 7. */
  abortIncompleteMultipartDays?: number;
  /** Delete the bucket with its content on `pulumi destroy`. Default: false. */
  forceDestroy?: boolean;
  /** Path prefix inside the bucket. Default: none. */
  rootDirectory?: string;
  /**
   * Use an existing S3-compatible endpoint instead of creating a bucket (MinIO, Ceph RGW, ...):
   * nothing is created in AWS. Default: none (create an AWS bucket).
   */
  compatible?: {
    /** The existing bucket. */
    bucket: string;
    /** Its region (as the endpoint expects it). */
    region: string;
    /** The endpoint, e.g. `https://minio.example.com`. */
    regionEndpoint: string;
    /** Existing Secret with REGISTRY_STORAGE_S3_ACCESSKEY / REGISTRY_STORAGE_S3_SECRETKEY. */
    credentialsSecretName: string;
  };
}

/** Defaults of {@link S3StorageArgs}, applied in the constructor only. */
export const s3StorageDefaults = {
  namespace: DEFAULT_NAMESPACE,
  kms: true,
  noncurrentVersionExpirationDays: 30,
  abortIncompleteMultipartDays: 7,
  forceDestroy: false,
};

/**
 * Harbor's registry storage on S3: a hardened bucket (public access blocked, owner-enforced,
 * encrypted, TLS-only, versioned with noncurrent expiry, incomplete uploads aborted) and an IAM user
 * with exactly the registry's least-privilege policy.
 *
 * Why an IAM user and not IRSA: Harbor's registry (goharbor/distribution with an old aws-sdk-go)
 * cannot use web-identity credentials for S3 (harbor#12888, #16490, #22690), so a role for its
 * service account would be ignored. Its access key reaches the registry only through a Kubernetes
 * Secret (`persistence.imageChartStorage.s3.existingSecret`). Rotate it by replacing the AccessKey.
 * (Node instance roles would also work, with IMDS hop limit >= 2, but grant every pod on the node.)
 */
export class S3Storage extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.S3Storage;

  /** The descriptor Harbor's release takes. */
  readonly registryStorage: pulumi.Output<RegistryStorageDescriptor>;
  /** Bucket name. */
  readonly bucket: pulumi.Output<string>;

  constructor(name: string, args: S3StorageArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    const d = s3StorageDefaults;
    const check = new ArgsChecker("S3Storage", name);
    check.atLeast(
      args.noncurrentVersionExpirationDays ?? d.noncurrentVersionExpirationDays,
      1,
      "noncurrentVersionExpirationDays",
    );
    check.atLeast(
      args.abortIncompleteMultipartDays ?? d.abortIncompleteMultipartDays,
      1,
      "abortIncompleteMultipartDays",
    );
    if (args.compatible)
      check.check(
        /^https:\/\//.test(args.compatible.regionEndpoint),
        "compatible.regionEndpoint",
        `must be https, got "${args.compatible.regionEndpoint}"`,
        "serve the S3 endpoint over TLS",
      );
    check.throwIfAny();
    super(S3Storage.__pulumiType, name, {}, opts);

    const c = args.compatible;
    const made = c
      ? // An existing S3-compatible store: nothing is created, the descriptor points at it.
        {
          bucket: pulumi.output(c.bucket),
          registryStorage: pulumi.output({
            type: "s3" as const,
            bucket: c.bucket,
            region: c.region,
            regionEndpoint: c.regionEndpoint,
            encrypt: false,
            secretName: c.credentialsSecretName,
            ...(args.rootDirectory ? { rootDirectory: args.rootDirectory } : {}),
          }),
        }
      : this.createAwsBucket(name, args);
    this.bucket = made.bucket;
    this.registryStorage = made.registryStorage as pulumi.Output<RegistryStorageDescriptor>;
    this.registerOutputs({ registryStorage: this.registryStorage, bucket: this.bucket });
  }

  /** The hardened bucket, the registry's IAM user and its key as a Kubernetes Secret. */
  private createAwsBucket(
    name: string,
    args: S3StorageArgs,
  ): { bucket: pulumi.Output<string>; registryStorage: pulumi.Output<RegistryStorageDescriptor> } {
    const d = s3StorageDefaults;
    const key = (args.kms ?? d.kms) ? this.encryptionKey(name) : undefined;
    // Hardened like every bucket of the project (components/conventions/s3Bucket.ts); noncurrent versions
    // are what registry garbage collection leaves behind.
    const bucket = createHardenedBucket(
      name,
      {
        bucketName: args.bucketName,
        forceDestroy: args.forceDestroy ?? d.forceDestroy,
        kmsKeyArn: key?.arn,
        noncurrentVersionExpirationDays: args.noncurrentVersionExpirationDays ?? d.noncurrentVersionExpirationDays,
        abortIncompleteMultipartDays: args.abortIncompleteMultipartDays ?? d.abortIncompleteMultipartDays,
      },
      this,
    );
    const secretName = this.registryCredentials(name, args.namespace ?? d.namespace, bucket, key);
    const registryStorage = pulumi.output({
      type: "s3" as const,
      bucket: bucket.bucket,
      region: args.region ?? bucket.region,
      encrypt: true,
      ...(key ? { keyId: key.arn } : {}),
      secretName,
      ...(args.rootDirectory ? { rootDirectory: args.rootDirectory } : {}),
    }) as pulumi.Output<RegistryStorageDescriptor>;
    return { bucket: bucket.bucket, registryStorage };
  }

  /** A dedicated, rotated KMS key for SSE-KMS. */
  private encryptionKey(name: string): kms.Key {
    return new kms.Key(
      name,
      { description: `Harbor registry bucket ${name}`, enableKeyRotation: true, deletionWindowInDays: 30 },
      { parent: this },
    );
  }

  /** The registry's IAM user with its least-privilege policy; its key reaches pods only as a Secret. Returns the Secret's name. */
  private registryCredentials(
    name: string,
    namespace: pulumi.Input<string>,
    bucket: s3.Bucket,
    key: kms.Key | undefined,
  ): pulumi.Output<string> {
    const child = { parent: this };
    const user = new iam.User(`${name}-registry`, { path: "/harbor/" }, child);
    new iam.UserPolicy(
      `${name}-registry`,
      {
        user: user.name,
        policy: pulumi.all([bucket.arn, key?.arn]).apply(([b, k]) => JSON.stringify(renderRegistryS3Policy(b, k))),
      },
      child,
    );
    const accessKey = new iam.AccessKey(`${name}-registry`, { user: user.name }, child);
    return new k8s.core.v1.Secret(
      `${name}-registry-s3`,
      {
        metadata: { name: `${name}-registry-s3`, namespace, labels: standardLabels("registry-storage", name) },
        stringData: { REGISTRY_STORAGE_S3_ACCESSKEY: accessKey.id, REGISTRY_STORAGE_S3_SECRETKEY: accessKey.secret },
      },
      child,
    ).metadata.name;
  }
}
