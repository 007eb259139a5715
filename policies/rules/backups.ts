/**
 * Backups of Harbor's database (issue 15): every PatroniCluster archives its WAL and takes base backups
 * (Spilo's WAL-G settings on its StatefulSet), keeps them long enough, bounds the RPO with archive_timeout,
 * and a backup bucket it creates is versioned, KMS-encrypted and keeps deleted backups for the retention
 * (its public access block, default encryption and TLS-only policy are harbor-s3-bucket-security's).
 */
import { stackRule, num, violation } from "./common";
import { arr, ComponentTypes, Graph, label, obj, podSpec, Res, str, T } from "./graph";
import { BACKUP_RULES, SPILO_BACKUP_ENV } from "../../components/facts";

const BucketVersioning = "aws:s3/bucketVersioning:BucketVersioning";
const BucketLifecycle = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";

/** The Spilo container's env of a StatefulSet, by name (value, or "secretRef" for a reference). */
function envOf(sts: Res): Map<string, string | undefined> {
  const m = new Map<string, string | undefined>();
  for (const c of arr(podSpec(sts)?.containers))
    for (const e of arr(obj(c).env)) {
      const name = str(obj(e).name);
      if (name) m.set(name, str(obj(e).value) ?? (obj(e).valueFrom ? "secretRef" : undefined));
    }
  return m;
}

/** archive_timeout (seconds) and archive_mode from the cluster's dcs.json (its Patroni ConfigMap). */
function archiveSettings(g: Graph, cluster: Res): { timeout?: number; mode?: string; found: boolean; unknown?: Res } {
  for (const cm of g.under(ComponentTypes.PatroniCluster, T.ConfigMap)) {
    if (g.ancestor(cm, ComponentTypes.PatroniCluster)?.urn !== cluster.urn) continue;
    // Only an unknown dcs.json hides the settings: other ConfigMaps of the cluster hold computed values too.
    if (g.unknownAt(cm, "data") || g.unknownAt(cm, "data.dcs.json")) return { found: false, unknown: cm };
    const dcs = str(obj(obj(cm.props).data)["dcs.json"]);
    if (!dcs) continue;
    try {
      const p = obj(obj(obj(JSON.parse(dcs)).postgresql).parameters);
      const t = p.archive_timeout;
      const seconds = typeof t === "number" ? t : typeof t === "string" ? secondsOf(t) : undefined;
      return { timeout: seconds, mode: str(p.archive_mode), found: true };
    } catch {
      return { found: false };
    }
  }
  return { found: false };
}

/** PostgreSQL time units to seconds ("60s", "1min", "30", "1h"). */
function secondsOf(v: string): number | undefined {
  const m = /^\s*(\d+)\s*(ms|s|min|h|d)?\s*$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  return { ms: n / 1000, s: n, min: n * 60, h: n * 3600, d: n * 86400 }[(m[2] ?? "s") as "s"];
}

export const databaseBackups = stackRule<{ minRetentionDays: number; maxArchiveTimeoutSeconds: number }>({
  name: "harbor-database-backups",
  description:
    "Every PatroniCluster archives WAL and takes base backups through WAL-G (USE_WALG_BACKUP=true and a WAL bucket on its StatefulSet), keeps base backups for at least minRetentionDays (BACKUP_NUM_TO_RETAIN), and sets archive_mode on with archive_timeout at most maxArchiveTimeoutSeconds in its Patroni dynamic configuration.",
  severity: "critical",
  remediationSteps:
    "Set harbor-ha:backups (stack) or PatroniCluster Args.backup: a target, retentionDays >= the minimum, archiveTimeoutSeconds <= the maximum.",
  config: {
    minRetentionDays: num(BACKUP_RULES.minRetentionDays, "days of base backups kept at least", 1),
    maxArchiveTimeoutSeconds: num(BACKUP_RULES.maxArchiveTimeoutSeconds, "archive_timeout at most, seconds", 1),
  },
  check(g, c, report, _args, cannotCheck) {
    for (const cluster of g.ofType(ComponentTypes.PatroniCluster)) {
      const sets = g
        .under(ComponentTypes.PatroniCluster, T.StatefulSet)
        .filter((s) => g.ancestor(s, ComponentTypes.PatroniCluster)?.urn === cluster.urn);
      let archiving = false;
      for (const sts of sets) {
        if (g.unknown(sts, "spec.template.spec.containers")) {
          cannotCheck(`${label(sts)} environment`, sts.urn);
          continue;
        }
        const env = envOf(sts);
        const who = `${label(sts)} (PatroniCluster)`;
        const bucketSet = env.has(SPILO_BACKUP_ENV.bucket) || env.has("WALG_S3_PREFIX");
        if (env.get(SPILO_BACKUP_ENV.useWalgBackup) !== "true" || !bucketSet) {
          report(
            violation(
              who,
              "no WAL archiving or base backups (Spilo archives WAL to /bin/true: no restore path)",
              `WAL-G backups with at least ${c.minRetentionDays} days kept`,
              "set harbor-ha:backups (or PatroniCluster Args.backup) to a backup target",
            ),
            sts.urn,
          );
          continue;
        }
        archiving = true;
        const retention = Number(env.get(SPILO_BACKUP_ENV.retention) ?? NaN);
        if (!(retention >= c.minRetentionDays))
          report(
            violation(
              who,
              `${SPILO_BACKUP_ENV.retention} is ${env.get(SPILO_BACKUP_ENV.retention) ?? "unset (Spilo's 5)"} days`,
              `at least ${c.minRetentionDays} days`,
              `set harbor-ha:backups.retentionDays to ${c.minRetentionDays} or more`,
            ),
            sts.urn,
          );
      }
      const a = archiveSettings(g, cluster);
      if (archiving && a.unknown) {
        cannotCheck(`${label(a.unknown)} archive_timeout`, cluster.urn);
        continue;
      }
      const bad = !a.found || a.mode !== "on" || a.timeout === undefined || a.timeout > c.maxArchiveTimeoutSeconds;
      // Without archiving the missing backups are the finding; the timeout matters once WAL is archived.
      if (archiving && bad)
        report(
          violation(
            `${label(cluster)} Patroni dynamic configuration`,
            a.found
              ? `archive_mode ${a.mode ?? "unset"}, archive_timeout ${a.timeout === undefined ? "unset (Spilo's 1800s)" : `${a.timeout}s`}`
              : "no dcs.json with archive settings",
            `archive_mode on and archive_timeout <= ${c.maxArchiveTimeoutSeconds}s`,
            `set harbor-ha:backups.archiveTimeoutSeconds to ${c.maxArchiveTimeoutSeconds} or less`,
          ),
          cluster.urn,
        );
    }
  },
});

export const backupBucket = stackRule<{ minRetentionDays: number; requireKms: boolean }>({
  name: "harbor-backup-bucket",
  description:
    "A backup bucket under a PatroniCluster is versioned (a deleted or overwritten backup can be recovered), keeps noncurrent versions at least minRetentionDays, and is encrypted with SSE-KMS when requireKms (public access, encryption and TLS-only are checked by harbor-s3-bucket-security).",
  severity: "high",
  remediationSteps:
    "Create the backup bucket with PatroniCluster Args.backup (target aws), which builds it through components/conventions/s3Bucket.ts.",
  config: {
    minRetentionDays: num(BACKUP_RULES.minRetentionDays, "days noncurrent versions are kept at least", 1),
    requireKms: { type: "boolean", default: true, description: "require SSE-KMS (aws:kms) default encryption" },
  },
  check(g, c, report, _args, cannotCheck) {
    for (const b of g.under(ComponentTypes.PatroniCluster, T.Bucket)) {
      const who = `${label(b)} (database backups)`;
      const mine = (type: string) =>
        g
          .ofType(type)
          .filter((r) => r.opts?.parent === b.opts?.parent || g.dependenciesOf(r).some((d) => d.urn === b.urn));
      const versioning = mine(BucketVersioning);
      if (!versioning.some((v) => obj(obj(v.props).versioningConfiguration).status === "Enabled"))
        report(violation(who, "versioning not enabled", "versioning Enabled", "add aws.s3.BucketVersioning"), b.urn);
      const lifecycle = mine(BucketLifecycle);
      if (lifecycle.some((l) => g.unknown(l, "rules"))) cannotCheck(`${label(b)} lifecycle rules`, b.urn);
      else {
        const days = lifecycle.flatMap((l) =>
          arr(obj(l.props).rules).map((r) => obj(obj(r).noncurrentVersionExpiration).noncurrentDays),
        );
        const kept = days.filter((d): d is number => typeof d === "number");
        if (kept.length && Math.min(...kept) < c.minRetentionDays)
          report(
            violation(
              who,
              `noncurrent versions expire after ${Math.min(...kept)} days`,
              `at least ${c.minRetentionDays} days (the backup retention)`,
              "raise harbor-ha:backups.retentionDays",
            ),
            b.urn,
          );
      }
      if (c.requireKms) {
        const sse = mine(T.BucketSse);
        const algs = sse.flatMap((s) =>
          arr(obj(s.props).rules).map((r) => obj(obj(r).applyServerSideEncryptionByDefault).sseAlgorithm),
        );
        if (!algs.includes("aws:kms") && !sse.some((s) => g.unknown(s, "rules")))
          report(
            violation(who, `default encryption ${algs.join(", ") || "none"}`, "aws:kms", "keep backups.kms true"),
            b.urn,
          );
      }
    }
  },
});
