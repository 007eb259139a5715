/**
 * Reference resolution inside one plan: what a first `pulumi up` needs that nothing but this plan creates.
 * Each check returns the unresolved references as messages (empty: all resolve). New checks (e.g. a claim's
 * StorageClass) are one more function of the same shape; `ALL_WIRING_CHECKS` lists them.
 */
import { CapturedResource, PlanGraph } from "../../engine";
import { fakeState } from "../../engine/fakes";
import { HARBOR_COMPONENTS } from "../../components/facts";
import { ADDON_NAMESPACE, EKS_ADDON_IDENTITIES } from "../../components/addons";
import type { AddonName } from "../../components/addons";

type Obj = Record<string, any>;
const inputs = (r: CapturedResource) => r.inputs as Obj;
const ofKind = (g: PlanGraph, type: string) => g.resources.filter((r) => r.type === type);
const meta = (r: CapturedResource) => (inputs(r).metadata ?? {}) as { name?: string; namespace?: string };
const ROLE_ARN = "eks.amazonaws.com/role-arn";

export type WiringCheck = (g: PlanGraph) => string[];

/** The ARN a resource gets at apply (the engine's provider fakes: what the mock runtime answered). */
export const arnOf = (r: CapturedResource) => String(fakeState(r.type, r.urn, r.name, r.inputs).state.arn);

/** Service accounts the plan creates with an IRSA role annotation: objects, Helm releases' values, EKS add-ons. */
export function irsaServiceAccounts(g: PlanGraph): { ns: string; name: string; roleArn: string; from: string }[] {
  const out: { ns: string; name: string; roleArn: string; from: string }[] = [];
  for (const sa of ofKind(g, "kubernetes:core/v1:ServiceAccount")) {
    const arn = (meta(sa) as Obj).annotations?.[ROLE_ARN];
    if (arn) out.push({ ns: meta(sa).namespace ?? "default", name: meta(sa).name!, roleArn: arn, from: sa.urn });
  }
  for (const rel of ofKind(g, "kubernetes:helm.sh/v3:Release")) {
    const v = inputs(rel).values ?? {};
    const arn = v.serviceAccount?.annotations?.[ROLE_ARN];
    if (!arn || v.serviceAccount?.create === false) continue;
    // Charts name the account after their fullname: the release name when it contains the chart's name.
    const release = String(inputs(rel).name);
    const chart = String(inputs(rel).chart);
    const name = v.serviceAccount.name ?? (release.includes(chart) ? release : `${release}-${chart}`);
    out.push({ ns: inputs(rel).namespace ?? "default", name, roleArn: arn, from: rel.urn });
  }
  // Pods given a role without the EKS webhook (PatroniCluster's WAL-G: a projected token and AWS_ROLE_ARN from
  // a ConfigMap): the workload's service account, when it exists in the plan, is the one the role must trust.
  const accounts = new Set(
    ofKind(g, "kubernetes:core/v1:ServiceAccount").map((sa) => `${meta(sa).namespace}/${meta(sa).name}`),
  );
  const configMaps = new Map(
    ofKind(g, "kubernetes:core/v1:ConfigMap").map((c) => [
      `${meta(c).namespace}/${meta(c).name}`,
      inputs(c).data ?? {},
    ]),
  );
  for (const w of ofKind(g, "kubernetes:apps/v1:StatefulSet")) {
    const ns = meta(w).namespace ?? "default";
    const pod = inputs(w).spec?.template?.spec ?? {};
    for (const c of pod.containers ?? [])
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef;
        if (!String(e.name).endsWith("AWS_ROLE_ARN") || !ref) continue;
        const arn = configMaps.get(`${ns}/${ref.name}`)?.[ref.key];
        if (arn && accounts.has(`${ns}/${pod.serviceAccountName}`))
          out.push({ ns, name: pod.serviceAccountName, roleArn: arn, from: w.urn });
      }
  }
  for (const addon of ofKind(g, "aws:eks/addon:Addon")) {
    const arn = inputs(addon).serviceAccountRoleArn;
    const identity = EKS_ADDON_IDENTITIES[inputs(addon).addonName as AddonName];
    if (arn && identity)
      out.push({ ns: ADDON_NAMESPACE, name: identity.serviceAccount, roleArn: arn, from: addon.urn });
  }
  return out;
}

/**
 * Every IAM role trusted through web identity: its trust policy's `sub` is a service account the plan creates
 * annotated with this very role, `aud` is sts.amazonaws.com, and the federated principal is the OIDC provider
 * the plan creates (or, for an existing cluster, the one the stack names: `existingProviderArns`).
 */
export function irsaWiring(existingProviderArns: string[] = []): WiringCheck {
  return (g) => {
    const problems: string[] = [];
    const accounts = irsaServiceAccounts(g);
    const providers = ofKind(g, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").map((p) => ({
      arn: arnOf(p),
      host: String(inputs(p).url).replace(/^https:\/\//, ""),
    }));
    for (const role of ofKind(g, "aws:iam/role:Role")) {
      const policy = JSON.parse(String(inputs(role).assumeRolePolicy));
      for (const st of policy.Statement ?? []) {
        const federated = st.Principal?.Federated;
        if (!federated) continue;
        const provider = providers.find((p) => p.arn === federated);
        if (!provider && !existingProviderArns.includes(federated))
          problems.push(`${role.name}: trusts ${federated}, which is not the plan's OIDC provider`);
        const cond = st.Condition?.StringEquals ?? {};
        const host = provider?.host ?? federated.split(":oidc-provider/")[1];
        const sub = cond[`${host}:sub`];
        const aud = cond[`${host}:aud`];
        if (aud !== "sts.amazonaws.com") problems.push(`${role.name}: aud is ${JSON.stringify(aud)}`);
        const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(String(sub));
        const account = m && accounts.find((a) => a.ns === m[1] && a.name === m[2]);
        if (!account) problems.push(`${role.name}: sub ${JSON.stringify(sub)} names no service account of the plan`);
        else if (account.roleArn !== arnOf(role))
          problems.push(`${role.name}: ${sub} is annotated with ${account.roleArn}, not this role (${arnOf(role)})`);
      }
    }
    for (const a of accounts)
      if (!ofKind(g, "aws:iam/role:Role").some((r) => arnOf(r) === a.roleArn))
        problems.push(
          `service account ${a.ns}/${a.name} (${a.from}) names ${a.roleArn}, which the plan does not create`,
        );
    return problems;
  };
}

/** Harbor releases' Services (the chart renders `<fullname>-<component>`). */
function releaseServices(g: PlanGraph): Set<string> {
  const out = new Set<string>();
  for (const rel of ofKind(g, "kubernetes:helm.sh/v3:Release").filter((r) => inputs(r).chart === "harbor")) {
    const release = String(inputs(rel).name);
    const full = release.includes("harbor") ? release : `${release}-harbor`;
    for (const c of HARBOR_COMPONENTS) out.add(`${inputs(rel).namespace}/${full}-${c}`);
  }
  return out;
}

/** Gateways' classes, routes' parent Gateways and backend Services, Ingresses' classes, Certificates' issuers. */
export const routingWiring: WiringCheck = (g) => {
  const problems: string[] = [];
  const byKind = (kind: string) => g.resources.filter((r) => inputs(r).kind === kind);
  const names = (kind: string, namespaced = true) =>
    new Set(byKind(kind).map((r) => (namespaced ? `${meta(r).namespace}/${meta(r).name}` : String(meta(r).name))));
  const classes = names("GatewayClass", false);
  const gateways = names("Gateway");
  const services = new Set([...names("Service"), ...releaseServices(g)]);
  for (const gw of byKind("Gateway"))
    if (!classes.has(inputs(gw).spec.gatewayClassName))
      problems.push(`Gateway ${meta(gw).name}: class ${inputs(gw).spec.gatewayClassName} is not in the plan`);
  const parentRefs = (ns: string, refs: Obj[] = [], what: string) => {
    for (const p of refs)
      if ((p.kind ?? "Gateway") === "Gateway" && !gateways.has(`${p.namespace ?? ns}/${p.name}`))
        problems.push(`${what}: parent Gateway ${p.namespace ?? ns}/${p.name} is not in the plan`);
  };
  for (const route of byKind("HTTPRoute")) {
    const ns = meta(route).namespace ?? "default";
    parentRefs(ns, inputs(route).spec.parentRefs, `HTTPRoute ${meta(route).name}`);
    for (const rule of inputs(route).spec.rules ?? [])
      for (const b of rule.backendRefs ?? [])
        if ((b.kind ?? "Service") === "Service" && !services.has(`${b.namespace ?? ns}/${b.name}`))
          problems.push(
            `HTTPRoute ${meta(route).name}: backend Service ${b.namespace ?? ns}/${b.name} is not in the plan`,
          );
  }
  for (const rel of ofKind(g, "kubernetes:helm.sh/v3:Release").filter((r) => inputs(r).chart === "harbor"))
    parentRefs(inputs(rel).namespace, inputs(rel).values?.expose?.route?.parentRefs, `Harbor release ${rel.name}`);
  const ingressClasses = names("IngressClass", false);
  for (const ing of byKind("Ingress"))
    if (!ingressClasses.has(inputs(ing).spec.ingressClassName))
      problems.push(`Ingress ${meta(ing).name}: IngressClass ${inputs(ing).spec.ingressClassName} is not in the plan`);
  const issuers = names("ClusterIssuer", false);
  for (const cert of byKind("Certificate")) {
    const ref = inputs(cert).spec.issuerRef;
    if (ref.kind === "ClusterIssuer" && !issuers.has(ref.name))
      problems.push(`Certificate ${meta(cert).name}: ClusterIssuer ${ref.name} is not in the plan`);
  }
  for (const iss of byKind("ClusterIssuer"))
    for (const solver of inputs(iss).spec.acme?.solvers ?? [])
      parentRefs("default", solver.http01?.gatewayHTTPRoute?.parentRefs, `ClusterIssuer ${meta(iss).name}`);
  return problems;
};

/** Secrets named by pods (env, envFrom, volumes) and by Harbor's values resolve to a Secret or a Certificate's secretName. */
export const secretWiring: WiringCheck = (g) => {
  const problems: string[] = [];
  const secrets = new Set(
    g.resources.filter((r) => inputs(r).kind === "Secret").map((r) => `${meta(r).namespace}/${meta(r).name}`),
  );
  for (const c of g.resources.filter((r) => inputs(r).kind === "Certificate"))
    secrets.add(`${meta(c).namespace}/${inputs(c).spec.secretName}`);
  const need = (ns: string, name: unknown, what: string) => {
    if (typeof name === "string" && !secrets.has(`${ns}/${name}`))
      problems.push(`${what}: Secret ${ns}/${name} is not in the plan`);
  };
  for (const w of g.resources.filter((r) =>
    ["StatefulSet", "Deployment", "Job", "DaemonSet"].includes(inputs(r).kind),
  )) {
    const ns = meta(w).namespace ?? "default";
    const pod = inputs(w).spec?.template?.spec ?? {};
    for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
      for (const e of c.env ?? []) need(ns, e.valueFrom?.secretKeyRef?.name, `${w.name} env ${e.name}`);
      for (const e of c.envFrom ?? []) need(ns, e.secretRef?.name, `${w.name} envFrom`);
    }
    for (const v of pod.volumes ?? []) need(ns, v.secret?.secretName, `${w.name} volume ${v.name}`);
  }
  for (const rel of ofKind(g, "kubernetes:helm.sh/v3:Release").filter((r) => inputs(r).chart === "harbor")) {
    const walk = (o: unknown, path: string): void => {
      if (!o || typeof o !== "object") return;
      for (const [k, v] of Object.entries(o as Obj)) {
        if (
          /^(existingSecret|existingXsrfSecret|existingSecretAdminPassword|existingSecretSecretKey|secretName)$/.test(k)
        )
          need(inputs(rel).namespace, v, `Harbor values ${path}${k}`);
        walk(v, `${path}${k}.`);
      }
    };
    walk(inputs(rel).values, "");
  }
  return problems;
};

/** Every wiring check for a plan (add a check here to run it on every stack of the wiring spec). */
export const ALL_WIRING_CHECKS: Record<string, (existingProviderArns: string[]) => WiringCheck> = {
  irsa: irsaWiring,
  routing: () => routingWiring,
  secrets: () => secretWiring,
};
