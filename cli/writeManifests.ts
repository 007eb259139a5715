/**
 * `plan --out <dir>`: each Kubernetes object as YAML and each Helm release's values as
 * `values-<release>.yaml`, secrets redacted, for review or GitOps.
 *
 * The directory is the tool's own: new, empty, or one it wrote before (its marker file lists what it
 * wrote). On re-use the previous plan's files go first, so a dev plan written into a prod folder leaves no
 * prod manifest behind; files someone else put there stay. A non-empty folder without the marker is refused.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { PlanGraph, redact, kubernetesObject } from "../engine";
import { sortKeys } from "./canonicalJson";
import { CliInputError, describeFsError } from "./fileErrors";

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** Written into every --out directory: what the tool wrote there, so that only those files are replaced. */
export const OUT_MARKER = ".harbor-ha-plan";

interface Marker {
  writtenBy: "harbor-ha plan";
  stack: string;
  files: string[];
}

function safe(part: string): string {
  return part.replace(/[^a-zA-Z0-9._-]+/g, "_");
}

function outError(dir: string, what: string, fix: string): CliInputError {
  return new CliInputError(`--out ${dir}: ${what}. Fix: ${fix}.`);
}

/** Runs `op`; any file system error becomes one line naming `dir`. */
function guarded<T>(dir: string, op: () => T): T {
  try {
    return op();
  } catch (e) {
    if (e instanceof CliInputError) throw e;
    throw outError(dir, describeFsError(dir, e), "choose a directory you can write, e.g. --out ./plan-out");
  }
}

/**
 * Creates `dir` and its missing parents one level at a time. (`mkdir -p` in Node 20 retries forever where
 * mkdir answers ENOENT under an existing parent, as it does anywhere in /proc.)
 */
function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || path.dirname(d) === d) throw e;
    }
    if (st) {
      if (!st.isDirectory())
        throw outError(dir, `${d} is a file, not a directory`, "choose a path that is not below a file");
      break;
    }
    missing.push(d);
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT")
        throw outError(dir, `directories cannot be created in ${path.dirname(d)}`, "choose a directory you can write");
      throw e;
    }
  }
}

function readMarker(dir: string): Marker | undefined {
  const file = path.join(dir, OUT_MARKER);
  if (!fs.existsSync(file)) return undefined;
  let marker: Marker;
  try {
    marker = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    throw outError(dir, `its ${OUT_MARKER} file is not readable JSON`, "remove the directory, or choose another one");
  }
  if (!marker || !Array.isArray(marker.files) || !marker.files.every((f) => typeof f === "string"))
    throw outError(dir, `its ${OUT_MARKER} file is not one harbor-ha wrote`, "remove the directory, or choose another");
  return marker;
}

/**
 * Checks (before anything is planned) that `dir` is the tool's to write: creates it with its marker when
 * new or empty; a directory with the marker is kept as it is until the plan is written.
 */
export function claimOutDirectory(dir: string, stack: string): void {
  if (dir.trim() === "") throw outError('""', "an empty path", "name a directory, e.g. --out ./plan-out");
  guarded(dir, () => {
    if (!fs.existsSync(dir)) makeDirectory(dir);
    const st = fs.statSync(dir);
    if (!st.isDirectory()) throw outError(dir, "a file, not a directory", "choose a directory, e.g. --out ./plan-out");
    if (readMarker(dir)) return;
    const entries = fs.readdirSync(dir);
    if (entries.length > 0)
      throw outError(
        dir,
        `the directory holds ${entries.length} file(s) that harbor-ha did not write (no ${OUT_MARKER} marker)`,
        "choose a new or empty directory; harbor-ha replaces only the files of its own earlier plans",
      );
    const marker: Marker = { writtenBy: "harbor-ha plan", stack, files: [] };
    fs.writeFileSync(path.join(dir, OUT_MARKER), JSON.stringify(marker, null, 2) + "\n");
  });
}

/** The file name and body of each object the plan writes. */
function manifests(graph: PlanGraph): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const r of graph.resources) {
    if (r.type === HELM_RELEASE) {
      const inputs = redact(r.inputs) as { name?: string; values?: unknown };
      out.set(`values-${safe(inputs.name ?? r.name)}.yaml`, inputs.values ?? {});
    } else if (kubernetesObject(r)) {
      const obj = redact(r.inputs) as { kind: string; metadata?: { name?: string; namespace?: string } };
      const file = `${safe(obj.kind)}-${safe(obj.metadata?.namespace ?? "cluster")}-${safe(obj.metadata?.name ?? r.name)}.yaml`;
      out.set(file, obj);
    }
  }
  return out;
}

/** Writes the plan into `dir` (claimed first), replacing the files of the previous plan written there. */
export function writeManifests(graph: PlanGraph, dir: string): string[] {
  claimOutDirectory(dir, graph.stack);
  return guarded(dir, () => {
    const previous = readMarker(dir)?.files ?? [];
    // Only plain names this tool wrote: never a path, never the marker itself.
    for (const f of previous)
      if (f === path.basename(f) && f !== OUT_MARKER && f !== "." && f !== "..")
        fs.rmSync(path.join(dir, f), { force: true });
    const files = manifests(graph);
    const written = [...files.keys()].sort();
    // The marker lists the new files before they are written, so an interrupted write is cleaned up next time.
    const marker: Marker = { writtenBy: "harbor-ha plan", stack: graph.stack, files: written };
    fs.writeFileSync(path.join(dir, OUT_MARKER), JSON.stringify(marker, null, 2) + "\n");
    for (const f of written) fs.writeFileSync(path.join(dir, f), stringify(sortKeys(files.get(f))));
    return written;
  });
}
