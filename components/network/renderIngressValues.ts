/**
 * ingress-nginx chart values (chart 4.15.1, controller 1.15.1) for Harbor's edge, from plain arguments.
 * Pure. Keys checked against the chart's values.yaml and the controller's ConfigMap keys at that version.
 */
import type { ArgsProblem } from "../conventions/validation";

export type Exposure = "nlb" | "loadBalancer" | "nodePort";

export interface IngressValuesArgs {
  exposure: Exposure;
  /** Internal NLB (private subnets). */
  internal: boolean;
  replicas: number;
  ingressClassName: string;
  /** Pin each client to one controller pod: NLB source-IP stickiness, or the Service's ClientIP affinity. */
  clientIpAffinity: boolean;
  /** Pick Harbor's upstream pod by client address (nginx's ip_hash equivalent, `upstream-hash-by`). */
  ipHash: boolean;
  /** Balancing among upstream pods when ipHash is off. */
  loadBalance: "round_robin" | "ewma";
  /** Whether an admin allowlist is used: the controller must then see real client addresses. */
  clientAddressNeeded: boolean;
  /** `<namespace>/<service>` that answers requests with no matching host (the NLB's health check). */
  defaultBackendService?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: object[];
  zoneSpread: boolean;
}

/** Combinations nginx itself rejects, or that ingress-nginx cannot do. Pure. */
export function ingressProblems(a: { ipHash: boolean; backupServers: string[] }): ArgsProblem[] {
  if (a.backupServers.length === 0) return [];
  if (a.ipHash) {
    return [
      {
        path: "backupServers",
        problem:
          'nginx rejects backup servers together with ip_hash ("balancing method does not support parameter \\"backup\\""), so ipHash and backupServers cannot both be set',
        fix: "drop ipHash (use clientIpAffinity for stickiness) or drop backupServers",
      },
    ];
  }
  return [
    {
      path: "backupServers",
      problem:
        "ingress-nginx balances over the Service's ready endpoints only: it has no backup servers (nor per-server weights)",
      fix: "remove backupServers; readiness probes and the NLB's health check take failed pods out of rotation",
    },
  ];
}

/** Harbor's unauthenticated liveness answer ("Pong"). /api/v2.0/health is always 200 and would hide outages. */
export const NLB_HEALTH_CHECK_PATH = "/api/v2.0/ping";

const LB = "service.beta.kubernetes.io/aws-load-balancer";

/** AWS Load Balancer Controller annotations of the controller's Service. Pure. */
export function nlbAnnotations(internal: boolean, clientIpAffinity: boolean): Record<string, string> {
  return {
    // `external` hands the Service to the AWS Load Balancer Controller; it is fixed at creation.
    [`${LB}-type`]: "external",
    [`${LB}-nlb-target-type`]: "ip",
    [`${LB}-scheme`]: internal ? "internal" : "internet-facing",
    [`${LB}-healthcheck-path`]: NLB_HEALTH_CHECK_PATH,
    [`${LB}-healthcheck-protocol`]: "HTTP",
    [`${LB}-healthcheck-port`]: "80",
    [`${LB}-attributes`]: "load_balancing.cross_zone.enabled=true",
    // IP targets hide the client's address unless preserved; the admin allowlist needs it.
    [`${LB}-target-group-attributes`]: [
      "preserve_client_ip.enabled=true",
      ...(clientIpAffinity ? ["stickiness.enabled=true", "stickiness.type=source_ip"] : []),
    ].join(","),
  };
}

export function renderIngressValues(a: IngressValuesArgs): Record<string, unknown> {
  const selector = {
    "app.kubernetes.io/name": "ingress-nginx",
    "app.kubernetes.io/instance": "ingress-nginx",
    "app.kubernetes.io/component": "controller",
  };
  const plainService = a.exposure !== "nlb";
  return {
    controller: {
      replicaCount: a.replicas,
      // The chart renders the PDB only with more than one replica.
      minAvailable: 1,
      ingressClass: a.ingressClassName,
      ingressClassResource: {
        name: a.ingressClassName,
        enabled: true,
        default: false,
        controllerValue: `k8s.io/${a.ingressClassName}`,
      },
      // Snippets let any Ingress author inject nginx config (CVE-2025-1974 class): keep them off.
      allowSnippetAnnotations: false,
      config: {
        // Image layers are large: no body limit, stream uploads and downloads, long timeouts.
        "proxy-body-size": "0",
        "proxy-request-buffering": "off",
        "proxy-buffering": "off",
        "proxy-read-timeout": "900",
        "proxy-send-timeout": "900",
        "proxy-connect-timeout": "30",
        "ssl-protocols": "TLSv1.2 TLSv1.3",
        // Trust no client-supplied X-Forwarded-For: the allowlist must see the real address.
        "use-forwarded-headers": "false",
        ...(a.ipHash ? { "upstream-hash-by": "$binary_remote_addr" } : { "load-balance": a.loadBalance }),
      },
      ...(a.defaultBackendService ? { extraArgs: { "default-backend-service": a.defaultBackendService } } : {}),
      service: {
        type: a.exposure === "nodePort" ? "NodePort" : "LoadBalancer",
        annotations: a.exposure === "nlb" ? nlbAnnotations(a.internal, a.clientIpAffinity) : {},
        // A plain Service keeps the client address only with Local (no SNAT hop to another node).
        ...(plainService && (a.clientAddressNeeded || a.clientIpAffinity || a.exposure === "loadBalancer")
          ? { externalTrafficPolicy: "Local" }
          : {}),
        ...(plainService && a.clientIpAffinity ? { sessionAffinity: "ClientIP" } : {}),
      },
      resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
      ...(a.nodeSelector ? { nodeSelector: a.nodeSelector } : {}),
      ...(a.tolerations ? { tolerations: a.tolerations } : {}),
      ...(a.zoneSpread
        ? {
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: selector },
              },
            ],
          }
        : {}),
      metrics: { enabled: true },
    },
  };
}

/** Annotations for Harbor's own Ingress: streaming and long timeouts per location (ingress-nginx reads them per Ingress). Pure. */
export function harborIngressAnnotations(): Record<string, string> {
  return {
    "nginx.ingress.kubernetes.io/proxy-body-size": "0",
    "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
    "nginx.ingress.kubernetes.io/proxy-buffering": "off",
    "nginx.ingress.kubernetes.io/proxy-read-timeout": "900",
    "nginx.ingress.kubernetes.io/proxy-send-timeout": "900",
  };
}

/**
 * Annotations restricting an Ingress to the allowlist (empty map: no allowlist). Pure.
 * `allowlist-source-range` is the controller's current name; `whitelist-source-range` is only an alias.
 */
export function allowlistAnnotations(cidrs: string[]): Record<string, string> {
  return cidrs.length
    ? { ...harborIngressAnnotations(), "nginx.ingress.kubernetes.io/allowlist-source-range": cidrs.join(",") }
    : {};
}
