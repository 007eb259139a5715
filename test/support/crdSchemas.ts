/**
 * CustomResourceDefinition -> JSON Schema of the whole object, as engine/schemas.ts validates custom
 * resources (engine/crds/<group>_<version>_<kind>.json). The CRD's `openAPIV3Schema` is used as-is except:
 * - objects with `properties` and no `x-kubernetes-preserve-unknown-fields` get `additionalProperties: false`:
 *   the API server prunes unknown fields silently, so a misspelt field would vanish instead of failing;
 * - `format` keywords are dropped (ajv knows none of Kubernetes' formats: int32, duration, ...);
 * - Go's case-insensitive flag `(?i)` in a `pattern` (JavaScript has no inline flags) becomes `[aA]` classes.
 * CEL rules (`x-kubernetes-validations`) stay in the file but are not evaluated.
 */
import { parseAllDocuments } from "yaml";

type Schema = Record<string, any>;

/** `(?i)abc` (Go RE2) -> `[aA][bB][cC]`: the same language without an inline flag. */
function caseInsensitivePattern(p: string): string {
  if (!p.includes("(?i)")) return p;
  let out = "";
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (p.startsWith("(?i)", i)) {
      i += 3;
      continue;
    }
    if (c === "\\") {
      out += c + (p[++i] ?? "");
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    const letter = /[a-z]/i.test(c);
    out += letter ? (inClass ? c.toLowerCase() + c.toUpperCase() : `[${c.toLowerCase()}${c.toUpperCase()}]`) : c;
  }
  return out;
}

function convert(s: Schema): Schema {
  if (!s || typeof s !== "object") return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "format") continue;
    if (k === "pattern" && typeof v === "string") {
      out[k] = caseInsensitivePattern(v);
      continue;
    }
    if (k === "properties") out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, c]) => [p, convert(c)]));
    else if (k === "items" || k === "not" || (k === "additionalProperties" && typeof v === "object"))
      out[k] = convert(v);
    else if (k === "anyOf" || k === "allOf" || k === "oneOf") out[k] = (v as Schema[]).map(convert);
    else out[k] = v;
  }
  if (out.properties && !out["x-kubernetes-preserve-unknown-fields"] && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

/**
 * Every object has apiVersion, kind and metadata, whether the CRD's schema lists them or not (policy-controller's
 * lists only spec and status): added where absent, or `additionalProperties: false` would refuse them.
 */
function withObjectMeta(s: Schema): Schema {
  if (!s.properties) return s;
  const implied = { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" } };
  return { ...s, properties: { ...implied, ...s.properties } };
}

/** `<group>_<version>_<kind>.json` -> schema, for every served version of the wanted kinds in a CRD file. */
export function crdJsonSchemas(yamlText: string, kinds: string[]): Map<string, Schema> {
  const out = new Map<string, Schema>();
  for (const doc of parseAllDocuments(yamlText)) {
    const crd = doc.toJS() as Schema | null;
    if (crd?.kind !== "CustomResourceDefinition" || !kinds.includes(crd.spec.names.kind)) continue;
    for (const v of crd.spec.versions) {
      if (!v.served) continue;
      out.set(
        `${crd.spec.group}_${v.name}_${crd.spec.names.kind}.json`,
        withObjectMeta(convert(v.schema.openAPIV3Schema)),
      );
    }
  }
  return out;
}
