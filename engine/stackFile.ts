/**
 * Reads a `Pulumi.<stack>.yaml` as the Pulumi CLI would hand it to the program: every value as a
 * string (objects as JSON), `secure:` values replaced by stable offline placeholders and their
 * top-level keys marked secret (the CLI cannot decrypt without the stack's secrets provider; neither can we).
 * Like the CLI, a structured value with one `secure:` leaf is secret as a whole; which leaves were
 * encrypted is in the file only (see stacks/secureLeaves.ts), and the program reads it from there.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { createHash } from "crypto";
import { isSecureLeaf, parseStackFileText, secureLeafPaths } from "../stacks/secureLeaves";

export interface StackConfigInput {
  /** `<namespace>:<key>` -> the string the program sees. */
  config: Record<string, string>;
  /** Keys whose value is (or contains) a secret: what the Pulumi CLI marks secret (top-level keys only). */
  secretKeys: string[];
  /** Full paths (`ns:key.a[0].b`) of the `secure:` leaves in the file. */
  secureLeaves: string[];
  /** The file it came from. */
  file: string;
}

/** The folder with Pulumi.yaml, found upwards from here (works from source and from dist/). */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, "..");
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
export const STACKS_DIR = path.join(PROJECT_ROOT, "stacks");

/** Pulumi's rule for stack names (`stack names are limited to 100 characters and may only contain alphanumeric, hyphens, underscores, or periods`). */
export const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Refuses a stack name Pulumi would refuse, before any path is built from it. */
export function checkStackName(stack: string): void {
  if (typeof stack === "string" && STACK_NAME.test(stack) && stack !== "." && stack !== "..") return;
  throw new StackFileError(
    `stack ${JSON.stringify(String(stack).slice(0, 120))}: not a valid stack name. Fix: use 1 to 100 letters, digits, '-', '_' or '.' (Pulumi's rule), e.g. dev, staging, prod.`,
  );
}

export function stackFilePath(stack: string): string {
  checkStackName(stack);
  return path.join(STACKS_DIR, `Pulumi.${stack}.yaml`);
}

/** The placeholder that stands for a `secure:` value offline. Stable per stack and key. */
export function offlineSecretPlaceholder(stack: string, key: string): string {
  return `offline-secret-${createHash("sha256").update(`${stack}/${key}`).digest("hex").slice(0, 24)}`;
}

export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackFileError";
  }
}

/** The file's text, or one error naming the stack and the file: missing, a directory, not UTF-8 text. */
function readText(stack: string, file: string): string {
  const at = `stack "${stack}": ${file}`;
  let bytes: Buffer;
  try {
    if (fs.statSync(file).isDirectory())
      throw new StackFileError(
        `${at} is a directory, not a stack config file. Fix: pass the Pulumi.<stack>.yaml file.`,
      );
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof StackFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new StackFileError(`stack "${stack}": no config file at ${file}. Fix: create it, or pass --config <file>.`);
    throw new StackFileError(
      `${at} cannot be read (${code ?? (e as Error).message}). Fix: check the path and its permissions.`,
    );
  }
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff) ||
    (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0) && bytes.length % 2 === 0 && bytes.includes(0));
  if (utf16)
    throw new StackFileError(
      `${at} is not UTF-8 text (it looks like UTF-16). Fix: save it as UTF-8, e.g. \`iconv -f UTF-16 -t UTF-8\`.`,
    );
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = "\0";
  }
  if (text.includes("\0"))
    throw new StackFileError(
      `${at} is not UTF-8 text (binary data). Fix: pass the Pulumi.<stack>.yaml file, saved as UTF-8.`,
    );
  return text;
}

function shapeOf(v: unknown): string {
  return Array.isArray(v) ? "a list" : v === null || v === undefined ? "empty" : `a ${typeof v}`;
}

export function readStackConfig(stack: string, file = stackFilePath(stack)): StackConfigInput {
  checkStackName(stack);
  const text = readText(stack, file);
  let doc: unknown;
  try {
    doc = parseStackFileText(text);
  } catch (e) {
    // The parser's message names line and column; it never holds more than the offending line's start.
    throw new StackFileError(
      `stack "${stack}": ${file} is not valid YAML: ${(e as Error).message.split("\n")[0]} Fix: correct the YAML.`,
    );
  }
  if (doc === null || doc === undefined)
    throw new StackFileError(`stack "${stack}": ${file} is empty. Fix: write the stack's settings under "config:".`);
  if (typeof doc !== "object" || Array.isArray(doc))
    throw new StackFileError(
      `stack "${stack}": ${file} is not a YAML mapping (the file is ${shapeOf(doc)}). Fix: a stack file is a map with a "config:" key holding "<namespace>:<key>: value" entries.`,
    );
  const top = doc as Record<string, unknown>;
  if (!("config" in top)) {
    const stray = Object.keys(top).filter((k) => k.includes(":"));
    throw new StackFileError(
      `stack "${stack}": ${file} has no "config:" map. Fix: ${stray.length ? `indent ${stray.slice(0, 3).join(", ")}${stray.length > 3 ? ", ..." : ""} under "config:"` : `put the stack's settings under "config:"`}.`,
    );
  }
  const raw = top.config ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new StackFileError(`stack "${stack}": ${file}: "config" must be a map of "<namespace>:<key>" to values.`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const secureLeaves: string[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const leaves = secureLeafPaths(key, value);
    const resolve = (v: unknown, at: string): unknown => {
      if (isSecureLeaf(v)) return offlineSecretPlaceholder(stack, at);
      if (Array.isArray(v)) return v.map((e, i) => resolve(e, `${at}[${i}]`));
      if (v && typeof v === "object")
        return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, resolve(e, `${at}.${k}`)]));
      return v;
    };
    const resolved = resolve(value, key);
    config[key] = typeof resolved === "string" ? resolved : JSON.stringify(resolved);
    if (leaves.length > 0) secretKeys.push(key);
    secureLeaves.push(...leaves);
  }
  return { config, secretKeys, secureLeaves, file };
}

/** The project name from Pulumi.yaml. */
export function projectName(): string {
  const doc = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));
  return String(doc.name);
}
