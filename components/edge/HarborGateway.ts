import { checkNlbAccessLogBucketArgs, NLB_ACCESS_LOG_PREFIX, NlbAccessLogBucket } from "./NlbAccessLogBucket";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import {
  ArgsChecker,
  ArgsProblem,
  DNS_LABEL,
  problemsUnder,
  refuseInvalidArgs,
  Placement,
  podPlacement,
} from "../conventions";
import { IPV4_CIDR } from "./harborApiAccess";
import {
  EdgeExposure,
  edgeGatewayClassName,
  edgeObjectNames,
  HarborGatewayObjects,
  HTTP_LISTENER,
  HTTPS_LISTENER,
  renderHarborGateway,
} from "./renderHarborGateway";

/** A Gateway API parentRef to one listener of Harbor's Gateway. */
export interface GatewayParentRef {
  group: string;
  kind: string;
  name: string;
  namespace: string;
  sectionName: string;
}

/** Default fixed NodePorts of the dev exposure (dev's externalUrl names the HTTPS one). */
export const DEV_NODE_PORTS = { https: 30443, http: 30080 } as const;

/** Defaults of {@link HarborGatewayArgs}, applied in the constructor only; the stack config uses them too. */
export const harborGatewayDefaults = {
  coreServicePort: 80,
  exposure: "nlb" as EdgeExposure,
  internal: false,
  nodePorts: DEV_NODE_PORTS,
  replicas: 2,
  highAvailability: false,
  zoneSpread: true,
};

export interface HarborGatewayArgs {
  /**
   * Namespace of Harbor (e.g. a Namespace's `metadata.name`): the Gateway, its routes and policies go there,
   * beside the certificate Secret; the GatewayClass is named after it and the Gateway.
   */
  namespace: pulumi.Input<string>;
  /**
   * The Gateway's name; the edge's other objects are named after it (`<name>-edge` EnvoyProxy, `<name>-clients`,
   * `<name>-admin-api`, ..., GatewayClass `<name>-<namespace>`), so two edges fit one namespace and one
   * cluster. Default: the component's name.
   */
  gatewayName?: string;
  /**
   * Harbor's external URL, `https://<host>[:port]`; the port, if any, is the one clients use (dev's NodePort).
   * A plain string (an Output is refused, naming it): it is parsed and checked against the exposure before any
   * resource, and its host scopes the listeners and routes.
   */
  externalUrl: string;
  /** Secret of Harbor's certificate (HarborCertificates' `tlsSecretName`). */
  tlsSecretName: pulumi.Input<string>;
  /** Harbor core's Service name (HarborRelease's `coreServiceName`, or `harborFullName(release)-core`). */
  coreServiceName: pulumi.Input<string>;
  /** Harbor core's Service port. Default: 80. */
  coreServicePort?: number;
  /** IPv4 CIDRs allowed on the admin API paths (ADMIN_API_PREFIXES). Default: [] (no admin route: admin paths as public as the rest). */
  adminAllowlist?: string[];
  /** How the proxies are reached: AWS NLB (needs the AWS Load Balancer Controller), a plain LoadBalancer, or fixed NodePorts (dev). Default: `nlb`. */
  exposure?: EdgeExposure;
  /** Internal NLB (private subnets). Default: false. */
  internal?: boolean;
  /** NLB deletion protection (a `pulumi destroy` or a Service change cannot drop the NLB). Default: false. */
  deletionProtection?: boolean;
  /**
   * NLB access logs to S3: `bucket` an existing bucket that allows ELB log delivery, else one is created
   * (NlbAccessLogBucket); `prefix` inside it. Default: none (no access logs).
   */
  accessLogs?: {
    /** An existing bucket that allows the NLB's log delivery. Default: a bucket created for them. */
    bucket?: pulumi.Input<string>;
    /** Prefix inside the bucket. Default: `nlb`. */
    prefix?: string;
    /** AWS tags of a created bucket. Default: {}. */
    tags?: Record<string, string>;
  };
  /** NodePorts of the `nodePort` exposure. Default: DEV_NODE_PORTS (30443 / 30080). */
  nodePorts?: {
    /** The HTTPS NodePort; externalUrl must name it. */
    https: number;
    /** The HTTP NodePort (redirects to HTTPS). */
    http: number;
  };
  /** Envoy proxy replicas (a PDB keeps one up when more than one). Default: 2. */
  replicas?: number;
  /** Refuse fewer than 2 proxy replicas. Default: false. */
  highAvailability?: boolean;
  /** Where proxy pods run. Default: anywhere. */
  placement?: Placement;
  /** Spread proxy pods over zones (best effort). Default: true. */
  zoneSpread?: boolean;
  /** What the objects wait for: EnvoyGateway's `release` (the CRDs) and Harbor's Namespace. Default: none (both exist already). */
  waitFor?: pulumi.Resource[];
  /**
   * Wait, at most this many seconds, until Envoy Gateway publishes the Gateway's address (the load
   * balancer's DNS name, in `status.addresses`), and give it as `address`: a DNS record needs it. The
   * Kubernetes provider's `pulumi.com/waitFor` does the wait; on timeout its error names the Gateway and
   * the missing `.status.addresses`. Default: not waited (no `address`).
   */
  addressTimeoutSeconds?: number;
}

/** The annotations that make the Kubernetes provider wait (bounded) for a Gateway's published address. */
export function gatewayAddressWait(timeoutSeconds: number): Record<string, string> {
  return {
    "pulumi.com/waitFor": "jsonpath={.status.addresses[0].value}",
    "pulumi.com/timeoutSeconds": String(timeoutSeconds),
  };
}

/**
 * Harbor's edge on Envoy Gateway: a GatewayClass with its EnvoyProxy (the proxy Deployment and its
 * Service: an NLB with proxy protocol, or NodePorts), a Gateway with an HTTPS listener (TLS 1.2+, the
 * cert-manager certificate) and an HTTP listener that only redirects, both for Harbor's hostname only;
 * traffic policies for large layers; and, with an allowlist, the admin API route behind a SecurityPolicy
 * plus the portal's public exceptions. Harbor's chart attaches its own HTTPRoute (`expose.type: route`)
 * through `parentRefs`.
 */
export class HarborGateway extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.HarborGateway;

  readonly gatewayName: pulumi.Output<string>;
  /** Harbor's host name (no port). */
  readonly host: pulumi.Output<string>;
  /** For Harbor's chart route (`expose.route.parentRefs`): the HTTPS listener. */
  readonly harborParentRefs: pulumi.Output<GatewayParentRef[]>;
  /** For cert-manager's HTTP-01 solver (`gatewayHTTPRoute.parentRefs`): the HTTP listener. */
  readonly acmeParentRefs: pulumi.Output<GatewayParentRef[]>;
  /** The admin route, its SecurityPolicy and the public exceptions (empty without an allowlist): Harbor's release waits for them, so its own route never serves admin paths alone. */
  readonly adminReady: pulumi.Resource[];
  /** The load balancer's DNS name as the Gateway publishes it (with `addressTimeoutSeconds` only). */
  readonly address?: pulumi.Output<string>;

  constructor(name: string, args: HarborGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("HarborGateway", name, checkHarborGatewayArgs(name, args));
    super(HarborGateway.__pulumiType, name, {}, opts);
    const d = harborGatewayDefaults;
    const replicas = args.replicas ?? d.replicas;
    const exposure = args.exposure ?? d.exposure;
    const nodePorts = args.nodePorts ?? d.nodePorts;
    const allowlist = args.adminAllowlist ?? [];
    const gatewayName = args.gatewayName ?? name;
    const url = new URL(args.externalUrl);
    const port = url.port ? Number(url.port) : 443;

    const host = url.hostname;
    const placement = podPlacement(args.placement);
    const logBucket = args.accessLogs
      ? args.accessLogs.bucket !== undefined
        ? pulumi.output(args.accessLogs.bucket)
        : new NlbAccessLogBucket(
            `${name}-nlb-logs`,
            { prefix: args.accessLogs.prefix, tags: args.accessLogs.tags },
            {
              parent: this,
            },
          ).bucket
      : pulumi.output("");
    const render = (namespace: string, tlsSecretName: string, core: string, bucket = "") =>
      renderHarborGateway({
        namespace,
        host,
        externalHttpsPort: port,
        gatewayName,
        gatewayClassName: edgeGatewayClassName(gatewayName, namespace),
        envoyProxyName: edgeObjectNames(gatewayName).envoyProxy,
        tlsSecretName,
        coreService: { name: core, port: args.coreServicePort ?? d.coreServicePort },
        adminAllowlist: allowlist,
        exposure,
        internal: args.internal ?? d.internal,
        loadBalancer: {
          deletionProtection: args.deletionProtection ?? false,
          ...(args.accessLogs
            ? { accessLogs: { bucket, prefix: args.accessLogs.prefix ?? NLB_ACCESS_LOG_PREFIX } }
            : {}),
        },
        nodePorts,
        replicas,
        nodeSelector: placement.nodeSelector,
        tolerations: placement.tolerations,
        zoneSpread: args.zoneSpread ?? d.zoneSpread,
      });
    // Kinds are plain; metadata waits for the namespace only, specs for the Secret and Service names too.
    const shape = render("", "", "");
    const ns = pulumi.output(args.namespace);
    const metadata = ns.apply((n) => render(n, "", ""));
    const specs = pulumi
      .all([ns, pulumi.output(args.tlsSecretName), pulumi.output(args.coreServiceName), logBucket])
      .apply(([n, tls, core, bucket]) => render(n, tls, core, bucket));
    const create = (
      key: keyof HarborGatewayObjects,
      id: string,
      deps: pulumi.Resource[] = [],
      annotations?: Record<string, string>,
    ) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${id}`,
        {
          apiVersion: shape[key]!.apiVersion,
          kind: shape[key]!.kind,
          metadata: metadata.apply((o) =>
            annotations
              ? { ...o[key]!.metadata, annotations: { ...(o[key]!.metadata.annotations ?? {}), ...annotations } }
              : o[key]!.metadata,
          ),
          spec: specs.apply((o) => o[key]!.spec),
          // Declared so that the provider's state exposes it (the published address), never set here.
          ...(annotations ? { status: undefined } : {}),
        },
        { parent: this, dependsOn: [...(args.waitFor ?? []), ...deps] },
      );
    // Envoy Gateway reconciles references in any order: every object waits only for the CRDs.
    create("envoyProxy", "proxy");
    create("gatewayClass", "class");
    const gateway = create(
      "gateway",
      "gateway",
      [],
      args.addressTimeoutSeconds !== undefined ? gatewayAddressWait(args.addressTimeoutSeconds) : undefined,
    );
    if (args.addressTimeoutSeconds !== undefined)
      this.address = (
        gateway as unknown as { status: pulumi.Output<{ addresses?: { value?: string }[] }> }
      ).status.apply((st) => st?.addresses?.[0]?.value ?? "");
    create("clientTrafficPolicy", "clients");
    create("backendTrafficPolicy", "backends");
    create("redirectRoute", "redirect");
    const adminReady: pulumi.Resource[] = [];
    if (allowlist.length > 0) {
      // The policy first (Envoy Gateway applies it when its target appears), so the admin route is never
      // served unrestricted.
      const policy = create("adminSecurityPolicy", "admin-api-policy");
      adminReady.push(policy, create("adminRoute", "admin-api", [policy]), create("publicApiRoute", "public-api"));
    }
    const ref = (sectionName: string): pulumi.Output<GatewayParentRef[]> =>
      ns.apply((namespace) => [
        { group: "gateway.networking.k8s.io", kind: "Gateway", name: gatewayName, namespace, sectionName },
      ]);
    this.adminReady = adminReady;
    this.gatewayName = pulumi.output(gatewayName);
    this.host = pulumi.output(host);
    this.harborParentRefs = ref(HTTPS_LISTENER);
    this.acmeParentRefs = ref(HTTP_LISTENER);
    this.registerOutputs({
      gatewayName: this.gatewayName,
      host: this.host,
      harborParentRefs: this.harborParentRefs,
      acmeParentRefs: this.acmeParentRefs,
    });
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkHarborGatewayArgs(name: string, args: HarborGatewayArgs): ArgsProblem[] {
  const d = harborGatewayDefaults;
  const replicas = args.replicas ?? d.replicas;
  const exposure = args.exposure ?? d.exposure;
  const nodePorts = args.nodePorts ?? d.nodePorts;
  const allowlist = args.adminAllowlist ?? [];
  const check = new ArgsChecker("HarborGateway", name);
  if (!check.requirePlain({ externalUrl: args.externalUrl })) return check.problems;
  check.atLeast(args.addressTimeoutSeconds, 1, "addressTimeoutSeconds");
  const gatewayName = args.gatewayName ?? name;
  // Envoy Gateway labels the proxies with it (owning-gateway-name): a label value, at most 63 characters.
  check.check(
    DNS_LABEL.test(gatewayName),
    args.gatewayName === undefined ? "name" : "gatewayName",
    `"${gatewayName}" is not a Kubernetes name of at most 63 characters (it names the Gateway and labels its proxies)`,
    "use lowercase letters, digits and '-', or pass gatewayName",
  );
  let url: URL | undefined;
  try {
    url = new URL(args.externalUrl);
  } catch {
    /* reported below */
  }
  check.check(
    url?.protocol === "https:" && /^https:\/\/[^/]+\/?$/.test(args.externalUrl),
    "externalUrl",
    `must be https://<host>[:port], got "${args.externalUrl}"`,
    "use the https URL clients reach Harbor at",
  );
  const port = url?.port ? Number(url.port) : 443;
  if (exposure === "nodePort") {
    for (const [k, p] of Object.entries(nodePorts))
      check.check(
        Number.isInteger(p) && p >= 30000 && p <= 32767,
        `nodePorts.${k}`,
        `${p} is outside Kubernetes' default NodePort range 30000-32767`,
        "pick a port in that range",
      );
    check.check(
      port === nodePorts.https,
      "externalUrl",
      `names port ${port}, but clients reach the HTTPS NodePort ${nodePorts.https}`,
      `use https://${url?.hostname ?? "<host>"}:${nodePorts.https} (or set nodePorts.https to ${port})`,
    );
  } else {
    check.check(
      port === 443,
      "externalUrl",
      `names port ${port}, but the load balancer listens on 443`,
      "drop the port from externalUrl",
    );
  }
  if (check.atLeast(replicas, 1, "replicas") && (args.highAvailability ?? d.highAvailability))
    check.check(
      replicas >= 2,
      "replicas",
      `${replicas} proxy replica is a single point of failure and high availability is required`,
      "run 2 or more replicas",
    );
  for (const cidr of allowlist)
    check.check(IPV4_CIDR.test(cidr), "adminAllowlist", `"${cidr}" is not an IPv4 CIDR`, "write it like 10.0.0.0/8");
  // The access-log bucket made here is checked now too: nothing exists when any of it is wrong.
  if (args.accessLogs && args.accessLogs.bucket === undefined)
    check.problems.push(
      ...problemsUnder(
        "accessLogs",
        checkNlbAccessLogBucketArgs(`${name}-nlb-logs`, { prefix: args.accessLogs.prefix, tags: args.accessLogs.tags }),
      ),
    );
  return check.problems;
}
