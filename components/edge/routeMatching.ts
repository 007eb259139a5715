/**
 * Which HTTPRoute rule answers a request path, with Gateway API's matching precedence as Envoy Gateway
 * v1.9.0 implements it (internal/gatewayapi/sort.go): Exact, then RegularExpression, then PathPrefix;
 * within a type the longest value wins. PathPrefix matches whole path segments (`/api/v2.0/users`
 * matches `/api/v2.0/users/current`, not `/api/v2.0/usersx`) and ignores a trailing `/`. Pure.
 *
 * Used to decide which Harbor API calls the admin route captures (the stack's own calls, and every
 * path of Harbor's OpenAPI document in test/edgeRoutes.spec.ts). Method, header and query matches are
 * not modelled: the routes here use none, and `routeProblems` refuses routes that do.
 */
export type PathMatchType = "Exact" | "PathPrefix" | "RegularExpression";

export interface HttpRouteMatch {
  path?: { type?: PathMatchType; value?: string };
  method?: string;
  headers?: unknown[];
  queryParams?: unknown[];
}

export interface HttpRouteRule {
  matches?: HttpRouteMatch[];
  filters?: unknown[];
  backendRefs?: unknown[];
}

/** The parts of an HTTPRoute that decide where a request goes. */
export interface RoutedHttpRoute {
  metadata: { name: string };
  spec: { hostnames?: string[]; rules?: HttpRouteRule[] };
}

export interface RouteChoice {
  route: string;
  rule: number;
  match: { type: PathMatchType; value: string };
}

const RANK: Record<PathMatchType, number> = { Exact: 3, RegularExpression: 2, PathPrefix: 1 };

/** Whether one path match accepts `path` (no query string). */
export function pathMatches(m: { type: PathMatchType; value: string }, path: string): boolean {
  if (m.type === "Exact") return path === m.value;
  if (m.type === "RegularExpression") return new RegExp(`^(?:${m.value})$`).test(path);
  const prefix = m.value.replace(/\/+$/, "");
  return prefix === "" || path === prefix || path.startsWith(`${prefix}/`);
}

/** Every path match of a route, with Gateway API's default (PathPrefix `/`) for rules without matches. */
function matchesOf(rule: HttpRouteRule): { type: PathMatchType; value: string }[] {
  const ms = rule.matches?.length ? rule.matches : [{}];
  return ms.map((m) => ({ type: m.path?.type ?? "PathPrefix", value: m.path?.value ?? "/" }));
}

/**
 * The winning rule for `host` + `path` among `routes`, or undefined (Envoy Gateway answers 404). Throws
 * when two different routes tie, since the winner would then depend on creation time.
 */
export function routeFor(routes: RoutedHttpRoute[], host: string, path: string): RouteChoice | undefined {
  const candidates: RouteChoice[] = [];
  for (const r of routes) {
    if (!(r.spec.hostnames ?? []).includes(host)) continue;
    (r.spec.rules ?? []).forEach((rule, i) => {
      for (const m of matchesOf(rule))
        if (pathMatches(m, path)) candidates.push({ route: r.metadata.name, rule: i, match: m });
    });
  }
  const score = (c: RouteChoice) => RANK[c.match.type] * 1e6 + c.match.value.length;
  candidates.sort((a, b) => score(b) - score(a));
  const [best, next] = candidates;
  if (best && next && score(best) === score(next) && best.route !== next.route)
    throw new Error(
      `${path}: routes "${best.route}" and "${next.route}" tie (${best.match.type} ${best.match.value} vs ${next.match.type} ${next.match.value})`,
    );
  return best;
}

/** Matches this model does not cover (method, headers, query parameters): refused rather than misjudged. */
export function unmodelledMatches(routes: RoutedHttpRoute[]): string[] {
  return routes.flatMap((r) =>
    (r.spec.rules ?? []).flatMap((rule, i) =>
      (rule.matches ?? [])
        .filter((m) => m.method || m.headers?.length || m.queryParams?.length)
        .map(() => `HTTPRoute ${r.metadata.name} rule ${i} matches on method, headers or query parameters`),
    ),
  );
}
