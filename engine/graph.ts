/** The resource graph the offline engine captures from one run of a program. */
export interface CapturedResource {
  urn: string;
  type: string;
  name: string;
  /** True for provider-backed resources, false for components (and the stack). */
  custom: boolean;
  /** The parent's URN (empty for the stack itself). */
  parent: string;
  /** The explicit provider reference's URN, if any (empty when the default provider is used). */
  provider: string;
  /** URNs this resource waits for (explicit `dependsOn` and inputs taken from other resources). */
  dependencies: string[];
  /** The `deleteBeforeReplace` resource option (present only when true). */
  deleteBeforeReplace?: boolean;
  /** The `retainOnDelete` resource option (present only when true): `pulumi destroy` leaves the object. */
  retainOnDelete?: boolean;
  /** Inputs as registered. Secrets stay inside their envelope; use `redact`/`unwrapSecrets` to read. */
  inputs: Record<string, unknown>;
  /** A component's registered outputs (what Pulumi's policy analyzer shows for components). */
  outputs?: Record<string, unknown>;
}

/**
 * A resource the program reads from the cloud or cluster (`Resource.get`), never creates: a prerequisite that
 * must exist before `pulumi up` (e.g. prometheus-operator's CRDs). Resources that wait for it list its URN in
 * their `dependencies`.
 */
export interface ReadResource {
  urn: string;
  type: string;
  name: string;
  /** The id read (e.g. a CRD's name). */
  id: string;
  parent: string;
}

export interface PlanGraph {
  project: string;
  stack: string;
  resources: CapturedResource[];
  /** Resources read, not created (present only when the program reads any). */
  reads?: ReadResource[];
  /** Stack outputs, secrets still in their envelope. */
  outputs: Record<string, unknown>;
  /** Problems of the plan itself (schema failures, leaked secrets). Each is fatal (exit 1). */
  errors: PlanError[];
  /**
   * True for a preview run: computed provider outputs are {@link UNKNOWN}, as in a first `pulumi preview`
   * of a new stack. False (or absent): every computed output has a deterministic fake value.
   */
  preview?: boolean;
}

export interface PlanError {
  kind: "schema" | "secret-leak" | "program";
  urn: string;
  message: string;
}

/**
 * A value a first `pulumi preview` does not know yet (an id, an ARN, a random result, or anything built
 * from one). It is the wire sentinel the Pulumi engine hands the policy analyzer, so the policy pack reads
 * an offline preview exactly as it reads a real one.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** How plan output shows an unknown value. */
export const UNKNOWN_DISPLAY = "[unknown]";

export function isUnknownValue(v: unknown): boolean {
  return v === UNKNOWN;
}

/** Deep copy with every unknown value shown as `"[unknown]"` (for plan output only). */
export function showUnknowns(v: unknown): unknown {
  if (v === UNKNOWN) return UNKNOWN_DISPLAY;
  if (Array.isArray(v)) return v.map(showUnknowns);
  if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, showUnknowns(e)]));
  return v;
}

/** Dotted paths of the unknown values inside `v`. */
export function unknownPaths(v: unknown, path = "", out: string[] = []): string[] {
  if (v === UNKNOWN) out.push(path || "(value)");
  else if (Array.isArray(v)) v.forEach((e, i) => unknownPaths(e, `${path}[${i}]`, out));
  else if (v && typeof v === "object")
    for (const [k, e] of Object.entries(v)) unknownPaths(e, path ? `${path}.${k}` : k, out);
  return out;
}
