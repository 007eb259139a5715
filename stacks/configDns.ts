/**
 * `harbor-ha:dns`: Harbor's alias record in Route53 (issue 13). Its own module, imported by stacks/config.ts;
 * the zone rule is the edge tier's (hostedZoneProblem). Leave the key out when your own DNS points the name
 * at the load balancer.
 */
import { z } from "zod";
import { HOSTED_ZONE_ID, hostedZoneProblem } from "../components/edge";
import type { StackConfig } from "./config";

export const dnsSchema = z
  .strictObject({
    /** Create the record (false: your own DNS does). Default: true. */
    enabled: z.boolean().default(true),
    /** The Route53 hosted zone's id. */
    hostedZoneId: z
      .string()
      .regex(
        HOSTED_ZONE_ID,
        "is not a Route53 hosted zone id. Fix: copy it from `aws route53 list-hosted-zones`, e.g. Z0123456789EXAMPLE",
      ),
    /** The hosted zone's domain, e.g. example.com; it must contain the external URL's host. */
    zoneName: z.string().min(1),
  })
  .optional();

/** The record's cross-key rules: the zone holds the host, the edge is an NLB, and dev has no Route53. */
export function dnsProblems(c: Pick<StackConfig, "environment" | "externalUrl" | "dns" | "edge">): string[] {
  const out: string[] = [];
  if (!c.dns?.enabled) return out;
  const k = (p: string) => `harbor-ha:dns${p ? `.${p}` : ""}`;
  if (c.environment === "dev")
    out.push(`${k("")}: dev has no Route53 (its URL resolves through nip.io). Fix: remove ${k("")} from dev.`);
  const zone = hostedZoneProblem(new URL(c.externalUrl).hostname, c.dns.zoneName);
  if (zone) out.push(`${k("zoneName")}: ${zone.problem}. Fix: ${zone.fix}.`);
  if (c.edge.exposure !== "nlb")
    out.push(
      `${k("")}: an alias record points at an AWS network load balancer, but harbor-ha:edge.exposure is "${c.edge.exposure}". Fix: set harbor-ha:edge.exposure to "nlb", or remove ${k("")}.`,
    );
  return out;
}
