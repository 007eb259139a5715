/**
 * The stack configuration: one schema for every `harbor-ha:*` key of `Pulumi.<stack>.yaml`, with its
 * defaults. Unknown keys are errors, and every problem is reported at once, naming the stack, the full
 * key, what is wrong and how to fix it, before any resource is registered.
 *
 * Keys of other namespaces (`aws:region`, `kubernetes:context`, ...) belong to the providers and pass through.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  DEV_NODE_PORTS,
  edgeLockoutProblems,
  PROJECT_API_PATHS,
  REGISTRY_TYPES,
  REPLICATION_API_PATHS,
} from "../components";

// `isConfigSecret` is exported by the SDK's runtime/config module but not re-exported by its index.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig: { isConfigSecret(key: string): boolean } = require("@pulumi/pulumi/runtime/config");

export const NAMESPACE = "harbor-ha";

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS label (lowercase letters, digits, '-')");
const cidr = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, "must be an IPv4 CIDR such as 10.0.0.0/8");
const positiveInt = z.number().int().positive();

/**
 * A secret leaf: must come from a `secure:` value (`pulumi config set --secret`), and stays a
 * `pulumi.secret` from here on.
 */
const secretString = (min = 8) =>
  z
    .string()
    .min(min)
    .transform((v) => pulumi.secret(v));

/** Which secret leaves exist, by top-level key, so plain-text values of them can be refused. */
const SECRET_LEAVES: Record<string, (value: any) => string[]> = {
  adminPassword: () => ["adminPassword"],
  replication: (v) =>
    (Array.isArray(v?.endpoints) ? v.endpoints : []).flatMap((e: any, i: number) =>
      e && typeof e === "object" && "accessSecret" in e ? [`replication.endpoints[${i}].accessSecret`] : [],
    ),
};

const nodePool = z.strictObject({
  /** EC2 instance types of the pool. */
  instanceTypes: z.array(z.string().min(1)).min(1),
  /** Desired / min / max node counts. Default: 3 / 3 / 6. */
  desiredSize: positiveInt.default(3),
  minSize: positiveInt.default(3),
  maxSize: positiveInt.default(6),
  /** Root volume (gp3) size in GiB. */
  diskGb: positiveInt,
});

const storage = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("s3"),
    /** Bucket name. Default: generated from the stack name. */
    bucketName: z.string().min(3).optional(),
    /** Encrypt with a dedicated KMS key (true) or SSE-S3 AES256 (false). Default: true. */
    kms: z.boolean().default(true),
    /** Days before noncurrent object versions expire. Default: 30. */
    noncurrentVersionExpirationDays: positiveInt.default(30),
    /** Registry capacity to plan for, in GiB (S3 is unbounded; this documents the headroom). Default: none. */
    capacityGb: positiveInt.optional(),
  }),
  z.strictObject({
    type: z.literal("s3-compatible"),
    bucketName: z.string().min(3),
    region: z.string().min(1),
    /** The S3-compatible endpoint, e.g. https://minio.example.com. */
    regionEndpoint: z.url(),
    /** An existing Secret with REGISTRY_STORAGE_S3_ACCESSKEY / REGISTRY_STORAGE_S3_SECRETKEY. */
    credentialsSecretName: dnsLabel,
    capacityGb: positiveInt.optional(),
  }),
  z.strictObject({
    type: z.literal("efs"),
    vpcId: z.string().min(1),
    subnetIds: z.array(z.string().min(1)).min(1),
    /** CIDRs allowed to reach NFS (2049). */
    allowedCidrs: z.array(cidr).min(1),
    /** Registry capacity in GiB (EFS is elastic; the PVC requests this). Default: 1024. */
    capacityGb: positiveInt.default(1024),
  }),
  z.strictObject({
    type: z.literal("nfs"),
    server: z.string().min(1),
    path: z.string().startsWith("/"),
    capacityGb: positiveInt,
  }),
  z.strictObject({
    type: z.literal("filesystem"),
    /** StorageClass of the PVC. Default: the cluster's default class. */
    storageClass: z.string().optional(),
    capacityGb: positiveInt.default(50),
  }),
]);

const tls = z.strictObject({
  /** How certificates are issued: Let's Encrypt over HTTP-01 or DNS-01 (Route53), or a self-signed bootstrap CA. Default: acme-http01. */
  mode: z.enum(["acme-http01", "acme-dns01", "self-signed"]).default("acme-http01"),
  /** ACME account e-mail (required for acme-*). */
  email: z.email().optional(),
  /** ACME directory. Default: Let's Encrypt production. */
  acmeServer: z.url().default("https://acme-v02.api.letsencrypt.org/directory"),
  /** Route53 for dns01. */
  route53: z.strictObject({ region: z.string().min(1), hostedZoneId: z.string().min(1) }).optional(),
  /** Install cert-manager (false: one is already in the cluster). Default: true. */
  installCertManager: z.boolean().default(true),
});

const nodePort = z.number().int().min(30000).max(32767);

const edge = z.strictObject({
  /**
   * How Envoy's proxies are reached: an AWS NLB, a plain LoadBalancer, or fixed NodePorts (dev). Default: nlb.
   * "nlb" needs the AWS Load Balancer Controller already running in the cluster (not installed by this stack).
   */
  exposure: z.enum(["nlb", "loadBalancer", "nodePort"]).default("nlb"),
  /** Internal (private) NLB. Default: false. */
  internal: z.boolean().default(false),
  /** Envoy proxy replicas. Default: 2. */
  replicas: positiveInt.default(2),
  /** Fixed NodePorts of exposure "nodePort"; externalUrl names the https one. Default: 30443 / 30080. */
  nodePorts: z.strictObject({ https: nodePort, http: nodePort }).default({ ...DEV_NODE_PORTS }),
  /** CIDRs allowed to reach Harbor's admin API paths. Default: [] (no restriction). */
  adminAllowlist: z.array(cidr).default([]),
  /** CIDRs `pulumi up` runs from; must lie within adminAllowlist when the stack's own API calls use admin paths. Default: []. */
  operatorCidrs: z.array(cidr).default([]),
});

const postgres = z.strictObject({
  /** Patroni members. Default: 3. */
  members: positiveInt.default(3),
  /** SSD StorageClass for data volumes. Default: gp3. */
  storageClass: z.string().min(1).default("gp3"),
  /** Data volume size in GiB per member. Default: 1024. */
  volumeGb: positiveInt.default(1024),
  /** CPU cores requested per member. Default: 4. */
  cpu: z.number().positive().default(4),
  /** Memory (GiB) requested per member. Default: 16. */
  memoryGi: z.number().positive().default(16),
  /** Synchronous replication (zero acknowledged-commit loss on failover). Default: true. */
  synchronousMode: z.boolean().default(true),
  /** Harbor's database and user. Default: registry / harbor. */
  database: z.string().min(1).default("registry"),
  user: z.string().min(1).default("harbor"),
});

const redis = z.strictObject({
  /** Redis nodes (1 master + replicas). Default: 3. */
  replicas: positiveInt.default(3),
  /** Sentinels. Default: 3. */
  sentinels: positiveInt.default(3),
  /** Sentinels that must agree a master is down. Default: 2. */
  quorum: positiveInt.default(2),
  /** Memory (GiB) per Redis node. Default: 2. */
  memoryGi: z.number().positive().default(2),
  /** CPU per Redis node. Default: 1. */
  cpu: z.number().positive().default(1),
});

const harbor = z.strictObject({
  /** Replicas of core, jobservice, registry, portal, trivy and exporter. Default: 2. */
  replicas: positiveInt.default(2),
  /** Per-pod database pool of core and exporter (`database.maxOpenConns`). Default: 100. */
  maxOpenConns: positiveInt.default(100),
  /** `database.maxIdleConns`. Default: 50. */
  maxIdleConns: positiveInt.default(50),
  /** Trivy scanner. Default: true. */
  trivy: z.boolean().default(true),
  /** Prometheus metrics. Default: true. */
  metrics: z.boolean().default(true),
});

const replicationEndpoint = z.strictObject({
  /** Endpoint name; policies refer to it. */
  name: z.string().min(1),
  /** Registry adapter type. Default: harbor. */
  type: z.enum(REGISTRY_TYPES).default("harbor"),
  url: z.url(),
  /** Credential user, e.g. a robot account (`robot$replication`). Default: anonymous. */
  accessKey: z.string().min(1).optional(),
  /** Credential secret (secure). Default: none. */
  accessSecret: secretString(8).optional(),
  /** Skip TLS verification; needs allowInsecure too. Default: false. */
  insecure: z.boolean().default(false),
  allowInsecure: z.boolean().default(false),
  description: z.string().optional(),
});

const harborCron = z.string().min(1);

const replicationPolicy = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  direction: z.enum(["push", "pull"]),
  /** Name of an endpoint in `replication.endpoints`. */
  endpoint: z.string().min(1),
  destNamespace: z.string().optional(),
  destNamespaceReplaceCount: z.number().int().min(-1).optional(),
  filters: z
    .strictObject({
      name: z.string().optional(),
      tag: z.string().optional(),
      tagDecoration: z.enum(["matches", "excludes"]).optional(),
      labels: z.array(z.string()).optional(),
      labelDecoration: z.enum(["matches", "excludes"]).optional(),
      resource: z.enum(["image", "artifact"]).optional(),
    })
    .optional(),
  trigger: z
    .discriminatedUnion("type", [
      z.strictObject({ type: z.literal("manual") }),
      z.strictObject({ type: z.literal("scheduled"), cron: harborCron }),
      z.strictObject({ type: z.literal("event_based") }),
    ])
    .optional(),
  override: z.boolean().optional(),
  replicateDeletion: z.boolean().optional(),
  enabled: z.boolean().optional(),
  speedLimitKbps: z.number().int().min(-1).optional(),
  copyByChunk: z.boolean().optional(),
});

const replication = z.strictObject({
  /** Remote registries. Default: []. */
  endpoints: z.array(replicationEndpoint).default([]),
  /** Replication policies (cron, loops and directions are checked by ReplicationTargets). Default: []. */
  policies: z.array(replicationPolicy).default([]),
  /** Flows declared by other Harbors (e.g. prod's push to DR), so loops across sites are caught. Default: []. */
  peerFlows: z.array(z.strictObject({ from: z.url(), to: z.url(), policy: z.string().min(1) })).default([]),
});

const project = z.strictObject({
  name: z.string().min(1),
  public: z.boolean().optional(),
  autoScan: z.boolean().optional(),
  preventVulnerable: z.boolean().optional(),
  severity: z.enum(["none", "low", "medium", "high", "critical"]).optional(),
  enforceCosign: z.boolean().optional(),
  reuseSystemCveAllowlist: z.boolean().optional(),
});

export const stackConfigSchema = z.strictObject({
  /** dev (laptop cluster, no cloud), staging or prod. */
  environment: z.enum(["dev", "staging", "prod"]),
  /** Kubernetes namespace for Harbor and its backends. Default: harbor. */
  namespace: dnsLabel.default("harbor"),
  /** Harbor's external URL (https). */
  externalUrl: z.url().refine((u) => u.startsWith("https://"), "must start with https://"),
  /** Registry data expected, in GB: storage must offer 3x this. Default: none (headroom rule not applied). */
  expectedDataGb: positiveInt.optional(),
  /** High-throughput workload: raises the per-instance memory floor to 32 GiB. Default: false. */
  highThroughput: z.boolean().default(false),
  /** Availability zones to spread over. Default: [] (no zone spread, e.g. a laptop cluster). */
  zones: z.array(z.string().min(1)).default([]),
  /** Harbor admin password (secret). Default: generated. */
  adminPassword: secretString(8).optional(),
  /** Existing EKS cluster facts (for node pools, EFS, dns01). Default: none. */
  cluster: z
    .strictObject({
      name: z.string().min(1),
      nodeRoleArn: z.string().startsWith("arn:"),
      subnetIds: z.array(z.string().min(1)).min(1),
      oidcProviderArn: z.string().startsWith("arn:").optional(),
      oidcIssuerUrl: z.url().optional(),
    })
    .optional(),
  /** EKS managed node groups for the app and db tiers. Default: none (bring your own nodes). */
  nodePools: z.strictObject({ app: nodePool, db: nodePool }).optional(),
  postgres: postgres.prefault({}),
  redis: redis.prefault({}),
  harbor: harbor.prefault({}),
  storage: storage,
  tls: tls.prefault({}),
  edge: edge.prefault({}),
  replication: replication.prefault({}),
  /** Harbor projects with their scan and signing policy. Default: []. */
  projects: z.array(project).default([]),
});

export type StackConfig = z.output<typeof stackConfigSchema>;

/** Config keys that hold plain strings: their raw value is never JSON-decoded. */
const STRING_KEYS = new Set(["environment", "namespace", "externalUrl", "adminPassword"]);

export class StackConfigError extends Error {
  constructor(
    readonly stack: string,
    readonly problems: string[],
  ) {
    super(
      `stack "${stack}": invalid configuration, ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "StackConfigError";
  }
}

function keyName(path: PropertyKey[]): string {
  let out = `${NAMESPACE}:`;
  path.forEach((p, i) => {
    if (typeof p === "number") out += `[${p}]`;
    else out += i === 0 ? String(p) : `.${String(p)}`;
  });
  return out;
}

/** The closest known key, for "did you mean". */
function closest(word: string, candidates: string[]): string | undefined {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  };
  const best = candidates
    .map((c) => [c, dist(word.toLowerCase(), c.toLowerCase())] as const)
    .sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= Math.max(2, Math.floor(word.length / 3)) ? best[0] : undefined;
}

/** Known keys of the (strict) object schema found at `path`, for suggestions. */
function knownKeysAt(path: PropertyKey[], raw: unknown): string[] {
  let schema: any = stackConfigSchema;
  let value: any = raw;
  for (const p of path) {
    while (schema?.def && ["optional", "default", "prefault", "nullable", "pipe"].includes(schema.def.type))
      schema = schema.def.innerType ?? schema.def.in;
    if (schema?.def?.type === "array") schema = schema.def.element;
    else if (schema?.def?.type === "union") {
      const discriminated = schema.def.options.find((o: any) => o.def?.shape?.type?.def?.values?.includes(value?.type));
      schema = discriminated?.def.shape[p as string];
    } else schema = schema?.def?.shape?.[p as string];
    value = value?.[p as any];
  }
  while (schema?.def && ["optional", "default", "prefault", "nullable"].includes(schema.def.type))
    schema = schema.def.innerType;
  if (schema?.def?.type === "union") {
    const discriminated = schema.def.options.find((o: any) => o.def?.shape?.type?.def?.values?.includes(value?.type));
    schema = discriminated;
  }
  return schema?.def?.shape ? Object.keys(schema.def.shape) : [];
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "a map";
  return `${typeof v} ${JSON.stringify(v)}`;
}

function issueToProblem(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string[] {
  const at = (extra: PropertyKey[] = []) => keyName([...issue.path, ...extra]);
  const valueAt = issue.path.reduce<any>((v, p) => (v == null ? undefined : v[p as any]), raw);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => {
        const guess = closest(k, knownKeysAt(issue.path, raw));
        return `${at([k])}: unknown key. Fix: ${guess ? `did you mean "${guess}"? Rename it` : "remove it"}${issue.path.length === 0 ? "" : ` (known keys here: ${knownKeysAt(issue.path, raw).join(", ")})`}.`;
      });
    case "invalid_type":
      if (valueAt === undefined)
        return [`${at()}: required, but not set. Fix: set ${at()} (a ${issue.expected}) in the stack's config.`];
      return [
        `${at()}: expected a ${issue.expected}, got ${describe(valueAt)}. Fix: set ${at()} to a ${issue.expected}.`,
      ];
    case "invalid_value":
      return [
        `${at()}: ${describe(valueAt)} is not allowed. Fix: set it to one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}.`,
      ];
    case "invalid_union":
      if ((issue as any).note === "No matching discriminator" || (issue as any).discriminator) {
        const typeKey = issue.path[issue.path.length - 1] === "type" ? at() : at(["type"]);
        const typeValue = issue.path[issue.path.length - 1] === "type" ? valueAt : valueAt?.type;
        return [
          `${typeKey}: ${describe(typeValue)} is not a known type. Fix: set it to one of "s3", "s3-compatible", "efs", "nfs", "filesystem".`,
        ];
      }
      return [`${at()}: ${issue.message}. Fix: check the value against README's configuration reference.`];
    case "too_small":
      return [
        `${at()}: ${describe(valueAt)} is too small (${issue.message.replace(/^Too small: /, "")}). Fix: set ${at()} to at least ${String(issue.minimum)}${issue.origin === "array" ? " entries" : issue.origin === "string" ? " characters" : ""}.`,
      ];
    case "too_big":
      return [
        `${at()}: ${describe(valueAt)} is too big (${issue.message}). Fix: set ${at()} to at most ${String(issue.maximum)}.`,
      ];
    default:
      return [`${at()}: ${describe(valueAt)} ${issue.message.replace(/^Invalid input: /, "")}. Fix: correct ${at()}.`];
  }
}

/** Decodes the CLI's string values: objects, lists, numbers and booleans arrive as JSON text. */
function decode(key: string, value: string): unknown {
  if (STRING_KEYS.has(key)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export interface ConfigSource {
  /** The stack name (for messages). */
  stack: string;
  /** All config, `<namespace>:<key>` -> string, as `pulumi.runtime.allConfig()` gives it. */
  values: Record<string, string>;
  /** Whether a full key is secret in the stack's config. */
  isSecret: (fullKey: string) => boolean;
}

/** Parses and checks the whole stack config; throws one {@link StackConfigError} listing every problem. */
export function parseStackConfig(source: ConfigSource): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(source.values)) {
    const [ns, ...rest] = fullKey.split(":");
    if (ns !== NAMESPACE) continue;
    raw[rest.join(":")] = decode(rest.join(":"), value);
  }
  const problems: string[] = [];
  for (const [key, leaves] of Object.entries(SECRET_LEAVES)) {
    if (raw[key] === undefined) continue;
    const paths = leaves(raw[key]);
    if (paths.length > 0 && !source.isSecret(`${NAMESPACE}:${key}`)) {
      for (const p of paths)
        problems.push(
          `${NAMESPACE}:${p}: is a secret but is stored in plain text. Fix: run \`pulumi config set --secret --path '${NAMESPACE}:${p}' <value>\` so it is encrypted.`,
        );
    }
  }
  const result = stackConfigSchema.safeParse(raw);
  if (!result.success) for (const issue of result.error.issues) problems.push(...issueToProblem(issue, raw));
  if (result.success) problems.push(...crossFieldProblems(result.data));
  if (problems.length > 0) throw new StackConfigError(source.stack, problems);
  return result.data!;
}

/** Rules that span several keys. Sizing and HA minimums are the policy pack's job, not this parser's. */
function crossFieldProblems(c: StackConfig): string[] {
  const out: string[] = [];
  const k = (p: string) => `${NAMESPACE}:${p}`;
  if (c.tls.mode.startsWith("acme") && !c.tls.email)
    out.push(
      `${k("tls.email")}: required when ${k("tls.mode")} is "${c.tls.mode}". Fix: set ${k("tls.email")} to the ACME account's e-mail.`,
    );
  if (c.tls.mode === "acme-dns01" && !c.tls.route53)
    out.push(
      `${k("tls.route53")}: required when ${k("tls.mode")} is "acme-dns01". Fix: set ${k("tls.route53")} to { region, hostedZoneId }.`,
    );
  if (c.redis.quorum > c.redis.sentinels)
    out.push(
      `${k("redis.quorum")}: ${c.redis.quorum} is more than the ${c.redis.sentinels} sentinels, so no failover could ever happen. Fix: set it to at most ${c.redis.sentinels} (a majority, e.g. 2 of 3).`,
    );
  if (c.nodePools && !c.cluster)
    out.push(
      `${k("cluster")}: required when ${k("nodePools")} is set (node groups join an existing EKS cluster). Fix: set ${k("cluster")} to { name, nodeRoleArn, subnetIds }.`,
    );
  for (const [tier, pool] of Object.entries(c.nodePools ?? {})) {
    if (pool.minSize > pool.desiredSize || pool.desiredSize > pool.maxSize)
      out.push(
        `${k(`nodePools.${tier}`)}: sizes must satisfy minSize <= desiredSize <= maxSize, got ${pool.minSize} / ${pool.desiredSize} / ${pool.maxSize}. Fix: adjust them.`,
      );
  }
  if (c.environment === "dev" && ["s3", "efs"].includes(c.storage.type))
    out.push(
      `${k("storage.type")}: "${c.storage.type}" needs an AWS account, which dev does not have. Fix: use "filesystem" (or "nfs"/"s3-compatible" for a local server) in dev.`,
    );
  if (c.environment === "dev" && c.tls.mode === "acme-dns01")
    out.push(`${k("tls.mode")}: "acme-dns01" needs Route53, which dev does not have. Fix: use "self-signed" in dev.`);
  out.push(...edgeProblems(c));
  if (c.storage.type === "filesystem" && c.harbor.replicas > 1)
    out.push(
      `${k("storage.type")}: "filesystem" is a ReadWriteOnce volume, which ${c.harbor.replicas} registry replicas cannot share (Multi-Attach errors). Fix: use "s3", "efs" or "nfs", or set ${k("harbor.replicas")} to 1.`,
    );
  return out;
}

/** The edge's cross-key rules: the URL's port matches the exposure, and the stack never locks itself out. */
function edgeProblems(c: StackConfig): string[] {
  const out: string[] = [];
  const k = (p: string) => `${NAMESPACE}:${p}`;
  const url = new URL(c.externalUrl);
  const port = url.port ? Number(url.port) : 443;
  if (c.edge.exposure === "nodePort" && port !== c.edge.nodePorts.https)
    out.push(
      `${k("externalUrl")}: names port ${port}, but clients reach Harbor on the HTTPS NodePort ${c.edge.nodePorts.https}. Fix: set ${k("externalUrl")} to https://${url.hostname}:${c.edge.nodePorts.https}.`,
    );
  if (c.edge.exposure !== "nodePort" && port !== 443)
    out.push(
      `${k("externalUrl")}: names port ${port}, but the load balancer listens on 443. Fix: drop the port from ${k("externalUrl")}.`,
    );
  const calls = [
    ...(c.replication.endpoints.length + c.replication.policies.length > 0
      ? [{ caller: "replication", paths: REPLICATION_API_PATHS }]
      : []),
    ...(c.projects.length > 0 ? [{ caller: "projects", paths: PROJECT_API_PATHS }] : []),
  ];
  for (const p of edgeLockoutProblems({
    host: url.hostname,
    adminAllowlist: c.edge.adminAllowlist,
    operatorCidrs: c.edge.operatorCidrs,
    calls,
  }))
    out.push(
      `${k(`edge.${p.path}`)}: ${p.problem}. Fix: ${p.fix.replace(/\b(adminAllowlist|operatorCidrs)\b/g, (m) => k(`edge.${m}`))}.`,
    );
  return out;
}

/** Reads the running stack's config through the Pulumi runtime (works under `pulumi up` and the offline engine). */
export function loadStackConfig(): StackConfig {
  return parseStackConfig({
    stack: pulumi.getStack(),
    values: pulumi.runtime.allConfig(),
    isSecret: (key) => runtimeConfig.isConfigSecret(key),
  });
}
