/**
 * The AWS resources as an AWS platform engineer reviews a `pulumi up` of staging and prod in one account
 * (issue 19): names that never collide and replace create-before-delete, tags on every taggable resource of
 * every stack, registry keys that rotate without an outage, storage hygiene, the NLB's protection, and bad
 * AWS values refused before any resource.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { isInputError, plan } from "../cli/plan";
import { CapturedResource, evaluatePolicies, PlanGraph, stackFilePath, unwrapSecrets } from "../engine";
import { allPolicies } from "../policies/policies";
import { fakeState } from "../engine/fakes";
import { NODE_TIER_LABEL, NODE_ZONE_LABEL } from "../components/conventions/labels";
import { STANDARD_TAG_KEYS } from "../components/conventions/tags";

const STACKS_DIR = path.dirname(stackFilePath("prod"));
const ALL_STACKS = fs
  .readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => !!s)
  .sort();

function variant(stack: string, edit: (c: Record<string, any>) => void): string {
  const doc = parse(fs.readFileSync(stackFilePath(stack), "utf8"));
  edit(doc.config);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-aws-")), `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stringify(doc));
  return file;
}

// One engine run at a time per process: plans are queued and kept.
const plans = new Map<string, Promise<PlanGraph>>();
let queue: Promise<unknown> = Promise.resolve();
function serial<T>(f: () => Promise<T>): Promise<T> {
  const next = queue.then(f, f);
  queue = next.catch(() => undefined);
  return next;
}
function graphOf(stack: string): Promise<PlanGraph> {
  if (!plans.has(stack))
    plans.set(
      stack,
      serial(() => plan(stack).then((r) => r.graph)),
    );
  return plans.get(stack)!;
}
const inputs = (r: CapturedResource) => unwrapSecrets(r.inputs) as Record<string, any>;
const aws = (g: PlanGraph) => g.resources.filter((r) => r.custom && r.type.startsWith("aws:"));

/** Physical names a resource takes in the account: explicit or computed (autonames carry the stack). */
function physicalNames(g: PlanGraph): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of aws(g)) {
    const i = inputs(r);
    const { state } = fakeState(r.type, r.urn, r.name, i);
    for (const k of ["name", "bucket", "nodeGroupName", "roleName", "userName"]) {
      const v = state[k];
      if (typeof v === "string") out.set(`${r.type} ${k}=${v}`, r.urn);
    }
  }
  return out;
}

/** Whether a provider resource type takes `tags`: read from @pulumi/aws's own declaration of its Args. */
function taggable(type: string): boolean {
  const m = /^aws:([^/]+)\/([^:]+):(.+)$/.exec(type);
  if (!m) return false;
  const file = path.join(path.dirname(require.resolve("@pulumi/aws/package.json")), m[1], `${m[2]}.d.ts`);
  const d = fs.readFileSync(file, "utf8");
  const start = d.indexOf(`export interface ${m[3]}Args {`);
  assert.ok(start >= 0, `${type}: no ${m[3]}Args in ${file}`);
  const body = d.slice(start, d.indexOf("\n}", start));
  return /\n {4}tags\?: /.test(body);
}

describe("AWS: staging and prod in one account", () => {
  it("no AWS physical name of staging collides with one of prod (the same account and region)", async () => {
    const [staging, prod] = await Promise.all([graphOf("staging"), graphOf("prod")]);
    const a = physicalNames(staging);
    const b = physicalNames(prod);
    assert.ok(a.size > 10 && b.size > 10);
    assert.deepEqual(
      [...a.keys()].filter((k) => b.has(k)),
      [],
    );
  });

  it("the collision check catches a fixed name (the launch template `harbor-db` both stacks had)", () => {
    const g = (stack: string): PlanGraph => ({
      project: "harbor-ha",
      stack,
      outputs: {},
      errors: [],
      resources: [
        {
          urn: `urn:pulumi:${stack}::harbor-ha::aws:ec2/launchTemplate:LaunchTemplate::lt`,
          type: "aws:ec2/launchTemplate:LaunchTemplate",
          name: "lt",
          custom: true,
          parent: "",
          provider: "",
          dependencies: [],
          inputs: { name: "harbor-db" },
        },
      ],
    });
    const a = physicalNames(g("staging"));
    assert.ok([...a.keys()].some((k) => physicalNames(g("prod")).has(k)));
  });

  it("node groups and launch templates have no fixed name and no deleteBeforeReplace: replacements are create-before-delete", async () => {
    for (const stack of ["staging", "prod"]) {
      const g = await graphOf(stack);
      const ngs = g.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
      const lts = g.resources.filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate");
      assert.ok(ngs.length >= 4 && lts.length === 2, stack);
      for (const r of [...ngs, ...lts]) {
        assert.equal(inputs(r).nodeGroupName ?? inputs(r).name, undefined, r.urn);
        assert.notEqual(r.deleteBeforeReplace, true, r.urn);
        assert.ok((inputs(r).nodeGroupNamePrefix ?? inputs(r).namePrefix).includes(`-${stack}-`), r.urn);
      }
    }
  });

  it("db node groups: one per zone of the stack, each with only its zone's subnet; IMDS hop limit 1", async () => {
    const g = await graphOf("prod");
    const db = g.resources
      .filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && inputs(r).labels[NODE_TIER_LABEL] === "db")
      .map(inputs);
    assert.deepEqual(
      db.map((i) => [i.labels[NODE_ZONE_LABEL], i.subnetIds]),
      [
        ["eu-west-1a", ["subnet-0a1prod"]],
        ["eu-west-1b", ["subnet-0b1prod"]],
        ["eu-west-1c", ["subnet-0c1prod"]],
      ],
    );
    for (const lt of g.resources.filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate"))
      assert.equal(inputs(lt).metadataOptions.httpPutResponseHopLimit, 1);
  });
});

describe("AWS: tags on every taggable resource of every stack", () => {
  for (const stack of ALL_STACKS)
    it(`${stack}: every taggable AWS resource carries project, stack and environment (and instances a Name)`, async () => {
      const g = await graphOf(stack);
      const doc = parse(fs.readFileSync(stackFilePath(stack), "utf8")).config ?? {};
      const defaultTags: Record<string, string> = doc["aws:defaultTags"]?.tags ?? {};
      const environment = doc["harbor-ha:environment"];
      const missing: string[] = [];
      for (const r of aws(g)) {
        if (!taggable(r.type)) continue;
        const tags = { ...defaultTags, ...(inputs(r).tags ?? {}) };
        const want = { project: g.project, stack, environment };
        for (const k of STANDARD_TAG_KEYS) if (tags[k] !== want[k]) missing.push(`${r.urn}: ${k}=${tags[k]}`);
      }
      assert.deepEqual(missing, []);
      for (const lt of g.resources.filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate"))
        for (const spec of inputs(lt).tagSpecifications) {
          assert.ok(spec.tags.Name, `${lt.urn} ${spec.resourceType} has a Name`);
          assert.equal(spec.tags.stack, stack);
        }
    });

  it("knows which types take tags from the provider SDK (a NodeGroup does, an AccessKey does not)", () => {
    assert.equal(taggable("aws:eks/nodeGroup:NodeGroup"), true);
    assert.equal(taggable("aws:iam/accessKey:AccessKey"), false);
    assert.equal(taggable("aws:s3/bucketPolicy:BucketPolicy"), false);
  });
});

describe("AWS: the registry's keys rotate without an outage", () => {
  const secretOf = (g: PlanGraph) =>
    inputs(g.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && inputs(r).chart === "harbor")!).values
      .persistence.imageChartStorage.s3.existingSecret;
  const keys = (g: PlanGraph) => g.resources.filter((r) => r.type === "aws:iam/accessKey:AccessKey").map((r) => r.name);

  it("two keys overlap; switching the active slot renames the Secret Harbor's registry reads, so its pods roll", async () => {
    const before = await graphOf("prod");
    const rotated = (
      await serial(() =>
        plan("prod", {
          configFile: variant(
            "prod",
            (c) => (c["harbor-ha:storage"].accessKeys = { active: "green", blue: 1, green: 2 }),
          ),
        }),
      )
    ).graph;
    assert.deepEqual(keys(before), ["harbor-registry-registry-blue-g1", "harbor-registry-registry-green-g1"]);
    // The old active key (blue-g1) survives the rotation: pods still on it keep working until they roll.
    assert.deepEqual(keys(rotated), ["harbor-registry-registry-blue-g1", "harbor-registry-registry-green-g2"]);
    assert.equal(secretOf(before), "harbor-registry-registry-s3-blue-g1");
    assert.equal(secretOf(rotated), "harbor-registry-registry-s3-green-g2");
  });

  it("the key works only through the VPC's S3 gateway endpoint, and KMS only through S3 in the region", async () => {
    const g = await graphOf("prod");
    const vpce = g.resources.find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint")!;
    assert.equal(inputs(vpce).vpcEndpointType, "Gateway");
    assert.equal(inputs(vpce).serviceName, "com.amazonaws.eu-west-1.s3");
    const policy = JSON.parse(inputs(g.resources.find((r) => r.type === "aws:iam/userPolicy:UserPolicy")!).policy);
    const byId = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s]));
    for (const sid of ["RegistryBucket", "RegistryObjects"])
      assert.match(byId[sid].Condition.StringEquals["aws:SourceVpce"], /^vpce-|^[\w-]+$/);
    assert.deepEqual(byId.RegistryKmsThroughS3.Condition, {
      StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
    });
  });
});

describe("AWS: storage hygiene", () => {
  it("lifecycle expires noncurrent versions, upload copies after 1 day, delete markers and stale multipart uploads", async () => {
    const g = await graphOf("prod");
    const lc = g.resources.find(
      (r) =>
        r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration" && r.parent.includes("S3Storage"),
    )!;
    const rules = Object.fromEntries(inputs(lc).rules.map((r: any) => [r.id, r]));
    assert.equal(rules["expire-noncurrent-versions"].noncurrentVersionExpiration.noncurrentDays, 30);
    assert.deepEqual(rules["expire-noncurrent-upload-data"].filter, {
      and: { prefix: "docker/registry/v2/repositories/", objectSizeGreaterThan: 1024 },
    });
    assert.equal(rules["expire-noncurrent-upload-data"].noncurrentVersionExpiration.noncurrentDays, 1);
    assert.deepEqual(rules["expire-delete-markers"].expiration, { expiredObjectDeleteMarker: true });
  });

  it("the KMS key has an alias (per stack) and the bucket refuses TLS below 1.2", async () => {
    const g = await graphOf("prod");
    const alias = inputs(g.resources.find((r) => r.type === "aws:kms/alias:Alias")!);
    assert.match(alias.namePrefix, /^alias\/harbor-registry-prod-/);
    const bp = g.resources.find(
      (r) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.parent.includes("S3Storage"),
    )!;
    const st = JSON.parse(inputs(bp).policy).Statement;
    assert.ok(st.some((s: any) => s.Effect === "Deny" && s.Condition?.NumericLessThan?.["s3:TlsVersion"] === 1.2));
  });
});

describe("AWS: the NLB", () => {
  const annotations = async (stack: string) => {
    const g = await graphOf(stack);
    const proxy = g.resources.find((r) => r.type.endsWith(":EnvoyProxy"))!;
    return inputs(proxy).spec.provider.kubernetes.envoyService.annotations as Record<string, string>;
  };
  it("prod: deletion protection and access logs to a bucket created for them; staging: neither", async () => {
    const prod = (await annotations("prod"))["service.beta.kubernetes.io/aws-load-balancer-attributes"];
    assert.match(prod, /deletion_protection\.enabled=true/);
    assert.match(
      prod,
      /access_logs\.s3\.enabled=true,access_logs\.s3\.bucket=harbor-edge-nlb-logs-[0-9a-f]+,access_logs\.s3\.prefix=nlb/,
    );
    const staging = (await annotations("staging"))["service.beta.kubernetes.io/aws-load-balancer-attributes"];
    assert.equal(staging, "load_balancing.cross_zone.enabled=true");
    const policy = JSON.parse(
      inputs(
        (await graphOf("prod")).resources.find(
          (r) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.parent.includes("NlbAccessLogBucket"),
        )!,
      ).policy,
    );
    assert.equal(policy.Statement[0].Principal.Service, "delivery.logs.amazonaws.com");
    assert.match(policy.Statement[0].Resource, /\/nlb\/AWSLogs\/123456789012\/\*$/);
  });
});

describe("AWS: bad values are refused before any resource, with one clear message each", () => {
  const refused = async (edit: (c: Record<string, any>) => void, ...res: RegExp[]) => {
    try {
      await serial(() => plan("prod", { configFile: variant("prod", edit) }));
    } catch (e) {
      assert.ok(isInputError(e), String(e));
      const msg = String((e as Error).message);
      for (const r of res) assert.match(msg, r);
      return msg;
    }
    assert.fail("not refused");
  };

  it("a zone outside aws:region", () =>
    refused(
      (c) => (c["harbor-ha:zones"] = ["eu-west-1a", "eu-west-1b", "us-east-1c"]),
      /harbor-ha:zones: "us-east-1c" is in us-east-1, not in aws:region eu-west-1\. Fix:/,
    ));

  it("a tag key AWS refuses, and one harbor-ha sets itself", () =>
    refused(
      (c) => (c["harbor-ha:tags"] = { "aws:cost": "x", "team#1": "y", stack: "z" }),
      /harbor-ha:tags: .*"aws:cost" starts with "aws:"/,
      /"team#1" has characters AWS refuses/,
      /"stack" is set by harbor-ha itself/,
    ));

  it("db node pools without subnets per zone, or a zone without a subnet", async () => {
    await refused((c) => {
      delete c["harbor-ha:cluster"].subnets;
      c["harbor-ha:cluster"].subnetIds = ["subnet-1", "subnet-2", "subnet-3"];
    }, /harbor-ha:cluster\.subnets: required with harbor-ha:nodePools\.db/);
    await refused(
      (c) => delete c["harbor-ha:cluster"].subnets["eu-west-1c"],
      /harbor-ha:cluster\.subnets: has no subnet for zone eu-west-1c/,
    );
  });

  it("EFS subnets without zones, or one subnet for two zones", async () => {
    const efs = (subnets: object) => (c: Record<string, any>) =>
      (c["harbor-ha:storage"] = { type: "efs", vpcId: "vpc-1", allowedCidrs: ["10.0.0.0/16"], ...subnets });
    await refused(efs({ subnetIds: ["subnet-1"] }), /harbor-ha:storage/);
    await assert.rejects(
      plan("prod", {
        configFile: variant("prod", efs({ subnets: { "eu-west-1a": "subnet-1", "eu-west-1b": "subnet-1" } })),
      }),
      /efs\.subnets: lists subnet-1 for more than one zone/,
    );
  });

  it("an unknown instance type: a mandatory violation that says how to add it", async () => {
    const r = await serial(() =>
      plan("prod", {
        configFile: variant("prod", (c) => (c["harbor-ha:nodePools"].app.instanceTypes = ["m7i.2xlarge"])),
      }),
    );
    assert.ok(
      r.violations.some(
        (v: { enforcementLevel: string; message: string }) =>
          v.enforcementLevel === "mandatory" && /"m7i\.2xlarge" is not in the instance table/.test(v.message),
      ),
    );
  });

  it("harbor-zone-spread: a zone of the stack without db capacity (a db node group spanning zones, or none in a zone)", async () => {
    const res = (type: string, name: string, props: Record<string, unknown>, custom = true): CapturedResource => ({
      urn: `urn:pulumi:prod::harbor-ha::${type}::${name}`,
      type,
      name,
      custom,
      parent: "",
      provider: "",
      dependencies: [],
      inputs: props,
      // A component shows policies its registered outputs.
      ...(custom ? {} : { outputs: props }),
    });
    const ng = (name: string, labels: Record<string, string>) =>
      res("aws:eks/nodeGroup:NodeGroup", name, { labels, scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 1 } });
    const graph = (groups: CapturedResource[]): PlanGraph => ({
      project: "harbor-ha",
      stack: "prod",
      outputs: {},
      errors: [],
      resources: [
        res(
          "harbor-ha:platform:HarborPlatform",
          "harbor",
          { environment: "prod", zones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], highThroughput: false },
          false,
        ),
        ...groups,
      ],
    });
    const zoneSpread = allPolicies.filter((p) => p.name === "harbor-zone-spread");
    const messages = async (groups: CapturedResource[]) =>
      (await evaluatePolicies(graph(groups), zoneSpread)).map((v) => v.message);
    const spanning = await messages([ng("db", { [NODE_TIER_LABEL]: "db" })]);
    assert.equal(spanning.filter((m) => /db node groups \(zone/.test(m)).length, 3, spanning.join("\n"));
    const twoOfThree = await messages([
      ng("db-a", { [NODE_TIER_LABEL]: "db", [NODE_ZONE_LABEL]: "eu-west-1a" }),
      ng("db-b", { [NODE_TIER_LABEL]: "db", [NODE_ZONE_LABEL]: "eu-west-1b" }),
    ]);
    assert.deepEqual(
      twoOfThree.filter((m) => /db node groups/.test(m)).map((m) => /zone ([\w-]+)/.exec(m)![1]),
      ["eu-west-1c"],
    );
    const all = await messages(
      ["a", "b", "c"].map((z) => ng(`db-${z}`, { [NODE_TIER_LABEL]: "db", [NODE_ZONE_LABEL]: `eu-west-1${z}` })),
    );
    assert.deepEqual(
      all.filter((m) => /db node groups/.test(m)),
      [],
    );
  });
});
