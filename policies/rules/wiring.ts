/**
 * Stack-level consistency between tiers: Harbor's Redis addresses are the sentinels the stack
 * created, and its database host is the PatroniCluster's read-write Service; the platform's facts
 * are readable.
 */
import { stackRule, violation } from "./common";
import {
  ComponentTypes,
  get,
  harborReleases,
  harborValuesUnknown,
  kube,
  label,
  platformFacts,
  T,
  valuesOf,
} from "./graph";
import { sentinelFacts } from "./ha";
import { rwServiceHosts, serviceHosts } from "./security";

export const tierWiring = stackRule<Record<string, never>>({
  name: "harbor-tier-wiring",
  description:
    "Harbor's redis.external.addr lists the sentinels under the stack's RedisSentinel (pod DNS names of its sentinel StatefulSet, or Services under it exposing 26379) with the same master set, and database.external.host is the PatroniCluster's read-write Service.",
  severity: "high",
  remediationSteps:
    "Wire HarborRelease's redis/database Args from RedisSentinel.sentinelAddrs/masterSet and PatroniCluster.host (the platform does).",
  config: {},
  check(g, _c, report, _args, cannotCheck) {
    const sentinels = sentinelFacts(g);
    const sentinelHosts = new Set<string>();
    for (const f of sentinels) {
      for (const w of f.workloads) {
        const p = kube(w);
        const name = p.metadata?.name ?? w.name;
        const ns = p.metadata?.namespace;
        const svc = p.spec?.serviceName;
        for (let i = 0; i < (p.spec?.replicas ?? 1); i++) {
          if (svc)
            for (const h of [
              `${name}-${i}.${svc}`,
              `${name}-${i}.${svc}.${ns}`,
              `${name}-${i}.${svc}.${ns}.svc`,
              `${name}-${i}.${svc}.${ns}.svc.cluster.local`,
            ])
              sentinelHosts.add(h);
        }
      }
    }
    for (const s of g.under(ComponentTypes.RedisSentinel, T.Service)) {
      if ((kube(s).spec?.ports ?? []).some((p) => p?.port === 26379))
        serviceHosts(s).forEach((h) => sentinelHosts.add(h));
    }
    const clusters = g.ofType(ComponentTypes.PatroniCluster);
    const rwHosts = clusters.flatMap((c) => rwServiceHosts(g, c));

    for (const rel of harborReleases(g)) {
      const hidden = harborValuesUnknown(g, rel);
      if (hidden) {
        cannotCheck(hidden, rel.urn);
        continue;
      }
      const v = valuesOf(rel);
      const addr = get(v, "redis.external.addr");
      const unknownRedis = g.unknownOf(rel, "values.redis.type", "values.redis.external");
      if (sentinels.length > 0 && unknownRedis) cannotCheck(`${label(rel)} ${unknownRedis}`, rel.urn);
      else if (sentinels.length > 0 && get(v, "redis.type") !== "internal") {
        if (typeof addr !== "string" || addr === "") {
          report(
            violation(
              label(rel),
              "values.redis.external.addr is not set",
              "the sentinels of the stack's RedisSentinel",
              "pass RedisSentinel.sentinelAddrs to the HarborRelease",
            ),
            rel.urn,
          );
        } else {
          const hosts = addr.split(",").map((h) => h.trim().replace(/:\d+$/, ""));
          const unknown = hosts.filter((h) => !sentinelHosts.has(h));
          if (unknown.length)
            report(
              violation(
                label(rel),
                `values.redis.external.addr has ${unknown.map((h) => `"${h}"`).join(", ")}, not a sentinel of the stack`,
                `hosts among ${[...sentinelHosts].filter((h) => h.endsWith(".svc.cluster.local")).join(", ") || "(no sentinel DNS names found)"}`,
                "pass RedisSentinel.sentinelAddrs to the HarborRelease",
              ),
              rel.urn,
            );
          const known = sentinels.map((f) => f.masterSet).filter(Boolean);
          const set = get(v, "redis.external.sentinelMasterSet");
          if (known.length && !known.includes(set as string))
            report(
              violation(
                label(rel),
                `values.redis.external.sentinelMasterSet is "${set}"`,
                `the sentinels' master set "${known.join('" or "')}"`,
                "pass RedisSentinel.masterSet to the HarborRelease",
              ),
              rel.urn,
            );
        }
      }
      const host = get(v, "database.external.host");
      const unknownDb = g.unknownOf(rel, "values.database.type", "values.database.external.host");
      if (clusters.length > 0 && unknownDb) cannotCheck(`${label(rel)} ${unknownDb}`, rel.urn);
      else if (
        clusters.length > 0 &&
        get(v, "database.type") !== "internal" &&
        typeof host === "string" &&
        !rwHosts.includes(host)
      ) {
        report(
          violation(
            label(rel),
            `values.database.external.host is "${host}"`,
            `the PatroniCluster's read-write Service (${rwHosts.filter((h) => h.endsWith(".svc.cluster.local")).join(", ") || "no -rw Service found"})`,
            "pass PatroniCluster.host to the HarborRelease",
          ),
          rel.urn,
        );
      }
    }
  },
});

export const platformFactsPresent = stackRule<Record<string, never>>({
  name: "harbor-platform-facts",
  description:
    "The HarborPlatform resource exposes the stack facts the other rules read (environment, highThroughput, zones, optional expectedDataGb) in its props; without them harbor-zone-spread, the high-throughput memory floor and the capacity headroom would pass silently.",
  severity: "high",
  remediationSteps:
    "Pass { environment, expectedDataGb, highThroughput, zones } to HarborPlatform's super() AND to its registerOutputs (pulumi preview's stack policies see a component's registered outputs).",
  config: {},
  check(g, _c, report, _args, cannotCheck) {
    const f = platformFacts(g);
    if (f.missing.length === 0) return;
    const p = g.byUrn.get(f.urn!)!;
    const hidden = g.unknownOf(p, "environment", "highThroughput", "zones", "expectedDataGb");
    if (hidden) {
      cannotCheck(`${label(p)} ${hidden}`, p.urn);
      return;
    }
    report(
      violation(
        label(p),
        `facts ${f.missing.join(", ")} not readable from its props (has: ${Object.keys(p.props ?? {}).join(", ") || "nothing"})`,
        "environment, highThroughput and zones (expectedDataGb optional)",
        "register the facts in HarborPlatform's inputs and registerOutputs",
      ),
      p.urn,
    );
  },
});
