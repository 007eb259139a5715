/**
 * Pod sizing: Patroni and Redis/sentinel containers set requests and limits that fit the nodes of the
 * tier they are pinned to; every Harbor component sets requests and limits in the release values.
 */
import { stackRule, num, violation } from "./common";
import {
  ComponentTypes,
  get,
  GIB,
  Graph,
  harborComponents,
  harborReleases,
  harborValuesUnknown,
  label,
  NODE_TIER_LABEL,
  NodeTier,
  parseQuantity,
  podSpec,
  Container,
  obj,
  podTier,
  Res,
  T,
  valuesOf,
} from "./graph";
import { InstanceSpec, lookupInstanceType } from "./instanceTypes";

export interface DataPodConfig {
  /** Fraction of a node's capacity kept for the kubelet, system daemons and eviction. */
  nodeReserveFraction: number;
  /** Node size assumed for a tier when the stack creates no node group for it (its own nodes). */
  dbNodeVcpu: number;
  dbNodeMemoryGib: number;
  appNodeVcpu: number;
  appNodeMemoryGib: number;
  /** Instance types to add to the table (as harbor-node-hardware-sizing's extraInstanceTypes). */
  extraInstanceTypes: Record<string, InstanceSpec>;
}

/** Smallest node (vCPU, GiB) of a tier among the node groups in the graph, else undefined. */
export function smallestNode(
  g: Graph,
  tier: NodeTier,
  extra: Record<string, InstanceSpec> = {},
): { vcpu: number; memoryGib: number; type: string } | undefined {
  const specs: { vcpu: number; memoryGib: number; type: string }[] = [];
  for (const ng of g.ofType(T.NodeGroup)) {
    const p = obj(ng.props);
    if (obj(p.labels)[NODE_TIER_LABEL] !== tier) continue;
    for (const type of Array.isArray(p.instanceTypes) ? p.instanceTypes : []) {
      const s = typeof type === "string" ? lookupInstanceType(type, extra) : undefined;
      if (s) specs.push({ vcpu: s.vcpu, memoryGib: s.memoryGib, type });
    }
  }
  if (specs.length === 0) return undefined;
  // A pod must fit whichever type the group launches: the smallest of each dimension.
  return {
    vcpu: Math.min(...specs.map((s) => s.vcpu)),
    memoryGib: Math.min(...specs.map((s) => s.memoryGib)),
    type: [...new Set(specs.map((s) => s.type))].join("/"),
  };
}

function sum(containers: Container[], kind: "requests" | "limits", res: "cpu" | "memory"): number {
  return containers.reduce((a, c) => a + (parseQuantity(c?.resources?.[kind]?.[res]) ?? 0), 0);
}

export const dataPodResources = stackRule<DataPodConfig>({
  name: "harbor-data-pod-resources",
  description:
    "Patroni and Redis/sentinel containers (StatefulSets/Deployments under PatroniCluster and RedisSentinel) set cpu and memory requests and limits, and each pod fits a node of the tier it is pinned to.",
  severity: "high",
  remediationSteps:
    "Set the stack's postgres/redis cpu and memoryGi (PatroniCluster / RedisSentinel Args cpu and memoryGi) so that they fit the tier's instance type (minus ~10 % for the kubelet), or choose larger nodes.",
  config: {
    nodeReserveFraction: num(0.1, "fraction of node capacity not allocatable to pods"),
    dbNodeVcpu: num(8, "vCPU of a db node when the stack brings its own nodes"),
    dbNodeMemoryGib: num(32, "GiB of a db node when the stack brings its own nodes"),
    appNodeVcpu: num(4, "vCPU of an app node when the stack brings its own nodes"),
    appNodeMemoryGib: num(16, "GiB of an app node when the stack brings its own nodes"),
    extraInstanceTypes: {
      type: "object",
      default: {},
      description:
        "instance types to add to the table: { type: { vcpu, memoryGib, baselineGbit, burstGbit?, burstableCpu? } }",
    },
  },
  check(g, c, report, _args, cannotCheck) {
    const workloads: Res[] = [];
    for (const comp of [ComponentTypes.PatroniCluster, ComponentTypes.RedisSentinel]) {
      workloads.push(...g.under(comp, T.StatefulSet), ...g.under(comp, T.Deployment));
    }
    for (const w of workloads) {
      const spec = podSpec(w);
      const containers: Container[] = spec?.containers ?? [];
      if (g.unknown(w, "spec.template.spec.containers")) cannotCheck(`${label(w)} container resources`, w.urn);
      containers.forEach((ct, i) => {
        const missing = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"].filter(
          (k) =>
            get(ct?.resources, k) === undefined && !g.unknown(w, `spec.template.spec.containers[${i}].resources.${k}`),
        );
        if (missing.length) {
          report(
            violation(
              `${label(w)} container "${ct?.name}"`,
              `resources ${missing.join(", ")} not set`,
              "cpu and memory requests and limits",
              "set resources.requests and resources.limits (cpu, memory) on the container (the component's cpu/memoryGi args)",
            ),
            w.urn,
          );
        }
      });
      const tier = podTier(spec);
      const node = tier ? smallestNode(g, tier, c.extraInstanceTypes ?? {}) : undefined;
      const fallback =
        tier === "db"
          ? { vcpu: c.dbNodeVcpu, memoryGib: c.dbNodeMemoryGib }
          : { vcpu: c.appNodeVcpu, memoryGib: c.appNodeMemoryGib };
      const size = node ?? fallback;
      const where = node
        ? `${tier} node ${node.type}`
        : tier
          ? `${tier} node (configured ${size.vcpu} vCPU / ${size.memoryGib} GiB)`
          : `any node (configured ${size.vcpu} vCPU / ${size.memoryGib} GiB; pod not pinned to a tier)`;
      const cpuCap = size.vcpu * (1 - c.nodeReserveFraction);
      const memCap = size.memoryGib * GIB * (1 - c.nodeReserveFraction);
      for (const kind of ["requests", "limits"] as const) {
        const cpu = sum(containers, kind, "cpu");
        const mem = sum(containers, kind, "memory");
        if (cpu > cpuCap)
          report(
            violation(
              label(w),
              `pod cpu ${kind} total ${+cpu.toFixed(2)} cores`,
              `<= ${+cpuCap.toFixed(2)} cores allocatable on a ${where}`,
              `lower the component's cpu or use larger ${tier ?? ""} nodes`,
            ),
            w.urn,
          );
        if (mem > memCap)
          report(
            violation(
              label(w),
              `pod memory ${kind} total ${+(mem / GIB).toFixed(2)} GiB`,
              `<= ${+(memCap / GIB).toFixed(2)} GiB allocatable on a ${where}`,
              `lower the component's memoryGi or use larger ${tier ?? ""} nodes`,
            ),
            w.urn,
          );
      }
    }
  },
});

export const harborPodResources = stackRule<Record<string, never>>({
  name: "harbor-pod-resources",
  description:
    "Every deployed Harbor component (core, jobservice, portal, registry + registryctl, trivy when enabled, exporter when metrics are on) has resources.requests and resources.limits (cpu and memory) in the Harbor release values.",
  severity: "medium",
  remediationSteps: "Give each component resources in the HarborRelease (its per-component resources Args).",
  config: {},
  check(g, _c, report, _args, cannotCheck) {
    for (const rel of harborReleases(g)) {
      const hidden = harborValuesUnknown(g, rel);
      if (hidden) {
        cannotCheck(hidden, rel.urn);
        continue;
      }
      const v = valuesOf(rel);
      for (const comp of harborComponents(v)) {
        for (const path of comp.resourcePaths) {
          const r = get(v, path);
          const unknownKeys = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"].filter((k) =>
            g.unknown(rel, `values.${path}.${k}`),
          );
          for (const k of unknownKeys) cannotCheck(`${label(rel)} values.${path}.${k}`, rel.urn);
          const missing = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"].filter(
            (k) => get(r, k) === undefined && !unknownKeys.includes(k),
          );
          if (missing.length)
            report(
              violation(
                `${label(rel)} Harbor ${comp.name}`,
                `values.${path} lacks ${missing.join(", ")}`,
                "cpu and memory requests and limits",
                `set values.${path}.requests and .limits`,
              ),
              rel.urn,
            );
        }
      }
    }
  },
});
