/**
 * Storage: SSD volume types only; Patroni data volumes at least the db disk minimum; registry
 * capacity at least 3x the expected data where the storage has a size.
 */
import { HARBOR_DATABASE_LABEL } from "../../components/facts";
import { stackRule, num, strList, violation } from "./common";
import { EBS_PROVISIONERS, harborChartClaims, LOCAL_PROVISIONERS, SSD_EBS_VOLUME_TYPES } from "../../components/facts";
import {
  ComponentTypes,
  fmtGib,
  get,
  GIB,
  Graph,
  harborReleases,
  harborValuesUnknown,
  label,
  parseQuantity,
  platformFacts,
  kube,
  obj,
  Obj,
  Res,
  STORAGE_COMPONENTS,
  str,
  T,
  valuesOf,
} from "./graph";

export interface SsdConfig {
  allowedVolumeTypes: string[];
}

/** File storage provisioners a registry storage component may name (EFS: not a block volume, no volume type). */
const REGISTRY_FILE_PROVISIONERS = ["efs.csi.aws.com"];

/** One volume claim of the plan and the StorageClass it names. */
export interface Claim {
  /** The resource that makes the claim (a PVC, a StatefulSet, a Zalando manifest, a Helm release). */
  r: Res;
  /** Where in it (for messages). */
  where: string;
  /** The class named: undefined for the cluster's default, "" for none (a pre-bound volume). */
  storageClass: string | undefined;
}

/**
 * Every claim the plan makes: PVCs, StatefulSets' volumeClaimTemplates, Zalando manifests' volume, and the
 * Harbor chart's own claims read from its values. Claims whose class a preview does not know go to `cannotCheck`.
 */
export function planClaims(g: Graph, cannotCheck: (what: string, urn?: string) => void = () => {}): Claim[] {
  const out: Claim[] = [];
  const className = (v: unknown) => (typeof v === "string" ? v : undefined);
  for (const pvc of g.ofType(T.Pvc)) {
    if (g.unknown(pvc, "spec.storageClassName")) cannotCheck(`${label(pvc)} spec.storageClassName`, pvc.urn);
    else
      out.push({ r: pvc, where: "spec.storageClassName", storageClass: className(kube(pvc).spec?.storageClassName) });
  }
  for (const set of g.ofType(T.StatefulSet)) {
    if (g.unknown(set, "spec.volumeClaimTemplates")) {
      cannotCheck(`${label(set)} spec.volumeClaimTemplates`, set.urn);
      continue;
    }
    (kube(set).spec?.volumeClaimTemplates ?? []).forEach((t, i) =>
      out.push({
        r: set,
        where: `volumeClaimTemplates[${i}] (${t?.metadata?.name ?? "?"}) storageClassName`,
        storageClass: className(t?.spec?.storageClassName),
      }),
    );
  }
  for (const pg of g.ofType(T.ZalandoPostgresql)) {
    if (g.unknown(pg, "spec.volume")) cannotCheck(`${label(pg)} spec.volume`, pg.urn);
    else
      out.push({
        r: pg,
        where: "spec.volume.storageClass",
        storageClass: className(kube(pg).spec?.volume?.storageClass),
      });
  }
  for (const rel of harborReleases(g)) {
    // Exactly the values the chart's claims depend on (harborChartClaims).
    const hidden =
      harborValuesUnknown(g, rel) ??
      g.unknownOf(
        rel,
        "values.persistence.enabled",
        "values.persistence.imageChartStorage.type",
        "values.persistence.persistentVolumeClaim",
        "values.jobservice.jobLoggers",
        "values.database.type",
        "values.redis.type",
        "values.trivy.enabled",
      );
    if (hidden) {
      cannotCheck(hidden.startsWith("values.") ? `${label(rel)} ${hidden}` : hidden, rel.urn);
      continue;
    }
    for (const c of harborChartClaims(valuesOf(rel)))
      out.push({
        r: rel,
        where: `values.${c.valuesPath} (the chart's ${c.claim} claim)`,
        storageClass: c.storageClass,
      });
  }
  return out;
}

export const ssdStorage = stackRule<SsdConfig>({
  name: "harbor-ssd-storage-only",
  description:
    "EBS volumes, launch template block devices, EC2 instance volumes and EBS StorageClasses use SSD volume types (gp3, gp2, io1, io2), never st1, sc1 or standard; every volume claim (PVCs, volumeClaimTemplates, the Harbor chart's claims from its values) names a StorageClass the plan defines, of an SSD type.",
  severity: "high",
  remediationSteps:
    "Set volumeType / parameters.type to gp3 (or io2 for provisioned IOPS); have every claim name the stack's own SSD StorageClass (harbor-ha:storageClass).",
  config: { allowedVolumeTypes: strList([...SSD_EBS_VOLUME_TYPES], "EBS volume types that are SSD") },
  check(g, c, report, _args, cannotCheck) {
    const allowed = c.allowedVolumeTypes;
    const bad = (r: Res, where: string, type: unknown) => {
      if (typeof type !== "string" || allowed.includes(type)) return;
      report(
        violation(label(r), `${where} is "${type}" (not SSD)`, `one of ${allowed.join(", ")}`, `set ${where} to gp3`),
        r.urn,
      );
    };
    for (const v of g.ofType(T.EbsVolume)) bad(v, "type", obj(v.props).type);
    for (const lt of g.ofType(T.LaunchTemplate)) {
      const mappings = obj(lt.props).blockDeviceMappings;
      (Array.isArray(mappings) ? mappings : []).forEach((b, i) =>
        bad(lt, `blockDeviceMappings[${i}].ebs.volumeType`, obj(obj(b).ebs).volumeType),
      );
    }
    for (const inst of g.ofType(T.Instance)) {
      const p = obj(inst.props);
      bad(inst, "rootBlockDevice.volumeType", obj(p.rootBlockDevice).volumeType);
      (Array.isArray(p.ebsBlockDevices) ? p.ebsBlockDevices : []).forEach((b, i) =>
        bad(inst, `ebsBlockDevices[${i}].volumeType`, obj(b).volumeType),
      );
    }
    for (const sc of g.ofType(T.StorageClass)) {
      const p = obj(sc.props);
      const type = obj(p.parameters).type;
      const provisioner = str(p.provisioner) ?? "";
      // Only EBS classes have EBS volume types; other provisioners (EFS, NFS, local-path) are out of scope.
      if ((EBS_PROVISIONERS as readonly string[]).includes(provisioner) || type !== undefined)
        bad(sc, "parameters.type", type ?? (provisioner === "kubernetes.io/aws-ebs" ? "gp2" : undefined));
    }
    checkClaims(g, report, cannotCheck);
  },
});

/**
 * Each claim names a StorageClass the plan defines (the cluster's default is whatever the cluster has: gp2
 * or none on EKS), whose volumes are SSD: an EBS class (its type is checked above), EFS for registry storage,
 * a laptop's provisioner in dev. "" binds a volume the plan defines.
 */
function checkClaims(
  g: Graph,
  report: (message: string, urn?: string) => void,
  cannotCheck: (what: string, urn?: string) => void,
): void {
  const classes = new Map<string, Res>();
  for (const sc of g.ofType(T.StorageClass)) {
    if (g.unknown(sc, "metadata.name")) cannotCheck(`${label(sc)} metadata.name`, sc.urn);
    const n = kube(sc).metadata?.name;
    if (n) classes.set(n, sc);
  }
  const staticVolumes = g.ofType(T.Pv).filter((pv) => (kube(pv).spec?.storageClassName ?? "") === "");
  const dev = platformFacts(g).environment === "dev";
  const fix =
    "name the stack's own class (harbor-ha:storageClass.name, created by the plan) or define the class in the plan";
  for (const c of planClaims(g, cannotCheck)) {
    const where = `${c.where}`;
    if (c.storageClass === undefined) {
      report(
        violation(
          label(c.r),
          `${where} names no StorageClass, so it gets the cluster's default class, which the plan does not define (EKS: gp2 through the in-tree provisioner, or none)`,
          "a StorageClass defined in the same plan with an SSD volume type",
          "set the claim's class to the stack's own SSD class (harbor-ha:storageClass.name)",
        ),
        c.r.urn,
      );
      continue;
    }
    if (c.storageClass === "") {
      if (staticVolumes.length === 0)
        report(
          violation(
            label(c.r),
            `${where} is "" (a pre-bound volume), but the plan defines no PersistentVolume without a class`,
            "a PersistentVolume in the same plan for it to bind",
            "create the PersistentVolume in the stack, or name the stack's SSD class",
          ),
          c.r.urn,
        );
      continue;
    }
    const sc = classes.get(c.storageClass);
    if (!sc) {
      report(
        violation(
          label(c.r),
          `${where} is "${c.storageClass}", a StorageClass the plan does not define (whatever the cluster has under that name, if anything, is unchecked)`,
          "a StorageClass defined in the same plan with an SSD volume type",
          fix,
        ),
        c.r.urn,
      );
      continue;
    }
    const provisioner = str(obj(sc.props).provisioner) ?? "";
    if ((EBS_PROVISIONERS as readonly string[]).includes(provisioner)) continue; // its type is checked above
    const registryFiles =
      REGISTRY_FILE_PROVISIONERS.includes(provisioner) && STORAGE_COMPONENTS.some((t) => g.isUnder(c.r, t));
    const laptop = dev && (LOCAL_PROVISIONERS as readonly string[]).includes(provisioner);
    if (!registryFiles && !laptop)
      report(
        violation(
          label(c.r),
          `${where} is "${c.storageClass}", provisioned by ${provisioner || "(none)"}, whose volumes are not known to be SSD`,
          `an EBS class of type ${SSD_EBS_VOLUME_TYPES.join(", ")} (EFS for registry storage; a laptop provisioner in dev only)`,
          fix,
        ),
        c.r.urn,
      );
  }
}

export interface PatroniVolumeConfig {
  minVolumeGib: number;
}

/** Storage requested by each volume claim template (or a Zalando manifest's spec.volume.size). */
function claimSizes(r: Res): [string, unknown][] {
  const spec = kube(r).spec;
  if (r.type === T.ZalandoPostgresql) return [["spec.volume.size", spec?.volume?.size]];
  return (spec?.volumeClaimTemplates ?? []).map((t, i): [string, unknown] => [
    `volumeClaimTemplates[${i}] (${t?.metadata?.name ?? "?"}) storage`,
    t?.spec?.resources?.requests?.storage,
  ]);
}

export const patroniVolumeSize = stackRule<PatroniVolumeConfig>({
  name: "harbor-patroni-volume-size",
  description:
    "Harbor's Patroni data volumes (volumeClaimTemplates of the StatefulSet marked harbor-ha.io/harbor-database under a PatroniCluster) are at least the db disk minimum (1 TiB).",
  severity: "high",
  remediationSteps:
    "Raise the stack's postgres.volumeGb (Args: PatroniCluster volumeGb, HarborPlatform database.volumeGb) to the minimum.",
  config: { minVolumeGib: num(1024, "GiB per Patroni data volume") },
  check(g, c, report, _args, cannotCheck) {
    // Harbor's sizing: only the database marked as Harbor's (HarborPlatform marks its own), not a
    // PatroniCluster another application deploys with harbor-ha.
    const rs = [
      ...g.under(ComponentTypes.PatroniCluster, T.StatefulSet),
      ...g.under(ComponentTypes.PatroniCluster, T.ZalandoPostgresql),
    ].filter((r) => kube(r).metadata?.labels?.[HARBOR_DATABASE_LABEL] === "true");
    for (const r of rs) {
      const hidden = g.unknownOf(r, "spec.volumeClaimTemplates", "spec.volume");
      if (hidden) {
        cannotCheck(`${label(r)} ${hidden}`, r.urn);
        continue;
      }
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
              `set the stack's postgres.volumeGb to ${c.minVolumeGib} or more (PatroniCluster volumeGb)`,
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
export function registryCapacities(
  g: Graph,
  cannotCheck: (what: string, urn?: string) => void = () => {},
): { r: Res; where: string; bytes: number }[] {
  const out: { r: Res; where: string; bytes: number }[] = [];
  for (const comp of STORAGE_COMPONENTS) {
    for (const pvc of g.under(comp, T.Pvc)) {
      if (g.unknown(pvc, "spec.resources.requests.storage")) cannotCheck(`${label(pvc)} requested storage`, pvc.urn);
      const b = parseQuantity(kube(pvc).spec?.resources?.requests?.storage);
      if (b !== undefined) out.push({ r: pvc, where: "spec.resources.requests.storage", bytes: b });
    }
    for (const pv of g.under(comp, T.Pv)) {
      if (g.unknown(pv, "spec.capacity.storage")) cannotCheck(`${label(pv)} capacity`, pv.urn);
      const b = parseQuantity(kube(pv).spec?.capacity?.storage);
      if (b !== undefined) out.push({ r: pv, where: "spec.capacity.storage", bytes: b });
    }
  }
  if (out.length > 0) return out;
  for (const rel of harborReleases(g)) {
    // Whether Harbor keeps blobs on its own PVC (and its size) is in the values: never assume the chart's.
    const hidden =
      harborValuesUnknown(g, rel) ??
      g.unknownOf(rel, "values.persistence.enabled", "values.persistence.imageChartStorage.type") ??
      g.unknownOf(rel, "values.persistence.persistentVolumeClaim.registry");
    if (hidden) {
      cannotCheck(hidden.startsWith("values.") ? `${label(rel)} ${hidden}` : hidden, rel.urn);
      continue;
    }
    const v = valuesOf(rel);
    const type = get(v, "persistence.imageChartStorage.type") ?? "filesystem";
    const claim: Obj = obj(get(v, "persistence.persistentVolumeClaim.registry"));
    if (get(v, "persistence.enabled") === false || type !== "filesystem" || claim.existingClaim) continue;
    const b = parseQuantity(claim.size ?? "5Gi");
    if (b !== undefined)
      out.push({ r: rel, where: "values.persistence.persistentVolumeClaim.registry.size", bytes: b });
  }
  return out;
}

export const registryCapacity = stackRule<CapacityConfig>({
  name: "harbor-registry-capacity-headroom",
  description:
    "Where the registry's storage has a size (PVC/PV of the storage component, or Harbor's own registry PVC), it is at least 3x the platform's expectedDataGb (200 % growth headroom). Object storage (S3) has no size and is not checked.",
  severity: "medium",
  remediationSteps: "Raise the storage's capacityGb to headroomFactor x expectedDataGb, or use S3.",
  config: { headroomFactor: num(3, "capacity / expectedDataGb", 1) },
  check(g, c, report, _args, cannotCheck) {
    const facts = platformFacts(g);
    const platform = facts.urn ? g.byUrn.get(facts.urn) : undefined;
    if (platform && g.unknown(platform, "expectedDataGb")) {
      cannotCheck(`${label(platform)} expectedDataGb`, platform.urn);
      return;
    }
    const expected = facts.expectedDataGb;
    if (expected === undefined || expected <= 0) return;
    const need = expected * 1e9 * c.headroomFactor;
    for (const { r, where, bytes } of registryCapacities(g, cannotCheck)) {
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
