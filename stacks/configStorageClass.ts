/**
 * `harbor-ha:storageClass`: the SSD StorageClass every claim of the stack names (issue 13). Its own module,
 * imported by stacks/config.ts; the rules are the storage tier's (ssdStorageClassProblems).
 */
import { z } from "zod";
import {
  EBS_CSI_PROVISIONER,
  LOCAL_PROVISIONERS,
  ssdStorageClassDefaults,
  ssdStorageClassProblems,
} from "../components";
import type { StackConfig } from "./config";

const kmsKeyArn = z
  .string()
  .regex(
    /^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/,
    "is not a KMS key ARN. Fix: copy the key's ARN, e.g. arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  );

/** The schema; `name` is a Kubernetes object name (config.ts's rule, passed in). */
export const storageClassSchema = (objectName: z.ZodType<string>) =>
  z
    .strictObject({
      /** Create the class (false: the cluster already has one called `name`). Default: true. */
      create: z.boolean().default(true),
      /** The class's name; every claim names it. Default: harbor-ssd. */
      name: objectName.default(ssdStorageClassDefaults.name),
      /** Provisioner. Default: ebs.csi.aws.com; dev: its laptop cluster's (rancher.io/local-path, docker.io/hostpath). */
      provisioner: z.string().min(1).default(ssdStorageClassDefaults.provisioner),
      /** EBS volume type, SSD only (gp3, gp2, io1, io2). Default: gp3. */
      volumeType: z.string().min(1).optional(),
      /** Encrypt EBS volumes. Default: true. */
      encrypted: z.boolean().optional(),
      /** Customer-managed KMS key for EBS encryption. Default: the account's aws/ebs key. */
      kmsKeyArn: kmsKeyArn.optional(),
      /** Volume kept (Retain) or deleted (Delete) with its claim. Default: Delete. */
      reclaimPolicy: z.enum(["Delete", "Retain"]).optional(),
    })
    .prefault({});

export type StorageClassConfig = z.output<ReturnType<typeof storageClassSchema>>;

/** Rules across keys, one message each: the tier's own checks, and the provisioner fits the environment. */
export function storageClassProblems(c: Pick<StackConfig, "environment" | "storageClass">): string[] {
  const k = (p: string) => `harbor-ha:storageClass${p ? `.${p}` : ""}`;
  const sc = c.storageClass;
  if (!sc.create) return [];
  const out = ssdStorageClassProblems(toArgs(sc)).map(
    (p) => `${k(p.path === "kmsKeyId" ? "kmsKeyArn" : p.path)}: ${p.problem}. Fix: ${p.fix}.`,
  );
  const local = (LOCAL_PROVISIONERS as readonly string[]).includes(sc.provisioner);
  if (c.environment !== "dev" && local)
    out.push(
      `${k("provisioner")}: "${sc.provisioner}" keeps volumes on one node's own disk, for laptop clusters only. Fix: use ${EBS_CSI_PROVISIONER} in ${c.environment}.`,
    );
  if (c.environment === "dev" && sc.provisioner === EBS_CSI_PROVISIONER)
    out.push(
      `${k("provisioner")}: "${EBS_CSI_PROVISIONER}" needs EBS, which a dev (laptop) cluster does not have. Fix: set it to your cluster's provisioner (kind, k3d: rancher.io/local-path; Docker Desktop: docker.io/hostpath), or set ${k("create")} to false and ${k("name")} to its class.`,
    );
  return out;
}

/** The config as SsdStorageClass's Args (without `create`). */
export function toArgs(sc: StorageClassConfig) {
  return {
    name: sc.name,
    provisioner: sc.provisioner,
    volumeType: sc.volumeType,
    encrypted: sc.encrypted,
    kmsKeyId: sc.kmsKeyArn,
    reclaimPolicy: sc.reclaimPolicy,
  };
}
