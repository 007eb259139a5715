/**
 * `plan --out <dir>`: each Kubernetes object as YAML and each Helm release's values as
 * `values-<release>.yaml`, secrets redacted, for review or GitOps.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { PlanGraph, redact, kubernetesObject } from "../engine";
import { sortKeys } from "./canonicalJson";

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

function safe(part: string): string {
  return part.replace(/[^a-zA-Z0-9._-]+/g, "_");
}

export function writeManifests(graph: PlanGraph, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const r of graph.resources) {
    let file: string | undefined;
    let body: unknown;
    if (r.type === HELM_RELEASE) {
      const inputs = redact(r.inputs) as Record<string, any>;
      file = `values-${safe(inputs.name ?? r.name)}.yaml`;
      body = inputs.values ?? {};
    } else if (kubernetesObject(r)) {
      const obj = redact(r.inputs) as Record<string, any>;
      file = `${safe(obj.kind)}-${safe(obj.metadata?.namespace ?? "cluster")}-${safe(obj.metadata?.name ?? r.name)}.yaml`;
      body = obj;
    }
    if (!file) continue;
    fs.writeFileSync(path.join(dir, file), stringify(sortKeys(body)));
    written.push(file);
  }
  return written.sort();
}
