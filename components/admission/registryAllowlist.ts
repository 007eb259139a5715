/**
 * The registry allowlist as a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, GA since
 * Kubernetes 1.30): its CEL expressions and the checks of its inputs. Pure and SDK-free (the policy pack
 * and the stack config import it through components/facts.ts).
 *
 * Only CEL functions both Kubernetes (cel-go with its strings extension) and the tests' evaluator
 * (@marcbachmann/cel-js) implement: has, map, filter, exists, all, in, size, startsWith, contains,
 * indexOf, substring, matches, join.
 */

/** How the binding acts on a violation: `Deny` refuses, `Warn` answers with a warning, `Audit` only logs. */
export type AdmissionMode = "Deny" | "Warn" | "Audit";
export const ADMISSION_MODES: readonly AdmissionMode[] = ["Deny", "Warn", "Audit"];

/** The binding's validationActions for a mode: every violation is also audited (Deny and Warn exclude each other). */
export function validationActions(mode: AdmissionMode): string[] {
  return mode === "Audit" ? ["Audit"] : [mode, "Audit"];
}

/** `host[:port]`: a DNS name (or IPv4) and an optional port, as an image reference's first component. */
const HOST =
  /^(?=.{1,253}(:|$))([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[0-9]{1,5})?$/;
/** A repository path below a registry (distribution's reference grammar, lowercase components). */
const PATH_COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;

/** Whether `host` names a registry as an image reference does (a dot, a port, or `localhost`). */
function looksLikeRegistry(host: string): boolean {
  return host.includes(".") || host.includes(":") || host === "localhost";
}

/**
 * A registry prefix an allowlist accepts: `host[:port]` or `host[:port]/path` (no scheme, tag or wildcard),
 * where host is a registry host (a dot, a port or `localhost`: `nginx` alone would mean Docker Hub's
 * `library/nginx`). Undefined when valid, else what is wrong and the fix.
 */
export function registryPrefixProblem(prefix: string): string | undefined {
  const example = 'e.g. "registry.example.com", "registry.example.com:5000" or "harbor.example.com/dockerhub"';
  if (/^[a-z]+:\/\//i.test(prefix))
    return `"${prefix}" has a scheme; an image reference has none. Fix: write the host alone, ${example}`;
  if (/[*?@\s]/.test(prefix) || prefix.endsWith("/") || prefix.includes("//"))
    return `"${prefix}" is not a registry host or host/path prefix (no wildcards, tags, digests, spaces or empty path segments). Fix: ${example}`;
  const [host, ...path] = prefix.split("/");
  if (!HOST.test(host) || !looksLikeRegistry(host) || path.some((p) => !PATH_COMPONENT.test(p)))
    return `"${prefix}" is not a registry host (lowercase DNS name with a dot, optional :port) with an optional lowercase path. Fix: ${example}`;
  return undefined;
}

/** Docker Hub's canonical names: what Kubernetes pulls for an image without a registry. */
export const DOCKER_HUB = "docker.io";

/**
 * The fully qualified form of an image reference as the container runtime resolves it: a first component
 * without a dot, a port or `localhost` is not a registry, so Docker Hub is implied (`redis:7` ->
 * `docker.io/library/redis:7`, `goharbor/harbor-core:v2` -> `docker.io/goharbor/harbor-core:v2`).
 * The same rule as {@link CEL_NORMALIZE}, for Args and tests.
 */
export function normalizeImage(image: string): string {
  const slash = image.indexOf("/");
  const first = slash < 0 ? "" : image.substring(0, slash);
  if (slash >= 0 && looksLikeRegistry(first)) return image;
  return slash < 0 ? `${DOCKER_HUB}/library/${image}` : `${DOCKER_HUB}/${image}`;
}

/**
 * An image the allowlist exempts: a fully qualified repository (`docker.io/goharbor/harbor-core`, any tag)
 * or reference (`docker.io/goharbor/harbor-core:v2.15.2`, `...@sha256:<64 hex>`). Undefined when valid.
 */
export function exemptImageProblem(image: string): string | undefined {
  if (!IMAGE_REFERENCE.test(image) || normalizeImage(image) !== image)
    return `"${image}" is not a fully qualified image reference. Fix: write registry/repository[:tag][@sha256:digest], e.g. "${normalizeImage(image.replace(/\s/g, "")) || "docker.io/library/redis:7.2.11-alpine"}"`;
  return undefined;
}

/**
 * A fully qualified image reference (distribution's grammar, simplified): registry host[:port], lowercase
 * path components, optional tag, optional sha256 digest. RE2 and ECMAScript read it the same way.
 */
export const IMAGE_REFERENCE_PATTERN =
  "^[a-zA-Z0-9.-]+(:[0-9]+)?(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)+(:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$";
const IMAGE_REFERENCE = new RegExp(IMAGE_REFERENCE_PATTERN);

/** A CEL string literal (single-quoted; only what our inputs can hold needs escaping). */
export function celString(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
const celList = (xs: readonly string[]) => `[${xs.map(celString).join(", ")}]`;

/**
 * CEL: the fully qualified form of image `i` ({@link normalizeImage}). `i.indexOf('/')` is -1 without a
 * slash; the first component is a registry with a dot, a port or when it is `localhost`.
 */
export const CEL_NORMALIZE = (i: string) =>
  `(${i}.indexOf('/') > 0 && (${i}.substring(0, ${i}.indexOf('/')).contains('.') || ${i}.substring(0, ${i}.indexOf('/')).contains(':') || ${i}.substring(0, ${i}.indexOf('/')) == 'localhost')` +
  ` ? ${i} : (${i}.indexOf('/') < 0 ? '${DOCKER_HUB}/library/' + ${i} : '${DOCKER_HUB}/' + ${i}))`;

/** The allowlist as the policy renders it. */
export interface AllowlistSpec {
  /** Allowed prefixes: `host[:port]/` or `host[:port]/path/`, each ending in `/`. */
  prefixes: string[];
  /** Exempt images, fully qualified. */
  exemptImages: string[];
  /** Namespaces the policy does not apply to. */
  exemptNamespaces: string[];
  /** Namespaces where every image must be pinned by digest (those that verify signatures). Default: none. */
  digestNamespaces?: { matchLabels?: Record<string, string>; matchExpressions?: SelectorExpression[] };
}

interface SelectorExpression {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/**
 * CEL: whether the request's namespace matches a label selector (Kubernetes' semantics: every matchLabels
 * pair and every expression holds), read from `namespaceObject`.
 */
export function celNamespaceMatches(sel: {
  matchLabels?: Record<string, string>;
  matchExpressions?: SelectorExpression[];
}): string {
  const labels = "(has(namespaceObject.metadata.labels) ? namespaceObject.metadata.labels : {})";
  const terms = [
    ...Object.entries(sel.matchLabels ?? {}).map(
      ([k, v]) => `(${celString(k)} in ${labels} && ${labels}[${celString(k)}] == ${celString(v)})`,
    ),
    ...(sel.matchExpressions ?? []).map((e) => {
      const has = `${celString(e.key)} in ${labels}`;
      const value = `${labels}[${celString(e.key)}]`;
      if (e.operator === "Exists") return `(${has})`;
      if (e.operator === "DoesNotExist") return `!(${has})`;
      if (e.operator === "In") return `(${has} && ${value} in ${celList(e.values ?? [])})`;
      return `(!(${has}) || !(${value} in ${celList(e.values ?? [])}))`;
    }),
  ];
  return terms.length ? terms.join(" && ") : "true";
}

/** Allowed prefixes from Harbor's host and projects plus extra registries, each ending in `/`. */
export function allowedPrefixes(harborHost: string, projects: readonly string[], extra: readonly string[]): string[] {
  return [...new Set([...projects.map((p) => `${harborHost}/${p}/`), ...extra.map((r) => `${r}/`)])].sort();
}

export interface AllowlistCel {
  /** matchConditions: the request is skipped (admitted) in exempt namespaces. */
  matchConditions: { name: string; expression: string }[];
  /** variables, in order (each may read the ones before it). */
  variables: { name: string; expression: string }[];
  /** Every image allowed or exempt; with digestNamespaces, every image there pinned by digest. */
  validations: { expression: string; messageExpression: string; reason: string }[];
}

/**
 * The policy's CEL. Kinds matched: Pods (containers, initContainers, ephemeralContainers; also on the
 * `pods/ephemeralcontainers` subresource, whose object is the Pod) and the pod templates of Deployments,
 * ReplicaSets, StatefulSets, DaemonSets, Jobs and CronJobs: a workload is refused when created, not only
 * when its controller's Pods fail later.
 */
export function renderAllowlistCel(spec: AllowlistSpec): AllowlistCel {
  const norm = CEL_NORMALIZE("i");
  return {
    matchConditions: [
      { name: "not-exempt-namespace", expression: `!(request.namespace in ${celList(spec.exemptNamespaces)})` },
    ],
    variables: [
      {
        name: "podSpec",
        expression:
          "object.kind == 'Pod' ? object.spec : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec)",
      },
      {
        name: "images",
        expression:
          "(has(variables.podSpec.containers) ? variables.podSpec.containers.map(c, c.image) : [])" +
          " + (has(variables.podSpec.initContainers) ? variables.podSpec.initContainers.map(c, c.image) : [])" +
          " + (has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers.map(c, c.image) : [])",
      },
      { name: "qualified", expression: `variables.images.map(i, ${norm})` },
      {
        name: "refused",
        expression:
          `variables.qualified.filter(r, !(r.matches(${celString(IMAGE_REFERENCE_PATTERN)})` +
          ` && (${celList(spec.prefixes)}.exists(p, r.startsWith(p))` +
          ` || ${celList(spec.exemptImages)}.exists(e, r == e || r.startsWith(e + ':') || r.startsWith(e + '@')))))`,
      },
    ],
    validations: [
      {
        expression: "size(variables.refused) == 0",
        messageExpression: `'images not from an allowed registry (${spec.prefixes.join(", ").replace(/'/g, "")}): ' + variables.refused.join(', ')`,
        reason: "Forbidden",
      },
      // Where signatures are verified, what runs must be what was verified: policy-controller's mutating
      // webhook resolves tags to digests before validating admission runs, so a tag left here was not resolved.
      ...(spec.digestNamespaces
        ? [
            {
              expression: `!(${celNamespaceMatches(spec.digestNamespaces)}) || variables.qualified.all(r, r.contains('@sha256:'))`,
              messageExpression:
                "'images must be pinned by digest in namespaces that verify signatures: ' + variables.qualified.filter(r, !r.contains('@sha256:')).join(', ')",
              reason: "Forbidden",
            },
          ]
        : []),
    ],
  };
}
