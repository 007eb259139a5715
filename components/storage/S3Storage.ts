import * as pulumi from "@pulumi/pulumi";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as s3 from "@pulumi/aws/s3";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import {
  ArgsChecker,
  ArgsProblem,
  refuseInvalidArgs,
  awsTagProblems,
  createHardenedBucket,
  DEFAULT_NAMESPACE,
  serviceEndpoint,
  standardLabels,
} from "../conventions";
import { renderLifecycleRules, renderRegistryS3Policy } from "./registryS3Policy";

/** The two key slots of the registry's IAM user (README, "Registry key rotation"). */
export const REGISTRY_KEY_SLOTS = ["blue", "green"] as const;
export type RegistryKeySlot = (typeof REGISTRY_KEY_SLOTS)[number];

/** The VPC's S3 gateway endpoint: an existing one, or one created in the VPC for its route tables. */
export type S3GatewayEndpoint =
  | {
      /** An existing gateway endpoint's id (`vpce-...`). */
      id: pulumi.Input<string>;
    }
  | {
      /** The VPC to create a gateway endpoint in. */
      vpcId: string;
      /** The route tables (of the nodes' subnets) the endpoint is added to. */
      routeTableIds: string[];
    };
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
  /**
   * Days before noncurrent copies of upload data (`repositories/.../_uploads/`, left by the driver's copy +
   * delete move) expire. Default: 1.
   */
  uploadsNoncurrentExpirationDays?: number;
  /** Days before incomplete multipart uploads are aborted. Default: 7. */
  abortIncompleteMultipartDays?: number;
  /** Delete the bucket with its content on `pulumi destroy`. Default: false. */
  forceDestroy?: boolean;
  /** Path prefix inside the bucket. Default: none. */
  rootDirectory?: string;
  /**
   * The registry's two overlapping IAM keys: `active` is the one pods use; raising a slot's generation
   * replaces that slot's key. Rotate by raising the INACTIVE slot's generation and making it active in the
   * same change: the pods roll to the new key (its Secret has a new name) while the old key still works.
   * Default: `{ active: "blue", blue: 1, green: 1 }`.
   */
  accessKeys?: {
    /** The slot whose key the registry uses. Default: `blue`. */
    active?: RegistryKeySlot;
    /** Generation of the blue key (raising it replaces that key). Default: 1. */
    blue?: number;
    /** Generation of the green key (raising it replaces that key). Default: 1. */
    green?: number;
  };
  /** Restrict the registry's key to the VPC's S3 gateway endpoint (created or referenced). Default: none (the key works from anywhere). */
  s3GatewayEndpoint?: S3GatewayEndpoint;
  /** AWS tags on the bucket, the KMS key, the IAM user and the endpoint. Default: {}. */
  tags?: Record<string, string>;
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
  uploadsNoncurrentExpirationDays: 1,
  abortIncompleteMultipartDays: 7,
  /** Rotate the registry's key at least this often (README, "Registry key rotation"). */
  keyRotationDays: 90,
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
 * Secret (`persistence.imageChartStorage.s3.existingSecret`). Two keys overlap (`accessKeys` slots): the
 * Secret is named after the active slot and its generation, so a rotation changes the name Harbor's
 * registry Deployment references and its pods roll onto the new key while the old one still works.
 * (Node instance roles would also work, with IMDS hop limit >= 2, but grant every pod on the node.)
 */
export class S3Storage extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.S3Storage;

  /** The descriptor Harbor's release takes. */
  readonly registryStorage: pulumi.Output<RegistryStorageDescriptor>;
  /** Bucket name. */
  readonly bucket: pulumi.Output<string>;

  constructor(name: string, args: S3StorageArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("S3Storage", name, checkS3StorageArgs(name, args));
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
    const key = (args.kms ?? d.kms) ? this.encryptionKey(name, args.tags ?? {}) : undefined;
    // Hardened like every bucket of the project (components/conventions/s3Bucket.ts); the registry's own
    // lifecycle expires the noncurrent copies uploads leave behind (registryS3Policy.ts).
    const bucket = createHardenedBucket(
      name,
      {
        bucketName: args.bucketName,
        forceDestroy: args.forceDestroy ?? d.forceDestroy,
        kmsKeyArn: key?.arn,
        noncurrentVersionExpirationDays: args.noncurrentVersionExpirationDays ?? d.noncurrentVersionExpirationDays,
        abortIncompleteMultipartDays: args.abortIncompleteMultipartDays ?? d.abortIncompleteMultipartDays,
        tags: args.tags ?? {},
        lifecycleRules: renderLifecycleRules({
          noncurrentVersionExpirationDays: args.noncurrentVersionExpirationDays ?? d.noncurrentVersionExpirationDays,
          uploadsNoncurrentExpirationDays: args.uploadsNoncurrentExpirationDays ?? d.uploadsNoncurrentExpirationDays,
          abortIncompleteMultipartDays: args.abortIncompleteMultipartDays ?? d.abortIncompleteMultipartDays,
          rootDirectory: args.rootDirectory,
        }),
      },
      this,
    );
    const secretName = this.registryCredentials(name, args, bucket, key);
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

  /** A dedicated, rotated KMS key for SSE-KMS, with an alias (stack-qualified, AWS adds a unique suffix). */
  private encryptionKey(name: string, tags: Record<string, string>): kms.Key {
    const key = new kms.Key(
      name,
      { description: `Harbor registry bucket ${name}`, enableKeyRotation: true, deletionWindowInDays: 30, tags },
      { parent: this },
    );
    new kms.Alias(
      name,
      { namePrefix: `alias/${name}-${pulumi.getStack()}-`, targetKeyId: key.keyId },
      { parent: this },
    );
    return key;
  }

  /**
   * The registry's IAM user with its least-privilege policy (S3 through the VPC endpoint when given, KMS
   * only through S3) and its two keys; the active key reaches pods only as a Secret named after its slot
   * and generation. Returns the Secret's name.
   */
  private registryCredentials(
    name: string,
    args: S3StorageArgs,
    bucket: s3.Bucket,
    key: kms.Key | undefined,
  ): pulumi.Output<string> {
    const child = { parent: this };
    const partition = getPartitionOutput({}, child);
    const region = args.region ? pulumi.output(args.region) : getRegionOutput({}, child).name;
    const vpce = args.s3GatewayEndpoint ? this.s3Endpoint(name, args.s3GatewayEndpoint, args.tags ?? {}) : undefined;
    const user = new iam.User(`${name}-registry`, { path: "/harbor/", tags: args.tags ?? {} }, child);
    new iam.UserPolicy(
      `${name}-registry`,
      {
        user: user.name,
        policy: pulumi.all([bucket.arn, key?.arn, partition, region, vpce]).apply(([b, k, p, r, v]) =>
          JSON.stringify(
            renderRegistryS3Policy({
              bucketArn: b,
              kmsKeyArn: k,
              s3ServiceEndpoint: serviceEndpoint(p, "s3", r),
              sourceVpce: v,
            }),
          ),
        ),
      },
      child,
    );
    const keys = args.accessKeys ?? {};
    const active = keys.active ?? "blue";
    let secretName: pulumi.Output<string> | undefined;
    for (const slot of REGISTRY_KEY_SLOTS) {
      const id = `${slot}-g${keys[slot] ?? 1}`;
      // The generation is in the resource name: raising it creates a new key (and deletes the old one after).
      const accessKey = new iam.AccessKey(`${name}-registry-${id}`, { user: user.name }, child);
      if (slot !== active) continue;
      const secret = `${name}-registry-s3-${id}`;
      secretName = new k8s.core.v1.Secret(
        secret,
        {
          metadata: {
            name: secret,
            namespace: args.namespace ?? s3StorageDefaults.namespace,
            labels: standardLabels("registry-storage", name, { "harbor-ha.io/key-slot": slot }),
          },
          stringData: { REGISTRY_STORAGE_S3_ACCESSKEY: accessKey.id, REGISTRY_STORAGE_S3_SECRETKEY: accessKey.secret },
        },
        child,
      ).metadata.name;
    }
    return secretName!;
  }

  /** The VPC's S3 gateway endpoint id: the given one, or a new gateway endpoint on the VPC's route tables. */
  private s3Endpoint(name: string, e: S3GatewayEndpoint, tags: Record<string, string>): pulumi.Output<string> {
    if ("id" in e) return pulumi.output(e.id);
    const child = { parent: this };
    const region = getRegionOutput({}, child).name;
    const partition = getPartitionOutput({}, child).partition;
    return new ec2.VpcEndpoint(
      name,
      {
        vpcId: e.vpcId,
        vpcEndpointType: "Gateway",
        // China regions name services cn.com.amazonaws.<region>.<service>.
        serviceName: pulumi.interpolate`${partition.apply((p) => (p === "aws-cn" ? "cn.com.amazonaws" : "com.amazonaws"))}.${region}.s3`,
        routeTableIds: e.routeTableIds,
        tags,
      },
      child,
    ).id;
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkS3StorageArgs(name: string, args: S3StorageArgs): ArgsProblem[] {
  const d = s3StorageDefaults;
  const check = new ArgsChecker("S3Storage", name);
  check.atLeast(
    args.noncurrentVersionExpirationDays ?? d.noncurrentVersionExpirationDays,
    1,
    "noncurrentVersionExpirationDays",
  );
  check.atLeast(args.abortIncompleteMultipartDays ?? d.abortIncompleteMultipartDays, 1, "abortIncompleteMultipartDays");
  if (args.compatible)
    check.check(
      /^https:\/\//.test(args.compatible.regionEndpoint),
      "compatible.regionEndpoint",
      `must be https, got "${args.compatible.regionEndpoint}"`,
      "serve the S3 endpoint over TLS",
    );
  check.atLeast(
    args.uploadsNoncurrentExpirationDays ?? d.uploadsNoncurrentExpirationDays,
    1,
    "uploadsNoncurrentExpirationDays",
  );
  for (const slot of REGISTRY_KEY_SLOTS) check.atLeast(args.accessKeys?.[slot] ?? 1, 1, `accessKeys.${slot}`);
  for (const p of awsTagProblems(args.tags ?? {})) {
    const [problem, fix] = p.split(". Fix: ");
    check.check(false, "tags", problem, fix);
  }
  return check.problems;
}
