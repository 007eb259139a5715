/**
 * The redis_exporter sidecar of a Redis node or a sentinel, as a pure function. Against a sentinel,
 * redis_exporter reads `INFO` (redis_mode: sentinel) and exports `redis_sentinel_*` metrics.
 */
import { REDIS_PORT, SENTINEL_PORT } from "./renderRedisConfig";

/**
 * oliver006/redis_exporter, pinned by exact tag: v1.88.0 (git tag v1.88.0 of github.com/oliver006/redis_exporter,
 * 2026-07-23). No citable digest was found: see README.
 */
export const REDIS_EXPORTER_IMAGE = "oliver006/redis_exporter:v1.88.0";
/** redis_exporter's default listen port (`--web.listen-address=0.0.0.0:9121`). */
export const REDIS_EXPORTER_PORT = 9121;
/** The container port's name: the PodMonitors scrape it by this name. */
export const REDIS_EXPORTER_PORT_NAME = "redis-metrics";

/**
 * The sidecar for a Redis node (`role: redis`, authenticated with the set's password from its Secret through
 * `REDIS_PASSWORD`, never argv) or a sentinel (`role: sentinel`, which requires no password, harbor#14757).
 */
export function renderRedisExporterContainer<S>(a: { role: "redis" | "sentinel"; passwordSecretName: S }) {
  const port = a.role === "redis" ? REDIS_PORT : SENTINEL_PORT;
  return {
    name: "redis-exporter",
    image: REDIS_EXPORTER_IMAGE,
    ports: [{ name: REDIS_EXPORTER_PORT_NAME, containerPort: REDIS_EXPORTER_PORT }],
    env: [
      { name: "REDIS_ADDR", value: `redis://localhost:${port}` },
      ...(a.role === "redis"
        ? [
            {
              name: "REDIS_PASSWORD",
              valueFrom: { secretKeyRef: { name: a.passwordSecretName, key: "REDIS_PASSWORD" } },
            },
          ]
        : []),
    ],
    resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    readinessProbe: { httpGet: { path: "/health", port: REDIS_EXPORTER_PORT }, periodSeconds: 10 },
    securityContext: { runAsNonRoot: true, runAsUser: 59000, allowPrivilegeEscalation: false },
  };
}
