import * as pulumi from "@pulumi/pulumi";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import * as s3 from "@pulumi/aws/s3";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs, awsTagProblems } from "../conventions";

/** Prefix of the NLB's access logs in their bucket. */
export const NLB_ACCESS_LOG_PREFIX = "nlb";

export interface NlbAccessLogBucketArgs {
  /** Prefix the load balancer writes under. Default: `nlb`. */
  prefix?: string;
  /** Days before log objects expire. Default: 90. */
  retentionDays?: number;
  /** AWS tags on the bucket. Default: {}. */
  tags?: Record<string, string>;
}

/**
 * Bucket policy letting the NLB's log delivery service (`delivery.logs.amazonaws.com`) write this account's
 * logs under the prefix, over TLS only, and nothing else. Pure.
 */
export function renderNlbLogBucketPolicy(
  bucketArn: string,
  prefix: string,
  accountId: string,
): Record<string, unknown> {
  const delivery = { Service: "delivery.logs.amazonaws.com" };
  const fromThisAccount = { StringEquals: { "aws:SourceAccount": accountId } };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AWSLogDeliveryWrite",
        Effect: "Allow",
        Principal: delivery,
        Action: "s3:PutObject",
        Resource: `${bucketArn}/${prefix}/AWSLogs/${accountId}/*`,
        Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": accountId } },
      },
      {
        Sid: "AWSLogDeliveryAclCheck",
        Effect: "Allow",
        Principal: delivery,
        Action: "s3:GetBucketAcl",
        Resource: bucketArn,
        Condition: fromThisAccount,
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/**
 * A private bucket for the NLB's access logs: public access blocked, SSE-S3 (what NLB log delivery
 * supports without a key policy of its own), delivery allowed for this account only, logs expired.
 */
export class NlbAccessLogBucket extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.NlbAccessLogBucket;

  /** The bucket's name (for the load balancer's `access_logs.s3.bucket` attribute). */
  readonly bucket: pulumi.Output<string>;

  constructor(name: string, args: NlbAccessLogBucketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("NlbAccessLogBucket", name, checkNlbAccessLogBucketArgs(name, args));
    super(NlbAccessLogBucket.__pulumiType, name, {}, opts);
    const child = { parent: this };
    const prefix = args.prefix ?? NLB_ACCESS_LOG_PREFIX;
    const bucket = new s3.Bucket(name, { tags: args.tags ?? {} }, child);
    const pab = new s3.BucketPublicAccessBlock(
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
    new s3.BucketServerSideEncryptionConfiguration(
      name,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      child,
    );
    new s3.BucketLifecycleConfiguration(
      name,
      {
        bucket: bucket.id,
        rules: [{ id: "expire-logs", status: "Enabled", filter: {}, expiration: { days: args.retentionDays ?? 90 } }],
      },
      child,
    );
    const account = getCallerIdentityOutput({}, child).accountId;
    new s3.BucketPolicy(
      name,
      {
        bucket: bucket.id,
        policy: pulumi
          .all([bucket.arn, account])
          .apply(([arn, acct]) => JSON.stringify(renderNlbLogBucketPolicy(arn, prefix, acct))),
      },
      { parent: this, dependsOn: [pab] },
    );
    this.bucket = bucket.bucket;
    this.registerOutputs({ bucket: this.bucket });
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkNlbAccessLogBucketArgs(name: string, args: NlbAccessLogBucketArgs): ArgsProblem[] {
  const check = new ArgsChecker("NlbAccessLogBucket", name);
  check.atLeast(args.retentionDays ?? 90, 1, "retentionDays");
  for (const p of awsTagProblems(args.tags ?? {})) {
    const [problem, fix] = p.split(". Fix: ");
    check.check(false, "tags", problem, fix);
  }
  return check.problems;
}
