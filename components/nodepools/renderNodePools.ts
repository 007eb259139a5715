/**
 * Pure rendering of the EKS managed node groups (and their launch templates) of the `app` and `db`
 * tiers. The NodePools component only turns these plain specs into resources.
 *
 * Names: launch templates and node groups get a NAME PREFIX (`<prefix>-<tier>-`, the prefix holding the
 * stack), never a fixed name, so AWS adds a unique suffix: two stacks in one account and region never
 * collide, and a replacement (instance type, AMI type, capacity type, subnets) is created before the old
 * group is deleted (a fixed name forces delete-before-create, dropping every node of the tier first).
 *
 * Zones: the db tier gets one node group per zone, each with that zone's subnet only (EKS' guidance for
 * zonal EBS volumes with the Cluster Autoscaler: a replacement node lands in the zone of the pod's volume).
 * The tier's sizes are totals, split evenly over the zones (rounded up). The app tier is stateless (S3,
 * no zonal volume), so one group spans every subnet.
 */
import { NODE_TIER_LABEL, NODE_ZONE_LABEL, NodeTier } from "../conventions/labels";

/** One tier's node pool. */
export interface NodePoolSpec {
  /** EC2 instance types (one architecture). Required. */
  instanceTypes: string[];
  /** Root volume (gp3, encrypted) size in GiB (OS, images, logs; database data is on Patroni's own volumes). Default: 200 for `app`, 100 for `db`. */
  diskGb?: number;
  /** Desired node count of the tier (split over the zones for `db`). Default: 3. */
  desiredSize?: number;
  /** Minimum node count of the tier (split over the zones for `db`). Default: 3. */
  minSize?: number;
  /** Maximum node count of the tier (split over the zones for `db`). Default: 6. */
  maxSize?: number;
  /** ON_DEMAND or SPOT. Default: `ON_DEMAND` (databases must not be reclaimed). */
  capacityType?: "ON_DEMAND" | "SPOT";
  /** EKS AMI type. Default: `AL2023_ARM_64_STANDARD` for Graviton types (m7g, r7g...), else `AL2023_x86_64_STANDARD`. */
  amiType?: string;
  /** Taint the nodes `harbor-ha.io/tier=<tier>:NoSchedule` so only pinned pods land there. Default: true. */
  taint?: boolean;
  /** Extra node labels. Default: {}. */
  labels?: Record<string, string>;
  /** gp3 IOPS of the root volume. Default: 3000 (gp3 baseline). */
  diskIops?: number;
  /** gp3 throughput of the root volume in MiB/s. Default: 125 (gp3 baseline). */
  diskThroughputMiBs?: number;
}

export const DEFAULT_DISK_GB: Record<NodeTier, number> = { app: 200, db: 100 };

/**
 * IMDSv2 hop limit of the nodes: 1, so that pods (one network hop behind the node) cannot reach the
 * instance metadata service and the node role's credentials. No pod here needs the node role: the
 * registry uses an IAM user's key (S3), cert-manager, the CSI drivers and the load balancer controller use
 * IRSA. A pod that needs the node role must be named here before this is raised to 2.
 */
export const IMDS_HOP_LIMIT = 1;
/** Pods that need the node role through IMDS (none). */
export const PODS_NEEDING_NODE_ROLE: string[] = [];

/**
 * The longest node group name prefix: EKS node group names have at most 63 characters and the AWS provider
 * appends a 26-character unique suffix to `nodeGroupNamePrefix`.
 */
export const NODE_GROUP_PREFIX_MAX = 37;

/** Defaults of {@link NodePoolSpec} (the root disk's size: {@link DEFAULT_DISK_GB}), applied by the render functions only. */
export const nodePoolDefaults = {
  desiredSize: 3,
  minSize: 3,
  maxSize: 6,
  capacityType: "ON_DEMAND" as "ON_DEMAND" | "SPOT",
  taint: true,
  /** gp3 baseline. */
  diskIops: 3000,
  /** gp3 baseline, MiB/s. */
  diskThroughputMiBs: 125,
};
export const NODE_TIERS: NodeTier[] = ["app", "db"];

/** Root device of the EKS AL2023 AMIs. */
export const ROOT_DEVICE = "/dev/xvda";

/** Graviton (arm64) families end their generation with `g` (m7g, r7g, c7g, m6gd...). */
export function isGraviton(instanceType: string): boolean {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}

export interface LaunchTemplateSpec {
  /** AWS adds a unique suffix. */
  namePrefix: string;
  blockDeviceMappings: {
    deviceName: string;
    ebs: {
      volumeSize: number;
      volumeType: "gp3";
      encrypted: "true";
      deleteOnTermination: "true";
      iops: number;
      throughput: number;
    };
  }[];
  metadataOptions: { httpEndpoint: "enabled"; httpTokens: "required"; httpPutResponseHopLimit: number };
  tagSpecifications: { resourceType: string; tags: Record<string, string> }[];
  tags: Record<string, string>;
}

export interface NodeGroupSpec {
  /** AWS adds a unique suffix: replacements are created before the old group is deleted. */
  nodeGroupNamePrefix: string;
  instanceTypes: string[];
  amiType: string;
  capacityType: "ON_DEMAND" | "SPOT";
  labels: Record<string, string>;
  taints: { key: string; value: string; effect: "NO_SCHEDULE" }[];
  scalingConfig: { desiredSize: number; minSize: number; maxSize: number };
  updateConfig: { maxUnavailable: number };
  tags: Record<string, string>;
}

/** One node group: a tier, or one zone of the db tier. */
export interface RenderedNodeGroup {
  /** Resource name suffix: `<tier>` or `<tier>-<zone>`. */
  key: string;
  /** The zone (its subnet only), or undefined: every subnet. */
  zone?: string;
  nodeGroup: NodeGroupSpec;
}

export interface RenderedNodePool {
  tier: NodeTier;
  launchTemplate: LaunchTemplateSpec;
  /** One group (app), or one per zone (db, in the order the zones were given). */
  groups: RenderedNodeGroup[];
}

/**
 * Renders one tier. `prefix` (holding the stack) starts the launch template and node group name prefixes.
 * `zones`: the db tier's zones (one group each); empty: one group over every subnet.
 */
export function renderNodePool(
  prefix: string,
  tier: NodeTier,
  pool: NodePoolSpec,
  tags: Record<string, string> = {},
  zones: string[] = [],
): RenderedNodePool {
  const allTags = { ...tags, [NODE_TIER_LABEL]: tier };
  // Instances and volumes are found in the console and in cost reports by their Name.
  const instanceTags = { ...allTags, Name: `${prefix}-${tier}` };
  const perZone = tier === "db" && zones.length > 0;
  const split = (n: number) => (perZone ? Math.ceil(n / zones.length) : n);
  const group = (zone: string | undefined): RenderedNodeGroup => ({
    key: zone ? `${tier}-${zone}` : tier,
    zone,
    nodeGroup: {
      nodeGroupNamePrefix: `${prefix}-${tier}-${zone ? `${zone}-` : ""}`,
      instanceTypes: [...pool.instanceTypes],
      amiType:
        pool.amiType ?? (pool.instanceTypes.every(isGraviton) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD"),
      capacityType: pool.capacityType ?? nodePoolDefaults.capacityType,
      labels: { ...(pool.labels ?? {}), [NODE_TIER_LABEL]: tier, ...(zone ? { [NODE_ZONE_LABEL]: zone } : {}) },
      taints:
        (pool.taint ?? nodePoolDefaults.taint) ? [{ key: NODE_TIER_LABEL, value: tier, effect: "NO_SCHEDULE" }] : [],
      scalingConfig: {
        desiredSize: split(pool.desiredSize ?? nodePoolDefaults.desiredSize),
        minSize: split(pool.minSize ?? nodePoolDefaults.minSize),
        maxSize: split(pool.maxSize ?? nodePoolDefaults.maxSize),
      },
      // One node at a time: Patroni and Redis PDBs allow one member down.
      updateConfig: { maxUnavailable: 1 },
      tags: { ...allTags, ...(zone ? { [NODE_ZONE_LABEL]: zone } : {}) },
    },
  });
  return {
    tier,
    launchTemplate: {
      namePrefix: `${prefix}-${tier}-`,
      blockDeviceMappings: [
        {
          deviceName: ROOT_DEVICE,
          ebs: {
            volumeSize: pool.diskGb ?? DEFAULT_DISK_GB[tier],
            volumeType: "gp3",
            encrypted: "true",
            deleteOnTermination: "true",
            iops: pool.diskIops ?? nodePoolDefaults.diskIops,
            throughput: pool.diskThroughputMiBs ?? nodePoolDefaults.diskThroughputMiBs,
          },
        },
      ],
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: IMDS_HOP_LIMIT },
      tagSpecifications: [
        { resourceType: "instance", tags: instanceTags },
        { resourceType: "volume", tags: instanceTags },
      ],
      tags: allTags,
    },
    groups: perZone ? zones.map((z) => group(z)) : [group(undefined)],
  };
}

/** Renders every configured tier, in `app`, `db` order; `zones` are the db tier's (see {@link renderNodePool}). */
export function renderNodePools(
  prefix: string,
  pools: Partial<Record<NodeTier, NodePoolSpec>>,
  tags: Record<string, string> = {},
  zones: string[] = [],
): RenderedNodePool[] {
  return NODE_TIERS.filter((t) => pools[t]).map((t) => renderNodePool(prefix, t, pools[t]!, tags, zones));
}

/** Problems with a pool spec, as [path, problem, fix] (checked by the component before any resource). */
export function nodePoolProblems(tier: NodeTier, pool: NodePoolSpec): [string, string, string][] {
  const p = `pools.${tier}`;
  const out: [string, string, string][] = [];
  if (!Array.isArray(pool.instanceTypes) || pool.instanceTypes.length === 0) {
    out.push([
      `${p}.instanceTypes`,
      "must list at least one instance type",
      `set ${p}.instanceTypes, e.g. ["${tier === "db" ? "r6i.2xlarge" : "m6i.2xlarge"}"]`,
    ]);
  } else {
    const bad = pool.instanceTypes.filter((t) => !/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(t));
    if (bad.length)
      out.push([
        `${p}.instanceTypes`,
        `${bad.map((b) => `"${b}"`).join(", ")} is not an EC2 instance type`,
        "use names like m6i.2xlarge",
      ]);
    const arm = pool.instanceTypes.filter(isGraviton).length;
    if (arm > 0 && arm < pool.instanceTypes.length) {
      out.push([
        `${p}.instanceTypes`,
        `mixes Graviton (arm64) and x86_64 types (${pool.instanceTypes.join(", ")})`,
        "a node group has one AMI: use one architecture per pool",
      ]);
    }
  }
  const disk = pool.diskGb ?? DEFAULT_DISK_GB[tier];
  if (!Number.isInteger(disk) || disk < 20 || disk > 16384)
    out.push([
      `${p}.diskGb`,
      `must be an integer between 20 and 16384 GiB (gp3), got ${disk}`,
      `set ${p}.diskGb to e.g. ${DEFAULT_DISK_GB[tier]}`,
    ]);
  const min = pool.minSize ?? nodePoolDefaults.minSize;
  const desired = pool.desiredSize ?? nodePoolDefaults.desiredSize;
  const max = pool.maxSize ?? nodePoolDefaults.maxSize;
  for (const [k, v] of [
    ["minSize", min],
    ["desiredSize", desired],
    ["maxSize", max],
  ] as const) {
    if (!Number.isInteger(v) || v < (k === "minSize" ? 0 : 1))
      out.push([
        `${p}.${k}`,
        `must be an integer >= ${k === "minSize" ? 0 : 1}, got ${v}`,
        `set ${p}.${k} to a positive whole number`,
      ]);
  }
  if (!(min <= desired && desired <= max))
    out.push([
      `${p}`,
      `needs minSize <= desiredSize <= maxSize, got ${min} / ${desired} / ${max}`,
      `raise maxSize or lower minSize so that ${min} <= ${desired} <= ${max} holds`,
    ]);
  if (
    pool.diskIops !== undefined &&
    (!Number.isInteger(pool.diskIops) || pool.diskIops < 3000 || pool.diskIops > 16000)
  )
    out.push([
      `${p}.diskIops`,
      `must be 3000..16000 for gp3, got ${pool.diskIops}`,
      "use a gp3 IOPS value between 3000 and 16000",
    ]);
  if (
    pool.diskThroughputMiBs !== undefined &&
    (!Number.isInteger(pool.diskThroughputMiBs) || pool.diskThroughputMiBs < 125 || pool.diskThroughputMiBs > 1000)
  )
    out.push([
      `${p}.diskThroughputMiBs`,
      `must be 125..1000 MiB/s for gp3, got ${pool.diskThroughputMiBs}`,
      "use a gp3 throughput between 125 and 1000",
    ]);
  return out;
}
