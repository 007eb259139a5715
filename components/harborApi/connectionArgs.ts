/**
 * How components name the Harbor they manage (`HarborApiArgs`), and the connection inputs every
 * harbor-ha API resource carries, rendered from it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInputs } from "./providerSupport";

/** How to reach a Harbor's API as its admin. */
export interface HarborApiArgs {
  /** Harbor's external URL, e.g. `https://harbor.example.com` (no `/api/v2.0`). Required. */
  url: pulumi.Input<string>;
  /** Admin user. Default: `admin`. */
  username?: pulumi.Input<string>;
  /** Admin password; kept a secret (wrapped with pulumi.secret if it is not one). Required. */
  password: pulumi.Input<string>;
  /** Polls of `GET /api/v2.0/ping` before the first call of a run (bounded wait for the release). Default: 60. */
  pingAttempts?: number;
  /** Pause between polls, in seconds. Default: 5 (so up to 5 minutes). */
  pingIntervalSeconds?: number;
  /**
   * PEM CA certificate(s) to trust for Harbor's API besides the public roots: a private or self-signed
   * CA (the dev stack passes the CA its TLS tier creates). Default: public roots only.
   */
  caBundle?: pulumi.Input<string>;
  /** Explicit opt-in: skip certificate checks and allow a plain `http://` URL. Default: false. */
  insecure?: boolean;
  /** One time bound for each API request, its retries and `Retry-After` waits included, in seconds. Default: 180. */
  requestTimeoutSeconds?: number;
}

/** {@link ConnectionInputs} with each field a Pulumi Input. */
export type ConnectionArgs = { [K in keyof ConnectionInputs]: pulumi.Input<ConnectionInputs[K]> };

/**
 * What is wrong with a {@link HarborApiArgs} (for a component's ArgsChecker), as `[path, problem, fix]`:
 * a plain `http://` URL without the explicit `insecure` opt-in, and bounds below their minimum.
 */
export function harborApiProblems(h: HarborApiArgs | undefined, at = "harbor"): [string, string, string][] {
  const out: [string, string, string][] = [];
  if (!h) return [[at, "is missing", "pass { url, password } of the Harbor to manage"]];
  if (typeof h.url === "string" && !/^https:\/\//i.test(h.url) && !h.insecure)
    out.push([
      `${at}.url`,
      `"${h.url}" is not https: the admin password would cross the network in clear`,
      `use https://, or opt in explicitly with ${at}.insecure: true`,
    ]);
  if (h.requestTimeoutSeconds !== undefined && !(h.requestTimeoutSeconds >= 1))
    out.push([`${at}.requestTimeoutSeconds`, `must be at least 1, got ${h.requestTimeoutSeconds}`, "give seconds"]);
  return out;
}

/** The `connection` and `password` (secret) inputs of a resource, from {@link HarborApiArgs}. */
export function connectionInputs(h: HarborApiArgs): { connection: ConnectionArgs; password: pulumi.Output<string> } {
  return {
    connection: {
      url:
        typeof h.url === "string"
          ? h.url.replace(/\/+$/, "")
          : pulumi.output(h.url).apply((u) => u.replace(/\/+$/, "")),
      username: h.username ?? "admin",
      pingAttempts: h.pingAttempts ?? 60,
      pingIntervalMs: Math.round((h.pingIntervalSeconds ?? 5) * 1000),
      ...(h.caBundle === undefined ? {} : { caBundle: h.caBundle }),
      ...(h.insecure ? { insecure: true } : {}),
      ...(h.requestTimeoutSeconds === undefined
        ? {}
        : { requestTimeoutMs: Math.round(h.requestTimeoutSeconds * 1000) }),
    },
    password: pulumi.secret(h.password),
  };
}
