import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as efs from "@pulumi/aws/efs";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, standardLabels } from "../conventions";
import { RegistryStorageDescriptor } from "./descriptor";

/** Harbor's pods run as uid/gid 10000 (field notes); the export must let them write. */
export const HARBOR_UID = 10000;

export interface NfsStorageArgs {
  /** Namespace of the claim. Default: `harbor`. */
  namespace?: pulumi.Input<string>;
  /** Capacity requested, GiB (EFS is elastic; the claim documents the plan). Default: 1024. */
  capacityGb?: number;
  /** Create an AWS EFS file system. Exactly one of `efs` and `server` is required. Default: none. */
  efs?: {
    /** VPC of the cluster's nodes. */
    vpcId: pulumi.Input<string>;
    /** A mount target per subnet (one per zone). */
    subnetIds: pulumi.Input<string>[];
    /** CIDRs allowed to reach NFS on 2049 (the nodes' subnets). At least one CIDR or security group is required. Default: []. */
    allowedCidrs?: pulumi.Input<string>[];
    /** Security groups (e.g. the nodes' or pods' groups) allowed to reach NFS on 2049. Default: []. */
    allowedSecurityGroupIds?: pulumi.Input<string>[];
    /** KMS key for encryption at rest. Default: the AWS-managed EFS key. */
    kmsKeyArn?: pulumi.Input<string>;
  };
  /** An existing NFS server. Exactly one of `efs` and `server` is required. Default: none. */
  server?: {
    /** The server's host name or address. */
    host: string;
    /** The exported path (writable by uid/gid 10000). */
    path: string;
  };
}

/**
 * ReadWriteMany storage for the registry, so that several registry replicas share one volume: an AWS
 * EFS file system (encrypted, a mount target per subnet, NFS only from the given CIDRs, an access point
 * that maps every client to uid/gid 10000) exposed through the EFS CSI driver, or an existing NFS server.
 */
export class NfsStorage extends pulumi.ComponentResource {
  static readonly __pulumiType = ComponentTypes.NfsStorage;

  readonly registryStorage: pulumi.Output<RegistryStorageDescriptor>;

  constructor(name: string, args: NfsStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    const check = new ArgsChecker("NfsStorage", name);
    check.check(
      !!args.efs !== !!args.server,
      "efs/server",
      "exactly one of efs and server must be set",
      "set efs (to create EFS) or server (an existing NFS export)",
    );
    if (args.efs) {
      check.check(args.efs.subnetIds.length > 0, "efs.subnetIds", "is empty", "list one subnet per zone");
      check.check(
        (args.efs.allowedCidrs?.length ?? 0) + (args.efs.allowedSecurityGroupIds?.length ?? 0) > 0,
        "efs.allowedCidrs/allowedSecurityGroupIds",
        "both are empty: no node could mount the file system",
        "allow the nodes' subnets (allowedCidrs) or security groups (allowedSecurityGroupIds)",
      );
    }
    if (args.server)
      check.check(
        args.server.path.startsWith("/"),
        "server.path",
        `must be absolute, got "${args.server.path}"`,
        "give the export's absolute path",
      );
    check.atLeast(args.capacityGb ?? 1024, 1, "capacityGb");
    check.throwIfAny();
    super(NfsStorage.__pulumiType, name, {}, opts);

    const child = { parent: this };
    const ns = args.namespace ?? "harbor";
    const labels = standardLabels("registry-storage", name);
    const size = `${args.capacityGb ?? 1024}Gi`;
    let pvSource: Record<string, unknown>;
    let storageClassName: pulumi.Input<string> = "";
    if (args.efs) {
      const fs = new efs.FileSystem(
        name,
        {
          encrypted: true,
          ...(args.efs.kmsKeyArn ? { kmsKeyId: args.efs.kmsKeyArn } : {}),
          throughputMode: "elastic",
          tags: { Name: name },
        },
        child,
      );
      const sg = new ec2.SecurityGroup(
        `${name}-nfs`,
        {
          vpcId: args.efs.vpcId,
          description: "NFS from the cluster's nodes to the Harbor registry's EFS",
          ingress: [
            ...((args.efs.allowedCidrs?.length ?? 0) > 0
              ? [
                  {
                    description: "NFS from the nodes' subnets",
                    protocol: "tcp",
                    fromPort: 2049,
                    toPort: 2049,
                    cidrBlocks: args.efs.allowedCidrs,
                  },
                ]
              : []),
            ...((args.efs.allowedSecurityGroupIds?.length ?? 0) > 0
              ? [
                  {
                    description: "NFS from the nodes' security groups",
                    protocol: "tcp",
                    fromPort: 2049,
                    toPort: 2049,
                    securityGroups: args.efs.allowedSecurityGroupIds,
                  },
                ]
              : []),
          ],
          egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
        },
        child,
      );
      args.efs.subnetIds.forEach(
        (subnetId, i) =>
          new efs.MountTarget(`${name}-${i}`, { fileSystemId: fs.id, subnetId, securityGroups: [sg.id] }, child),
      );
      const ap = new efs.AccessPoint(
        name,
        {
          fileSystemId: fs.id,
          posixUser: { uid: HARBOR_UID, gid: HARBOR_UID },
          rootDirectory: {
            path: "/harbor-registry",
            creationInfo: { ownerUid: HARBOR_UID, ownerGid: HARBOR_UID, permissions: "0770" },
          },
        },
        child,
      );
      const sc = new k8s.storage.v1.StorageClass(
        `${name}-efs`,
        {
          metadata: { name: `${name}-efs`, labels },
          provisioner: "efs.csi.aws.com",
          parameters: {
            provisioningMode: "efs-ap",
            fileSystemId: fs.id,
            directoryPerms: "770",
            uid: `${HARBOR_UID}`,
            gid: `${HARBOR_UID}`,
          },
        },
        child,
      );
      storageClassName = sc.metadata.name;
      pvSource = { csi: { driver: "efs.csi.aws.com", volumeHandle: pulumi.interpolate`${fs.id}::${ap.id}` } };
    } else {
      pvSource = { nfs: { server: args.server!.host, path: args.server!.path } };
    }
    const pv = new k8s.core.v1.PersistentVolume(
      name,
      {
        metadata: { name, labels },
        spec: {
          capacity: { storage: size },
          accessModes: ["ReadWriteMany"],
          persistentVolumeReclaimPolicy: "Retain",
          storageClassName,
          mountOptions: args.efs ? ["tls"] : ["nfsvers=4.1"],
          ...pvSource,
        },
      },
      child,
    );
    const pvc = new k8s.core.v1.PersistentVolumeClaim(
      name,
      {
        metadata: { name, namespace: ns, labels },
        spec: {
          accessModes: ["ReadWriteMany"],
          storageClassName,
          volumeName: pv.metadata.name,
          resources: { requests: { storage: size } },
        },
      },
      child,
    );
    this.registryStorage = pulumi.output({
      type: "filesystem" as const,
      existingClaim: pvc.metadata.name,
      accessMode: "ReadWriteMany" as const,
      sizeGi: args.capacityGb ?? 1024,
    });
    this.registerOutputs({ registryStorage: this.registryStorage });
  }
}
