/**
 * Reads the EC2 User Guide's instance-type tables (awsdocs/amazon-ec2-user-guide, pinned under
 * test/fixtures/upstream/aws-ec2-user-guide-d289961/): vCPU and memory from "Hardware specifications",
 * network from "Network performance" and, for types marked †, baseline and burst bandwidth from the
 * "baseline and burst bandwidth" table. The policy pack's instance table must agree with these rows.
 */
import * as fs from "fs";
import * as path from "path";

export const EC2_GUIDE_DIR = path.join(__dirname, "..", "fixtures", "upstream", "aws-ec2-user-guide-d289961");
export const EC2_GUIDE_FILES = [
  "general-purpose-instances",
  "memory-optimized-instances",
  "compute-optimized-instances",
];

export interface GuideRow {
  vcpu: number;
  memoryGib: number;
  /** Sustained bandwidth, Gbit/s. */
  baselineGbit: number;
  /** Burst bandwidth for "up to" types, Gbit/s. */
  burstGbit?: number;
}

const unescape = (s: string) => s.replace(/\\(.)/g, "$1").trim();

/** Rows of every markdown table that follows a header line containing `header`. */
function tableAfter(md: string, header: RegExp): string[][] {
  const lines = md.split("\n");
  const out: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!header.test(lines[i])) continue;
    for (let j = i + 2; j < lines.length && lines[j].startsWith("|"); j++)
      out.push(
        lines[j]
          .split("|")
          .slice(1, -1)
          .map((c) => unescape(c)),
      );
  }
  return out;
}

/** Every instance type the three guides list in all tables it needs, by name. */
export function readEc2Guide(dir = EC2_GUIDE_DIR): Record<string, GuideRow> {
  const hw: Record<string, [number, number]> = {};
  const net: Record<string, string> = {};
  const burst: Record<string, [number, number]> = {};
  for (const f of EC2_GUIDE_FILES) {
    const md = fs.readFileSync(path.join(dir, `${f}.md`), "utf8");
    for (const [t, v, m] of tableAfter(md, /^\| Instance type \| Default vCPUs \| Memory/))
      hw[t] = [Number(v), Number(m)];
    for (const [t, n] of tableAfter(md, /^\| Instance type \| Network performance \|/)) net[t.replace(/\s*†$/, "")] = n;
    for (const [t, b, u] of tableAfter(md, /^\| Instance type \| Baseline bandwidth/))
      burst[t] = [Number(b), Number(u)];
  }
  const out: Record<string, GuideRow> = {};
  for (const [t, [vcpu, memoryGib]] of Object.entries(hw)) {
    const n = net[t];
    if (!n) continue;
    if (burst[t]) out[t] = { vcpu, memoryGib, baselineGbit: burst[t][0], burstGbit: burst[t][1] };
    else {
      const m = /^(\d+(?:\.\d+)?) Gigabit$/.exec(n);
      if (m) out[t] = { vcpu, memoryGib, baselineGbit: Number(m[1]) };
    }
  }
  return out;
}

/** Burstable-CPU families, from burstable-performance-instances.md ("consist of T4g, T3a and T3 ... T2"). */
export function readBurstableFamilies(dir = EC2_GUIDE_DIR): string[] {
  const md = fs.readFileSync(path.join(dir, "burstable-performance-instances.md"), "utf8");
  const line = md.split("\n").find((l) => /burstable instances consist of/.test(l)) ?? "";
  return [...line.matchAll(/\b(T\d[a-z]*)\b/g)].map((m) => m[1].toLowerCase());
}
