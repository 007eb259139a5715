/**
 * Which values of a stack's config file are encrypted. `pulumi config set --secret --path 'ns:key.a[0].b'`
 * stores one `secure:` leaf inside a structured value; the Pulumi CLI decrypts it and hands the program
 * the whole top-level key as one secret (`PULUMI_CONFIG_SECRET_KEYS` lists `ns:key`, never the leaf).
 * Only the file says which leaves were encrypted, so both the offline engine and the program read it here.
 */
import * as fs from "fs";
import { parse } from "yaml";

let lastParsed: { text: string; doc: unknown } | undefined;

/**
 * A stack file's text parsed as YAML, frozen. The engine and the program parse the same file in one
 * plan, and yaml's parser costs ~40 ms per prod file in a fresh process: the last text parsed is
 * remembered. Invalid YAML throws, as `parse` does (and is not remembered).
 */
export function parseStackFileText(text: string): unknown {
  if (lastParsed?.text !== text) lastParsed = { text, doc: deepFreeze(parse(text)) };
  return lastParsed.doc;
}

function deepFreeze(v: unknown): unknown {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const e of Object.values(v)) deepFreeze(e);
  }
  return v;
}

/** A `{ secure: <ciphertext> }` leaf. */
export function isSecureLeaf(v: unknown): v is { secure: string } {
  return !!v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;
}

/** The full path of a leaf: `ns:key.a[0].b` (the `--path` syntax of `pulumi config set`). */
export function leafPath(fullKey: string, segments: PropertyKey[]): string {
  let out = fullKey;
  for (const s of segments) out += typeof s === "number" ? `[${s}]` : `.${String(s)}`;
  return out;
}

/** Full paths of the `secure:` leaves inside one config value (the key itself when the value is one). */
export function secureLeafPaths(fullKey: string, value: unknown, segments: PropertyKey[] = []): string[] {
  if (isSecureLeaf(value)) return [leafPath(fullKey, segments)];
  if (Array.isArray(value)) return value.flatMap((e, i) => secureLeafPaths(fullKey, e, [...segments, i]));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, e]) => secureLeafPaths(fullKey, e, [...segments, k]));
  return [];
}

/**
 * Per top-level key of a stack file, its encrypted leaves, for the keys whose value in the file has the
 * same shape and plain values as `received` (the config the program was given). A key missing from the
 * file, or different there (another file, an ESC environment), is left out: its leaves are unknown.
 */
export function encryptedLeavesFromFile(
  file: string,
  received: Record<string, unknown>,
): Record<string, string[]> | undefined {
  let doc: unknown;
  try {
    doc = parseStackFileText(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
  const config = (doc as { config?: unknown } | null)?.config;
  if (!config || typeof config !== "object" || Array.isArray(config)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (!(key in received) || !sameShape(value, received[key])) continue;
    out[key] = secureLeafPaths(key, value);
  }
  return out;
}

/** Same structure, and equal plain leaves; a `secure:` leaf matches any scalar. */
function sameShape(file: unknown, got: unknown): boolean {
  if (isSecureLeaf(file)) return got === null || typeof got !== "object";
  if (Array.isArray(file))
    return Array.isArray(got) && got.length === file.length && file.every((e, i) => sameShape(e, got[i]));
  if (file && typeof file === "object") {
    if (!got || typeof got !== "object" || Array.isArray(got)) return false;
    const a = Object.keys(file);
    return (
      a.length === Object.keys(got).length &&
      a.every((k) => sameShape((file as Record<string, unknown>)[k], (got as Record<string, unknown>)[k]))
    );
  }
  return String(file) === String(got);
}

/**
 * The environment variable naming the stack's config file when it is not `stacks/Pulumi.<stack>.yaml`
 * (`pulumi up --config-file <file>`; the offline engine's `--config <file>`).
 */
export const STACK_CONFIG_FILE_ENV = "HARBOR_HA_STACK_CONFIG_FILE";
