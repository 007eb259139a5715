import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, DNS_LABEL } from "../conventions";
import { IPV4_CIDR } from "./harborApiAccess";
import type { GatewayParentRef } from "./HarborGateway";
import { ENVOY_GATEWAY_CONTROLLER, HTTPS_LISTENER, ListenerRef, renderHarborRoutes } from "./renderHarborGateway";

/** Which Gateway API implementation runs the team's Gateway, as the team states it. */
export type GatewayImplementation = "envoy-gateway" | "other";

/** The team's Gateway: its name, namespace and the listeners Harbor's routes attach to. */
export interface ExistingGatewayRef {
  /** The Gateway's name. */
  name: string;
  /** The Gateway's namespace; its listeners must allow routes from Harbor's namespace (`allowedRoutes`). */
  namespace: string;
  /** The HTTPS listener (its `name`) that serves Harbor's host. Default: `https`. */
  httpsListener?: string;
  /**
   * The HTTP listener for Harbor's HTTP-to-HTTPS redirect and ACME HTTP-01 challenges. Default: none (no HTTP
   * route for Harbor's host: plain HTTP gets the gateway's own answer; HTTP-01 issuance is refused).
   */
  httpListener?: string;
}

/** Defaults of {@link HarborGatewayRoutesArgs}, applied in the constructor only. */
export const harborGatewayRoutesDefaults = {
  httpsListener: HTTPS_LISTENER,
  implementation: "other" as GatewayImplementation,
  coreServicePort: 80,
};

export interface HarborGatewayRoutesArgs {
  /** Harbor's namespace: the routes and the SecurityPolicy go there, beside core's Service. */
  namespace: string;
  /** Harbor's external URL, `https://<host>[:port]`. */
  externalUrl: string;
  /** The team's Gateway. */
  gateway: ExistingGatewayRef;
  /**
   * The Gateway's implementation. The admin allowlist is enforced by an Envoy Gateway SecurityPolicy on the
   * admin route, a CRD only Envoy Gateway serves: with `other` an allowlist is refused. Default: `other`.
   */
  implementation?: GatewayImplementation;
  /** Harbor core's Service name (HarborRelease's `coreServiceName`). */
  coreServiceName: pulumi.Input<string>;
  /** Harbor core's Service port. Default: 80. */
  coreServicePort?: number;
  /** IPv4 CIDRs allowed on the admin API paths (ADMIN_API_PREFIXES); needs `implementation: "envoy-gateway"`. Default: [] (no admin route). */
  adminAllowlist?: string[];
  /** Routes are named `<routeNamePrefix>-admin-api`, `-public-api`, `-http-redirect`. Default: the component's name. */
  routeNamePrefix?: string;
  /** What the routes wait for (Harbor's Namespace). Default: none. */
  waitFor?: pulumi.Resource[];
}

/**
 * Every problem of these Args (empty: valid), paths as the Args name them. Pure: the platform asks the same
 * before any resource.
 */
export function harborGatewayRoutesProblems(args: HarborGatewayRoutesArgs): ArgsProblem[] {
  const check = new ArgsChecker("HarborGatewayRoutes", "-");
  const gw = args.gateway ?? ({} as ExistingGatewayRef);
  for (const [key, value] of [
    ["gateway.name", gw.name],
    ["gateway.namespace", gw.namespace],
    ["gateway.httpsListener", gw.httpsListener ?? harborGatewayRoutesDefaults.httpsListener],
    ...(gw.httpListener !== undefined ? [["gateway.httpListener", gw.httpListener]] : []),
  ] as [string, unknown][])
    check.check(
      typeof value === "string" && DNS_LABEL.test(value),
      key,
      `${JSON.stringify(value)} is not a Kubernetes name`,
      "name the team's Gateway, its namespace and its listeners as `kubectl get gateway -A -o yaml` shows them",
    );
  check.check(
    /^https:\/\/[^/:]+(:\d+)?\/?$/.test(args.externalUrl),
    "externalUrl",
    `must be https://<host>[:port], got "${args.externalUrl}"`,
    "use the https URL clients reach Harbor at",
  );
  const impl = args.implementation ?? harborGatewayRoutesDefaults.implementation;
  check.check(
    impl === "envoy-gateway" || impl === "other",
    "implementation",
    `is "${String(impl)}"`,
    'use "envoy-gateway" or "other"',
  );
  const allowlist = args.adminAllowlist ?? [];
  for (const cidr of allowlist)
    check.check(IPV4_CIDR.test(cidr), "adminAllowlist", `"${cidr}" is not an IPv4 CIDR`, "write it like 10.0.0.0/8");
  if (allowlist.length > 0)
    check.check(
      impl === "envoy-gateway",
      "adminAllowlist",
      `is set, but the Gateway's implementation is not stated as Envoy Gateway: the allowlist is an Envoy Gateway SecurityPolicy on the admin route, whose CRD another implementation does not have (creating it fails) or does not enforce (the admin API would stay open)`,
      `if the Gateway's class has controllerName ${ENVOY_GATEWAY_CONTROLLER}, set implementation: "envoy-gateway"; otherwise restrict /api/v2.0's admin paths in your gateway yourself and drop adminAllowlist, or let the platform run its own Envoy Gateway edge`,
    );
  return check.problems;
}

/**
 * Harbor's routes on a Gateway the team runs (a shared gateway): the HTTP redirect on its HTTP listener (when
 * named) and, with an allowlist, the admin API route behind an Envoy Gateway SecurityPolicy (default Deny,
 * Allow the allowlist's client CIDRs) plus the portal's public exceptions, all for Harbor's host only, in
 * Harbor's namespace, attached to the team's listeners. Harbor's chart route attaches through
 * `harborParentRefs`. The Gateway, its listeners, certificates and client-address handling are the team's.
 */
export class HarborGatewayRoutes extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.HarborGatewayRoutes;

  /** Harbor's host name (no port). */
  readonly host: pulumi.Output<string>;
  /** For Harbor's chart route (`expose.route.parentRefs`): the team's HTTPS listener. */
  readonly harborParentRefs: pulumi.Output<GatewayParentRef[]>;
  /** For cert-manager's HTTP-01 solver: the team's HTTP listener (empty without `gateway.httpListener`). */
  readonly acmeParentRefs: pulumi.Output<GatewayParentRef[]>;
  /** The admin route, its SecurityPolicy and the public exceptions (empty without an allowlist). */
  readonly adminReady: pulumi.Resource[];

  constructor(name: string, args: HarborGatewayRoutesArgs, opts?: pulumi.ComponentResourceOptions) {
    const check = new ArgsChecker("HarborGatewayRoutes", name);
    check.problems.push(...harborGatewayRoutesProblems(args));
    check.throwIfAny();
    super(HarborGatewayRoutes.__pulumiType, name, {}, opts);

    const url = new URL(args.externalUrl);
    const gw = args.gateway;
    const ref = (sectionName: string): GatewayParentRef => ({
      group: "gateway.networking.k8s.io",
      kind: "Gateway",
      name: gw.name,
      namespace: gw.namespace,
      sectionName,
    });
    const httpsParent: ListenerRef = ref(gw.httpsListener ?? harborGatewayRoutesDefaults.httpsListener);
    const httpParent: ListenerRef | undefined = gw.httpListener ? ref(gw.httpListener) : undefined;
    const render = (core: string) =>
      renderHarborRoutes({
        namespace: args.namespace,
        namePrefix: args.routeNamePrefix ?? name,
        host: url.hostname,
        externalHttpsPort: url.port ? Number(url.port) : 443,
        httpsParent,
        httpParent,
        coreService: { name: core, port: args.coreServicePort ?? harborGatewayRoutesDefaults.coreServicePort },
        adminAllowlist: args.adminAllowlist ?? [],
      });
    const shape = render("");
    const specs = pulumi.output(args.coreServiceName).apply(render);
    const create = (key: keyof typeof shape, id: string, deps: pulumi.Resource[] = []) =>
      new k8s.apiextensions.CustomResource(
        `${name}-${id}`,
        {
          apiVersion: shape[key]!.apiVersion,
          kind: shape[key]!.kind,
          metadata: shape[key]!.metadata,
          spec: specs.apply((o) => o[key]!.spec),
        },
        { parent: this, dependsOn: [...(args.waitFor ?? []), ...deps] },
      );
    if (shape.redirectRoute) create("redirectRoute", "redirect");
    const adminReady: pulumi.Resource[] = [];
    if (shape.adminRoute) {
      // The policy first, so that the admin route is never served unrestricted.
      const policy = create("adminSecurityPolicy", "admin-api-policy");
      adminReady.push(policy, create("adminRoute", "admin-api", [policy]), create("publicApiRoute", "public-api"));
    }
    this.adminReady = adminReady;
    this.host = pulumi.output(url.hostname);
    this.harborParentRefs = pulumi.output([httpsParent as GatewayParentRef]);
    this.acmeParentRefs = pulumi.output(httpParent ? [httpParent as GatewayParentRef] : []);
    this.registerOutputs({
      host: this.host,
      harborParentRefs: this.harborParentRefs,
      acmeParentRefs: this.acmeParentRefs,
    });
  }
}
