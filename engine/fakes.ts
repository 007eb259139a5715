/**
 * What the offline engine answers in place of the providers: the computed outputs a real `pulumi up`
 * would return for each resource type, and the few invokes the program really uses.
 *
 * Values are derived from the resource's URN, so two runs of the same stack are byte-identical.
 * Add a type here only when the program reads one of its computed outputs.
 */
import { createHash } from "crypto";

export const FAKE_ACCOUNT_ID = "123456789012";
export const FAKE_REGION = "eu-west-1";

/** Deterministic bytes for a seed (as many as asked). */
export function seededBytes(seed: string, n: number): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0; chunks.length * 32 < n; i++) chunks.push(createHash("sha256").update(`${seed}#${i}`).digest());
  return Buffer.concat(chunks).subarray(0, n);
}

export function seededHex(seed: string, n: number): string {
  return seededBytes(seed, Math.ceil(n / 2))
    .toString("hex")
    .slice(0, n);
}

function fakePassword(seed: string, inputs: Record<string, any>): string {
  const length = Number(inputs.length ?? 16);
  const sets: string[] = [];
  if (inputs.lower !== false) sets.push("abcdefghijklmnopqrstuvwxyz");
  if (inputs.upper !== false) sets.push("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  if (inputs.numeric !== false && inputs.number !== false) sets.push("0123456789");
  if (inputs.special !== false)
    sets.push(typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : "!@#$%&*()-_=+[]{}<>:?");
  const alphabet = sets.join("") || "abcdefghijklmnopqrstuvwxyz";
  const bytes = seededBytes(seed, length);
  let out = "";
  // First chars walk the sets so every requested class is present, as the real provider guarantees.
  for (let i = 0; i < length; i++) {
    const set = i < sets.length ? sets[i] : alphabet;
    out += set[bytes[i] % set.length];
  }
  return out;
}

const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function fakeBcrypt(seed: string): string {
  const bytes = seededBytes(`bcrypt:${seed}`, 53);
  return "$2a$10$" + Array.from(bytes, (b) => BCRYPT_ALPHABET[b % 64]).join("");
}

/** Autoname as the providers do: `<name>-<8 hex>` (suffix stable per URN here). */
export function autoName(urn: string, name: string): string {
  return `${name}-${seededHex(urn, 7)}`;
}

type StateFake = (urn: string, name: string, inputs: Record<string, any>) => Record<string, unknown>;

function awsArn(service: string, resource: string, regional = true): string {
  return `arn:aws:${service}:${regional ? FAKE_REGION : ""}:${FAKE_ACCOUNT_ID}:${resource}`;
}

const stateFakes: Record<string, StateFake> = {
  "random:index/randomPassword:RandomPassword": (urn, _n, i) => ({
    result: fakePassword(urn, i),
    bcryptHash: fakeBcrypt(urn),
  }),
  "random:index/randomString:RandomString": (urn, _n, i) => ({ result: fakePassword(urn, i) }),
  "random:index/randomId:RandomId": (urn, _n, i) => {
    const b = seededBytes(urn, Number(i.byteLength ?? 8));
    return {
      hex: b.toString("hex"),
      b64Std: b.toString("base64"),
      b64Url: b.toString("base64url"),
      dec: BigInt("0x" + b.toString("hex")).toString(),
      id: b.toString("base64url"),
    };
  },
  "random:index/randomUuid:RandomUuid": (urn) => {
    const h = seededHex(urn, 32);
    return { result: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}` };
  },
  "aws:s3/bucket:Bucket": (urn, name, i) => {
    const bucket = i.bucket ?? autoName(urn, name);
    return {
      bucket,
      arn: `arn:aws:s3:::${bucket}`,
      bucketDomainName: `${bucket}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${bucket}.s3.${FAKE_REGION}.amazonaws.com`,
      region: FAKE_REGION,
    };
  },
  "aws:iam/user:User": (urn, name, i) => {
    const userName = i.name ?? autoName(urn, name);
    return {
      name: userName,
      arn: awsArn("iam", `user/${userName}`, false),
      uniqueId: `AIDA${seededHex(urn, 16).toUpperCase()}`,
    };
  },
  "aws:iam/role:Role": (urn, name, i) => {
    const roleName = i.name ?? autoName(urn, name);
    return { name: roleName, arn: awsArn("iam", `role/${roleName}`, false) };
  },
  "aws:iam/policy:Policy": (urn, name, i) => ({
    name: i.name ?? autoName(urn, name),
    arn: awsArn("iam", `policy/${i.name ?? autoName(urn, name)}`, false),
  }),
  "aws:iam/accessKey:AccessKey": (urn) => ({
    id: `AKIA${seededHex(urn, 16).toUpperCase()}`,
    secret: seededBytes(`secret:${urn}`, 30).toString("base64"),
  }),
  "aws:kms/key:Key": (urn) => {
    const keyId = `${seededHex(urn, 8)}-${seededHex(urn + "b", 4)}-${seededHex(urn + "c", 4)}-${seededHex(urn + "d", 4)}-${seededHex(urn + "e", 12)}`;
    return { keyId, arn: awsArn("kms", `key/${keyId}`) };
  },
  "aws:efs/fileSystem:FileSystem": (urn) => {
    const id = `fs-${seededHex(urn, 17)}`;
    return {
      id,
      arn: awsArn("elasticfilesystem", `file-system/${id}`),
      dnsName: `${id}.efs.${FAKE_REGION}.amazonaws.com`,
    };
  },
  "aws:efs/accessPoint:AccessPoint": (urn) => {
    const id = `fsap-${seededHex(urn, 17)}`;
    return { id, arn: awsArn("elasticfilesystem", `access-point/${id}`) };
  },
  "aws:ec2/securityGroup:SecurityGroup": (urn) => {
    const id = `sg-${seededHex(urn, 17)}`;
    return { id, arn: awsArn("ec2", `security-group/${id}`) };
  },
  "aws:ec2/launchTemplate:LaunchTemplate": (urn) => {
    const id = `lt-${seededHex(urn, 17)}`;
    return { id, arn: awsArn("ec2", `launch-template/${id}`), latestVersion: 1 };
  },
  "aws:eks/nodeGroup:NodeGroup": (urn, name, i) => ({
    arn: awsArn("eks", `nodegroup/${i.clusterName}/${i.nodeGroupName ?? name}`),
    nodeGroupName: i.nodeGroupName ?? autoName(urn, name),
  }),
};

/** Computed state for a registered resource: its inputs plus what the provider would compute. */
export function fakeState(
  type: string,
  urn: string,
  name: string,
  inputs: Record<string, any>,
): { id: string; state: Record<string, unknown> } {
  const extra = stateFakes[type]?.(urn, name, inputs) ?? {};
  const state: Record<string, unknown> = { ...inputs, ...extra };
  if (
    type.startsWith("kubernetes:") &&
    type !== "kubernetes:helm.sh/v3:Release" &&
    !type.startsWith("pulumi:providers:")
  ) {
    const metadata = { ...(inputs.metadata ?? {}) };
    metadata.name ??= autoName(urn, name);
    metadata.namespace ??= inputs.metadata?.namespace;
    state.metadata = metadata;
  }
  if (type === "kubernetes:helm.sh/v3:Release") {
    const releaseName = inputs.name ?? autoName(urn, name);
    state.name = releaseName;
    state.status = {
      name: releaseName,
      namespace: inputs.namespace ?? "default",
      status: "deployed",
      chart: inputs.chart,
      version: inputs.version,
    };
  }
  if (type.startsWith("aws:") && state.arn === undefined) {
    const service = type.split(":")[1].split("/")[0];
    state.arn = awsArn(service, `${name}`);
  }
  const id =
    typeof extra.id === "string"
      ? extra.id
      : type.startsWith("aws:s3/bucket:")
        ? String(extra.bucket)
        : `${name}-${seededHex(urn, 8)}`;
  return { id, state };
}

type InvokeFake = (inputs: Record<string, any>) => Record<string, unknown>;

/** The only invokes the offline engine answers. Anything else fails the plan, naming its token. */
export const invokeFakes: Record<string, InvokeFake> = {
  "aws:index/getRegion:getRegion": () => ({
    name: FAKE_REGION,
    region: FAKE_REGION,
    id: FAKE_REGION,
    description: "fake region",
  }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: FAKE_ACCOUNT_ID,
    arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:user/offline`,
    userId: "OFFLINE",
    id: FAKE_ACCOUNT_ID,
  }),
  "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
};

export class UnmockedInvokeError extends Error {
  readonly details: string;
  constructor(readonly token: string) {
    super(
      `unmocked invoke "${token}": the offline engine does not answer it. If the program really needs it, add a fake to engine/fakes.ts (invokeFakes) with values a real provider would return.`,
    );
    this.name = "UnmockedInvokeError";
    // The SDK rethrows an invoke failure as `new Error(err.details)`.
    this.details = this.message;
  }
}
