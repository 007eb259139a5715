/**
 * The volume claims the Harbor chart (1.19.2) creates for given values, and the StorageClass each names.
 * SDK-free: the policy pack reads a planned release's values with it. Defaults are the chart's own
 * values.yaml: persistence on, registry storage "filesystem", jobLoggers [file], internal database and
 * Redis, Trivy on. A claim with an `existingClaim` is the caller's, not the chart's.
 */

export interface ChartClaim {
  /** The chart's name for the claim (registry, jobservice.jobLog, database, redis, trivy). */
  claim: string;
  /** The values path of its StorageClass. */
  valuesPath: string;
  /**
   * The class it names: `undefined` for the cluster's default class (the value unset or ""), `""` for
   * none (the chart's "-": a pre-bound volume).
   */
  storageClass: string | undefined;
}

function at(o: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((a, k) => (a && typeof a === "object" ? (a as Record<string, unknown>)[k] : undefined), o);
}

/** Claims the chart renders for these values. */
export function harborChartClaims(values: unknown): ChartClaim[] {
  if (at(values, "persistence.enabled") === false) return [];
  const loggers = at(values, "jobservice.jobLoggers");
  const created: [string, boolean][] = [
    ["registry", ((at(values, "persistence.imageChartStorage.type") as string) ?? "filesystem") === "filesystem"],
    ["jobservice.jobLog", Array.isArray(loggers) ? loggers.includes("file") : true],
    ["database", ((at(values, "database.type") as string) ?? "internal") === "internal"],
    ["redis", ((at(values, "redis.type") as string) ?? "internal") === "internal"],
    ["trivy", at(values, "trivy.enabled") !== false],
  ];
  return created
    .filter(([claim, made]) => made && !at(values, `persistence.persistentVolumeClaim.${claim}.existingClaim`))
    .map(([claim]) => {
      const valuesPath = `persistence.persistentVolumeClaim.${claim}.storageClass`;
      const v = at(values, valuesPath);
      const storageClass = typeof v === "string" && v !== "" ? (v === "-" ? "" : v) : undefined;
      return { claim, valuesPath, storageClass };
    });
}
