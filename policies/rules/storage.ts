/**
 * Storage: SSD volume types only; Patroni data volumes at least the db disk minimum; registry
 * capacity at least 3x the expected data where the storage has a size.
 */
import { stackRule, num, strList, violation } from "./common";
import {
  ComponentTypes,
  fmtGib,
  get,
  GIB,
  Graph,
  harborReleases,
  label,
  parseQuantity,
  platformFacts,
  Res,
  STORAGE_COMPONENTS,
  T,
} from "./graph";

export interface SsdConfig {
  allowedVolumeTypes: string[];
}

const EBS_PROVISIONERS = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];

export const ssdStorage = stackRule<SsdConfig>({
  name: "ssd-storage-only",
  description:
    "EBS volumes, launch template block devices, EC2 instance volumes and EBS StorageClasses use SSD volume types (gp3, gp2, io1, io2), never st1, sc1 or standard.",
  severity: "high",
  remediationSteps: "Set volumeType / parameters.type to gp3 (or io2 for provisioned IOPS).",
  config: { allowedVolumeTypes: strList(["gp3", "gp2", "io1", "io2"], "EBS volume types that are SSD") },
  check(g, c, report) {
    const allowed = c.allowedVolumeTypes;
    const bad = (r: Res, where: string, type: unknown) => {
      if (typeof type !== "string" || allowed.includes(type)) return;
      report(
        violation(label(r), `${where} is "${type}" (not SSD)`, `one of ${allowed.join(", ")}`, `set ${where} to gp3`),
        r.urn,
      );
    };
    for (const v of g.ofType(T.EbsVolume)) bad(v, "type", (v.props as any)?.type);
    for (const lt of g.ofType(T.LaunchTemplate)) {
      ((lt.props as any)?.blockDeviceMappings ?? []).forEach((b: any, i: number) =>
        bad(lt, `blockDeviceMappings[${i}].ebs.volumeType`, b?.ebs?.volumeType),
      );
    }
    for (const inst of g.ofType(T.Instance)) {
      const p = inst.props as any;
      bad(inst, "rootBlockDevice.volumeType", p?.rootBlockDevice?.volumeType);
      (p?.ebsBlockDevices ?? []).forEach((b: any, i: number) =>
        bad(inst, `ebsBlockDevices[${i}].volumeType`, b?.volumeType),
      );
    }
    for (const sc of g.ofType(T.StorageClass)) {
      const p = sc.props as any;
      const type = p?.parameters?.type;
      // Only EBS classes have EBS volume types; other provisioners (EFS, NFS, local-path) are out of scope.
      if (EBS_PROVISIONERS.includes(p?.provisioner) || type !== undefined)
        bad(sc, "parameters.type", type ?? (p?.provisioner === "kubernetes.io/aws-ebs" ? "gp2" : undefined));
    }
  },
});

export interface PatroniVolumeConfig {
  minVolumeGib: number;
}

/** Storage requested by each volume claim template (or a Zalando manifest's spec.volume.size). */
function claimSizes(r: Res): [string, unknown][] {
  const p = r.props as any;
  if (r.type === T.ZalandoPostgresql) return [["spec.volume.size", p?.spec?.volume?.size]];
  return (p?.spec?.volumeClaimTemplates ?? []).map((t: any, i: number) => [
    `volumeClaimTemplates[${i}] (${t?.metadata?.name ?? "?"}) storage`,
    t?.spec?.resources?.requests?.storage,
  ]);
}

export const patroniVolumeSize = stackRule<PatroniVolumeConfig>({
  name: "patroni-volume-size",
  description:
    "Patroni data volumes (volumeClaimTemplates of the StatefulSets under a PatroniCluster) are at least the db disk minimum (1 TiB).",
  severity: "high",
  remediationSteps: "Raise the stack's postgres.volumeGb (PatroniCluster volumeGb) to the minimum.",
  config: { minVolumeGib: num(1024, "GiB per Patroni data volume") },
  check(g, c, report) {
    const rs = [
      ...g.under(ComponentTypes.PatroniCluster, T.StatefulSet),
      ...g.under(ComponentTypes.PatroniCluster, T.ZalandoPostgresql),
    ];
    for (const r of rs) {
      if (g.unknown(r, "spec.volumeClaimTemplates") || g.unknown(r, "spec.volume")) continue;
      const sizes = claimSizes(r);
      if (sizes.length === 0)
        report(
          violation(
            label(r),
            "has no persistent data volume (no volumeClaimTemplates)",
            `a volume of >= ${c.minVolumeGib} GiB`,
            "give the Patroni StatefulSet a volumeClaimTemplate for its data directory",
          ),
          r.urn,
        );
      for (const [where, q] of sizes) {
        const bytes = parseQuantity(q);
        if (bytes === undefined || bytes < c.minVolumeGib * GIB) {
          report(
            violation(
              label(r),
              `${where} is ${bytes === undefined ? `unreadable (${JSON.stringify(q)})` : fmtGib(bytes)}`,
              `>= ${c.minVolumeGib} GiB`,
              `set the stack's postgres.volumeGb to ${c.minVolumeGib} or more`,
            ),
            r.urn,
          );
        }
      }
    }
  },
});

export interface CapacityConfig {
  headroomFactor: number;
}

/**
 * Sized registry storage found in the graph: PVCs and PVs under storage components, and a Harbor
 * release's own filesystem PVC size (persistence.persistentVolumeClaim.registry.size) when it
 * does not use an existing claim or object storage.
 */
export function registryCapacities(g: Graph): { r: Res; where: string; bytes: number }[] {
  const out: { r: Res; where: string; bytes: number }[] = [];
  for (const comp of STORAGE_COMPONENTS) {
    for (const pvc of g.under(comp, T.Pvc)) {
      const b = parseQuantity((pvc.props as any)?.spec?.resources?.requests?.storage);
      if (b !== undefined) out.push({ r: pvc, where: "spec.resources.requests.storage", bytes: b });
    }
    for (const pv of g.under(comp, T.Pv)) {
      const b = parseQuantity((pv.props as any)?.spec?.capacity?.storage);
      if (b !== undefined) out.push({ r: pv, where: "spec.capacity.storage", bytes: b });
    }
  }
  if (out.length > 0) return out;
  for (const rel of harborReleases(g)) {
    const v = (rel.props as any)?.values;
    const type = get(v, "persistence.imageChartStorage.type") ?? "filesystem";
    const claim = get(v, "persistence.persistentVolumeClaim.registry");
    if (get(v, "persistence.enabled") === false || type !== "filesystem" || claim?.existingClaim) continue;
    const b = parseQuantity(claim?.size ?? "5Gi");
    if (b !== undefined)
      out.push({ r: rel, where: "values.persistence.persistentVolumeClaim.registry.size", bytes: b });
  }
  return out;
}

export const registryCapacity = stackRule<CapacityConfig>({
  name: "registry-capacity-headroom",
  description:
    "Where the registry's storage has a size (PVC/PV of the storage component, or Harbor's own registry PVC), it is at least 3x the platform's expectedDataGb (200 % growth headroom). Object storage (S3) has no size and is not checked.",
  severity: "medium",
  remediationSteps: "Raise the storage's capacityGb to headroomFactor x expectedDataGb, or use S3.",
  config: { headroomFactor: num(3, "capacity / expectedDataGb", 1) },
  check(g, c, report) {
    const expected = platformFacts(g).expectedDataGb;
    if (expected === undefined || expected <= 0) return;
    const need = expected * 1e9 * c.headroomFactor;
    for (const { r, where, bytes } of registryCapacities(g)) {
      if (bytes < need) {
        report(
          violation(
            label(r),
            `registry capacity ${where} is ${fmtGib(bytes)} (${Math.round(bytes / 1e9)} GB) for ${expected} GB of expected data`,
            `>= ${c.headroomFactor} x ${expected} GB = ${Math.round(need / 1e9)} GB`,
            `raise the storage's capacityGb to at least ${Math.ceil(need / GIB)} (GiB), or use object storage`,
          ),
          r.urn,
        );
      }
    }
  },
});
