/**
 * Harbor's cron rules, in one place for replication and every schedule. Harbor validates a cron with
 * `utils.ValidateCronString`: robfig/cron v3's parser with `Second | Minute | Hour | Dom | Month | Dow`
 * (exactly 6 fields, no descriptors such as `@daily`, no `TZ=` prefix), then refuses a first field that
 * is not literally `0`. This mirrors robfig's `getRange`: `*` or `?`, `a`, `a-b`, each optionally
 * `/step` (`a/step` runs to the field's maximum), comma lists; numbers within the field's bounds, a
 * range's start not beyond its end, a step of at least 1; names (`jan`..`dec`, `sun`..`sat`, any case)
 * only in their own field.
 */
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const FIELDS: { label: string; min: number; max: number; names?: Record<string, number> }[] = [
  { label: "seconds", min: 0, max: 59 },
  { label: "minutes", min: 0, max: 59 },
  { label: "hours", min: 0, max: 23 },
  { label: "day-of-month", min: 1, max: 31 },
  { label: "month", min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
  { label: "day-of-week", min: 0, max: 6, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) },
];

/** A number as Go's strconv.Atoi reads it (optional sign, digits), or a name of the field. */
function parseIntOrName(text: string, names: Record<string, number> | undefined): number | string {
  if (names && names[text.toLowerCase()] !== undefined) return names[text.toLowerCase()];
  if (!/^[+-]?\d+$/.test(text)) return `"${text}" is not a number${names ? " or a name of this field" : ""}`;
  const n = Number(text);
  return n < 0 ? `negative number ${n}` : n;
}

/** What is wrong with one comma-separated part of a field, or undefined. */
function rangeProblem(expr: string, f: (typeof FIELDS)[number]): string | undefined {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0].split("-");
  let start: number;
  let end: number;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = f.min;
    end = f.max;
  } else {
    const s = parseIntOrName(lowAndHigh[0], f.names);
    if (typeof s === "string") return s;
    start = s;
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) {
      const e = parseIntOrName(lowAndHigh[1], f.names);
      if (typeof e === "string") return e;
      end = e;
    } else return "too many hyphens";
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    const st = parseIntOrName(rangeAndStep[1], undefined);
    if (typeof st === "string") return `step ${st}`;
    step = st;
    if (lowAndHigh.length === 1) end = f.max; // "N/step" means "N-max/step"
  } else if (rangeAndStep.length > 2) return "too many slashes";
  if (start < f.min) return `${start} is below the minimum ${f.min}`;
  if (end > f.max) return `${end} is above the maximum ${f.max}`;
  if (start > end) return `the range starts at ${start}, beyond its end ${end}`;
  if (step === 0) return "a step must be at least 1";
  return undefined;
}

/** What is wrong with `cron` for Harbor, or undefined when Harbor accepts it. */
export function harborCronProblem(cron: string): string | undefined {
  if (typeof cron !== "string" || cron.trim() === "") return "is empty";
  if (/^\s*@/.test(cron)) return `descriptors such as "${cron.trim()}" are not accepted: write 6 fields`;
  if (/^\s*(CRON_)?TZ=/.test(cron)) return `a time zone prefix is not accepted: Harbor schedules in its own time zone`;
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 6)
    return `must have 6 fields (seconds minutes hours day-of-month month day-of-week), got ${fields.length} in "${cron}"`;
  if (fields[0] !== "0") return `the seconds field must be 0 (Harbor refuses others), got "${fields[0]}" in "${cron}"`;
  for (let i = 0; i < 6; i++) {
    for (const part of fields[i].split(",")) {
      const problem = rangeProblem(part, FIELDS[i]);
      if (problem)
        return `${FIELDS[i].label} field "${fields[i]}": ${problem} (allowed: ${FIELDS[i].min}-${FIELDS[i].max}${FIELDS[i].names ? ", or names" : ""}) in "${cron}"`;
    }
  }
  return undefined;
}

/** One spelling of a cron (single spaces), as Harbor stores and answers it. */
export function normalizeCron(cron: string): string {
  return cron.trim().split(/\s+/).join(" ");
}
