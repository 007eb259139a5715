/**
 * Continuous archiving, base backups and restore of a PatroniCluster through the WAL-G that the pinned
 * Spilo image ships (Spilo 4.0-p2: `ENV WALG_VERSION=v3.0.3`, postgres-appliance/Dockerfile). Pure: Args
 * in, environment variables and problems out. Every variable set here is one `configure_spilo.py` of that
 * tag reads (test/fixtures/upstream/spilo-4.0-p2/facts.json, key "walg", quotes each with its line), and
 * every WAL-G setting Spilo hands on is one WAL-G v3.0.3 documents
 * (test/fixtures/upstream/wal-g-v3.0.3/settings.json); test/backups.spec.ts checks both.
 *
 * How Spilo turns these into WAL-G's configuration: `configure_spilo.py` writes the WAL-G settings into an
 * envdir (`/run/etc/wal-e.d/env`), sets `archive_command` to `envdir <dir> wal-g wal-push "%p"` (instead of
 * `/bin/true`) when a WAL bucket or prefix is set, installs a cron line `BACKUP_SCHEDULE envdir <dir>
 * /scripts/postgres_backup.sh` (base backup + retention), and uses `wal-g wal-fetch` as restore_command.
 * Spilo's Patroni runs with an emptied environment (runit/patroni/run unsets all but a few variables), so
 * only what Spilo writes into the envdir reaches WAL-G.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ArgsChecker } from "../conventions/validation";
import { bucketNameProblem } from "../conventions/s3Bucket";
import { BACKUP_RULES, cronMaxIntervalSeconds } from "./backupFacts";

/** Where the projected service-account token for IRSA is mounted (the EKS webhook's path, set here explicitly). */
export const IRSA_TOKEN_DIR = "/var/run/secrets/eks.amazonaws.com/serviceaccount";
export const IRSA_TOKEN_FILE = `${IRSA_TOKEN_DIR}/token`;
/** WAL-G reads `$HOME/.walg.json` (viper, internal/config/config.go ReadConfigFromFile); Spilo's HOME is this. */
export const WALG_CONFIG_FILE = "/home/postgres/.walg.json";

/** A backup target: an AWS bucket created here (IRSA), or an existing S3-compatible store (a Secret). */
export type BackupTarget =
  | {
      /** A hardened bucket, KMS key and IAM role (IRSA on the members' ServiceAccount) created here. */
      kind: "aws";
      /** Bucket name. Default: generated from the cluster's name. */
      bucketName?: string;
      /** SSE-KMS with a dedicated key (true) or SSE-S3 AES256 (false). Default: true. */
      kms?: boolean;
      /** Delete the bucket with its backups on `pulumi destroy`. Default: false. */
      forceDestroy?: boolean;
      /**
       * The cluster's IAM OIDC provider (from the stack config, or the cluster created with the stack).
       * Default: none, and required: HarborPlatform fills it in from the cluster it creates (`cluster.create`).
       */
      oidcProviderArn?: pulumi.Input<string>;
      /** The cluster's OIDC issuer URL. Default: none, and required (filled in like oidcProviderArn). */
      oidcIssuerUrl?: pulumi.Input<string>;
    }
  | {
      /** An existing S3-compatible store (MinIO, Ceph RGW, ...): nothing is created in AWS. */
      kind: "s3-compatible";
      /** The existing bucket. */
      bucket: string;
      /** The endpoint, `https://host[:port]`. */
      endpoint: string;
      /** Region the endpoint expects. */
      region: string;
      /** Path-style addressing (`https://host/bucket/key`), as most S3-compatible stores need. Default: true. */
      forcePathStyle?: boolean;
      /** Existing Secret in the cluster's namespace with keys `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`. */
      credentialsSecretName: string;
    };

/** Continuous archiving and base backups. */
export interface PatroniBackupArgs {
  /** Where backups go. */
  target: BackupTarget;
  /** Days of base backups kept (Spilo's BACKUP_NUM_TO_RETAIN, read by postgres_backup.sh as days). Default: 7. */
  retentionDays?: number;
  /** Base backup schedule, a 5-field cron in UTC (Spilo's BACKUP_SCHEDULE). Default: `0 1 * * *`. */
  schedule?: string;
  /**
   * archive_timeout, seconds: a WAL segment is archived at least this often when there are writes, which
   * bounds the data lost with the whole cluster (RPO) when writes are rare. Default: 60.
   */
  archiveTimeoutSeconds?: number;
}

/** Where a restore reads from: another (or this) cluster's archive. */
export interface RestoreSource {
  /** The bucket holding the archive. */
  bucket: string;
  /** The source cluster's name (its Patroni scope: the archive lives under `spilo/<scope>/wal/<major>/`). */
  scope: string;
  /** The bucket's region. Default: the backup target's region (AWS) or `us-east-1`. */
  region?: pulumi.Input<string>;
  /** An S3-compatible endpoint (https). Default: none (AWS S3). */
  endpoint?: string;
  /** Secret with `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` for the source. Default: none (the members' IRSA role). */
  credentialsSecretName?: string;
}

/** Bootstrap a new cluster from an archive instead of an empty database (Spilo's clone with WAL-E/WAL-G). */
export interface PatroniRestoreArgs {
  /** The archive to restore from. */
  source: RestoreSource;
  /**
   * Recover up to this time, RFC 3339 with a zone (e.g. `2026-12-01T09:59:00Z`), not included; the newest
   * base backup before it is fetched. Default: none (the newest backup and all archived WAL: the latest point).
   */
  targetTime?: string;
}

/** Defaults of {@link PatroniBackupArgs} (stack config and policies import these, never copies). */
export const patroniBackupDefaults = {
  retentionDays: BACKUP_RULES.minRetentionDays,
  /** Spilo's own default (configure_spilo.py `setdefault('BACKUP_SCHEDULE', '0 1 * * *')`). */
  schedule: "0 1 * * *",
  archiveTimeoutSeconds: BACKUP_RULES.maxArchiveTimeoutSeconds,
  kms: true,
  forceDestroy: false,
  forcePathStyle: true,
  /** Incomplete multipart uploads of WAL-G are aborted after this many days. */
  abortIncompleteMultipartDays: 7,
};

/** An RFC 3339 date-time with a zone (what clone_with_wale.py requires: "must contain a timezone"). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** What is wrong with a restore target time, or undefined. `now` is injectable for tests. */
export function targetTimeProblem(t: string, now: Date = new Date()): { problem: string; fix: string } | undefined {
  const ms = Date.parse(t);
  if (!RFC3339.test(t) || Number.isNaN(ms))
    return {
      problem: `"${t}" is not an RFC 3339 date-time with a zone`,
      fix: 'write it like "2026-12-01T09:59:00Z" (UTC) or "2026-12-01T10:59:00+01:00"',
    };
  if (ms > now.getTime())
    return {
      problem: `${t} is in the future (now is ${now.toISOString()}): recovery would stop at the end of the archive, not at it`,
      fix: "give a time in the past, or omit targetTime to restore to the latest point",
    };
  return undefined;
}

/** A 5-field cron as Spilo writes it into the crontab, that runs at least twice (the backup-age check reads its interval). */
function cronProblem(c: string): string | undefined {
  return cronMaxIntervalSeconds(c) !== undefined
    ? undefined
    : `"${c}" is not a 5-field cron (minute hour day month weekday) that runs repeatedly`;
}

/**
 * Every problem of backup/restore Args, each with its path under `prefix`, recorded in `check`. The stack
 * config asks the same rules (stacks/configBackups.ts), so the messages agree.
 */
export function checkBackupArgs(
  check: ArgsChecker,
  backup: PatroniBackupArgs | undefined,
  restore: PatroniRestoreArgs | undefined,
  now: Date = new Date(),
): void {
  if (backup) {
    const d = patroniBackupDefaults;
    const retention = backup.retentionDays ?? d.retentionDays;
    check.check(
      Number.isInteger(retention) && retention >= 1,
      "backup.retentionDays",
      `must be a whole number of days >= 1, got ${retention}`,
      "keep at least 1 day of base backups (7 or more outside dev)",
    );
    const timeout = backup.archiveTimeoutSeconds ?? d.archiveTimeoutSeconds;
    check.check(
      Number.isInteger(timeout) && timeout >= 1,
      "backup.archiveTimeoutSeconds",
      `must be a whole number of seconds >= 1, got ${timeout}`,
      "set it to 60 (the RPO bound when writes are rare)",
    );
    const cron = cronProblem(backup.schedule ?? d.schedule);
    check.check(!cron, "backup.schedule", cron ?? "", 'use a 5-field cron such as "0 1 * * *"');
    const t = backup.target;
    check.check(
      t?.kind !== "aws" || (!!t.oidcProviderArn && !!t.oidcIssuerUrl),
      "backup.target",
      "an AWS target gives the members an IAM role through IRSA, which needs the cluster's OIDC provider",
      "set backup.target.oidcProviderArn and oidcIssuerUrl (HarborPlatform does it for a cluster it creates)",
    );
    if (t?.kind === "aws" && t.bucketName !== undefined) {
      const why = bucketNameProblem(t.bucketName);
      check.check(!why, "backup.target.bucketName", `"${t.bucketName}" ${why?.split(". Fix: ")[0]}`, fixOf(why));
    }
    if (t?.kind === "s3-compatible") {
      const why = bucketNameProblem(t.bucket);
      check.check(!why, "backup.target.bucket", `"${t.bucket}" ${why?.split(". Fix: ")[0]}`, fixOf(why));
      check.check(
        /^https:\/\/[^/]+\/?$/.test(t.endpoint),
        "backup.target.endpoint",
        `must be https://host[:port], got "${t.endpoint}"`,
        "serve the S3-compatible endpoint over TLS",
      );
      check.check(!!t.region, "backup.target.region", "is empty", "give the region the endpoint expects");
      check.check(
        !!t.credentialsSecretName,
        "backup.target.credentialsSecretName",
        "is empty",
        "name a Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
      );
    }
    if (!t)
      check.check(false, "backup.target", "is missing", 'give { kind: "aws", ... } or { kind: "s3-compatible", ... }');
  }
  if (restore) {
    const s = restore.source;
    if (!s || !s.bucket || !s.scope)
      check.check(
        false,
        "restore.source",
        s ? "needs both bucket and scope" : "is missing: a restore needs the archive to restore from",
        "give restore.source = { bucket: <backup bucket>, scope: <source cluster name> }",
      );
    else {
      const why = bucketNameProblem(s.bucket);
      check.check(!why, "restore.source.bucket", `"${s.bucket}" ${why?.split(". Fix: ")[0]}`, fixOf(why));
      if (s.endpoint !== undefined)
        check.check(
          /^https:\/\/[^/]+\/?$/.test(s.endpoint),
          "restore.source.endpoint",
          `must be https://host[:port], got "${s.endpoint}"`,
          "serve the S3-compatible endpoint over TLS",
        );
    }
    if (restore.targetTime !== undefined) {
      const why = targetTimeProblem(restore.targetTime, now);
      check.check(!why, "restore.targetTime", why?.problem ?? "", why?.fix ?? "");
    }
  }
}

function fixOf(why: string | undefined): string {
  return why?.split(". Fix: ")[1] ?? "";
}

/** One container environment variable: a plain value or a reference to a Secret's key. */
export type EnvVar =
  | { name: string; value: pulumi.Input<string> }
  | { name: string; valueFrom: { secretKeyRef: { name: pulumi.Input<string>; key: string } } };

/** What the component knows once it has made the AWS side (the bucket and role), for the AWS target. */
export interface AwsBackupStore {
  bucket: pulumi.Input<string>;
  region: pulumi.Input<string>;
  roleArn: pulumi.Input<string>;
  /** SSE-KMS key ARN; undefined: SSE-S3 (AES256). */
  kmsKeyArn?: pulumi.Input<string>;
}

const secretRef = (name: string, secret: pulumi.Input<string>, key: string): EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

/**
 * The members' environment for continuous archiving and scheduled base backups (Spilo's names). The archive
 * lives at `s3://<bucket>/spilo/<scope>/wal/<major>/` (Spilo builds it from WAL_S3_BUCKET, an empty
 * WAL_BUCKET_SCOPE_PREFIX and SCOPE: configure_spilo.py write_wale_environment).
 */
export function renderBackupEnv(backup: PatroniBackupArgs, aws?: AwsBackupStore): EnvVar[] {
  const d = patroniBackupDefaults;
  const t = backup.target;
  const env: EnvVar[] = [
    { name: "USE_WALG_BACKUP", value: "true" },
    { name: "USE_WALG_RESTORE", value: "true" },
    { name: "BACKUP_SCHEDULE", value: backup.schedule ?? d.schedule },
    { name: "BACKUP_NUM_TO_RETAIN", value: String(backup.retentionDays ?? d.retentionDays) },
    // Without it Spilo prefixes the scope with "<namespace>-": one layout whatever the namespace.
    { name: "WAL_BUCKET_SCOPE_PREFIX", value: "" },
    // Every WAL segment must reach the archive once: WAL-G refuses to overwrite a different one.
    { name: "WALG_PREVENT_WAL_OVERWRITE", value: "true" },
  ];
  if (t.kind === "aws") {
    if (!aws) throw new Error("renderBackupEnv: the AWS target needs the bucket and role the component made");
    env.push(
      { name: "WAL_S3_BUCKET", value: aws.bucket },
      { name: "AWS_REGION", value: aws.region },
      ...irsaEnv("", aws.roleArn),
      ...(aws.kmsKeyArn
        ? [
            { name: "WALG_S3_SSE", value: "aws:kms" },
            { name: "WALG_S3_SSE_KMS_ID", value: aws.kmsKeyArn },
          ]
        : [{ name: "WALG_S3_SSE", value: "AES256" }]),
    );
  } else {
    env.push(
      { name: "WAL_S3_BUCKET", value: t.bucket },
      { name: "AWS_ENDPOINT", value: t.endpoint.replace(/\/$/, "") },
      // Spilo derives the addressing style from WALE_S3_ENDPOINT's "+path"/"+virtualhost" convention.
      {
        name: "WALE_S3_ENDPOINT",
        value: t.endpoint
          .replace(/\/$/, "")
          .replace("://", (t.forcePathStyle ?? d.forcePathStyle) ? "+path://" : "+virtualhost://"),
      },
      { name: "AWS_REGION", value: t.region },
      secretRef("AWS_ACCESS_KEY_ID", t.credentialsSecretName, "AWS_ACCESS_KEY_ID"),
      secretRef("AWS_SECRET_ACCESS_KEY", t.credentialsSecretName, "AWS_SECRET_ACCESS_KEY"),
    );
  }
  return env;
}

/**
 * IRSA for WAL-G: the role and the projected token (mounted by the component), plus regional STS.
 * WAL-G v3.0.3 calls sts:AssumeRole itself whenever AWS_ROLE_ARN is set and needs AWS_ROLE_SESSION_NAME
 * for it (wal-g#1810, fixed after 3.0.3 by wal-g#1906); Spilo does not hand that variable on, so it comes
 * from WAL-G's config file (`WALG_CONFIG_FILE`) and the role may assume itself (renderSelfAssumeStatement).
 */
function irsaEnv(prefix: string, roleArn: pulumi.Input<string>): EnvVar[] {
  return [
    { name: `${prefix}AWS_ROLE_ARN`, value: roleArn },
    { name: `${prefix}AWS_WEB_IDENTITY_TOKEN_FILE`, value: IRSA_TOKEN_FILE },
    { name: `${prefix}AWS_STS_REGIONAL_ENDPOINTS`, value: "regional" },
  ];
}

/** `$HOME/.walg.json`: the setting WAL-G v3.0.3 needs with IRSA and Spilo cannot pass (see irsaEnv). */
export function renderWalgConfigFile(scope: string): string {
  return JSON.stringify({ AWS_ROLE_SESSION_NAME: `${scope}-walg` });
}

/**
 * The members' environment to bootstrap from an archive (Spilo's CLONE_* settings, configure_spilo.py
 * get_placeholders and the TEMPLATE's clone_with_wale method): the newest base backup before the target
 * time, then WAL replayed up to it (recovery_target_inclusive false, promote), or to the end without one.
 */
export function renderRestoreEnv(restore: PatroniRestoreArgs, aws?: { roleArn?: pulumi.Input<string> }): EnvVar[] {
  const s = restore.source;
  const env: EnvVar[] = [
    { name: "CLONE_METHOD", value: "CLONE_WITH_WALE" },
    { name: "CLONE_SCOPE", value: s.scope },
    { name: "CLONE_WAL_S3_BUCKET", value: s.bucket },
    { name: "CLONE_WAL_BUCKET_SCOPE_PREFIX", value: "" },
    { name: "CLONE_USE_WALG_RESTORE", value: "true" },
    { name: "CLONE_AWS_REGION", value: s.region ?? "us-east-1" },
    // Spilo's template: recovery_target_inclusive false only when CLONE_TARGET_INCLUSIVE is empty.
    { name: "CLONE_TARGET_INCLUSIVE", value: "" },
  ];
  if (restore.targetTime) env.push({ name: "CLONE_TARGET_TIME", value: restore.targetTime });
  if (s.endpoint) env.push({ name: "CLONE_AWS_ENDPOINT", value: s.endpoint.replace(/\/$/, "") });
  if (s.credentialsSecretName)
    env.push(
      secretRef("CLONE_AWS_ACCESS_KEY_ID", s.credentialsSecretName, "AWS_ACCESS_KEY_ID"),
      secretRef("CLONE_AWS_SECRET_ACCESS_KEY", s.credentialsSecretName, "AWS_SECRET_ACCESS_KEY"),
    );
  else if (aws?.roleArn) env.push(...irsaEnv("CLONE_", aws.roleArn));
  return env;
}

/** WAL-G's least privilege on its bucket: list and locate, read/write/delete objects (retention), KMS. */
export function renderWalgS3Policy(
  bucketArn: string,
  kmsKeyArn: string | undefined,
  restoreBucketArns: string[] = [],
): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "WalgBucket", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [bucketArn] },
      {
        Sid: "WalgObjects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        Resource: [`${bucketArn}/*`],
      },
      ...(kmsKeyArn
        ? [{ Sid: "WalgKms", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: [kmsKeyArn] }]
        : []),
      ...(restoreBucketArns.length
        ? [
            {
              Sid: "RestoreSourceRead",
              Effect: "Allow",
              Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject"],
              Resource: restoreBucketArns.flatMap((a) => [a, `${a}/*`]),
            },
            // A source bucket encrypted with its own key: decrypt through S3 only.
            {
              Sid: "RestoreSourceKms",
              Effect: "Allow",
              Action: ["kms:Decrypt"],
              Resource: "*",
              Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
            },
          ]
        : []),
    ],
  };
}

/**
 * The trust statement that lets the role assume itself (WAL-G v3.0.3 calls sts:AssumeRole on AWS_ROLE_ARN
 * with the web-identity credentials of that same role, wal-g#1810). The principal is the account with a
 * condition on the role's own ARN: a role cannot name itself as principal before it exists.
 */
export function renderSelfAssumeStatement(oidcProviderArn: string, roleName: string): Record<string, unknown> {
  const [, partition, , , account] = oidcProviderArn.split(":");
  return {
    Sid: "WalgSelfAssume",
    Effect: "Allow",
    Principal: { AWS: `arn:${partition}:iam::${account}:root` },
    Action: "sts:AssumeRole",
    Condition: { ArnLike: { "aws:PrincipalArn": `arn:${partition}:iam::${account}:role/${roleName}` } },
  };
}

/**
 * Spilo's archive_command for a given environment, as configure_spilo.py (4.0-p2, lines 656-673) computes
 * it: WAL-G's wal-push when a WAL bucket or prefix is set and USE_WALG_BACKUP is true, `/bin/true` (WAL
 * thrown away) when nothing is. The model the tests hold the rendered environment against.
 */
export function spiloArchiveCommand(env: Record<string, string | undefined>): string {
  const autoRestore = ["WAL_S3_BUCKET", "WALE_S3_PREFIX", "WALG_S3_PREFIX", "WALG_AZ_PREFIX", "WALG_SSH_PREFIX"];
  const useWale = [
    ...autoRestore,
    "WAL_SWIFT_BUCKET",
    "WALE_SWIFT_PREFIX",
    "WAL_GCS_BUCKET",
    "WAL_GS_BUCKET",
    "WALE_GS_PREFIX",
    "WALG_GS_PREFIX",
  ].some((n) => !!env[n]);
  const walgSupported = [...autoRestore, "WAL_GS_BUCKET", "WALE_GS_PREFIX", "WALG_GS_PREFIX"].some((n) => !!env[n]);
  const useWalgBackup =
    String(env.USE_WALG_BACKUP ?? env.USE_WALG ?? "false").toLowerCase() === "true" && walgSupported;
  const envDir = env.WALE_ENV_DIR ?? "/run/etc/wal-e.d/env";
  return useWale ? `envdir "${envDir}" ${useWalgBackup ? "wal-g" : "wal-e"} wal-push "%p"` : "/bin/true";
}

/**
 * The cluster's Patroni configuration with archiving on: `archive_mode` and `archive_timeout` in
 * bootstrap.dcs (Spilo's own dcs default is `archive_timeout: 1800s`, TEMPLATE line 204; ours wins in its
 * deep_update, and the apply-dcs Job PATCHes it into a running cluster). Pure: returns a copy.
 */
export function withArchiving(config: Record<string, unknown>, archiveTimeoutSeconds: number): Record<string, unknown> {
  const copy = structuredClone(config) as {
    bootstrap: { dcs: { postgresql: { parameters: Record<string, unknown> } } };
  };
  Object.assign(copy.bootstrap.dcs.postgresql.parameters, {
    archive_mode: "on",
    archive_timeout: `${archiveTimeoutSeconds}s`,
  });
  return copy as unknown as Record<string, unknown>;
}

/**
 * The names `configure_spilo.py` (4.0-p2, write_wale_environment) writes into WAL-G's envdir for an S3
 * archive: `s3_names + walg_names`, plus WALE_LOG_DESTINATION, PGPORT and BACKUP_NUM_TO_RETAIN. Nothing
 * else of the pod's environment reaches WAL-G (Patroni's environment is emptied). test/backups.spec.ts
 * holds this list against the quoted source lists.
 */
export const SPILO_S3_ENVDIR_NAMES = [
  ...["WALE_S3_PREFIX", "WALG_S3_PREFIX", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "WALE_S3_ENDPOINT"],
  ...["AWS_ENDPOINT", "AWS_REGION", "AWS_INSTANCE_PROFILE", "WALE_DISABLE_S3_SSE", "WALG_S3_SSE_KMS_ID"],
  ...["WALG_S3_SSE", "WALG_DISABLE_S3_SSE", "AWS_S3_FORCE_PATH_STYLE", "AWS_ROLE_ARN"],
  ...["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_STS_REGIONAL_ENDPOINTS"],
  ...["WALG_DELTA_MAX_STEPS", "WALG_DELTA_ORIGIN", "WALG_DOWNLOAD_CONCURRENCY", "WALG_UPLOAD_CONCURRENCY"],
  ...["WALG_UPLOAD_DISK_CONCURRENCY", "WALG_DISK_RATE_LIMIT", "WALG_NETWORK_RATE_LIMIT", "WALG_COMPRESSION_METHOD"],
  ...["USE_WALG_BACKUP", "USE_WALG_RESTORE", "WALG_BACKUP_COMPRESSION_METHOD", "WALG_BACKUP_FROM_REPLICA"],
  ...["WALG_SENTINEL_USER_DATA", "WALG_PREVENT_WAL_OVERWRITE", "WALG_S3_CA_CERT_FILE", "WALG_LIBSODIUM_KEY"],
  ...["WALG_LIBSODIUM_KEY_PATH", "WALG_LIBSODIUM_KEY_TRANSFORM", "WALG_PGP_KEY", "WALG_PGP_KEY_PATH"],
  ...["WALG_PGP_KEY_PASSPHRASE", "no_proxy", "http_proxy", "https_proxy"],
  ...["WALE_LOG_DESTINATION", "PGPORT", "BACKUP_NUM_TO_RETAIN"],
];

/**
 * The bootstrap section Spilo renders for a clone from an archive (configure_spilo.py TEMPLATE, lines
 * 228-249, with the CLONE_* placeholders of get_placeholders), given the pod's environment. `paths` lets the
 * drill put its stand-ins where Spilo has its scripts; everything else is Spilo's.
 */
export function spiloCloneBootstrap(
  env: Record<string, string | undefined>,
  paths: { envDir?: string; cloneCommand?: string; restoreCommand?: string } = {},
): Record<string, unknown> | undefined {
  if (env.CLONE_METHOD !== "CLONE_WITH_WALE") return undefined;
  const scope = env.CLONE_SCOPE;
  const envDir = paths.envDir ?? `/run/etc/wal-e.d/env-clone${scope ? `-${scope}` : ""}`;
  const target = env.CLONE_TARGET_TIME ?? "";
  // Placeholders default to True (CLONE_TARGET_INCLUSIVE) and False (USE_PAUSE_AT_RECOVERY_TARGET).
  const inclusive = env.CLONE_TARGET_INCLUSIVE ?? "true";
  return {
    method: "clone_with_wale",
    clone_with_wale: {
      command: `envdir "${envDir}" ${paths.cloneCommand ?? "python3 /scripts/clone_with_wale.py"} --recovery-target-time="${target}"`,
      recovery_conf: {
        restore_command: `envdir "${envDir}" timeout "${env.WAL_RESTORE_TIMEOUT ?? "0"}" ${paths.restoreCommand ?? "/scripts/restore_command.sh"} "%f" "%p"`,
        recovery_target_timeline: env.CLONE_TARGET_TIMELINE ?? "latest",
        recovery_target_action: env.USE_PAUSE_AT_RECOVERY_TARGET ? "pause" : "promote",
        ...(target ? { recovery_target_time: target } : {}),
        ...(inclusive ? {} : { recovery_target_inclusive: false }),
      },
    },
  };
}

/**
 * What Spilo 4.0-p2 writes into WAL-G's envdir for an S3 archive (configure_spilo.py `write_wale_environment`,
 * lines 808-944: its S3 branch), given the pod's environment as Spilo's placeholders see it (SCOPE, PGVERSION,
 * WAL_BUCKET_SCOPE_PREFIX and the backup environment; AWS keys present or not). The model the backup-age check
 * takes its WAL-G settings from, so that it lists exactly the archive the members write: the prefix
 * `s3://<WAL_S3_BUCKET>/spilo/<WAL_BUCKET_SCOPE_PREFIX><SCOPE><WAL_BUCKET_SCOPE_SUFFIX>/wal/<PGVERSION>`
 * (copied to WALG_S3_PREFIX), the endpoint and addressing style, the region and SSE defaults. Names are those
 * of SPILO_S3_ENVDIR_NAMES; empty values are not written (Spilo's `if wale.get(name)`).
 */
export function spiloS3Envdir(env: Record<string, string | undefined>): Record<string, string> {
  const w: Record<string, string> = {};
  for (const n of [
    ...SPILO_S3_ENVDIR_NAMES,
    "SCOPE",
    "PGVERSION",
    "WAL_BUCKET_SCOPE_PREFIX",
    "WAL_BUCKET_SCOPE_SUFFIX",
  ])
    w[n] = env[n] ?? "";
  w.WAL_S3_BUCKET = env.WAL_S3_BUCKET ?? "";
  if (!(w.WAL_S3_BUCKET || w.WALE_S3_PREFIX || w.WALG_S3_PREFIX))
    throw new Error(
      "spiloS3Envdir: no S3 archive (WAL_S3_BUCKET, WALE_S3_PREFIX or WALG_S3_PREFIX) in the environment",
    );
  let walEndpoint = w.WALE_S3_ENDPOINT;
  let awsEndpoint = w.AWS_ENDPOINT;
  const region = w.AWS_REGION;
  w.WALE_S3_ENDPOINT = w.AWS_ENDPOINT = w.AWS_REGION = "";
  if (awsEndpoint || walEndpoint) {
    let convention = "path";
    if (!walEndpoint) walEndpoint = awsEndpoint.replace("://", "+path://");
    else {
      const m = /^(\w+)\+(\w+)(:\/\/.+)$/.exec(walEndpoint);
      if (m) convention = m[2];
      if (!awsEndpoint) awsEndpoint = m ? `${m[1]}${m[3]}` : walEndpoint;
    }
    Object.assign(w, { WALE_S3_ENDPOINT: walEndpoint, AWS_ENDPOINT: awsEndpoint });
    for (const n of ["WALE_DISABLE_S3_SSE", "WALG_DISABLE_S3_SSE"]) if (!w[n]) w[n] = "true";
    w.AWS_S3_FORCE_PATH_STYLE = convention === "path" ? "true" : "false";
    if (region && w.USE_WALG_BACKUP === "true") w.AWS_REGION = region;
  } else if (!region) {
    // Spilo guesses the region from the bucket name or the instance's zone: the component always sets it.
    throw new Error("spiloS3Envdir: AWS_REGION is unset (Spilo would guess it from the instance metadata)");
  } else w.AWS_REGION = region;
  if (!(w.AWS_SECRET_ACCESS_KEY && w.AWS_ACCESS_KEY_ID)) w.AWS_INSTANCE_PROFILE = "true";
  if (w.WALE_DISABLE_S3_SSE && !w.WALG_DISABLE_S3_SSE) w.WALG_DISABLE_S3_SSE = w.WALE_DISABLE_S3_SSE;
  if (w.USE_WALG_BACKUP && w.WALG_DISABLE_S3_SSE !== "true" && !w.WALG_S3_SSE) w.WALG_S3_SSE = "AES256";
  if (!w.WALE_S3_PREFIX)
    w.WALE_S3_PREFIX = `s3://${w.WAL_S3_BUCKET}/spilo/${w.WAL_BUCKET_SCOPE_PREFIX}${w.SCOPE}${w.WAL_BUCKET_SCOPE_SUFFIX}/wal/${w.PGVERSION}`;
  if (!w.WALG_S3_PREFIX) w.WALG_S3_PREFIX = w.WALE_S3_PREFIX;
  w.WALE_LOG_DESTINATION = "stderr";
  return Object.fromEntries(SPILO_S3_ENVDIR_NAMES.filter((n) => w[n]).map((n) => [n, w[n]]));
}
