import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as efs from "@pulumi/aws/efs";
import * as k8s from "../conventions/kubernetes";
import { ComponentTypes } from "../tokens";
import { ArgsChecker, ArgsProblem, refuseInvalidArgs, DEFAULT_NAMESPACE, standardLabels } from "../conventions";
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
    /**
     * The nodes' subnets keyed by availability zone, `{ "eu-west-1a": "subnet-..." }`: one mount target per
     * zone (EFS refuses a second mount target in a zone with MountTargetConflict). Default: none (required).
     */
    subnets?: Record<string, pulumi.Input<string>>;
    /** Replaced by `subnets` (the zone of each subnet must be known); refused with a message saying so. Default: none. */
    subnetIds?: pulumi.Input<string>[];
    /** CIDRs allowed to reach NFS on 2049 (the nodes' subnets). At least one CIDR or security group is required. Default: []. */
    allowedCidrs?: pulumi.Input<string>[];
    /** Security groups (e.g. the nodes' or pods' groups) allowed to reach NFS on 2049. Default: []. */
    allowedSecurityGroupIds?: pulumi.Input<string>[];
    /** KMS key for encryption at rest. Default: the AWS-managed EFS key. */
    kmsKeyArn?: pulumi.Input<string>;
  };
  /** AWS tags on the file system, its security group and access point (the file system also gets a Name). Default: {}. */
  tags?: Record<string, string>;
  /** AWS Backup for the file system (EFS' automatic backups, daily, 35 days). Default: true. */
  backup?: boolean;
  /** An existing NFS server. Exactly one of `efs` and `server` is required. Default: none. */
  server?: {
    /** The server's host name or address (e.g. another resource's DNS name output). */
    host: pulumi.Input<string>;
    /** The exported path (writable by uid/gid 10000). */
    path: string;
  };
}

/** Defaults of {@link NfsStorageArgs}, applied in the constructor only. */
export const nfsStorageDefaults = {
  namespace: DEFAULT_NAMESPACE,
  capacityGb: 1024,
  backup: true,
};

/** NFS, the only port an EFS mount target listens on. */
const NFS_PORT = 2049;

/** Where the persistent volume points: a file system's CSI handle or an NFS export. */
interface VolumeSource {
  /** The StorageClass the volume and claim bind through ("" for a static NFS volume). */
  storageClassName: pulumi.Input<string>;
  /** The PersistentVolume's source (`csi` or `nfs`). */
  source: Record<string, unknown>;
  /** Mount options of that source. */
  mountOptions: string[];
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
    refuseInvalidArgs("NfsStorage", name, checkNfsStorageArgs(name, args));
    super(NfsStorage.__pulumiType, name, {}, opts);
    const capacityGb = args.capacityGb ?? nfsStorageDefaults.capacityGb;
    const labels = standardLabels("registry-storage", name);
    const source = args.efs ? this.efsVolumeSource(name, args, labels) : existingServerSource(args.server!);
    const pvc = this.sharedClaim(name, args.namespace ?? nfsStorageDefaults.namespace, capacityGb, labels, source);
    this.registryStorage = pulumi.output({
      type: "filesystem" as const,
      existingClaim: pvc.metadata.name,
      accessMode: "ReadWriteMany" as const,
      sizeGi: capacityGb,
    });
    this.registerOutputs({ registryStorage: this.registryStorage });
  }

  /** An encrypted EFS file system reachable on NFS from the allowed sources only, and its CSI StorageClass. */
  private efsVolumeSource(name: string, args: NfsStorageArgs, labels: Record<string, string>): VolumeSource {
    const e = args.efs!;
    const tags = args.tags ?? {};
    const child = { parent: this };
    const fs = new efs.FileSystem(
      name,
      {
        encrypted: true,
        ...(e.kmsKeyArn ? { kmsKeyId: e.kmsKeyArn } : {}),
        throughputMode: "elastic",
        tags: { ...tags, Name: name },
      },
      child,
    );
    new efs.BackupPolicy(
      name,
      {
        fileSystemId: fs.id,
        backupPolicy: { status: (args.backup ?? nfsStorageDefaults.backup) ? "ENABLED" : "DISABLED" },
      },
      child,
    );
    new efs.FileSystemPolicy(
      name,
      { fileSystemId: fs.id, policy: fs.arn.apply((arn) => JSON.stringify(renderEfsTlsOnlyPolicy(arn))) },
      child,
    );
    const sg = this.nfsSecurityGroup(name, e, tags);
    // One mount target per zone (keyed by zone: a second one in a zone fails with MountTargetConflict).
    for (const [zone, subnetId] of Object.entries(e.subnets ?? {}))
      new efs.MountTarget(`${name}-${zone}`, { fileSystemId: fs.id, subnetId, securityGroups: [sg.id] }, child);
    const ap = new efs.AccessPoint(
      name,
      {
        fileSystemId: fs.id,
        tags,
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
    return {
      storageClassName: sc.metadata.name,
      source: { csi: { driver: "efs.csi.aws.com", volumeHandle: pulumi.interpolate`${fs.id}::${ap.id}` } },
      mountOptions: ["tls"],
    };
  }

  /** NFS (2049) from the allowed CIDRs and security groups only. */
  private nfsSecurityGroup(
    name: string,
    e: NonNullable<NfsStorageArgs["efs"]>,
    tags: Record<string, string>,
  ): ec2.SecurityGroup {
    const nfsFrom = (
      description: string,
      from: { cidrBlocks?: pulumi.Input<string>[]; securityGroups?: pulumi.Input<string>[] },
    ) => ({
      description,
      protocol: "tcp",
      fromPort: NFS_PORT,
      toPort: NFS_PORT,
      ...from,
    });
    return new ec2.SecurityGroup(
      `${name}-nfs`,
      {
        vpcId: e.vpcId,
        tags,
        description: "NFS from the cluster's nodes to the Harbor registry's EFS",
        ingress: [
          ...((e.allowedCidrs?.length ?? 0) > 0
            ? [nfsFrom("NFS from the nodes' subnets", { cidrBlocks: e.allowedCidrs })]
            : []),
          ...((e.allowedSecurityGroupIds?.length ?? 0) > 0
            ? [nfsFrom("NFS from the nodes' security groups", { securityGroups: e.allowedSecurityGroupIds })]
            : []),
        ],
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
      },
      { parent: this },
    );
  }

  /** A retained ReadWriteMany volume on the source, and the claim in Harbor's namespace bound to it. */
  private sharedClaim(
    name: string,
    namespace: pulumi.Input<string>,
    capacityGb: number,
    labels: Record<string, string>,
    v: VolumeSource,
  ): k8s.core.v1.PersistentVolumeClaim {
    const size = `${capacityGb}Gi`;
    const pv = new k8s.core.v1.PersistentVolume(
      name,
      {
        metadata: { name, labels },
        spec: {
          capacity: { storage: size },
          accessModes: ["ReadWriteMany"],
          persistentVolumeReclaimPolicy: "Retain",
          storageClassName: v.storageClassName,
          mountOptions: v.mountOptions,
          ...v.source,
        },
      },
      { parent: this },
    );
    return new k8s.core.v1.PersistentVolumeClaim(
      name,
      {
        metadata: { name, namespace, labels },
        spec: {
          accessModes: ["ReadWriteMany"],
          storageClassName: v.storageClassName,
          volumeName: pv.metadata.name,
          resources: { requests: { storage: size } },
        },
      },
      { parent: this },
    );
  }
}

/**
 * File system policy: every client must use TLS (`aws:SecureTransport`); the CSI driver mounts with `tls`.
 * Root access and writes stay allowed to clients that mount through the access point over TLS. Pure.
 */
export function renderEfsTlsOnlyPolicy(fileSystemArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyUnencryptedTransport",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "*",
        Resource: fileSystemArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "MountOverTls",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: [
          "elasticfilesystem:ClientMount",
          "elasticfilesystem:ClientWrite",
          "elasticfilesystem:ClientRootAccess",
        ],
        Resource: fileSystemArn,
        Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } },
      },
    ],
  };
}

/** An existing server's export, mounted as NFS 4.1. */
function existingServerSource(server: NonNullable<NfsStorageArgs["server"]>): VolumeSource {
  return {
    storageClassName: "",
    source: { nfs: { server: server.host, path: server.path } },
    mountOptions: ["nfsvers=4.1"],
  };
}

/** Every problem of these Args (empty: valid), before any resource. Pure: HarborPlatform asks it too. */
export function checkNfsStorageArgs(name: string, args: NfsStorageArgs): ArgsProblem[] {
  const check = new ArgsChecker("NfsStorage", name);
  check.check(
    !!args.efs !== !!args.server,
    "efs/server",
    "exactly one of efs and server must be set",
    "set efs (to create EFS) or server (an existing NFS export)",
  );
  if (args.efs) {
    const zones = Object.keys(args.efs.subnets ?? {});
    check.check(
      args.efs.subnetIds === undefined,
      "efs.subnetIds",
      "does not say which zone each subnet is in, and EFS takes one mount target per zone (a second fails with MountTargetConflict)",
      'give efs.subnets as { "<zone>": "<subnet id>" }, one subnet per zone',
    );
    check.check(
      args.efs.subnetIds !== undefined || zones.length > 0,
      "efs.subnets",
      "is empty",
      "list one subnet per zone",
    );
    for (const z of zones)
      check.check(
        /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(z),
        `efs.subnets.${z}`,
        "is not an availability zone name",
        'key each subnet by its zone, e.g. { "eu-west-1a": "subnet-0abc" }',
      );
    const ids = Object.values(args.efs.subnets ?? {}).filter((v): v is string => typeof v === "string");
    const twice = [...new Set(ids.filter((v, i) => ids.indexOf(v) !== i))];
    check.check(
      twice.length === 0,
      "efs.subnets",
      `lists ${twice.join(", ")} for more than one zone (a subnet lies in one zone)`,
      "give each zone its own subnet",
    );
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
  check.atLeast(args.capacityGb ?? nfsStorageDefaults.capacityGb, 1, "capacityGb");
  return check.problems;
}
