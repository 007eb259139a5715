import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { runProgram, runStack, redact, REDACTED, isSecretEnvelope, UNKNOWN } from "../engine";
import { CapturingMonitor } from "../engine/monitor";

describe("offline engine", () => {
  it("captures parent, provider, dependencies and inputs of every resource", async () => {
    const graph = await runProgram(async () => {
      class Box extends pulumi.ComponentResource {
        constructor(name: string) {
          super("test:box:Box", name, {}, {});
          const provider = new k8s.Provider("p", { context: "kind" }, { parent: this });
          const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: "n1" } }, { parent: this, provider });
          new k8s.core.v1.ConfigMap(
            "cm",
            { metadata: { namespace: ns.metadata.name }, data: { a: "b" } },
            { parent: this, provider },
          );
          this.registerOutputs({});
        }
      }
      new Box("box");
    });
    const cm = graph.resources.find((r) => r.name === "cm")!;
    const box = graph.resources.find((r) => r.name === "box")!;
    assert.equal(cm.parent, box.urn);
    assert.equal(box.custom, false);
    assert.equal(cm.custom, true);
    assert.match(cm.provider, /pulumi:providers:kubernetes::p$/);
    assert.ok(
      cm.dependencies.some((d) => d.endsWith("Namespace::ns")),
      "depends on the namespace it reads",
    );
    assert.deepEqual((cm.inputs as any).data, { a: "b" });
    assert.deepEqual(graph.errors, []);
  });

  it("answers registrations as the SDK's MockMonitor does, less its protobuf round trip (prod, as applied and in preview)", async function () {
    this.timeout(120000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's mock monitor, not in its public index
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
    const monitor = CapturingMonitor.prototype as unknown as { answerRegistration: unknown };
    const fastPath = monitor.answerRegistration;
    for (const preview of [false, true]) {
      const fast = await runStack("prod", { preview });
      monitor.answerRegistration = function (this: unknown, req: unknown, _urn: string, callback: unknown) {
        return MockMonitor.prototype.registerResource.call(this, req, callback);
      };
      try {
        assert.deepEqual(await runStack("prod", { preview }), fast);
      } finally {
        monitor.answerRegistration = fastPath;
      }
    }
  });

  it("fails a program that never finishes instead of ending with no plan and exit code 0", function () {
    this.timeout(120000);
    // In a child: the event loop must drain, which mocha's own process never lets happen.
    const child = `
      const pulumi = require("@pulumi/pulumi");
      const { runProgram } = require(${JSON.stringify(path.join(__dirname, "..", "engine"))});
      runProgram(async () => {
        new pulumi.CustomResource("test:index:Thing", "a", { v: new Promise(() => undefined) });
      }).then(
        (g) => process.stdout.write("finished " + g.resources.length),
        (e) => { process.stdout.write("rejected: " + e.message); process.exitCode = 1; },
      );`;
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", child], {
      cwd: path.join(__dirname, ".."),
      encoding: "utf8",
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^rejected: engine: the stack program never finished: it waits for a value that is never resolved/,
    );
  });

  it("fails loudly on an invoke it has no fake for, naming the token", async () => {
    await assert.rejects(
      runProgram(async () => {
        await aws.ec2.getVpc({ default: true });
      }),
      /unmocked invoke "aws:ec2\/getVpc:getVpc"/,
    );
  });

  it("rejects a malformed Kubernetes object with the schema path", async () => {
    const graph = await runProgram(async () => {
      new k8s.apps.v1.Deployment("bad", {
        metadata: { name: "bad" },
        spec: {
          replicas: "two" as any,
          selector: { matchLabels: { a: "b" } },
          template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      });
      new k8s.apps.v1.Deployment("good", {
        metadata: { name: "good" },
        spec: {
          replicas: 2,
          selector: { matchLabels: { a: "b" } },
          template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      });
    });
    assert.equal(graph.errors.length, 1);
    assert.equal(graph.errors[0].kind, "schema");
    assert.match(graph.errors[0].message, /Deployment bad .*spec\/replicas must be integer/);
  });

  it("refuses custom resources it has no schema for", async () => {
    const graph = await runProgram(async () => {
      new k8s.apiextensions.CustomResource("x", {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w" },
        spec: {},
      });
    });
    assert.equal(graph.errors.length, 1);
    assert.match(
      graph.errors[0].message,
      /Widget \(example\.com\/v1\) has no schema.*engine\/crds\/example\.com_v1_Widget\.json/,
    );
  });

  it("validates cert-manager objects against their schema", async () => {
    const graph = await runProgram(async () => {
      new k8s.apiextensions.CustomResource("c", {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: "c", namespace: "n" },
        spec: { secretName: 42, dnsNames: ["a.example.com"], issuerRef: { name: "i" } },
      } as any);
    });
    assert.equal(graph.errors.length, 1);
    assert.match(graph.errors[0].message, /Certificate c .*secretName must be string/);
  });

  it("keeps provider-secret outputs secret, as the real engine does", async () => {
    const graph = await runProgram(async () => {
      const pw = new random.RandomPassword("pw", { length: 24 });
      new k8s.core.v1.Secret("s", { metadata: { name: "s" }, stringData: { password: pw.result } });
      return { pw: pw.result };
    });
    const secret = graph.resources.find((r) => r.name === "s")!;
    assert.ok(
      isSecretEnvelope((secret.inputs as any).stringData) ||
        isSecretEnvelope((secret.inputs as any).stringData.password),
    );
    assert.equal((redact(graph.outputs) as any).pw, REDACTED);
    assert.deepEqual(graph.errors, []);
  });

  it("reports a secret that escapes into a ConfigMap, plain or still wrapped", async () => {
    const graph = await runProgram(async () => {
      const pw = new random.RandomPassword("pw", { length: 24 });
      new k8s.core.v1.ConfigMap("wrapped", {
        metadata: { name: "a" },
        data: { url: pulumi.interpolate`postgres://u:${pw.result}@db` },
      });
      new k8s.core.v1.ConfigMap("unwrapped", {
        metadata: { name: "b" },
        data: { url: pulumi.unsecret(pw.result).apply((p) => `postgres://u:${p}@db`) },
      });
    });
    const leaks = graph.errors
      .filter((e) => e.kind === "secret-leak")
      .map((e) => e.urn.split("::").pop())
      .sort();
    assert.deepEqual(leaks, ["unwrapped", "wrapped"]);
  });

  it("derives computed values from the URN: two runs are identical, names differ", async () => {
    const program = async () => {
      const a = new random.RandomPassword("a", { length: 16, special: false });
      const b = new random.RandomPassword("b", { length: 16, special: false });
      return { a: pulumi.unsecret(a.result), b: pulumi.unsecret(b.result) };
    };
    const one = (await runProgram(program)).outputs as any;
    const two = (await runProgram(program)).outputs as any;
    assert.equal(one.a, two.a);
    assert.notEqual(one.a, one.b);
    assert.match(one.a, /^[A-Za-z0-9]{16}$/);
  });

  it("in preview, computed outputs are unknown as in a first pulumi preview; autonames and inputs stay known", async () => {
    const program = async () => {
      const bucket = new aws.s3.Bucket("b", {});
      const key = new aws.kms.Key("k", {});
      const pw = new random.RandomPassword("pw", { length: 16 });
      const ns = new k8s.core.v1.Namespace("ns", {});
      new k8s.core.v1.ConfigMap("cm", {
        metadata: { namespace: ns.metadata.name },
        data: { bucket: bucket.bucket, arn: bucket.arn, key: key.arn, id: bucket.id },
      });
      new k8s.core.v1.Secret("s", { stringData: { pw: pw.result } });
      return { bucketName: bucket.bucket, keyArn: key.arn };
    };
    const preview = await runProgram(program, { preview: true });
    assert.equal(preview.preview, true);
    const cm = preview.resources.find((r) => r.name === "cm")!.inputs as any;
    assert.match(cm.data.bucket, /^b-[0-9a-f]{7}$/, "the provider autonames at Check: known in preview");
    assert.match(cm.metadata.namespace, /^ns-[0-9a-f]{7}$/);
    assert.equal(cm.data.arn, UNKNOWN);
    assert.equal(cm.data.key, UNKNOWN);
    assert.equal(cm.data.id, UNKNOWN);
    assert.equal((preview.resources.find((r) => r.name === "s")!.inputs as any).stringData, UNKNOWN);
    assert.equal(preview.outputs.keyArn, UNKNOWN);
    assert.deepEqual(preview.errors, [], "schemas check what is known; an unknown value is not a failure");

    const applied = await runProgram(program);
    const known = applied.resources.find((r) => r.name === "cm")!.inputs as any;
    assert.equal(known.data.bucket, cm.data.bucket, "same autoname before and after apply");
    assert.match(known.data.key, /^arn:aws:kms:/);
    assert.equal(applied.preview, undefined);
  });
});
