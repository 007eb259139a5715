/**
 * Build step (`npm run build`): copies engine/crds into dist/engine/crds and writes each CRD schema's
 * validator as standalone JavaScript beside it (`<key>.validate.js`, ajv's standalone code). Compiling the
 * Envoy Gateway schemas with ajv at plan time took most of a plan's CPU; loading the generated code is
 * cheap. engine/schemas.ts uses the generated validator when it is there and compiles the JSON otherwise
 * (ts-node runs from a checkout), with the same ajv options (CRD_AJV_OPTIONS), so both validate alike.
 * Each validator also gets its V8 code cache (`<key>.validate.cache`, see codeCache.ts): compiling the
 * generated code itself cost a plan about as much again. The schema is compiled without its descriptions
 * and with its nested objects as definitions of their own (see {@link withNestedObjectsAsDefinitions}).
 */
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import standaloneCode from "ajv/dist/standalone";
import { writeCodeCache } from "./codeCache";
import { CRD_AJV_OPTIONS, CRD_CODE_CACHE_SUFFIX } from "./schemas";

/** Keywords whose value is data, not a subschema: left as they are. */
const DATA_KEYWORDS = new Set(["enum", "const", "default", "example", "examples"]);

/**
 * The schema without its `description` annotations, which validation never reads: the generated module
 * embeds the schema, and the CRDs' prose was most of it (Envoy's EnvoyProxy: 0.45 of 0.65 MB).
 */
export function withoutDescriptions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDescriptions);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    // A string `description` is the annotation; a property named "description" holds a schema object.
    if (k === "description" && typeof v === "string") continue;
    out[k] = DATA_KEYWORDS.has(k) ? v : withoutDescriptions(v);
  }
  return out;
}

/** Keywords whose value maps names to subschemas, holds one subschema, or a list of them. */
const SCHEMA_MAPS = ["properties", "patternProperties"];
const ONE_SCHEMA = ["items", "additionalProperties", "not"];
const SCHEMA_LISTS = ["allOf", "anyOf", "oneOf", "items"];

/**
 * The same schema with each object schema below the top two levels moved to `definitions` and referenced
 * there (`$ref`). ajv compiles a referenced schema into a function of its own (inlineRefs: false), where
 * it would otherwise inline all of them into one function of megabytes; V8 then compiles only the
 * functions a plan's objects reach, and the code cache holds only those. The checks and their errors'
 * instancePath, keyword and message are the same (only schemaPath, which the engine does not show, moves).
 * CRD schemas have no `$ref` or `definitions` of their own (Kubernetes' structural schemas forbid them).
 */
export function withNestedObjectsAsDefinitions(schema: Record<string, unknown>): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  const visit = (s: unknown, depth: number): unknown => {
    if (!s || typeof s !== "object" || Array.isArray(s)) return s;
    const out: Record<string, unknown> = { ...(s as Record<string, unknown>) };
    for (const k of SCHEMA_MAPS)
      if (out[k] && typeof out[k] === "object")
        out[k] = Object.fromEntries(Object.entries(out[k] as object).map(([n, v]) => [n, sub(v, depth + 1)]));
    for (const k of ONE_SCHEMA)
      if (out[k] && typeof out[k] === "object" && !Array.isArray(out[k])) out[k] = sub(out[k], depth + 1);
    for (const k of SCHEMA_LISTS)
      if (Array.isArray(out[k])) out[k] = (out[k] as unknown[]).map((v) => sub(v, depth + 1));
    return out;
  };
  const sub = (s: unknown, depth: number): unknown => {
    const v = visit(s, depth);
    if (depth < 2 || !v || typeof v !== "object" || !("properties" in v)) return v;
    const name = `o${Object.keys(definitions).length}`;
    definitions[name] = v;
    return { $ref: `#/definitions/${name}` };
  };
  const root = visit(schema, 0) as Record<string, unknown>;
  return Object.keys(definitions).length ? { ...root, definitions } : root;
}

export function precompileCrdValidators(sourceDir: string, outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const file of fs.readdirSync(sourceDir).filter((f) => f.endsWith(".json"))) {
    fs.copyFileSync(path.join(sourceDir, file), path.join(outDir, file));
    const ajv = new Ajv({ ...CRD_AJV_OPTIONS, inlineRefs: false, code: { source: true } });
    const schema = withoutDescriptions(JSON.parse(fs.readFileSync(path.join(sourceDir, file), "utf8")));
    const validate = ajv.compile(withNestedObjectsAsDefinitions(schema as Record<string, unknown>));
    const out = path.join(outDir, file.replace(/\.json$/, ".validate.js"));
    fs.writeFileSync(out, standaloneCode(ajv, validate));
    // One call compiles the validator's function, so that the cache holds its bytecode.
    writeCodeCache(out, out.replace(/\.js$/, CRD_CODE_CACHE_SUFFIX), (m) =>
      (m as { default: (d: unknown) => unknown }).default({}),
    );
    written.push(out);
  }
  return written;
}

if (require.main === module) {
  const root = path.resolve(__dirname, "..", "..");
  const written = precompileCrdValidators(path.join(root, "engine", "crds"), path.join(__dirname, "crds"));
  console.log(`precompiled ${written.length} CRD validators into ${path.relative(root, path.join(__dirname, "crds"))}`);
}
