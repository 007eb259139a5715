/**
 * ingress-nginx chart values for Harbor's edge, from plain arguments. Pure.
 */
export type Exposure = "nlb" | "loadBalancer" | "nodePort";

export interface IngressValuesArgs {
    exposure: Exposure;
    /** Internal NLB (private subnets). */
    internal: boolean;
    replicas: number;
    ingressClassName: string;
    /** Keep the client's address and pin each client to one controller pod. */
    clientIpAffinity: boolean;
    /** Hash upstream selection by client address (nginx ip_hash equivalent). */
    ipHash: boolean;
    /** `<namespace>/<service>` that answers requests with no matching host (the NLB's health check). */
    defaultBackendService?: string;
    nodeSelector?: Record<string, string>;
    tolerations?: object[];
    zoneSpread: boolean;
}

/** Problems nginx itself would reject, or this controller cannot do. */
export function ingressProblems(a: { ipHash: boolean; backupServers: string[] }): { path: string; problem: string; fix: string }[] {
    if (a.backupServers.length === 0) return [];
    if (a.ipHash) {
        return [{ path: "backupServers", problem: 'nginx rejects backup servers together with ip_hash ("balancing method does not support parameter \\"backup\\"")', fix: "drop ipHash (use clientIpAffinity for stickiness) or drop backupServers" }];
    }
    return [{ path: "backupServers", problem: "ingress-nginx has no backup upstreams (only open-source nginx's passive checks)", fix: "remove backupServers; the NLB's health check takes failed controllers out of rotation" }];
}

export const NLB_HEALTH_CHECK_PATH = "/api/v2.0/ping";

export function nlbAnnotations(internal: boolean): Record<string, string> {
    const p = "service.beta.kubernetes.io/aws-load-balancer";
    return {
        // `external` hands the Service to the AWS Load Balancer Controller; it is fixed at creation.
        [`${p}-type`]: "external",
        [`${p}-nlb-target-type`]: "ip",
        [`${p}-scheme`]: internal ? "internal" : "internet-facing",
        // Harbor's ping answers "Pong" without auth; /api/v2.0/health is always 200 and would hide outages.
        [`${p}-healthcheck-path`]: NLB_HEALTH_CHECK_PATH,
        [`${p}-healthcheck-protocol`]: "HTTP",
        [`${p}-healthcheck-port`]: "80",
        [`${p}-attributes`]: "load_balancing.cross_zone.enabled=true",
    };
}

export function renderIngressValues(a: IngressValuesArgs): Record<string, unknown> {
    const selector = { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" };
    return {
        controller: {
            replicaCount: a.replicas,
            minAvailable: 1,
            ingressClass: a.ingressClassName,
            ingressClassResource: { name: a.ingressClassName, enabled: true, default: false, controllerValue: `k8s.io/${a.ingressClassName}` },
            config: {
                // Image layers are large: no body limit, stream uploads and downloads, long timeouts.
                "proxy-body-size": "0",
                "proxy-request-buffering": "off",
                "proxy-buffering": "off",
                "proxy-read-timeout": "900",
                "proxy-send-timeout": "900",
                "proxy-connect-timeout": "30",
                "ssl-protocols": "TLSv1.2 TLSv1.3",
                "use-forwarded-headers": "false",
                ...(a.ipHash ? { "upstream-hash-by": "$binary_remote_addr" } : {}),
            },
            ...(a.defaultBackendService ? { extraArgs: { "default-backend-service": a.defaultBackendService } } : {}),
            service: {
                type: a.exposure === "nodePort" ? "NodePort" : "LoadBalancer",
                annotations: a.exposure === "nlb" ? nlbAnnotations(a.internal) : {},
                // Local keeps the client address (for the admin allowlist) and avoids a second hop.
                externalTrafficPolicy: a.clientIpAffinity || a.exposure === "nlb" ? "Local" : "Cluster",
                ...(a.clientIpAffinity ? { sessionAffinity: "ClientIP" } : {}),
            },
            resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
            ...(a.nodeSelector ? { nodeSelector: a.nodeSelector } : {}),
            ...(a.tolerations ? { tolerations: a.tolerations } : {}),
            topologySpreadConstraints: a.zoneSpread ? [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }] : [],
            metrics: { enabled: true },
        },
    };
}

/** Annotations for Harbor's own Ingress: streaming and timeouts per location, and the admin allowlist. */
export function harborIngressAnnotations(adminAllowlist: string[]): Record<string, string> {
    return {
        "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
        "nginx.ingress.kubernetes.io/proxy-buffering": "off",
        "nginx.ingress.kubernetes.io/proxy-read-timeout": "900",
        "nginx.ingress.kubernetes.io/proxy-send-timeout": "900",
        ...(adminAllowlist.length ? { "harbor-ha.io/admin-allowlist": adminAllowlist.join(",") } : {}),
    };
}

/** Harbor's administrative API paths, reachable only from the allowlist. */
export const ADMIN_PATHS = ["/api/v2.0/configurations", "/api/v2.0/users", "/api/v2.0/usergroups", "/api/v2.0/system", "/api/v2.0/ldap", "/api/v2.0/registries", "/api/v2.0/replication"];
