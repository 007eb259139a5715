/**
 * Harbor on the team's own Gateway (`edge.kind: "existing"`): the routes attach to the team's listeners
 * (parentRefs with its namespace and sectionName), and the admin allowlist is enforced as on the platform's
 * own Envoy Gateway (admin route + SecurityPolicy with default Deny, the portal's exceptions public, no
 * route without Harbor's hostname). Requests are walked through the planned routes and policies by host,
 * path and source address. Settings only the platform's own edge has are refused, not ignored, and an
 * allowlist on a gateway not stated to be Envoy Gateway is refused with the reason and the fix.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import {
  apiRoutesFor,
  cidrWithin,
  HarborGateway,
  HarborGatewayRoutes,
  routeFor,
  RoutedHttpRoute,
  unmodelledMatches,
} from "../components/edge";
import { HarborPlatform, HarborPlatformArgs, PlatformExistingEdge } from "../components/platform";
import { REPLICATION_API_PATHS } from "../components/replication";
import { InvalidArgsError } from "../components/conventions";
import { evaluatePolicies, kubernetesObject, PlanGraph, runProgram, unwrapSecrets } from "../engine";
import { edgeAdminAllowlist, edgeNoCatchAll } from "../policies/rules/edge";

const FIXTURES = path.join(__dirname, "fixtures", "upstream");
const swagger = parse(fs.readFileSync(path.join(FIXTURES, "harbor-api-2.15.2", "swagger.yaml"), "utf8"));
const HOST = "registry.team.example.com";
const ADMIN_NET = "203.0.113.0/24";
const OPERATOR = "198.51.100.10/32";
const OUTSIDE = "192.0.2.77";
const TEAM_GATEWAY = { name: "shared", namespace: "gateways", httpsListener: "websecure", httpListener: "web" };

/** Harbor chart 1.19.2's HTTPRoute for these values, as templates/gateway-apis/route.yaml renders it. */
function chartRoute(values: any): RoutedHttpRoute & { spec: { parentRefs: any[] } } {
  const chart = parse(fs.readFileSync(path.join(FIXTURES, "harbor-helm-1.19.2", "gateway-route.yaml"), "utf8"));
  return {
    metadata: { name: `${values.fullnameOverride}-route` },
    spec: {
      parentRefs: values.expose.route.parentRefs,
      hostnames: values.expose.route.hosts,
      rules: chart.rules.map((r: any) => ({
        matches: r.paths.map((value: string) => ({ path: { type: chart.pathType, value } })),
        backendRefs: [{ name: `${values.fullnameOverride}-${r.backend}` }],
      })),
    },
  };
}

const base = (edge: HarborPlatformArgs["edge"]): HarborPlatformArgs => ({
  environment: "staging",
  namespace: "registry",
  externalUrl: `https://${HOST}`,
  storage: { kind: "s3" },
  tls: { issuer: { mode: "acme-http01", email: "ops@example.com", gatewayParentRefs: [] } },
  edge,
  replication: { endpoints: [{ name: "prod", url: "https://harbor.example.com" }] },
});
const byo: PlatformExistingEdge = {
  kind: "existing",
  gateway: TEAM_GATEWAY,
  implementation: "envoy-gateway",
  adminAllowlist: [ADMIN_NET, OPERATOR],
  operatorCidrs: [OPERATOR],
};

describe("BYO edge: Harbor on the team's Envoy Gateway, allowlist applied", function () {
  this.timeout(120_000);
  let g: PlanGraph;
  let objects: any[];
  let routes: (RoutedHttpRoute & { spec: { parentRefs: any[] } })[];
  let policies: any[];

  before(async () => {
    g = await runProgram(async () => void new HarborPlatform("harbor", base(byo)));
    assert.deepEqual(g.errors, []);
    objects = g.resources.map(kubernetesObject).filter(Boolean) as any[];
    const harbor = unwrapSecrets(g.resources.find((r) => (r.inputs as any).chart === "harbor")!.inputs) as any;
    routes = [...objects.filter((o) => o.kind === "HTTPRoute"), chartRoute(harbor.values)];
    policies = objects.filter((o) => o.kind === "SecurityPolicy");
    assert.deepEqual(unmodelledMatches(routes), []);
  });

  /** What Envoy answers `source` for https://host/path: the backend, 403 (SecurityPolicy), 404 (no route). */
  function answer(host: string, p: string, source: string): string {
    const https = routes.filter((r) => r.spec.parentRefs.every((ref: any) => ref.sectionName === "websecure"));
    const choice = routeFor(https, host, p);
    if (!choice) return "404";
    const policy = policies.find((sp) => sp.spec.targetRefs.some((t: any) => t.name === choice.route));
    if (policy) {
      const { defaultAction, rules } = policy.spec.authorization;
      const allowed = rules.some(
        (r: any) => r.action === "Allow" && r.principal.clientCIDRs.some((c: string) => cidrWithin(`${source}/32`, c)),
      );
      if (!allowed && defaultAction === "Deny") return "403";
    }
    const rule = routes.find((r) => r.metadata.name === choice.route)!.spec.rules![choice.rule] as any;
    return rule.backendRefs[0].name;
  }

  it("creates no Gateway, proxy, load balancer or controller of its own; every route attaches to the team's listeners", () => {
    const kinds = new Set(objects.map((o) => o.kind));
    for (const k of ["Gateway", "GatewayClass", "EnvoyProxy", "ClientTrafficPolicy", "BackendTrafficPolicy"])
      assert.ok(!kinds.has(k), `no ${k}`);
    assert.ok(
      !g.resources.some((r) => r.type === "harbor-ha:edge:EnvoyGateway" || r.type === "harbor-ha:edge:HarborGateway"),
    );
    assert.ok(g.resources.some((r) => r.type === "harbor-ha:edge:HarborGatewayRoutes"));
    const refs = routes.map((r) => [
      r.metadata.name,
      r.spec.parentRefs.map((p: any) => `${p.namespace}/${p.name}#${p.sectionName}`),
    ]);
    assert.deepEqual(refs.sort(), [
      ["harbor-admin-api", ["gateways/shared#websecure"]],
      ["harbor-http-redirect", ["gateways/shared#web"]],
      ["harbor-public-api", ["gateways/shared#websecure"]],
      ["harbor-route", ["gateways/shared#websecure"]],
    ]);
    // cert-manager's HTTP-01 solver answers on the team's HTTP listener.
    const issuer = objects.find((o) => o.kind === "ClusterIssuer" && o.spec.acme);
    assert.deepEqual(
      issuer.spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs.map((p: any) => [
        p.namespace,
        p.name,
        p.sectionName,
      ]),
      [["gateways", "shared", "web"]],
    );
  });

  it("no catch-all: every route carries Harbor's hostname only; another Host reaches nothing", () => {
    for (const r of routes) assert.deepEqual(r.spec.hostnames, [HOST], r.metadata.name);
    assert.equal(
      answer("shared-gw-123.elb.eu-west-1.amazonaws.com", "/api/v2.0/users", `${ADMIN_NET.split("/")[0]}`),
      "404",
    );
    assert.equal(answer("other.team.example.com", "/api/v2.0/configurations", OUTSIDE), "404");
  });

  it("admin paths: 403 from outside, Harbor core from the allowlist; the SecurityPolicy denies by default", () => {
    assert.equal(policies.length, 1);
    assert.equal(policies[0].metadata.namespace, "registry");
    assert.equal(policies[0].spec.authorization.defaultAction, "Deny");
    for (const p of [
      "/configurations",
      "/users",
      "/users/42/sysadmin",
      "/system/gc/schedule",
      "/registries",
      "/users/current/",
    ]) {
      assert.equal(answer(HOST, `/api/v2.0${p}`, OUTSIDE), "403", p);
      assert.equal(answer(HOST, `/api/v2.0${p}`, "203.0.113.9"), "harbor-core", p);
    }
  });

  it("the portal's calls, the registry and the UI stay public from anywhere", () => {
    for (const p of [
      "/api/v2.0/users/current",
      "/api/v2.0/users/current/permissions",
      "/api/v2.0/users/search",
      "/api/v2.0/projects",
      "/api/v2.0/systeminfo",
      "/api/v2.0/users/42/password",
      "/v2/",
      "/service/token",
      "/c/login",
    ])
      assert.equal(answer(HOST, p, OUTSIDE), "harbor-core", p);
    assert.equal(answer(HOST, "/", OUTSIDE), "harbor-portal");
    assert.equal(answer(HOST, "/harbor/projects", OUTSIDE), "harbor-portal");
  });

  it("the stack's own API calls (replication) pass from operatorCidrs; their admin paths are refused from elsewhere", () => {
    const sample = (t: string) => `/api/v2.0${t.replace(/\{[^}]+\}/g, "1")}`;
    for (const t of REPLICATION_API_PATHS)
      assert.equal(answer(HOST, sample(t), OPERATOR.split("/")[0]), "harbor-core", t);
    assert.deepEqual(
      REPLICATION_API_PATHS.filter((t) => answer(HOST, sample(t), OUTSIDE) === "403"),
      ["/registries", "/registries/{id}", "/replication/policies", "/replication/policies/{id}"],
    );
  });

  it("every path of Harbor's OpenAPI document is admin or public exactly as on the platform's own edge", () => {
    const own = [
      ...(apiRoutesFor(HOST, [ADMIN_NET]) as unknown as RoutedHttpRoute[]),
      routes.find((r) => r.metadata.name === "harbor-route")!,
    ];
    const ownAdmin = own.find((r) => r.metadata.name.endsWith("-admin-api"))!.metadata.name;
    let checked = 0;
    for (const template of Object.keys(swagger.paths)) {
      const p = `/api/v2.0${template.replace(/\{[^}]+\}/g, "7")}`;
      const onOwn = routeFor(own, HOST, p)?.route === ownAdmin ? "403" : "harbor-core";
      assert.equal(answer(HOST, p, OUTSIDE), onOwn, p);
      checked++;
    }
    assert.equal(checked, 135);
  });

  it("passes harbor-edge-no-catch-all and harbor-edge-admin-allowlist in staging", async () => {
    assert.deepEqual(
      (await evaluatePolicies(g, [edgeNoCatchAll, edgeAdminAllowlist])).map((v) => `${v.policy}: ${v.message}`),
      [],
    );
  });
});

describe("BYO edge: refusals, each before any resource with one message", function () {
  this.timeout(60_000);
  const refused = async (args: HarborPlatformArgs): Promise<InvalidArgsError> => {
    const e = await runProgram(async () => void new HarborPlatform("harbor", args)).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(e instanceof InvalidArgsError, `refused: ${JSON.stringify(args.edge)}`);
    assert.doesNotMatch(e.message, /\n\s+at /);
    return e;
  };

  it("an allowlist on a gateway not stated to be Envoy Gateway: why, and what to do", async () => {
    const e = await refused(base({ ...byo, implementation: undefined }));
    assert.deepEqual(
      e.problems.map((p) => p.path),
      ["edge.adminAllowlist"],
    );
    assert.match(
      e.message,
      /Envoy Gateway SecurityPolicy on the admin route, whose CRD another implementation does not have/,
    );
    assert.match(
      e.message,
      /set implementation: "envoy-gateway"; otherwise restrict \/api\/v2\.0's admin paths in your gateway yourself/,
    );
    // Without an allowlist any implementation is fine: only the chart route and the redirect are planned.
    const g = await runProgram(
      async () => void new HarborPlatform("harbor", base({ kind: "existing", gateway: TEAM_GATEWAY })),
    );
    assert.deepEqual(g.errors, []);
    assert.equal(g.resources.map(kubernetesObject).filter((o) => o?.kind === "SecurityPolicy").length, 0);
  });

  it("the platform's own edge settings (replicas, exposure, NodePorts, NLB, controller) are refused, all at once", async () => {
    const e = await refused(
      base({
        ...byo,
        replicas: 3,
        exposure: "nlb",
        nodePorts: { https: 30443, http: 30080 },
        deletionProtection: true,
        installController: true,
      } as unknown as PlatformExistingEdge),
    );
    assert.deepEqual(e.problems.map((p) => p.path).sort(), [
      "edge.deletionProtection",
      "edge.exposure",
      "edge.installController",
      "edge.nodePorts",
      "edge.replicas",
    ]);
    assert.match(
      e.message,
      /edge\.replicas: sets the replicas of the platform's own Envoy proxies, but edge\.kind is "existing"/,
    );
  });

  it("an alias record to the platform's NLB and HTTP-01 without the team's HTTP listener are refused", async () => {
    const e = await refused({
      ...base({ ...byo, gateway: { name: "shared", namespace: "gateways" } }),
      dns: { hostedZoneId: "Z1", zoneName: "team.example.com" },
    });
    assert.deepEqual(
      e.problems.map((p) => p.path),
      ["dns", "edge.gateway.httpListener"],
    );
  });

  it("an edge kind that is neither the platform's nor the team's gateway is refused, not taken as the default", async () => {
    const e = await refused(base({ ...byo, kind: "exsiting" } as unknown as PlatformExistingEdge));
    assert.equal(e.problems[0].path, "edge.kind");
    assert.match(e.message, /edge\.kind: is "exsiting"\. Fix: use "envoy-gateway" .* or "existing"/);
  });

  it("the component on its own: an allowlist without Envoy Gateway, and a bad listener name", async () => {
    const e = await runProgram(
      async () =>
        void new HarborGatewayRoutes("routes", {
          namespace: "registry",
          externalUrl: `https://${HOST}`,
          gateway: { name: "shared", namespace: "gateways", httpsListener: "Web Secure" },
          coreServiceName: "harbor-core",
          adminAllowlist: [ADMIN_NET],
        }),
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(e instanceof InvalidArgsError);
    assert.deepEqual(
      e.problems.map((p) => p.path),
      ["gateway.httpsListener", "adminAllowlist"],
    );
    assert.match(e.message, /^HarborGatewayRoutes "routes": 2 invalid arguments/);
  });

  it("HarborGateway refuses a Gateway name its proxies' label cannot hold", async () => {
    const e = await runProgram(
      async () =>
        void new HarborGateway("edge", {
          namespace: "harbor",
          gatewayName: "Team_A",
          externalUrl: "https://harbor.example.com",
          tlsSecretName: "t",
          coreServiceName: "c",
        }),
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(e instanceof InvalidArgsError);
    assert.match(e.message, /gatewayName: "Team_A" is not a Kubernetes name/);
  });
});
