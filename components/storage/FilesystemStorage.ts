import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import {
  ArgsChecker,
  ArgsProblem,
  refuseInvalidArgs,
  DEFAULT_NAMESPACE,
  readWriteOnceSharingViolation,
  standardLabels,
} from "../conventions";
import { RegistryStorageDescriptor } from "./descriptor";

export interface FilesystemStorageArgs {
  /** Namespace of the claim. Default: `harbor`. */
  namespace?: pulumi.Input<string>;
  /** StorageClass. Default: the cluster's default class. */
  storageClass?: string;
  /** Size, GiB. Default: 50. */
  capacityGb?: number;
  /** Registry replicas that will mount it: must be 1 (ReadWriteOnce). Default: 1. */
  registryReplicas?: number;
}

/** Defaults of {@link FilesystemStorageArgs}, applied in the constructor only. */
export const filesystemStorageDefaults = {
  namespace: DEFAULT_NAMESPACE,
  capacityGb: 50,
  registryReplicas: 1,
};

/** A single ReadWriteOnce volume for the registry: for dev (one replica) only. */
export class FilesystemStorage extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.FilesystemStorage;

  readonly registryStorage: pulumi.Output<RegistryStorageDescriptor>;

  constructor(name: string, args: FilesystemStorageArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    refuseInvalidArgs("FilesystemStorage", name, checkFilesystemStorageArgs(name, args));
    super(FilesystemStorage.__pulumiType, name, {}, opts);
    const d = filesystemStorageDefaults;
    const capacityGb = args.capacityGb ?? d.capacityGb;
    const pvc = new k8s.core.v1.PersistentVolumeClaim(
      name,
      {
        metadata: { name, namespace: args.namespace ?? d.namespace, labels: standardLabels("registry-storage", name) },
        spec: {
          accessModes: ["ReadWriteOnce"],
          ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
          resources: { requests: { storage: `${capacityGb}Gi` } },
        },
      },
      { parent: this },
    );
    this.registryStorage = pulumi.output({
      type: "filesystem" as const,
      existingClaim: pvc.metadata.name,
      accessMode: "ReadWriteOnce" as const,
      sizeGi: capacityGb,
    });
    this.registerOutputs({ registryStorage: this.registryStorage });
  }
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkFilesystemStorageArgs(name: string, args: FilesystemStorageArgs): ArgsProblem[] {
  const d = filesystemStorageDefaults;
  const capacityGb = args.capacityGb ?? d.capacityGb;
  const check = new ArgsChecker("FilesystemStorage", name);
  check.rule(
    "registryReplicas",
    readWriteOnceSharingViolation({
      registryReplicas: args.registryReplicas ?? d.registryReplicas,
      subject: "the claim",
      replicasKey: "registryReplicas",
    }),
  );
  check.atLeast(capacityGb, 1, "capacityGb");
  return check.problems;
}
