/**
 * A small client for Harbor's REST API v2.0 (global fetch, Node 20), shared by the replication and
 * projects providers. It is serialized into the dynamic providers' code, so it imports nothing but types.
 *
 * - 5xx, 429 and network errors are retried with bounded exponential backoff; other 4xx are final.
 * - Errors name the method, the API path and Harbor's own message; never the credentials.
 * - The first call to a Harbor in a process first waits (bounded) until `GET /api/v2.0/ping` answers
 *   `200`, so a first `pulumi up` right after the release is installed succeeds. `/health` is never used:
 *   it answers 200 even when Harbor is unhealthy.
 */

/** Where and as whom to call Harbor. */
export interface HarborConnection {
  /** Harbor's external URL, e.g. `https://harbor.example.com` (no `/api/v2.0`). */
  url: string;
  /** A Harbor user with rights for the calls (usually `admin`). */
  username: string;
  /** That user's password. Kept out of every message and log. */
  password: string;
}

export interface RetryPolicy {
  /** Total attempts per request, first included. Default: 5. */
  attempts: number;
  /** Delay before the first retry, doubled each time. Default: 500 ms. */
  baseDelayMs: number;
  /** Upper bound for one delay. Default: 8000 ms. */
  maxDelayMs: number;
  /** Timeout of one attempt. Default: 30000 ms. */
  timeoutMs: number;
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
  /** Sleep function (tests shorten it). Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

export const API_PREFIX = "/api/v2.0";

/** An API call that failed for good. `status` is undefined when Harbor never answered. */
export class HarborApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number | undefined,
    readonly harborMessage: string,
    readonly attempts: number,
  ) {
    super(
      `Harbor API ${method} ${API_PREFIX}${path} failed${status === undefined ? "" : ` with ${status}${statusHint(status)}`}: ${harborMessage}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}`,
    );
    this.name = "HarborApiError";
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
 * Pings already answered, per Harbor URL, in this process: later calls skip the wait. Kept on
 * globalThis, not in a module variable, so that serializing a provider never captures live promises.
 */
function readyHarbors(): Map<string, Promise<void>> {
  const g = globalThis as { __harborHaReady?: Map<string, Promise<void>> };
  return (g.__harborHaReady ??= new Map());
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class HarborClient {
  private readonly base: string;
  private readonly auth: string;
  private readonly retry: RetryPolicy;
  private readonly ping: PingPolicy | false;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(connection: HarborConnection, options: HarborClientOptions = {}) {
    this.base = connection.url.replace(/\/+$/, "");
    this.auth = "Basic " + Buffer.from(`${connection.username}:${connection.password}`).toString("base64");
    this.retry = { attempts: 5, baseDelayMs: 500, maxDelayMs: 8000, timeoutMs: 30000, ...(options.retry ?? {}) };
    this.ping = options.ping === false ? false : { attempts: 60, intervalMs: 5000, ...(options.ping ?? {}) };
    this.sleep = options.sleep ?? defaultSleep;
  }

  /**
   * Polls `GET /api/v2.0/ping` (no auth) until it answers 200 `Pong`, at most `ping.attempts` times.
   * Throws a {@link HarborApiError} naming the last failure when Harbor never answers.
   */
  async waitForPing(policy: Partial<PingPolicy> = {}): Promise<void> {
    const { attempts, intervalMs } = { attempts: 60, intervalMs: 5000, ...(this.ping || {}), ...policy };
    let last = "no answer";
    for (let i = 1; i <= attempts; i++) {
      try {
        const res = await fetch(this.base + API_PREFIX + "/ping", {
          method: "GET",
          signal: AbortSignal.timeout(this.retry.timeoutMs),
        });
        const text = await res.text();
        if (res.status === 200) return;
        last = `HTTP ${res.status} ${text.slice(0, 200)}`;
      } catch (e) {
        last = networkMessage(e);
      }
      if (i < attempts) await this.sleep(intervalMs);
    }
    throw new HarborApiError(
      "GET",
      "/ping",
      undefined,
      `Harbor at ${this.base} did not answer the ping after ${attempts} attempts, ${intervalMs} ms apart (last: ${last}). Is the release up and the URL right?`,
      attempts,
    );
  }

  private ready(): Promise<void> {
    if (this.ping === false) return Promise.resolve();
    const ready = readyHarbors();
    let p = ready.get(this.base);
    if (!p) {
      p = this.waitForPing();
      ready.set(this.base, p);
      // A failed wait is not cached: the next call waits again.
      p.catch(() => ready.delete(this.base));
    }
    return p;
  }

  /** One API call with retries. `path` is relative to `/api/v2.0`, e.g. `/registries/7`. */
  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<HarborResponse<T>> {
    await this.ready();
    const { attempts, baseDelayMs, maxDelayMs, timeoutMs } = this.retry;
    let lastStatus: number | undefined;
    let lastMessage = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let res: Response;
      try {
        res = await fetch(this.base + API_PREFIX + path, {
          method,
          headers: {
            authorization: this.auth,
            accept: "application/json",
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        lastStatus = undefined;
        lastMessage = networkMessage(e);
        if (attempt < attempts) await this.sleep(Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
        continue;
      }
      const text = await res.text();
      if (res.status < 400) {
        return { status: res.status, body: parseJson<T>(text), location: res.headers.get("location") ?? undefined };
      }
      lastStatus = res.status;
      lastMessage = harborErrorMessage(text);
      const retriable = res.status >= 500 || res.status === 429;
      if (!retriable) throw new HarborApiError(method, path, res.status, lastMessage, attempt);
      if (attempt < attempts) await this.sleep(Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
    }
    throw new HarborApiError(method, path, lastStatus, lastMessage, attempts);
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>("GET", path)).body as T;
  }

  /** GET that answers `undefined` for a 404 (the object is gone). */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (e) {
      if (e instanceof HarborApiError && e.status === 404) return undefined;
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

  /** DELETE where a 404 counts as success: the object is already gone. */
  async remove(path: string): Promise<void> {
    try {
      await this.request("DELETE", path);
    } catch (e) {
      if (e instanceof HarborApiError && e.status === 404) return;
      throw e;
    }
  }
}

/** The numeric id at the end of a `Location` header (`/api/v2.0/registries/7` -> 7). */
export function idFromLocation(location: string | undefined): number | undefined {
  const m = location?.match(/\/(\d+)\/?$/);
  return m ? Number(m[1]) : undefined;
}

function parseJson<T>(text: string): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as unknown as T;
  }
}

/** Harbor's `{"errors":[{"code","message"}]}` as one line; anything else, shortened. */
export function harborErrorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text);
    const errors = parsed?.errors;
    if (Array.isArray(errors) && errors.length > 0)
      return errors
        .map((e: { code?: string; message?: string } | null) => [e?.code, e?.message].filter(Boolean).join(": "))
        .join("; ");
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300) || "(empty response)";
}

function networkMessage(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError") return "request timed out";
  return `network error: ${err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e)}`;
}
