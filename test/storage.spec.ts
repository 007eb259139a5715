import { strict as assert } from "assert";
import { S3Storage, NfsStorage, FilesystemStorage } from "../components/storage";
import { InvalidArgsError } from "../components/conventions";
import { runProgram, unwrapSecrets, isSecretEnvelope, PlanGraph } from "../engine";

const byType = (g: PlanGraph, type: string) => g.resources.filter((r) => r.type === type).map((r) => unwrapSecrets(r.inputs) as any);

describe("registry storage", () => {
    it("S3: hardened bucket and exactly the registry's least-privilege policy", async () => {
        const g = await runProgram(async () => {
            new S3Storage("reg", { namespace: "harbor" });
        });
        assert.deepEqual(g.errors, []);
        const pab = byType(g, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0];
        assert.deepEqual([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets], [true, true, true, true]);
        assert.equal(byType(g, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")[0].rule.objectOwnership, "BucketOwnerEnforced");
        assert.equal(byType(g, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0].rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        assert.equal(byType(g, "aws:s3/bucketVersioning:BucketVersioning")[0].versioningConfiguration.status, "Enabled");
        const rules = byType(g, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0].rules;
        assert.ok(rules.some((r: any) => r.noncurrentVersionExpiration?.noncurrentDays === 30));
        assert.ok(rules.some((r: any) => r.abortIncompleteMultipartUpload?.daysAfterInitiation === 7));
        const bucketPolicy = JSON.parse(byType(g, "aws:s3/bucketPolicy:BucketPolicy")[0].policy);
        assert.deepEqual(bucketPolicy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.equal(bucketPolicy.Statement[0].Effect, "Deny");

        const policy = JSON.parse(byType(g, "aws:iam/userPolicy:UserPolicy")[0].policy);
        const bucketArn = byType(g, "aws:s3/bucketPolicy:BucketPolicy").length && JSON.parse(byType(g, "aws:s3/bucketPolicy:BucketPolicy")[0].policy).Statement[0].Resource[0];
        assert.deepEqual(policy.Statement.map((s: any) => [s.Action, s.Resource]), [
            [["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], [bucketArn]],
            [["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"], [`${bucketArn}/*`]],
            [["kms:GenerateDataKey", "kms:Decrypt"], [policy.Statement[2].Resource[0]]],
        ]);
        assert.match(policy.Statement[2].Resource[0], /^arn:aws:kms:/);
        // The access key reaches the cluster only as a Secret, with the keys the registry reads.
        const secret = g.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
        assert.ok(isSecretEnvelope((secret.inputs as any).stringData) || isSecretEnvelope((secret.inputs as any).stringData.REGISTRY_STORAGE_S3_SECRETKEY));
        assert.deepEqual(Object.keys((unwrapSecrets(secret.inputs) as any).stringData).sort(), ["REGISTRY_STORAGE_S3_ACCESSKEY", "REGISTRY_STORAGE_S3_SECRETKEY"]);
    });

    it("S3 without KMS uses AES256 and grants no KMS action", async () => {
        const g = await runProgram(async () => {
            new S3Storage("reg", { kms: false });
        });
        assert.equal(byType(g, "aws:kms/key:Key").length, 0);
        assert.equal(byType(g, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0].rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
        assert.equal(JSON.parse(byType(g, "aws:iam/userPolicy:UserPolicy")[0].policy).Statement.length, 2);
    });

    it("S3-compatible creates nothing in AWS", async () => {
        const g = await runProgram(async () => {
            new S3Storage("reg", { compatible: { bucket: "b", region: "us-east-1", regionEndpoint: "https://minio.local", credentialsSecretName: "minio" } });
        });
        assert.equal(g.resources.filter((r) => r.type.startsWith("aws:")).length, 0);
    });

    it("EFS: encrypted, a mount target per subnet, NFS only from the given CIDRs, uid/gid 10000, RWX claim", async () => {
        const g = await runProgram(async () => {
            new NfsStorage("reg", { efs: { vpcId: "vpc-1", subnetIds: ["a", "b", "c"], allowedCidrs: ["10.0.0.0/16"] }, capacityGb: 600 });
        });
        assert.deepEqual(g.errors, []);
        assert.equal(byType(g, "aws:efs/fileSystem:FileSystem")[0].encrypted, true);
        assert.equal(byType(g, "aws:efs/mountTarget:MountTarget").length, 3);
        const sg = byType(g, "aws:ec2/securityGroup:SecurityGroup")[0];
        assert.deepEqual(sg.ingress.map((i: any) => [i.fromPort, i.toPort, i.cidrBlocks]), [[2049, 2049, ["10.0.0.0/16"]]]);
        assert.deepEqual(byType(g, "aws:efs/accessPoint:AccessPoint")[0].posixUser, { uid: 10000, gid: 10000 });
        const pvc = byType(g, "kubernetes:core/v1:PersistentVolumeClaim")[0];
        assert.deepEqual(pvc.spec.accessModes, ["ReadWriteMany"]);
        assert.equal(pvc.spec.resources.requests.storage, "600Gi");
    });

    it("refuses a ReadWriteOnce volume for more than one registry replica", async () => {
        await assert.rejects(
            runProgram(async () => {
                new FilesystemStorage("reg", { registryReplicas: 2 });
            }),
            (e: unknown) => e instanceof InvalidArgsError && /ReadWriteOnce volume cannot be shared by 2 registry replicas/.test(e.message),
        );
    });
});
