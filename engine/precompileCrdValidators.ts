/**
 * Build step (`npm run build`): copies engine/crds into dist/engine/crds and writes each CRD schema's
 * validator as standalone JavaScript beside it (`<key>.validate.js`, ajv's standalone code). Compiling the
 * Envoy Gateway schemas with ajv at plan time took most of a plan's CPU; loading the generated code is
 * cheap. engine/schemas.ts uses the generated validator when it is there and compiles the JSON otherwise
 * (ts-node runs from a checkout), with the same ajv options (CRD_AJV_OPTIONS), so both validate alike.
 * Each validator also gets its V8 code cache (`<key>.validate.cache`, see codeCache.ts): compiling the
 * generated code itself cost a plan about as much again.
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

export function precompileCrdValidators(sourceDir: string, outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const file of fs.readdirSync(sourceDir).filter((f) => f.endsWith(".json"))) {
    fs.copyFileSync(path.join(sourceDir, file), path.join(outDir, file));
    const ajv = new Ajv({ ...CRD_AJV_OPTIONS, code: { source: true } });
    const validate = ajv.compile(
      withoutDescriptions(JSON.parse(fs.readFileSync(path.join(sourceDir, file), "utf8"))) as object,
    );
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
