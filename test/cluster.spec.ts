/**
 * A first `pulumi up` from an empty account (issue 13): the cluster tier, the add-ons, their wiring in the
 * prod-fresh plan, and the network-policy enforcement policy.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { CapturedResource, PlanGraph, runStack } from "../engine";
import { plan } from "../cli/plan";
import { planSubnets } from "../components/cluster";
import {
  AWS_LOAD_BALANCER_CONTROLLER_CHART,
  AWS_LOAD_BALANCER_CONTROLLER_IAM_POLICY,
  renderLoadBalancerControllerPolicy,
  renderLoadBalancerControllerValues,
} from "../components/addons";
import { ALL_WIRING_CHECKS, irsaServiceAccounts, irsaWiring, routingWiring, secretWiring } from "./support/planWiring";

const ROOT = path.join(__dirname, "..");
const LBC = path.join(__dirname, "fixtures", "upstream", "aws-load-balancer-controller-v2.17.1");
const of = (g: PlanGraph, type: string) => g.resources.filter((r) => r.type === type);
const inputs = (r: CapturedResource) => r.inputs as any;

/** Every custom resource `urn` waits for, transitively (dependencies, provider, custom parents). */
function prerequisites(g: PlanGraph, urn: string, seen = new Set<string>()): Set<string> {
  const byUrn = new Map(g.resources.map((r) => [r.urn, r]));
  const below = (u: string): string[] =>
    g.resources.filter((r) => r.parent === u).flatMap((c) => (c.custom ? [c.urn, ...below(c.urn)] : below(c.urn)));
  const r = byUrn.get(urn)!;
  for (const d of [...r.dependencies, ...(r.provider ? [r.provider] : [])]) {
    const dep = byUrn.get(d);
    for (const x of dep?.custom ? [d] : below(d))
      if (!seen.has(x)) {
        seen.add(x);
        prerequisites(g, x, seen);
      }
  }
  return seen;
}

describe("cluster tier: a new VPC across the zones", () => {
  it("splits a /16 over three zones into disjoint /18 private and /20 public subnets inside the block", () => {
    const s = planSubnets("10.40.0.0/16", ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    assert.deepEqual(
      s.map((z) => [z.privateCidr, z.publicCidr]),
      [
        ["10.40.0.0/18", "10.40.192.0/20"],
        ["10.40.64.0/18", "10.40.208.0/20"],
        ["10.40.128.0/18", "10.40.224.0/20"],
      ],
    );
    const one = planSubnets("10.0.0.0/20", ["a"]);
    assert.deepEqual([one[0].privateCidr, one[0].publicCidr], ["10.0.0.0/21", "10.0.8.0/22"]);
  });
});

describe("add-ons: the AWS Load Balancer Controller's pinned data", () => {
  it("the IAM policy is the published iam_policy.json of v2.17.1, with its source named", () => {
    const upstream = JSON.parse(fs.readFileSync(path.join(LBC, "iam_policy.json"), "utf8"));
    assert.deepEqual(AWS_LOAD_BALANCER_CONTROLLER_IAM_POLICY.policy, upstream);
    assert.match(AWS_LOAD_BALANCER_CONTROLLER_IAM_POLICY.source, /aws-load-balancer-controller\/blob\/v2\.17\.1\//);
    assert.deepEqual(renderLoadBalancerControllerPolicy("aws"), upstream);
    const gov = JSON.stringify(renderLoadBalancerControllerPolicy("aws-us-gov"));
    assert.ok(!gov.includes('"arn:aws:'), "every ARN moved to the partition");
    assert.equal(gov.split('"arn:aws-us-gov:').length, JSON.stringify(upstream).split('"arn:aws:').length);
  });

  it("pins chart 1.17.1 (controller v2.17.1) and sets only keys the chart reads", () => {
    const chart = parse(fs.readFileSync(path.join(LBC, "chart", "Chart.yaml"), "utf8"));
    assert.equal(chart.version, AWS_LOAD_BALANCER_CONTROLLER_CHART.version);
    assert.equal(chart.appVersion, AWS_LOAD_BALANCER_CONTROLLER_CHART.appVersion);
    const keys = new Set(fs.readFileSync(path.join(LBC, "chart", "values-keys.txt"), "utf8").split("\n"));
    const leaves = (o: any, p = ""): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        v && typeof v === "object" && !Array.isArray(v) && !/^(annotations|podDisruptionBudget)$/.test(k)
          ? leaves(v, `${p}${k}.`)
          : [`${p}${k}`],
      );
    const values = renderLoadBalancerControllerValues({
      clusterName: "c",
      region: "eu-west-1",
      vpcId: "vpc-1",
      serviceAccount: "sa",
      roleArn: "arn:aws:iam::123456789012:role/r",
      replicas: 2,
    });
    for (const k of leaves(values)) assert.ok(keys.has(k), `${k} is not a value the chart reads`);
    assert.ok(!keys.has("serviceAccount.roleArn"), "the key list is not a catch-all");
  });
});

describe("prod-fresh: everything from an empty account", function () {
  this.timeout(120_000);
  let g: PlanGraph;
  before(async () => (g = await runStack("prod-fresh")));

  it("plans a VPC over the three zones, the cluster, the OIDC provider, node pools on it, and the add-ons", () => {
    assert.deepEqual(g.errors, []);
    assert.equal(of(g, "aws:ec2/vpc:Vpc").length, 1);
    const subnets = of(g, "aws:ec2/subnet:Subnet").map((s) => inputs(s).availabilityZone);
    assert.deepEqual([...new Set(subnets)].sort(), ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    assert.equal(of(g, "aws:ec2/natGateway:NatGateway").length, 3);
    const [cluster] = of(g, "aws:eks/cluster:Cluster");
    assert.equal(inputs(cluster).version, "1.35");
    assert.equal(of(g, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 1);
    const groups = of(g, "aws:eks/nodeGroup:NodeGroup");
    // app: one group over the zones; db: one group per zone (each with its zone's subnet).
    assert.equal(groups.length, 4);
    const privateSubnets = of(g, "aws:ec2/subnet:Subnet").filter(
      (s) => inputs(s).tags["kubernetes.io/role/internal-elb"],
    );
    for (const ng of groups) {
      assert.ok(ng.dependencies.includes(cluster.urn), "node groups join the created cluster");
      const zone = inputs(ng).labels["harbor-ha.io/zone"];
      // app: every private subnet; db: its zone's subnet only.
      const mine = zone ? privateSubnets.filter((s) => inputs(s).availabilityZone === zone) : privateSubnets;
      assert.equal(inputs(ng).subnetIds.length, zone ? 1 : 3);
      for (const s of mine) assert.ok(ng.dependencies.includes(s.urn));
    }
    const addons = of(g, "aws:eks/addon:Addon")
      .map((a) => inputs(a).addonName)
      .sort();
    assert.deepEqual(addons, ["aws-ebs-csi-driver", "vpc-cni"]);
    const cni = of(g, "aws:eks/addon:Addon").find((a) => inputs(a).addonName === "vpc-cni")!;
    assert.deepEqual(JSON.parse(inputs(cni).configurationValues), { enableNetworkPolicy: "true" });
    assert.ok(of(g, "kubernetes:helm.sh/v3:Release").some((r) => inputs(r).chart === "aws-load-balancer-controller"));
  });

  it("every Kubernetes resource goes to the created cluster's provider and, but for the controller, waits for the add-ons", () => {
    const [provider] = of(g, "pulumi:providers:kubernetes");
    assert.ok(provider, "a Kubernetes provider for the created cluster");
    assert.match(JSON.parse(inputs(provider).kubeconfig).clusters[0].cluster.server, /eks\.amazonaws\.com$/);
    const addons = of(g, "aws:eks/addon:Addon").map((a) => a.urn);
    const ebs = addons.find((u) => u.endsWith("aws-ebs-csi-driver"))!;
    const lbc = of(g, "kubernetes:helm.sh/v3:Release").find((r) => inputs(r).chart === "aws-load-balancer-controller")!;
    const nodeGroups = of(g, "aws:eks/nodeGroup:NodeGroup").map((n) => n.urn);
    for (const ng of nodeGroups) assert.ok(prerequisites(g, ebs).has(ng), "the EBS CSI add-on waits for nodes");
    for (const r of g.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:"))) {
      assert.equal(r.provider, provider.urn, `${r.urn} on the created cluster`);
      if (r === lbc || r.type === "kubernetes:core/v1:Namespace") continue;
      const pre = prerequisites(g, r.urn);
      assert.ok(pre.has(ebs) && pre.has(lbc.urn), `${r.urn} waits for the EBS CSI driver and the controller`);
    }
  });

  it("the app pool stays untainted (CoreDNS and the add-ons' controllers need a node), the db pool is tainted", () => {
    const groups = of(g, "aws:eks/nodeGroup:NodeGroup");
    const tier = (n: CapturedResource) => inputs(n).labels["harbor-ha.io/tier"];
    for (const n of groups.filter((n) => tier(n) === "app")) assert.deepEqual(inputs(n).taints ?? [], []);
    const db = groups.filter((n) => tier(n) === "db");
    assert.equal(db.length, 3);
    for (const n of db) assert.equal(inputs(n).taints.length, 1);
  });

  it("wiring: every IRSA role trusts exactly its annotated service account through the plan's OIDC provider", () => {
    const accounts = irsaServiceAccounts(g)
      .map((a) => `${a.ns}/${a.name}`)
      .sort();
    assert.deepEqual(accounts, [
      "cert-manager/cert-manager",
      // WAL-G backups: the database members' own account (projected token, no webhook).
      "harbor/harbor-db",
      "kube-system/ebs-csi-controller-sa",
      "kube-system/harbor-addons-aws-load-balancer-controller",
    ]);
    assert.deepEqual(irsaWiring()(g), []);
  });

  it("wiring: Gateways, routes, issuers, Secrets and Services all resolve within the plan", () => {
    for (const [name, check] of Object.entries(ALL_WIRING_CHECKS)) assert.deepEqual(check([])(g), [], name);
  });

  it("the wiring checks catch a broken reference (they can fail)", () => {
    const broken: PlanGraph = JSON.parse(JSON.stringify(g));
    const role = broken.resources.find(
      (r) => r.type === "aws:iam/role:Role" && r.name === "harbor-addons-aws-ebs-csi-driver",
    )!;
    (role.inputs as any).assumeRolePolicy = (role.inputs as any).assumeRolePolicy.replace(
      "ebs-csi-controller-sa",
      "ebs-csi-node-sa",
    );
    assert.match(irsaWiring()(broken).join("\n"), /names no service account of the plan/);
    const gw = broken.resources.find((r) => (r.inputs as any).kind === "Gateway")!;
    (gw.inputs as any).spec.gatewayClassName = "missing";
    assert.match(routingWiring(broken).join("\n"), /class missing is not in the plan/);
    const sts = broken.resources.find((r) => (r.inputs as any).kind === "StatefulSet")!;
    (sts.inputs as any).spec.template.spec.volumes = [{ name: "x", secret: { secretName: "nope" } }];
    assert.match(secretWiring(broken).join("\n"), /Secret .*\/nope is not in the plan/);
  });

  it("plans with 0 mandatory violations, also as a first preview", async () => {
    for (const preview of [false, true]) {
      const r = await plan("prod-fresh", { preview });
      assert.deepEqual(r.graph.errors, []);
      assert.deepEqual(
        r.violations.filter((v) => v.enforcementLevel === "mandatory"),
        [],
      );
    }
  });
});

describe("existing clusters get the add-ons too", function () {
  this.timeout(120_000);
  it("prod (an existing cluster): add-ons with IRSA trusted by the cluster's own OIDC provider", async () => {
    const g = await runStack("prod");
    const doc = parse(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.prod.yaml"), "utf8"));
    const arn = doc.config["harbor-ha:cluster"].oidcProviderArn;
    assert.deepEqual(
      of(g, "aws:eks/addon:Addon")
        .map((a) => [inputs(a).addonName, inputs(a).clusterName])
        .sort(),
      [
        ["aws-ebs-csi-driver", "harbor-prod"],
        ["vpc-cni", "harbor-prod"],
      ],
    );
    assert.deepEqual(irsaWiring([arn])(g), []);
    assert.equal(of(g, "pulumi:providers:kubernetes").length, 0, "the default provider (the team's kubeconfig)");
  });
});

describe("policy harbor-network-policies-enforced", function () {
  this.timeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-netpol-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const variant = (edit: (cluster: any) => void) => {
    const doc = parse(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.prod-fresh.yaml"), "utf8"));
    edit(doc.config["harbor-ha:cluster"]);
    const file = path.join(dir, `prod-fresh-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, stringify(doc));
    return file;
  };
  const verdicts = async (file: string) =>
    (await plan("prod-fresh", { configFile: file })).violations.filter(
      (v) => v.policy === "harbor-network-policies-enforced",
    );

  it("vpc-cni switched off and nothing stated: a mandatory violation naming the NetworkPolicies", async () => {
    const v = await verdicts(
      variant((c) => {
        c.addons["vpc-cni"] = { enabled: false };
        delete c.networkPolicyEnforcement;
      }),
    );
    assert.equal(v.length, 1);
    assert.equal(v[0].enforcementLevel, "mandatory");
    assert.match(v[0].message, /harbor-redis-clients.*no vpc-cni add-on of the stack has network policy on/);
  });

  it("vpc-cni switched off, Calico stated: no violation; managed vpc-cni then leaves network policy off", async () => {
    const file = variant((c) => {
      c.networkPolicyEnforcement = "calico";
    });
    assert.deepEqual(await verdicts(file), []);
    const g = (await plan("prod-fresh", { configFile: file })).graph;
    const cni = of(g, "aws:eks/addon:Addon").find((a) => inputs(a).addonName === "vpc-cni")!;
    assert.deepEqual(JSON.parse(inputs(cni).configurationValues), { enableNetworkPolicy: "false" });
  });

  it('"none" stated: a violation', async () => {
    const v = await verdicts(
      variant((c) => {
        c.addons["vpc-cni"] = { enabled: false };
        c.networkPolicyEnforcement = "none";
      }),
    );
    assert.match(v[0].message, /states that nothing enforces NetworkPolicies/);
  });
});
