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

/** Seconds in a minute and a day, for the schedule arithmetic below. */
const MINUTE = 60;
const DAY = 86400;

/** The values one field of a 5-field cron allows (`*`, `*\/n`, `a`, `a-b`, `a-b/n`, lists), or undefined if malformed. */
function cronField(field: string, min: number, max: number): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const lo = m[1] === "*" ? min : Number(m[2]);
    const hi = m[1] === "*" ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : lo;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (lo < min || hi > max || lo > hi || step < 1) return undefined;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Names cron takes for a month or a day of the week (crontab(5): first three letters, any case). */
const CRON_NAMES = {
  month: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  dow: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

/** A month or weekday field given as a name (`SUN`, `jan`), as its number; crontab(5) allows no ranges or lists of names. */
function cronName(field: string, names: string[], first: number): string {
  const i = names.indexOf(field.toLowerCase());
  return i < 0 ? field : String(i + first);
}

/**
 * The longest gap between two consecutive runs of a 5-field cron (UTC, as Spilo's crontab runs it), in
 * seconds, over four years (every weekday/leap-day combination), or undefined when the cron is malformed or
 * runs fewer than twice in that span. Day of month and day of week combine as cron does: either matches
 * when both are restricted.
 */
export function cronMaxIntervalSeconds(cron: string): number | undefined {
  const f = cron.trim().split(/\s+/);
  if (f.length !== 5) return undefined;
  f[3] = cronName(f[3], CRON_NAMES.month, 1);
  f[4] = cronName(f[4], CRON_NAMES.dow, 0);
  const [minutes, hours, doms, months, dows] = [
    cronField(f[0], 0, 59),
    cronField(f[1], 0, 23),
    cronField(f[2], 1, 31),
    cronField(f[3], 1, 12),
    cronField(f[4].replace(/\b7\b/g, "0"), 0, 6),
  ];
  if (!minutes || !hours || !doms || !months || !dows) return undefined;
  // Minutes of the day the cron runs at: the same on every day it runs.
  const times = [...hours].flatMap((h) => [...minutes].map((m) => h * 60 + m)).sort((a, b) => a - b);
  const domStar = f[2] === "*" || f[2].startsWith("*/");
  const dowStar = f[4] === "*" || f[4].startsWith("*/");
  const start = Date.UTC(2024, 0, 1) / 1000;
  const days: number[] = [];
  for (let d = 0; d < 4 * 366; d++) {
    const t = new Date((start + d * DAY) * 1000);
    if (!months.has(t.getUTCMonth() + 1)) continue;
    const dom = doms.has(t.getUTCDate());
    const dow = dows.has(t.getUTCDay());
    if (domStar || dowStar ? dom && dow : dom || dow) days.push(d);
  }
  if (days.length === 0 || days.length * times.length < 2) return undefined;
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, (times[i] - times[i - 1]) * MINUTE);
  for (let i = 1; i < days.length; i++)
    gap = Math.max(gap, (days[i] - days[i - 1]) * DAY + (times[0] - times[times.length - 1]) * MINUTE);
  return gap;
}

/**
 * When a PatroniCluster's newest base backup counts as too old, and when the alert on its check fires: the one
 * home of these numbers (the check CronJob, the alert rule and the tests read them from here).
 * - `maxAgeSeconds`: two schedule intervals (one missed run is tolerated: the backup runs on the leader only,
 *   and a failover at the scheduled minute skips it) plus `BACKUP_AGE_RULES.slackSeconds` for the backup's own
 *   duration. The check exits non-zero when the newest backup finished longer ago.
 * - `checkSchedule`/`checkIntervalSeconds`: the check runs hourly.
 * - `alertAfterSeconds`: the alert fires when the check has not succeeded for this long (two check
 *   intervals: one failed run, e.g. a pod that could not be scheduled, is tolerated).
 * - `neverSucceededAfterSeconds`: a check that never succeeded (no backup since the cluster was created)
 *   alerts this long after the CronJob was created.
 * Undefined when the schedule is not a cron this model reads (checkBackupArgs refuses it first).
 */
export function backupAgeLimits(schedule: string):
  | {
      maxAgeSeconds: number;
      checkSchedule: string;
      checkIntervalSeconds: number;
      alertAfterSeconds: number;
      neverSucceededAfterSeconds: number;
    }
  | undefined {
  const interval = cronMaxIntervalSeconds(schedule);
  if (interval === undefined) return undefined;
  const r = BACKUP_AGE_RULES;
  const maxAgeSeconds = r.missedRunsTolerated * interval + interval + r.slackSeconds;
  const alertAfterSeconds = 2 * r.checkIntervalSeconds;
  return {
    maxAgeSeconds,
    checkSchedule: r.checkSchedule,
    checkIntervalSeconds: r.checkIntervalSeconds,
    alertAfterSeconds,
    neverSucceededAfterSeconds: maxAgeSeconds + alertAfterSeconds,
  };
}

/** The backup-age check's own numbers (see backupAgeLimits). */
export const BACKUP_AGE_RULES = {
  /** Scheduled base backups that may be missed before the newest counts as too old. */
  missedRunsTolerated: 1,
  /** Time a base backup itself may take, seconds (a 1 TiB volume at ~100 MiB/s: about 3 h). */
  slackSeconds: 4 * 3600,
  /** The check runs at minute 17 of every hour (away from the full hour many backups start at). */
  checkSchedule: "17 * * * *",
  checkIntervalSeconds: 3600,
};
