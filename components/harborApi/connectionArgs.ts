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
}

/** {@link ConnectionInputs} with each field a Pulumi Input. */
export type ConnectionArgs = { [K in keyof ConnectionInputs]: pulumi.Input<ConnectionInputs[K]> };

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
    },
    password: pulumi.secret(h.password),
  };
}
