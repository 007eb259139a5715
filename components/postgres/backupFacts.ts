/**
 * The backup rules' numbers, SDK-free so that the policy pack (through components/facts.ts), the
 * component's defaults and the stack config share one home.
 */
export const BACKUP_RULES = {
  /** Base backups kept at least this many days in staging and prod (and the default retention). */
  minRetentionDays: 7,
  /** archive_timeout at most this many seconds: the RPO bound when writes are rare. */
  maxArchiveTimeoutSeconds: 60,
};

/** Spilo's environment variables the policies read on a PatroniCluster's StatefulSet. */
export const SPILO_BACKUP_ENV = {
  useWalgBackup: "USE_WALG_BACKUP",
  retention: "BACKUP_NUM_TO_RETAIN",
  bucket: "WAL_S3_BUCKET",
};
