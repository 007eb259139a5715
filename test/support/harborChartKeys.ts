/**
 * The pinned Harbor chart's value keys (test/fixtures/upstream/harbor-helm-1.19.2/values-keys.txt) and the leaf
 * paths a values object sets, for the specs that check every key harbor-ha renders exists in the chart.
 */
import * as fs from "fs";
import * as path from "path";

export const HARBOR_CHART_FIXTURE = path.join(__dirname, "..", "fixtures", "upstream", "harbor-helm-1.19.2");

export const HARBOR_CHART_KEYS = new Set(
  fs
    .readFileSync(path.join(HARBOR_CHART_FIXTURE, "values-keys.txt"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean),
);

/** Maps and lists whose content the chart passes through as-is (their keys are the user's). */
const FREE_FORM = new Set([
  "resources",
  "affinity",
  "annotations",
  "labels",
  "nodeSelector",
  "tolerations",
  "podAnnotations",
  "podLabels",
  "extraEnvVars",
  "topologySpreadConstraints",
  "containerSecurityContext",
  "additionalLabels",
]);

/** Every leaf path set in `values`, stopping at free-form maps. */
export function valuePaths(v: unknown, prefix = ""): string[] {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return [prefix];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, e]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return FREE_FORM.has(k) ? [p] : valuePaths(e, p);
  });
}
