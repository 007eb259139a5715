import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs, Placement, podPlacement } from "../conventions";
import { ENVOY_GATEWAY_CHART, renderEnvoyGatewayValues } from "./renderEnvoyGatewayValues";

/** Defaults of {@link EnvoyGatewayArgs}, applied in the constructor only. */
export const envoyGatewayDefaults = {
  namespace: "envoy-gateway-system",
  replicas: 2,
  highAvailability: false,
  zoneSpread: true,
};

export interface EnvoyGatewayArgs {
  /** Namespace of the controller (Envoy Gateway also runs the proxies it manages there). Default: `envoy-gateway-system`. */
  namespace?: pulumi.Input<string>;
  /** Controller replicas (leader-elected). Default: 2. */
  replicas?: number;
  /** Refuse fewer than 2 replicas. Default: false. */
  highAvailability?: boolean;
  /** Where controller pods run. Default: anywhere. */
  placement?: Placement;
  /** Spread controller pods over zones (best effort). Default: true. */
  zoneSpread?: boolean;
}

/**
 * Envoy Gateway, a maintained Gateway API implementation (CNCF Envoy project), installed from its pinned
 * Helm chart with the Gateway API CRDs it ships. It only runs the control plane: the proxies and their
 * Service come from a Gateway and its EnvoyProxy (see HarborGateway).
 */
export class EnvoyGateway extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.EnvoyGateway;

  readonly namespace: pulumi.Output<string>;
  /** The Helm release (its CRDs): Gateway API objects wait for it. */
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: EnvoyGatewayArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("EnvoyGateway", name, checkEnvoyGatewayArgs(name, args));
    super(EnvoyGateway.__pulumiType, name, {}, opts);
    const d = envoyGatewayDefaults;
    const replicas = args.replicas ?? d.replicas;
    const ns = args.namespace ?? d.namespace;
    const placement = podPlacement(args.placement);
    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: "envoy-gateway",
        namespace: ns,
        createNamespace: true,
        chart: ENVOY_GATEWAY_CHART.chart,
        version: ENVOY_GATEWAY_CHART.version,
        values: renderEnvoyGatewayValues({
          replicas,
          nodeSelector: placement.nodeSelector,
          tolerations: placement.tolerations,
          zoneSpread: args.zoneSpread ?? d.zoneSpread,
        }),
      },
      { parent: this },
    );
    this.namespace = pulumi.output(ns);
    this.registerOutputs({ namespace: this.namespace });
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkEnvoyGatewayArgs(name: string, args: EnvoyGatewayArgs): ArgsProblem[] {
  const d = envoyGatewayDefaults;
  const replicas = args.replicas ?? d.replicas;
  const check = new ArgsChecker("EnvoyGateway", name);
  if (check.atLeast(replicas, 1, "replicas") && (args.highAvailability ?? d.highAvailability))
    check.check(
      replicas >= 2,
      "replicas",
      `${replicas} replica is a single point of failure and high availability is required`,
      "run 2 or more replicas",
    );
  return check.problems;
}
