import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, standardLabels } from "../conventions";
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

/** A single ReadWriteOnce volume for the registry: for dev (one replica) only. */
export class FilesystemStorage extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.FilesystemStorage;

  readonly registryStorage: pulumi.Output<RegistryStorageDescriptor>;

  constructor(name: string, args: FilesystemStorageArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    const check = new ArgsChecker("FilesystemStorage", name);
    check.check(
      (args.registryReplicas ?? 1) === 1,
      "registryReplicas",
      `a ReadWriteOnce volume cannot be shared by ${args.registryReplicas} registry replicas (Multi-Attach errors)`,
      "use S3Storage or NfsStorage (ReadWriteMany), or run 1 registry replica",
    );
    check.atLeast(args.capacityGb ?? 50, 1, "capacityGb");
    check.throwIfAny();
    super(FilesystemStorage.__pulumiType, name, {}, opts);
    const pvc = new k8s.core.v1.PersistentVolumeClaim(
      name,
      {
        metadata: { name, namespace: args.namespace ?? "harbor", labels: standardLabels("registry-storage", name) },
        spec: {
          accessModes: ["ReadWriteOnce"],
          ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
          resources: { requests: { storage: `${args.capacityGb ?? 50}Gi` } },
        },
      },
      { parent: this },
    );
    this.registryStorage = pulumi.output({
      type: "filesystem" as const,
      existingClaim: pvc.metadata.name,
      accessMode: "ReadWriteOnce" as const,
      sizeGi: args.capacityGb ?? 50,
    });
    this.registerOutputs({ registryStorage: this.registryStorage });
  }
}
