/**
 * Who may call which part of Harbor's API through the edge. Everything is public (Harbor authenticates
 * and authorizes every call itself) except the system administration API, which gets a route of its own
 * restricted to `adminAllowlist` by a SecurityPolicy: defence in depth against a stolen admin session
 * or password, and no admin surface on the internet.
 *
 * test/edgeRoutes.spec.ts walks every path and method of Harbor 2.15.2's OpenAPI document through the
 * rendered routes (these, plus the chart's own HTTPRoute) and checks each against its reviewed
 * classification; the portal's own calls stay public.
 */
import type { ArgsProblem } from "../conventions/validation";
import { routeFor, RoutedHttpRoute } from "./routeMatching";

/** Harbor's API base. */
export const HARBOR_API_BASE = "/api/v2.0";

/**
 * Admin areas, matched as PathPrefix on the admin route (whole segments, so `/users` also covers
 * `/users/{id}/sysadmin`). A prefix fails closed: anything below it, present or added by a later
 * Harbor, is restricted unless an exception below says otherwise.
 */
export const ADMIN_API_PREFIXES = [
  "/configurations",
  "/internalconfig",
  "/ldap",
  "/users",
  "/usergroups",
  "/system",
  "/systeminfo/volumes",
  "/registries",
  "/replication",
  "/robots",
  "/scanners",
  "/scans",
  "/audit-logs",
  "/auditlog-exts",
  "/quotas",
  "/jobservice",
  "/schedules",
  "/p2p",
  "/security",
].map((p) => HARBOR_API_BASE + p);

/**
 * Public exceptions below an admin prefix, on a public route of their own. Exact and RegularExpression
 * outrank PathPrefix in Envoy Gateway, so these win over the admin prefixes; an exception is exact
 * (`/users/current/` with a trailing slash stays restricted).
 */
export const PUBLIC_API_EXCEPTIONS: { type: "Exact" | "RegularExpression"; value: string; why: string }[] = [
  { type: "Exact", value: `${HARBOR_API_BASE}/users/current`, why: "the portal reads it on every page" },
  { type: "Exact", value: `${HARBOR_API_BASE}/users/current/permissions`, why: "the portal's menus" },
  { type: "Exact", value: `${HARBOR_API_BASE}/users/search`, why: "project admins adding members" },
  { type: "Exact", value: `${HARBOR_API_BASE}/usergroups/search`, why: "project admins adding group members" },
  {
    type: "RegularExpression",
    value: "/api/v2\\.0/users/[0-9]+/(password|cli_secret)",
    why: "users change their own password and CLI secret (Harbor allows only self or a system admin)",
  },
];

/** Harbor API paths the stack itself calls through `externalUrl` (ReplicationTargets, HarborProjects). */
export interface StackApiCalls {
  /** Who calls, for messages (e.g. `replication`). */
  caller: string;
  /** Paths relative to the API base, as templates (`/registries/{id}`). */
  paths: string[];
}

function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

/** An IPv4 CIDR as the allowlists take it (`10.0.0.0/8`). */
export const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/([0-9]|[12]\d|3[0-2])$/;

/** Whether IPv4 CIDR `inner` lies within `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
  const [ia, ib] = inner.split("/");
  const [oa, ob] = outer.split("/");
  const ibits = Number(ib);
  const obits = Number(ob);
  if (ibits < obits) return false;
  const mask = obits === 0 ? 0 : (0xffffffff << (32 - obits)) >>> 0;
  return (ipv4ToInt(ia) & mask) >>> 0 === (ipv4ToInt(oa) & mask) >>> 0;
}

/** Address ranges that never reach an internet-facing load balancer as themselves (RFC 1918, CGNAT, loopback). */
export const PRIVATE_SOURCE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8"];

/**
 * On an internet-facing load balancer, clients inside the VPC, on a VPN or on a CI runner reach Harbor's
 * public addresses through a NAT gateway and arrive (proxy protocol passes the real source on) with the
 * NAT's public address: a private range in an allowlist matches nobody, and the stack's own admin calls get 403.
 */
function privateSourceProblems(adminAllowlist: string[], operatorCidrs: string[]): ArgsProblem[] {
  const privateOf = (cidrs: string[]) => cidrs.filter((c) => PRIVATE_SOURCE_RANGES.some((r) => cidrWithin(c, r)));
  const fix =
    "list the public egress addresses instead (NAT gateway Elastic IPs, the VPN's egress), or set internal: true to serve Harbor on an internal load balancer reached from the VPC";
  return (
    [
      ["adminAllowlist", privateOf(adminAllowlist)],
      ["operatorCidrs", privateOf(operatorCidrs)],
    ] as const
  )
    .filter(([, found]) => found.length > 0)
    .map(([path, found]) => ({
      path,
      problem: `${found.join(", ")} ${found.length === 1 ? "is a private range" : "are private ranges"}, but the load balancer is internet-facing: clients there reach it through NAT with a public source address, so the admin route would refuse them (and \`pulumi up\`'s own admin calls)`,
      fix,
    }));
}

/**
 * The stack never locks itself out: when the admin route is restricted and the stack's own API
 * resources call paths it captures, `operatorCidrs` (where `pulumi up` runs) must be set and each must
 * lie within `adminAllowlist`. Pure; `paths` of `calls` get sample ids for the check.
 */
export function selfLockoutProblems(a: {
  host: string;
  adminAllowlist: string[];
  operatorCidrs: string[];
  calls: StackApiCalls[];
  routes: RoutedHttpRoute[];
  adminRouteName: string;
  /** The load balancer has public addresses (not internal, not a NodePort). Default: false. */
  internetFacing?: boolean;
}): ArgsProblem[] {
  if (a.adminAllowlist.length === 0) return [];
  const behindNat = a.internetFacing ? privateSourceProblems(a.adminAllowlist, a.operatorCidrs) : [];
  if (behindNat.length > 0) return behindNat;
  const restricted = a.calls.flatMap((c) =>
    c.paths
      .filter(
        (p) => routeFor(a.routes, a.host, HARBOR_API_BASE + p.replace(/\{[^}]+\}/g, "1"))?.route === a.adminRouteName,
      )
      .map((p) => `${c.caller} ${p}`),
  );
  if (restricted.length === 0) return [];
  const uncovered = a.operatorCidrs.filter((o) => !a.adminAllowlist.some((allowed) => cidrWithin(o, allowed)));
  const calls = `the stack's own Harbor API calls (${restricted.join(", ")}) use admin paths`;
  if (a.operatorCidrs.length === 0)
    return [
      {
        path: "operatorCidrs",
        problem: `${calls}, which only adminAllowlist [${a.adminAllowlist.join(", ")}] may reach, and operatorCidrs (where \`pulumi up\` runs) is not set`,
        fix: "set operatorCidrs to the addresses `pulumi up` runs from (CI runners, a bastion), each inside adminAllowlist",
      },
    ];
  if (uncovered.length === 0) return [];
  return [
    {
      path: "operatorCidrs",
      problem: `${calls}, but ${uncovered.join(", ")} ${uncovered.length === 1 ? "is" : "are"} outside adminAllowlist [${a.adminAllowlist.join(", ")}], so \`pulumi up\` would get 403`,
      fix: `add ${uncovered.join(", ")} to adminAllowlist, or run \`pulumi up\` from inside it`,
    },
  ];
}
