/**
 * The Gateway API objects of Harbor's edge, from plain arguments. Pure. Every object validates against
 * the CRDs Envoy Gateway v1.9.0 ships (Gateway API v1.6.1 and gateway.envoyproxy.io/v1alpha1; the
 * engine checks them, test/edge.spec.ts too); field names below are those CRDs'.
 */
import type { ArgsProblem } from "../conventions/validation";
import { ADMIN_API_PREFIXES, PUBLIC_API_EXCEPTIONS, selfLockoutProblems, StackApiCalls } from "./harborApiAccess";
import type { RoutedHttpRoute } from "./routeMatching";

export const GATEWAY_API = "gateway.networking.k8s.io/v1";
export const ENVOY_GATEWAY_API = "gateway.envoyproxy.io/v1alpha1";
/** Envoy Gateway's controller name (the chart's `config.envoyGateway.gateway.controllerName` default). */
export const ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";

/** Listener names; the chart's route, the redirect and cert-manager's HTTP-01 solver attach by these. */
export const HTTPS_LISTENER = "https";
export const HTTP_LISTENER = "http";

/**
 * Envoy's own readiness endpoint (a listener apart from traffic, without proxy protocol):
 * Envoy Gateway v1.9.0 internal/xds/bootstrap/bootstrap.go `EnvoyReadinessPort = 19003`,
 * `EnvoyReadinessPath = "/ready"`, also the proxy pods' readiness probe.
 */
export const ENVOY_READINESS = { port: 19003, path: "/ready" } as const;

/**
 * Timeouts for large layers. A blob upload or download is one request that may take many minutes:
 * ClientTrafficPolicy `timeout.http.requestReceivedTimeout` (whole request received) and
 * BackendTrafficPolicy `timeout.http.requestTimeout` (whole response) get an hour; stream idle (no byte
 * either way) 15 minutes instead of Envoy's 5; connection idle an hour.
 */
export const EDGE_TIMEOUTS = { request: "3600s", streamIdle: "900s", connectionIdle: "3600s" } as const;

export type EdgeExposure = "nlb" | "loadBalancer" | "nodePort";

export interface HarborGatewayRenderArgs {
  /** Namespace of the Gateway, its routes and policies: Harbor's (the certificate Secret is there). */
  namespace: string;
  /** Harbor's host name (no port). */
  host: string;
  /** The HTTPS port clients use (443, or dev's NodePort): the redirect's target. */
  externalHttpsPort: number;
  gatewayName: string;
  gatewayClassName: string;
  envoyProxyName: string;
  /** Secret with Harbor's certificate (`tls.crt`/`tls.key`), from the cert-manager Certificate. */
  tlsSecretName: string;
  /** Harbor core's Service (admin and public API routes go there, as the chart's route does). */
  coreService: { name: string; port: number };
  /** Client CIDRs allowed on the admin API route; empty: no admin route (everything as the chart routes it). */
  adminAllowlist: string[];
  exposure: EdgeExposure;
  /** Internal NLB. */
  internal: boolean;
  /** NLB deletion protection and access logs (nlb exposure). Default: neither. */
  loadBalancer?: NlbAttributes;
  /** Fixed NodePorts (nodePort exposure). */
  nodePorts: { https: number; http: number };
  /** Envoy proxy replicas. */
  replicas: number;
  nodeSelector?: Record<string, string>;
  tolerations?: object[];
  /** Spread proxies over zones (best effort). */
  zoneSpread: boolean;
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
};

const LB = "service.beta.kubernetes.io/aws-load-balancer";

/** Load balancer attributes the controller applies: deletion protection and S3 access logs. */
export interface NlbAttributes {
  deletionProtection: boolean;
  accessLogs?: { bucket: string; prefix: string };
}

/**
 * AWS Load Balancer Controller annotations of the proxy Service: an NLB with IP targets, cross-zone,
 * proxy protocol v2 to the targets (the client address reaches Envoy; the ClientTrafficPolicy's
 * `proxyProtocol` reads it) and a health check on Envoy's readiness listener, never on Harbor. Pure.
 */
export function nlbAnnotations(
  internal: boolean,
  lb: NlbAttributes = { deletionProtection: false },
): Record<string, string> {
  const attributes = [
    "load_balancing.cross_zone.enabled=true",
    ...(lb.deletionProtection ? ["deletion_protection.enabled=true"] : []),
    ...(lb.accessLogs
      ? [
          "access_logs.s3.enabled=true",
          `access_logs.s3.bucket=${lb.accessLogs.bucket}`,
          `access_logs.s3.prefix=${lb.accessLogs.prefix}`,
        ]
      : []),
  ];
  return {
    // `external` hands the Service to the AWS Load Balancer Controller; fixed at creation.
    [`${LB}-type`]: "external",
    [`${LB}-nlb-target-type`]: "ip",
    [`${LB}-scheme`]: internal ? "internal" : "internet-facing",
    [`${LB}-attributes`]: attributes.join(","),
    [`${LB}-target-group-attributes`]: "proxy_protocol_v2.enabled=true",
    [`${LB}-healthcheck-protocol`]: "HTTP",
    [`${LB}-healthcheck-port`]: String(ENVOY_READINESS.port),
    [`${LB}-healthcheck-path`]: ENVOY_READINESS.path,
  };
}

function envoyService(a: HarborGatewayRenderArgs): Record<string, unknown> {
  if (a.exposure === "nlb") return { type: "LoadBalancer", annotations: nlbAnnotations(a.internal, a.loadBalancer) };
  // Local keeps the client's address (no SNAT to another node), so the allowlist sees it.
  const plain = { externalTrafficPolicy: "Local" };
  if (a.exposure === "loadBalancer") return { type: "LoadBalancer", ...plain };
  return {
    type: "NodePort",
    ...plain,
    // Service ports merge by `port` (the listener's port); fixed node ports that dev's externalUrl names.
    patch: {
      type: "StrategicMerge",
      value: {
        spec: {
          ports: [
            { port: 443, nodePort: a.nodePorts.https },
            { port: 80, nodePort: a.nodePorts.http },
          ],
        },
      },
    },
  };
}

const labels = (component: string) => ({
  "app.kubernetes.io/name": "harbor-edge",
  "app.kubernetes.io/component": component,
  "app.kubernetes.io/managed-by": "harbor-ha",
});

/** Route rule backend: Harbor core's Service. */
const toCore = (a: { coreService: { name: string; port: number } }) => [
  { group: "", kind: "Service", name: a.coreService.name, port: a.coreService.port, weight: 1 },
];

/**
 * Names of the edge's namespaced objects, each derived from the Gateway's name (the platform's): two
 * Harbors fit one namespace. The admin route is the one its SecurityPolicy (same name) targets. Pure.
 */
export function edgeObjectNames(gatewayName: string) {
  return {
    envoyProxy: `${gatewayName}-edge`,
    clientTrafficPolicy: `${gatewayName}-clients`,
    backendTrafficPolicy: `${gatewayName}-backends`,
    redirectRoute: `${gatewayName}-http-redirect`,
    adminRoute: `${gatewayName}-admin-api`,
    publicApiRoute: `${gatewayName}-public-api`,
  };
}

/** The GatewayClass of a Gateway (cluster-scoped): named after the Gateway and its namespace. Pure. */
export function edgeGatewayClassName(gatewayName: string, namespace: string): string {
  return `${gatewayName}-${namespace}`;
}

export interface HarborGatewayObjects {
  gatewayClass: K8sObject;
  envoyProxy: K8sObject;
  gateway: K8sObject;
  clientTrafficPolicy: K8sObject;
  backendTrafficPolicy: K8sObject;
  redirectRoute: K8sObject;
  /** Only with an allowlist. */
  adminRoute?: K8sObject;
  publicApiRoute?: K8sObject;
  adminSecurityPolicy?: K8sObject;
}

/** A parentRef to one listener of a Gateway (`namespace` when the Gateway is in another namespace than the route). */
export interface ListenerRef {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
  sectionName: string;
}

export interface HarborRoutesRenderArgs {
  /** Harbor's namespace: the routes and the policy go there (beside core's Service). */
  namespace: string;
  /** Objects are named `<namePrefix>-http-redirect`, `-admin-api`, `-public-api` ({@link edgeObjectNames}). */
  namePrefix: string;
  host: string;
  /** The HTTPS port clients use (the redirect's target). */
  externalHttpsPort: number;
  /** The HTTPS listener the API routes attach to. */
  httpsParent: ListenerRef;
  /** The HTTP listener the redirect attaches to; none: no redirect route. */
  httpParent?: ListenerRef;
  coreService: { name: string; port: number };
  /** Client CIDRs allowed on the admin API route; empty: no admin route. */
  adminAllowlist: string[];
}

/** Harbor's own routes on a Gateway: the HTTP redirect and, with an allowlist, the admin and public API routes and the admin route's Envoy Gateway SecurityPolicy. Pure. */
export function renderHarborRoutes(
  a: HarborRoutesRenderArgs,
): Pick<HarborGatewayObjects, "adminRoute" | "publicApiRoute" | "adminSecurityPolicy"> & { redirectRoute?: K8sObject } {
  const meta = (name: string, component: string) => ({ name, namespace: a.namespace, labels: labels(component) });
  const names = edgeObjectNames(a.namePrefix);
  const out: ReturnType<typeof renderHarborRoutes> = {};
  if (a.httpParent)
    out.redirectRoute = {
      apiVersion: GATEWAY_API,
      kind: "HTTPRoute",
      metadata: meta(names.redirectRoute, "redirect"),
      spec: {
        parentRefs: [a.httpParent],
        hostnames: [a.host],
        // cert-manager's HTTP-01 solver adds an Exact /.well-known/acme-challenge/<token> route on this
        // listener; Exact outranks this PathPrefix, so challenges are answered, everything else redirected.
        rules: [
          {
            matches: [{ path: { type: "PathPrefix", value: "/" } }],
            filters: [
              {
                type: "RequestRedirect",
                requestRedirect: {
                  scheme: "https",
                  statusCode: 301,
                  ...(a.externalHttpsPort !== 443 ? { port: a.externalHttpsPort } : {}),
                },
              },
            ],
          },
        ],
      },
    };
  if (a.adminAllowlist.length > 0) {
    out.adminRoute = {
      apiVersion: GATEWAY_API,
      kind: "HTTPRoute",
      metadata: meta(names.adminRoute, "admin-api"),
      spec: {
        parentRefs: [a.httpsParent],
        hostnames: [a.host],
        rules: [
          {
            matches: ADMIN_API_PREFIXES.map((value) => ({ path: { type: "PathPrefix", value } })),
            backendRefs: toCore(a),
          },
        ],
      },
    };
    out.publicApiRoute = {
      apiVersion: GATEWAY_API,
      kind: "HTTPRoute",
      metadata: meta(names.publicApiRoute, "public-api"),
      spec: {
        parentRefs: [a.httpsParent],
        hostnames: [a.host],
        rules: [
          {
            matches: PUBLIC_API_EXCEPTIONS.map(({ type, value }) => ({ path: { type, value } })),
            backendRefs: toCore(a),
          },
        ],
      },
    };
    out.adminSecurityPolicy = {
      apiVersion: ENVOY_GATEWAY_API,
      kind: "SecurityPolicy",
      metadata: meta(names.adminRoute, "admin-api"),
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: names.adminRoute }],
        authorization: {
          defaultAction: "Deny",
          rules: [{ name: "admin-networks", action: "Allow", principal: { clientCIDRs: a.adminAllowlist } }],
        },
      },
    };
  }
  return out;
}

export function renderHarborGateway(a: HarborGatewayRenderArgs): HarborGatewayObjects {
  const meta = (name: string, component: string) => ({ name, namespace: a.namespace, labels: labels(component) });
  const names = edgeObjectNames(a.gatewayName);
  const parent = (sectionName: string) => ({
    group: "gateway.networking.k8s.io",
    kind: "Gateway",
    name: a.gatewayName,
    sectionName,
  });
  // Only routes of Harbor's namespace attach: no other team can hang a route (or a catch-all) on this Gateway.
  const allowedRoutes = {
    namespaces: { from: "Same" },
    kinds: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }],
  };
  const gatewayRef = [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: a.gatewayName }];
  const selector = { matchLabels: { "gateway.envoyproxy.io/owning-gateway-name": a.gatewayName } };

  return {
    gatewayClass: {
      apiVersion: GATEWAY_API,
      kind: "GatewayClass",
      metadata: { name: a.gatewayClassName, labels: labels("gateway-class") },
      spec: {
        controllerName: ENVOY_GATEWAY_CONTROLLER,
        parametersRef: {
          group: "gateway.envoyproxy.io",
          kind: "EnvoyProxy",
          name: a.envoyProxyName,
          namespace: a.namespace,
        },
      },
    },
    envoyProxy: {
      apiVersion: ENVOY_GATEWAY_API,
      kind: "EnvoyProxy",
      metadata: meta(a.envoyProxyName, "proxy"),
      spec: {
        provider: {
          type: "Kubernetes",
          kubernetes: {
            envoyDeployment: {
              replicas: a.replicas,
              pod: {
                ...(a.nodeSelector ? { nodeSelector: a.nodeSelector } : {}),
                ...(a.tolerations ? { tolerations: a.tolerations } : {}),
                ...(a.zoneSpread
                  ? {
                      topologySpreadConstraints: [
                        {
                          maxSkew: 1,
                          topologyKey: "topology.kubernetes.io/zone",
                          whenUnsatisfiable: "ScheduleAnyway",
                          labelSelector: selector,
                        },
                      ],
                    }
                  : {}),
              },
            },
            ...(a.replicas > 1 ? { envoyPDB: { minAvailable: 1 } } : {}),
            envoyService: envoyService(a),
          },
        },
      },
    },
    gateway: {
      apiVersion: GATEWAY_API,
      kind: "Gateway",
      metadata: meta(a.gatewayName, "gateway"),
      spec: {
        gatewayClassName: a.gatewayClassName,
        // Both listeners carry Harbor's hostname: a request for any other Host (the NLB's name, its IP)
        // matches no virtual host and gets 404 (HTTP) or no certificate (HTTPS), never Harbor.
        listeners: [
          {
            name: HTTPS_LISTENER,
            protocol: "HTTPS",
            port: 443,
            hostname: a.host,
            tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: a.tlsSecretName }] },
            allowedRoutes,
          },
          { name: HTTP_LISTENER, protocol: "HTTP", port: 80, hostname: a.host, allowedRoutes },
        ],
      },
    },
    clientTrafficPolicy: {
      apiVersion: ENVOY_GATEWAY_API,
      kind: "ClientTrafficPolicy",
      metadata: meta(names.clientTrafficPolicy, "client-traffic"),
      spec: {
        targetRefs: gatewayRef,
        tls: { minVersion: "1.2" },
        // The NLB sends proxy protocol v2 (target group attribute); Envoy reads the client address from it.
        ...(a.exposure === "nlb" ? { proxyProtocol: {} } : {}),
        timeout: {
          http: {
            requestReceivedTimeout: EDGE_TIMEOUTS.request,
            streamIdleTimeout: EDGE_TIMEOUTS.streamIdle,
            idleTimeout: EDGE_TIMEOUTS.connectionIdle,
          },
        },
        // Normalised paths before route matching, so `//api/v2.0//system` or `%2F` cannot slip past the admin route.
        path: { escapedSlashesAction: "UnescapeAndRedirect", disableMergeSlashes: false },
      },
    },
    backendTrafficPolicy: {
      apiVersion: ENVOY_GATEWAY_API,
      kind: "BackendTrafficPolicy",
      metadata: meta(names.backendTrafficPolicy, "backend-traffic"),
      // No `requestBuffer`: request bodies stream to Harbor, with no size limit.
      spec: {
        targetRefs: gatewayRef,
        timeout: {
          http: {
            requestTimeout: EDGE_TIMEOUTS.request,
            streamIdleTimeout: EDGE_TIMEOUTS.streamIdle,
            connectionIdleTimeout: EDGE_TIMEOUTS.connectionIdle,
          },
        },
      },
    },
    ...renderHarborRoutes({
      namespace: a.namespace,
      namePrefix: a.gatewayName,
      host: a.host,
      externalHttpsPort: a.externalHttpsPort,
      httpsParent: parent(HTTPS_LISTENER),
      httpParent: parent(HTTP_LISTENER),
      coreService: a.coreService,
      adminAllowlist: a.adminAllowlist,
    }),
  } as HarborGatewayObjects;
}

/** The Gateway name of the routes the lockout check renders (only their paths matter). */
const LOCKOUT_GATEWAY = "harbor";

/** The admin and public API routes a Gateway for `host` would carry with this allowlist (for checks). Pure. */
export function apiRoutesFor(host: string, adminAllowlist: string[]): K8sObject[] {
  const o = renderHarborGateway({
    namespace: "-",
    host,
    externalHttpsPort: 443,
    gatewayName: LOCKOUT_GATEWAY,
    gatewayClassName: "-",
    envoyProxyName: "-",
    tlsSecretName: "-",
    coreService: { name: "-", port: 80 },
    adminAllowlist,
    exposure: "nodePort",
    internal: false,
    nodePorts: { https: 30443, http: 30080 },
    replicas: 1,
    zoneSpread: false,
  });
  return [o.adminRoute, o.publicApiRoute].filter((r): r is K8sObject => r !== undefined);
}

/** {@link selfLockoutProblems} against the routes this tier renders for `host`. Pure. */
export function edgeLockoutProblems(a: {
  host: string;
  adminAllowlist: string[];
  operatorCidrs: string[];
  calls: StackApiCalls[];
  /** The load balancer has public addresses. Default: false. */
  internetFacing?: boolean;
}): ArgsProblem[] {
  return selfLockoutProblems({
    ...a,
    routes: apiRoutesFor(a.host, a.adminAllowlist) as unknown as RoutedHttpRoute[],
    adminRouteName: edgeObjectNames(LOCKOUT_GATEWAY).adminRoute,
  });
}
