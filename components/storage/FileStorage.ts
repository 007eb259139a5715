import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as efs from "@pulumi/aws/efs";
import * as k8s from "@pulumi/kubernetes";
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
        /** CIDRs allowed to reach NFS on 2049 (the nodes' subnets). */
        allowedCidrs: pulumi.Input<string>[];
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
        check.check(!!args.efs !== !!args.server, "efs/server", "exactly one of efs and server must be set", "set efs (to create EFS) or server (an existing NFS export)");
        if (args.efs) check.check(args.efs.subnetIds.length > 0, "efs.subnetIds", "is empty", "list one subnet per zone");
        if (args.server) check.check(args.server.path.startsWith("/"), "server.path", `must be absolute, got "${args.server.path}"`, "give the export's absolute path");
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
            const fs = new efs.FileSystem(name, { encrypted: true, throughputMode: "elastic", tags: { Name: name } }, child);
            const sg = new ec2.SecurityGroup(
                `${name}-nfs`,
                {
                    vpcId: args.efs.vpcId,
                    description: "NFS from the cluster's nodes to the Harbor registry's EFS",
                    ingress: [{ protocol: "tcp", fromPort: 2049, toPort: 2049, cidrBlocks: args.efs.allowedCidrs }],
                    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
                },
                child,
            );
            args.efs.subnetIds.forEach((subnetId, i) => new efs.MountTarget(`${name}-${i}`, { fileSystemId: fs.id, subnetId, securityGroups: [sg.id] }, child));
            const ap = new efs.AccessPoint(
                name,
                {
                    fileSystemId: fs.id,
                    posixUser: { uid: HARBOR_UID, gid: HARBOR_UID },
                    rootDirectory: { path: "/harbor-registry", creationInfo: { ownerUid: HARBOR_UID, ownerGid: HARBOR_UID, permissions: "0770" } },
                },
                child,
            );
            const sc = new k8s.storage.v1.StorageClass(`${name}-efs`, { metadata: { name: `${name}-efs`, labels }, provisioner: "efs.csi.aws.com", parameters: { provisioningMode: "efs-ap", fileSystemId: fs.id, directoryPerms: "770", uid: `${HARBOR_UID}`, gid: `${HARBOR_UID}` } }, child);
            storageClassName = sc.metadata.name;
            pvSource = { csi: { driver: "efs.csi.aws.com", volumeHandle: pulumi.interpolate`${fs.id}::${ap.id}` } };
        } else {
            pvSource = { nfs: { server: args.server!.host, path: args.server!.path } };
        }
        const pv = new k8s.core.v1.PersistentVolume(
            name,
            { metadata: { name, labels }, spec: { capacity: { storage: size }, accessModes: ["ReadWriteMany"], persistentVolumeReclaimPolicy: "Retain", storageClassName, mountOptions: args.efs ? ["tls"] : ["nfsvers=4.1"], ...pvSource } },
            child,
        );
        const pvc = new k8s.core.v1.PersistentVolumeClaim(
            name,
            { metadata: { name, namespace: ns, labels }, spec: { accessModes: ["ReadWriteMany"], storageClassName, volumeName: pv.metadata.name, resources: { requests: { storage: size } } } },
            child,
        );
        this.registryStorage = pulumi.output({ type: "filesystem" as const, existingClaim: pvc.metadata.name, accessMode: "ReadWriteMany" as const, sizeGi: args.capacityGb ?? 1024 });
        this.registerOutputs({ registryStorage: this.registryStorage });
    }
}

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
        check.check((args.registryReplicas ?? 1) === 1, "registryReplicas", `a ReadWriteOnce volume cannot be shared by ${args.registryReplicas} registry replicas (Multi-Attach errors)`, "use S3Storage or NfsStorage (ReadWriteMany), or run 1 registry replica");
        check.atLeast(args.capacityGb ?? 50, 1, "capacityGb");
        check.throwIfAny();
        super(FilesystemStorage.__pulumiType, name, {}, opts);
        const pvc = new k8s.core.v1.PersistentVolumeClaim(
            name,
            {
                metadata: { name, namespace: args.namespace ?? "harbor", labels: standardLabels("registry-storage", name) },
                spec: { accessModes: ["ReadWriteOnce"], ...(args.storageClass ? { storageClassName: args.storageClass } : {}), resources: { requests: { storage: `${args.capacityGb ?? 50}Gi` } } },
            },
            { parent: this },
        );
        this.registryStorage = pulumi.output({ type: "filesystem" as const, existingClaim: pvc.metadata.name, accessMode: "ReadWriteOnce" as const, sizeGi: args.capacityGb ?? 50 });
        this.registerOutputs({ registryStorage: this.registryStorage });
    }
}
