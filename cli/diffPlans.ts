/**
 * Compares two plan documents: resources added / removed / changed (with the changed input paths),
 * changed stack outputs, and policy verdicts that appeared or disappeared. Pure: documents in, diff out.
 *
 * Resources are matched by URN with the stack segment normalised (`urn:pulumi:<stack>::...`), so the
 * same resource in dev and prod is one resource that changed, not one removed and one added.
 */
import { PlanDocument } from "./planReport";
import { Violation } from "../engine";

export interface ValueChange {
  path: string;
  old: unknown;
  new: unknown;
}

export interface ResourceChange {
  urn: string;
  type: string;
  changes: ValueChange[];
}

export interface PlanDiff {
  a: string;
  b: string;
  /** See {@link URN_MATCHING}. */
  matching: string;
  added: { urn: string; type: string }[];
  removed: { urn: string; type: string }[];
  changed: ResourceChange[];
  outputs: ValueChange[];
  violationsAdded: Violation[];
  violationsRemoved: Violation[];
}

export const MISSING = "(absent)";

/** How resources of the two sides are paired; printed with every diff so readers know. */
export const URN_MATCHING =
  "resources matched by URN with the stack segment normalised (urn:pulumi:<stack>::… and the root pulumi:pulumi:Stack::<project>-<stack> compare as *)";

/**
 * `urn:pulumi:prod::harbor-ha::...` -> `urn:pulumi:*::harbor-ha::...`; the root stack resource's own
 * name (`<project>-<stack>`) is normalised too, since every top-level resource's parent is that URN.
 */
export function normaliseUrn(urn: string): string {
  const m = /^urn:pulumi:([^:]+)::([^:]+)::(.*)$/.exec(urn);
  if (!m) return urn;
  const [, stack, project, rest] = m;
  const root = `pulumi:pulumi:Stack::${project}-${stack}`;
  return `urn:pulumi:*::${project}::${rest === root ? `pulumi:pulumi:Stack::${project}-*` : rest}`;
}

/** Leaf paths whose values differ between `a` and `b` (arrays by index, objects by key; odd keys quoted). */
export function valueChanges(a: unknown, b: unknown, path = ""): ValueChange[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const bothObjects = a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects)
    return [{ path: path || "(root)", old: a === undefined ? MISSING : a, new: b === undefined ? MISSING : b }];
  const keys = Array.isArray(a)
    ? Array.from({ length: Math.max(a.length, (b as unknown[]).length) }, (_, i) => i)
    : [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
  return keys.flatMap((k) => {
    // Keys that are not plain identifiers (annotation keys with dots and slashes) are quoted: a["x.y/z"].
    const sub =
      typeof k === "number"
        ? `${path}[${k}]`
        : /^[A-Za-z_$][\w$-]*$/.test(k)
          ? path
            ? `${path}.${k}`
            : k
          : `${path}[${JSON.stringify(k)}]`;
    const at = (v: unknown) => (v as Record<string | number, unknown>)[k];
    return valueChanges(at(a), at(b), sub);
  });
}

function violationKey(v: Violation): string {
  return `${v.policy}\u0000${v.enforcementLevel}\u0000${normaliseUrn(v.urn)}\u0000${v.message}`;
}

export function diffPlans(a: PlanDocument, b: PlanDocument, labels: { a: string; b: string }): PlanDiff {
  const byUrn = (doc: PlanDocument) => new Map(doc.resources.map((r) => [normaliseUrn(r.urn), r]));
  const ra = byUrn(a);
  const rb = byUrn(b);
  const added = [...rb.keys()]
    .filter((u) => !ra.has(u))
    .sort()
    .map((u) => ({ urn: u, type: rb.get(u)!.type }));
  const removed = [...ra.keys()]
    .filter((u) => !rb.has(u))
    .sort()
    .map((u) => ({ urn: u, type: ra.get(u)!.type }));
  const changed: ResourceChange[] = [];
  for (const urn of [...ra.keys()].filter((u) => rb.has(u)).sort()) {
    const x = ra.get(urn)!;
    const y = rb.get(urn)!;
    const shape = (r: typeof x) => ({
      custom: r.custom,
      parent: normaliseUrn(r.parent),
      provider: normaliseUrn(r.provider),
      inputs: r.inputs,
    });
    const changes = valueChanges(shape(x), shape(y)).map((c) => ({
      ...c,
      path: c.path.replace(/^inputs\.?/, "") || "(inputs)",
    }));
    if (changes.length > 0) changed.push({ urn, type: x.type, changes });
  }
  const va = new Map(a.violations.map((v) => [violationKey(v), v]));
  const vb = new Map(b.violations.map((v) => [violationKey(v), v]));
  return {
    a: labels.a,
    b: labels.b,
    matching: URN_MATCHING,
    added,
    removed,
    changed,
    outputs: valueChanges(a.outputs, b.outputs),
    violationsAdded: [...vb.keys()]
      .filter((k) => !va.has(k))
      .sort()
      .map((k) => vb.get(k)!),
    violationsRemoved: [...va.keys()]
      .filter((k) => !vb.has(k))
      .sort()
      .map((k) => va.get(k)!),
  };
}

export function isEmptyDiff(d: PlanDiff): boolean {
  return (
    d.added.length +
      d.removed.length +
      d.changed.length +
      d.outputs.length +
      d.violationsAdded.length +
      d.violationsRemoved.length ===
    0
  );
}

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

export function renderDiffText(d: PlanDiff): string {
  const out: string[] = [
    `Diff ${d.a} -> ${d.b}: ${isEmptyDiff(d) ? "no differences" : `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`}`,
    `(${d.matching})`,
  ];
  for (const r of d.added) out.push(`+ ${r.type}  ${r.urn}`);
  for (const r of d.removed) out.push(`- ${r.type}  ${r.urn}`);
  for (const r of d.changed) {
    out.push(`~ ${r.type}  ${r.urn}`);
    for (const c of r.changes) out.push(`    ${c.path}: ${show(c.old)} => ${show(c.new)}`);
  }
  if (d.outputs.length)
    out.push("Outputs:", ...d.outputs.map((c) => `  ~ ${c.path}: ${show(c.old)} => ${show(c.new)}`));
  if (d.violationsAdded.length || d.violationsRemoved.length) out.push("Policy verdicts:");
  for (const v of d.violationsAdded) out.push(`  + [${v.enforcementLevel}] ${v.policy}: ${v.message}`);
  for (const v of d.violationsRemoved) out.push(`  - [${v.enforcementLevel}] ${v.policy}: ${v.message}`);
  return out.join("\n");
}

const cell = (v: unknown) => "`" + show(v).replace(/`/g, "'").replace(/\|/g, "\\|").slice(0, 200) + "`";

/** GitHub refuses PR comments over 65536 characters; keep a margin for the truncation note. */
export const MARKDOWN_LIMIT = 60000;

export function renderDiffMarkdown(d: PlanDiff): string {
  const out: string[] = [`### harbor-ha plan diff: \`${d.a}\` → \`${d.b}\``, "", `<sub>${d.matching}</sub>`, ""];
  if (isEmptyDiff(d)) return [...out, "No differences."].join("\n");
  out.push(`**${d.added.length}** added, **${d.removed.length}** removed, **${d.changed.length}** changed`, "");
  // Verdicts first: they matter most, and a long diff is truncated at the end.
  if (d.violationsAdded.length || d.violationsRemoved.length) {
    out.push("**Policy verdicts**", "");
    for (const v of d.violationsAdded) out.push(`- 🆕 **${v.enforcementLevel}** \`${v.policy}\`: ${v.message}`);
    for (const v of d.violationsRemoved)
      out.push(`- ✅ resolved **${v.enforcementLevel}** \`${v.policy}\`: ${v.message}`);
    out.push("");
  }
  if (d.added.length || d.removed.length) {
    out.push("| | type | resource |", "| --- | --- | --- |");
    for (const r of d.added) out.push(`| ➕ | \`${r.type}\` | \`${r.urn.split("::").pop()}\` |`);
    for (const r of d.removed) out.push(`| ➖ | \`${r.type}\` | \`${r.urn.split("::").pop()}\` |`);
    out.push("");
  }
  for (const r of d.changed) {
    out.push(
      `<details><summary>~ <code>${r.type}</code> <code>${r.urn.split("::").pop()}</code> (${r.changes.length} change${r.changes.length === 1 ? "" : "s"})</summary>`,
      "",
      "| path | old | new |",
      "| --- | --- | --- |",
    );
    for (const c of r.changes) out.push(`| \`${c.path}\` | ${cell(c.old)} | ${cell(c.new)} |`);
    out.push("", "</details>");
  }
  if (d.outputs.length)
    out.push(
      "",
      "**Outputs**",
      "",
      "| output | old | new |",
      "| --- | --- | --- |",
      ...d.outputs.map((c) => `| \`${c.path}\` | ${cell(c.old)} | ${cell(c.new)} |`),
    );
  return truncateMarkdown(out, d);
}

/** Whole lines up to {@link MARKDOWN_LIMIT} characters, then a note (and any open <details> closed). */
function truncateMarkdown(lines: string[], d: PlanDiff): string {
  const text = lines.join("\n");
  if (text.length <= MARKDOWN_LIMIT) return text;
  const kept: string[] = [];
  let size = 0;
  for (const l of lines) {
    if (size + l.length + 1 > MARKDOWN_LIMIT) break;
    kept.push(l);
    size += l.length + 1;
  }
  const open = kept.filter((l) => l.startsWith("<details>")).length - kept.filter((l) => l === "</details>").length;
  if (open > 0) kept.push("", "</details>");
  kept.push(
    "",
    `_Truncated: the full diff has ${text.length} characters; run \`harbor-ha diff ${d.a} ${d.b}\` locally or use \`--json\`._`,
  );
  return kept.join("\n");
}
