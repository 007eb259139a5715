/**
 * Validates every Kubernetes object in a captured graph against real schemas: kubernetes-models for
 * built-in kinds, @kubernetes-models/cert-manager for cert-manager, and a CRD's own OpenAPI schema
 * (engine/crds/*.json, validated with ajv) for any other custom resource we create.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import { loadWithCodeCache } from "./codeCache";
import { CapturedResource, PlanError, UNKNOWN, unknownPaths } from "./graph";
import { unwrapSecrets } from "./secrets";

// In a checkout the sources' engine/crds/ (from dist/engine/ too: a dist/ rebuilt by tsc alone keeps an old
// copy of the schemas, without a CRD added since); an installed package has only its dist/engine/crds/.
const CRD_DIR =
  [path.join(__dirname, "..", "..", "engine", "crds"), path.join(__dirname, "crds")].find((d) => fs.existsSync(d)) ??
  path.join(__dirname, "crds");

/** Pulumi resource types that are Kubernetes objects but not validated as one object. */
const NOT_AN_OBJECT = new Set([
  "kubernetes:helm.sh/v3:Release",
  "kubernetes:yaml:ConfigFile",
  "kubernetes:yaml:ConfigGroup",
]);

/** Loads a kubernetes-models class for apiVersion/kind, or undefined when that package has none. */
function modelClass(apiVersion: string, kind: string): (new (data: object) => { validate(): void }) | undefined {
  // The per-kind module first: loading a whole group/version costs several times more.
  const base = apiVersion.includes("cert-manager.io")
    ? `@kubernetes-models/cert-manager/${apiVersion}`
    : `kubernetes-models/${apiVersion}`;
  const candidates = [`${base}/${kind}`, base];
  for (const mod of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const m = require(mod);
      if (typeof m[kind] === "function") return m[kind];
    } catch {
      /* no such group/version in this package */
    }
  }
  return undefined;
}

/** ajv's options for CRD schemas, shared with the build step that precompiles them (precompileCrdValidators.ts). */
export const CRD_AJV_OPTIONS = { allErrors: true, strict: false } as const;

/** The build's V8 code cache of `<key>.validate.js` is `<key>.validate.cache` (see codeCache.ts). */
export const CRD_CODE_CACHE_SUFFIX = ".cache";

/** Where the build writes precompiled validators beside a copy of the schema each was compiled from. */
const BUILT_CRD_DIR = path.join(__dirname, "crds");

/** Whether a precompiled validator's schema copy is the schema in use (a dist/ older than the sources is not). */
function sameSchema(inUse: string, compiledFrom: string): boolean {
  if (inUse === compiledFrom) return true;
  return (
    fs.existsSync(inUse) && fs.existsSync(compiledFrom) && fs.readFileSync(inUse).equals(fs.readFileSync(compiledFrom))
  );
}

let ajv: Ajv | undefined;
const crdValidators = new Map<string, ValidateFunction | null>();

/**
 * The CRD schema for apiVersion/kind from engine/crds/<group>_<version>_<kind>.json: a JSON Schema of
 * the whole object (the CRD's `openAPIV3Schema` for that version).
 */
function crdValidator(apiVersion: string, kind: string): ValidateFunction | null {
  const key = `${apiVersion.replace("/", "_")}_${kind}`;
  if (!crdValidators.has(key)) {
    const file = path.join(CRD_DIR, `${key}.json`);
    const precompiled = path.join(BUILT_CRD_DIR, `${key}.validate.js`);
    if (fs.existsSync(precompiled) && sameSchema(file, path.join(BUILT_CRD_DIR, `${key}.json`))) {
      // The build's standalone validator (see precompileCrdValidators.ts): no schema compile at plan time,
      // and with its code cache no compile of the generated code either.
      const m = loadWithCodeCache(precompiled, precompiled.replace(/\.js$/, CRD_CODE_CACHE_SUFFIX)).exports;
      crdValidators.set(key, (m as { default: ValidateFunction }).default);
    } else if (!fs.existsSync(file)) {
      crdValidators.set(key, null);
    } else {
      // ajv loads on the first CRD schema only (the import above is type-only once compiled): most plans
      // have none, and loading it costs ~0.1 s of every plan.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load, see above
      ajv ??= new (require("ajv").default as typeof Ajv)(CRD_AJV_OPTIONS);
      crdValidators.set(key, ajv.compile(JSON.parse(fs.readFileSync(file, "utf8"))));
    }
  }
  return crdValidators.get(key) ?? null;
}

/**
 * A Kubernetes object as plain JSON. Typed loosely on purpose: callers (tests, `plan --out`) read
 * arbitrary fields of arbitrary kinds, which a per-kind type cannot describe.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON of any kind, see above
export type KubernetesObject = Record<string, any>;

/** The object as Kubernetes would receive it, or undefined for resources that are not one object. */
export function kubernetesObject(r: CapturedResource): KubernetesObject | undefined {
  if (!r.custom || !r.type.startsWith("kubernetes:") || NOT_AN_OBJECT.has(r.type)) return undefined;
  const obj = unwrapSecrets(r.inputs) as KubernetesObject;
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") return undefined;
  return obj;
}

/** Deep copy without the values a preview does not know yet (the schema checks what is known). */
function withoutUnknowns(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((e) => e !== UNKNOWN).map(withoutUnknowns);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, e]) => e !== UNKNOWN)
        .map(([k, e]) => [k, withoutUnknowns(e)]),
    );
  return v;
}

export function validateKubernetesObject(r: CapturedResource): PlanError[] {
  const full = kubernetesObject(r);
  if (!full) return [];
  // In a preview, a schema failure about a value left out because it is unknown is not a failure yet.
  const unknownKeys = unknownPaths(full).map(
    (p) =>
      p
        .replace(/\[\d+\]$/, "")
        .split(".")
        .pop() ?? p,
  );
  const aboutUnknown = (message: string) => unknownKeys.some((k) => message.includes(k));
  const obj = unknownKeys.length ? (withoutUnknowns(full) as KubernetesObject) : full;
  const { apiVersion, kind } = obj;
  const Model = modelClass(apiVersion, kind);
  if (Model) {
    try {
      new Model(obj).validate();
      return [];
    } catch (e) {
      if (aboutUnknown((e as Error).message)) return [];
      return [
        {
          kind: "schema",
          urn: r.urn,
          message: `${kind} ${obj.metadata?.name ?? r.name} (${apiVersion}) fails its schema: ${(e as Error).message}`,
        },
      ];
    }
  }
  const validate = crdValidator(apiVersion, kind);
  if (validate === null) {
    return [
      {
        kind: "schema",
        urn: r.urn,
        message: `${kind} (${apiVersion}) has no schema to validate against. Fix: add its CRD schema as engine/crds/${apiVersion.replace("/", "_")}_${kind}.json.`,
      },
    ];
  }
  if (validate(obj) as boolean) return [];
  const detail = (validate.errors ?? [])
    .map((e) => `${e.instancePath || "/"} ${e.message}`)
    .filter((m) => !aboutUnknown(m))
    .join("; ");
  if (!detail) return [];
  return [
    {
      kind: "schema",
      urn: r.urn,
      message: `${kind} ${obj.metadata?.name ?? r.name} (${apiVersion}) fails its CRD schema: ${detail}`,
    },
  ];
}
