/**
 * `harbor-ha diff <a> <b>`: each side a stack name, a stack config file (Pulumi.<stack>.yaml) or a
 * saved `plan --json` file. Exit codes: 0 equal, 3 different, 1 bad input.
 */
import * as fs from "fs";
import * as path from "path";
import { canonicalJson } from "./canonicalJson";
import { diffPlans, isEmptyDiff, renderDiffMarkdown, renderDiffText } from "./diffPlans";
import { isInputError, plan, PlanResult } from "./plan";
import { planDocument, PlanDocument } from "./planReport";

export const EXIT_SAME = 0;
export const EXIT_DIFFERENT = 3;

/** Loads one side of a diff. Stack runs are sequential (the engine runs one program at a time). */
export async function loadSide(spec: string, stackOverride?: string): Promise<PlanDocument> {
  if (spec.endsWith(".json")) {
    const doc = JSON.parse(fs.readFileSync(spec, "utf8"));
    if (!doc || !Array.isArray(doc.resources) || !Array.isArray(doc.violations))
      throw new Error(`${spec} is not a \`harbor-ha plan --json\` document`);
    return doc;
  }
  if (/\.ya?ml$/.test(spec)) {
    const stack = stackOverride ?? /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(spec))?.[1];
    if (!stack) throw new Error(`cannot tell the stack of ${spec}: name it Pulumi.<stack>.yaml or pass --stack`);
    return documentOf(spec, await plan(stack, { configFile: spec }));
  }
  return documentOf(spec, await plan(spec));
}

/** The plan's document; invalid objects are not part of it, so say on stderr that this side has some. */
function documentOf(spec: string, r: PlanResult): PlanDocument {
  if (r.graph.errors.length > 0)
    process.stderr.write(
      `warning: ${spec} plans with ${r.graph.errors.length} error(s); run \`harbor-ha plan\` on it for details\n`,
    );
  return planDocument(r.graph, r.violations);
}

export async function diffCommand(
  a: string,
  b: string,
  flags: { json?: boolean; markdown?: boolean; stack?: string },
): Promise<number> {
  let docs: PlanDocument[];
  try {
    docs = [await loadSide(a, flags.stack), await loadSide(b, flags.stack)];
  } catch (e) {
    process.stderr.write(`${isInputError(e) ? e.message : `diff failed: ${(e as Error).message}`}\n`);
    return 1;
  }
  const d = diffPlans(docs[0], docs[1], { a, b });
  process.stdout.write(
    (flags.json ? canonicalJson(d) : flags.markdown ? renderDiffMarkdown(d) : renderDiffText(d)) + "\n",
  );
  return isEmptyDiff(d) ? EXIT_SAME : EXIT_DIFFERENT;
}
