/**
 * What the offline engine answers in place of the providers: the computed outputs a real `pulumi up`
 * would return for each resource type, and the few invokes the program really uses.
 *
 * Values are derived from the resource's URN, so two runs of the same stack are byte-identical.
 * Add a type here only when the program reads one of its computed outputs.
 */
import { createHash } from "crypto";

/** A resource's inputs as the mock runtime hands them over (plain JSON-like data). */
type Inputs = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const record = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

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

function fakePassword(seed: string, inputs: Inputs): string {
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

/** `prefix` + 26 digits, as the AWS provider's `*NamePrefix` arguments make names (stable per URN here). */
export function prefixedUniqueId(urn: string, prefix: string): string {
  return `${prefix}${BigInt("0x" + seededHex(`prefix:${urn}`, 20))
    .toString()
    .padStart(26, "0")
    .slice(-26)}`;
}

type StateFake = (urn: string, name: string, inputs: Inputs) => Record<string, unknown>;

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
    const bucket = str(i.bucket) ?? autoName(urn, name);
    return {
      bucket,
      arn: `arn:aws:s3:::${bucket}`,
      bucketDomainName: `${bucket}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${bucket}.s3.${FAKE_REGION}.amazonaws.com`,
      region: FAKE_REGION,
    };
  },
  "aws:iam/user:User": (urn, name, i) => {
    const userName = str(i.name) ?? autoName(urn, name);
    return {
      name: userName,
      arn: awsArn("iam", `user/${userName}`, false),
      uniqueId: `AIDA${seededHex(urn, 16).toUpperCase()}`,
    };
  },
  "aws:iam/role:Role": (urn, name, i) => {
    const roleName = str(i.name) ?? autoName(urn, name);
    return { name: roleName, arn: awsArn("iam", `role/${roleName}`, false) };
  },
  "aws:iam/policy:Policy": (urn, name, i) => ({
    name: str(i.name) ?? autoName(urn, name),
    arn: awsArn("iam", `policy/${str(i.name) ?? autoName(urn, name)}`, false),
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
  "aws:ec2/launchTemplate:LaunchTemplate": (urn, name, i) => {
    const id = `lt-${seededHex(urn, 17)}`;
    // The provider names a template `namePrefix` + a 26-character unique id (Terraform's PrefixedUniqueId).
    const ltName = str(i.name) ?? (str(i.namePrefix) ? prefixedUniqueId(urn, str(i.namePrefix)!) : autoName(urn, name));
    return { id, name: ltName, arn: awsArn("ec2", `launch-template/${id}`), latestVersion: 1 };
  },
  "aws:eks/nodeGroup:NodeGroup": (urn, name, i) => {
    const ngName =
      str(i.nodeGroupName) ??
      (str(i.nodeGroupNamePrefix) ? prefixedUniqueId(urn, str(i.nodeGroupNamePrefix)!) : autoName(urn, name));
    return { arn: awsArn("eks", `nodegroup/${str(i.clusterName)}/${ngName}`), nodeGroupName: ngName };
  },
  "aws:eks/cluster:Cluster": (urn, name, i) => {
    const clusterName = str(i.name) ?? autoName(urn, name);
    const oidcId = seededHex(urn, 32).toUpperCase();
    return {
      name: clusterName,
      arn: awsArn("eks", `cluster/${clusterName}`),
      endpoint: `https://${seededHex(`${urn}#endpoint`, 32).toUpperCase()}.gr7.${FAKE_REGION}.eks.amazonaws.com`,
      certificateAuthority: { data: seededBytes(`${urn}#ca`, 48).toString("base64") },
      identities: [{ oidcs: [{ issuer: `https://oidc.eks.${FAKE_REGION}.amazonaws.com/id/${oidcId}` }] }],
      vpcConfig: { ...record(i.vpcConfig), clusterSecurityGroupId: `sg-${seededHex(`${urn}#sg`, 17)}` },
      status: "ACTIVE",
    };
  },
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (_urn, _name, i) => {
    const host = (str(i.url) ?? "").replace(/^https:\/\//, "");
    return { arn: awsArn("iam", `oidc-provider/${host}`, false) };
  },
  "aws:ec2/vpc:Vpc": (urn) => ({ id: `vpc-${seededHex(urn, 17)}` }),
  "aws:ec2/subnet:Subnet": (urn) => ({ id: `subnet-${seededHex(urn, 17)}` }),
  "aws:ec2/internetGateway:InternetGateway": (urn) => ({ id: `igw-${seededHex(urn, 17)}` }),
  "aws:ec2/natGateway:NatGateway": (urn) => ({ id: `nat-${seededHex(urn, 17)}` }),
  "aws:ec2/eip:Eip": (urn) => ({ id: `eipalloc-${seededHex(urn, 17)}` }),
  "aws:ec2/routeTable:RouteTable": (urn) => ({ id: `rtb-${seededHex(urn, 17)}` }),
  "aws:eks/addon:Addon": (_urn, _name, i) => ({
    arn: awsArn("eks", `addon/${str(i.clusterName)}/${str(i.addonName)}`),
  }),
  "aws:route53/record:Record": (_urn, _n, i) => ({ fqdn: str(i.name) }),
  // Envoy Gateway publishes the Envoy Service's load balancer in the Gateway's status; the provider returns
  // it when told to wait for it (`pulumi.com/waitFor`). An NLB's name: <name>-<hash>.elb.<region>.amazonaws.com.
  "kubernetes:gateway.networking.k8s.io/v1:Gateway": (urn, _n, i) =>
    record(record(i.metadata).annotations)["pulumi.com/waitFor"]
      ? {
          status: {
            addresses: [
              {
                type: "Hostname",
                value: `k8s-harbor-${seededHex(urn, 10)}-${seededHex(`${urn}#2`, 10)}.elb.${FAKE_REGION}.amazonaws.com`,
              },
            ],
          },
        }
      : {},
};

/** Computed state for a registered resource: its inputs plus what the provider would compute. */
export function fakeState(
  type: string,
  urn: string,
  name: string,
  inputs: Inputs,
): { id: string; state: Record<string, unknown> } {
  const extra = stateFakes[type]?.(urn, name, inputs) ?? {};
  const state: Record<string, unknown> = { ...inputs, ...extra };
  if (
    type.startsWith("kubernetes:") &&
    type !== "kubernetes:helm.sh/v3:Release" &&
    !type.startsWith("pulumi:providers:")
  ) {
    const metadata = { ...record(inputs.metadata) };
    metadata.name ??= autoName(urn, name);
    state.metadata = metadata;
  }
  if (type === "kubernetes:helm.sh/v3:Release") {
    const releaseName = str(inputs.name) ?? autoName(urn, name);
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

/**
 * Properties a provider fills in at `Check` time (autonames), so a preview knows them; every other
 * computed output (ids, ARNs, key ids, random results, a release's status) is unknown until apply.
 */
const KNOWN_IN_PREVIEW: Record<string, string[]> = {
  "aws:s3/bucket:Bucket": ["bucket"],
  "aws:iam/user:User": ["name"],
  "aws:iam/role:Role": ["name"],
  "aws:iam/policy:Policy": ["name"],
  "aws:eks/nodeGroup:NodeGroup": ["nodeGroupName"],
  "aws:eks/cluster:Cluster": ["name"],
  "kubernetes:helm.sh/v3:Release": ["name"],
};

/**
 * What a first `pulumi preview` of a new stack answers for a resource it would create: the inputs, plus
 * the autonames providers compute at Check. The id (empty) and every other computed output are left
 * out, which the SDK's mock runtime turns into unknown values during a preview.
 */
export function previewState(
  type: string,
  urn: string,
  name: string,
  inputs: Inputs,
  isUnknown: (v: unknown) => boolean,
): { id: string; state: Record<string, unknown> } {
  const { state: full } = fakeState(type, urn, name, inputs);
  const state: Record<string, unknown> = { ...inputs };
  for (const k of KNOWN_IN_PREVIEW[type] ?? []) if (!isUnknown(inputs[k])) state[k] = full[k];
  // Kubernetes autonames metadata.name at Check (unless metadata itself is not known yet).
  if (full.metadata !== undefined && !isUnknown(inputs.metadata)) state.metadata = full.metadata;
  return { id: "", state };
}

type InvokeFake = (inputs: Inputs) => Record<string, unknown>;

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
  // The provider's per-region constant (terraform-provider-aws internal/service/elbv2/hosted_zone_id_data_source.go,
  // hostedZoneIDPerRegionNLBMap): only the fake region's is known here.
  "aws:lb/getHostedZoneId:getHostedZoneId": (i) => {
    const region = str(i.region) ?? FAKE_REGION;
    if (i.loadBalancerType !== "network" || region !== FAKE_REGION)
      throw new Error(
        `the offline engine knows the network load balancer hosted zone of ${FAKE_REGION} only, asked for a ${String(i.loadBalancerType ?? "application")} load balancer in ${region}`,
      );
    return { id: "Z2IFOLAFXWLO4F", region, loadBalancerType: "network" };
  },
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
