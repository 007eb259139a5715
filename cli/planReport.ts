/**
 * What `harbor-ha plan` reports: the JSON document (a stable, documented shape) and the human view.
 */
import { CapturedResource, PlanGraph, redact, showUnknowns, Violation } from "../engine";

export interface PlanDocument {
  project: string;
  stack: string;
  resources: {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    provider: string;
    inputs: unknown;
  }[];
  /** Resources read from the cluster or cloud, never created: they must exist before `pulumi up` (always written; optional in plans saved before it). */
  prerequisites?: { urn: string; type: string; id: string }[];
  outputs: unknown;
  violations: Violation[];
}

/** The plan as JSON data: every secret is `"[secret]"`, every value unknown in a preview `"[unknown]"`. */
export function planDocument(graph: PlanGraph, violations: Violation[]): PlanDocument {
  return {
    project: graph.project,
    stack: graph.stack,
    resources: graph.resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      custom: r.custom,
      parent: r.parent,
      provider: r.provider,
      inputs: showUnknowns(redact(r.inputs)),
    })),
    prerequisites: (graph.reads ?? []).map((r) => ({ urn: r.urn, type: r.type, id: r.id })),
    outputs: showUnknowns(redact(graph.outputs)),
    violations,
  };
}

/** The component tree, each component with the count of its direct resources by type. */
export function renderTree(graph: PlanGraph): string[] {
  const children = new Map<string, CapturedResource[]>();
  for (const r of graph.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const lines: string[] = [];
  const walk = (r: CapturedResource, depth: number) => {
    const kids = children.get(r.urn) ?? [];
    const components = kids.filter((k) => !k.custom);
    const counts = new Map<string, number>();
    for (const k of kids.filter((k) => k.custom)) counts.set(k.type, (counts.get(k.type) ?? 0) + 1);
    const summary = [...counts.entries()]
      .sort()
      .map(([t, n]) => `${n} ${t}`)
      .join(", ");
    lines.push(`${"  ".repeat(depth)}${r.type} "${r.name}"${summary ? `: ${summary}` : ""}`);
    for (const c of components) walk(c, depth + 1);
  };
  for (const root of graph.resources.filter((r) => r.parent === "")) walk(root, 0);
  return lines;
}

export function renderHuman(graph: PlanGraph, violations: Violation[], elapsedMs: number): string {
  const out: string[] = [];
  out.push(
    `Plan of stack "${graph.stack}" (project ${graph.project}), offline${graph.preview ? ", as a first preview (computed values [unknown])" : ""}`,
  );
  out.push("", "Resources:");
  out.push(...renderTree(graph).map((l) => `  ${l}`));
  if (graph.reads?.length) {
    // Read, not created: `pulumi up` stops early when one is missing.
    out.push("", "Prerequisites (read from the cluster, never created; must exist before `pulumi up`):");
    for (const r of graph.reads) {
      const waiting = graph.resources.filter((x) => x.dependencies.includes(r.urn)).length;
      const wait = waiting === 1 ? "1 resource waits" : `${waiting} resources wait`;
      out.push(`  ${r.type} "${r.id}"${waiting ? ` (${wait} for it)` : ""}`);
    }
  }
  out.push("", "Outputs:");
  const outputs = showUnknowns(redact(graph.outputs)) as Record<string, unknown>;
  for (const k of Object.keys(outputs).sort())
    out.push(`  ${k}: ${typeof outputs[k] === "string" ? outputs[k] : JSON.stringify(outputs[k])}`);
  if (graph.errors.length > 0) {
    out.push("", `Errors (${graph.errors.length}):`);
    for (const e of graph.errors) out.push(`  [${e.kind}] ${e.message}${e.urn ? `\n      at ${e.urn}` : ""}`);
  }
  out.push(
    "",
    `Policies: ${violations.length === 0 ? "no violations" : `${violations.length} violation${violations.length === 1 ? "" : "s"}`}`,
  );
  for (const v of violations)
    out.push(`  [${v.enforcementLevel}] ${v.policy}: ${v.message}${v.urn ? `\n      at ${v.urn}` : ""}`);
  const custom = graph.resources.filter((r) => r.custom).length;
  const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
  out.push(
    "",
    `Summary: ${graph.resources.length} resources (${custom} custom, ${graph.resources.length - custom} components), ${graph.errors.length} errors, ` +
      `${mandatory} mandatory / ${violations.length - mandatory} advisory policy violations, ${(elapsedMs / 1000).toFixed(2)} s`,
  );
  return out.join("\n");
}
