/**
 * EC2 instance types the sizing policies can resolve: vCPU, memory (GiB), SUSTAINED (baseline) network
 * bandwidth and, for types AWS lists as "Up to N Gigabit", the burst bandwidth; `burstableCpu` marks the
 * T families, whose vCPUs run at a baseline percentage unless they spend CPU credits.
 *
 * Source: AWS, "Amazon EC2 User Guide for Linux Instances", pages general-purpose-instances,
 * memory-optimized-instances and compute-optimized-instances (tables "Hardware specifications",
 * "Network performance" and the baseline/burst bandwidth table), and burstable-performance-instances
 * ("The EC2 burstable instances consist of T4g, T3a and T3 instance types, and the previous generation T2"),
 * as published in github.com/awsdocs/amazon-ec2-user-guide, doc_source/, commit
 * d289961421fa79447add68ca26e3ec5ae96fdf41 (2023-05-11), CC BY-SA 4.0. A copy is pinned in
 * test/fixtures/upstream/aws-ec2-user-guide-d289961/, and test/instanceTypes.spec.ts checks every row here
 * against it. Types that guide does not list (m7i, r7i, c7i, m7a, ... released later) are left out rather
 * than guessed: the policies refuse an unknown type and say how to add it (`extraInstanceTypes`).
 */
export interface InstanceSpec {
  vcpu: number;
  memoryGib: number;
  /** Sustained network bandwidth, Gbit/s (the baseline of an "up to" type). */
  baselineGbit: number;
  /** Burst bandwidth of an "Up to N Gigabit" type (network I/O credits, minutes at a time). Default: none (sustained). */
  burstGbit?: number;
  /** CPU credits: the vCPUs sustain only a baseline percentage (T2/T3/T3a/T4g). Default: false. */
  burstableCpu?: boolean;
}

/** Families whose CPU is burstable (credits), from the guide's burstable-performance-instances page. */
export const BURSTABLE_CPU_FAMILIES = ["t4g", "t3a", "t3", "t2"];

type Row = [vcpu: number, memoryGib: number, baselineGbit: number, burstGbit: number | null];

// prettier-ignore
const ROWS: Record<string, Row> = {
  // m5
  "m5.large": [2, 8, 0.75, 10],
  "m5.xlarge": [4, 16, 1.25, 10],
  "m5.2xlarge": [8, 32, 2.5, 10],
  "m5.4xlarge": [16, 64, 5, 10],
  "m5.8xlarge": [32, 128, 10, null],
  "m5.12xlarge": [48, 192, 12, null],
  "m5.16xlarge": [64, 256, 20, null],
  "m5.24xlarge": [96, 384, 25, null],
  // m5a
  "m5a.large": [2, 8, 0.75, 10],
  "m5a.xlarge": [4, 16, 1.25, 10],
  "m5a.2xlarge": [8, 32, 2.5, 10],
  "m5a.4xlarge": [16, 64, 5, 10],
  "m5a.8xlarge": [32, 128, 7.5, 10],
  "m5a.12xlarge": [48, 192, 10, null],
  "m5a.16xlarge": [64, 256, 12, null],
  "m5a.24xlarge": [96, 384, 20, null],
  // m6i
  "m6i.large": [2, 8, 0.781, 12.5],
  "m6i.xlarge": [4, 16, 1.562, 12.5],
  "m6i.2xlarge": [8, 32, 3.125, 12.5],
  "m6i.4xlarge": [16, 64, 6.25, 12.5],
  "m6i.8xlarge": [32, 128, 12.5, null],
  "m6i.12xlarge": [48, 192, 18.75, null],
  "m6i.16xlarge": [64, 256, 25, null],
  "m6i.24xlarge": [96, 384, 37.5, null],
  "m6i.32xlarge": [128, 512, 50, null],
  // m6a
  "m6a.large": [2, 8, 0.781, 12.5],
  "m6a.xlarge": [4, 16, 1.562, 12.5],
  "m6a.2xlarge": [8, 32, 3.125, 12.5],
  "m6a.4xlarge": [16, 64, 6.25, 12.5],
  "m6a.8xlarge": [32, 128, 12.5, null],
  "m6a.12xlarge": [48, 192, 18.75, null],
  "m6a.16xlarge": [64, 256, 25, null],
  "m6a.24xlarge": [96, 384, 37.5, null],
  "m6a.32xlarge": [128, 512, 50, null],
  "m6a.48xlarge": [192, 768, 50, null],
  // m6g
  "m6g.medium": [1, 4, 0.5, 10],
  "m6g.large": [2, 8, 0.75, 10],
  "m6g.xlarge": [4, 16, 1.25, 10],
  "m6g.2xlarge": [8, 32, 2.5, 10],
  "m6g.4xlarge": [16, 64, 5, 10],
  "m6g.8xlarge": [32, 128, 12, null],
  "m6g.12xlarge": [48, 192, 20, null],
  "m6g.16xlarge": [64, 256, 25, null],
  // m7g
  "m7g.medium": [1, 4, 0.52, 12.5],
  "m7g.large": [2, 8, 0.937, 12.5],
  "m7g.xlarge": [4, 16, 1.876, 12.5],
  "m7g.2xlarge": [8, 32, 3.75, 15],
  "m7g.4xlarge": [16, 64, 7.5, 15],
  "m7g.8xlarge": [32, 128, 15, null],
  "m7g.12xlarge": [48, 192, 22.5, null],
  "m7g.16xlarge": [64, 256, 30, null],
  // r5
  "r5.large": [2, 16, 0.75, 10],
  "r5.xlarge": [4, 32, 1.25, 10],
  "r5.2xlarge": [8, 64, 2.5, 10],
  "r5.4xlarge": [16, 128, 5, 10],
  "r5.8xlarge": [32, 256, 10, null],
  "r5.12xlarge": [48, 384, 12, null],
  "r5.16xlarge": [64, 512, 20, null],
  "r5.24xlarge": [96, 768, 25, null],
  // r5a
  "r5a.large": [2, 16, 0.75, 10],
  "r5a.xlarge": [4, 32, 1.25, 10],
  "r5a.2xlarge": [8, 64, 2.5, 10],
  "r5a.4xlarge": [16, 128, 5, 10],
  "r5a.8xlarge": [32, 256, 7.5, 10],
  "r5a.12xlarge": [48, 384, 10, null],
  "r5a.16xlarge": [64, 512, 12, null],
  "r5a.24xlarge": [96, 768, 20, null],
  // r6i
  "r6i.large": [2, 16, 0.781, 12.5],
  "r6i.xlarge": [4, 32, 1.562, 12.5],
  "r6i.2xlarge": [8, 64, 3.125, 12.5],
  "r6i.4xlarge": [16, 128, 6.25, 12.5],
  "r6i.8xlarge": [32, 256, 12.5, null],
  "r6i.12xlarge": [48, 384, 18.75, null],
  "r6i.16xlarge": [64, 512, 25, null],
  "r6i.24xlarge": [96, 768, 37.5, null],
  "r6i.32xlarge": [128, 1024, 50, null],
  // r6a
  "r6a.large": [2, 16, 0.781, 12.5],
  "r6a.xlarge": [4, 32, 1.562, 12.5],
  "r6a.2xlarge": [8, 64, 3.125, 12.5],
  "r6a.4xlarge": [16, 128, 6.25, 12.5],
  "r6a.8xlarge": [32, 256, 12.5, null],
  "r6a.12xlarge": [48, 384, 18.75, null],
  "r6a.16xlarge": [64, 512, 25, null],
  "r6a.24xlarge": [96, 768, 37.5, null],
  "r6a.32xlarge": [128, 1024, 50, null],
  "r6a.48xlarge": [192, 1536, 50, null],
  // r6g
  "r6g.medium": [1, 8, 0.5, 10],
  "r6g.large": [2, 16, 0.75, 10],
  "r6g.xlarge": [4, 32, 1.25, 10],
  "r6g.2xlarge": [8, 64, 2.5, 10],
  "r6g.4xlarge": [16, 128, 5, 10],
  "r6g.8xlarge": [32, 256, 12, null],
  "r6g.12xlarge": [48, 384, 20, null],
  "r6g.16xlarge": [64, 512, 25, null],
  // r7g
  "r7g.medium": [1, 8, 0.52, 12.5],
  "r7g.large": [2, 16, 0.937, 12.5],
  "r7g.xlarge": [4, 32, 1.876, 12.5],
  "r7g.2xlarge": [8, 64, 3.75, 15],
  "r7g.4xlarge": [16, 128, 7.5, 15],
  "r7g.8xlarge": [32, 256, 15, null],
  "r7g.12xlarge": [48, 384, 22.5, null],
  "r7g.16xlarge": [64, 512, 30, null],
  // c5
  "c5.large": [2, 4, 0.75, 10],
  "c5.xlarge": [4, 8, 1.25, 10],
  "c5.2xlarge": [8, 16, 2.5, 10],
  "c5.4xlarge": [16, 32, 5, 10],
  "c5.9xlarge": [36, 72, 12, null],
  "c5.12xlarge": [48, 96, 12, null],
  "c5.18xlarge": [72, 144, 25, null],
  "c5.24xlarge": [96, 192, 25, null],
  // c5a
  "c5a.large": [2, 4, 0.75, 10],
  "c5a.xlarge": [4, 8, 1.25, 10],
  "c5a.2xlarge": [8, 16, 2.5, 10],
  "c5a.4xlarge": [16, 32, 5, 10],
  "c5a.8xlarge": [32, 64, 10, null],
  "c5a.12xlarge": [48, 96, 12, null],
  "c5a.16xlarge": [64, 128, 20, null],
  "c5a.24xlarge": [96, 192, 20, null],
  // c6i
  "c6i.large": [2, 4, 0.781, 12.5],
  "c6i.xlarge": [4, 8, 1.562, 12.5],
  "c6i.2xlarge": [8, 16, 3.125, 12.5],
  "c6i.4xlarge": [16, 32, 6.25, 12.5],
  "c6i.8xlarge": [32, 64, 12.5, null],
  "c6i.12xlarge": [48, 96, 18.75, null],
  "c6i.16xlarge": [64, 128, 25, null],
  "c6i.24xlarge": [96, 192, 37.5, null],
  "c6i.32xlarge": [128, 256, 50, null],
  // c6a
  "c6a.large": [2, 4, 0.781, 12.5],
  "c6a.xlarge": [4, 8, 1.562, 12.5],
  "c6a.2xlarge": [8, 16, 3.125, 12.5],
  "c6a.4xlarge": [16, 32, 6.25, 12.5],
  "c6a.8xlarge": [32, 64, 12.5, null],
  "c6a.12xlarge": [48, 96, 18.75, null],
  "c6a.16xlarge": [64, 128, 25, null],
  "c6a.24xlarge": [96, 192, 37.5, null],
  "c6a.32xlarge": [128, 256, 50, null],
  "c6a.48xlarge": [192, 384, 50, null],
  // c6g
  "c6g.medium": [1, 2, 0.5, 10],
  "c6g.large": [2, 4, 0.75, 10],
  "c6g.xlarge": [4, 8, 1.25, 10],
  "c6g.2xlarge": [8, 16, 2.5, 10],
  "c6g.4xlarge": [16, 32, 5, 10],
  "c6g.8xlarge": [32, 64, 12, null],
  "c6g.12xlarge": [48, 96, 20, null],
  "c6g.16xlarge": [64, 128, 25, null],
  // c7g
  "c7g.medium": [1, 2, 0.52, 12.5],
  "c7g.large": [2, 4, 0.937, 12.5],
  "c7g.xlarge": [4, 8, 1.876, 12.5],
  "c7g.2xlarge": [8, 16, 3.75, 15],
  "c7g.4xlarge": [16, 32, 7.5, 15],
  "c7g.8xlarge": [32, 64, 15, null],
  "c7g.12xlarge": [48, 96, 22.5, null],
  "c7g.16xlarge": [64, 128, 30, null],
  // t3
  "t3.nano": [2, 0.5, 0.032, 5],
  "t3.micro": [2, 1, 0.064, 5],
  "t3.small": [2, 2, 0.128, 5],
  "t3.medium": [2, 4, 0.256, 5],
  "t3.large": [2, 8, 0.512, 5],
  "t3.xlarge": [4, 16, 1.024, 5],
  "t3.2xlarge": [8, 32, 2.048, 5],
  // t3a
  "t3a.nano": [2, 0.5, 0.032, 5],
  "t3a.micro": [2, 1, 0.064, 5],
  "t3a.small": [2, 2, 0.128, 5],
  "t3a.medium": [2, 4, 0.256, 5],
  "t3a.large": [2, 8, 0.512, 5],
  "t3a.xlarge": [4, 16, 1.024, 5],
  "t3a.2xlarge": [8, 32, 2.048, 5],
  // t4g
  "t4g.nano": [2, 0.5, 0.032, 5],
  "t4g.micro": [2, 1, 0.064, 5],
  "t4g.small": [2, 2, 0.128, 5],
  "t4g.medium": [2, 4, 0.256, 5],
  "t4g.large": [2, 8, 0.512, 5],
  "t4g.xlarge": [4, 16, 1.024, 5],
  "t4g.2xlarge": [8, 32, 2.048, 5],
};

function buildTable(): Record<string, InstanceSpec> {
  const t: Record<string, InstanceSpec> = {};
  for (const [type, [vcpu, memoryGib, baselineGbit, burstGbit]] of Object.entries(ROWS)) {
    const burstableCpu = BURSTABLE_CPU_FAMILIES.includes(type.split(".")[0]);
    t[type] = {
      vcpu,
      memoryGib,
      baselineGbit,
      ...(burstGbit !== null ? { burstGbit } : {}),
      ...(burstableCpu ? { burstableCpu } : {}),
    };
  }
  return t;
}

export const INSTANCE_TYPES: Readonly<Record<string, InstanceSpec>> = Object.freeze(buildTable());

/** Resolves a type from the table, then from `extra` (policy config). */
export function lookupInstanceType(type: string, extra: Record<string, InstanceSpec> = {}): InstanceSpec | undefined {
  return extra[type] ?? INSTANCE_TYPES[type];
}

/** Problems with a policy config's `extraInstanceTypes` entry (the shape above), or undefined. */
export function instanceSpecProblem(spec: unknown): string | undefined {
  const s = (spec ?? {}) as Record<string, unknown>;
  const bad = ["vcpu", "memoryGib", "baselineGbit"].filter((k) => !(typeof s[k] === "number" && (s[k] as number) > 0));
  if (s.burstGbit !== undefined && typeof s.burstGbit !== "number") bad.push("burstGbit");
  if (s.burstableCpu !== undefined && typeof s.burstableCpu !== "boolean") bad.push("burstableCpu");
  return bad.length
    ? `needs positive numbers vcpu, memoryGib and baselineGbit (the sustained bandwidth, not an "up to" figure), optional burstGbit and burstableCpu; wrong or missing: ${bad.join(", ")}`
    : undefined;
}

export function describeNetwork(s: InstanceSpec): string {
  return s.burstGbit !== undefined
    ? `${s.baselineGbit} Gbit baseline (bursts to ${s.burstGbit})`
    : `${s.baselineGbit} Gbit`;
}
