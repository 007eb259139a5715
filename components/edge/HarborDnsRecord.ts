import * as pulumi from "@pulumi/pulumi";
import * as lb from "@pulumi/aws/lb";
import * as route53 from "@pulumi/aws/route53";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs } from "../conventions";

export interface HarborDnsRecordArgs {
  /** The Route53 hosted zone holding Harbor's name (e.g. `Z0123456789EXAMPLE`). */
  hostedZoneId: string;
  /** The hosted zone's domain (e.g. `example.com`); it must contain `host`. */
  zoneName: string;
  /**
   * Harbor's host name, the record's name (e.g. `harbor.example.com`). Plain, as the zone fields (an Output is
   * refused, naming it): the zone must be checked to contain it before any resource.
   */
  host: string;
  /** The network load balancer's DNS name: the Gateway's address, known once the NLB exists. */
  loadBalancerHostname: pulumi.Input<string>;
  /** The load balancer's region (its canonical hosted zone differs per region). Default: the AWS provider's. */
  region?: string;
}

/** A Route53 hosted zone id (`Z` and up to 31 upper-case letters and digits). */
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

/** A domain name in one spelling: lower case, no trailing dot. */
const canonical = (n: string) => n.trim().toLowerCase().replace(/\.$/, "");

/**
 * Why a hosted zone cannot hold a host's record (a zone holds its own name and the names below it), or
 * undefined. One rule for the stack config and the platform.
 */
export function hostedZoneProblem(host: string, zoneName: string): { problem: string; fix: string } | undefined {
  const h = canonical(host);
  const z = canonical(zoneName);
  if (h === z || h.endsWith(`.${z}`)) return undefined;
  const labels = h.split(".");
  const parent = labels.length > 2 ? labels.slice(1).join(".") : h;
  return {
    problem: `the hosted zone "${z}" does not contain Harbor's host "${h}", so Route53 would refuse the record`,
    fix: `use the hosted zone of "${parent}" (or a parent domain of it), or change the external URL`,
  };
}

/**
 * Harbor's DNS name in Route53: an alias A record for the external URL's host pointing at the network load
 * balancer in front of Envoy. The record is a resource of the stack (not an external-dns side effect), so
 * the API resources and the ACME certificate can wait for it, and `pulumi destroy` removes it. Route53
 * reports a change done once every authoritative server has it (the provider waits for INSYNC).
 */
export class HarborDnsRecord extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.HarborDnsRecord;

  /** The record, for resources that need Harbor's name to resolve. */
  readonly record: route53.Record;
  /** The record's name (Harbor's host). */
  readonly fqdn: pulumi.Output<string>;

  constructor(name: string, args: HarborDnsRecordArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("HarborDnsRecord", name, checkHarborDnsRecordArgs(name, args));
    super(HarborDnsRecord.__pulumiType, name, {}, opts);
    // The NLB's canonical hosted zone: a per-region constant the provider looks up without an API call.
    const nlbZone = lb.getHostedZoneIdOutput(
      { loadBalancerType: "network", ...(args.region ? { region: args.region } : {}) },
      { parent: this },
    );
    this.record = new route53.Record(
      name,
      {
        zoneId: args.hostedZoneId,
        name: canonical(args.host),
        type: "A",
        aliases: [{ name: args.loadBalancerHostname, zoneId: nlbZone.id, evaluateTargetHealth: true }],
      },
      { parent: this },
    );
    this.fqdn = this.record.fqdn;
    this.registerOutputs({ fqdn: this.fqdn });
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkHarborDnsRecordArgs(name: string, args: HarborDnsRecordArgs): ArgsProblem[] {
  const check = new ArgsChecker("HarborDnsRecord", name);
  if (!check.requirePlain({ hostedZoneId: args.hostedZoneId, zoneName: args.zoneName, host: args.host }))
    return check.problems;
  check.rule("zoneName", hostedZoneProblem(args.host, args.zoneName));
  check.check(
    HOSTED_ZONE_ID.test(args.hostedZoneId),
    "hostedZoneId",
    `"${args.hostedZoneId}" is not a Route53 hosted zone id`,
    "copy the zone's id (Z followed by letters and digits) from `aws route53 list-hosted-zones`",
  );
  return check.problems;
}
