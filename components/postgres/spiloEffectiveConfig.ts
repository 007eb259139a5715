/**
 * The Patroni configuration a Spilo pod really runs, as a pure function. Spilo 4.0-p2 (the pinned
 * image's tag) renders its own TEMPLATE and then merges our SPILO_CONFIGURATION into it:
 *   config = deep_update(user_config_copy, config)        (configure_spilo.py, main())
 * with deep_update(a, b): dicts merge recursively, two lists give a's list (ours replaces Spilo's
 * whole), any other value is a's unless a's is None. So every key we set wins, a list we set drops all of
 * Spilo's entries, and every key we leave out is Spilo's.
 *
 * SPILO_TEMPLATE_DEFAULTS models the TEMPLATE entries (and the placeholders they take) under every key
 * our configuration sets, plus the ones that matter around them (log_statement, Spilo's pg_hba, the
 * local shared_buffers, the Kubernetes DCS keys Spilo adds). Source:
 * test/fixtures/upstream/spilo-4.0-p2/facts.json, lines quoted from configure_spilo.py (the test checks each modelled value
 * against that file).
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isDict = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** configure_spilo.py's deep_update(a, b), on a copy of `a`. */
export function spiloDeepUpdate(a: unknown, b: unknown): unknown {
  if (isDict(a) && isDict(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const key of Object.keys(b)) out[key] = key in out ? spiloDeepUpdate(out[key], b[key]) : b[key];
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a;
  return a !== null && a !== undefined ? a : b;
}

/** What Spilo's placeholders depend on in our pods. */
export interface SpiloEnvironment {
  /** The container's memory limit, MiB (Spilo reads the cgroup limit). */
  memoryMiB: number;
  /** PGUSER_STANDBY. Default: `standby`. */
  standbyUser?: string;
  /** KUBERNETES_BYPASS_API_SERVICE (Spilo's placeholder default: `true`). */
  bypassApiService?: boolean;
  /** KUBERNETES_USE_CONFIGMAPS set (Spilo otherwise adds use_endpoints, pod_ip and ports). */
  useConfigmaps?: boolean;
}

/** Spilo 4.0-p2's TEMPLATE and DCS config for the keys that matter to us, with its placeholders filled. */
export function spiloTemplateDefaults(env: SpiloEnvironment): Record<string, Json> {
  const standby = env.standbyUser ?? "standby";
  // get_placeholders: sb_ratio = 5 if USE_KUBERNETES else 4; max_connections = min(max(100, mem/30), 1000).
  const sharedBuffersMb = Math.floor(env.memoryMiB / 5);
  const maxConnections = Math.min(Math.max(100, Math.floor(env.memoryMiB / 30)), 1000);
  return {
    bootstrap: {
      dcs: {
        ttl: 30,
        loop_wait: 10,
        retry_timeout: 10,
        maximum_lag_on_failover: 33554432,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            archive_mode: "on",
            wal_level: "hot_standby",
            wal_log_hints: "on",
            max_wal_senders: 10,
            max_connections: maxConnections,
            max_replication_slots: 10,
            hot_standby: "on",
            log_min_duration_statement: 500,
            log_statement: "ddl",
          },
        },
      },
    },
    postgresql: {
      pgpass: "/run/postgresql/pgpass",
      use_unix_socket: true,
      use_unix_socket_repl: true,
      parameters: { shared_buffers: `${sharedBuffersMb}MB`, ssl: "on" },
      // ALLOW_NOSSL unset, PAM_OAUTH2 unset.
      pg_hba: [
        "local   all             all                                   trust",
        "host    all             all                127.0.0.1/32       md5",
        "host    all             all                ::1/128            md5",
        `local   replication     ${standby}                    trust`,
        `hostssl replication     ${standby} all                md5`,
        "hostnossl all           all                all                reject",
        "hostssl all             all                all                md5",
      ],
    },
    kubernetes: {
      ...(env.useConfigmaps ? {} : { use_endpoints: true }),
      ...((env.bypassApiService ?? true) ? { bypass_api_service: true } : {}),
    },
  };
}

/** The effective configuration: our SPILO_CONFIGURATION merged into Spilo's as Spilo does it. */
export function spiloEffectiveConfig(ours: Record<string, unknown>, env: SpiloEnvironment): Record<string, unknown> {
  return spiloDeepUpdate(structuredClone(ours), spiloTemplateDefaults(env)) as Record<string, unknown>;
}
