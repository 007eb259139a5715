/**
 * EC2 instance types the sizing policy can resolve: vCPU, memory (GiB) and network (Gbit/s, the
 * baseline; "Up to N Gigabit" is recorded as `upTo: true` and counts as N for the 1 Gbit floor).
 * Figures from the AWS instance-type pages. A type missing here is a violation that says to add it,
 * either to this table or through the policy's `extraInstanceTypes` config.
 */
export interface InstanceSpec {
  vcpu: number;
  memoryGib: number;
  networkGbit: number;
  /** Network is "Up to <networkGbit> Gigabit" (burst), not a sustained rate. */
  upTo?: boolean;
}

type Row = [size: string, vcpu: number, networkGbit: number, upTo: boolean];

// Sizes shared by the 5th-7th generation families; memory per vCPU differs per family class.
const GEN5: Row[] = [
  ["large", 2, 10, true],
  ["xlarge", 4, 10, true],
  ["2xlarge", 8, 10, true],
  ["4xlarge", 16, 10, true],
  ["8xlarge", 32, 10, false],
  ["12xlarge", 48, 12, false],
  ["16xlarge", 64, 20, false],
  ["24xlarge", 96, 25, false],
];
const GEN6: Row[] = [
  ["large", 2, 12.5, true],
  ["xlarge", 4, 12.5, true],
  ["2xlarge", 8, 12.5, true],
  ["4xlarge", 16, 12.5, true],
  ["8xlarge", 32, 12.5, false],
  ["12xlarge", 48, 18.75, false],
  ["16xlarge", 64, 25, false],
  ["24xlarge", 96, 37.5, false],
  ["32xlarge", 128, 50, false],
];
const GEN7: Row[] = [
  ["large", 2, 12.5, true],
  ["xlarge", 4, 12.5, true],
  ["2xlarge", 8, 12.5, true],
  ["4xlarge", 16, 12.5, true],
  ["8xlarge", 32, 12.5, false],
  ["12xlarge", 48, 18.75, false],
  ["16xlarge", 64, 25, false],
  ["24xlarge", 96, 37.5, false],
  ["48xlarge", 192, 50, false],
];
const GRAVITON3: Row[] = [
  ["medium", 1, 12.5, true],
  ["large", 2, 12.5, true],
  ["xlarge", 4, 12.5, true],
  ["2xlarge", 8, 12.5, true],
  ["4xlarge", 16, 12.5, true],
  ["8xlarge", 32, 15, false],
  ["12xlarge", 48, 22.5, false],
  ["16xlarge", 64, 30, false],
];
const GRAVITON2: Row[] = [
  ["medium", 1, 10, true],
  ["large", 2, 10, true],
  ["xlarge", 4, 10, true],
  ["2xlarge", 8, 10, true],
  ["4xlarge", 16, 10, true],
  ["8xlarge", 32, 12, false],
  ["12xlarge", 48, 20, false],
  ["16xlarge", 64, 25, false],
];
// c5 has its own size ladder.
const C5: Row[] = [
  ["large", 2, 10, true],
  ["xlarge", 4, 10, true],
  ["2xlarge", 8, 10, true],
  ["4xlarge", 16, 10, true],
  ["9xlarge", 36, 12, false],
  ["12xlarge", 48, 12, false],
  ["18xlarge", 72, 25, false],
  ["24xlarge", 96, 25, false],
];

/** GiB of memory per vCPU: general purpose 4, memory optimised 8, compute optimised 2. */
const FAMILIES: [family: string, rows: Row[], gibPerVcpu: number][] = [
  ["m5", GEN5, 4],
  ["m6i", GEN6, 4],
  ["m6a", GEN6.map(([s, v, n, u]) => [s, v, n, u] as Row).concat([["48xlarge", 192, 50, false]]), 4],
  ["m7i", GEN7, 4],
  ["m7a", GEN7, 4],
  ["m7g", GRAVITON3, 4],
  ["m6g", GRAVITON2, 4],
  ["r5", GEN5, 8],
  ["r6i", GEN6, 8],
  ["r6a", GEN6, 8],
  ["r7i", GEN7, 8],
  ["r7g", GRAVITON3, 8],
  ["r6g", GRAVITON2, 8],
  ["c5", C5, 2],
  ["c6i", GEN6, 2],
  ["c7i", GEN7, 2],
  ["c7g", GRAVITON3, 2],
  ["c6g", GRAVITON2, 2],
];

function buildTable(): Record<string, InstanceSpec> {
  const t: Record<string, InstanceSpec> = {};
  for (const [family, rows, gib] of FAMILIES) {
    for (const [size, vcpu, net, upTo] of rows)
      t[`${family}.${size}`] = { vcpu, memoryGib: vcpu * gib, networkGbit: net, ...(upTo ? { upTo } : {}) };
  }
  // Burstable types a laptop-sized or test stack may use (never enough for the seed's minima).
  Object.assign(t, {
    "t3.medium": { vcpu: 2, memoryGib: 4, networkGbit: 5, upTo: true },
    "t3.large": { vcpu: 2, memoryGib: 8, networkGbit: 5, upTo: true },
    "t3.xlarge": { vcpu: 4, memoryGib: 16, networkGbit: 5, upTo: true },
    "t3.2xlarge": { vcpu: 8, memoryGib: 32, networkGbit: 5, upTo: true },
  });
  return t;
}

export const INSTANCE_TYPES: Readonly<Record<string, InstanceSpec>> = Object.freeze(buildTable());

/** Resolves a type from the table, then from `extra` (policy config). */
export function lookupInstanceType(type: string, extra: Record<string, InstanceSpec> = {}): InstanceSpec | undefined {
  return extra[type] ?? INSTANCE_TYPES[type];
}

export function describeNetwork(s: InstanceSpec): string {
  return `${s.upTo ? "up to " : ""}${s.networkGbit} Gbit`;
}
