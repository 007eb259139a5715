/**
 * Pure functions of {@link ReplicationTargets}: the Args checks (trigger/direction, Harbor's cron, loops,
 * insecure opt-in) and the plain provider inputs rendered from the Args.
 */
import type { ApiReplicationFilter } from "../harborApi/model";
import type { ArgsChecker } from "../conventions/validation";
import { harborCronProblem } from "../harborApi/cron";
import {
  REGISTRY_TYPES,
  RegistryEndpointArgs,
  ReplicationFilterArgs,
  ReplicationFlow,
  ReplicationPolicyArgs,
  ReplicationTargetsArgs,
} from "./args";

/** Harbor's cron rules: one validator for replication and every schedule (harborApi/cron.ts). */
export { harborCronProblem };

/** `HTTPS://Harbor.Example.com:443/` -> `https://harbor.example.com`: one spelling per registry. */
export function normalizeRegistryUrl(url: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`;
  try {
    const u = new URL(withScheme);
    const defaultPort = (u.protocol === "https:" && u.port === "443") || (u.protocol === "http:" && u.port === "80");
    return `${u.protocol}//${u.hostname.toLowerCase()}${u.port && !defaultPort ? `:${u.port}` : ""}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    return withScheme.toLowerCase().replace(/\/+$/, "");
  }
}

/** The flows a set declares: a push goes self -> endpoint, a pull endpoint -> self. Disabled policies move nothing. */
export function replicationFlows(
  selfUrl: string,
  endpoints: RegistryEndpointArgs[],
  policies: ReplicationPolicyArgs[],
): ReplicationFlow[] {
  const self = normalizeRegistryUrl(selfUrl);
  const urls = new Map(endpoints.map((e) => [e.name, normalizeRegistryUrl(e.url)]));
  const flows: ReplicationFlow[] = [];
  for (const p of policies) {
    const remote = urls.get(p.endpoint);
    if (!remote || p.enabled === false) continue;
    const policy = `${self}/${p.name}`;
    flows.push(p.direction === "push" ? { from: self, to: remote, policy } : { from: remote, to: self, policy });
  }
  return flows;
}

/**
 * Replication cycles among `flows` (A -> B -> A, or longer): each one as the policies that form it.
 * Images would go round forever (each arrival is a push event that triggers the next leg).
 */
export function findReplicationLoops(flows: ReplicationFlow[]): ReplicationFlow[][] {
  const out = new Map<string, ReplicationFlow[]>();
  for (const f of flows) out.set(f.from, [...(out.get(f.from) ?? []), f]);
  const loops: ReplicationFlow[][] = [];
  const seen = new Set<string>();
  const walk = (start: string, at: string, path: ReplicationFlow[], visited: Set<string>) => {
    for (const f of out.get(at) ?? []) {
      if (f.to === start) {
        const cycle = [...path, f];
        // One report per cycle, whatever node it was found from.
        const key = cycle
          .map((c) => c.policy)
          .sort()
          .join("|");
        if (!seen.has(key)) {
          seen.add(key);
          // Start each reported cycle at its smallest URL, so messages are stable.
          const first = cycle.reduce((best, c, i) => (c.from < cycle[best].from ? i : best), 0);
          loops.push([...cycle.slice(first), ...cycle.slice(0, first)]);
        }
      } else if (!visited.has(f.to)) {
        visited.add(f.to);
        walk(start, f.to, [...path, f], visited);
        visited.delete(f.to);
      }
    }
  };
  for (const start of out.keys()) walk(start, start, [], new Set([start]));
  return loops;
}

/** Every problem of a {@link ReplicationTargetsArgs} (plain parts only), recorded on `checker`. */
export function checkReplicationTargets(args: ReplicationTargetsArgs, checker: ArgsChecker): void {
  const endpoints = args.endpoints ?? [];
  const policies = args.policies ?? [];
  const selfUrl = args.selfUrl ?? (typeof args.harbor?.url === "string" ? args.harbor.url : undefined);
  checker.check(
    selfUrl !== undefined,
    "selfUrl",
    "is unknown (harbor.url is an Output)",
    "set selfUrl to this Harbor's external URL as a plain string, so loops can be checked",
  );
  checker.check(
    args.harbor?.password !== undefined,
    "harbor.password",
    "is missing",
    "pass the Harbor admin password (a secret from the stack config)",
  );
  if (args.harbor?.pingAttempts !== undefined) checker.atLeast(args.harbor.pingAttempts, 1, "harbor.pingAttempts");

  const names = new Map<string, number>();
  endpoints.forEach((e, i) => {
    const at = `endpoints[${i}]`;
    checker.check(
      /^[\w.-]{1,255}$/.test(e.name ?? ""),
      `${at}.name`,
      `"${e.name}" is not a valid endpoint name`,
      "use letters, digits, '.', '_' or '-'",
    );
    checker.check(
      !names.has(e.name),
      `${at}.name`,
      `"${e.name}" is already used by endpoints[${names.get(e.name)}]`,
      "give every endpoint its own name",
    );
    names.set(e.name, i);
    const type = e.type ?? "harbor";
    checker.check(
      (REGISTRY_TYPES as readonly string[]).includes(type),
      `${at}.type`,
      `"${type}" is not a Harbor registry type`,
      `use one of ${REGISTRY_TYPES.join(", ")}`,
    );
    let urlOk: boolean;
    try {
      urlOk = ["https:", "http:"].includes(new URL(e.url).protocol);
    } catch {
      urlOk = false;
    }
    checker.check(
      urlOk,
      `${at}.url`,
      `"${e.url}" is not an http(s) URL`,
      "give the registry's full URL, e.g. https://harbor.dr.example.com",
    );
    if (urlOk && selfUrl !== undefined) {
      checker.check(
        normalizeRegistryUrl(e.url) !== normalizeRegistryUrl(selfUrl),
        `${at}.url`,
        "points at this Harbor itself",
        "an endpoint must be another registry",
      );
    }
    checker.check(
      !(e.insecure ?? false) || (e.allowInsecure ?? false),
      `${at}.insecure`,
      "is true without the explicit opt-in (TLS verification would be off for the replication credential)",
      "give the endpoint a caCertificate instead, or set allowInsecure: true to accept the risk",
    );
    checker.check(
      !(e.robot && (e.accessKey !== undefined || e.accessSecret !== undefined)),
      `${at}.robot`,
      "is set together with accessKey/accessSecret",
      "either let the component create a robot (robot) or pass an existing credential (accessKey + accessSecret), not both",
    );
    checker.check(
      (e.accessKey === undefined) === (e.accessSecret === undefined),
      `${at}.accessKey`,
      "accessKey and accessSecret must be set together",
      "set both (a robot account's name and secret) or neither",
    );
    if (e.robot) {
      checker.check(
        e.robot.admin?.password !== undefined,
        `${at}.robot.admin.password`,
        "is missing",
        "pass the remote Harbor's admin password (secret)",
      );
      if (e.robot.durationDays !== undefined) {
        checker.check(
          e.robot.durationDays === -1 || (Number.isInteger(e.robot.durationDays) && e.robot.durationDays > 0),
          `${at}.robot.durationDays`,
          `must be -1 (never expires) or a positive integer, got ${e.robot.durationDays}`,
          "set -1 or a number of days",
        );
      }
    }
  });

  const policyNames = new Map<string, number>();
  policies.forEach((p, i) => {
    const at = `policies[${i}]`;
    checker.check(
      /^[\w.-]{1,255}$/.test(p.name ?? ""),
      `${at}.name`,
      `"${p.name}" is not a valid policy name`,
      "use letters, digits, '.', '_' or '-'",
    );
    checker.check(
      !policyNames.has(p.name),
      `${at}.name`,
      `"${p.name}" is already used by policies[${policyNames.get(p.name)}]`,
      "give every policy its own name",
    );
    policyNames.set(p.name, i);
    checker.check(
      p.direction === "push" || p.direction === "pull",
      `${at}.direction`,
      `must be "push" or "pull", got "${p.direction}"`,
      "set direction",
    );
    checker.check(
      names.has(p.endpoint),
      `${at}.endpoint`,
      `"${p.endpoint}" is not one of the endpoints (${[...names.keys()].join(", ") || "none declared"})`,
      "name an endpoint declared in endpoints",
    );
    const trigger = p.trigger ?? { type: "manual" };
    checker.check(
      ["manual", "scheduled", "event_based"].includes(trigger.type),
      `${at}.trigger.type`,
      `"${trigger.type}" is not manual, scheduled or event_based`,
      "use one of those",
    );
    checker.check(
      !(trigger.type === "event_based" && p.direction === "pull"),
      `${at}.trigger`,
      "event_based is refused on a pull policy (Harbor gets no event from a remote registry)",
      'use trigger { type: "scheduled", cron: "0 0 * * * *" } for a pull policy, or push from the source Harbor instead',
    );
    if (trigger.type === "scheduled") {
      const problem = typeof trigger.cron === "string" ? harborCronProblem(trigger.cron) : "is missing";
      checker.check(
        problem === undefined,
        `${at}.trigger.cron`,
        problem ?? "",
        'write Harbor\'s 6-field cron with seconds first, e.g. "0 0 */4 * * *" (every 4 hours)',
      );
    }
    if (p.speedLimitKbps !== undefined) {
      checker.check(
        Number.isInteger(p.speedLimitKbps) && (p.speedLimitKbps === -1 || p.speedLimitKbps > 0),
        `${at}.speedLimitKbps`,
        `must be -1 (no limit) or a positive integer, got ${p.speedLimitKbps}`,
        "set a KB/s limit or -1",
      );
    }
    if (p.destNamespaceReplaceCount !== undefined) {
      checker.check(
        Number.isInteger(p.destNamespaceReplaceCount) &&
          p.destNamespaceReplaceCount >= -1 &&
          p.destNamespaceReplaceCount <= 127,
        `${at}.destNamespaceReplaceCount`,
        `must be an integer from -1 to 127, got ${p.destNamespaceReplaceCount}`,
        "use -1 (legacy), 0, 1, 2...",
      );
    }
    const f = p.filters ?? {};
    checker.check(
      f.tagDecoration === undefined || f.tag !== undefined,
      `${at}.filters.tagDecoration`,
      "is set without a tag pattern",
      "set filters.tag or drop tagDecoration",
    );
    checker.check(
      f.labelDecoration === undefined || (f.labels ?? []).length > 0,
      `${at}.filters.labelDecoration`,
      "is set without labels",
      "set filters.labels or drop labelDecoration",
    );
    const endpoint = endpoints[names.get(p.endpoint) ?? -1];
    if (endpoint?.robot) {
      checker.check(
        endpoint.robot.access === p.direction,
        `${at}.direction`,
        `is ${p.direction} but endpoint "${endpoint.name}" gets a ${endpoint.robot.access}-only robot`,
        `set endpoints[${names.get(p.endpoint)}].robot.access to "${p.direction}"`,
      );
    }
  });

  if (selfUrl !== undefined) {
    const flows = [...replicationFlows(selfUrl, endpoints, policies), ...(args.peerFlows ?? [])];
    for (const loop of findReplicationLoops(flows)) {
      const path = [loop[0].from, ...loop.map((f) => f.to)].join(" -> ");
      checker.check(
        false,
        "policies",
        `replicate in a loop ${path} (policies ${loop.map((f) => f.policy).join(", ")})`,
        "replicate one way between two registries (e.g. primary pushes to DR; DR never pushes back, nor does the primary pull from it)",
      );
    }
  }
}

/** Harbor's filter list for a policy, in a stable order (name, tag, label, resource). */
export function renderFilters(f: ReplicationFilterArgs = {}): ApiReplicationFilter[] {
  const out: ApiReplicationFilter[] = [];
  if (f.name !== undefined) out.push({ type: "name", value: f.name });
  if (f.tag !== undefined) out.push({ type: "tag", value: f.tag, decoration: f.tagDecoration ?? "matches" });
  if (f.labels !== undefined && f.labels.length > 0)
    out.push({ type: "label", value: [...f.labels], decoration: f.labelDecoration ?? "matches" });
  if (f.resource !== undefined) out.push({ type: "resource", value: f.resource });
  return out;
}

/** The plain (non-secret, non-connection) provider inputs of a policy; `registryId` comes from the endpoint. */
export function renderPolicyFields(p: ReplicationPolicyArgs) {
  const trigger = p.trigger ?? { type: "manual" as const };
  return {
    name: p.name,
    description: p.description ?? "",
    direction: p.direction,
    destNamespace: p.destNamespace ?? "",
    destNamespaceReplaceCount: p.destNamespaceReplaceCount ?? -1,
    filters: renderFilters(p.filters),
    trigger:
      trigger.type === "scheduled"
        ? { type: "scheduled", cron: trigger.cron.trim().split(/\s+/).join(" ") }
        : { type: trigger.type },
    override: p.override ?? true,
    replicateDeletion: p.replicateDeletion ?? false,
    enabled: p.enabled ?? true,
    speedKbps: p.speedLimitKbps ?? -1,
    copyByChunk: p.copyByChunk ?? false,
  };
}

/** The plain provider inputs of an endpoint (credential and CA are passed as Inputs beside these). */
export function renderEndpointFields(e: RegistryEndpointArgs) {
  return {
    name: e.name,
    type: e.type ?? "harbor",
    url: e.url.replace(/\/+$/, ""),
    description: e.description ?? "",
    insecure: (e.insecure ?? false) && (e.allowInsecure ?? false),
  };
}
