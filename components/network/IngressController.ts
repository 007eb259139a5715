import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, Placement, podPlacement } from "../conventions";
import {
  allowlistAnnotations,
  Exposure,
  harborIngressAnnotations,
  ingressProblems,
  renderIngressValues,
} from "./renderIngressValues";

/** Pinned ingress-nginx chart (controller 1.15.1). */
export const INGRESS_NGINX_CHART = {
  chart: "ingress-nginx",
  version: "4.15.1",
  repo: "https://kubernetes.github.io/ingress-nginx",
} as const;

/** The chart's controller Service, named from the release (`ingress-nginx`). */
export const INGRESS_CONTROLLER_SERVICE = "ingress-nginx-controller";

const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/([0-9]|[12]\d|3[0-2])$/;

export interface IngressControllerArgs {
  /** Namespace of the controller. Default: `ingress-nginx`. */
  namespace?: string;
  /** How the controller is exposed: AWS NLB (AWS Load Balancer Controller), a plain LoadBalancer or NodePort (dev). Default: `nlb`. */
  exposure?: Exposure;
  /** Internal NLB (private subnets only). Default: false. */
  internal?: boolean;
  /** Refuse fewer than 2 replicas. Default: false. */
  highAvailability?: boolean;
  /** Controller replicas (a PDB keeps one up when more than one). Default: 2. */
  replicas?: number;
  /** IngressClass name. Default: `nginx`. */
  ingressClassName?: string;
  /** Keep each client on one controller pod (NLB source-IP stickiness, or Service ClientIP affinity). Default: false. */
  clientIpAffinity?: boolean;
  /** Pick Harbor's upstream pod by client address (nginx ip_hash equivalent). Default: false. */
  ipHash?: boolean;
  /** Upstream balancing when ipHash is off. Default: `round_robin`. */
  loadBalance?: "round_robin" | "ewma";
  /** Backup upstream servers: refused (ingress-nginx has none; with ipHash nginx rejects them). Default: []. */
  backupServers?: string[];
  /** `<namespace>/<service>` answering requests without a matching host: Harbor's core (HarborRelease `coreServiceName`), so the NLB's /api/v2.0/ping check reaches Harbor. Default: none. */
  defaultBackendService?: pulumi.Input<string>;
  /** IPv4 CIDRs allowed to reach Harbor's administrative API paths (see `allowlistAnnotations`). Default: [] (no restriction). */
  adminAllowlist?: string[];
  /** Where controller pods run. Default: anywhere. */
  placement?: Placement;
  /** Spread controller pods over zones (best effort). Default: true. */
  zoneSpread?: boolean;
}

/**
 * The edge in front of Harbor: ingress-nginx exposed through an AWS NLB (AWS Load Balancer
 * Controller annotations: external, IP targets, cross-zone, client IP preserved, health check on
 * Harbor's /api/v2.0/ping), or a plain LoadBalancer/NodePort for a laptop. Unlimited body size, no
 * request buffering, long timeouts and TLS 1.2+ only. The admin allowlist is handed to Harbor's
 * release as annotations (`allowlistAnnotations`) for its admin-path Ingress.
 */
export class IngressController extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.IngressController;

  readonly ingressClassName: pulumi.Output<string>;
  /** The controller Service's name (in `namespace`). */
  readonly serviceName: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** Annotations for Harbor's main Ingress (streaming, timeouts): HarborRelease `ingressAnnotations`. */
  readonly harborIngressAnnotations: pulumi.Output<Record<string, string>>;
  /** Annotations restricting an Ingress to `adminAllowlist` (empty without one): HarborRelease `adminPathAnnotations`. */
  readonly allowlistAnnotations: pulumi.Output<Record<string, string>>;
  /** The Helm release, for `dependsOn`. */
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: IngressControllerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    const replicas = args.replicas ?? 2;
    const allowlist = args.adminAllowlist ?? [];
    const check = new ArgsChecker("IngressController", name);
    if (check.atLeast(replicas, 1, "replicas") && (args.highAvailability ?? false)) {
      check.check(
        replicas >= 2,
        "replicas",
        `${replicas} replica is a single point of failure and high availability is required`,
        "run 2 or more replicas",
      );
    }
    check.problems.push(...ingressProblems({ ipHash: args.ipHash ?? false, backupServers: args.backupServers ?? [] }));
    for (const cidr of allowlist)
      check.check(IPV4_CIDR.test(cidr), "adminAllowlist", `"${cidr}" is not an IPv4 CIDR`, "write it like 10.0.0.0/8");
    check.throwIfAny();
    super(IngressController.__pulumiType, name, {}, opts);
    const ns = args.namespace ?? "ingress-nginx";
    const className = args.ingressClassName ?? "nginx";
    const placement = podPlacement(args.placement);
    const values = pulumi.output(args.defaultBackendService).apply((backend) =>
      renderIngressValues({
        exposure: args.exposure ?? "nlb",
        internal: args.internal ?? false,
        replicas,
        ingressClassName: className,
        clientIpAffinity: args.clientIpAffinity ?? false,
        ipHash: args.ipHash ?? false,
        loadBalance: args.loadBalance ?? "round_robin",
        clientAddressNeeded: allowlist.length > 0,
        defaultBackendService: backend,
        nodeSelector: placement.nodeSelector,
        tolerations: placement.tolerations,
        zoneSpread: args.zoneSpread ?? true,
      }),
    );
    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: "ingress-nginx",
        namespace: ns,
        createNamespace: true,
        chart: INGRESS_NGINX_CHART.chart,
        version: INGRESS_NGINX_CHART.version,
        repositoryOpts: { repo: INGRESS_NGINX_CHART.repo },
        values,
      },
      { parent: this },
    );
    this.ingressClassName = pulumi.output(className);
    this.serviceName = pulumi.output(INGRESS_CONTROLLER_SERVICE);
    this.namespace = pulumi.output(ns);
    this.harborIngressAnnotations = pulumi.output(harborIngressAnnotations());
    this.allowlistAnnotations = pulumi.output(allowlistAnnotations(allowlist));
    this.registerOutputs({
      ingressClassName: this.ingressClassName,
      serviceName: this.serviceName,
      namespace: this.namespace,
      harborIngressAnnotations: this.harborIngressAnnotations,
      allowlistAnnotations: this.allowlistAnnotations,
    });
  }
}
