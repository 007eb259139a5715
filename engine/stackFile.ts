/**
 * Reads a `Pulumi.<stack>.yaml` as the Pulumi CLI would hand it to the program: every value as a
 * string (objects as JSON), `secure:` values replaced by stable offline placeholders and their
 * top-level keys marked secret (the CLI cannot decrypt without the stack's secrets provider; neither can we).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { createHash } from "crypto";

export interface StackConfigInput {
  /** `<namespace>:<key>` -> the string the program sees. */
  config: Record<string, string>;
  /** Keys whose value is (or contains) a secret. */
  secretKeys: string[];
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

export function stackFilePath(stack: string): string {
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

export function readStackConfig(stack: string, file = stackFilePath(stack)): StackConfigInput {
  if (!fs.existsSync(file)) {
    throw new StackFileError(`stack "${stack}": no config file at ${file}. Fix: create it, or pass --config <file>.`);
  }
  let doc: any;
  try {
    doc = parse(fs.readFileSync(file, "utf8")) ?? {};
  } catch (e) {
    throw new StackFileError(`stack "${stack}": ${file} is not valid YAML: ${(e as Error).message}`);
  }
  const raw = doc.config ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new StackFileError(`stack "${stack}": ${file}: "config" must be a map of "<namespace>:<key>" to values.`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    let secret = false;
    const resolve = (v: unknown, at: string): unknown => {
      if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v) {
        secret = true;
        return offlineSecretPlaceholder(stack, at);
      }
      if (Array.isArray(v)) return v.map((e, i) => resolve(e, `${at}[${i}]`));
      if (v && typeof v === "object")
        return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, resolve(e, `${at}.${k}`)]));
      return v;
    };
    const resolved = resolve(value, key);
    config[key] = typeof resolved === "string" ? resolved : JSON.stringify(resolved);
    if (secret) secretKeys.push(key);
  }
  return { config, secretKeys, file };
}

/** The project name from Pulumi.yaml. */
export function projectName(): string {
  const doc = parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));
  return String(doc.name);
}
