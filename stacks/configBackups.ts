/**
 * Stack config of the database's backups and restore (`harbor-ha:backups`), and its mapping onto
 * PatroniCluster's `backup`/`restore` Args. Defaults and rules come from the data tier
 * (components/postgres/walgBackup.ts), never copies. Imported by stacks/config.ts.
 */
import { z } from "zod";
import { bucketNameProblem, PatroniBackupArgs, patroniBackupDefaults, PatroniRestoreArgs } from "../components";
import { targetTimeProblem } from "../components/postgres/walgBackup";
import { DNS_LABEL } from "../components/conventions";

const withProblem = <T extends z.ZodType>(schema: T, problem: (v: z.output<T>) => string | undefined) =>
  schema.superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: "custom", message: p });
  });

const bucket = withProblem(z.string(), bucketNameProblem);
const httpsEndpoint = withProblem(z.string(), (v) =>
  /^https:\/\/[^/\s]+\/?$/.test(v)
    ? undefined
    : `is not an https://host[:port] endpoint. Fix: serve the S3-compatible store over TLS, e.g. https://minio.example.com`,
);
const dnsLabel = z.string().regex(DNS_LABEL, "must be a DNS label (lowercase letters, digits, '-')");
const cron = withProblem(z.string(), (v) =>
  /^\s*\S+(\s+\S+){4}\s*$/.test(v)
    ? undefined
    : `is not a 5-field cron (minute hour day month weekday). Fix: e.g. "${patroniBackupDefaults.schedule}"`,
);
const targetTime = withProblem(z.string(), (v) => {
  const why = targetTimeProblem(v);
  return why ? `${why.problem}. Fix: ${why.fix}` : undefined;
});

export const backupsSchema = z.strictObject({
  /** Continuous archiving and daily base backups. false only in dev (a policy advises against it). Default: true. */
  enabled: z.boolean().default(true),
  /** Days of base backups kept (and of deleted backups kept as noncurrent versions). Default: 7. */
  retentionDays: z
    .number()
    .int()
    .min(1, "must keep at least 1 day of backups (7 or more in staging and prod)")
    .default(patroniBackupDefaults.retentionDays),
  /** Base backup cron (UTC, 5 fields). Default: `0 1 * * *`. */
  schedule: cron.default(patroniBackupDefaults.schedule),
  /** archive_timeout in seconds: the RPO bound when writes are rare. Default: 60. */
  archiveTimeoutSeconds: z.number().int().positive().default(patroniBackupDefaults.archiveTimeoutSeconds),
  /** `s3`: a hardened bucket and IRSA role made here (needs cluster.oidcProviderArn/oidcIssuerUrl); `s3-compatible`: an existing store. Default: s3. */
  target: z.enum(["s3", "s3-compatible"]).default("s3"),
  /** Bucket name (s3: created; s3-compatible: existing, required). Default: generated (s3). */
  bucketName: bucket.optional(),
  /** SSE-KMS with a dedicated key (s3). Default: true. */
  kms: z.boolean().default(patroniBackupDefaults.kms),
  /** The S3-compatible endpoint (s3-compatible). */
  endpoint: httpsEndpoint.optional(),
  /** The S3-compatible store's region (s3-compatible). */
  region: z.string().min(1).optional(),
  /** Existing Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (s3-compatible). */
  credentialsSecretName: dnsLabel.optional(),
  /** Path-style addressing (s3-compatible). Default: true. */
  forcePathStyle: z.boolean().optional(),
  /** Bootstrap the database from an archive (a new cluster only). Default: none. */
  restore: z
    .strictObject({
      /** The archive: bucket and source cluster name (its scope, e.g. `harbor-db`). */
      source: z
        .strictObject({
          bucket: bucket,
          scope: dnsLabel,
          region: z.string().min(1).optional(),
          endpoint: httpsEndpoint.optional(),
          credentialsSecretName: dnsLabel.optional(),
        })
        .optional(),
      /** RFC 3339 time to recover to (not included). Default: the latest point. */
      targetTime: targetTime.optional(),
    })
    .optional(),
});

export type BackupsConfig = z.output<typeof backupsSchema>;

interface ClusterOidc {
  /** Set when the stack creates the cluster: its OIDC provider comes from there. */
  create?: unknown;
  oidcProviderArn?: string;
  oidcIssuerUrl?: string;
}

/** Rules spanning keys; each problem reads `<key>: <what is wrong>. Fix: <how>.`. */
export function backupsProblems(
  b: BackupsConfig | undefined,
  environment: string,
  cluster: ClusterOidc | undefined,
  k: (p: string) => string,
): string[] {
  if (!b) return [];
  const out: string[] = [];
  if (b.restore && !b.restore.source)
    out.push(
      `${k("backups.restore.source")}: a restore needs the archive to restore from. Fix: set ${k("backups.restore.source")} to { bucket: <backup bucket>, scope: <source cluster, e.g. harbor-db> }.`,
    );
  if (!b.enabled) return out;
  if (b.target === "s3") {
    if (environment === "dev")
      out.push(
        `${k("backups.target")}: "s3" needs an AWS account, which dev does not have. Fix: use "s3-compatible" (a local MinIO) or set ${k("backups.enabled")} to false in dev.`,
      );
    // A cluster the stack creates brings its own OIDC provider (the platform passes it on).
    else if (!cluster?.create && (!cluster?.oidcProviderArn || !cluster.oidcIssuerUrl))
      out.push(
        `${k("backups.target")}: "s3" gives the database an IAM role through IRSA, which needs the cluster's OIDC provider. Fix: set ${k("cluster.oidcProviderArn")} and ${k("cluster.oidcIssuerUrl")}.`,
      );
  } else
    for (const key of ["bucketName", "endpoint", "region", "credentialsSecretName"] as const)
      if (!b[key])
        out.push(
          `${k(`backups.${key}`)}: required when ${k("backups.target")} is "s3-compatible". Fix: set it (the existing store's ${key}).`,
        );
  return out;
}

/** PatroniCluster's backup/restore Args from the stack config (undefined: off). */
export function backupArgs(
  b: BackupsConfig | undefined,
  cluster: ClusterOidc | undefined,
): { backup?: PatroniBackupArgs; restore?: PatroniRestoreArgs } {
  if (!b) return {};
  const restore: PatroniRestoreArgs | undefined =
    b.restore?.source !== undefined ? { source: b.restore.source, targetTime: b.restore.targetTime } : undefined;
  if (!b.enabled) return { restore };
  const target: PatroniBackupArgs["target"] =
    b.target === "s3"
      ? {
          kind: "aws",
          bucketName: b.bucketName,
          kms: b.kms,
          oidcProviderArn: cluster?.oidcProviderArn,
          oidcIssuerUrl: cluster?.oidcIssuerUrl,
        }
      : {
          kind: "s3-compatible",
          bucket: b.bucketName!,
          endpoint: b.endpoint!,
          region: b.region!,
          credentialsSecretName: b.credentialsSecretName!,
          forcePathStyle: b.forcePathStyle,
        };
  return {
    backup: {
      target,
      retentionDays: b.retentionDays,
      schedule: b.schedule,
      archiveTimeoutSeconds: b.archiveTimeoutSeconds,
    },
    restore,
  };
}
