/**
 * A small client for Harbor's REST API v2.0 on Node's own http/https, shared by every harbor-ha API
 * resource. It is serialized into the dynamic providers' code, so it imports only Node built-ins.
 *
 * - Idempotent calls (GET, PUT, DELETE) are retried on 5xx, 429 and transport errors, including a
 *   body that stalls or is cut, with bounded exponential backoff or the server's `Retry-After`
 *   (seconds or HTTP-date), all within ONE total time bound.
 * - POST and PATCH are never blindly retried: only when Harbor certainly did not act on them (429, or
 *   the connection was refused before anything was sent). Any other failure is `ambiguous`: the
 *   provider looks the object up by its natural key.
 * - Certificate errors are final (a retry cannot fix trust). `https` only, unless the explicit
 *   `insecure` opt-in, which also skips certificate checks; a private CA is trusted with `caBundle`.
 * - A success whose body is not JSON is an error; so is a 404 that is not Harbor's own JSON error.
 * - Messages name the method, the API path and the attempt, and never the credentials, even when the
 *   server echoes them.
 * - The first call to a Harbor in a process waits (bounded) until `GET /api/v2.0/ping` answers 200; a
 *   failed wait is remembered for the run, so the next resource fails at once with the same message.
 *   `/health` is never used: it answers 200 even when Harbor is unhealthy.
 */
import * as http from "http";
import * as https from "https";
import * as tls from "tls";

/** Where and as whom to call Harbor. */
export interface HarborConnection {
  /** Harbor's external URL, e.g. `https://harbor.example.com` (no `/api/v2.0`). */
  url: string;
  /** A Harbor user with rights for the calls (usually `admin`). */
  username: string;
  /** That user's password. Kept out of every message and log. */
  password: string;
  /** PEM certificates to trust besides the public roots (a private CA). Default: public roots only. */
  caBundle?: string;
  /** Explicit opt-in: skip certificate checks and allow `http://`. Default: false. */
  insecure?: boolean;
}

export interface RetryPolicy {
  /** Total attempts per idempotent request, first included. Default: 6. */
  attempts: number;
  /** Delay before the first retry, doubled each time. Default: 500 ms. */
  baseDelayMs: number;
  /** Upper bound for one backoff delay (not for `Retry-After`). Default: 8000 ms. */
  maxDelayMs: number;
  /** Time for one attempt, answer body included. Default: 30000 ms. */
  timeoutMs: number;
  /** One bound on a request's attempts and waits together. Default: 180000 ms. */
  totalMs: number;
}

export interface PingPolicy {
  /** Polls of `/api/v2.0/ping` before giving up. Default: 60. */
  attempts: number;
  /** Pause between polls. Default: 5000 ms (so 5 minutes in all). */
  intervalMs: number;
}

export interface HarborClientOptions {
  /** Retry policy for API calls. Default: see {@link RetryPolicy}. */
  retry?: Partial<RetryPolicy>;
  /** How long to wait for `/ping` before the first call; `false` skips the wait. Default: see {@link PingPolicy}. */
  ping?: Partial<PingPolicy> | false;
  /** Sleep function (tests record it). Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

export const API_PREFIX = "/api/v2.0";
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  timeoutMs: 30000,
  totalMs: 180000,
};

/** Why a call failed, beyond its status. */
export type FailureCause = "status" | "transport" | "body" | "tls" | "shape" | "budget" | "insecure" | "ping";

/** An API call that failed for good. `status` is undefined when Harbor never answered. */
export class HarborApiError extends Error {
  /** Harbor may have acted on this request (a POST whose answer was lost). */
  readonly ambiguous: boolean;
  readonly failure: FailureCause;
  /** Harbor's error code (`NOT_FOUND`, ...) when the answer was Harbor's JSON error envelope. */
  readonly harborCode?: string;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    readonly harborMessage: string,
    readonly attempts: number,
    extra: { ambiguous?: boolean; cause?: FailureCause; harborCode?: string } = {},
  ) {
    super(
      `Harbor API ${method} ${API_PREFIX}${path} failed${status === undefined ? "" : ` with ${status}${statusHint(status)}`}: ${harborMessage}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}${extra.ambiguous ? "; Harbor may have acted on it" : ""}`,
    );
    this.name = "HarborApiError";
    this.ambiguous = extra.ambiguous ?? false;
    this.failure = extra.cause ?? "status";
    this.harborCode = extra.harborCode;
  }
}

function statusHint(status: number): string {
  switch (status) {
    case 401:
      return " Unauthorized (check the admin user and password given to the component)";
    case 403:
      return " Forbidden (the user lacks the permission for this call)";
    case 404:
      return " Not Found";
    case 409:
      return " Conflict (an object with this name already exists: import it or choose another name)";
    case 412:
      return " Precondition Failed (the object is still in use)";
    case 429:
      return " Too Many Requests";
    default:
      return "";
  }
}

export interface HarborResponse<T = unknown> {
  status: number;
  body: T | undefined;
  /** `Location` header of a 201, e.g. `/api/v2.0/registries/7`. */
  location?: string;
}

/**
 * Pings per Harbor URL in this process, answered or failed: later calls skip the wait, or fail at once
 * with the same message. Kept on globalThis, not in a module variable, so that serializing a provider
 * never captures live promises.
 */
/**
 * What a failed ping says is missing on a first deploy, from its last failure: the DNS name, the load
 * balancer and proxies, Harbor's route, or Harbor's pods.
 */
export function pingDiagnosis(host: string, last: { status?: number; code?: string }): string {
  if (last.code === "ENOTFOUND" || last.code === "EAI_AGAIN")
    return `Missing: a DNS record; ${host} does not resolve (harbor-ha:dns creates it; with your own DNS, point ${host} at the load balancer).`;
  if (last.code && /^(ECONNREFUSED|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|timed out)$/i.test(last.code))
    return `Missing: a listener; nothing at ${host} accepts connections (the load balancer or the Envoy proxies behind it are not ready, or an allowlist or security group drops this address).`;
  if (last.status === 404)
    return `Missing: Harbor's route; the edge at ${host} has no route to Harbor (the Harbor release's HTTPRoute is not attached to the Gateway).`;
  if (last.status === 502 || last.status === 503 || last.status === 504)
    return `Missing: ready Harbor pods; the edge at ${host} has no ready Harbor core behind it (see the release's pods).`;
  return "Is the release up and the URL right?";
}

function pings(): Map<string, Promise<void>> {
  const g = globalThis as { __harborHaPings?: Map<string, Promise<void>> };
  return (g.__harborHaPings ??= new Map());
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A raw answer. */
interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A transport failure: where it happened decides whether a POST may have reached Harbor. */
class TransportFailure extends Error {
  constructor(
    readonly phase: "connect" | "answer" | "body",
    readonly code: string,
    readonly tlsProblem: boolean,
  ) {
    super(code);
  }
}

const TLS_CODES =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|ERR_SSL|ERR_TLS|EPROTO|HOSTNAME_MISMATCH/;

export class HarborClient {
  private readonly base: string;
  private readonly auth: string;
  private readonly secrets: string[];
  private readonly retry: RetryPolicy;
  private readonly ping: PingPolicy | false;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly agentOptions: https.RequestOptions;
  private readonly isHttps: boolean;

  constructor(
    private readonly connection: HarborConnection,
    options: HarborClientOptions = {},
  ) {
    this.base = connection.url.replace(/\/+$/, "");
    const token = Buffer.from(`${connection.username}:${connection.password}`).toString("base64");
    this.auth = "Basic " + token;
    this.secrets = [token, `${connection.username}:${connection.password}`, connection.password].filter(
      (s) => s.length >= 4,
    );
    this.retry = { ...DEFAULT_RETRY, ...(options.retry ?? {}) };
    this.ping = options.ping === false ? false : { attempts: 60, intervalMs: 5000, ...(options.ping ?? {}) };
    this.sleep = options.sleep ?? defaultSleep;
    this.isHttps = /^https:\/\//i.test(this.base);
    this.agentOptions = this.isHttps
      ? {
          rejectUnauthorized: !connection.insecure,
          ...(connection.caBundle ? { ca: [...tls.rootCertificates, connection.caBundle] } : {}),
        }
      : {};
  }

  /** Removes every form of the credentials from text a server sent (some echo the Authorization header). */
  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("[redacted]");
    return out.replace(/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{4,}/gi, "$1 [redacted]");
  }

  /** Refuses `http://` (and anything not http/https) unless `insecure` is opted in. */
  private schemeProblem(): string | undefined {
    if (this.isHttps) return undefined;
    if (/^http:\/\//i.test(this.base))
      return this.connection.insecure
        ? undefined
        : `${this.base} is plain http: the admin password would cross the network in clear. Use https://, or opt in explicitly with insecure: true`;
    return `${this.base} is not an http(s) URL`;
  }

  /** One HTTP exchange, answer body included, bounded by `timeoutMs`. */
  private exchange(method: string, path: string, body: string | undefined, auth: boolean): Promise<RawAnswer> {
    const url = new URL(this.base + path);
    const headers: Record<string, string> = { accept: "application/json" };
    if (auth) headers.authorization = this.auth;
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    const lib = this.isHttps ? https : http;
    return new Promise<RawAnswer>((resolve, reject) => {
      let phase: "connect" | "answer" | "body" = "connect";
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      // Declared before `fail` uses it: Pulumi's closure serializer does not follow later declarations.
      let req: http.ClientRequest | undefined = undefined;
      const fail = (code: string, tlsProblem = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req?.destroy();
        reject(new TransportFailure(phase, code, tlsProblem));
      };
      req = lib.request(url, { method, headers, ...this.agentOptions, agent: false }, (res) => {
        phase = "body";
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
        res.on("aborted", () => fail("ECONNRESET"));
        res.on("end", () => {
          if (settled) return;
          if (!res.complete) return fail("ECONNRESET");
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") });
        });
      });
      timer = setTimeout(() => fail("timed out"), this.retry.timeoutMs);
      req.on("socket", (socket) => {
        const connected = () => {
          // Once the request is written, a failure may come after Harbor acted on it.
          phase = "answer";
        };
        if (this.isHttps) socket.once("secureConnect", connected);
        else socket.once("connect", connected);
      });
      req.on("error", (e: NodeJS.ErrnoException) => {
        const code = e.code ?? e.message;
        fail(code, TLS_CODES.test(code) || /certificate/i.test(e.message));
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /**
   * Polls `GET /api/v2.0/ping` (no auth) until it answers 200, at most `ping.attempts` times.
   * Throws a {@link HarborApiError} naming the last failure when Harbor never answers.
   */
  async waitForPing(policy: Partial<PingPolicy> = {}): Promise<void> {
    const { attempts, intervalMs } = { attempts: 60, intervalMs: 5000, ...(this.ping || {}), ...policy };
    const scheme = this.schemeProblem();
    if (scheme) throw new HarborApiError("GET", "/ping", undefined, scheme, 1, { cause: "insecure" });
    let last = "no answer";
    let lastFailure: { status?: number; code?: string } = {};
    for (let i = 1; i <= attempts; i++) {
      try {
        const res = await this.exchange("GET", API_PREFIX + "/ping", undefined, false);
        if (res.status === 200) return;
        last = `HTTP ${res.status} ${this.scrub(res.text.slice(0, 200))}`;
        lastFailure = { status: res.status };
      } catch (e) {
        const t = e as TransportFailure;
        if (t.tlsProblem) throw this.tlsError("GET", "/ping", t, i);
        last = `network error: ${t.code}`;
        lastFailure = { code: t.code };
      }
      if (i < attempts) await this.sleep(intervalMs);
    }
    throw new HarborApiError(
      "GET",
      "/ping",
      undefined,
      `Harbor at ${this.base} did not answer the ping after ${attempts} attempts, ${intervalMs} ms apart (last: ${last}). ${pingDiagnosis(new URL(this.base).hostname, lastFailure)}`,
      attempts,
      { cause: "ping" },
    );
  }

  private tlsError(method: string, path: string, t: TransportFailure, attempt: number): HarborApiError {
    return new HarborApiError(
      method,
      path,
      undefined,
      `TLS: the certificate of ${this.base} is not trusted (${t.code}); not retried. Pass Harbor's CA as caBundle` +
        `${this.connection.caBundle ? " (the one given does not sign it)" : ""}, or opt in to insecure: true`,
      attempt,
      { cause: "tls" },
    );
  }

  /** The ping wait, once per Harbor URL and process; a failure is remembered for the run. */
  private ready(): Promise<void> {
    if (this.ping === false) {
      const scheme = this.schemeProblem();
      return scheme
        ? Promise.reject(new HarborApiError("GET", "/", undefined, scheme, 1, { cause: "insecure" }))
        : Promise.resolve();
    }
    const all = pings();
    // Keyed by what decides the outcome: the URL and how its certificate is trusted.
    const key = `${this.base} ${this.connection.insecure ? "insecure" : "verify"} ${this.connection.caBundle ?? ""}`;
    let p = all.get(key);
    if (!p) {
      p = this.waitForPing();
      all.set(key, p);
      p.catch(() => undefined); // kept rejected: the next resource fails fast with the same message
    }
    return p;
  }

  /**
   * One API call. `path` is relative to `/api/v2.0`, e.g. `/registries/7`. Idempotent methods are
   * retried (see the module comment); POST and PATCH only when Harbor certainly did not act.
   */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<HarborResponse<T>> {
    await this.ready();
    const { attempts, baseDelayMs, maxDelayMs, totalMs } = this.retry;
    const idempotent = !["POST", "PATCH"].includes(method);
    const started = Date.now();
    let waited = 0;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let last: HarborApiError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let retryAfterMs: number | undefined;
      try {
        const res = await this.exchange(method, API_PREFIX + path, payload, true);
        if (res.status < 400) return this.success<T>(method, path, res, attempt);
        const { message, code } = harborError(res);
        last = new HarborApiError(method, path, res.status, this.scrub(message), attempt, {
          harborCode: code,
          // Harbor's own 5xx (JSON envelope) or a gateway's: either may come after the object was made.
          ambiguous: !idempotent && res.status >= 500,
        });
        const retriable = res.status === 429 || (res.status >= 500 && idempotent);
        if (!retriable) throw last;
        retryAfterMs = retryAfter(res.headers["retry-after"]);
      } catch (e) {
        if (e instanceof HarborApiError) throw e;
        const t = e as TransportFailure;
        if (!(t instanceof TransportFailure)) throw e;
        if (t.tlsProblem) throw this.tlsError(method, path, t, attempt);
        const what =
          t.phase === "body"
            ? `reading the answer body failed (${t.code === "timed out" ? "stalled, timed out" : t.code})`
            : t.phase === "answer"
              ? `no answer (${t.code})`
              : `cannot connect (${t.code})`;
        // Nothing was sent before the connection was made: even a POST is safe to send again.
        const safe = idempotent || t.phase === "connect";
        last = new HarborApiError(method, path, undefined, `${what} on attempt ${attempt}`, attempt, {
          cause: t.phase === "body" ? "body" : "transport",
          ambiguous: !safe,
        });
        if (!safe) throw last;
      }
      if (attempt === attempts) break;
      const delay = retryAfterMs ?? Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      const used = Math.max(Date.now() - started, waited);
      if (used + delay > totalMs)
        throw new HarborApiError(
          method,
          path,
          last?.status,
          `${last?.harborMessage ?? "failed"}; gave up: ${retryAfterMs !== undefined ? `Harbor asked to retry after ${Math.ceil(retryAfterMs / 1000)} s, ` : ""}which exceeds the time left of the ${Math.round(totalMs / 1000)} s bound (harbor.requestTimeoutSeconds)`,
          attempt,
          { cause: "budget", harborCode: last?.harborCode },
        );
      waited += delay;
      await this.sleep(delay);
    }
    throw new HarborApiError(method, path, last?.status, last?.harborMessage ?? "failed", attempts, {
      cause: last?.failure,
      harborCode: last?.harborCode,
      ambiguous: last?.ambiguous,
    });
  }

  /** A success: JSON or empty, nothing else. */
  private success<T>(method: string, path: string, res: RawAnswer, attempt: number): HarborResponse<T> {
    const location = typeof res.headers.location === "string" ? res.headers.location : undefined;
    if (res.text.trim() === "") return { status: res.status, body: undefined, location };
    try {
      return { status: res.status, body: JSON.parse(res.text) as T, location };
    } catch {
      throw new HarborApiError(
        method,
        path,
        res.status,
        `the answer is not JSON (${String(res.headers["content-type"] ?? "no content-type")}): ${this.scrub(res.text.trim().slice(0, 120))}`,
        attempt,
        { cause: "shape", ambiguous: !["GET", "PUT", "DELETE"].includes(method) },
      );
    }
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>("GET", path)).body as T;
  }

  /** GET that answers `undefined` when Harbor itself says 404 (its JSON `NOT_FOUND`): the object is gone. */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (e) {
      if (isHarborNotFound(e)) return undefined;
      throw e;
    }
  }

  /** POST that creates an object and answers its id, taken from the `Location` header. */
  async create(path: string, body: unknown): Promise<number | undefined> {
    const res = await this.request("POST", path, body);
    return idFromLocation(res.location);
  }

  async put(path: string, body: unknown): Promise<void> {
    await this.request("PUT", path, body);
  }

  /** DELETE where Harbor's own JSON 404 counts as success (already gone); any other 404 (a proxy's) is an error. */
  async remove(path: string): Promise<void> {
    try {
      await this.request("DELETE", path);
    } catch (e) {
      if (isHarborNotFound(e)) return;
      throw e;
    }
  }
}

/** Harbor's own "not found": a 404 carrying its JSON error envelope with code NOT_FOUND. */
export function isHarborNotFound(e: unknown): boolean {
  return e instanceof HarborApiError && e.status === 404 && e.harborCode === "NOT_FOUND";
}

/** `Retry-After` in ms: delta-seconds or an HTTP-date; undefined when absent or unreadable. */
export function retryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The numeric id at the end of a `Location` header (`/api/v2.0/registries/7` -> 7). */
export function idFromLocation(location: string | undefined): number | undefined {
  const m = location?.match(/\/(\d+)\/?$/);
  return m ? Number(m[1]) : undefined;
}

/** Harbor's error envelope: its message and first code; `code` is undefined when the body is not Harbor's. */
function harborError(res: RawAnswer): { message: string; code?: string } {
  try {
    const errors = (JSON.parse(res.text) as { errors?: { code?: string; message?: string }[] })?.errors;
    if (Array.isArray(errors) && errors.length > 0)
      return {
        message: errors.map((e) => [e?.code, e?.message].filter(Boolean).join(": ")).join("; "),
        code: errors[0]?.code,
      };
  } catch {
    // not JSON: a proxy or gateway answered
  }
  const text = res.text.trim().slice(0, 300);
  return { message: text ? `not Harbor's answer (no JSON error): ${text}` : "(empty response)" };
}

/** Harbor's `{"errors":[{"code","message"}]}` as one line; anything else, shortened. */
export function harborErrorMessage(text: string): string {
  const { message, code } = harborError({ status: 0, headers: {}, text });
  return code === undefined ? text.trim().slice(0, 300) || "(empty response)" : message;
}
