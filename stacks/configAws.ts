/**
 * Stack config of the AWS account's hygiene (issue 19): cost-allocation tags, subnets per zone, zones within
 * `aws:region`, the registry key's rotation slots and S3 gateway endpoint, the NLB's deletion protection and
 * access logs. The schemas are composed into config.ts's one schema; `awsProblems` adds the rules that need
 * `aws:region` (a provider key) or several keys, all reported with the rest, before any resource.
 */
import { z } from "zod";
import { AWS_TAG_RULES, awsTagProblems, REGISTRY_KEY_SLOTS } from "../components";

/** An availability zone name: `<region><letter>`, e.g. eu-west-1a (Local Zones: us-west-2-lax-1a). */
export const ZONE_PATTERN = /^([a-z]{2}(-[a-z]+)+-\d)(-[a-z]{3}-\d)?[a-z]$/;

/** The region a zone belongs to ("eu-west-1a" -> "eu-west-1"; a Local Zone -> its parent region). */
export function regionOfZone(zone: string): string | undefined {
  return ZONE_PATTERN.exec(zone)?.[1];
}

/** `harbor-ha:tags`: cost-allocation tags added to project/stack/environment on every AWS resource. */
export const tagsSchema = z.record(z.string(), z.string()).superRefine((tags, ctx) => {
  for (const p of awsTagProblems(tags, true)) ctx.addIssue({ code: "custom", message: p });
});

/** `harbor-ha:cluster.subnets`: `{ "<zone>": "<private subnet id>" }`, one subnet per zone. */
export const subnetsByZoneSchema = z.record(
  z.string(),
  z.string().regex(/^subnet-[0-9a-z]+$/, "must be a subnet id (subnet-...)"),
);

/** `harbor-ha:storage.accessKeys` (type s3): two overlapping keys of the registry's IAM user (README, "Registry key rotation"). */
export const accessKeysSchema = z.strictObject({
  /** The slot whose key the registry uses. Default: blue. */
  active: z.enum(REGISTRY_KEY_SLOTS).default("blue"),
  /** Generation of each slot's key: raising one replaces that key. Default: 1. */
  blue: z.number().int().positive().default(1),
  green: z.number().int().positive().default(1),
});

/** `harbor-ha:storage.s3GatewayEndpoint` (type s3): the VPC's S3 gateway endpoint the registry's key is restricted to. */
export const s3GatewayEndpointSchema = z.union([
  z.strictObject({ id: z.string().regex(/^vpce-[0-9a-f]+$/, "must be a VPC endpoint id (vpce-...)") }),
  z.strictObject({
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, "must be a VPC id (vpc-...)"),
    routeTableIds: z.array(z.string().regex(/^rtb-[0-9a-f]+$/, "must be a route table id (rtb-...)")).min(1),
  }),
]);

/** `harbor-ha:edge.accessLogs`: the NLB's access logs (bucket: an existing one; none: one is created). */
export const accessLogsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  bucket: z.string().min(3).optional(),
  prefix: z.string().default("nlb"),
});

/** The parts of the parsed stack config these rules read. */
interface AwsView {
  environment: string;
  zones: string[];
  tags?: Record<string, string>;
  cluster?: { subnets?: Record<string, unknown>; subnetIds?: unknown[]; create?: unknown };
  nodePools?: { db?: unknown };
  storage: { type: string; efs?: unknown; subnets?: Record<string, unknown> };
}

/** Cross-key AWS rules; `values` is the whole config (for `aws:region`). Messages name the full key and the fix. */
export function awsProblems(c: AwsView, values: Record<string, string>, ns: string): string[] {
  const out: string[] = [];
  const k = (p: string) => `${ns}:${p}`;
  const region = values["aws:region"];
  for (const zone of c.zones) {
    const r = regionOfZone(zone);
    if (!r)
      out.push(
        `${k("zones")}: "${zone}" is not an availability zone name. Fix: use names like ${region ?? "eu-west-1"}a (aws ec2 describe-availability-zones).`,
      );
    else if (region && r !== region)
      out.push(
        `${k("zones")}: "${zone}" is in ${r}, not in aws:region ${region}. Fix: list zones of ${region} (e.g. ${region}a, ${region}b, ${region}c), or change aws:region.`,
      );
  }
  const subnets = Object.keys(c.cluster?.subnets ?? {});
  // A cluster the stack creates brings its subnets per zone (its VPC).
  if (c.nodePools?.db && c.cluster && !c.cluster.create && subnets.length === 0)
    out.push(
      `${k("cluster.subnets")}: required with ${k("nodePools.db")} (one db node group per zone, each with its zone's subnet). Fix: set ${k("cluster.subnets")} to { "<zone>": "<subnet id>" } for each of ${k("zones")}, instead of ${k("cluster.subnetIds")}.`,
    );
  if (subnets.length && c.cluster?.subnetIds)
    out.push(
      `${k("cluster.subnetIds")}: set together with ${k("cluster.subnets")}. Fix: keep ${k("cluster.subnets")} only.`,
    );
  for (const z of subnets) {
    if (!regionOfZone(z))
      out.push(
        `${k(`cluster.subnets.${z}`)}: "${z}" is not an availability zone name. Fix: key each subnet by its zone, e.g. eu-west-1a.`,
      );
    else if (c.zones.length && !c.zones.includes(z))
      out.push(
        `${k(`cluster.subnets.${z}`)}: "${z}" is not one of ${k("zones")} (${c.zones.join(", ") || "none"}). Fix: key each subnet by a zone of the stack.`,
      );
  }
  if (subnets.length && c.nodePools?.db)
    for (const z of c.zones)
      if (!subnets.includes(z))
        out.push(
          `${k("cluster.subnets")}: has no subnet for zone ${z}, so that zone would get no db node. Fix: add "${z}": "<subnet id>".`,
        );
  const tagCount = Object.keys(c.tags ?? {}).length + 3;
  if (tagCount > AWS_TAG_RULES.maxTags)
    out.push(
      `${k("tags")}: ${tagCount} tags with project/stack/environment; AWS allows ${AWS_TAG_RULES.maxTags} per resource. Fix: remove some.`,
    );
  return out;
}
