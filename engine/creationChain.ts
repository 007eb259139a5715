/**
 * The longest chain of resources `pulumi up` must create one after another.
 *
 * Pulumi creates a custom resource once everything it depends on exists: its explicit `dependsOn`,
 * every resource whose outputs feed its inputs, its explicit provider, and its parent when that parent
 * is a custom resource (the SDK awaits the parent's URN, known only once the parent exists). Depending
 * on a component means depending on every custom resource below it. Components themselves cost nothing. The chain's
 * length is the number of custom resources on the longest such path: a lower bound on the number of
 * sequential provider round-trips of a first `pulumi up`.
 */
import { CapturedResource, PlanGraph } from "./graph";

export interface CreationChain {
  length: number;
  /** The URNs on one longest chain, first created first. */
  urns: string[];
}

export function longestCreationChain(graph: PlanGraph): CreationChain {
  const byUrn = new Map(graph.resources.map((r) => [r.urn, r]));
  const children = new Map<string, CapturedResource[]>();
  for (const r of graph.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const customBelow = (urn: string): string[] =>
    (children.get(urn) ?? []).flatMap((c) => (c.custom ? [c.urn, ...customBelow(c.urn)] : customBelow(c.urn)));
  const prerequisites = (r: CapturedResource): string[] => {
    const parent = byUrn.get(r.parent);
    const deps = [...r.dependencies, ...(r.provider ? [r.provider] : []), ...(parent?.custom ? [parent.urn] : [])];
    return deps.flatMap((d) => {
      const dep = byUrn.get(d);
      if (!dep) return [];
      return dep.custom ? [d] : customBelow(d);
    });
  };
  const memo = new Map<string, CreationChain>();
  const visiting = new Set<string>();
  const chainTo = (urn: string): CreationChain => {
    const known = memo.get(urn);
    if (known) return known;
    if (visiting.has(urn)) throw new Error(`dependency cycle through ${urn}`);
    visiting.add(urn);
    let best: CreationChain = { length: 0, urns: [] };
    for (const p of prerequisites(byUrn.get(urn)!)) {
      const c = chainTo(p);
      if (c.length > best.length) best = c;
    }
    visiting.delete(urn);
    const result = { length: best.length + 1, urns: [...best.urns, urn] };
    memo.set(urn, result);
    return result;
  };
  let longest: CreationChain = { length: 0, urns: [] };
  for (const r of graph.resources) {
    if (!r.custom) continue;
    const c = chainTo(r.urn);
    if (c.length > longest.length) longest = c;
  }
  return longest;
}
