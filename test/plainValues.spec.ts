/**
 * A team passes another resource's outputs where it has them: namespaces (a Namespace's `metadata.name`), the
 * cert-manager namespace, a certificate's host. The rendered objects and addresses carry the resolved value, never
 * "Calling [toString] on an [Output<T>]". Where harbor-ha needs a plain value (the external URL it parses and
 * names things after, the zones it counts node groups by, the namespace alert rules carry in their text), an
 * Output is refused before any resource, naming the argument.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { HarborPlatform } from "../components/platform";
import { RedisSentinel } from "../components/redis";
import { CertManager, HarborCertificates } from "../components/tls";
import { EnvoyGateway, HarborDnsRecord, HarborGateway } from "../components/edge";
import { AdmissionPolicies } from "../components/admission";
import { EksCluster } from "../components/cluster";
import { HarborRelease } from "../components/harbor";
import { HarborObservability } from "../components/observability";
import { runProgram } from "../engine";
import { Inputs, planComponent } from "./support/planComponent";

const out = (v: string) => pulumi.output(v) as unknown as string;
const TO_STRING = /Calling \[toString\] on an \[Output/;

/** A team's own Namespace: its name is an output. */
const teamNamespace = (name: string) => new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name } }).metadata.name;

async function refusal(build: () => void): Promise<string> {
  let created = 0;
  try {
    await runProgram(async () => {
      pulumi.runtime.registerStackTransformation(() => {
        created++;
        return undefined;
      });
      build();
    });
  } catch (e) {
    assert.equal(created, 0, "nothing registered before the refusal");
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
}

/** Every namespaced Kubernetes object of a plan, by kind/name, with its namespace. */
function namespaces(objects: Inputs[]): string[] {
  return objects.filter((o) => o.metadata?.namespace !== undefined).map((o) => o.metadata.namespace);
}

describe("plain values where harbor-ha reads them in plain text", function () {
  this.timeout(60_000);

  it("HarborPlatform: externalUrl and zones as Outputs are refused, each named", async () => {
    const msg = await refusal(
      () =>
        new HarborPlatform("p", {
          environment: "dev",
          externalUrl: out("https://harbor.example.com"),
          zones: [out("eu-west-1a")],
          storage: { kind: "filesystem" },
          tls: { issuer: { mode: "self-signed" } },
        }),
    );
    assert.match(msg, /HarborPlatform "p": 2 invalid arguments/);
    for (const k of ["externalUrl", "zones"]) assert.match(msg, new RegExp(`- ${k}: is a Pulumi Output`));
    assert.ok(!TO_STRING.test(msg));
  });

  it("HarborPlatform: an Output namespace with observability is refused (rules and dashboards carry it)", async () => {
    const msg = await refusal(
      () =>
        new HarborPlatform("p", {
          environment: "dev",
          namespace: out("registry"),
          externalUrl: "https://harbor.example.com",
          storage: { kind: "filesystem" },
          harbor: { replicas: 1 },
          tls: { issuer: { mode: "self-signed" } },
          observability: {},
        }),
    );
    assert.match(
      msg,
      /HarborPlatform "p": 1 invalid argument:\n {2}- namespace: is a Pulumi Output, but the observability/,
    );
  });

  it("the tiers' URLs, hosts and zones read as text: refused with the argument named", async () => {
    const cases: [string, () => void, string][] = [
      [
        "HarborGateway",
        () =>
          new HarborGateway("edge", {
            namespace: "harbor",
            externalUrl: out("https://harbor.example.com"),
            tlsSecretName: "tls",
            coreServiceName: "core",
          }),
        "externalUrl",
      ],
      [
        "HarborDnsRecord",
        () =>
          new HarborDnsRecord("dns", {
            hostedZoneId: "Z0123456789EXAMPLE",
            zoneName: "example.com",
            host: out("harbor.example.com"),
            loadBalancerHostname: "nlb.example.com",
          }),
        "host",
      ],
      [
        "AdmissionPolicies",
        () => new AdmissionPolicies("adm", { harborHost: out("h"), projects: ["lib"] }),
        "harborHost",
      ],
      ["EksCluster", () => new EksCluster("eks", { kubernetesVersion: "1.33", zones: [out("eu-west-1a")] }), "zones"],
      [
        "HarborRelease",
        () => new HarborRelease("h", { ...releaseArgs, externalUrl: out("https://h.example.com") }),
        "externalUrl",
      ],
    ];
    for (const [component, build, key] of cases) {
      const msg = await refusal(build);
      assert.match(
        msg,
        new RegExp(`^${component} "[a-z]+": 1 invalid argument:\\n {2}- ${key}: is a Pulumi Output`),
        msg,
      );
      assert.ok(!TO_STRING.test(msg));
    }
  });
});

const releaseArgs = {
  externalUrl: "https://harbor.example.com",
  database: { host: "db", user: "harbor", passwordSecretName: "db" },
  redis: { sentinelAddrs: "r:26379", masterSet: "harbor", passwordSecretName: "redis" },
  storage: { type: "s3" as const, bucket: "b", region: "eu-west-1", encrypt: true, secretName: "s" },
  tokenServiceSecretName: "token",
  routeParentRefs: [],
};

describe("namespaces (and a certificate's host) from other resources' outputs", function () {
  this.timeout(120_000);

  it("HarborPlatform in a team's Namespace: every object, Harbor's database host and sentinels carry its name", async () => {
    const plan = await planComponent(() => {
      const p = new HarborPlatform("p", {
        environment: "staging",
        namespace: teamNamespace("registry-team"),
        createNamespace: false,
        externalUrl: "https://harbor.example.com",
        storage: { kind: "nfs", server: { host: "nfs.example.com", path: "/export" } },
        tls: { issuer: { mode: "self-signed" } },
      });
      return { namespace: p.namespace, databaseHost: p.databaseHost, redisSentinels: p.redisSentinels };
    });
    assert.deepEqual(plan.errors, []);
    assert.ok(!TO_STRING.test(JSON.stringify(plan.graph.resources)), "no Output printed into an input");
    assert.equal(plan.outputs.namespace, "registry-team");
    assert.equal(plan.one("kubernetes:helm.sh/v3:Release", "p-harbor").namespace, "registry-team");
    const values = plan.helmValues("harbor");
    assert.match(values.database.external.host, /^p-db-rw\.registry-team\.svc\.cluster\.local$/);
    assert.equal(values.redis.external.addr, plan.outputs.redisSentinels);
    const sentinels = (plan.outputs.redisSentinels as string).split(",");
    assert.equal(sentinels.length, 3);
    for (const s of sentinels)
      assert.match(s, /^p-redis-sentinel-\d\.p-redis-sentinel\.registry-team\.svc\.cluster\.local:26379$/);
    // Everything namespaced lands in the team's namespace, except what runs in the controllers' own.
    const own = new Set(["cert-manager", "envoy-gateway-system"]);
    const all = namespaces(plan.graph.resources.map((r) => r.inputs as Inputs).filter((i) => i.metadata));
    assert.ok(all.length > 20);
    assert.deepEqual([...new Set(all.filter((n) => !own.has(n)))], ["registry-team"]);
    // The GatewayClass is named after the platform's Gateway and the resolved namespace.
    assert.ok(plan.objects("GatewayClass").some((g) => g.metadata.name === "p-registry-team"));
    // The Redis start scripts name the sentinels and nodes by their resolved host names.
    const cm = plan.object("ConfigMap", "p-redis-config");
    assert.match(
      cm.data["start-p-redis-redis-0.sh"],
      /p-redis-redis-0\.p-redis-redis\.registry-team\.svc\.cluster\.local/,
    );
  });

  it("RedisSentinel: the configs and sentinelAddrs carry the resolved namespace", async () => {
    const plan = await planComponent(() => {
      const r = new RedisSentinel("cache", { namespace: teamNamespace("cache-team") });
      return { addrs: r.sentinelAddrs };
    });
    assert.match(plan.outputs.addrs, /^cache-sentinel-0\.cache-sentinel\.cache-team\.svc\.cluster\.local:26379,/);
    const conf = plan.object("ConfigMap", "cache-config").data["cache-sentinel-0.conf"] as string;
    assert.match(conf, /cache-redis-0\.cache-redis\.cache-team\.svc\.cluster\.local/);
    assert.ok(!TO_STRING.test(JSON.stringify(plan.graph.resources)));
  });

  it("CertManager and HarborCertificates: namespaces and the host from outputs", async () => {
    const plan = await planComponent(() => {
      const cmNs = teamNamespace("certs-system");
      new CertManager("cm", { namespace: cmNs });
      new HarborCertificates("certs", {
        namespace: teamNamespace("registry-team"),
        certManagerNamespace: cmNs,
        host: pulumi.output("harbor.example.com"),
        issuer: { mode: "self-signed" },
      });
    });
    assert.equal(plan.one("kubernetes:helm.sh/v3:Release").namespace, "certs-system");
    const certs = plan.objects("Certificate");
    assert.ok(
      certs.some((c) => c.metadata.namespace === "certs-system" && c.spec.isCA === true),
      "the CA in cm's namespace",
    );
    const edge = certs.find((c) => (c.spec.dnsNames ?? []).includes("harbor.example.com"));
    assert.ok(edge, JSON.stringify(certs.map((c) => c.spec)));
    assert.equal(edge.metadata.namespace, "registry-team");
    assert.ok(!TO_STRING.test(JSON.stringify(plan.graph.resources)));
  });

  it("EnvoyGateway, HarborGateway and HarborObservability: objects and parentRefs in the resolved namespace", async () => {
    const plan = await planComponent(() => {
      new EnvoyGateway("eg", { namespace: teamNamespace("edge-system") });
      const gw = new HarborGateway("edge", {
        namespace: teamNamespace("registry-team"),
        externalUrl: "https://harbor.example.com",
        tlsSecretName: "harbor-tls",
        coreServiceName: "harbor-core",
        adminAllowlist: ["10.0.0.0/8"],
      });
      new HarborObservability("obs", {
        namespace: teamNamespace("registry-team"),
        deployment: { namespace: "registry-team", platform: "obs", harbor: true, certificates: true },
        targets: { postgresExporter: false },
        ports: {
          patroni: "patroni",
          patroniPort: 8008,
          postgresExporter: "pg",
          postgresExporterPort: 9187,
          redisExporter: "redis",
          redisExporterPort: 9121,
        },
      });
      return { refs: gw.harborParentRefs };
    });
    assert.equal(plan.one("kubernetes:helm.sh/v3:Release").namespace, "edge-system");
    assert.equal(plan.object("Gateway").metadata.namespace, "registry-team");
    assert.equal(plan.object("GatewayClass").metadata.name, "edge-registry-team");
    assert.equal(plan.outputs.refs[0].namespace, "registry-team");
    for (const kind of ["HTTPRoute", "SecurityPolicy", "PrometheusRule"])
      for (const o of plan.objects(kind)) assert.equal(o.metadata.namespace, "registry-team", kind);
    assert.ok(plan.objects("PrometheusRule").length === 1);
    assert.ok(!TO_STRING.test(JSON.stringify(plan.graph.resources)));
  });
});
