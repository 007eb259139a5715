/**
 * Harbor's Redis: sentinels with their master set (RedisSentinel's outputs, or the team's own), or one
 * endpoint, plain or TLS (ElastiCache with cluster mode disabled, or any single Redis). Harbor does not
 * support Redis Cluster. The chart 1.19.2 builds `redis+sentinel://` from a comma list of sentinels plus
 * `redis.external.sentinelMasterSet`, and `redis://` / `rediss://` (`redis.external.tlsOptions.enable`) from
 * one `host:port`; both schemes are the chart's, so an address never carries one. Pure.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ArgsProblem } from "../conventions/validation";

/** Sentinels Harbor asks for the master (RedisSentinel's outputs, or the team's sentinels). */
export interface HarborRedisSentinel {
  /** Sentinels. Default: this kind, when `kind` is left out. */
  kind?: "sentinel";
  /** `host:port,host:port,...` of the sentinels, no scheme (`redis.external.addr`). */
  sentinelAddrs: pulumi.Input<string>;
  /** The sentinels' master set (`redis.external.sentinelMasterSet`). */
  masterSet: pulumi.Input<string>;
  /**
   * Secret with key `REDIS_PASSWORD` (and `REDIS_USERNAME` with ACLs) of the Redis nodes
   * (`redis.external.existingSecret`); Harbor never sends it to the sentinels, which must not require one.
   */
  passwordSecretName: pulumi.Input<string>;
}

/** One Redis endpoint: ElastiCache's primary endpoint (cluster mode disabled) or any single Redis. */
export interface HarborRedisEndpoint {
  /** One endpoint (not the default kind: sentinels). */
  kind: "endpoint";
  /** `host:port`, no scheme (`redis.external.addr`); ElastiCache: the primary endpoint, port 6379. */
  addr: pulumi.Input<string>;
  /** TLS to Redis (`redis.external.tlsOptions.enable`, scheme `rediss://`); ElastiCache: its in-transit encryption. Required: no default. */
  tls: boolean;
  /**
   * Secret with key `ca.crt` that signed Redis' certificate, added to the trust store of core, jobservice,
   * registry, trivy and the exporter (the chart's top-level `caBundleSecretName`). With `tls` only.
   * Default: none (public roots; ElastiCache's certificates are publicly trusted).
   */
  caBundleSecretName?: pulumi.Input<string>;
  /** Secret with key `REDIS_PASSWORD` (ElastiCache: the AUTH token), and `REDIS_USERNAME` with ACLs. Default: none (no AUTH). */
  passwordSecretName?: pulumi.Input<string>;
}

/** Harbor's Redis (HarborRelease's `redis`). */
export type HarborRedis = HarborRedisSentinel | HarborRedisEndpoint;

/** {@link HarborRedis} with every value known, as renderHarborValues takes it. */
export type HarborRedisValues =
  | { kind?: "sentinel"; sentinelAddrs: string; sentinelMasterSet: string; existingSecret: string }
  | { kind: "endpoint"; addr: string; tls: boolean; caBundleSecretName?: string; existingSecret?: string };

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)$/i;

/** What is wrong with one `host:port` (undefined: nothing). */
function hostPortProblem(entry: string): string | undefined {
  const i = entry.lastIndexOf(":");
  if (i <= 0) return `"${entry}" has no port`;
  const [host, port] = [entry.slice(0, i), entry.slice(i + 1)];
  if (!HOST.test(host)) return `"${host}" is not a host name or IP address`;
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) return `"${port}" is not a port (1-65535)`;
  return undefined;
}

/**
 * Every problem of a Redis connection whose values are plain (Outputs, known only at deploy time, are not
 * checked), paths relative to the Redis Args. Pure.
 */
export function harborRedisProblems(redis: HarborRedis): ArgsProblem[] {
  const out: ArgsProblem[] = [];
  const kind = (redis as { kind?: unknown }).kind ?? "sentinel";
  if (kind !== "sentinel" && kind !== "endpoint")
    return [{ path: "kind", problem: `is "${String(kind)}"`, fix: 'use "sentinel" or "endpoint"' }];
  if (kind === "sentinel") {
    const r = redis as HarborRedisSentinel;
    if ((r as { tls?: unknown }).tls !== undefined)
      out.push({
        path: "tls",
        problem:
          "TLS to sentinels (rediss+sentinel://) breaks the registry's Redis configuration in chart 1.19.2, which writes the master set only for the plain scheme",
        fix: "keep sentinel traffic inside the cluster behind a NetworkPolicy (RedisSentinel does), or use one TLS endpoint (kind: endpoint)",
      });
    if (typeof r.sentinelAddrs === "string") {
      const addrs = r.sentinelAddrs;
      if (SCHEME.test(addrs.trim()))
        out.push({
          path: "sentinelAddrs",
          problem: `"${addrs}" carries a scheme; the chart adds redis+sentinel:// itself`,
          fix: 'list each sentinel as host:port, comma-separated, e.g. "redis-0.redis:26379,redis-1.redis:26379,redis-2.redis:26379"',
        });
      else {
        const bad = addrs.split(",").flatMap((e) => {
          const p = e.trim() === "" ? "an empty entry" : hostPortProblem(e.trim());
          return p ? [p] : [];
        });
        if (bad.length)
          out.push({
            path: "sentinelAddrs",
            problem: `must be a comma list of host:port, but ${bad.join("; ")}`,
            fix: 'write e.g. "redis-0.redis:26379,redis-1.redis:26379,redis-2.redis:26379"',
          });
      }
    }
    if (typeof r.masterSet === "string" && !/^[A-Za-z0-9._-]+$/.test(r.masterSet))
      out.push({
        path: "masterSet",
        problem: `"${r.masterSet}" is not a master set name (it becomes a path segment of Harbor's Redis URL)`,
        fix: "use the name the sentinels monitor (`sentinel monitor <name> ...`): letters, digits, '.', '_' or '-'",
      });
    return out;
  }
  const r = redis as HarborRedisEndpoint;
  if (typeof r.addr === "string") {
    const addr = r.addr.trim();
    const problem = SCHEME.test(addr)
      ? {
          problem: `"${r.addr}" carries a scheme; the chart adds redis:// or rediss:// itself`,
          fix: "write host:port, and set tls for rediss://",
        }
      : addr.includes(",")
        ? {
            problem: `"${r.addr}" lists several addresses; an endpoint is one host:port`,
            fix: "for sentinels use the sentinel kind with sentinelAddrs and masterSet; for ElastiCache use the primary endpoint",
          }
        : hostPortProblem(addr) !== undefined
          ? {
              problem: `must be host:port, but ${hostPortProblem(addr)}`,
              fix: 'write e.g. "master.harbor.abc123.euw1.cache.amazonaws.com:6379"',
            }
          : undefined;
    if (problem) out.push({ path: "addr", ...problem });
  }
  if (typeof r.tls !== "boolean")
    out.push({
      path: "tls",
      problem: `must be true or false, got ${JSON.stringify(r.tls)}`,
      fix: "say whether Redis speaks TLS (ElastiCache: true with in-transit encryption)",
    });
  else if (!r.tls && r.caBundleSecretName !== undefined)
    out.push({
      path: "caBundleSecretName",
      problem: "is set, but tls is false: a CA bundle only verifies a TLS endpoint",
      fix: "set tls: true, or drop caBundleSecretName",
    });
  return out;
}
