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
  /** Inputs as registered. Secrets stay inside their envelope; use `redact`/`unwrapSecrets` to read. */
  inputs: Record<string, unknown>;
  /** A component's registered outputs (what Pulumi's policy analyzer shows for components). */
  outputs?: Record<string, unknown>;
}

export interface PlanGraph {
  project: string;
  stack: string;
  resources: CapturedResource[];
  /** Stack outputs, secrets still in their envelope. */
  outputs: Record<string, unknown>;
  /** Problems of the plan itself (schema failures, leaked secrets). Each is fatal (exit 1). */
  errors: PlanError[];
}

export interface PlanError {
  kind: "schema" | "secret-leak" | "program";
  urn: string;
  message: string;
}
