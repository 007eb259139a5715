/**
 * The edge (Gateway API on Envoy Gateway): TLS 1.2+ at the Gateway, no route to Harbor without a
 * hostname, the admin API behind a client allowlist in staging and prod, and an HTTP listener that only
 * redirects. Read from the Gateway API objects and Harbor's release values (`expose.route`).
 */
import { ADMIN_API_PREFIXES } from "../../components/facts";
import { stackRule, strList, violation } from "./common";
import { Graph, harborReleases, harborValuesUnknown, label, obj, platformFacts, Res, T } from "./graph";

interface Listener {
  name?: string;
  protocol?: string;
  hostname?: string;
  tls?: { mode?: string; certificateRefs?: unknown[] };
}
interface ParentRef {
  kind?: string;
  name?: string;
  namespace?: string;
  sectionName?: string;
}
interface RouteRule {
  matches?: { path?: { type?: string; value?: string } }[];
  filters?: { type?: string; requestRedirect?: { scheme?: string } }[];
  backendRefs?: unknown[];
}
interface AuthorizationRule {
  action?: string;
  principal?: { clientCIDRs?: string[] };
}
/** The spec fields these rules read, of Gateways, HTTPRoutes and Envoy Gateway policies. */
interface EdgeSpec {
  listeners?: Listener[];
  hostnames?: string[];
  parentRefs?: ParentRef[];
  rules?: RouteRule[];
  targetRefs?: ParentRef[];
  targetRef?: ParentRef;
  tls?: { minVersion?: string };
  authorization?: { defaultAction?: string; rules?: AuthorizationRule[] };
}
interface HarborExpose {
  type?: string;
  route?: { hosts?: string[]; parentRefs?: ParentRef[] };
}
interface Props {
  spec?: EdgeSpec;
  metadata?: { name?: string; namespace?: string };
  namespace?: string;
  values?: { externalURL?: unknown; expose?: HarborExpose };
}

const props = (r: Res): Props => obj(r.props) as Props;

type CannotCheck = (what: string, urn?: string) => void;

/**
 * Whether a preview leaves any of `paths` of `r` unknown; if so it is reported as not checkable (the rule
 * then skips `r`, instead of judging a value it cannot see).
 */
function hidden(g: Graph, r: Res, cannotCheck: CannotCheck, ...paths: string[]): boolean {
  const path = g.unknownOf(r, ...paths);
  if (path !== undefined) cannotCheck(`${label(r)} ${path}`, r.urn);
  return path !== undefined;
}

/** Whether a preview leaves Harbor's release values (or `paths` of them) unknown; reported as not checkable. */
function harborHidden(g: Graph, rel: Res, cannotCheck: CannotCheck, ...paths: string[]): boolean {
  const whole = harborValuesUnknown(g, rel);
  if (whole !== undefined) {
    cannotCheck(whole, rel.urn);
    return true;
  }
  return hidden(g, rel, cannotCheck, ...paths);
}
const spec = (r: Res): EdgeSpec => props(r).spec ?? {};
const nameOf = (r: Res): string | undefined => props(r).metadata?.name;
const nsOf = (r: Res): string | undefined => props(r).metadata?.namespace;
const exposeOf = (r: Res): HarborExpose => props(r).values?.expose ?? {};

/** Policies' targetRefs (and the older single targetRef). */
function targets(r: Res): ParentRef[] {
  const s = spec(r);
  return [...(Array.isArray(s.targetRefs) ? s.targetRefs : []), ...(s.targetRef ? [s.targetRef] : [])];
}

/** Listeners of `gateway` a parentRef attaches to (all of them without a sectionName). */
function attachedListeners(
  g: Graph,
  parentRef: ParentRef,
  routeNs: string | undefined,
): { gateway: Res; listener: Listener }[] {
  if ((parentRef?.kind ?? "Gateway") !== "Gateway") return [];
  const ns = parentRef?.namespace ?? routeNs;
  return g
    .ofType(T.Gateway)
    .filter((gw) => nameOf(gw) === parentRef?.name && (ns === undefined || nsOf(gw) === undefined || nsOf(gw) === ns))
    .flatMap((gw) =>
      (spec(gw).listeners ?? [])
        .filter((l) => !parentRef?.sectionName || l?.name === parentRef.sectionName)
        .map((listener) => ({ gateway: gw, listener })),
    );
}

export const edgeTls = stackRule<{ allowedMinVersions: string[] }>({
  name: "harbor-edge-tls",
  description:
    "TLS at the Gateway with TLS 1.2+: every Gateway has a ClientTrafficPolicy with tls.minVersion 1.2 or 1.3 (not Auto, 1.0, 1.1), every HTTPS listener terminates TLS with a certificate, and Harbor's externalURL is https.",
  severity: "high",
  remediationSteps:
    'Attach a ClientTrafficPolicy to the Gateway with spec.tls.minVersion "1.2", give HTTPS listeners tls.certificateRefs, and serve Harbor over https.',
  config: { allowedMinVersions: strList(["1.2", "1.3"], "ClientTrafficPolicy tls.minVersion values accepted") },
  check(g, c, report, _args, cannotCheck) {
    const policies = g
      .ofType(T.ClientTrafficPolicy)
      .filter((p) => !hidden(g, p, cannotCheck, "spec.targetRefs", "spec.targetRef", "spec.tls"));
    const policiesKnown = policies.length === g.ofType(T.ClientTrafficPolicy).length;
    for (const gw of g.ofType(T.Gateway)) {
      const mine = policies.filter((p) => targets(p).some((t) => t.kind === "Gateway" && t.name === nameOf(gw)));
      const versions = mine.map((p) => spec(p).tls?.minVersion).filter((v) => v !== undefined);
      // A policy the preview cannot read may be the one that sets it: reported above as not checkable.
      if (versions.length === 0 && policiesKnown)
        report(
          violation(
            label(gw),
            "no ClientTrafficPolicy sets tls.minVersion for it",
            `an explicit tls.minVersion in ${c.allowedMinVersions.join(", ")}`,
            'attach a ClientTrafficPolicy (targetRefs: this Gateway) with spec.tls.minVersion "1.2"',
          ),
          gw.urn,
        );
      for (const p of mine) {
        const v = spec(p).tls?.minVersion;
        if (v !== undefined && !c.allowedMinVersions.includes(String(v)))
          report(
            violation(
              label(p),
              `spec.tls.minVersion is "${v}"`,
              `one of ${c.allowedMinVersions.join(", ")}`,
              'set spec.tls.minVersion to "1.2"',
            ),
            p.urn,
          );
      }
      if (hidden(g, gw, cannotCheck, "spec.listeners")) continue;
      for (const l of spec(gw).listeners ?? [])
        if (l?.protocol === "HTTPS" && (l.tls?.mode === "Passthrough" || !(l.tls?.certificateRefs ?? []).length))
          report(
            violation(
              label(gw),
              `listener "${l.name}" is HTTPS without a terminating certificate`,
              "tls.mode Terminate with certificateRefs",
              "name the certificate Secret in tls.certificateRefs",
            ),
            gw.urn,
          );
    }
    for (const rel of harborReleases(g)) {
      if (harborHidden(g, rel, cannotCheck, "values.externalURL")) continue;
      const url = props(rel).values?.externalURL;
      if (typeof url === "string" && !url.startsWith("https://"))
        report(
          violation(label(rel), `values.externalURL is "${url}"`, "an https:// URL", "use https:// in externalUrl"),
          rel.urn,
        );
    }
  },
});

export const edgeNoCatchAll = stackRule<Record<string, never>>({
  name: "harbor-edge-no-catch-all",
  description:
    "Nothing routes to Harbor for an arbitrary Host: every Gateway listener has a hostname, every HTTPRoute lists hostnames, Harbor is exposed only through its chart's HTTPRoute (expose.type route) with expose.route.hosts, and there is no Ingress (no default backend).",
  severity: "high",
  remediationSteps:
    "Give every listener Harbor's hostname, every HTTPRoute `hostnames`, set Harbor's expose.type to route with expose.route.hosts, and delete Ingresses.",
  config: {},
  check(g, _c, report, _args, cannotCheck) {
    for (const gw of g.ofType(T.Gateway))
      if (!hidden(g, gw, cannotCheck, "spec.listeners"))
        for (const l of spec(gw).listeners ?? [])
          if (!l?.hostname || String(l.hostname).startsWith("*"))
            report(
              violation(
                label(gw),
                `listener "${l?.name}" has ${l?.hostname ? `the wildcard hostname "${l.hostname}"` : "no hostname"}`,
                "Harbor's hostname on every listener",
                "set the listener's hostname to Harbor's host",
              ),
              gw.urn,
            );
    for (const r of g.ofType(T.HttpRoute))
      if (!hidden(g, r, cannotCheck, "spec.hostnames") && !(spec(r).hostnames ?? []).length)
        report(
          violation(label(r), "spec.hostnames is empty (any Host)", "Harbor's hostname", "set spec.hostnames"),
          r.urn,
        );
    for (const rel of harborReleases(g)) {
      if (harborHidden(g, rel, cannotCheck, "values.expose")) continue;
      const expose = exposeOf(rel);
      if (expose.type !== "route")
        report(
          violation(
            label(rel),
            `values.expose.type is "${expose.type ?? "ingress (chart default)"}"`,
            'expose.type "route" on the stack\'s Gateway',
            'set expose.type to "route" with expose.route.parentRefs and hosts',
          ),
          rel.urn,
        );
      else if (!(expose.route?.hosts ?? []).length)
        report(
          violation(
            label(rel),
            "values.expose.route.hosts is empty (the chart's HTTPRoute would answer any Host)",
            "Harbor's hostname",
            "set expose.route.hosts to [Harbor's host]",
          ),
          rel.urn,
        );
    }
    for (const ing of g.ofType(T.Ingress))
      report(
        violation(label(ing), "an Ingress", "Gateway API routes only", "remove it; route through the Gateway"),
        ing.urn,
      );
  },
});

export const edgeAdminAllowlist = stackRule<{ environments: string[] }>({
  name: "harbor-edge-admin-allowlist",
  description:
    "In the listed environments (staging, prod) Harbor's admin API paths (ADMIN_API_PREFIXES of the edge tier) are captured by an HTTPRoute with a SecurityPolicy: authorization defaultAction Deny and Allow rules naming clientCIDRs, none of them 0.0.0.0/0.",
  severity: "high",
  remediationSteps:
    "Set the stack's edge.adminAllowlist to the admin networks' CIDRs (Args: HarborPlatform edge.adminAllowlist, HarborGateway adminAllowlist).",
  config: { environments: strList(["staging", "prod"], "environments whose admin API must carry an allowlist") },
  check(g, c, report, _args, cannotCheck) {
    const facts = platformFacts(g);
    if (facts.environment === undefined || !c.environments.includes(facts.environment)) return;
    if (harborReleases(g).length === 0) return;
    const routes = g.ofType(T.HttpRoute).filter((r) => !hidden(g, r, cannotCheck, "spec.rules"));
    const routesKnown = routes.length === g.ofType(T.HttpRoute).length;
    const prefixesOf = (r: Res): Set<string | undefined> =>
      new Set(
        (spec(r).rules ?? []).flatMap((rule) =>
          (rule?.matches ?? []).filter((m) => m?.path?.type === "PathPrefix").map((m) => m.path?.value),
        ),
      );
    const admin = routes.filter((r) => ADMIN_API_PREFIXES.every((p) => prefixesOf(r).has(p)));
    const at = facts.urn;
    if (admin.length === 0) {
      // A route the preview cannot read may be the admin route: reported above as not checkable.
      if (!routesKnown) return;
      report(
        violation(
          `HarborPlatform (${facts.environment})`,
          "no HTTPRoute captures Harbor's admin API paths",
          `an admin route with PathPrefix ${ADMIN_API_PREFIXES.join(", ")} and a client allowlist`,
          "set edge.adminAllowlist",
        ),
        at,
      );
      return;
    }
    for (const r of admin) {
      const readable = g
        .ofType(T.SecurityPolicy)
        .filter((p) => !hidden(g, p, cannotCheck, "spec.targetRefs", "spec.targetRef", "spec.authorization"));
      const policies = readable.filter((p) => targets(p).some((t) => t.kind === "HTTPRoute" && t.name === nameOf(r)));
      if (readable.length < g.ofType(T.SecurityPolicy).length && policies.length === 0) continue;
      const ok = policies.some((p) => {
        const az = spec(p).authorization;
        const allows = (az?.rules ?? []).filter((x) => x?.action === "Allow");
        return (
          az &&
          (az.defaultAction ?? "Deny") === "Deny" &&
          allows.length > 0 &&
          allows.every((x) => {
            const cidrs = x?.principal?.clientCIDRs ?? [];
            return cidrs.length > 0 && !cidrs.some((cidr) => /\/0$/.test(cidr));
          })
        );
      });
      if (!ok)
        report(
          violation(
            label(r),
            policies.length
              ? "its SecurityPolicy does not deny by default with client-CIDR Allow rules"
              : "no SecurityPolicy targets it",
            "authorization.defaultAction Deny and Allow rules with clientCIDRs (not 0.0.0.0/0)",
            "set edge.adminAllowlist to the admin networks",
          ),
          r.urn,
        );
    }
  },
});

export const edgeHttpRedirectOnly = stackRule<Record<string, never>>({
  name: "harbor-edge-http-redirect-only",
  description:
    "Plain-HTTP listeners only redirect to HTTPS: every HTTPRoute rule attached to an HTTP listener is a RequestRedirect to scheme https with no backend, and Harbor's chart route attaches to HTTPS listeners only (cert-manager's HTTP-01 routes are created at run time, outside the plan).",
  severity: "high",
  remediationSteps:
    "Attach Harbor's routes with sectionName of the HTTPS listener; on the HTTP listener keep only a RequestRedirect (scheme https) route.",
  config: {},
  check(g, _c, report, _args, cannotCheck) {
    for (const r of g.ofType(T.HttpRoute)) {
      if (hidden(g, r, cannotCheck, "spec.parentRefs", "spec.rules")) continue;
      const plain = (spec(r).parentRefs ?? []).flatMap((p) =>
        attachedListeners(g, p, nsOf(r)).filter((a) => a.listener?.protocol === "HTTP"),
      );
      if (plain.length === 0) continue;
      (spec(r).rules ?? []).forEach((rule, i) => {
        const redirects = (rule?.filters ?? []).some(
          (f) => f?.type === "RequestRedirect" && f?.requestRedirect?.scheme === "https",
        );
        if (!redirects || (rule?.backendRefs ?? []).length > 0)
          report(
            violation(
              label(r),
              `rule ${i} on HTTP listener "${plain[0].listener.name}" ${redirects ? "also has backends" : "serves instead of redirecting"}`,
              "a RequestRedirect to https only",
              "attach the route to the HTTPS listener (sectionName) or make the rule a redirect",
            ),
            r.urn,
          );
      });
    }
    for (const rel of harborReleases(g)) {
      if (harborHidden(g, rel, cannotCheck, "values.expose")) continue;
      const expose = exposeOf(rel);
      if (expose.type !== "route") continue;
      const ns = props(rel).namespace;
      const refs = expose.route?.parentRefs ?? [];
      const plain = refs.flatMap((p) => attachedListeners(g, p, ns)).filter((a) => a.listener?.protocol !== "HTTPS");
      const unnamed = refs.filter((p) => !p?.sectionName);
      if (plain.length || unnamed.length || refs.length === 0)
        report(
          violation(
            label(rel),
            refs.length === 0
              ? "values.expose.route.parentRefs is empty"
              : `values.expose.route.parentRefs attach Harbor to ${plain.length ? `listener "${plain[0].listener.name}" (${plain[0].listener.protocol})` : "every listener (no sectionName)"}`,
            "the HTTPS listener only",
            "set sectionName to the Gateway's HTTPS listener",
          ),
          rel.urn,
        );
    }
  },
});
