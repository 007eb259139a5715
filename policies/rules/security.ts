/**
 * Security: S3 buckets private, encrypted and TLS-only; no secret literals in ConfigMaps or Helm
 * values; Harbor's database pool within PostgreSQL's max_connections. The edge's rules are in edge.ts.
 */
import { stackRule, num, strList, violation } from "./common";
import { ComponentTypes, get, Graph, harborPoolPods, harborReleases, label, Res, stringLeaves, T } from "./graph";

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

/** Resources of `type` that belong to `bucket`: they depend on it, name it, or share its parent (one bucket there). */
function forBucket(g: Graph, bucket: Res, type: string): Res[] {
  const name = (bucket.props as any)?.bucket;
  const siblings = g.ofType(T.Bucket).filter((b) => b.opts?.parent === bucket.opts?.parent);
  return g.ofType(type).filter((r) => {
    if (g.dependenciesOf(r).some((d) => d.urn === bucket.urn)) return true;
    const ref = (r.props as any)?.bucket;
    if (typeof ref === "string" && typeof name === "string") return ref === name;
    return siblings.length === 1 && r.opts?.parent !== undefined && r.opts?.parent === bucket.opts?.parent;
  });
}

function statements(policy: unknown): any[] {
  let doc: any = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch {
      return [];
    }
  }
  const s = doc?.Statement;
  return Array.isArray(s) ? s : s ? [s] : [];
}

function deniesInsecureTransport(st: any): boolean {
  const v = st?.Condition?.Bool?.["aws:SecureTransport"];
  return (
    st?.Effect === "Deny" && (v === false || v === "false" || (Array.isArray(v) && v.map(String).includes("false")))
  );
}

function publicAllow(st: any): boolean {
  const p = st?.Principal;
  const star = p === "*" || p?.AWS === "*" || (Array.isArray(p?.AWS) && p.AWS.includes("*"));
  return st?.Effect === "Allow" && star && !st?.Condition;
}

export const s3BucketSecurity = stackRule<{ sseAlgorithms: string[] }>({
  name: "s3-bucket-security",
  description:
    "Every S3 bucket has a public access block with all four flags true, default server-side encryption, a bucket policy denying requests without TLS (aws:SecureTransport false), no public ACL and no unconditional public Allow.",
  severity: "critical",
  remediationSteps:
    "Create BucketPublicAccessBlock (all true), BucketServerSideEncryptionConfiguration (aws:kms or AES256) and a BucketPolicy with a Deny on aws:SecureTransport=false for the bucket (components/storage S3Storage does).",
  config: { sseAlgorithms: strList(["aws:kms", "aws:kms:dsse", "AES256"], "accepted default encryption algorithms") },
  check(g, c, report) {
    for (const b of g.ofType(T.Bucket)) {
      const who = label(b);
      const acl = (b.props as any)?.acl;
      if (typeof acl === "string" && /public/.test(acl))
        report(violation(who, `acl is "${acl}"`, "a private bucket", "remove the public ACL"), b.urn);
      const pabs = forBucket(g, b, T.BucketPab);
      const okPab = pabs.some((p) => PAB_FLAGS.every((f) => (p.props as any)?.[f] === true));
      // A value unknown during preview can't be judged yet; `pulumi up` evaluates it.
      if (!okPab && !pabs.some((p) => PAB_FLAGS.some((f) => g.unknown(p, f)))) {
        const seen = pabs.length
          ? PAB_FLAGS.filter((f) => (pabs[0].props as any)?.[f] !== true).join(", ") + " not true"
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
      const algs = sses.flatMap((s) =>
        ((s.props as any)?.rules ?? []).map((r: any) => r?.applyServerSideEncryptionByDefault?.sseAlgorithm),
      );
      if (!algs.some((a) => c.sseAlgorithms.includes(a)) && !sses.some((s) => g.unknown(s, "rules"))) {
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
      if (policies.some((p) => g.unknown(p, "policy"))) continue;
      const sts = policies.flatMap((p) => statements((p.props as any)?.policy));
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
            `bucket policy statement ${st?.Sid ?? ""} allows Principal "*" without a condition`,
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
export function secretLiterals(obj: any, base: string): string[] {
  const hits: string[] = [];
  for (const [path, value] of stringLeaves(obj, base)) {
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
  name: "no-secret-literals",
  description:
    "No ConfigMap and no Helm release values carry a secret-looking literal (keys like password/secret/token/*Key with a non-empty value, `requirepass`/`masterauth`/`sentinel auth-pass` lines, PEM private keys). References (existingSecret, *secretName, $ENV) are fine.",
  severity: "critical",
  remediationSteps:
    "Keep the value in a Kubernetes Secret and reference it (existingSecret / secretKeyRef / env substitution).",
  config: {},
  check(g, _c, report) {
    // A secret-named key whose value is computed (unknown during preview) is most likely a generated
    // password on its way into plain text: flag it as well.
    const computed = (r: Res, base: string) =>
      g
        .unknownsOf(r)
        .filter((p) => p.startsWith(`${base}.`) && secretKeyPath(p))
        .map((p) => `${p} is a computed value (a generated secret?)`);
    for (const cm of g.ofType(T.ConfigMap)) {
      for (const hit of [...secretLiterals((cm.props as any)?.data ?? {}, "data"), ...computed(cm, "data")])
        report(
          violation(label(cm), hit, "no secret values in a ConfigMap", "move the value into a Secret and reference it"),
          cm.urn,
        );
    }
    for (const rel of g.ofType(T.HelmRelease)) {
      for (const hit of [...secretLiterals((rel.props as any)?.values ?? {}, "values"), ...computed(rel, "values")])
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
    for (const [k, v] of Object.entries((cm.props as any)?.data ?? {})) {
      const m = typeof v === "string" ? re.exec(v) : null;
      if (m) return { value: Number(m[1]), source: `${label(cm)} data.${k}` };
    }
  }
  for (const w of g.ofType(T.StatefulSet).filter(under)) {
    for (const ct of (w.props as any)?.spec?.template?.spec?.containers ?? []) {
      for (const e of ct?.env ?? [])
        if (/MAX_CONNECTIONS/i.test(e?.name ?? "") && /^\d+$/.test(`${e?.value}`))
          return { value: Number(e.value), source: `${label(w)} env ${e.name}` };
    }
  }
  for (const z of g.ofType(T.ZalandoPostgresql).filter(under)) {
    const v = (z.props as any)?.spec?.postgresql?.parameters?.max_connections;
    if (v !== undefined && /^\d+$/.test(`${v}`))
      return { value: Number(v), source: `${label(z)} spec.postgresql.parameters` };
  }
  const v = (component?.props as any)?.maxConnections;
  if (typeof v === "number") return { value: v, source: `${label(component!)} inputs` };
  return undefined;
}

export const dbConnectionBudget = stackRule<{ reservedConnections: number; defaultMaxOpenConns: number }>({
  name: "db-connection-budget",
  description:
    "Harbor's database pool, (core + exporter replicas) x database.maxOpenConns, fits PostgreSQL's max_connections (found in the Patroni config under the PatroniCluster) minus the superuser reserve.",
  severity: "high",
  remediationSteps:
    "Lower harbor.maxOpenConns or replicas, or raise the PatroniCluster's max_connections (it is derived from the same numbers when the platform wires them).",
  config: {
    reservedConnections: num(3, "connections PostgreSQL keeps from applications (superuser_reserved_connections)"),
    defaultMaxOpenConns: num(900, "the chart's database.maxOpenConns default", 1),
  },
  check(g, c, report) {
    const clusters = g.ofType(ComponentTypes.PatroniCluster);
    if (clusters.length === 0 && !g.resources.some((r) => g.isUnder(r, ComponentTypes.PatroniCluster))) return;
    for (const rel of harborReleases(g)) {
      const v = (rel.props as any)?.values ?? {};
      if (
        get(v, "database.type") === "internal" ||
        g.unknown(rel, "values.database.maxOpenConns") ||
        g.unknown(rel, "values.core.replicas")
      )
        continue;
      const host = get(v, "database.external.host");
      const cluster = clusters.find((cl) => rwServiceHosts(g, cl).includes(host)) ?? clusters[0];
      const max = patroniMaxConnections(g, cluster);
      const who = `${label(rel)} Harbor database pool`;
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
      const pods = harborPoolPods(v);
      const perPod = Number(get(v, "database.maxOpenConns") ?? c.defaultMaxOpenConns);
      const pool = pods * perPod;
      const available = max.value - c.reservedConnections;
      if (pool > available)
        report(
          violation(
            who,
            `${pods} pods (core + exporter) x maxOpenConns ${perPod} = ${pool} connections`,
            `<= max_connections ${max.value} - ${c.reservedConnections} reserved = ${available} (${max.source})`,
            "lower database.maxOpenConns (stack harbor.maxOpenConns) or raise max_connections",
          ),
          rel.urn,
        );
    }
  },
});

/** DNS forms that reach a Service: name, name.ns, name.ns.svc, name.ns.svc.cluster.local. */
export function serviceHosts(svc: Res): string[] {
  const md = (svc.props as any)?.metadata ?? {};
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
      const p = s.props as any;
      const sel = p?.spec?.selector ?? {};
      return (
        /-rw$/.test(p?.metadata?.name ?? s.name) || Object.values(sel).some((x) => x === "master" || x === "primary")
      );
    })
    .flatMap(serviceHosts);
}
