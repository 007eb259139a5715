/**
 * Every operation of Harbor 2.15.2's OpenAPI document, routed through the prod stack's planned
 * HTTPRoutes (the edge's admin route and public exceptions, plus Harbor's own chart route rendered as
 * the 1.19.2 template does) with Envoy Gateway's matching precedence, must land where its reviewed
 * classification below says: admin operations on the allowlisted admin route, the rest public.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runStack, kubernetesObject, unwrapSecrets, PlanGraph } from "../engine";
import { edgeObjectNames, routeFor, RoutedHttpRoute, unmodelledMatches } from "../components/edge";

const FIXTURES = path.join(__dirname, "fixtures", "upstream");
const swagger = parse(fs.readFileSync(path.join(FIXTURES, "harbor-api-2.15.2", "swagger.yaml"), "utf8"));
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/**
 * The reviewed classification, by OpenAPI path template relative to /api/v2.0: an exact template, or
 * `<prefix>*` for the template and everything below it. Each operation must match exactly one entry.
 */
const ADMIN = [
  "/configurations",
  "/internalconfig",
  "/ldap/*",
  "/users",
  "/users/{user_id}",
  "/users/{user_id}/sysadmin",
  "/usergroups",
  "/usergroups/{group_id}",
  "/system/*",
  "/systeminfo/volumes",
  "/registries*",
  "/replication/*",
  "/robots*",
  "/scanners*",
  "/scans/*",
  "/audit-logs",
  "/auditlog-exts*",
  "/quotas*",
  "/jobservice/*",
  "/schedules*",
  "/p2p/*",
  "/security/*",
];
const PUBLIC = [
  "/health",
  "/ping",
  "/search",
  "/statistics",
  "/systeminfo",
  "/systeminfo/getcert",
  "/permissions",
  "/repositories",
  "/projects*",
  "/icons/*",
  "/labels*",
  "/retentions*",
  "/export/*",
  // The portal's own calls below admin prefixes.
  "/users/current",
  "/users/current/permissions",
  "/users/search",
  "/usergroups/search",
  // Self-service (Harbor allows only the user or a system admin).
  "/users/{user_id}/password",
  "/users/{user_id}/cli_secret",
];

const claims = (entry: string, template: string) =>
  entry.endsWith("*") ? template.startsWith(entry.slice(0, -1)) : template === entry;

/** The intended access of one path template, or why it cannot be told. */
function intended(template: string): "admin" | "public" | string {
  const hits = [...ADMIN.map((e) => ["admin", e]), ...PUBLIC.map((e) => ["public", e])].filter(([, e]) =>
    claims(e, template),
  );
  if (hits.length === 0) return "unclassified";
  if (hits.length > 1) return `ambiguous (${hits.map(([, e]) => e).join(", ")})`;
  return hits[0][0];
}

const SAMPLE: Record<string, string> = {
  project_name_or_id: "library",
  project_name: "library",
  repository_name: "nginx",
  reference: "sha256:0123abcd",
  user_id: "42",
  tag_name: "latest",
  job_type: "GARBAGE_COLLECTION",
  digest: "sha256:0123abcd",
};
const concrete = (template: string) =>
  "/api/v2.0" + template.replace(/\{([^}]+)\}/g, (_m, p: string) => SAMPLE[p] ?? "7");

/** Harbor chart 1.19.2's HTTPRoute for these values, as templates/gateway-apis/route.yaml renders it. */
function chartRoute(values: any): RoutedHttpRoute {
  const chart = parse(fs.readFileSync(path.join(FIXTURES, "harbor-helm-1.19.2", "gateway-route.yaml"), "utf8"));
  assert.deepEqual(
    chart.rules.map((r: any) => [r.backend, r.paths]),
    [
      ["core", ["/api/", "/service/", "/v2/", "/c/"]],
      ["portal", ["/"]],
    ],
  );
  assert.ok(chart.valuesRead.includes("expose.route.hosts") && chart.valuesRead.includes("expose.route.parentRefs"));
  return {
    metadata: { name: `${values.fullnameOverride}-route` },
    spec: {
      hostnames: values.expose.route.hosts,
      rules: chart.rules.map((r: any) => ({
        matches: r.paths.map((value: string) => ({ path: { type: chart.pathType, value } })),
      })),
    },
  };
}

describe("admin API classification over Harbor 2.15.2's OpenAPI document", function () {
  this.timeout(120_000);
  let g: PlanGraph;
  let routes: RoutedHttpRoute[];
  let host: string;
  let adminRoute: string;

  before(async () => {
    g = await runStack("prod");
    assert.deepEqual(g.errors, []);
    const objects = g.resources.map(kubernetesObject).filter(Boolean) as any[];
    const httpRoutes = objects.filter((o) => o.kind === "HTTPRoute");
    const harbor = unwrapSecrets(g.resources.find((r) => (r.inputs as any).chart === "harbor")!.inputs) as any;
    assert.equal(harbor.values.expose.type, "route");
    // Routes on the HTTPS listener: the edge's and the chart's (the redirect route is on the HTTP listener).
    routes = [
      ...httpRoutes.filter((r) => r.spec.parentRefs.every((p: any) => p.sectionName === "https")),
      chartRoute(harbor.values),
    ];
    host = harbor.values.expose.route.hosts[0];
    // The admin route is the one a SecurityPolicy restricts, with a default Deny.
    const policy = objects.find((o) => o.kind === "SecurityPolicy")!;
    assert.equal(policy.spec.authorization.defaultAction, "Deny");
    assert.deepEqual(policy.spec.authorization.rules[0].principal.clientCIDRs, ["203.0.113.0/24", "198.51.100.10/32"]);
    adminRoute = policy.spec.targetRefs[0].name;
    assert.equal(adminRoute, edgeObjectNames("harbor").adminRoute);
    assert.deepEqual(unmodelledMatches(routes), []);
  });

  const routed = (p: string) => {
    const choice = routeFor(routes, host, p);
    assert.ok(choice, `${p} reaches no route`);
    return choice.route === adminRoute ? "admin" : "public";
  };

  it("classifies every path and method, and routes each where its classification says", () => {
    const paths = Object.keys(swagger.paths);
    assert.equal(swagger.basePath, "/api/v2.0");
    assert.equal(paths.length, 135);
    const problems: string[] = [];
    const count = { admin: 0, public: 0 };
    const used = new Set<string>();
    let operations = 0;
    for (const template of paths) {
      for (const method of METHODS.filter((m) => swagger.paths[template][m])) {
        operations++;
        const want = intended(template);
        [...ADMIN, ...PUBLIC].filter((e) => claims(e, template)).forEach((e) => used.add(e));
        if (want !== "admin" && want !== "public") {
          problems.push(`${method.toUpperCase()} ${template}: ${want}`);
          continue;
        }
        const got = routed(concrete(template));
        if (got !== want) problems.push(`${method.toUpperCase()} ${template}: intended ${want}, routed ${got}`);
        count[want]++;
      }
    }
    console.log(
      `      Harbor 2.15.2 OpenAPI: ${paths.length} paths, ${operations} operations: ${count.admin} admin (allowlisted route), ${count.public} public`,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(
      [...ADMIN, ...PUBLIC].filter((e) => !used.has(e)),
      [],
      "every classification entry matches a path",
    );
    assert.equal(count.admin + count.public, operations);
  });

  it("a path nobody classified fails (the classifier does not default)", () => {
    assert.equal(intended("/brand-new-api"), "unclassified");
    assert.match(intended("/users/current"), /^public$/);
  });

  it("keeps the portal's calls public and the named admin areas restricted", () => {
    for (const p of [
      "/users/current",
      "/users/current/permissions",
      "/users/search",
      "/search",
      "/projects",
      "/projects/library/repositories",
      "/projects/library/repositories/nginx/artifacts",
      "/projects/library/repositories/nginx/artifacts/sha256:0123/scan",
      "/systeminfo",
      "/ping",
    ])
      assert.equal(routed(`/api/v2.0${p}`), "public", p);
    for (const p of [
      "/configurations",
      "/users",
      "/users/42",
      "/users/42/sysadmin",
      "/usergroups/3",
      "/system/gc/schedule",
      "/system/CVEAllowlist",
      "/ldap/ping",
      "/registries",
      "/replication/policies/1",
      "/robots",
      "/scanners",
      "/audit-logs",
      "/quotas/1",
      "/jobservice/pools",
      "/schedules",
      "/system/purgeaudit",
    ])
      assert.equal(routed(`/api/v2.0${p}`), "admin", p);
  });

  it("matches whole segments, and exceptions are exact: variants fail closed", () => {
    // PathPrefix /api/v2.0/users covers /users/current; only the Exact exception keeps it public.
    assert.equal(routeFor(routes, host, "/api/v2.0/users/current")!.match.type, "Exact");
    assert.equal(routed("/api/v2.0/users/current/"), "admin", "a trailing slash is not the exact exception");
    assert.equal(routed("/api/v2.0/usersx"), "public", "another segment, not under /users");
    assert.equal(routed("/api/v2.0/configurations/"), "admin");
    assert.equal(routed("/api/v2.0/users/42/password/x"), "admin");
    assert.equal(routed("/api/v2.0/users/abc/password"), "admin", "user ids are numeric");
    // The registry, token service, controller and portal stay on the chart's route.
    for (const p of ["/v2/", "/v2/library/nginx/blobs/uploads/", "/service/token", "/c/login", "/", "/harbor/projects"])
      assert.equal(routeFor(routes, host, p)!.route, "harbor-route", p);
    // Any other Host: no route at all (Envoy Gateway answers 404).
    assert.equal(routeFor(routes, "harbor-nlb-123.elb.eu-west-1.amazonaws.com", "/api/v2.0/ping"), undefined);
  });
});
