/**
 * `harbor-ha diff <a> <b>`: each side a stack name, a stack config file (Pulumi.<stack>.yaml) or a
 * saved `plan --json` file. Exit codes: 0 equal, 3 different, 1 bad input.
 */
import * as fs from "fs";
import * as path from "path";
import { canonicalJson } from "./canonicalJson";
import { diffPlans, isEmptyDiff, renderDiffMarkdown, renderDiffText } from "./diffPlans";
import { CliInputError, describeFsError } from "./fileErrors";
import { isInputError, plan, PlanResult } from "./plan";
import { planDocument, PlanDocument } from "./planReport";

export const EXIT_SAME = 0;
export const EXIT_DIFFERENT = 3;

const PLAN_FIX = "pass a file written by `harbor-ha plan <stack> --json`, a Pulumi.<stack>.yaml or a stack name";

/** The problems of a parsed `plan --json` document, each with its JSON path; empty when the shape is right. */
export function planDocumentProblems(doc: unknown): string[] {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
  const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "a list" : typeof v);
  if (!isObject(doc)) return [`the document is ${kind(doc)}, not an object`];
  for (const k of ["project", "stack"] as const)
    if (typeof doc[k] !== "string")
      problems.push(doc[k] === undefined ? `"${k}" is missing (a string)` : `"${k}" is ${kind(doc[k])}, not a string`);
  const fields: Record<string, Record<string, string>> = {
    resources: {
      urn: "string",
      type: "string",
      name: "string",
      custom: "boolean",
      parent: "string",
      provider: "string",
    },
    violations: { policy: "string", enforcementLevel: "string", urn: "string", message: "string" },
  };
  for (const [list, shape] of Object.entries(fields)) {
    const items = doc[list];
    if (!Array.isArray(items)) {
      problems.push(`"${list}" is ${items === undefined ? "missing" : kind(items)}, not a list`);
      continue;
    }
    items.forEach((item: unknown, i) => {
      if (!isObject(item)) {
        problems.push(`${list}[${i}] is ${kind(item)}, not an object`);
        return;
      }
      for (const [field, type] of Object.entries(shape))
        if (item[field] === undefined) problems.push(`${list}[${i}].${field} is missing (a ${type})`);
        else if (typeof item[field] !== type)
          problems.push(`${list}[${i}].${field} is ${kind(item[field])}, not a ${type}`);
    });
  }
  return problems;
}

/** A saved `plan --json` file, or one error naming the file: unreadable, not JSON, or the wrong shape. */
export function readPlanFile(file: string): PlanDocument {
  let bytes: Buffer;
  try {
    if (fs.statSync(file).isDirectory())
      throw new CliInputError(`${file}: a directory, not a plan file. Fix: ${PLAN_FIX}.`);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof CliInputError) throw e;
    throw new CliInputError(`${file}: cannot be read (${describeFsError(file, e)}). Fix: ${PLAN_FIX}.`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = "\0";
  }
  if (text.includes("\0")) throw new CliInputError(`${file}: binary data, not a JSON plan. Fix: ${PLAN_FIX}.`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const why = text.trim() === "" ? "the file is empty" : (e as Error).message.split("\n")[0];
    throw new CliInputError(`${file}: not valid JSON (${why}; a plan cut short?). Fix: ${PLAN_FIX}.`);
  }
  const problems = planDocumentProblems(doc);
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join("; ") + (problems.length > 3 ? `; and ${problems.length - 3} more` : "");
    throw new CliInputError(`${file}: not a \`harbor-ha plan --json\` document: ${shown}. Fix: ${PLAN_FIX}.`);
  }
  return doc as PlanDocument;
}

/** Loads one side of a diff. Stack runs are sequential (the engine runs one program at a time). */
export async function loadSide(spec: string, stackOverride?: string): Promise<PlanDocument> {
  const yaml = /\.ya?ml$/.test(spec);
  // A path that is not a stack config is a saved plan, whatever its name, so that its errors name the file. (A bare
  // name that is a directory stays a stack name: `plan prod --out prod` must not shadow the stack.)
  const isFile = () => fs.existsSync(spec) && !fs.statSync(spec).isDirectory();
  if (spec.endsWith(".json") || (!yaml && (spec.includes("/") || spec.includes(path.sep) || isFile())))
    return readPlanFile(spec);
  if (yaml) {
    const stack = stackOverride ?? /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(spec))?.[1];
    if (!stack)
      throw new CliInputError(`cannot tell the stack of ${spec}: name it Pulumi.<stack>.yaml or pass --stack`);
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
