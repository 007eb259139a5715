/**
 * Envoy Gateway chart values (gateway-helm v1.9.0), from plain arguments. Pure. Every key exists in the
 * chart's values.tmpl.yaml or templates (test/edge.spec.ts checks them).
 */

/** Pinned Envoy Gateway chart, published as an OCI artifact. */
export const ENVOY_GATEWAY_CHART = {
  chart: "oci://docker.io/envoyproxy/gateway-helm",
  version: "v1.9.0",
} as const;

/**
 * Images, pinned by exact tag as the chart has them: the controller's tag is the chart's appVersion
 * (`${GatewayImage}` in values.tmpl.yaml), the proxy's is the chart's default (`distroless-v1.39.0` in
 * templates/_helpers.tpl, `DefaultEnvoyProxyImage` in api/v1alpha1/shared_types.go at v1.9.0).
 * No digests: none from a citable source (README).
 */
export const ENVOY_GATEWAY_IMAGES = {
  controller: "docker.io/envoyproxy/gateway:v1.9.0",
  proxy: "docker.io/envoyproxy/envoy:distroless-v1.39.0",
} as const;

export interface EnvoyGatewayValuesArgs {
  /** Controller replicas (leader election; the data plane keeps serving while it is down). */
  replicas: number;
  nodeSelector?: Record<string, string>;
  tolerations?: object[];
  zoneSpread: boolean;
}

export function renderEnvoyGatewayValues(a: EnvoyGatewayValuesArgs): Record<string, unknown> {
  return {
    global: {
      images: {
        envoyGateway: { image: ENVOY_GATEWAY_IMAGES.controller, pullPolicy: "IfNotPresent" },
        envoyProxy: { image: ENVOY_GATEWAY_IMAGES.proxy, pullPolicy: "IfNotPresent" },
      },
    },
    // The chart's subchart installs the Gateway API and Envoy Gateway CRDs the edge's objects need.
    crds: { enabled: true },
    deployment: {
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
                  labelSelector: { matchLabels: { "control-plane": "envoy-gateway" } },
                },
              ],
            }
          : {}),
      },
    },
    // The chart's default is minAvailable 0 (no protection); keep one controller through drains.
    podDisruptionBudget: { minAvailable: a.replicas > 1 ? 1 : 0 },
  };
}
