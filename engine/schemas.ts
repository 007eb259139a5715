/**
 * Validates every Kubernetes object in a captured graph against real schemas: kubernetes-models for
 * built-in kinds, @kubernetes-models/cert-manager for cert-manager, and a CRD's own OpenAPI schema
 * (engine/crds/*.json, validated with ajv) for any other custom resource we create.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import { CapturedResource, PlanError } from "./graph";
import { unwrapSecrets } from "./secrets";

// engine/crds/ beside this file; compiled into dist/engine/ by tsc alone (a checkout), the sources' copy.
const CRD_DIR =
  [path.join(__dirname, "crds"), path.join(__dirname, "..", "..", "engine", "crds")].find((d) => fs.existsSync(d)) ??
  path.join(__dirname, "crds");

/** Pulumi resource types that are Kubernetes objects but not validated as one object. */
const NOT_AN_OBJECT = new Set([
  "kubernetes:helm.sh/v3:Release",
  "kubernetes:yaml:ConfigFile",
  "kubernetes:yaml:ConfigGroup",
]);

/** Loads a kubernetes-models class for apiVersion/kind, or undefined when that package has none. */
function modelClass(apiVersion: string, kind: string): (new (data: any) => { validate(): void }) | undefined {
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
    if (!fs.existsSync(file)) {
      crdValidators.set(key, null);
    } else {
      ajv ??= new Ajv({ allErrors: true, strict: false });
      crdValidators.set(key, ajv.compile(JSON.parse(fs.readFileSync(file, "utf8"))));
    }
  }
  return crdValidators.get(key) ?? null;
}

/** The object as Kubernetes would receive it, or undefined for resources that are not one object. */
export function kubernetesObject(r: CapturedResource): Record<string, any> | undefined {
  if (!r.custom || !r.type.startsWith("kubernetes:") || NOT_AN_OBJECT.has(r.type)) return undefined;
  const obj = unwrapSecrets(r.inputs) as Record<string, any>;
  if (!obj.apiVersion || !obj.kind) return undefined;
  return obj;
}

export function validateKubernetesObject(r: CapturedResource): PlanError[] {
  const obj = kubernetesObject(r);
  if (!obj) return [];
  const { apiVersion, kind } = obj;
  const Model = modelClass(apiVersion, kind);
  if (Model) {
    try {
      new Model(obj).validate();
      return [];
    } catch (e) {
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
  const detail = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
  return [
    {
      kind: "schema",
      urn: r.urn,
      message: `${kind} ${obj.metadata?.name ?? r.name} (${apiVersion}) fails its CRD schema: ${detail}`,
    },
  ];
}
