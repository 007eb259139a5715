import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs, standardLabels } from "../conventions";
import { EBS_CSI_PROVISIONER, EBS_PROVISIONERS, HDD_EBS_VOLUME_TYPES, SSD_EBS_VOLUME_TYPES } from "./ssdClasses";

export interface SsdStorageClassArgs {
  /** The StorageClass's name, which every claim of the stack names. Default: `harbor-ssd`. */
  name?: string;
  /**
   * Provisioner. Default: `ebs.csi.aws.com` (the EBS CSI driver; EKS ships no gp3 class). On a laptop
   * cluster, its own (kind, k3d: `rancher.io/local-path`; Docker Desktop: `docker.io/hostpath`).
   */
  provisioner?: string;
  /** EBS volume type, SSD only (gp3, gp2, io1, io2); EBS provisioners only. Default: `gp3`. */
  volumeType?: string;
  /** Encrypt EBS volumes; EBS provisioners only. Default: true. */
  encrypted?: boolean;
  /** KMS key (ARN or id) for EBS encryption; EBS provisioners only. Default: the account's `aws/ebs` key. */
  kmsKeyId?: pulumi.Input<string>;
  /** Volumes can grow in place. Default: true for EBS, false otherwise (local-path cannot resize). */
  allowVolumeExpansion?: boolean;
  /** What happens to a volume when its claim is deleted. Default: `Delete`. */
  reclaimPolicy?: "Delete" | "Retain";
}

/** Defaults of {@link SsdStorageClassArgs}, applied in the constructor only. */
export const ssdStorageClassDefaults = {
  name: "harbor-ssd",
  provisioner: EBS_CSI_PROVISIONER,
  volumeType: "gp3",
  encrypted: true,
  reclaimPolicy: "Delete" as const,
};

const isEbs = (provisioner: string) => (EBS_PROVISIONERS as readonly string[]).includes(provisioner);

/** The StorageClass object (pure). `WaitForFirstConsumer`: a volume is made in the zone its pod lands in. */
export function renderSsdStorageClass(args: SsdStorageClassArgs & { kmsKeyId?: string }): Record<string, unknown> {
  const d = ssdStorageClassDefaults;
  const provisioner = args.provisioner ?? d.provisioner;
  const ebs = isEbs(provisioner);
  const name = args.name ?? d.name;
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name, labels: standardLabels("storage-class", name) },
    provisioner,
    ...(ebs
      ? {
          parameters: {
            type: args.volumeType ?? d.volumeType,
            encrypted: String(args.encrypted ?? d.encrypted),
            "csi.storage.k8s.io/fstype": "ext4",
            ...(args.kmsKeyId !== undefined ? { kmsKeyId: args.kmsKeyId } : {}),
          },
        }
      : {}),
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: args.allowVolumeExpansion ?? ebs,
    reclaimPolicy: args.reclaimPolicy ?? d.reclaimPolicy,
  };
}

/** What is wrong with these Args (all problems), before any resource. */
export function ssdStorageClassProblems(args: SsdStorageClassArgs): { path: string; problem: string; fix: string }[] {
  const out: { path: string; problem: string; fix: string }[] = [];
  const provisioner = args.provisioner ?? ssdStorageClassDefaults.provisioner;
  const type = args.volumeType ?? ssdStorageClassDefaults.volumeType;
  if (isEbs(provisioner) && !(SSD_EBS_VOLUME_TYPES as readonly string[]).includes(type))
    out.push({
      path: "volumeType",
      problem: `"${type}" is ${(HDD_EBS_VOLUME_TYPES as readonly string[]).includes(type) ? "a magnetic (HDD)" : "not an SSD"} EBS volume type`,
      fix: `use one of ${SSD_EBS_VOLUME_TYPES.join(", ")} (gp3 unless you need provisioned IOPS: io2)`,
    });
  if (!isEbs(provisioner))
    for (const key of ["volumeType", "encrypted", "kmsKeyId"] as const)
      if (args[key] !== undefined)
        out.push({
          path: key,
          problem: `is an EBS setting, but the provisioner is "${provisioner}"`,
          fix: `remove ${key}, or use the provisioner ${EBS_CSI_PROVISIONER}`,
        });
  if (args.kmsKeyId !== undefined && args.encrypted === false)
    out.push({ path: "kmsKeyId", problem: "is set but encrypted is false", fix: "remove kmsKeyId or encrypt" });
  return out;
}

/**
 * The stack's own SSD StorageClass, which every claim of the stack names (Patroni, Redis and the sentinels,
 * Trivy, filesystem registry storage): nothing depends on the cluster's default class, which on EKS is gp2
 * through the in-tree provisioner, or none at all.
 */
export class SsdStorageClass extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.SsdStorageClass;

  /** The class's name (plain: claims and the policy pack read it in a first preview). */
  readonly name: string;
  /** The StorageClass, for claims to wait for. */
  readonly storageClass: k8s.storage.v1.StorageClass;

  constructor(name: string, args: SsdStorageClassArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("SsdStorageClass", name, checkSsdStorageClassArgs(name, args));
    super(SsdStorageClass.__pulumiType, name, {}, opts);
    const { kmsKeyId, ...plain } = args;
    const rendered = renderSsdStorageClass(plain);
    const parameters = rendered.parameters as Record<string, string> | undefined;
    this.name = (rendered.metadata as { name: string }).name;
    this.storageClass = new k8s.storage.v1.StorageClass(
      name,
      {
        ...(rendered as object),
        ...(parameters
          ? {
              parameters:
                kmsKeyId !== undefined
                  ? pulumi.output(kmsKeyId).apply((k) => ({ ...parameters, kmsKeyId: k }))
                  : parameters,
            }
          : {}),
      } as k8s.storage.v1.StorageClassArgs,
      { parent: this },
    );
    this.registerOutputs({ name: this.name });
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkSsdStorageClassArgs(name: string, args: SsdStorageClassArgs): ArgsProblem[] {
  const check = new ArgsChecker("SsdStorageClass", name);
  for (const p of ssdStorageClassProblems(args)) check.rule(p.path, p);
  return check.problems;
}
