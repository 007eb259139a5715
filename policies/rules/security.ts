/**
 * Security: S3 buckets private, encrypted and TLS-only; no secret literals in ConfigMaps or Helm
 * values; Harbor's database pool within PostgreSQL's max_connections. The edge's rules are in edge.ts.
 */
import { stackRule, num, strList, violation } from "./common";
import {
  ComponentTypes,
  get,
  Graph,
  harborReleases,
  harborValuesUnknown,
  kube,
  label,
  obj,
  Obj,
  Res,
  stringLeaves,
  T,
  valuesOf,
} from "./graph";
import {
  ADMIN_HEADROOM,
  DbPool,
  HARBOR_DB_POOL_COMPONENTS,
  poolsExceedBudget,
  SUPERUSER_RESERVED,
} from "../../components/facts";

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

/** Resources of `type` that belong to `bucket`: they depend on it, name it, or share its parent (one bucket there). */
function forBucket(g: Graph, bucket: Res, type: string): Res[] {
  const name = obj(bucket.props).bucket;
  const siblings = g.ofType(T.Bucket).filter((b) => b.opts?.parent === bucket.opts?.parent);
  return g.ofType(type).filter((r) => {
    if (g.dependenciesOf(r).some((d) => d.urn === bucket.urn)) return true;
    const ref = obj(r.props).bucket;
    if (typeof ref === "string" && typeof name === "string") return ref === name;
    return siblings.length === 1 && r.opts?.parent !== undefined && r.opts?.parent === bucket.opts?.parent;
  });
}

function statements(policy: unknown): Obj[] {
  let doc: unknown = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch {
      return [];
    }
  }
  const s = obj(doc).Statement;
  return (Array.isArray(s) ? s : s ? [s] : []).map(obj);
}

function deniesInsecureTransport(st: Obj): boolean {
  const v = obj(obj(st.Condition).Bool)["aws:SecureTransport"];
  return (
    st.Effect === "Deny" && (v === false || v === "false" || (Array.isArray(v) && v.map(String).includes("false")))
  );
}

function publicAllow(st: Obj): boolean {
  const p = st.Principal;
  const aws = obj(p).AWS;
  const star = p === "*" || aws === "*" || (Array.isArray(aws) && aws.includes("*"));
  return st.Effect === "Allow" && star && !st.Condition;
}

export const s3BucketSecurity = stackRule<{ sseAlgorithms: string[] }>({
  name: "harbor-s3-bucket-security",
  description:
    "Every S3 bucket has a public access block with all four flags true, default server-side encryption, a bucket policy denying requests without TLS (aws:SecureTransport false), no public ACL and no unconditional public Allow.",
  severity: "critical",
  remediationSteps:
    "Create BucketPublicAccessBlock (all true), BucketServerSideEncryptionConfiguration (aws:kms or AES256) and a BucketPolicy with a Deny on aws:SecureTransport=false for the bucket (components/storage S3Storage does).",
  config: { sseAlgorithms: strList(["aws:kms", "aws:kms:dsse", "AES256"], "accepted default encryption algorithms") },
  check(g, c, report, _args, cannotCheck) {
    for (const b of g.ofType(T.Bucket)) {
      const who = label(b);
      const acl = obj(b.props).acl;
      if (typeof acl === "string" && /public/.test(acl))
        report(violation(who, `acl is "${acl}"`, "a private bucket", "remove the public ACL"), b.urn);
      const pabs = forBucket(g, b, T.BucketPab);
      const okPab = pabs.some((p) => PAB_FLAGS.every((f) => obj(p.props)[f] === true));
      // A value unknown during preview can't be judged yet; `pulumi up` evaluates it.
      const unknownPab = pabs.find((p) => PAB_FLAGS.some((f) => g.unknown(p, f)));
      if (!okPab && unknownPab) cannotCheck(`${label(unknownPab)} public access flags`, b.urn);
      else if (!okPab) {
        const seen = pabs.length
          ? PAB_FLAGS.filter((f) => obj(pabs[0].props)[f] !== true).join(", ") + " not true"
          : "no BucketPublicAccessBlock";
        report(
          violation(
            who,
            `public access: ${seen}`,
            `a BucketPublicAccessBlock with ${PAB_FLAGS.join(", ")} all true`,
            "add aws.s3.BucketPublicAccessBlock for the bucket with all four flags true",
          ),
          b.urn,
        );
      }
      const sses = forBucket(g, b, T.BucketSse);
      const algs = sses.flatMap((s) => {
        const rules = obj(s.props).rules;
        return (Array.isArray(rules) ? rules : []).map(
          (r) => obj(obj(r).applyServerSideEncryptionByDefault).sseAlgorithm,
        );
      });
      const unknownSse = sses.find((s) => g.unknown(s, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"));
      const okSse = algs.some((a) => typeof a === "string" && c.sseAlgorithms.includes(a));
      if (!okSse && unknownSse) cannotCheck(`${label(unknownSse)} sseAlgorithm`, b.urn);
      else if (!okSse) {
        report(
          violation(
            who,
            `default encryption is ${algs.length ? algs.join(", ") : "not configured"}`,
            `one of ${c.sseAlgorithms.join(", ")}`,
            "add aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms (or AES256)",
          ),
          b.urn,
        );
      }
      const policies = forBucket(g, b, T.BucketPolicy);
      // The policy document embeds the bucket ARN, so on a first preview it is usually unknown.
      const unknownPolicy = policies.find((p) => g.unknown(p, "policy"));
      if (unknownPolicy) {
        cannotCheck(`${label(unknownPolicy)} policy document (TLS-only and no public Allow)`, b.urn);
        continue;
      }
      const sts = policies.flatMap((p) => statements(obj(p.props).policy));
      if (!sts.some(deniesInsecureTransport))
        report(
          violation(
            who,
            "no bucket policy statement denies requests without TLS",
            'a Deny statement with Condition Bool "aws:SecureTransport": "false"',
            "add a BucketPolicy statement denying s3:* when aws:SecureTransport is false",
          ),
          b.urn,
        );
      for (const st of sts.filter(publicAllow))
        report(
          violation(
            who,
            `bucket policy statement ${String(st.Sid ?? "")} allows Principal "*" without a condition`,
            "no public access",
            "scope the principal to the registry's IAM user/role",
          ),
          b.urn,
        );
    }
  },
});

/**
 * Key names that hold secrets (password, token, secret, secretKey/accessKey/xsrfKey...) — a bare `...Key`
 * (topologyKey, a toleration's key) is not one — exempting references to Secrets.
 */
const SECRET_KEY =
  /(password|passwd|secret|token|credentials?|auth-?pass|(secret|private|access|api|xsrf|csrf|token|signing|encryption|auth|ssh|tls)[_-]?key)$/i;
const EXEMPT_KEY = /existing|secretname$|name$|ref$|keyid$|^key$|path$|file$|(cert|certificate)source$/i;

function literal(v: string): boolean {
  const t = v.trim();
  return !["", '""', "''", "null", "~"].includes(t) && !/^\$[({]?[A-Za-z_]/.test(t);
}

const TEXT_SECRET_LINES: RegExp[] = [
  /^[ \t]*(requirepass|masterauth)[ \t]+(\S+)/gim,
  /^[ \t]*(sentinel[ \t]+auth-pass)[ \t]+\S+[ \t]+(\S+)/gim,
  /^[ \t]*([\w.-]*(?:password|passwd|secret|token))[ \t]*[:=][ \t]*(\S.*?)[ \t]*$/gim,
];

/** Whether a dotted path's last key names a secret (and is not a reference to one). */
export function secretKeyPath(path: string): boolean {
  const key =
    path
      .replace(/\[\d+\]$/, "")
      .split(".")
      .pop() ?? "";
  return SECRET_KEY.test(key) && !EXEMPT_KEY.test(key);
}

/** Secret-looking literals in a ConfigMap's data or a release's values: [path, why]. */
export function secretLiterals(doc: unknown, base: string): string[] {
  const hits: string[] = [];
  for (const [path, value] of stringLeaves(doc, base)) {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) {
      hits.push(`${path} holds a private key`);
      continue;
    }
    if (secretKeyPath(path) && literal(value)) {
      hits.push(`${path} is a literal (${value.length} chars)`);
      continue;
    }
    if (value.includes("\n") || /[:=]|\s/.test(value)) {
      for (const re of TEXT_SECRET_LINES) {
        for (const m of value.matchAll(re)) {
          if (literal(m[2]) && !/^["']?\$/.test(m[2]) && !/existing|file|name/i.test(m[1]))
            hits.push(`${path} has "${m[1]}" with a literal value`);
        }
      }
    }
  }
  return hits;
}

export const noSecretLiterals = stackRule<Record<string, never>>({
  name: "harbor-no-secret-literals",
  description:
    "No ConfigMap and no Helm release values carry a secret-looking literal (keys like password/secret/token/*Key with a non-empty value, `requirepass`/`masterauth`/`sentinel auth-pass` lines, PEM private keys). References (existingSecret, *secretName, $ENV) are fine.",
  severity: "critical",
  remediationSteps:
    "Keep the value in a Kubernetes Secret and reference it (existingSecret / secretKeyRef / env substitution).",
  config: {},
  check(g, _c, report, _args, cannotCheck) {
    // A secret-named key whose value is computed (unknown during preview) is most likely a generated
    // password on its way into plain text: flag it as well.
    const computed = (r: Res, base: string) =>
      g
        .unknownsOf(r)
        .filter((p) => p.startsWith(`${base}.`) && secretKeyPath(p))
        .map((p) => `${p} is a computed value (a generated secret?)`);
    for (const cm of g.ofType(T.ConfigMap)) {
      if (g.unknownAt(cm, "data")) cannotCheck(`${label(cm)} data`, cm.urn);
      for (const hit of [...secretLiterals(kube(cm).data ?? {}, "data"), ...computed(cm, "data")])
        report(
          violation(label(cm), hit, "no secret values in a ConfigMap", "move the value into a Secret and reference it"),
          cm.urn,
        );
    }
    for (const rel of g.ofType(T.HelmRelease)) {
      const hidden = harborValuesUnknown(g, rel);
      if (hidden) cannotCheck(hidden, rel.urn);
      for (const hit of [...secretLiterals(valuesOf(rel), "values"), ...computed(rel, "values")])
        report(
          violation(
            label(rel),
            hit,
            "no secret values in Helm values",
            "put it in a Secret and pass the chart's existingSecret / secretName key instead",
          ),
          rel.urn,
        );
    }
  },
});

/**
 * PostgreSQL max_connections of a PatroniCluster, read (first match) from its rendered Patroni config in
 * a ConfigMap (`max_connections: N`, YAML or JSON), an env var *MAX_CONNECTIONS*, a Zalando manifest's
 * spec.postgresql.parameters, or the component's own inputs (maxConnections).
 */
export function patroniMaxConnections(g: Graph, component?: Res): { value: number; source: string } | undefined {
  const under = (r: Res) =>
    component
      ? g.ancestor(r, ComponentTypes.PatroniCluster)?.urn === component.urn
      : g.isUnder(r, ComponentTypes.PatroniCluster);
  const re = /["']?max_connections["']?\s*[:=]\s*["']?(\d+)/;
  for (const cm of g.ofType(T.ConfigMap).filter(under)) {
    for (const [k, v] of Object.entries(kube(cm).data ?? {})) {
      const m = typeof v === "string" ? re.exec(v) : null;
      if (m) return { value: Number(m[1]), source: `${label(cm)} data.${k}` };
    }
  }
  for (const w of g.ofType(T.StatefulSet).filter(under)) {
    for (const ct of kube(w).spec?.template?.spec?.containers ?? []) {
      for (const e of ct?.env ?? [])
        if (/MAX_CONNECTIONS/i.test(e?.name ?? "") && /^\d+$/.test(`${e?.value}`))
          return { value: Number(e?.value), source: `${label(w)} env ${e?.name}` };
    }
  }
  for (const z of g.ofType(T.ZalandoPostgresql).filter(under)) {
    const v = kube(z).spec?.postgresql?.parameters?.max_connections;
    if (v !== undefined && /^\d+$/.test(`${v}`))
      return { value: Number(v), source: `${label(z)} spec.postgresql.parameters` };
  }
  const v = obj(component?.props).maxConnections;
  if (typeof v === "number") return { value: v, source: `${label(component!)} inputs` };
  return undefined;
}

export const dbConnectionBudget = stackRule<{ reservedConnections: number; defaultMaxOpenConns: number }>({
  name: "harbor-db-connection-budget",
  description:
    "Harbor's database pools, (core + jobservice + exporter) x (replicas + rolling surge) x database.maxOpenConns, fit PostgreSQL's max_connections (found in the Patroni config under the PatroniCluster) minus the reserved connections.",
  severity: "high",
  remediationSteps:
    "Lower harbor.maxOpenConns or replicas, or raise the PatroniCluster's max_connections (it is derived from the same numbers when the platform wires them).",
  config: {
    reservedConnections: num(
      SUPERUSER_RESERVED + ADMIN_HEADROOM,
      "connections kept from applications (superuser_reserved_connections + admin headroom)",
    ),
    defaultMaxOpenConns: num(900, "the chart's database.maxOpenConns default", 1),
  },
  check(g, c, report, _args, cannotCheck) {
    const clusters = g.ofType(ComponentTypes.PatroniCluster);
    if (clusters.length === 0 && !g.resources.some((r) => g.isUnder(r, ComponentTypes.PatroniCluster))) return;
    for (const rel of harborReleases(g)) {
      const hidden =
        harborValuesUnknown(g, rel) ??
        g.unknownOf(
          rel,
          "values.database.type",
          "values.database.maxOpenConns",
          "values.metrics.enabled",
          ...HARBOR_DB_POOL_COMPONENTS.map((comp) => `values.${comp}.replicas`),
        );
      if (hidden) {
        cannotCheck(hidden.startsWith("values.") ? `${label(rel)} ${hidden}` : hidden, rel.urn);
        continue;
      }
      const v = valuesOf(rel);
      if (get(v, "database.type") === "internal") continue;
      const host = String(get(v, "database.external.host"));
      const cluster = clusters.find((cl) => rwServiceHosts(g, cl).includes(host)) ?? clusters[0];
      const max = patroniMaxConnections(g, cluster);
      const who = `${label(rel)} Harbor database pool`;
      const unknownMax = g.resources
        .filter((r) =>
          cluster
            ? g.ancestor(r, ComponentTypes.PatroniCluster)?.urn === cluster.urn
            : g.isUnder(r, ComponentTypes.PatroniCluster),
        )
        .filter(
          (r) =>
            (r.type === T.ConfigMap && g.unknown(r, "data")) ||
            (r.type === T.StatefulSet && g.unknown(r, "spec.template.spec.containers")),
        );
      if (!max && unknownMax.length) {
        cannotCheck(`max_connections of the PatroniCluster (${unknownMax.map(label).join(", ")})`, rel.urn);
        continue;
      }
      if (!max) {
        report(
          violation(
            who,
            "PostgreSQL max_connections not found under the PatroniCluster",
            "a known max_connections",
            "render max_connections into the Patroni config ConfigMap (bootstrap.dcs.postgresql.parameters)",
          ),
          rel.urn,
        );
        continue;
      }
      const perPod = Number(get(v, "database.maxOpenConns") ?? c.defaultMaxOpenConns);
      // Every component that opens a pool (core; jobservice with core's MaxOpenConns; the exporter with
      // metrics on), each with Kubernetes' default rolling surge: the budget function the PatroniCluster
      // sizes max_connections with (components/postgres/connectionBudget.ts, SDK-free).
      const pools: DbPool[] = HARBOR_DB_POOL_COMPONENTS.filter(
        (comp) => comp !== "exporter" || get(v, "metrics.enabled") === true,
      ).map((comp) => ({ component: comp, replicas: Number(get(v, `${comp}.replicas`) ?? 1), maxOpenConns: perPod }));
      const available = max.value - c.reservedConnections;
      const why = poolsExceedBudget(pools, { maxConnections: max.value, availableForApplications: available });
      if (why)
        report(
          violation(
            who,
            why,
            `<= max_connections ${max.value} - ${c.reservedConnections} reserved = ${available} (${max.source})`,
            "lower database.maxOpenConns (stack harbor.maxOpenConns) or replicas, or raise max_connections",
          ),
          rel.urn,
        );
    }
  },
});

/** DNS forms that reach a Service: name, name.ns, name.ns.svc, name.ns.svc.cluster.local. */
export function serviceHosts(svc: Res): string[] {
  const md = kube(svc).metadata ?? {};
  const name = md.name ?? svc.name;
  const ns = md.namespace;
  return ns ? [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`] : [name];
}

/** Hosts of a PatroniCluster's read-write Service (name ends in -rw, or selects the leader role). */
export function rwServiceHosts(g: Graph, cluster: Res): string[] {
  return g
    .ofType(T.Service)
    .filter((s) => g.ancestor(s, ComponentTypes.PatroniCluster)?.urn === cluster.urn)
    .filter((s) => {
      const p = kube(s);
      const sel = p.spec?.selector ?? {};
      return (
        /-rw$/.test(p.metadata?.name ?? s.name) || Object.values(sel).some((x) => x === "master" || x === "primary")
      );
    })
    .flatMap(serviceHosts);
}
