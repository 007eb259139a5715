import { strict as assert } from "assert";
import { S3Storage, NfsStorage, FilesystemStorage } from "../components/storage";
import { InvalidArgsError } from "../components/conventions";
import { runProgram, unwrapSecrets, isSecretEnvelope, PlanGraph } from "../engine";

const byType = (g: PlanGraph, type: string) =>
  g.resources.filter((r) => r.type === type).map((r) => unwrapSecrets(r.inputs) as any);

const EFS = { vpcId: "vpc-1", subnetIds: ["a", "b", "c"] };

describe("registry storage", () => {
  it("S3: hardened bucket and exactly the registry's least-privilege policy", async () => {
    const g = await runProgram(async () => {
      const s = new S3Storage("reg", { namespace: "harbor" });
      return { storage: s.registryStorage };
    });
    assert.deepEqual(g.errors, []);
    // The descriptor Harbor takes points at this bucket, its KMS key and the credentials Secret.
    const d = unwrapSecrets(g.outputs.storage) as any;
    const bucket = byType(g, "aws:s3/bucket:Bucket");
    assert.equal(bucket.length, 1);
    const secretObj = unwrapSecrets(g.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!.inputs) as any;
    assert.equal(d.type, "s3");
    assert.equal(d.secretName, secretObj.metadata.name);
    assert.equal(d.encrypt, true);
    assert.match(d.keyId, /^arn:aws:kms:/);
    assert.equal(
      byType(g, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0].rules[0]
        .applyServerSideEncryptionByDefault.kmsMasterKeyId,
      d.keyId,
    );
    const pab = byType(g, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0];
    assert.deepEqual(
      [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
      [true, true, true, true],
    );
    assert.equal(
      byType(g, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")[0].rule.objectOwnership,
      "BucketOwnerEnforced",
    );
    assert.equal(
      byType(g, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0].rules[0]
        .applyServerSideEncryptionByDefault.sseAlgorithm,
      "aws:kms",
    );
    assert.equal(byType(g, "aws:s3/bucketVersioning:BucketVersioning")[0].versioningConfiguration.status, "Enabled");
    const rules = byType(g, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0].rules;
    assert.ok(rules.some((r: any) => r.noncurrentVersionExpiration?.noncurrentDays === 30));
    assert.ok(rules.some((r: any) => r.abortIncompleteMultipartUpload?.daysAfterInitiation === 7));
    const bucketPolicy = JSON.parse(byType(g, "aws:s3/bucketPolicy:BucketPolicy")[0].policy);
    assert.deepEqual(bucketPolicy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
    assert.equal(bucketPolicy.Statement[0].Effect, "Deny");

    const policy = JSON.parse(byType(g, "aws:iam/userPolicy:UserPolicy")[0].policy);
    const bucketArn =
      byType(g, "aws:s3/bucketPolicy:BucketPolicy").length &&
      JSON.parse(byType(g, "aws:s3/bucketPolicy:BucketPolicy")[0].policy).Statement[0].Resource[0];
    assert.deepEqual(
      policy.Statement.map((s: any) => [s.Action, s.Resource]),
      [
        [["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], [bucketArn]],
        [
          ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
          [`${bucketArn}/*`],
        ],
        [["kms:GenerateDataKey", "kms:Decrypt"], [policy.Statement[2].Resource[0]]],
      ],
    );
    assert.match(policy.Statement[2].Resource[0], /^arn:aws:kms:/);
    // The access key reaches the cluster only as a Secret, with the keys the registry reads.
    const secret = g.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
    assert.ok(
      isSecretEnvelope((secret.inputs as any).stringData) ||
        isSecretEnvelope((secret.inputs as any).stringData.REGISTRY_STORAGE_S3_SECRETKEY),
    );
    assert.deepEqual(Object.keys((unwrapSecrets(secret.inputs) as any).stringData).sort(), [
      "REGISTRY_STORAGE_S3_ACCESSKEY",
      "REGISTRY_STORAGE_S3_SECRETKEY",
    ]);
  });

  it("S3 without KMS uses AES256 and grants no KMS action", async () => {
    const g = await runProgram(async () => {
      new S3Storage("reg", { kms: false });
    });
    assert.equal(byType(g, "aws:kms/key:Key").length, 0);
    assert.equal(
      byType(g, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0].rules[0]
        .applyServerSideEncryptionByDefault.sseAlgorithm,
      "AES256",
    );
    assert.equal(JSON.parse(byType(g, "aws:iam/userPolicy:UserPolicy")[0].policy).Statement.length, 2);
  });

  it("S3-compatible creates nothing in AWS and points at the existing endpoint and credentials", async () => {
    const g = await runProgram(async () => {
      return {
        storage: new S3Storage("reg", {
          compatible: {
            bucket: "b",
            region: "us-east-1",
            regionEndpoint: "https://minio.local",
            credentialsSecretName: "minio",
          },
        }).registryStorage,
      };
    });
    assert.equal(g.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("kubernetes:")).length, 0);
    assert.deepEqual(unwrapSecrets(g.outputs.storage), {
      type: "s3",
      bucket: "b",
      region: "us-east-1",
      regionEndpoint: "https://minio.local",
      encrypt: false,
      secretName: "minio",
    });
    await assert.rejects(
      runProgram(
        async () =>
          void new S3Storage("reg", {
            compatible: {
              bucket: "b",
              region: "us-east-1",
              regionEndpoint: "http://minio.local",
              credentialsSecretName: "minio",
            },
          }),
      ),
      (e: unknown) => e instanceof InvalidArgsError && /compatible.regionEndpoint/.test(e.message),
    );
  });

  it("EFS: encrypted, a mount target per subnet, NFS only from the given CIDRs, uid/gid 10000, RWX claim", async () => {
    const g = await runProgram(async () => {
      return {
        storage: new NfsStorage("reg", {
          efs: { ...EFS, allowedCidrs: ["10.0.0.0/16"], allowedSecurityGroupIds: ["sg-nodes"] },
          capacityGb: 600,
        }).registryStorage,
      };
    });
    assert.deepEqual(g.errors, []);
    assert.equal(byType(g, "aws:efs/fileSystem:FileSystem")[0].encrypted, true);
    assert.equal(byType(g, "aws:efs/mountTarget:MountTarget").length, 3);
    const sg = byType(g, "aws:ec2/securityGroup:SecurityGroup")[0];
    assert.deepEqual(
      sg.ingress.map((i: any) => [i.protocol, i.fromPort, i.toPort, i.cidrBlocks ?? i.securityGroups]),
      [
        ["tcp", 2049, 2049, ["10.0.0.0/16"]],
        ["tcp", 2049, 2049, ["sg-nodes"]],
      ],
    );
    const sgId = g.resources.find((r) => r.type === "aws:ec2/securityGroup:SecurityGroup")!;
    assert.ok(
      byType(g, "aws:efs/mountTarget:MountTarget").every(
        (m: any, i: number) => m.subnetId === EFS.subnetIds[i] && m.securityGroups.length === 1,
      ),
      `mount targets in ${EFS.subnetIds} behind ${sgId.name}`,
    );
    const ap = byType(g, "aws:efs/accessPoint:AccessPoint")[0];
    assert.deepEqual(ap.posixUser, { uid: 10000, gid: 10000 });
    assert.deepEqual([ap.rootDirectory.creationInfo.ownerUid, ap.rootDirectory.creationInfo.ownerGid], [10000, 10000]);
    const sc = byType(g, "kubernetes:storage.k8s.io/v1:StorageClass")[0];
    assert.equal(sc.provisioner, "efs.csi.aws.com");
    const pv = byType(g, "kubernetes:core/v1:PersistentVolume")[0];
    assert.equal(pv.spec.csi.driver, "efs.csi.aws.com");
    assert.match(
      pv.spec.csi.volumeHandle,
      /^fs-[0-9a-f]+::fsap-[0-9a-f]+$/,
      "the volume mounts through the uid/gid 10000 access point",
    );
    assert.equal(pv.spec.storageClassName, sc.metadata.name);
    const pvc = byType(g, "kubernetes:core/v1:PersistentVolumeClaim")[0];
    assert.deepEqual(pvc.spec.accessModes, ["ReadWriteMany"]);
    assert.equal(pvc.spec.resources.requests.storage, "600Gi");
    assert.deepEqual(unwrapSecrets(g.outputs.storage), {
      type: "filesystem",
      existingClaim: pvc.metadata.name,
      accessMode: "ReadWriteMany",
      sizeGi: 600,
    });
  });

  it("EFS refuses a file system no node may mount; NFS needs exactly one of efs and server", async () => {
    await assert.rejects(
      runProgram(async () => void new NfsStorage("reg", { efs: EFS })),
      (e: unknown) => e instanceof InvalidArgsError && /no node could mount/.test(e.message),
    );
    await assert.rejects(
      runProgram(
        async () =>
          void new NfsStorage("reg", {
            efs: { ...EFS, allowedCidrs: ["10.0.0.0/16"] },
            server: { host: "nfs", path: "/x" },
          }),
      ),
      (e: unknown) => e instanceof InvalidArgsError && /exactly one of efs and server/.test(e.message),
    );
  });

  it("an existing NFS server: a retained RWX PersistentVolume and the claim bound to it", async () => {
    const g = await runProgram(async () => {
      return {
        storage: new NfsStorage("reg", {
          namespace: "harbor",
          server: { host: "nfs.example.com", path: "/exports/harbor" },
          capacityGb: 200,
        }).registryStorage,
      };
    });
    assert.deepEqual(g.errors, []);
    assert.equal(g.resources.filter((r) => r.type.startsWith("aws:")).length, 0);
    const pv = byType(g, "kubernetes:core/v1:PersistentVolume")[0];
    assert.deepEqual(pv.spec.nfs, { server: "nfs.example.com", path: "/exports/harbor" });
    assert.deepEqual([pv.spec.accessModes, pv.spec.persistentVolumeReclaimPolicy], [["ReadWriteMany"], "Retain"]);
    const pvc = byType(g, "kubernetes:core/v1:PersistentVolumeClaim")[0];
    assert.equal(pvc.spec.volumeName, pv.metadata.name);
    assert.equal(pvc.metadata.namespace, "harbor");
    assert.equal((unwrapSecrets(g.outputs.storage) as any).accessMode, "ReadWriteMany");
  });

  it("filesystem: one ReadWriteOnce claim, described as such", async () => {
    const g = await runProgram(async () => ({
      storage: new FilesystemStorage("reg", { storageClass: "gp3", capacityGb: 20 }).registryStorage,
    }));
    assert.deepEqual(g.errors, []);
    const pvc = byType(g, "kubernetes:core/v1:PersistentVolumeClaim")[0];
    assert.deepEqual(
      [pvc.spec.accessModes, pvc.spec.storageClassName, pvc.spec.resources.requests.storage],
      [["ReadWriteOnce"], "gp3", "20Gi"],
    );
    assert.deepEqual(unwrapSecrets(g.outputs.storage), {
      type: "filesystem",
      existingClaim: pvc.metadata.name,
      accessMode: "ReadWriteOnce",
      sizeGi: 20,
    });
  });

  it("refuses a ReadWriteOnce volume for more than one registry replica", async () => {
    await assert.rejects(
      runProgram(async () => {
        new FilesystemStorage("reg", { registryReplicas: 2 });
      }),
      (e: unknown) =>
        e instanceof InvalidArgsError && /ReadWriteOnce volume, which 2 registry replicas cannot share/.test(e.message),
    );
  });
});
