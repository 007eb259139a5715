import { strict as assert } from "assert";
import { S3Storage, NfsStorage, FilesystemStorage, s3StorageDefaults } from "../components/storage";
import { InvalidArgsError } from "../components/conventions";
import { isSecretEnvelope } from "../engine";
import { ComponentPlan, planComponent, T } from "./support/planComponent";

const EFS = {
  vpcId: "vpc-1",
  subnets: { "eu-west-1a": "subnet-a", "eu-west-1b": "subnet-b", "eu-west-1c": "subnet-c" },
};

describe("registry storage", () => {
  describe("S3: a bucket created here", () => {
    let plan: ComponentPlan;
    before(async () => {
      plan = await planComponent(() => ({ storage: new S3Storage("reg", { namespace: "harbor" }).registryStorage }));
      assert.deepEqual(plan.errors, []);
    });
    const bucketArn = () => JSON.parse(plan.one(T.bucketPolicy).policy).Statement[0].Resource[0];

    it("blocks public access and enforces bucket-owner ownership", () => {
      const pab = plan.one(T.bucketPublicAccess);
      assert.deepEqual(
        [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
        [true, true, true, true],
      );
      assert.equal(plan.one(T.bucketOwnership).rule.objectOwnership, "BucketOwnerEnforced");
    });

    it("encrypts with its own KMS key, the key the registry is told", () => {
      const sse = plan.one(T.bucketSse).rules[0].applyServerSideEncryptionByDefault;
      assert.equal(sse.sseAlgorithm, "aws:kms");
      assert.match(sse.kmsMasterKeyId, /^arn:aws:kms:/);
      assert.deepEqual([plan.outputs.storage.encrypt, plan.outputs.storage.keyId], [true, sse.kmsMasterKeyId]);
    });

    it("is versioned, expiring noncurrent versions and stale uploads after the tier's default days", () => {
      assert.equal(plan.one(T.bucketVersioning).versioningConfiguration.status, "Enabled");
      const rules = plan.one(T.bucketLifecycle).rules;
      assert.deepEqual(
        [
          rules.find((r: any) => r.noncurrentVersionExpiration)?.noncurrentVersionExpiration.noncurrentDays,
          rules.find((r: any) => r.abortIncompleteMultipartUpload)?.abortIncompleteMultipartUpload.daysAfterInitiation,
        ],
        [s3StorageDefaults.noncurrentVersionExpirationDays, s3StorageDefaults.abortIncompleteMultipartDays],
      );
    });

    it("denies every request not made over TLS", () => {
      const statement = JSON.parse(plan.one(T.bucketPolicy).policy).Statement[0];
      assert.deepEqual([statement.Effect, statement.Condition], ["Deny", { Bool: { "aws:SecureTransport": "false" } }]);
    });

    it("grants the registry's IAM user exactly its least-privilege actions on this bucket and key", () => {
      const policy = JSON.parse(plan.one(T.userPolicy).policy);
      const keyArn = plan.outputs.storage.keyId;
      assert.deepEqual(
        policy.Statement.map((s: any) => [s.Action, s.Resource]),
        [
          [["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], [bucketArn()]],
          [
            [
              "s3:PutObject",
              "s3:GetObject",
              "s3:DeleteObject",
              "s3:ListMultipartUploadParts",
              "s3:AbortMultipartUpload",
            ],
            [`${bucketArn()}/*`],
          ],
          [["kms:GenerateDataKey", "kms:Decrypt"], [keyArn]],
        ],
      );
    });

    it("hands the access key to the registry only as a Secret, with the keys the registry reads", () => {
      const [secret] = plan.all(T.secret);
      const data = (secret.inputs as any).stringData;
      assert.ok(isSecretEnvelope(data) || isSecretEnvelope(data.REGISTRY_STORAGE_S3_SECRETKEY), "stays secret");
      assert.deepEqual(Object.keys(plan.one(T.secret).stringData).sort(), [
        "REGISTRY_STORAGE_S3_ACCESSKEY",
        "REGISTRY_STORAGE_S3_SECRETKEY",
      ]);
      assert.equal(plan.outputs.storage.secretName, plan.object("Secret").metadata.name);
    });

    it("describes the bucket for Harbor's release", () => {
      assert.equal(plan.outputs.storage.type, "s3");
      assert.equal(`arn:aws:s3:::${plan.outputs.storage.bucket}`, bucketArn());
    });
  });

  it("S3 without KMS uses AES256 and grants no KMS action", async () => {
    const plan = await planComponent(() => new S3Storage("reg", { kms: false }));
    assert.equal(plan.all(T.kmsKey).length, 0);
    assert.equal(plan.one(T.bucketSse).rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
    const actions = JSON.parse(plan.one(T.userPolicy).policy).Statement.flatMap((st: any) => st.Action);
    assert.deepEqual(
      actions.filter((a: string) => a.startsWith("kms:")),
      [],
    );
  });

  it("S3-compatible creates nothing in AWS and points at the existing endpoint and credentials", async () => {
    const plan = await planComponent(() => {
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
    assert.equal(
      plan.graph.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("kubernetes:")).length,
      0,
    );
    assert.deepEqual(plan.outputs.storage, {
      type: "s3",
      bucket: "b",
      region: "us-east-1",
      regionEndpoint: "https://minio.local",
      encrypt: false,
      secretName: "minio",
    });
    await assert.rejects(
      planComponent(
        () =>
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

  describe("EFS: a file system created here", () => {
    let plan: ComponentPlan;
    before(async () => {
      plan = await planComponent(() => ({
        storage: new NfsStorage("reg", {
          efs: { ...EFS, allowedCidrs: ["10.0.0.0/16"], allowedSecurityGroupIds: ["sg-nodes"] },
          capacityGb: 600,
        }).registryStorage,
      }));
      assert.deepEqual(plan.errors, []);
    });

    it("is encrypted, with a mount target in each subnet behind the NFS security group", () => {
      assert.equal(plan.one(T.efsFileSystem).encrypted, true);
      const targets = plan.byType(T.efsMountTarget);
      assert.deepEqual(
        targets.map((m) => [m.subnetId, m.securityGroups.length]),
        Object.values(EFS.subnets).map((subnet) => [subnet, 1]),
      );
    });

    it("accepts NFS (2049) only from the given CIDRs and security groups", () => {
      assert.deepEqual(
        plan
          .one(T.securityGroup)
          .ingress.map((i: any) => [i.protocol, i.fromPort, i.toPort, i.cidrBlocks ?? i.securityGroups]),
        [
          ["tcp", 2049, 2049, ["10.0.0.0/16"]],
          ["tcp", 2049, 2049, ["sg-nodes"]],
        ],
      );
    });

    it("maps every client to Harbor's uid/gid 10000 through an access point the volume mounts", () => {
      const ap = plan.one(T.efsAccessPoint);
      assert.deepEqual(ap.posixUser, { uid: 10000, gid: 10000 });
      assert.deepEqual(
        [ap.rootDirectory.creationInfo.ownerUid, ap.rootDirectory.creationInfo.ownerGid],
        [10000, 10000],
      );
      const pv = plan.one(T.pv);
      assert.equal(pv.spec.csi.driver, "efs.csi.aws.com");
      assert.match(pv.spec.csi.volumeHandle, /^fs-[0-9a-f]+::fsap-[0-9a-f]+$/);
    });

    it("binds a ReadWriteMany claim of the requested size through the EFS StorageClass", () => {
      const sc = plan.one(T.storageClass);
      assert.equal(sc.provisioner, "efs.csi.aws.com");
      assert.equal(plan.one(T.pv).spec.storageClassName, sc.metadata.name);
      const pvc = plan.one(T.pvc);
      assert.deepEqual([pvc.spec.accessModes, pvc.spec.resources.requests.storage], [["ReadWriteMany"], "600Gi"]);
      assert.deepEqual(plan.outputs.storage, {
        type: "filesystem",
        existingClaim: pvc.metadata.name,
        accessMode: "ReadWriteMany",
        sizeGi: 600,
      });
    });
  });

  it("EFS refuses a file system no node may mount; NFS needs exactly one of efs and server", async () => {
    await assert.rejects(
      planComponent(() => void new NfsStorage("reg", { efs: EFS })),
      (e: unknown) => e instanceof InvalidArgsError && /no node could mount/.test(e.message),
    );
    await assert.rejects(
      planComponent(
        () =>
          void new NfsStorage("reg", {
            efs: { ...EFS, allowedCidrs: ["10.0.0.0/16"] },
            server: { host: "nfs", path: "/x" },
          }),
      ),
      (e: unknown) => e instanceof InvalidArgsError && /exactly one of efs and server/.test(e.message),
    );
  });

  it("an existing NFS server: a retained RWX PersistentVolume and the claim bound to it", async () => {
    const plan = await planComponent(() => {
      return {
        storage: new NfsStorage("reg", {
          namespace: "harbor",
          server: { host: "nfs.example.com", path: "/exports/harbor" },
          capacityGb: 200,
        }).registryStorage,
      };
    });
    assert.deepEqual(plan.errors, []);
    assert.equal(plan.graph.resources.filter((r) => r.type.startsWith("aws:")).length, 0);
    const pv = plan.one(T.pv);
    assert.deepEqual(pv.spec.nfs, { server: "nfs.example.com", path: "/exports/harbor" });
    assert.deepEqual([pv.spec.accessModes, pv.spec.persistentVolumeReclaimPolicy], [["ReadWriteMany"], "Retain"]);
    const pvc = plan.one(T.pvc);
    assert.deepEqual([pvc.spec.volumeName, pvc.metadata.namespace], [pv.metadata.name, "harbor"]);
    assert.equal(plan.outputs.storage.accessMode, "ReadWriteMany");
  });

  it("filesystem: one ReadWriteOnce claim, described as such", async () => {
    const plan = await planComponent(() => ({
      storage: new FilesystemStorage("reg", { storageClass: "gp3", capacityGb: 20 }).registryStorage,
    }));
    assert.deepEqual(plan.errors, []);
    const pvc = plan.one(T.pvc);
    assert.deepEqual(
      [pvc.spec.accessModes, pvc.spec.storageClassName, pvc.spec.resources.requests.storage],
      [["ReadWriteOnce"], "gp3", "20Gi"],
    );
    assert.deepEqual(plan.outputs.storage, {
      type: "filesystem",
      existingClaim: pvc.metadata.name,
      accessMode: "ReadWriteOnce",
      sizeGi: 20,
    });
  });

  it("refuses a ReadWriteOnce volume for more than one registry replica", async () => {
    await assert.rejects(
      planComponent(() => new FilesystemStorage("reg", { registryReplicas: 2 })),
      (e: unknown) =>
        e instanceof InvalidArgsError && /ReadWriteOnce volume, which 2 registry replicas cannot share/.test(e.message),
    );
  });
});
