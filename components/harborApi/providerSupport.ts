/**
 * What every harbor-ha dynamic provider shares: the connection inputs each resource carries (dynamic
 * providers have no provider-level config, so the admin credential travels as a secret input), and a
 * field-by-field diff.
 */
import { HarborClient, HarborClientOptions } from "./client";

/**
 * The Harbor to call: one plain input object on every harbor-ha API resource (each top-level property
 * costs the SDK an Output per resource; see the report's plan-time figures). The admin password is
 * the separate secret property `password`: inside `connection` it would make the whole object secret
 * and hide the URL.
 */
export interface ConnectionInputs {
  /** Harbor's external URL. Changing it means another Harbor: the resource is replaced. */
  url: string;
  /** Admin user. */
  username: string;
  /** `/ping` polls before the first call. Default: 60. */
  pingAttempts?: number;
  /** Pause between `/ping` polls, in ms. Default: 5000. */
  pingIntervalMs?: number;
  /** PEM CA certificates to trust besides the public roots. Default: none. */
  caBundle?: string;
  /** Explicit opt-in: skip certificate checks and allow `http://`. Default: false. */
  insecure?: boolean;
  /** One bound on each request's attempts and waits, in ms. Default: 180000. */
  requestTimeoutMs?: number;
}

/** The properties every harbor-ha API resource has: where to call, and the admin password (secret). */
export interface Connected {
  connection: ConnectionInputs;
  password: string;
}

/** Outputs that are secret in state (`additionalSecretOutputs`). */
export const CONNECTION_SECRET_OUTPUTS = ["password"];

/** A client for a resource's Harbor. `options` is for tests (short retries). */
export function clientFor(props: Connected, options: HarborClientOptions = {}): HarborClient {
  const c = props.connection;
  return new HarborClient(
    { url: c.url, username: c.username, password: props.password, caBundle: c.caBundle, insecure: c.insecure },
    {
      ping: { attempts: c.pingAttempts ?? 60, intervalMs: c.pingIntervalMs ?? 5000 },
      ...options,
      retry: { ...(c.requestTimeoutMs ? { totalMs: c.requestTimeoutMs } : {}), ...(options.retry ?? {}) },
    },
  );
}

/** Canonical JSON (sorted keys, undefined/null dropped) so that equal values compare equal. */
export function canonical(v: unknown): string {
  if (v === undefined || v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined && o[k] !== null)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

export interface SpecDiff {
  changes: boolean;
  /** Property paths that force a replacement, e.g. `spec.name`, `connection.url`. */
  replaces: string[];
  /** Every differing property path (update or replace), e.g. `spec.filters`. */
  changed: string[];
}

/** The state of a Harbor API resource as its provider stores it: where, as whom, and what. */
export interface DiffableState {
  connection?: Partial<ConnectionInputs>;
  password?: string;
  spec?: object;
}

/**
 * Diff of a `{ connection, password, spec, ...extra }` resource: a differing `spec` key listed in `replaceKeys`
 * forces a replacement, any other one an update in place; another `connection.url` is another Harbor
 * (replace); a new user or password only updates the state. Ping bounds are not compared.
 */
export function diffSpec<O extends DiffableState, N extends DiffableState>(
  olds: O,
  news: N,
  replaceKeys: readonly string[],
  extraKeys: readonly (keyof O & keyof N & string)[] = [],
): SpecDiff {
  const changed: string[] = [];
  const replaces: string[] = [];
  const differs = (a: unknown, b: unknown) => canonical(a) !== canonical(b);
  if (differs(olds.connection?.url, news.connection?.url)) replaces.push("connection.url");
  if (differs(olds.connection?.username, news.connection?.username)) changed.push("connection.username");
  if (differs(olds.connection?.caBundle, news.connection?.caBundle)) changed.push("connection.caBundle");
  if (differs(olds.connection?.insecure, news.connection?.insecure)) changed.push("connection.insecure");
  if (differs(olds.password, news.password)) changed.push("password");
  const oldSpec = (olds.spec ?? {}) as Record<string, unknown>;
  const newSpec = (news.spec ?? {}) as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])].sort()) {
    if (!differs(oldSpec[k], newSpec[k])) continue;
    (replaceKeys.includes(k) ? replaces : changed).push(`spec.${k}`);
  }
  for (const k of extraKeys) if (differs(olds[k], news[k])) changed.push(k);
  return { changes: changed.length + replaces.length > 0, replaces, changed: [...replaces, ...changed] };
}

/** Drops the SDK's `__provider` (serialized code) from inputs echoed as outputs. */
export function withoutProvider<T extends object>(o: T): T {
  const { __provider: _drop, ...rest } = o as Record<string, unknown>;
  return rest as T;
}
