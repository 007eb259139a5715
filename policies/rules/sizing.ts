/**
 * Hardware sizing of the nodes: vCPU, memory, root volume and SUSTAINED network per tier, resolved from the
 * instance table (AWS's published specifications). Burstable-CPU types are refused for the db and app
 * tiers (a t3.2xlarge sustains 40 % per vCPU), and the network floor is the baseline bandwidth, not an
 * "up to" burst. The database's 1 TiB lives on the Patroni data volumes (policy `harbor-patroni-volume-size`);
 * a node's root volume only holds the OS, images and logs, so it has its own, smaller minimum. Applies to EKS node groups (tier from the `harbor-ha.io/tier` label, disk from the
 * launch template they use), launch templates and EC2 instances (tier from their tags).
 */
import { stackRule, num, violation } from "./common";
import { arr, Graph, label, NODE_TIER_LABEL, NodeTier, numberOf, obj, Obj, platformFacts, Res, str, T } from "./graph";
import { describeNetwork, InstanceSpec, instanceSpecProblem, lookupInstanceType } from "./instanceTypes";

export interface SizingConfig {
  dbMinVcpu: number;
  dbMinMemoryGib: number;
  /** Root volume of a db node (OS, images, logs; the data is on Patroni's volumes). */
  dbMinRootVolumeGib: number;
  appMinVcpu: number;
  appMinMemoryGib: number;
  appMinDiskGib: number;
  minMemoryGibPerInstance: number;
  highThroughputMinMemoryGib: number;
  minNetworkGbit: number;
  /** Instance types to add to the table: `{ "x8g.2xlarge": { vcpu, memoryGib, baselineGbit, burstGbit?, burstableCpu? } }`. */
  extraInstanceTypes: Record<string, InstanceSpec>;
}

function tierOf(labels: unknown): NodeTier | undefined {
  const t = (labels as Record<string, unknown> | undefined)?.[NODE_TIER_LABEL];
  return t === "app" || t === "db" ? t : undefined;
}

/** Tier of a launch template / instance from its tags or tag specifications. */
function taggedTier(props: Obj): NodeTier | undefined {
  return (
    tierOf(props.tags) ??
    arr(props.tagSpecifications)
      .map((s) => tierOf(obj(s).tags))
      .find(Boolean)
  );
}

/** The largest EBS volume size (GiB) and its type from launch template block device mappings. */
function launchTemplateDisk(lt: Obj): number | undefined {
  const sizes = arr(lt.blockDeviceMappings)
    .map((b) => numberOf(obj(obj(b).ebs).volumeSize))
    .filter((v): v is number => v !== undefined);
  return sizes.length ? Math.max(...sizes) : undefined;
}

/** The launch template a node group uses: one it depends on, else one whose name/id it references. */
export function launchTemplateOf(g: Graph, ng: Res): Res | undefined {
  const ref = obj(ng.props).launchTemplate;
  if (!ref) return undefined;
  const { name, id } = obj(ref);
  const lts = g.ofType(T.LaunchTemplate);
  const byDep = g.dependenciesOf(ng).filter((d) => d.type === T.LaunchTemplate);
  if (byDep.length === 1) return byDep[0];
  return lts.find((lt) => (name && obj(lt.props).name === name) || (id && obj(lt.props).id === id));
}

export const hardwareSizing = stackRule<SizingConfig>({
  name: "harbor-node-hardware-sizing",
  description:
    "Nodes meet the seed's hardware minima with sustained capacity: db >= 8 vCPU / 32 GiB / 100 GiB SSD root (the database's 1 TiB is on Patroni's volumes), app >= 4 vCPU / 16 GiB / 200 GiB SSD, >= 16 GiB per instance (32 GiB when high-throughput), >= 1 Gbit baseline network, no burstable-CPU types in the db and app tiers.",
  severity: "high",
  remediationSteps:
    "Pick a larger, non-burstable instance type (e.g. r6i.2xlarge for db, m6i.2xlarge for app) or a larger root volume in the stack's nodePools (NodePools Args pools); add unknown instance types, with figures from AWS's specifications, to policies/rules/instanceTypes.ts or the policy's extraInstanceTypes config.",
  config: {
    dbMinVcpu: num(8, "vCPU per db node"),
    dbMinMemoryGib: num(32, "GiB memory per db node"),
    dbMinRootVolumeGib: num(100, "GiB SSD root volume per db node (database data is on the Patroni volumes)"),
    appMinVcpu: num(4, "vCPU per app node"),
    appMinMemoryGib: num(16, "GiB memory per app node"),
    appMinDiskGib: num(200, "GiB SSD per app node"),
    minMemoryGibPerInstance: num(16, "GiB memory of any instance"),
    highThroughputMinMemoryGib: num(32, "GiB memory of any instance when the platform says highThroughput"),
    minNetworkGbit: num(
      1,
      "Gbit/s sustained (baseline) network per instance; an 'up to N Gigabit' burst does not count",
    ),
    extraInstanceTypes: {
      type: "object",
      default: {},
      description:
        "instance types to add to the table: { type: { vcpu, memoryGib, baselineGbit, burstGbit?, burstableCpu? } } (AWS's published figures)",
    },
  },
  check(g, c, report, _args, cannotCheck) {
    const facts = platformFacts(g);
    const memFloor = facts.highThroughput ? c.highThroughputMinMemoryGib : c.minMemoryGibPerInstance;
    const min = (tier: NodeTier | undefined) =>
      tier === "db"
        ? { vcpu: c.dbMinVcpu, mem: Math.max(c.dbMinMemoryGib, memFloor), disk: c.dbMinRootVolumeGib }
        : tier === "app"
          ? { vcpu: c.appMinVcpu, mem: Math.max(c.appMinMemoryGib, memFloor), disk: c.appMinDiskGib }
          : { vcpu: 0, mem: memFloor, disk: 0 };

    const checkTypes = (r: Res, types: string[], tier: NodeTier | undefined, where: string) => {
      const m = min(tier);
      const who = `${label(r)}${tier ? ` (tier ${tier})` : ""}`;
      for (const type of types) {
        const extraProblem = c.extraInstanceTypes?.[type] ? instanceSpecProblem(c.extraInstanceTypes[type]) : undefined;
        if (extraProblem) {
          report(
            violation(
              who,
              `extraInstanceTypes["${type}"] ${extraProblem}`,
              "a complete instance spec",
              "fix the policy config entry",
            ),
            r.urn,
          );
          continue;
        }
        const spec = lookupInstanceType(type, c.extraInstanceTypes ?? {});
        if (!spec) {
          report(
            violation(
              who,
              `${where} "${type}" is not in the instance table, so its size is unknown`,
              "a known instance type",
              `use a listed type, or add "${type}" with its vCPU, memory and baseline/burst bandwidth from AWS's published specifications to policies/rules/instanceTypes.ts (or the policy's extraInstanceTypes config)`,
            ),
            r.urn,
          );
          continue;
        }
        if (spec.vcpu < m.vcpu)
          report(
            violation(
              who,
              `${type} has ${spec.vcpu} vCPU`,
              `>= ${m.vcpu} vCPU for ${tier} nodes`,
              `use a type with ${m.vcpu}+ vCPU, e.g. ${tier === "db" ? "r6i.2xlarge" : "m6i.xlarge"}`,
            ),
            r.urn,
          );
        if (spec.memoryGib < m.mem) {
          const why =
            facts.highThroughput && m.mem === memFloor
              ? " (high-throughput stack)"
              : tier
                ? ` for ${tier} nodes`
                : " per instance";
          report(
            violation(
              who,
              `${type} has ${spec.memoryGib} GiB memory`,
              `>= ${m.mem} GiB${why}`,
              `use a type with ${m.mem}+ GiB, e.g. ${tier === "db" ? "r6i.2xlarge" : "m6i.2xlarge"}`,
            ),
            r.urn,
          );
        }
        if (spec.baselineGbit < c.minNetworkGbit)
          report(
            violation(
              who,
              `${type} has ${describeNetwork(spec)} network`,
              `>= ${c.minNetworkGbit} Gbit sustained (baseline)`,
              `use a type whose baseline bandwidth is at least ${c.minNetworkGbit} Gbit (an "up to" figure is a burst of minutes)`,
            ),
            r.urn,
          );
        if (spec.burstableCpu && (tier === "db" || tier === "app"))
          report(
            violation(
              who,
              `${type} is a burstable-CPU type (T family: its vCPUs sustain only a baseline share without CPU credits)`,
              `no burstable types for ${tier} nodes`,
              `use a fixed-performance type, e.g. ${tier === "db" ? "r6i.2xlarge" : "m6i.2xlarge"}`,
            ),
            r.urn,
          );
      }
    };
    const checkDisk = (r: Res, gib: number | undefined, tier: NodeTier | undefined, how: string) => {
      const m = min(tier);
      if (!tier || m.disk <= 0) return;
      if (gib === undefined || gib < m.disk) {
        report(
          violation(
            `${label(r)} (tier ${tier})`,
            `${how} is ${gib === undefined ? "not set" : `${gib} GiB`}`,
            `>= ${m.disk} GiB SSD for ${tier} nodes`,
            `set the pool's diskGb to ${m.disk} or more (a gp3 root volume in its launch template)`,
          ),
          r.urn,
        );
      }
    };

    const usedByNodeGroups = new Set<string>();
    for (const ng of g.ofType(T.NodeGroup)) {
      const p = obj(ng.props);
      const tier = tierOf(p.labels);
      const lt = launchTemplateOf(g, ng);
      if (lt) usedByNodeGroups.add(lt.urn);
      const listed = arr(p.instanceTypes).filter((t): t is string => typeof t === "string");
      const ltType = str(obj(lt?.props).instanceType);
      const types: string[] = listed.length ? listed : ltType ? [ltType] : ["t3.medium"];
      // Unknown during preview (computed from another resource): nothing to measure yet.
      if (g.unknown(ng, "instanceTypes")) cannotCheck(`${label(ng)} instanceTypes`, ng.urn);
      else if (!listed.length && lt && g.unknown(lt, "instanceType")) cannotCheck(`${label(lt)} instanceType`, ng.urn);
      else checkTypes(ng, types, tier, "instance type");
      if (lt ? g.unknown(lt, "blockDeviceMappings") : g.unknown(ng, "diskSize")) {
        cannotCheck(`${label(ng)} root volume size`, ng.urn);
        continue;
      }
      // EKS defaults: 20 GiB when neither diskSize nor a launch template says otherwise.
      const disk = lt ? launchTemplateDisk(obj(lt.props)) : (numberOf(p.diskSize) ?? 20);
      checkDisk(ng, disk, tier, lt ? `root volume (launch template ${lt.name})` : "root volume (diskSize)");
    }
    for (const lt of g.ofType(T.LaunchTemplate)) {
      const p = obj(lt.props);
      const tier = taggedTier(p);
      if (g.unknown(lt, "instanceType") && !usedByNodeGroups.has(lt.urn))
        cannotCheck(`${label(lt)} instanceType`, lt.urn);
      if (typeof p.instanceType === "string") checkTypes(lt, [p.instanceType], tier, "instanceType");
      // A node group's template is measured (and reported) through the node group.
      if (!usedByNodeGroups.has(lt.urn) && launchTemplateDisk(p) !== undefined)
        checkDisk(lt, launchTemplateDisk(p), tier, "largest block device");
    }
    for (const inst of g.ofType(T.Instance)) {
      const p = obj(inst.props);
      const tier = taggedTier(p);
      if (typeof p.instanceType === "string") checkTypes(inst, [p.instanceType], tier, "instanceType");
      const sizes = [obj(p.rootBlockDevice).volumeSize, ...arr(p.ebsBlockDevices).map((b) => obj(b).volumeSize)].filter(
        (v): v is number => typeof v === "number",
      );
      checkDisk(inst, sizes.length ? Math.max(...sizes) : 8, tier, "largest volume");
    }
  },
});
