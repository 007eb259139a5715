/**
 * ARNs built from the partition the stack runs in (`aws`, `aws-cn`, `aws-us-gov`, ...), never a hard-coded
 * `arn:aws:`: China and GovCloud accounts would get policies that match nothing. The partition comes from
 * `aws.getPartition()` (the engine answers it offline); the DNS suffix too (`amazonaws.com`,
 * `amazonaws.com.cn`). Pure.
 */

/** Where the stack runs: the partition and its DNS suffix (from aws.getPartition). */
export interface AwsPartition {
  partition: string;
  dnsSuffix: string;
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>` (region/account empty for global services). */
export function arn(
  p: Pick<AwsPartition, "partition">,
  service: string,
  resource: string,
  region = "",
  account = "",
): string {
  return `arn:${p.partition}:${service}:${region}:${account}:${resource}`;
}

/** An S3 bucket's ARN (S3 ARNs have no region or account). */
export function s3BucketArn(p: Pick<AwsPartition, "partition">, bucket: string): string {
  return arn(p, "s3", bucket);
}

/** A Route53 hosted zone's ARN. */
export function hostedZoneArn(p: Pick<AwsPartition, "partition">, hostedZoneId: string): string {
  return arn(p, "route53", `hostedzone/${hostedZoneId}`);
}

/** The service endpoint name `kms:ViaService` expects for a service in a region (`s3.eu-west-1.amazonaws.com`). */
export function serviceEndpoint(p: AwsPartition, service: string, region: string): string {
  return `${service}.${region}.${p.dnsSuffix}`;
}
