/**
 * High availability: Harbor replicas, Patroni members, sentinels and their quorum, PDBs, zone spread.
 */
import { stackRule, num, strList, violation } from "./common";
import {
  ComponentTypes,
  get,
  Graph,
  harborComponents,
  harborValuesUnknown,
  harborReleases,
  label,
  NODE_TIER_LABEL,
  NODE_ZONE_LABEL,
  numberOf,
  obj,
  platformFacts,
  kube,
  podSpec,
  PodSpec,
  Res,
  T,
  valuesOf,
  ZONE_KEY,
} from "./graph";

export interface ReplicaConfig {
  minReplicas: number;
}

export const harborReplicas = stackRule<ReplicaConfig>({
  name: "harbor-replicas",
  description:
    "Every deployed Harbor component (core, jobservice, portal, registry, trivy when enabled, exporter when metrics are on) runs >= 2 replicas (Helm values <component>.replicas; the chart's default is 1).",
  severity: "high",
  remediationSteps: "Set the stack's harbor.replicas to 2 or more (HarborRelease replicas).",
  config: { minReplicas: num(2, "replicas per Harbor component", 1) },
  check(g, c, report, _args, cannotCheck) {
    for (const rel of harborReleases(g)) {
      const hidden = harborValuesUnknown(g, rel);
      if (hidden) {
        cannotCheck(hidden, rel.urn);
        continue;
      }
      const v = valuesOf(rel);
      for (const comp of harborComponents(v)) {
        const n = get(v, `${comp.path}.replicas`);
        if (g.unknown(rel, `values.${comp.path}.replicas`)) {
          cannotCheck(`${label(rel)} values.${comp.path}.replicas`, rel.urn);
          continue;
        }
        const replicas = typeof n === "number" ? n : 1;
        if (replicas < c.minReplicas)
          report(
            violation(
              `${label(rel)} Harbor ${comp.name}`,
              `values.${comp.path}.replicas is ${n === undefined ? "unset (chart default 1)" : replicas}`,
              `>= ${c.minReplicas}`,
              `set values.${comp.path}.replicas to ${c.minReplicas} or more (stack harbor.replicas)`,
            ),
            rel.urn,
          );
      }
    }
  },
});

/** Patroni's database workloads: StatefulSets under a PatroniCluster that keep data, or Zalando manifests. */
export function patroniWorkloads(g: Graph): Res[] {
  const sts = g.under(ComponentTypes.PatroniCluster, T.StatefulSet);
  const data = sts.filter((s) => (kube(s).spec?.volumeClaimTemplates ?? []).length > 0);
  return [...(data.length ? data : sts), ...g.under(ComponentTypes.PatroniCluster, T.ZalandoPostgresql)];
}

export const patroniMembers = stackRule<{ minMembers: number }>({
  name: "harbor-patroni-members",
  description:
    "Each PatroniCluster runs >= 3 members (StatefulSet replicas, or a Zalando manifest's numberOfInstances), so a leader can be elected after losing one.",
  severity: "critical",
  remediationSteps:
    "Set the stack's postgres.members to 3 (Args: PatroniCluster members, HarborPlatform database.members).",
  config: { minMembers: num(3, "Patroni members", 1) },
  check(g, c, report, _args, cannotCheck) {
    for (const w of patroniWorkloads(g)) {
      const spec = kube(w).spec;
      const path = w.type === T.ZalandoPostgresql ? "spec.numberOfInstances" : "spec.replicas";
      if (g.unknown(w, path)) {
        cannotCheck(`${label(w)} ${path}`, w.urn);
        continue;
      }
      const n = w.type === T.ZalandoPostgresql ? spec?.numberOfInstances : (spec?.replicas ?? 1);
      if (typeof n !== "number" || n < c.minMembers)
        report(
          violation(
            label(w),
            `Patroni members (replicas) is ${n}`,
            `>= ${c.minMembers}`,
            `set the stack's postgres.members to ${c.minMembers} (PatroniCluster members)`,
          ),
          w.urn,
        );
    }
  },
});

const MONITOR = /^\s*sentinel\s+monitor\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s*$/m;

/**
 * A workload runs sentinels when a container says so (name or command mentions sentinel, or it
 * exposes 26379): strong evidence. Its name alone is weak evidence (the component's own name may
 * contain "sentinel"), used only when no workload of the group has strong evidence.
 */
export function sentinelEvidence(w: Res): "strong" | "weak" | undefined {
  const strong = (podSpec(w)?.containers ?? []).some(
    (ct) =>
      /sentinel/i.test([ct?.name, ...(ct?.command ?? []), ...(ct?.args ?? [])].join(" ")) ||
      (ct?.ports ?? []).some((pt) => pt?.containerPort === 26379),
  );
  if (strong) return "strong";
  return /sentinel$/i.test(`${kube(w).metadata?.name ?? w.name}`) ? "weak" : undefined;
}

export interface SentinelFacts {
  component?: Res;
  workloads: Res[];
  count: number;
  quorum?: number;
  masterSet?: string;
  quorumSource?: string;
  /** Where the quorum could be but is unknown during preview (ConfigMap data, sentinel containers). */
  unknownSources: string[];
}

/**
 * What the graph says about one RedisSentinel's sentinels. Tolerant on purpose (the component's
 * rendering may change): the count is the replicas of every sentinel workload under it; the quorum
 * is read, first match wins, from a `sentinel monitor <set> <host> <port> <quorum>` line in any
 * ConfigMap under the component, from such a line in a sentinel container's command/args/env, from an
 * env var named *QUORUM*, or from the component's own inputs (`quorum` / `sentinelQuorum`).
 */
export function sentinelFacts(g: Graph): SentinelFacts[] {
  const comps = g.ofType(ComponentTypes.RedisSentinel);
  const groups = comps.length
    ? comps.map((c) => ({
        component: c as Res | undefined,
        under: (r: Res) => g.ancestor(r, ComponentTypes.RedisSentinel)?.urn === c.urn,
      }))
    : [];
  // URN-only membership (no parent chain): one group of everything under any RedisSentinel.
  if (groups.length === 0 && g.resources.some((r) => g.isUnder(r, ComponentTypes.RedisSentinel)))
    groups.push({ component: undefined, under: (r: Res) => g.isUnder(r, ComponentTypes.RedisSentinel) });
  return groups.map(({ component, under }) => {
    const all = [...g.ofType(T.StatefulSet), ...g.ofType(T.Deployment)].filter(under);
    const strong = all.filter((w) => sentinelEvidence(w) === "strong");
    const workloads = strong.length ? strong : all.filter((w) => sentinelEvidence(w) === "weak");
    const count = workloads.reduce((a, w) => a + (kube(w).spec?.replicas ?? 1), 0);
    const unknownSources = [
      ...g
        .ofType(T.ConfigMap)
        .filter(under)
        .filter((cm) => g.unknown(cm, "data"))
        .map((cm) => `${label(cm)} data`),
      ...workloads.filter((w) => g.unknown(w, "spec.template.spec.containers")).map((w) => `${label(w)} containers`),
    ];
    const f: SentinelFacts = { component, workloads, count, unknownSources };
    const take = (text: unknown, source: string) => {
      if (f.quorum !== undefined || typeof text !== "string") return;
      const m = MONITOR.exec(text);
      if (m) Object.assign(f, { quorum: Number(m[4]), masterSet: m[1], quorumSource: source });
    };
    for (const cm of g.ofType(T.ConfigMap).filter(under))
      for (const [k, v] of Object.entries(kube(cm).data ?? {})) take(v, `${label(cm)} data.${k}`);
    for (const w of workloads) {
      for (const ct of podSpec(w)?.containers ?? []) {
        for (const s of [...(ct?.command ?? []), ...(ct?.args ?? [])])
          take(s, `${label(w)} container ${ct?.name} command`);
        for (const e of ct?.env ?? []) {
          take(e?.value, `${label(w)} env ${e?.name}`);
          if (f.quorum === undefined && /QUORUM/i.test(e?.name ?? "") && /^\d+$/.test(`${e?.value}`))
            Object.assign(f, { quorum: Number(e?.value), quorumSource: `${label(w)} env ${e?.name}` });
        }
      }
    }
    const cp = (component?.props ?? {}) as { quorum?: unknown; sentinelQuorum?: unknown; masterSet?: unknown };
    if (f.quorum === undefined) {
      const q = cp.quorum ?? cp.sentinelQuorum;
      if (typeof q === "number") Object.assign(f, { quorum: q, quorumSource: `${label(component!)} inputs` });
    }
    if (f.masterSet === undefined && typeof cp.masterSet === "string") f.masterSet = cp.masterSet;
    return f;
  });
}

export const redisSentinels = stackRule<{ minSentinels: number; quorum: number }>({
  name: "harbor-redis-sentinel-quorum",
  description:
    "Each RedisSentinel runs >= 3 sentinels with quorum 2 (at least `quorum`, and no more than the sentinel count), read from its rendered sentinel.conf (`sentinel monitor ... <quorum>`).",
  severity: "critical",
  remediationSteps:
    "Set the stack's redis.sentinels to 3 and redis.quorum to 2 (Args: RedisSentinel sentinels and quorum, HarborPlatform redis.sentinels and redis.quorum).",
  config: { minSentinels: num(3, "sentinels", 1), quorum: num(2, "minimum sentinel quorum", 1) },
  check(g, c, report, _args, cannotCheck) {
    for (const f of sentinelFacts(g)) {
      const at = f.workloads[0] ?? f.component;
      const who = f.component ? label(f.component) : "RedisSentinel";
      const hidden = f.workloads.filter((w) => g.unknown(w, "spec.replicas"));
      for (const w of hidden) cannotCheck(`${label(w)} spec.replicas`, w.urn);
      if (f.count < c.minSentinels && hidden.length === 0)
        report(
          violation(
            who,
            `${f.count} sentinel(s) (${f.workloads.map(label).join(", ") || "no sentinel workload found"})`,
            `>= ${c.minSentinels} sentinels in different failure domains`,
            `set the stack's redis.sentinels to ${c.minSentinels} (RedisSentinel sentinels)`,
          ),
          at?.urn,
        );
      if (f.quorum === undefined && f.unknownSources.length)
        cannotCheck(`sentinel quorum of ${who} (${f.unknownSources.join(", ")})`, at?.urn);
      else if (f.quorum === undefined)
        report(
          violation(
            who,
            "sentinel quorum not found (no `sentinel monitor <set> <host> <port> <quorum>` line in a ConfigMap, container command or env, and no quorum input)",
            `quorum ${c.quorum}`,
            "render sentinel.conf with its monitor line into a ConfigMap under the RedisSentinel component",
          ),
          at?.urn,
        );
      else if (f.quorum < c.quorum || (f.count > 0 && f.quorum > f.count))
        report(
          violation(
            who,
            `sentinel quorum is ${f.quorum} with ${f.count} sentinel(s) (${f.quorumSource})`,
            `>= ${c.quorum} and <= the sentinel count`,
            `set the stack's redis.quorum to ${c.quorum} (RedisSentinel quorum)`,
          ),
          at?.urn,
        );
    }
  },
});

function selectorMatches(
  selector: { matchLabels?: Record<string, string> } | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const ml = selector?.matchLabels ?? {};
  return Object.keys(ml).length > 0 && Object.entries(ml).every(([k, v]) => labels?.[k] === v);
}

export const pdbsPresent = stackRule<Record<string, never>>({
  name: "harbor-pod-disruption-budgets",
  description:
    "Patroni and Redis workloads are covered by a PodDisruptionBudget under their component (selector matching the pod labels); every deployed Harbor component has values.<component>.podDisruptionBudget.enabled or a PDB under the HarborRelease.",
  severity: "high",
  remediationSteps:
    "Create a PodDisruptionBudget (maxUnavailable: 1) per data workload; enable podDisruptionBudget for each Harbor component in the release values.",
  config: {},
  check(g, _c, report, _args, cannotCheck) {
    for (const comp of [ComponentTypes.PatroniCluster, ComponentTypes.RedisSentinel]) {
      const pdbs = g.under(comp, T.Pdb);
      for (const w of [...g.under(comp, T.StatefulSet), ...g.under(comp, T.Deployment)]) {
        const labels = kube(w).spec?.template?.metadata?.labels;
        const hidden = [
          ...(g.unknown(w, "spec.template.metadata.labels") ? [w] : []),
          ...pdbs.filter((p) => g.unknown(p, "spec.selector")),
        ];
        if (!pdbs.some((p) => selectorMatches(kube(p).spec?.selector, labels)) && hidden.length) {
          cannotCheck(`${label(w)} pod labels or PDB selectors`, w.urn);
        } else if (!pdbs.some((p) => selectorMatches(kube(p).spec?.selector, labels))) {
          report(
            violation(
              label(w),
              "no PodDisruptionBudget selects its pods",
              "a PDB (e.g. maxUnavailable 1) under the same component",
              "add a policy/v1 PodDisruptionBudget whose selector matches the pod template labels",
            ),
            w.urn,
          );
        }
      }
    }
    for (const rel of harborReleases(g)) {
      const hidden = harborValuesUnknown(g, rel);
      if (hidden) {
        cannotCheck(hidden, rel.urn);
        continue;
      }
      const v = valuesOf(rel);
      const pdbs = g.under(ComponentTypes.HarborRelease, T.Pdb);
      for (const comp of harborComponents(v)) {
        const enabled = get(v, `${comp.path}.podDisruptionBudget.enabled`) === true;
        const own = pdbs.some((p) =>
          new RegExp(`\\b${comp.name}\\b`).test(`${kube(p).metadata?.name ?? ""} ${p.name}`),
        );
        if (!enabled && !own && g.unknown(rel, `values.${comp.path}.podDisruptionBudget`))
          cannotCheck(`${label(rel)} values.${comp.path}.podDisruptionBudget`, rel.urn);
        else if (!enabled && !own)
          report(
            violation(
              `${label(rel)} Harbor ${comp.name}`,
              `values.${comp.path}.podDisruptionBudget.enabled is ${get(v, `${comp.path}.podDisruptionBudget.enabled`) ?? "unset"} and no PDB names it`,
              "a PodDisruptionBudget",
              `set values.${comp.path}.podDisruptionBudget.enabled: true (renders when replicas > 1)`,
            ),
            rel.urn,
          );
      }
    }
  },
});

export interface ZoneConfig {
  minZones: number;
  zoneEnvironments: string[];
}

function hasZoneSpread(spec: PodSpec | undefined): boolean {
  if ((spec?.topologySpreadConstraints ?? []).some((t) => t?.topologyKey === ZONE_KEY)) return true;
  const anti = spec?.affinity?.podAntiAffinity;
  const terms = [
    ...(anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => p?.podAffinityTerm),
  ];
  return terms.some((t) => t?.topologyKey === ZONE_KEY);
}

/**
 * With db node groups in the plan, every zone of the stack has one (labelled NODE_ZONE_LABEL, minSize >= 1):
 * a Patroni or Redis pod whose EBS volume is in a zone without db nodes stays Pending, and one group over
 * several zones lets the autoscaler add the node in the wrong zone.
 */
function dbCapacityPerZone(
  g: Graph,
  zones: string[],
  report: (v: string, urn?: string) => void,
  cannotCheck: (what: string, urn?: string) => void,
): void {
  const db = g.ofType(T.NodeGroup).filter((ng) => obj(obj(ng.props).labels)[NODE_TIER_LABEL] === "db");
  if (db.length === 0) return;
  for (const zone of zones) {
    const groups = db.filter((ng) => obj(obj(ng.props).labels)[NODE_ZONE_LABEL] === zone);
    const hidden = groups.find((ng) => g.unknown(ng, "scalingConfig"));
    if (hidden) {
      cannotCheck(`${label(hidden)} scalingConfig`, hidden.urn);
      continue;
    }
    const min = groups.reduce((a, ng) => a + (numberOf(obj(obj(ng.props).scalingConfig).minSize) ?? 0), 0);
    if (min < 1)
      report(
        violation(
          `db node groups (zone ${zone})`,
          groups.length ? `keep ${min} node(s) in ${zone}` : `none is labelled ${NODE_ZONE_LABEL}=${zone}`,
          "a db node group per zone of the stack with minSize >= 1",
          `give the db tier one node group per zone (NodePools \`subnets\` keyed by zone: ${zones.join(", ")})`,
        ),
        db[0].urn,
      );
  }
}

export const zoneSpread = stackRule<ZoneConfig>({
  name: "harbor-zone-spread",
  description:
    "In the listed environments (prod) the platform spans >= 2 zones; wherever it spans 2+ zones (or in those environments), every zone has a db node group (minSize >= 1) when the plan has db node groups, and Patroni/Redis pods and every Harbor component spread over topology.kubernetes.io/zone (topologySpreadConstraints or zone anti-affinity).",
  severity: "high",
  remediationSteps:
    "List 3 zones in the stack's zones and give every workload a topologySpreadConstraint on topology.kubernetes.io/zone.",
  config: {
    minZones: num(2, "zones in the listed environments", 1),
    zoneEnvironments: strList(["prod"], "environments that must span minZones zones"),
  },
  check(g, c, report, _args, cannotCheck) {
    const facts = platformFacts(g);
    const platform = facts.urn ? g.byUrn.get(facts.urn) : undefined;
    const hiddenFact = platform && g.unknownOf(platform, "environment", "zones");
    if (platform && hiddenFact) {
      cannotCheck(`${label(platform)} ${hiddenFact}`, platform.urn);
      return;
    }
    const required = facts.environment !== undefined && c.zoneEnvironments.includes(facts.environment);
    if (required && facts.zones.length < c.minZones) {
      report(
        violation(
          `HarborPlatform (${facts.environment})`,
          `spans ${facts.zones.length} zone(s) (${facts.zones.join(", ") || "none"})`,
          `>= ${c.minZones} zones`,
          `list at least ${c.minZones} availability zones in the stack's zones (HarborPlatform zones)`,
        ),
        facts.urn,
      );
    }
    if (!required && facts.zones.length < 2) return;
    dbCapacityPerZone(g, facts.zones, report, cannotCheck);
    for (const comp of [ComponentTypes.PatroniCluster, ComponentTypes.RedisSentinel]) {
      for (const w of [...g.under(comp, T.StatefulSet), ...g.under(comp, T.Deployment)]) {
        if (!hasZoneSpread(podSpec(w)) && g.unknown(w, "spec.template.spec"))
          cannotCheck(`${label(w)} pod spread`, w.urn);
        else if (!hasZoneSpread(podSpec(w)))
          report(
            violation(
              label(w),
              "pods have no spread over topology.kubernetes.io/zone",
              "a topologySpreadConstraint (or anti-affinity) on the zone key",
              "pass the placement's zone spread to the component (zoneSpread())",
            ),
            w.urn,
          );
      }
    }
    for (const rel of harborReleases(g)) {
      const hidden = harborValuesUnknown(g, rel);
      if (hidden) {
        cannotCheck(hidden, rel.urn);
        continue;
      }
      const v = valuesOf(rel);
      for (const comp of harborComponents(v)) {
        const spec = {
          topologySpreadConstraints: get(v, `${comp.path}.topologySpreadConstraints`),
          affinity: get(v, `${comp.path}.affinity`),
        } as PodSpec;
        const unknownSpread = g.unknownOf(
          rel,
          `values.${comp.path}.topologySpreadConstraints`,
          `values.${comp.path}.affinity`,
        );
        if (!hasZoneSpread(spec) && unknownSpread) cannotCheck(`${label(rel)} ${unknownSpread}`, rel.urn);
        else if (!hasZoneSpread(spec))
          report(
            violation(
              `${label(rel)} Harbor ${comp.name}`,
              `values.${comp.path}.topologySpreadConstraints has no topology.kubernetes.io/zone entry`,
              "spread over zones",
              `set values.${comp.path}.topologySpreadConstraints with topologyKey ${ZONE_KEY}`,
            ),
            rel.urn,
          );
      }
    }
  },
});
