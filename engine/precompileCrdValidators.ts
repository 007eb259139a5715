/**
 * Build step (`npm run build`): copies engine/crds into dist/engine/crds and writes each CRD schema's
 * validator as standalone JavaScript beside it (`<key>.validate.js`, ajv's standalone code). Compiling the
 * Envoy Gateway schemas with ajv at plan time took most of a plan's CPU; loading the generated code is
 * cheap. engine/schemas.ts uses the generated validator when it is there and compiles the JSON otherwise
 * (ts-node runs from a checkout), with the same ajv options (CRD_AJV_OPTIONS), so both validate alike.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import standaloneCode from "ajv/dist/standalone";
import { CRD_AJV_OPTIONS } from "./schemas";

export function precompileCrdValidators(sourceDir: string, outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const file of fs.readdirSync(sourceDir).filter((f) => f.endsWith(".json"))) {
    fs.copyFileSync(path.join(sourceDir, file), path.join(outDir, file));
    const ajv = new Ajv({ ...CRD_AJV_OPTIONS, code: { source: true } });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(sourceDir, file), "utf8")));
    const out = path.join(outDir, file.replace(/\.json$/, ".validate.js"));
    fs.writeFileSync(out, standaloneCode(ajv, validate));
    written.push(out);
  }
  return written;
}

if (require.main === module) {
  const root = path.resolve(__dirname, "..", "..");
  const written = precompileCrdValidators(path.join(root, "engine", "crds"), path.join(__dirname, "crds"));
  console.log(`precompiled ${written.length} CRD validators into ${path.relative(root, path.join(__dirname, "crds"))}`);
}
