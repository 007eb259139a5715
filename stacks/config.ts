/**
 * The stack configuration: one schema for every `harbor-ha:*` key of `Pulumi.<stack>.yaml`, with its
 * defaults. Unknown keys are errors, and every problem is reported at once, naming the stack, the full
 * key, what is wrong and how to fix it, before any resource is registered.
 *
 * Keys of other namespaces (`aws:region`, `kubernetes:context`, ...) belong to the providers and pass through.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  AUDIT_EVENT_TYPES,
  bucketNameProblem,
  connectionBudgetProblems,
  edgeLockoutProblems,
  filesystemStorageDefaults,
  harborCertificatesDefaults,
  harborGatewayDefaults,
  harborPlatformDefaults,
  harborCronProblem,
  harborReleaseDefaults,
  nfsStorageDefaults,
  nodePoolDefaults,
  patroniClusterDefaults,
  readWriteOnceSharingViolation,
  REGISTRY_TYPES,
  stackApiCalls,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_NOTIFY_TYPES,
  WEBHOOK_PAYLOAD_FORMATS,
  PROJECT_ROLES,
  GROUP_TYPES,
  MAX_QUOTA_BYTES,
  GIB,
  reservedRoleProblem,
  redisSentinelDefaults,
  s3StorageDefaults,
} from "../components";
import { closestName, DNS_LABEL } from "../components/conventions";
import { harborDatabasePools } from "../components/harbor";
import { encryptedLeavesFromFile, STACK_CONFIG_FILE_ENV } from "./secureLeaves";
import { admissionConfig, admissionProblems } from "./configAdmission";
import { clusterConfigProblems, clusterSchema } from "./configCluster";
import { storageClassProblems, storageClassSchema } from "./configStorageClass";
import { dnsProblems, dnsSchema } from "./configDns";
import { backupsProblems, backupsSchema } from "./configBackups";
import { observabilitySchema } from "./configObservability";
import { postgresExporterPools } from "../components/postgres/renderPostgresExporter";
import { operationsProblems } from "./configOperations";
import {
  accessKeysSchema,
  accessLogsSchema,
  awsProblems,
  s3GatewayEndpointSchema,
  subnetsByZoneSchema,
  tagsSchema,
} from "./configAws";

// `isConfigSecret` is exported by the SDK's runtime/config module but not re-exported by its index.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig: { isConfigSecret(key: string): boolean } = require("@pulumi/pulumi/runtime/config");

export const NAMESPACE = "harbor-ha";

const dnsLabel = z.string().regex(DNS_LABEL, "must be a DNS label (lowercase letters, digits, '-')");
const cidr = z
  .string()
  .regex(
    /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/,
    "must be an IPv4 CIDR such as 10.0.0.0/8",
  );
const positiveInt = z.number().int().positive();

/** Adds one custom issue per problem found by `check` (each problem reads "<what is wrong>. Fix: <how>"). */
const checked = <T extends z.ZodType>(schema: T, check: (v: z.output<T>) => string | undefined) =>
  schema.superRefine((v, ctx) => {
    const problem = check(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** A Kubernetes object name (RFC 1123 subdomain), e.g. a StorageClass. */
const k8sName = checked(z.string(), (v) =>
  v.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(v)
    ? undefined
    : `is not a Kubernetes object name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters. Fix: use the StorageClass's name as \`kubectl get storageclass\` lists it, e.g. "${
        v
          .toLowerCase()
          .replace(/[^a-z0-9.-]+/g, "-")
          .replace(/^[-.]+|[-.]+$/g, "") || "gp3"
      }"`,
);

/** S3 bucket naming rules: one home, the shared bucket conventions (the backup bucket uses them too). */
export { bucketNameProblem };
const bucketName = checked(z.string(), bucketNameProblem);

interface UrlRules {
  /** Only https:// (no http://). */
  https?: boolean;
  /** Only scheme, host and port: no path, query or fragment (the edge's cross-key rule judges the port). */
  hostOnly?: boolean;
  /** A Harbor base URL: refuse the `/api/v2.0` Harbor appends itself. */
  harborBase?: boolean;
  example: string;
}

/**
 * What is wrong with a URL, without ever repeating it: user info (`user:password@`) is reported once,
 * by the credential scan of {@link parseStackConfig}, which does not repeat it either.
 */
function urlProblem(v: string, r: UrlRules): string | undefined {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return `is not a URL. Fix: write it in full, e.g. ${r.example}`;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    return `uses the scheme "${u.protocol}", not https. Fix: use an https:// URL, e.g. ${r.example}`;
  if (r.https && u.protocol !== "https:")
    return `uses http://, which is neither encrypted nor authenticated. Fix: use https://, e.g. ${r.example}`;
  if (u.username || u.password) return undefined;
  if (r.hostOnly) {
    if (u.pathname !== "/" || u.search || u.hash)
      return `has a path, query or fragment, but Harbor is served at the root of its host. Fix: set it to ${u.protocol}//${u.hostname}`;
  }
  if (r.harborBase && /\/api\/v2\.0\/?$/.test(u.pathname))
    return `ends with /api/v2.0, which Harbor appends to an endpoint URL itself (it would call .../api/v2.0/api/v2.0). Fix: remove "/api/v2.0", e.g. ${u.protocol}//${u.host}`;
  return undefined;
}
const urlField = (r: UrlRules) => checked(z.string(), (v) => urlProblem(v, r));

const ARN_PARTITIONS = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"];

/** An IAM ARN, `arn:<partition>:iam::<12-digit account>:<type>/<name>` (IAM ARNs have no region). */
function iamArn(type: "role" | "oidc-provider", example: string) {
  return checked(z.string(), (v) => {
    const fix = `Fix: copy the ${type === "role" ? "IAM role" : "OIDC provider"}'s ARN, e.g. ${example}`;
    const parts = v.split(":");
    if (parts.length < 6 || parts[0] !== "arn")
      return `is not an ARN (arn:<partition>:iam::<account>:${type}/<name>). ${fix}`;
    const [, partition, service, region, account, ...rest] = parts;
    const resource = rest.join(":");
    if (!ARN_PARTITIONS.includes(partition))
      return `has partition "${partition}", not one of ${ARN_PARTITIONS.join(", ")}. ${fix}`;
    if (service !== "iam") return `is an ARN of the "${service}" service, not of IAM. ${fix}`;
    if (region !== "") return `has a region ("${region}"), but IAM ARNs have none (arn:aws:iam::<account>:...). ${fix}`;
    if (!/^\d{12}$/.test(account)) return `has account "${account}", not a 12-digit AWS account ID. ${fix}`;
    const name =
      type === "role" ? /^role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/ : /^oidc-provider\/[a-z0-9.-]+(\/[\w.-]+)*$/i;
    if (!name.test(resource)) return `names "${resource}", which is not ${type}/<name>. ${fix}`;
    return undefined;
  });
}

/**
 * The largest EBS volume, in GiB: gp3 and io2 take 1-65,536 GiB (EC2 API reference, ModifyVolume `Size`;
 * gp2, io1, st1 and sc1 stop at 16,384). Larger sizes fail at apply, after other resources exist.
 */
export const EBS_MAX_GIB = 65536;
/** Capacities beyond 1 PiB are read as a unit mistake (values are GiB). */
export const CAPACITY_MAX_GIB = 1024 * 1024;
const ebsGib = positiveInt.max(EBS_MAX_GIB, `an EBS volume holds at most ${EBS_MAX_GIB} GiB (64 TiB, gp3/io2)`);
const capacityGib = positiveInt.max(CAPACITY_MAX_GIB, "values are GiB; more than 1 PiB is taken for a unit mistake");

/**
 * A secret leaf: must come from a `secure:` value (`pulumi config set --secret`), and stays a
 * `pulumi.secret` from here on.
 */
const secretString = (min = 8) =>
  z
    .string()
    .min(min)
    .transform((v) => pulumi.secret(v));

/** A path pattern: segments of a config value's path, `"*"` for any list index. */
type LeafPattern = readonly (string | "*")[];

/** Credentials: secret, always; a plain-text value is refused, per leaf. */
const SECRET_REQUIRED: LeafPattern[] = [
  ["adminPassword"],
  ["replication", "endpoints", "*", "accessSecret"],
  ["operations", "oidc", "clientSecret"],
  ["operations", "proxyCaches", "*", "accessSecret"],
  ["operations", "webhooks", "*", "authHeader"],
];

/**
 * Values a user may encrypt although they are not credentials: they reach components as
 * `pulumi.Input<string>`, so they stay a `pulumi.secret` per leaf. Any other encrypted value is refused:
 * harbor-ha needs it in plain text (resource names, Helm values, IAM policies, the plan).
 */
const SECRET_ALLOWED: LeafPattern[] = [
  ["replication", "endpoints", "*", "accessKey"],
  ["operations", "proxyCaches", "*", "accessKey"],
  ["cluster", "name"],
];

/** Why an encrypted value cannot stay secret, for the refusal's message. Default: names, values and the plan. */
const PLAIN_USES: [LeafPattern, string][] = [
  [["tls", "route53", "hostedZoneId"], "it is written into the Route53 IAM policy and cert-manager's ClusterIssuer"],
  [["externalUrl"], "it is Harbor's address, in its Gateway, routes, certificate and Helm values"],
];

function matches(pattern: LeafPattern, path: PropertyKey[]): boolean {
  return (
    pattern.length === path.length && pattern.every((p, i) => (p === "*" ? typeof path[i] === "number" : p === path[i]))
  );
}

const nodePool = z.strictObject({
  /** EC2 instance types of the pool. */
  instanceTypes: z.array(z.string().min(1)).min(1),
  /** Desired / min / max node counts. Default: 3 / 3 / 6. */
  desiredSize: positiveInt.default(nodePoolDefaults.desiredSize),
  minSize: positiveInt.default(nodePoolDefaults.minSize),
  maxSize: positiveInt.default(nodePoolDefaults.maxSize),
  /** Root volume (gp3) size in GiB. */
  diskGb: ebsGib,
});

const storage = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("s3"),
    /** Bucket name. Default: generated from the stack name. */
    bucketName: bucketName.optional(),
    /** Encrypt with a dedicated KMS key (true) or SSE-S3 AES256 (false). Default: true. */
    kms: z.boolean().default(s3StorageDefaults.kms),
    /** Days before noncurrent object versions expire. Default: 30. */
    noncurrentVersionExpirationDays: positiveInt.default(s3StorageDefaults.noncurrentVersionExpirationDays),
    /** Registry capacity to plan for, in GiB (S3 is unbounded; this documents the headroom). Default: none. */
    capacityGb: capacityGib.optional(),
    /** Days before noncurrent copies of upload data expire. Default: 1. */
    uploadsNoncurrentExpirationDays: positiveInt.default(s3StorageDefaults.uploadsNoncurrentExpirationDays),
    /** The registry's two overlapping keys (README, "Registry key rotation"). Default: blue active, generations 1. */
    accessKeys: accessKeysSchema.prefault({}),
    /** The VPC's S3 gateway endpoint the key is restricted to: { id } or { vpcId, routeTableIds }. Default: none. */
    s3GatewayEndpoint: s3GatewayEndpointSchema.optional(),
  }),
  z.strictObject({
    type: z.literal("s3-compatible"),
    bucketName: bucketName,
    region: z.string().min(1),
    /** The S3-compatible endpoint, e.g. https://minio.example.com. */
    regionEndpoint: urlField({ https: true, example: "https://minio.example.com" }),
    /** An existing Secret with REGISTRY_STORAGE_S3_ACCESSKEY / REGISTRY_STORAGE_S3_SECRETKEY. */
    credentialsSecretName: dnsLabel,
    capacityGb: capacityGib.optional(),
  }),
  z.strictObject({
    type: z.literal("efs"),
    vpcId: z.string().min(1),
    /** One subnet per zone, `{ "<zone>": "<subnet id>" }`: one mount target each. */
    subnets: subnetsByZoneSchema,
    /** CIDRs allowed to reach NFS (2049). */
    allowedCidrs: z.array(cidr).min(1),
    /** Registry capacity in GiB (EFS is elastic; the PVC requests this). Default: 1024. */
    capacityGb: capacityGib.default(nfsStorageDefaults.capacityGb),
  }),
  z.strictObject({
    type: z.literal("nfs"),
    server: z.string().min(1),
    path: z.string().startsWith("/"),
    capacityGb: capacityGib,
  }),
  z.strictObject({
    type: z.literal("filesystem"),
    /** StorageClass of the PVC. Default: the stack's (storageClass.name). */
    storageClass: k8sName.optional(),
    /** PVC size in GiB (a block volume: at most an EBS volume's size). Default: 50. */
    capacityGb: ebsGib.default(filesystemStorageDefaults.capacityGb),
  }),
]);

const tls = z.strictObject({
  /** How certificates are issued: Let's Encrypt over HTTP-01 or DNS-01 (Route53), or a self-signed bootstrap CA. Default: acme-http01. */
  mode: z.enum(["acme-http01", "acme-dns01", "self-signed"]).default("acme-http01"),
  /** ACME account e-mail (required for acme-*). */
  email: z.email().optional(),
  /** ACME directory. Default: Let's Encrypt production. */
  acmeServer: urlField({ https: true, example: "https://acme-v02.api.letsencrypt.org/directory" }).default(
    harborCertificatesDefaults.acmeServer,
  ),
  /** Route53 for dns01. */
  route53: z.strictObject({ region: z.string().min(1), hostedZoneId: z.string().min(1) }).optional(),
  /** Install cert-manager (false: one is already in the cluster). Default: true. */
  installCertManager: z.boolean().default(harborPlatformDefaults.installCertManager),
});

const nodePort = z.number().int().min(30000).max(32767);

const edge = z.strictObject({
  /**
   * How Envoy's proxies are reached: an AWS NLB, a plain LoadBalancer, or fixed NodePorts (dev). Default: nlb.
   * "nlb" needs the AWS Load Balancer Controller (managed by this stack with harbor-ha:cluster, or already running).
   */
  exposure: z.enum(["nlb", "loadBalancer", "nodePort"]).default(harborGatewayDefaults.exposure),
  /** Internal (private) NLB. Default: false. */
  internal: z.boolean().default(harborGatewayDefaults.internal),
  /** Envoy proxy replicas. Default: 2. */
  replicas: positiveInt.default(harborGatewayDefaults.replicas),
  /** Fixed NodePorts of exposure "nodePort"; externalUrl names the https one. Default: 30443 / 30080. */
  nodePorts: z.strictObject({ https: nodePort, http: nodePort }).default({ ...harborGatewayDefaults.nodePorts }),
  /** CIDRs allowed to reach Harbor's admin API paths. Default: [] (no restriction). */
  adminAllowlist: z.array(cidr).default([]),
  /** CIDRs `pulumi up` runs from; must lie within adminAllowlist when the stack's own API calls use admin paths. Default: []. */
  operatorCidrs: z.array(cidr).default([]),
  /** NLB deletion protection. Default: true in prod, false elsewhere. */
  deletionProtection: z.boolean().optional(),
  /** NLB access logs: { enabled, bucket (existing; default: one is created), prefix }. Default: on in prod. */
  accessLogs: accessLogsSchema.optional(),
});

const postgres = z.strictObject({
  /** Patroni members. Default: 3. */
  members: positiveInt.default(patroniClusterDefaults.members),
  /** SSD StorageClass for data volumes. Default: the stack's (storageClass.name). */
  storageClass: k8sName.optional(),
  /** Data volume size in GiB per member (an EBS volume on AWS). Default: 1024. */
  volumeGb: ebsGib.default(patroniClusterDefaults.volumeGb),
  /** CPU cores requested per member. Default: 4. */
  cpu: z.number().positive().default(patroniClusterDefaults.cpu),
  /** Memory (GiB) requested per member. Default: 16. */
  memoryGi: z.number().positive().default(patroniClusterDefaults.memoryGi),
  /** Synchronous replication (zero acknowledged-commit loss on failover). Default: true. */
  synchronousMode: z.boolean().default(patroniClusterDefaults.synchronousMode),
  /** Harbor's database and user. Default: registry / harbor. */
  database: z.string().min(1).default(patroniClusterDefaults.database),
  /** Harbor's role; never one the database keeps for itself (postgres, standby, admin, Spilo's robots). */
  user: checked(z.string().min(1), (u) => {
    const why = reservedRoleProblem(u);
    return why ? `${why}. Fix: give Harbor a role of its own, e.g. "harbor"` : undefined;
  }).default(patroniClusterDefaults.user),
});

const redis = z.strictObject({
  /** Redis nodes (1 master + replicas). Default: 3. */
  replicas: positiveInt.default(redisSentinelDefaults.replicas),
  /** Sentinels. Default: 3. */
  sentinels: positiveInt.default(redisSentinelDefaults.sentinels),
  /** Sentinels that must agree a master is down. Default: 2. */
  quorum: positiveInt.default(redisSentinelDefaults.quorum),
  /** Memory (GiB) per Redis node. Default: 2. */
  memoryGi: z.number().positive().default(redisSentinelDefaults.memoryGi),
  /** CPU per Redis node. Default: 1. */
  cpu: z.number().positive().default(redisSentinelDefaults.cpu),
  /** SSD StorageClass for Redis data and the sentinels' state. Default: the stack's (storageClass.name). */
  storageClass: z.string().min(1).optional(),
});

const harbor = z.strictObject({
  /** Replicas of core, jobservice, registry, portal, trivy and exporter. Default: 2. */
  replicas: positiveInt.default(harborReleaseDefaults.replicas),
  /** Per-pod database pool of core and exporter (`database.maxOpenConns`). Default: 100. */
  maxOpenConns: positiveInt.default(harborReleaseDefaults.maxOpenConns),
  /** `database.maxIdleConns`. Default: 50. */
  maxIdleConns: positiveInt.default(harborReleaseDefaults.maxIdleConns),
  /** Trivy scanner. Default: true. */
  trivy: z.boolean().default(harborReleaseDefaults.trivy),
  /** Prometheus metrics. Default: true. */
  metrics: z.boolean().default(harborReleaseDefaults.metrics),
});

const replicationEndpoint = z.strictObject({
  /** Endpoint name; policies refer to it. */
  name: z.string().min(1),
  /** Registry adapter type. Default: harbor. */
  type: z.enum(REGISTRY_TYPES).default("harbor"),
  /** Base URL of the remote registry (Harbor appends /api/v2.0). */
  url: urlField({ harborBase: true, example: "https://harbor.dr.example.com" }),
  /** Credential user, e.g. a robot account (`robot$replication`); may be encrypted. Default: anonymous. */
  accessKey: z
    .string()
    .min(1)
    .transform((v): pulumi.Input<string> => v)
    .optional(),
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
  peerFlows: z
    .array(
      z.strictObject({
        from: urlField({ harborBase: true, example: "https://harbor.example.com" }),
        to: urlField({ harborBase: true, example: "https://harbor.dr.example.com" }),
        policy: z.string().min(1),
      }),
    )
    .default([]),
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

// --- Harbor operations (issue 17): schedules, retention, immutability, proxy caches, OIDC. ---

/** A cron Harbor accepts (one validator for replication and every schedule: components/harborApi/cron.ts). */
const harborScheduleCron = z.string().superRefine((cron, ctx) => {
  const problem = harborCronProblem(cron);
  if (problem) ctx.addIssue({ code: "custom", message: `is not a cron Harbor accepts: ${problem}` });
});

const retentionRule = z.strictObject({
  keep: z.enum(["always", "latestPushed", "latestPulled", "daysSinceLastPush", "daysSinceLastPull"]),
  count: positiveInt.optional(),
  tags: z.string().min(1).optional(),
  excludeTags: z.boolean().optional(),
  repositories: z.string().min(1).optional(),
  untagged: z.boolean().optional(),
});

const operations = z.strictObject({
  /** Garbage collection schedule. Default: none. */
  gc: z
    .strictObject({
      cron: harborScheduleCron,
      deleteUntagged: z.boolean().optional(),
      workers: z.number().int().min(1).max(5).optional(),
    })
    .optional(),
  /** Audit log purge. Default: none. */
  auditLogPurge: z
    .strictObject({
      cron: harborScheduleCron,
      retentionHours: positiveInt.optional(),
      eventTypes: z.array(z.enum(AUDIT_EVENT_TYPES)).min(1).optional(),
    })
    .optional(),
  /** Scan-all schedule. Default: none. */
  scanAll: z.strictObject({ cron: harborScheduleCron }).optional(),
  /** Tag retention per project (a project of `projects`). Default: []. */
  retention: z
    .array(
      z.strictObject({ project: z.string().min(1), cron: harborScheduleCron, rules: z.array(retentionRule).min(1) }),
    )
    .default([]),
  /** Immutable tag rules (a project of `projects`). Default: []. */
  immutableTags: z
    .array(
      z.strictObject({
        project: z.string().min(1),
        tags: z.string().min(1),
        repositories: z.string().min(1).optional(),
      }),
    )
    .default([]),
  /** Proxy-cache projects. Default: []. */
  proxyCaches: z
    .array(
      z.strictObject({
        project: z.string().min(1),
        type: z.enum(REGISTRY_TYPES).optional(),
        url: z.url().optional(),
        accessKey: z.string().min(1).optional(),
        /** Upstream token (secure). */
        accessSecret: secretString(8).optional(),
        public: z.boolean().optional(),
        autoScan: z.boolean().optional(),
        preventVulnerable: z.boolean().optional(),
        severity: z.enum(["none", "low", "medium", "high", "critical"]).optional(),
      }),
    )
    .default([]),
  /** System robot accounts with least permissions. Default: []. */
  systemRobots: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        role: z.enum(["pull", "push"]).optional(),
        projects: z.array(z.string().min(1)).min(1),
        durationDays: positiveInt.optional(),
        description: z.string().optional(),
      }),
    )
    .default([]),
  /** Storage quotas of projects, in GiB (Harbor's limit: 1024 TiB). Default: []. */
  projectQuotas: z
    .array(
      z.strictObject({
        project: z.string().min(1),
        storageGb: positiveInt.max(MAX_QUOTA_BYTES / GIB, "Harbor's largest quota is 1024 TB"),
      }),
    )
    .default([]),
  /** Project webhooks; an auth header must be set with `pulumi config set --secret`. Default: []. */
  webhooks: z
    .array(
      z.strictObject({
        project: z.string().min(1),
        name: z.string().min(1),
        address: z.url(),
        eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1),
        notifyType: z.enum(WEBHOOK_NOTIFY_TYPES).optional(),
        payloadFormat: z.enum(WEBHOOK_PAYLOAD_FORMATS).optional(),
        /** `Authorization` header sent to the receiver (secure). */
        authHeader: secretString(8).optional(),
        skipCertVerify: z.boolean().optional(),
        enabled: z.boolean().optional(),
        description: z.string().optional(),
      }),
    )
    .default([]),
  /** OIDC/LDAP/HTTP groups with a role in projects. Default: []. */
  memberGroups: z
    .array(
      z.strictObject({
        project: z.string().min(1),
        group: z.string().min(1),
        type: z.enum(Object.keys(GROUP_TYPES) as [keyof typeof GROUP_TYPES]).optional(),
        ldapGroupDn: z.string().min(1).optional(),
        role: z.enum(Object.keys(PROJECT_ROLES) as [keyof typeof PROJECT_ROLES]),
      }),
    )
    .default([]),
  /** OIDC login; the client secret must be set with `pulumi config set --secret`. Default: none. */
  oidc: z
    .strictObject({
      name: z.string().min(1),
      endpoint: z.url().refine((u) => u.startsWith("https://"), "must start with https://"),
      clientId: z.string().min(1),
      clientSecret: secretString(8),
      scope: z.string().min(1).optional(),
      verifyCert: z.boolean().optional(),
      autoOnboard: z.boolean().optional(),
      userClaim: z.string().optional(),
      groupsClaim: z.string().optional(),
      adminGroup: z.string().optional(),
    })
    .optional(),
});

// --- end of Harbor operations ---

export const stackConfigSchema = z.strictObject({
  /** dev (laptop cluster, no cloud), staging or prod. */
  environment: z.enum(["dev", "staging", "prod"]),
  /** Kubernetes namespace for Harbor and its backends. Default: harbor. */
  namespace: dnsLabel.default(harborPlatformDefaults.namespace),
  /** Harbor's external URL (https). */
  externalUrl: urlField({ https: true, hostOnly: true, example: "https://harbor.example.com" }),
  /** Registry data expected, in GB: storage must offer 3x this. Default: none (headroom rule not applied). */
  expectedDataGb: capacityGib.optional(),
  /** High-throughput workload: raises the per-instance memory floor to 32 GiB. Default: false. */
  highThroughput: z.boolean().default(harborPlatformDefaults.highThroughput),
  /** Availability zones to spread over. Default: [] (no zone spread, e.g. a laptop cluster). */
  zones: checked(z.array(z.string().min(1)), (zs) => {
    const twice = [...new Set(zs.filter((z1, i) => zs.indexOf(z1) !== i))];
    return twice.length
      ? `lists ${twice.map((d) => `"${d}"`).join(", ")} more than once; a zone counts once, so the stack would spread over ${new Set(zs).size} zone(s), not ${zs.length}. Fix: list each zone once, e.g. [eu-west-1a, eu-west-1b, eu-west-1c]`
      : undefined;
  }).default([]),
  /** Harbor admin password (secret). Default: generated. */
  adminPassword: secretString(8).optional(),
  /** The EKS cluster: an existing one (name, node role, subnets, OIDC) or `create`, and its add-ons. Default: none. */
  cluster: clusterSchema({
    iamArn,
    httpsUrl: (example) => urlField({ https: true, example }),
    cidr,
  }).optional(),
  /** EKS managed node groups for the app and db tiers. Default: none (bring your own nodes). */
  nodePools: z.strictObject({ app: nodePool, db: nodePool }).optional(),
  postgres: postgres.prefault({}),
  /** The database's backups and restore (stacks/configBackups.ts). Default: none (no backups; a policy flags it). */
  backups: backupsSchema.optional(),
  redis: redis.prefault({}),
  harbor: harbor.prefault({}),
  storage: storage,
  /** The SSD StorageClass every claim names. Default: harbor-ssd, gp3 on the EBS CSI driver, created here. */
  storageClass: storageClassSchema(k8sName),
  /** Harbor's alias record in Route53. Default: none (your own DNS points the name at the load balancer). */
  dns: dnsSchema,
  tls: tls.prefault({}),
  edge: edge.prefault({}),
  replication: replication.prefault({}),
  /** Harbor projects with their scan and signing policy. Default: []. */
  projects: z.array(project).default([]),
  /** Harbor operations: schedules, retention, immutable tags, proxy caches, OIDC. Default: none. */
  operations: operations.prefault({}),
  /** Admission policies in the cluster: registry allowlist, signature verification. Default: none. */
  admission: admissionConfig.optional(),
  /** Metrics, alert rules and dashboards. Default: off. */
  observability: observabilitySchema.prefault({}),
  /**
   * How the stack's own API resources reach Harbor: a private CA to trust (PEM; dev's self-signed CA is
   * passed by the stack itself), the explicit insecure opt-in, one bound per request. Default: public roots.
   */
  harborApi: z
    .strictObject({
      caBundle: z
        .string()
        .refine((v) => /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(v), {
          message: "is not a PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)",
        })
        .optional(),
      insecure: z.boolean().optional(),
      requestTimeoutSeconds: positiveInt.optional(),
    })
    .optional(),
  /** AWS cost-allocation tags added to project/stack/environment on every AWS resource. Default: {}. */
  tags: tagsSchema.default({}),
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

/** The parts of a zod schema's definition that key suggestions walk through. */
interface SchemaNode {
  def?: {
    type?: string;
    innerType?: SchemaNode;
    in?: SchemaNode;
    element?: SchemaNode;
    options?: SchemaNode[];
    shape?: Record<string, SchemaNode>;
    values?: unknown[];
  };
}

/** Through optional/default/prefault/nullable/pipe wrappers to the schema they wrap. */
function unwrapSchema(schema: SchemaNode | undefined): SchemaNode | undefined {
  while (schema?.def && ["optional", "default", "prefault", "nullable", "pipe"].includes(schema.def.type ?? ""))
    schema = schema.def.innerType ?? schema.def.in;
  return schema;
}

/** The member of a discriminated union whose `type` literal is `type`. */
function unionMember(schema: SchemaNode | undefined, type: unknown): SchemaNode | undefined {
  return schema?.def?.options?.find((o) => o.def?.shape?.type?.def?.values?.includes(type));
}

function child(v: unknown, p: PropertyKey): unknown {
  return v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined;
}

/** Known keys of the (strict) object schema found at `path`, for suggestions. */
function knownKeysAt(path: PropertyKey[], raw: unknown): string[] {
  let schema: SchemaNode | undefined = stackConfigSchema as unknown as SchemaNode;
  let value: unknown = raw;
  for (const p of path) {
    schema = unwrapSchema(schema);
    if (schema?.def?.type === "array") schema = schema.def.element;
    else if (schema?.def?.type === "union")
      schema = unionMember(schema, child(value, "type"))?.def?.shape?.[p as string];
    else schema = schema?.def?.shape?.[p as string];
    value = child(value, p);
  }
  schema = unwrapSchema(schema);
  if (schema?.def?.type === "union") schema = unionMember(schema, child(value, "type"));
  return schema?.def?.shape ? Object.keys(schema.def.shape) : [];
}

/** A credential in a URL: `scheme://user[:password]@host`. */
const URL_WITH_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^\s/?#@]*@/i;

/** A value for a message: secrets and URL credentials are never shown. */
function describe(v: unknown, secret = false): string {
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "a map";
  if (secret) return `the (secret) ${typeof v}`;
  if (typeof v === "string" && URL_WITH_CREDENTIALS.test(v))
    return `string ${JSON.stringify(v.replace(/(:\/\/)[^\s/?#@]*@/gi, "$1<credentials>@"))}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function boundText(inclusive: boolean | undefined, below: boolean, n: unknown): string {
  return below
    ? `${inclusive === false ? "greater than" : "at least"} ${n}`
    : `${inclusive === false ? "less than" : "at most"} ${n}`;
}

function issueToProblem(issue: z.core.$ZodIssue, raw: Record<string, unknown>, secretPaths: Set<string>): string[] {
  const at = (extra: PropertyKey[] = []) => keyName([...issue.path, ...extra]);
  const valueAt = issue.path.reduce<unknown>((v, p) => child(v, p), raw);
  const shown = describe(valueAt, secretPaths.has(at()));
  const unit = (origin: string) => (origin === "array" ? " entries" : origin === "string" ? " characters" : "");
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => {
        const guess = closestName(k, knownKeysAt(issue.path, raw), 2);
        return `${at([k])}: unknown key. Fix: ${guess ? `did you mean "${guess}"? Rename it` : "remove it"}${issue.path.length === 0 ? "" : ` (known keys here: ${knownKeysAt(issue.path, raw).join(", ")})`}.`;
      });
    case "invalid_type": {
      const expected =
        { int: "whole number", array: "list", object: "map" }[issue.expected as string] ?? issue.expected;
      if (valueAt === undefined)
        return [`${at()}: required, but not set. Fix: set ${at()} (a ${expected}) in the stack's config.`];
      return [`${at()}: expected a ${expected}, got ${shown}. Fix: set ${at()} to a ${expected}.`];
    }
    case "invalid_value":
      return [
        `${at()}: ${shown} is not allowed. Fix: set it to one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}.`,
      ];
    case "invalid_union":
      if ((issue as { note?: string }).note === "No matching discriminator" || "discriminator" in issue) {
        const typeKey = issue.path[issue.path.length - 1] === "type" ? at() : at(["type"]);
        const typeValue = issue.path[issue.path.length - 1] === "type" ? valueAt : child(valueAt, "type");
        return [
          `${typeKey}: ${describe(typeValue, secretPaths.has(typeKey))} is not a known type. Fix: set it to one of "s3", "s3-compatible", "efs", "nfs", "filesystem".`,
        ];
      }
      return [`${at()}: ${issue.message}. Fix: check the value against README's configuration reference.`];
    case "too_small": {
      const bound = boundText(issue.inclusive, true, issue.minimum);
      return [
        `${at()}: ${shown} is too small: it must be ${bound}${unit(issue.origin)}. Fix: set ${at()} to ${bound}${unit(issue.origin)}.`,
      ];
    }
    case "too_big": {
      const bound = boundText(issue.inclusive, false, issue.maximum);
      const why = issue.message.startsWith("Too big") ? "" : ` (${issue.message})`;
      return [
        `${at()}: ${shown} is too big: it must be ${bound}${unit(issue.origin)}${why}. Fix: set ${at()} to ${bound}${unit(issue.origin)}.`,
      ];
    }
    case "custom":
      // A list or map is named by its key alone; a scalar is shown (unless secret).
      return [
        `${at()}: ${valueAt !== null && typeof valueAt === "object" ? "" : `${shown} `}${issue.message.replace(/\.?$/, ".")}`,
      ];
    default:
      return [`${at()}: ${shown} ${issue.message.replace(/^Invalid input: /, "")}. Fix: correct ${at()}.`];
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
  /** Whether a full key is secret in the stack's config (Pulumi knows this per top-level key only). */
  isSecret: (fullKey: string) => boolean;
  /**
   * Per top-level key, the full paths of its encrypted (`secure:`) leaves, as the stack's config file
   * shows them. A secret key missing here has unknown leaves: its credential and may-be-secret leaves
   * (SECRET_REQUIRED, SECRET_ALLOWED) are then taken as encrypted, and the others as plain. Default: none.
   */
  encryptedLeaves?: Record<string, string[]>;
}

/** Namespaces of the providers this program uses: their keys are theirs, not ours. */
export const PROVIDER_NAMESPACES = ["aws", "kubernetes", "random", "pulumi"];

/** Where each top-level and nested key name lives, for "did you mean" on a bare key. */
function keyHomes(name: string): string[] {
  const out: string[] = [];
  const walk = (node: SchemaNode | undefined, path: string[]): void => {
    const schema = unwrapSchema(node);
    if (schema?.def?.type === "array") return walk(schema.def.element, path);
    const shapes =
      schema?.def?.type === "union" ? (schema.def.options ?? []).map((o) => o.def?.shape) : [schema?.def?.shape];
    for (const shape of shapes)
      for (const [k, v] of Object.entries(shape ?? {})) {
        if (k === name) out.push([...path, k].join("."));
        if (path.length < 2) walk(v, [...path, k]);
      }
  };
  walk(stackConfigSchema as unknown as SchemaNode, []);
  return [...new Set(out)];
}

/** Keys outside our namespace that are not a provider's: bare keys and misspelt namespaces. */
function namespaceProblems(values: Record<string, string>): string[] {
  const out: string[] = [];
  for (const fullKey of Object.keys(values)) {
    const colon = fullKey.indexOf(":");
    const ns = colon < 0 ? "" : fullKey.slice(0, colon);
    const key = colon < 0 ? fullKey : fullKey.slice(colon + 1);
    if (ns === NAMESPACE || PROVIDER_NAMESPACES.includes(ns)) continue;
    const homes = keyHomes(key.split(/[.[]/)[0]).map((h) => `${NAMESPACE}:${h}`);
    const guess = homes.length ? homes.map((h) => `"${h}"`).join(" or ") : `"${NAMESPACE}:${key}"`;
    if (colon < 0)
      out.push(
        `${fullKey}: a key without a namespace, which harbor-ha never reads. Fix: did you mean ${guess}? Write it with its namespace.`,
      );
    else if (closestName(ns, [NAMESPACE], 2))
      out.push(`${fullKey}: unknown namespace "${ns}". Fix: did you mean ${guess}? Rename it.`);
    else
      out.push(
        `${fullKey}: unknown namespace "${ns}"; this program reads ${NAMESPACE}: keys and its providers' (${PROVIDER_NAMESPACES.map((p) => `${p}:`).join(", ")}). Fix: remove it, or rename it to a ${NAMESPACE}: key.`,
      );
  }
  return out;
}

/** Every leaf (scalar) of a value, with its path. */
function leaves(v: unknown, path: PropertyKey[] = []): [PropertyKey[], unknown][] {
  if (Array.isArray(v)) return v.flatMap((e, i) => leaves(e, [...path, i]));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, e]) => leaves(e, [...path, k]));
  return [[path, v]];
}

/** Where a credential in a URL should go instead, by the key's last name. */
const CREDENTIAL_HOME: Record<string, string> = {
  externalUrl: `Harbor's admin password is ${NAMESPACE}:adminPassword (secret)`,
  url: "give the endpoint's credential as accessKey and accessSecret (secret)",
  regionEndpoint: "the S3 keys belong in the Kubernetes Secret named by credentialsSecretName",
  acmeServer: "an ACME directory takes no credential in its URL",
};

interface SecretLeaves {
  problems: string[];
  /** Full paths whose value must never be shown. */
  secretPaths: Set<string>;
  /** Paths (segments) of encrypted values allowed to stay secret: wrapped in `pulumi.secret`. */
  keepSecret: PropertyKey[][];
  /** The values themselves, scrubbed from every message. */
  secretValues: string[];
}

/** Per-leaf secrecy: which leaves the user encrypted, which must be, and which cannot stay secret. */
function secretLeaves(raw: Record<string, unknown>, source: ConfigSource): SecretLeaves {
  const out: SecretLeaves = { problems: [], secretPaths: new Set(), keepSecret: [], secretValues: [] };
  const encrypted = new Set<string>();
  const unknownKeys = new Set<string>();
  for (const [key, value] of Object.entries(raw)) {
    const full = `${NAMESPACE}:${key}`;
    if (!source.isSecret(full)) continue;
    if (value === null || typeof value !== "object") encrypted.add(full);
    else if (source.encryptedLeaves?.[full]) source.encryptedLeaves[full].forEach((p) => encrypted.add(p));
    else unknownKeys.add(full);
  }
  for (const [path, value] of leaves(raw)) {
    const full = keyName(path);
    const required = SECRET_REQUIRED.some((p) => matches(p, path));
    const allowed = SECRET_ALLOWED.some((p) => matches(p, path));
    const isEncrypted = encrypted.has(full) || (unknownKeys.has(keyName(path.slice(0, 1))) && (required || allowed));
    if (required || isEncrypted) {
      out.secretPaths.add(full);
      if (value !== null && value !== undefined && String(value).length >= 3) out.secretValues.push(String(value));
    }
    if (required && !isEncrypted)
      out.problems.push(
        `${full}: is a secret but is stored in plain text. Fix: run \`pulumi config set --secret --path '${full}' <value>\` so it is encrypted.`,
      );
    else if (isEncrypted && allowed) out.keepSecret.push(path);
    else if (isEncrypted && !required) {
      const why =
        PLAIN_USES.find(([p]) => matches(p, path))?.[1] ??
        "harbor-ha uses it in plain text (resource names, Helm values, the plan), where it would be shown";
      out.problems.push(
        `${full}: is encrypted (secure:), but ${why}. Fix: it is not a credential: store it in plain with \`pulumi config set --path '${full}' <value>\`, or leave it out.`,
      );
    }
    if (typeof value === "string" && URL_WITH_CREDENTIALS.test(value) && !out.secretPaths.has(full)) {
      const home = CREDENTIAL_HOME[String(path[path.length - 1])] ?? "keep credentials in secret config values";
      out.problems.push(
        `${full}: has a user name or password in a URL ("user:password@" before the host), which would be copied into Helm values, stack outputs and the plan. Fix: remove it from the URL; ${home}.`,
      );
    }
  }
  return out;
}

/** Removes every secret value from a message (a last guard: messages are written not to hold them). */
function scrub(message: string, secretValues: string[]): string {
  let out = message;
  for (const v of [...secretValues].sort((a, b) => b.length - a.length)) out = out.split(v).join("[secret]");
  return out;
}

function setAt(o: unknown, path: PropertyKey[], f: (v: unknown) => unknown): void {
  const parent = path.slice(0, -1).reduce<unknown>((v, p) => child(v, p), o) as Record<PropertyKey, unknown>;
  const last = path[path.length - 1];
  if (parent && typeof parent === "object" && parent[last] !== undefined) parent[last] = f(parent[last]);
}

/** Parses and checks the whole stack config; throws one {@link StackConfigError} listing every problem. */
export function parseStackConfig(source: ConfigSource): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(source.values)) {
    const colon = fullKey.indexOf(":");
    if (colon < 0 || fullKey.slice(0, colon) !== NAMESPACE) continue;
    const key = fullKey.slice(colon + 1);
    raw[key] = decode(key, value);
  }
  const problems: string[] = namespaceProblems(source.values);
  const secrets = secretLeaves(raw, source);
  problems.push(...secrets.problems);
  // One parse per process: zod's eval-compiled fast path would cost more to generate than it saves.
  const result = stackConfigSchema.safeParse(raw, { jitless: true });
  if (!result.success)
    for (const issue of result.error.issues) problems.push(...issueToProblem(issue, raw, secrets.secretPaths));
  if (result.success)
    problems.push(
      ...crossFieldProblems(result.data),
      ...clusterConfigProblems(result.data, source.values["aws:region"], {
        encryptedName: secrets.keepSecret.some((p) => p.join(".") === "cluster.name"),
      }),
      ...awsProblems(result.data, source.values, NAMESPACE),
    );
  if (problems.length > 0)
    throw new StackConfigError(
      source.stack,
      problems.map((p) => scrub(p, secrets.secretValues)),
    );
  for (const path of secrets.keepSecret) setAt(result.data, path, (v) => pulumi.secret(v));
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
  if (c.harbor.maxIdleConns > c.harbor.maxOpenConns)
    out.push(
      `${k("harbor.maxIdleConns")}: ${c.harbor.maxIdleConns} is more than ${k("harbor.maxOpenConns")} (${c.harbor.maxOpenConns}); Go's database/sql never keeps more idle connections than open ones, so the setting would silently shrink. Fix: set it to at most ${c.harbor.maxOpenConns}.`,
    );
  // Harbor's pools against what PostgreSQL and the member's memory accept: the data tier's own budget
  // function, asked here so that the refusal names the stack keys and comes before any resource.
  const r = c.harbor.replicas;
  for (const p of connectionBudgetProblems({
    pools: [
      ...harborDatabasePools({
        replicas: { core: r, jobservice: r, exporter: r },
        metrics: c.harbor.metrics,
        maxOpenConns: c.harbor.maxOpenConns,
      }),
      ...postgresExporterPools(c.postgres.members, c.observability.enabled),
    ],
    members: c.postgres.members,
    memoryGi: c.postgres.memoryGi,
  }))
    out.push(`${k("harbor.maxOpenConns")}: ${p.problem}. Fix: ${p.fix}.`);
  if (c.nodePools && !c.cluster)
    out.push(
      `${k("cluster")}: required when ${k("nodePools")} is set (node groups join an existing EKS cluster). Fix: set ${k("cluster")} to { name, nodeRoleArn, subnets }.`,
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
  const rwo =
    c.storage.type === "filesystem"
      ? readWriteOnceSharingViolation({
          registryReplicas: c.harbor.replicas,
          subject: '"filesystem"',
          replicasKey: k("harbor.replicas"),
        })
      : undefined;
  if (rwo) out.push(`${k("storage.type")}: ${rwo.problem}. Fix: ${rwo.fix}.`);
  out.push(...edgeProblems(c), ...storageClassProblems(c), ...dnsProblems(c));
  out.push(...admissionProblems(c.admission, { ...c, key: k }));
  out.push(...backupsProblems(c.backups, c.environment, c.cluster, k));
  out.push(...operationsProblems(c, NAMESPACE));
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
  const calls = stackApiCalls(c);
  for (const p of edgeLockoutProblems({
    host: url.hostname,
    adminAllowlist: c.edge.adminAllowlist,
    operatorCidrs: c.edge.operatorCidrs,
    calls,
    internetFacing: c.edge.exposure !== "nodePort" && !c.edge.internal,
  }))
    out.push(
      `${k(`edge.${p.path}`)}: ${p.problem}. Fix: ${p.fix.replace(/\b(adminAllowlist|operatorCidrs)\b/g, (m) => k(`edge.${m}`))}.`,
    );
  return out;
}

/**
 * Reads the running stack's config through the Pulumi runtime (works under `pulumi up` and the offline
 * engine). Which leaves are encrypted comes from the stack's config file: `$HARBOR_HA_STACK_CONFIG_FILE`,
 * else `stacks/Pulumi.<stack>.yaml` beside this program (Pulumi.yaml's `stackConfigDir`).
 */
export function loadStackConfig(): StackConfig {
  const stack = pulumi.getStack();
  const values = pulumi.runtime.allConfig();
  const isSecret = (key: string) => runtimeConfig.isConfigSecret(key);
  const received: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(values)) {
    const key = fullKey.slice(fullKey.indexOf(":") + 1);
    received[fullKey] = fullKey.startsWith(`${NAMESPACE}:`) ? decode(key, value) : value;
  }
  const file = process.env[STACK_CONFIG_FILE_ENV] || path.join(__dirname, `Pulumi.${stack}.yaml`);
  const encryptedLeaves = /^[A-Za-z0-9_.-]+$/.test(stack) ? encryptedLeavesFromFile(file, received) : undefined;
  return parseStackConfig({ stack, values, isSecret, encryptedLeaves });
}
