/**
 * Secret tracking for captured inputs. The mock runtime hands us inputs with secrets still wrapped in
 * Pulumi's RPC secret envelope; we keep them wrapped in the graph and redact at the edges.
 */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const REDACTED = "[secret]";

export interface SecretEnvelope {
  [SECRET_SIG_KEY]: typeof SECRET_SIG;
  value: unknown;
}

export function isSecretEnvelope(v: unknown): v is SecretEnvelope {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** Deep copy with every secret replaced by `"[secret]"`. */
export function redact(v: unknown): unknown {
  if (isSecretEnvelope(v)) return REDACTED;
  if (Array.isArray(v)) return v.map(redact);
  if (isPlainObject(v)) return mapValues(v, redact);
  return v;
}

/** Deep copy with every secret unwrapped to its (fake, offline) plaintext. For schema checks and policies. */
export function unwrapSecrets(v: unknown): unknown {
  if (isSecretEnvelope(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (isPlainObject(v)) return mapValues(v, unwrapSecrets);
  return v;
}

/** Every string at least `minLength` long found inside a secret envelope. */
export function secretPlaintexts(
  v: unknown,
  into: Set<string> = new Set(),
  inSecret = false,
  minLength = 8,
): Set<string> {
  if (isSecretEnvelope(v)) return secretPlaintexts(v.value, into, true, minLength);
  if (typeof v === "string") {
    if (inSecret && v.length >= minLength) into.add(v);
  } else if (Array.isArray(v)) {
    for (const e of v) secretPlaintexts(e, into, inSecret, minLength);
  } else if (isPlainObject(v)) {
    for (const e of Object.values(v)) secretPlaintexts(e, into, inSecret, minLength);
  }
  return into;
}

/**
 * Paths of plain (not secret) strings that contain one of `plaintexts`: a secret that escaped its
 * envelope through an `apply` or string interpolation.
 */
export function findLeaks(v: unknown, plaintexts: Set<string>, path = ""): string[] {
  if (isSecretEnvelope(v) || plaintexts.size === 0) return [];
  if (typeof v === "string") {
    for (const p of plaintexts) if (v.includes(p)) return [path || "(value)"];
    return [];
  }
  if (Array.isArray(v)) return v.flatMap((e, i) => findLeaks(e, plaintexts, `${path}[${i}]`));
  if (isPlainObject(v))
    return Object.entries(v).flatMap(([k, e]) => findLeaks(e, plaintexts, path ? `${path}.${k}` : k));
  return [];
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function mapValues(o: Record<string, unknown>, f: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = f(v);
  return out;
}
