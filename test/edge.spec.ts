import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { parse, stringify } from "yaml";
import {
  cidrWithin,
  edgeObjectNames,
  DEV_NODE_PORTS,
  EDGE_TIMEOUTS,
  ENVOY_GATEWAY_CHART,
  ENVOY_GATEWAY_IMAGES,
  ENVOY_READINESS,
  EnvoyGateway,
  HarborGateway,
  HarborGatewayRenderArgs,
  renderEnvoyGatewayValues,
  renderHarborGateway,
  routeFor,
  RoutedHttpRoute,
  selfLockoutProblems,
  edgeLockoutProblems,
  apiRoutesFor,
} from "../components/edge";
import { renderCertManagerValues } from "../components/tls";
import { REPLICATION_API_PATHS } from "../components/replication";
import { OPERATIONS_API_PATHS } from "../components/harborOps";
import { PROJECT_API_PATHS } from "../components/projects";
import { ComponentTypes } from "../components/tokens";
import { InvalidArgsError } from "../components/conventions";
import {
  evaluatePolicies,
  kubernetesObject,
  runProgram,
  runStack,
  stackFilePath,
  unwrapSecrets,
  validateKubernetesObject,
  CapturedResource,
} from "../engine";
import { edgeAdminAllowlist, edgeHttpRedirectOnly, edgeNoCatchAll, edgeTls } from "../policies/rules/edge";
import { crdJsonSchemas } from "./support/crdSchemas";

const ROOT = path.join(__dirname, "..");
const EG = path.join(__dirname, "fixtures", "upstream", "envoy-gateway-v1.9.0");
const LB = "service.beta.kubernetes.io/aws-load-balancer";

const prodArgs: HarborGatewayRenderArgs = {
  namespace: "harbor",
  host: "harbor.example.com",
  externalHttpsPort: 443,
  gatewayName: "harbor",
  gatewayClassName: "harbor-harbor",
  envoyProxyName: "harbor-edge",
  tlsSecretName: "harbor-tls",
  coreService: { name: "harbor-core", port: 80 },
  adminAllowlist: ["10.0.0.0/8"],
  exposure: "nlb",
  internal: false,
  nodePorts: { ...DEV_NODE_PORTS },
  replicas: 3,
  zoneSpread: true,
};
const devArgs: HarborGatewayRenderArgs = {
  ...prodArgs,
  host: "harbor.127.0.0.1.nip.io",
  externalHttpsPort: 30443,
  adminAllowlist: [],
  exposure: "nodePort",
  replicas: 1,
  zoneSpread: false,
};

/** Seconds of an Envoy Gateway duration (`1h30m`, `900s`, `500ms`). */
function seconds(d: string): number {
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  return [...d.matchAll(/(\d+)(ms|h|m|s)/g)].reduce((n, m) => n + Number(m[1]) * unit[m[2]], 0);
}

/** Every leaf path set in `values`, stopping at free-form maps and lists. */
const FREE_FORM = new Set(["nodeSelector", "tolerations", "topologySpreadConstraints", "annotations", "labels"]);
function valuePaths(v: unknown, prefix = ""): string[] {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return [prefix];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, e]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return FREE_FORM.has(k) ? [p] : valuePaths(e, p);
  });
}

/** The gateway-helm v1.9.0 chart's value keys (derived from values.tmpl.yaml and the templates' `.Values` reads). */
function chartKeys(): Set<string> {
  const lines = fs.readFileSync(path.join(EG, "chart", "values-keys.txt"), "utf8").split("\n");
  return new Set(lines.map((l) => l.trim()).filter(Boolean));
}

const cr = (o: { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: unknown }) =>
  ({
    urn: `urn:pulumi:test::p::kubernetes:${o.apiVersion}:${o.kind}::${String(o.metadata.name)}`,
    type: `kubernetes:${o.apiVersion}:${o.kind}`,
    name: String(o.metadata.name),
    custom: true,
    inputs: o,
  }) as unknown as CapturedResource;

const ADMIN_ROUTE = edgeObjectNames(prodArgs.gatewayName).adminRoute;

describe("edge: Envoy Gateway chart", () => {
  it("pins gateway-helm v1.9.0 from its OCI registry and the images the chart defaults to, by exact tag", () => {
    assert.deepEqual(ENVOY_GATEWAY_CHART, { chart: "oci://docker.io/envoyproxy/gateway-helm", version: "v1.9.0" });
    const defaults = parse(fs.readFileSync(path.join(EG, "chart", "defaults.yaml"), "utf8"));
    assert.equal(ENVOY_GATEWAY_IMAGES.proxy, `docker.io/envoyproxy/envoy:${defaults.envoyProxyImageDefaultTag}`);
    assert.equal(ENVOY_GATEWAY_IMAGES.controller, defaults.gatewayImage);
    assert.equal(ENVOY_GATEWAY_IMAGES.controller, `docker.io/envoyproxy/gateway:${ENVOY_GATEWAY_CHART.version}`);
    assert.match(fs.readFileSync(path.join(EG, "chart", "values.tmpl.yaml"), "utf8"), /image: \$\{GatewayImage\}/);
    const v = renderEnvoyGatewayValues({ replicas: 2, zoneSpread: true }) as any;
    assert.deepEqual(
      [v.global.images.envoyGateway.image, v.global.images.envoyProxy.image],
      [ENVOY_GATEWAY_IMAGES.controller, ENVOY_GATEWAY_IMAGES.proxy],
    );
  });

  it("sets only keys the chart reads (derived from values.tmpl.yaml and templates); a misspelt key fails", () => {
    const keys = chartKeys();
    assert.ok(keys.has("deployment.pod.topologySpreadConstraints") && keys.has("podDisruptionBudget.minAvailable"));
    for (const values of [
      renderEnvoyGatewayValues({ replicas: 2, zoneSpread: true, nodeSelector: { a: "b" }, tolerations: [] }),
      renderEnvoyGatewayValues({ replicas: 1, zoneSpread: false }),
    ])
      assert.deepEqual(
        valuePaths(values).filter((p) => !keys.has(p)),
        [],
      );
    assert.deepEqual(
      valuePaths({ deployment: { replica: 2 } }).filter((p) => !keys.has(p)),
      ["deployment.replica"],
    );
  });

  it("HA: 2 controllers with a PDB keeping one, spread over zones; refuses 1 under HA", async () => {
    const v = renderEnvoyGatewayValues({ replicas: 2, zoneSpread: true }) as any;
    assert.deepEqual([v.deployment.replicas, v.podDisruptionBudget.minAvailable], [2, 1]);
    assert.equal(v.deployment.pod.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
    assert.equal(
      (renderEnvoyGatewayValues({ replicas: 1, zoneSpread: false }) as any).podDisruptionBudget.minAvailable,
      0,
    );
    await assert.rejects(
      runProgram(async () => void new EnvoyGateway("eg", { replicas: 1, highAvailability: true })),
      (e: unknown) => e instanceof InvalidArgsError && /single point of failure/.test(e.message),
    );
    const g = await runProgram(async () => void new EnvoyGateway("eg", {}));
    const rel = unwrapSecrets(g.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!.inputs) as any;
    assert.deepEqual(
      [rel.chart, rel.version, rel.namespace],
      [ENVOY_GATEWAY_CHART.chart, "v1.9.0", "envoy-gateway-system"],
    );
    assert.equal(rel.repositoryOpts, undefined, "an OCI chart needs no repository");
  });
});

describe("edge: CRD schemas of the pinned Envoy Gateway", () => {
  const KINDS = [
    "Gateway",
    "GatewayClass",
    "HTTPRoute",
    "EnvoyProxy",
    "ClientTrafficPolicy",
    "BackendTrafficPolicy",
    "SecurityPolicy",
  ];
  it("engine/crds holds exactly the conversion of the fixtures' CRDs (UPDATE_CRDS=1 rewrites them)", () => {
    const want = new Map<string, unknown>();
    for (const f of fs.readdirSync(path.join(EG, "crds")))
      for (const [name, s] of crdJsonSchemas(fs.readFileSync(path.join(EG, "crds", f), "utf8"), KINDS))
        if (/_v1_|_v1alpha1_/.test(name)) want.set(name, s);
    assert.deepEqual([...want.keys()].sort(), [
      "gateway.envoyproxy.io_v1alpha1_BackendTrafficPolicy.json",
      "gateway.envoyproxy.io_v1alpha1_ClientTrafficPolicy.json",
      "gateway.envoyproxy.io_v1alpha1_EnvoyProxy.json",
      "gateway.envoyproxy.io_v1alpha1_SecurityPolicy.json",
      "gateway.networking.k8s.io_v1_Gateway.json",
      "gateway.networking.k8s.io_v1_GatewayClass.json",
      "gateway.networking.k8s.io_v1_HTTPRoute.json",
    ]);
    for (const [name, s] of want) {
      const file = path.join(ROOT, "engine", "crds", name);
      if (process.env.UPDATE_CRDS) fs.writeFileSync(file, JSON.stringify(s) + "\n");
      assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), s, name);
    }
    const gwapi = fs.readFileSync(path.join(EG, "crds", "gatewayapi-crds.yaml"), "utf8");
    assert.match(gwapi, /gateway\.networking\.k8s\.io\/bundle-version: v1\.6\.1/);
  });

  it("every rendered object validates; a misspelt field, a bad enum and a short duration fail", () => {
    for (const args of [prodArgs, devArgs, { ...prodArgs, exposure: "loadBalancer" as const, internal: true }])
      for (const o of Object.values(renderHarborGateway(args)))
        if (o) assert.deepEqual(validateKubernetesObject(cr(o)), [], `${o.kind} ${String(o.metadata.name)}`);
    const o = renderHarborGateway(prodArgs);
    const ctp = structuredClone(o.clientTrafficPolicy) as any;
    ctp.spec.tls = { minVersoin: "1.2" };
    assert.match(validateKubernetesObject(cr(ctp))[0].message, /spec\/tls must NOT have additional properties/);
    ctp.spec.tls = { minVersion: "1.4" };
    assert.match(validateKubernetesObject(cr(ctp))[0].message, /minVersion must be equal to one of the allowed values/);
    const btp = structuredClone(o.backendTrafficPolicy) as any;
    btp.spec.timeout.http.requestTimeout = "15 minutes";
    assert.match(validateKubernetesObject(cr(btp))[0].message, /requestTimeout must match pattern/);
    const sp = structuredClone(o.adminSecurityPolicy) as any;
    sp.spec.authorization.defaultAction = "Reject";
    assert.equal(validateKubernetesObject(cr(sp)).length, 1);
  });
});

describe("edge: Harbor's Gateway", () => {
  it("AWS: an NLB (external, IP targets, scheme, cross-zone) health-checked on Envoy's readiness listener, never Harbor", () => {
    const svc = (renderHarborGateway(prodArgs).envoyProxy.spec as any).provider.kubernetes.envoyService;
    assert.equal(svc.type, "LoadBalancer");
    const a = svc.annotations;
    assert.deepEqual(
      [a[`${LB}-type`], a[`${LB}-nlb-target-type`], a[`${LB}-scheme`], a[`${LB}-attributes`]],
      ["external", "ip", "internet-facing", "load_balancing.cross_zone.enabled=true"],
    );
    assert.deepEqual(
      [a[`${LB}-healthcheck-protocol`], a[`${LB}-healthcheck-port`], a[`${LB}-healthcheck-path`]],
      ["HTTP", "19003", "/ready"],
    );
    assert.deepEqual(ENVOY_READINESS, { port: 19003, path: "/ready" });
    assert.ok(!JSON.stringify(svc).includes("/api/v2.0"), "the load balancer's health does not depend on Harbor");
    const internal = (renderHarborGateway({ ...prodArgs, internal: true }).envoyProxy.spec as any).provider.kubernetes;
    assert.equal(internal.envoyService.annotations[`${LB}-scheme`], "internal");
  });

  it("keeps the client's address on both sides: proxy protocol v2 on the NLB target group and in Envoy", () => {
    const o = renderHarborGateway(prodArgs);
    const svc = (o.envoyProxy.spec as any).provider.kubernetes.envoyService;
    assert.equal(svc.annotations[`${LB}-target-group-attributes`], "proxy_protocol_v2.enabled=true");
    assert.deepEqual((o.clientTrafficPolicy.spec as any).proxyProtocol, {});
    assert.equal((o.clientTrafficPolicy.spec as any).clientIPDetection, undefined, "no X-Forwarded-For is trusted");
    // Without an NLB there is no proxy protocol header: Envoy must not expect one (it would close connections).
    for (const exposure of ["nodePort", "loadBalancer"] as const) {
      const x = renderHarborGateway({ ...prodArgs, exposure });
      assert.equal((x.clientTrafficPolicy.spec as any).proxyProtocol, undefined);
      assert.equal((x.envoyProxy.spec as any).provider.kubernetes.envoyService.externalTrafficPolicy, "Local");
    }
  });

  it("dev: fixed NodePorts that dev's externalUrl names, the redirect keeping the port", async () => {
    const o = renderHarborGateway(devArgs);
    const svc = (o.envoyProxy.spec as any).provider.kubernetes.envoyService;
    assert.equal(svc.type, "NodePort");
    assert.deepEqual(svc.patch.value.spec.ports, [
      { port: 443, nodePort: 30443 },
      { port: 80, nodePort: 30080 },
    ]);
    assert.deepEqual((o.redirectRoute.spec as any).rules[0].filters[0].requestRedirect, {
      scheme: "https",
      statusCode: 301,
      port: 30443,
    });
    assert.equal(o.adminRoute, undefined, "no allowlist in dev: no admin route");
    const dev = parse(fs.readFileSync(stackFilePath("dev"), "utf8")).config;
    assert.equal(new URL(dev["harbor-ha:externalUrl"]).port, String(dev["harbor-ha:edge"].nodePorts.https));
  });

  it("streams large layers: no request buffer or body limit, request and idle timeouts of 900 s or more", () => {
    const o = renderHarborGateway(prodArgs);
    const ctp = (o.clientTrafficPolicy.spec as any).timeout.http;
    const btp = (o.backendTrafficPolicy.spec as any).timeout.http;
    for (const d of [
      ctp.requestReceivedTimeout,
      ctp.streamIdleTimeout,
      ctp.idleTimeout,
      btp.requestTimeout,
      btp.streamIdleTimeout,
      btp.connectionIdleTimeout,
    ])
      assert.ok(seconds(d) >= 900, d);
    assert.equal(seconds(EDGE_TIMEOUTS.request), 3600);
    assert.equal((o.backendTrafficPolicy.spec as any).requestBuffer, undefined, "no buffering, no 413");
    assert.equal((o.clientTrafficPolicy.spec as any).connection, undefined);
    assert.ok(!JSON.stringify(o).match(/requestBuffer|bufferLimit|maxRequestBytes/));
  });

  it("terminates TLS 1.2+ with the cert-manager Secret; both listeners carry Harbor's hostname only", () => {
    const o = renderHarborGateway(prodArgs);
    assert.equal((o.clientTrafficPolicy.spec as any).tls.minVersion, "1.2");
    const [https, http] = (o.gateway.spec as any).listeners;
    assert.deepEqual(
      [https.protocol, https.port, https.hostname, https.tls.mode, https.tls.certificateRefs[0].name],
      ["HTTPS", 443, "harbor.example.com", "Terminate", "harbor-tls"],
    );
    assert.deepEqual([http.protocol, http.port, http.hostname], ["HTTP", 80, "harbor.example.com"]);
    for (const l of [https, http]) assert.deepEqual(l.allowedRoutes.namespaces, { from: "Same" });
    for (const r of [o.redirectRoute, o.adminRoute!, o.publicApiRoute!])
      assert.deepEqual((r.spec as any).hostnames, ["harbor.example.com"]);
    // Another Host (the NLB's name, an IP) matches no route: Envoy Gateway answers 404.
    const routes = [o.adminRoute, o.publicApiRoute, o.redirectRoute] as unknown as RoutedHttpRoute[];
    assert.equal(routeFor(routes, "1.2.3.4", "/api/v2.0/configurations"), undefined);
  });

  it("HTTP only redirects, except cert-manager's HTTP-01 challenge route, which Exact precedence lets through", () => {
    const o = renderHarborGateway(prodArgs);
    // cert-manager v1.21's gatewayHTTPRoute solver (pkg/issuer/acme/http/httproute.go, generateHTTPRouteSpec):
    // the issuer's parentRefs, the domain as hostname, an Exact match on the challenge path.
    const solver = {
      metadata: { name: "cm-acme-http-solver-abcde" },
      spec: {
        hostnames: ["harbor.example.com"],
        rules: [{ matches: [{ path: { type: "Exact" as const, value: "/.well-known/acme-challenge/tok3n" } }] }],
      },
    };
    const onHttp = [o.redirectRoute as unknown as RoutedHttpRoute, solver];
    assert.equal(
      routeFor(onHttp, "harbor.example.com", "/.well-known/acme-challenge/tok3n")!.route,
      solver.metadata.name,
    );
    for (const p of [
      "/",
      "/api/v2.0/ping",
      "/v2/",
      "/.well-known/acme-challenge/other",
      "/.well-known/acme-challenge/",
    ])
      assert.equal(routeFor(onHttp, "harbor.example.com", p)!.route, "harbor-http-redirect", p);
    const rule = (o.redirectRoute.spec as any).rules[0];
    assert.deepEqual(rule.filters, [
      { type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } },
    ]);
    assert.equal(rule.backendRefs, undefined);
    assert.deepEqual(
      (o.redirectRoute.spec as any).parentRefs.map((p: any) => p.sectionName),
      ["http"],
    );
  });

  it("the admin route is restricted by a SecurityPolicy with default Deny and the allowlist", () => {
    const o = renderHarborGateway(prodArgs);
    const sp = o.adminSecurityPolicy!.spec as any;
    assert.deepEqual(sp.targetRefs, [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: ADMIN_ROUTE }]);
    assert.deepEqual(sp.authorization, {
      defaultAction: "Deny",
      rules: [{ name: "admin-networks", action: "Allow", principal: { clientCIDRs: ["10.0.0.0/8"] } }],
    });
    assert.equal(o.adminRoute!.metadata.name, ADMIN_ROUTE);
  });

  it("the component plans schema-valid objects, waits for the controller, and refuses bad Args at once", async () => {
    const g = await runProgram(async () => {
      const eg = new EnvoyGateway("eg", {});
      const gw = new HarborGateway("edge", {
        namespace: "harbor",
        externalUrl: "https://harbor.example.com",
        tlsSecretName: pulumi.output("harbor-tls"),
        coreServiceName: "harbor-core",
        adminAllowlist: ["10.0.0.0/8"],
        waitFor: [eg.release],
      });
      return { https: gw.harborParentRefs, acme: gw.acmeParentRefs, ready: gw.adminReady.length };
    });
    assert.deepEqual(g.errors, []);
    const kinds = g.resources
      .map(kubernetesObject)
      .filter(Boolean)
      .map((o) => o!.kind)
      .sort();
    assert.deepEqual(kinds, [
      "BackendTrafficPolicy",
      "ClientTrafficPolicy",
      "EnvoyProxy",
      "Gateway",
      "GatewayClass",
      "HTTPRoute",
      "HTTPRoute",
      "HTTPRoute",
      "SecurityPolicy",
    ]);
    // Named after the component ("edge"): the Gateway, and every other object after the Gateway.
    assert.deepEqual(
      (g.outputs.https as any[]).map((r) => [r.name, r.sectionName]),
      [["edge", "https"]],
    );
    assert.deepEqual(
      (g.outputs.acme as any[]).map((r) => [r.name, r.sectionName]),
      [["edge", "http"]],
    );
    assert.deepEqual(
      g.resources
        .map(kubernetesObject)
        .filter(Boolean)
        .map((o) => `${o!.kind} ${o!.metadata.name}`)
        .sort(),
      [
        "BackendTrafficPolicy edge-backends",
        "ClientTrafficPolicy edge-clients",
        "EnvoyProxy edge-edge",
        "Gateway edge",
        "GatewayClass edge-harbor",
        "HTTPRoute edge-admin-api",
        "HTTPRoute edge-http-redirect",
        "HTTPRoute edge-public-api",
        "SecurityPolicy edge-admin-api",
      ],
    );
    assert.equal(g.outputs.ready, 3);
    await assert.rejects(
      runProgram(
        async () =>
          void new HarborGateway("edge", {
            namespace: "harbor",
            externalUrl: "https://harbor.127.0.0.1.nip.io:30443",
            tlsSecretName: "t",
            coreServiceName: "c",
            exposure: "nodePort",
            nodePorts: { https: 443, http: 30080 },
            adminAllowlist: ["10.0.0.0/33"],
            replicas: 1,
            highAvailability: true,
          }),
      ),
      (e: unknown) =>
        e instanceof InvalidArgsError &&
        e.problems.length === 4 &&
        /nodePorts\.https: 443 is outside/.test(e.message) &&
        /externalUrl: names port 30443, but clients reach the HTTPS NodePort 443/.test(e.message) &&
        /10\.0\.0\.0\/33/.test(e.message) &&
        /single point of failure/.test(e.message),
    );
  });
});

describe("edge: the stack never locks itself out", () => {
  const calls = [{ caller: "replication", paths: REPLICATION_API_PATHS }];
  const base = { host: "harbor.example.com", adminAllowlist: ["10.0.0.0/8"], calls };

  it("the API paths the stack's resources call are the ones their sources use", () => {
    // Every Harbor API path literal in a resource definition (ids normalised to {id}).
    const literals = (...files: string[]) =>
      files.flatMap((file) =>
        [...fs.readFileSync(path.join(ROOT, "components", file), "utf8").matchAll(/[`"](\/[a-zA-Z][^`"?]*)/g)].map(
          (m) => m[1].replace(/\$\{[^}]+\}|\{[^}]+\}/g, "{id}"),
        ),
      );
    const listed = (paths: string[]) => paths.map((p) => p.replace(/\{[^}]+\}/g, "{id}"));
    const used = new Set(literals("harborApi/registryEndpoint.ts", "replication/replicationPolicy.ts"));
    assert.ok(used.has("/registries") && used.has("/replication/policies/{id}"), [...used].join(", "));
    for (const p of used) assert.ok(listed(REPLICATION_API_PATHS).includes(p), p);
    const projectPaths = new Set(literals("harborApi/project.ts"));
    assert.ok(projectPaths.has("/projects"));
    for (const p of projectPaths) assert.ok(listed(PROJECT_API_PATHS).includes(p), p);
    const opsPaths = new Set(
      literals(
        "harborOps/systemSchedules.ts",
        "harborOps/retentionPolicy.ts",
        "harborOps/immutableTagRule.ts",
        "harborOps/oidcAuthentication.ts",
        "harborOps/projectQuota.ts",
        "harborOps/projectWebhook.ts",
        "harborOps/projectMemberGroup.ts",
      ),
    );
    assert.ok(opsPaths.has("/system/gc/schedule") && opsPaths.has("/configurations"), [...opsPaths].join(", "));
    for (const p of opsPaths) assert.ok(listed(OPERATIONS_API_PATHS).includes(p), p);
  });

  it("refuses private ranges in the allowlists of an internet-facing load balancer (clients arrive through NAT)", () => {
    const facing = edgeLockoutProblems({ ...base, operatorCidrs: ["10.0.64.0/20"], internetFacing: true });
    assert.deepEqual(
      facing.map((p) => p.path),
      ["adminAllowlist", "operatorCidrs"],
    );
    assert.match(facing[0].problem, /10\.0\.0\.0\/8 is a private range, but the load balancer is internet-facing/);
    assert.match(facing[1].fix, /public egress addresses .* or set internal: true/);
    // The same ranges are right for an internal load balancer, and public egress ranges for a public one.
    assert.deepEqual(edgeLockoutProblems({ ...base, operatorCidrs: ["10.0.64.0/20"], internetFacing: false }), []);
    assert.deepEqual(
      edgeLockoutProblems({
        ...base,
        adminAllowlist: ["203.0.113.0/24"],
        operatorCidrs: ["203.0.113.10/32"],
        internetFacing: true,
      }),
      [],
    );
  });

  it("requires operatorCidrs inside the allowlist when the stack's own calls use admin paths", () => {
    const none = edgeLockoutProblems({ ...base, operatorCidrs: [] });
    assert.equal(none.length, 1);
    assert.match(none[0].problem, /replication \/registries, .*use admin paths.*operatorCidrs .* is not set/);
    const outside = edgeLockoutProblems({ ...base, operatorCidrs: ["10.1.0.0/16", "192.168.0.0/24"] });
    assert.match(
      outside[0].problem,
      /192\.168\.0\.0\/24 is outside adminAllowlist \[10\.0\.0\.0\/8\], so `pulumi up` would get 403/,
    );
    assert.match(outside[0].fix, /add 192\.168\.0\.0\/24 to adminAllowlist/);
    assert.deepEqual(edgeLockoutProblems({ ...base, operatorCidrs: ["10.1.0.0/16"] }), []);
    // Projects are public paths, no allowlist restricts nothing: no lockout possible.
    assert.deepEqual(
      edgeLockoutProblems({ ...base, calls: [{ caller: "projects", paths: PROJECT_API_PATHS }], operatorCidrs: [] }),
      [],
    );
    assert.deepEqual(edgeLockoutProblems({ ...base, adminAllowlist: [], operatorCidrs: [] }), []);
    // The check routes the calls through the rendered routes: with a route that captured nothing, nothing is restricted.
    assert.deepEqual(
      selfLockoutProblems({
        ...base,
        operatorCidrs: [],
        routes: apiRoutesFor("other.example.com", ["10.0.0.0/8"]) as any,
        adminRouteName: ADMIN_ROUTE,
      }),
      [],
    );
    assert.deepEqual(
      [
        cidrWithin("10.1.0.0/16", "10.0.0.0/8"),
        cidrWithin("10.0.0.0/8", "10.0.0.0/16"),
        cidrWithin("11.0.0.1/32", "10.0.0.0/8"),
        cidrWithin("1.2.3.4/32", "0.0.0.0/0"),
      ],
      [true, false, false, true],
    );
  });

  it("`harbor-ha plan prod` exits 1 before any resource when pulumi up would be refused, naming the fix", () => {
    const doc = parse(fs.readFileSync(stackFilePath("prod"), "utf8"));
    doc.config["harbor-ha:edge"].operatorCidrs = ["192.0.2.0/24"];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-edge-"));
    const file = path.join(dir, "Pulumi.prod.yaml");
    fs.writeFileSync(file, stringify(doc));
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "harbor-ha.js"), "plan", "prod", "--config", file], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, "", "nothing is planned");
    assert.match(r.stderr, /stack "prod": invalid configuration, 1 problem/);
    assert.match(
      r.stderr,
      /harbor-ha:edge\.operatorCidrs: the stack's own Harbor API calls \(replication \/registries, .*\) use admin paths, but 192\.0\.2\.0\/24 is outside adminAllowlist \[203\.0\.113\.0\/24, 198\.51\.100\.10\/32\].*Fix: add 192\.0\.2\.0\/24 to harbor-ha:edge\.adminAllowlist/,
    );
    assert.equal(r.stderr.trim().split("\n").length, 2, "one message");
  });
});

describe("edge: wired by the platform", function () {
  this.timeout(120_000);
  it("staging (HTTP-01): cert-manager's solver attaches to the Gateway's HTTP listener; no ingress-nginx anywhere", async () => {
    const g = await runStack("staging");
    assert.deepEqual(g.errors, []);
    const objects = g.resources.map(kubernetesObject).filter(Boolean) as any[];
    const gateway = objects.find((o) => o.kind === "Gateway");
    const issuer = objects.find((o) => o.kind === "ClusterIssuer" && o.spec.acme);
    const [ref] = issuer.spec.acme.solvers[0].http01.gatewayHTTPRoute.parentRefs;
    assert.deepEqual([ref.name, ref.namespace], [gateway.metadata.name, gateway.metadata.namespace]);
    assert.equal(gateway.spec.listeners.find((l: any) => l.name === ref.sectionName).protocol, "HTTP");
    const cm = unwrapSecrets(g.resources.find((r) => (r.inputs as any).chart === "cert-manager")!.inputs) as any;
    assert.equal(cm.values.config.enableGatewayAPI, true);
    const cert = objects.find(
      (o) => o.kind === "Certificate" && o.spec.dnsNames?.includes("harbor.staging.example.com"),
    );
    assert.equal(
      gateway.spec.listeners.find((l: any) => l.protocol === "HTTPS").tls.certificateRefs[0].name,
      cert.spec.secretName,
    );
    assert.ok(!g.resources.some((r) => /ingress-nginx/.test(JSON.stringify(r.inputs)) || r.type.endsWith(":Ingress")));
    assert.ok(g.resources.some((r) => r.type === ComponentTypes.EnvoyGateway));
  });

  it("cert-manager's Gateway API support is on only when asked", () => {
    const base = { replicas: 1, publicDns01Resolvers: false, zoneSpread: false };
    assert.equal((renderCertManagerValues(base) as any).config, undefined);
    assert.deepEqual((renderCertManagerValues({ ...base, gatewayApi: true }) as any).config, {
      apiVersion: "controller.config.cert-manager.io/v1alpha1",
      kind: "ControllerConfiguration",
      enableGatewayAPI: true,
    });
  });
});

describe("edge: policies", function () {
  this.timeout(60_000);
  const POLICIES = [edgeTls, edgeNoCatchAll, edgeAdminAllowlist, edgeHttpRedirectOnly];

  /** An edge as HarborGateway renders it, under a platform of `environment`, plus Harbor's release values. */
  async function violations(
    environment: string,
    edit: (o: ReturnType<typeof renderHarborGateway>, harbor: any) => void = () => {},
    args: HarborGatewayRenderArgs = prodArgs,
  ): Promise<string[]> {
    const g = await runProgram(async () => {
      const platform = new (class extends pulumi.ComponentResource {
        constructor() {
          super(ComponentTypes.HarborPlatform, "harbor", { environment, highThroughput: false, zones: [] });
          this.registerOutputs({ environment, highThroughput: false, zones: [] });
        }
      })();
      const o = renderHarborGateway(args);
      const harbor = {
        externalURL: "https://harbor.example.com",
        expose: {
          type: "route",
          tls: { enabled: false },
          route: {
            parentRefs: [{ kind: "Gateway", name: "harbor", namespace: "harbor", sectionName: "https" }],
            hosts: ["harbor.example.com"],
          },
        },
      };
      edit(o, harbor);
      for (const [k, obj] of Object.entries(o))
        if (obj) new k8s.apiextensions.CustomResource(`edge-${k}`, obj, { parent: platform });
      new k8s.helm.v3.Release("harbor", { chart: "harbor", namespace: "harbor", values: harbor }, { parent: platform });
    });
    return (await evaluatePolicies(g, POLICIES)).map((v) => `${v.policy}: ${v.message}`);
  }

  it("pass on the edge as rendered, in prod and in dev", async () => {
    assert.deepEqual(await violations("prod"), []);
    assert.deepEqual(await violations("dev", () => {}, devArgs), []);
  });

  it("TLS below 1.2 or no explicit floor fails harbor-edge-tls", async () => {
    const v = await violations("prod", (o) => ((o.clientTrafficPolicy.spec as any).tls.minVersion = "1.1"));
    assert.equal(v.length, 1);
    assert.match(v[0], /harbor-edge-tls: ClientTrafficPolicy "harbor\/harbor-clients".*minVersion is "1\.1"/);
    const none = await violations("prod", (o) => delete (o.clientTrafficPolicy.spec as any).tls);
    assert.match(
      none.join("\n"),
      /harbor-edge-tls: Gateway "harbor\/harbor".*no ClientTrafficPolicy sets tls\.minVersion/,
    );
  });

  it("a listener without hostname, a route without hostnames or Harbor without route hosts fails harbor-edge-no-catch-all", async () => {
    const v = await violations("prod", (o, harbor) => {
      delete (o.gateway.spec as any).listeners[0].hostname;
      delete (o.publicApiRoute!.spec as any).hostnames;
      harbor.expose.route.hosts = [];
    });
    assert.equal(v.length, 3, v.join("\n"));
    assert.match(v.join("\n"), /listener "https" has no hostname/);
    assert.match(v.join("\n"), /HTTPRoute "harbor\/harbor-public-api".*spec\.hostnames is empty/);
    assert.match(v.join("\n"), /expose\.route\.hosts is empty/);
    const ingress = await violations("prod", (_o, harbor) => (harbor.expose = { type: "ingress" }));
    assert.match(ingress.join("\n"), /values\.expose\.type is "ingress"/);
  });

  it("staging and prod without the admin allowlist fail harbor-edge-admin-allowlist; dev does not", async () => {
    const open = { ...prodArgs, adminAllowlist: [] };
    for (const env of ["staging", "prod"]) {
      const v = await violations(env, () => {}, open);
      assert.equal(v.length, 1);
      assert.match(
        v[0],
        /harbor-edge-admin-allowlist: HarborPlatform \(.*\): no HTTPRoute captures Harbor's admin API paths/,
      );
    }
    assert.deepEqual(await violations("dev", () => {}, open), []);
    const allowAll = await violations("prod", (o) => {
      (o.adminSecurityPolicy!.spec as any).authorization.rules[0].principal.clientCIDRs = ["0.0.0.0/0"];
    });
    assert.match(allowAll.join("\n"), /HTTPRoute "harbor\/harbor-admin-api".*does not deny by default/);
    const allowByDefault = await violations("prod", (o) => {
      (o.adminSecurityPolicy!.spec as any).authorization.defaultAction = "Allow";
    });
    assert.equal(allowByDefault.length, 1);
    const unprotected = await violations("prod", (o) => delete o.adminSecurityPolicy);
    assert.match(unprotected.join("\n"), /no SecurityPolicy targets it/);
  });

  it("an HTTP listener serving instead of redirecting, or Harbor attached to it, fails harbor-edge-http-redirect-only", async () => {
    const v = await violations("prod", (o, harbor) => {
      (o.redirectRoute.spec as any).rules[0] = { backendRefs: [{ name: "harbor-core", port: 80 }] };
      harbor.expose.route.parentRefs = [{ kind: "Gateway", name: "harbor", namespace: "harbor" }];
    });
    assert.equal(v.length, 2, v.join("\n"));
    assert.match(
      v.join("\n"),
      /HTTPRoute "harbor\/harbor-http-redirect".*rule 0 on HTTP listener "http" serves instead of redirecting/,
    );
    assert.match(v.join("\n"), /expose\.route\.parentRefs attach Harbor to listener "http" \(HTTP\)/);
  });
});
