/**
 * Per-stack policy config: `policies/config/<stack>.json`, the file `pulumi preview --policy-pack policies
 * --policy-pack-config <file>` takes. `harbor-ha plan` loads the same file for `evaluatePolicies`, checked
 * against the policies' configSchemas so a typo fails loudly instead of silently keeping a default.
 */
import * as fs from "fs";
import * as path from "path";
import type { EnforcementLevel, Policy } from "@pulumi/policy";

export type PolicyPackConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/**
 * The folder of the stack policy configs, `policies/config`: beside this module in the sources, two levels
 * up from the compiled module (harbor-ha's `dist/policies/`, which the npm package ships with
 * `policies/config/`, and the pack's own `policies/dist/policies/`).
 */
function policyConfigDir(): string {
  const candidates = [
    path.join(__dirname, "config"),
    path.join(__dirname, "..", "..", "policies", "config"),
    path.join(__dirname, "..", "..", "config"),
  ];
  return candidates.find((c) => fs.existsSync(path.join(c, "prod.json"))) ?? candidates[0];
}

/** Path of a stack's policy config file. */
export function policyConfigPath(stack: string): string {
  return path.join(policyConfigDir(), `${stack}.json`);
}

interface PropertySchema {
  type?: string;
  minimum?: number;
  items?: { type?: string };
}

function typeOk(schema: PropertySchema | undefined, v: unknown): boolean {
  switch (schema?.type) {
    case "number":
      return typeof v === "number" && Number.isFinite(v) && (schema.minimum === undefined || v >= schema.minimum);
    case "integer":
      return Number.isInteger(v) && (schema.minimum === undefined || (v as number) >= schema.minimum);
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    case "array":
      return Array.isArray(v) && (schema.items?.type !== "string" || v.every((e) => typeof e === "string"));
    case "object":
      return !!v && typeof v === "object" && !Array.isArray(v);
    default:
      return true;
  }
}

/** Edit distance (case-insensitive) between two names, for "did you mean". */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    row = next;
  }
  return row[y.length];
}

/** `. Fix: did you mean "x"?` for the closest known name within a third of its length, else "". */
export function didYouMean(name: string, known: string[]): string {
  const best = known.map((k) => ({ k, d: distance(name, k) })).sort((a, b) => a.d - b.d || (a.k < b.k ? -1 : 1))[0];
  return best && best.d <= Math.max(2, Math.floor(best.k.length / 3)) ? `. Fix: did you mean "${best.k}"?` : "";
}

/** The pseudo-policy `all` of `--policy-pack-config`: sets every policy's level, nothing else. */
export const ALL_POLICIES = "all";

/**
 * Problems of a policy config against the policies' names and configSchemas (empty when valid). The
 * Pulumi CLI passes unknown policy names and settings through without a word, which would keep a
 * default in force silently; the pack refuses them (policies/index.ts) and so does `harbor-ha plan`.
 */
export function policyConfigProblems(config: unknown, policies: Policy[]): string[] {
  if (!config || typeof config !== "object" || Array.isArray(config))
    return ["the file must hold a JSON object: { <policy name>: <level> | { enforcementLevel?, <threshold>... } }"];
  const out: string[] = [];
  const byName = new Map(policies.map((p) => [p.name, p]));
  for (const [name, c] of Object.entries(config)) {
    if (name === ALL_POLICIES) {
      const level = typeof c === "string" ? c : (c as { enforcementLevel?: unknown } | null)?.enforcementLevel;
      const extra = c && typeof c === "object" ? Object.keys(c).filter((k) => k !== "enforcementLevel") : [];
      if (!LEVELS.includes(level as EnforcementLevel))
        out.push(`all: level ${JSON.stringify(level)} is not one of ${LEVELS.join(", ")}`);
      if (extra.length) out.push(`all takes an enforcement level only, not ${extra.join(", ")}`);
      continue;
    }
    const p = byName.get(name);
    if (!p) {
      out.push(
        `"${name}" is not a policy of the pack (known: ${[...byName.keys()].join(", ")})${didYouMean(name, [...byName.keys()])}`,
      );
      continue;
    }
    if (typeof c === "string") {
      if (!LEVELS.includes(c as EnforcementLevel)) out.push(`${name}: level "${c}" is not one of ${LEVELS.join(", ")}`);
      continue;
    }
    if (!c || typeof c !== "object" || Array.isArray(c)) {
      out.push(`${name}: must be an enforcement level or an object`);
      continue;
    }
    const props = (p.configSchema?.properties ?? {}) as Record<string, PropertySchema>;
    for (const [k, v] of Object.entries(c)) {
      if (k === "enforcementLevel") {
        if (!LEVELS.includes(v as EnforcementLevel))
          out.push(`${name}.enforcementLevel: "${v}" is not one of ${LEVELS.join(", ")}`);
      } else if (!(k in props)) {
        out.push(
          `${name}.${k} is not a setting of the policy (settings: ${Object.keys(props).join(", ") || "none"})${didYouMean(k, Object.keys(props))}`,
        );
      } else if (!typeOk(props[k], v)) {
        out.push(`${name}.${k}: ${JSON.stringify(v)} does not match ${JSON.stringify(props[k])}`);
      }
    }
  }
  return out;
}

/**
 * Loads and checks a stack's policy config (`file`, else policies/config/<stack>.json). Returns undefined
 * when the stack has no file and none was named (the policies' own levels and defaults apply).
 */
export function loadPolicyConfig(stack: string, policies: Policy[], file?: string): PolicyPackConfig | undefined {
  const f = file ?? policyConfigPath(stack);
  if (!fs.existsSync(f)) {
    if (file) throw new Error(`policy config file ${file} does not exist`);
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(f, "utf8"));
  } catch (e) {
    throw new Error(`policy config ${f} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const problems = policyConfigProblems(doc, policies);
  if (problems.length) throw new Error(`policy config ${f} is invalid:\n  - ${problems.join("\n  - ")}`);
  return doc as PolicyPackConfig;
}
