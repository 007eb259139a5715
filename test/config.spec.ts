import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, StackConfigError } from "../stacks/config";
import { readStackConfig } from "../engine";

const base = {
  "harbor-ha:environment": "staging",
  "harbor-ha:externalUrl": "https://harbor.example.com",
  "harbor-ha:storage": JSON.stringify({ type: "s3" }),
  "harbor-ha:tls": JSON.stringify({ mode: "acme-http01", email: "ops@example.com" }),
};

function problemsOf(values: Record<string, string>, secret: string[] = []): string[] {
  try {
    parseStackConfig({ stack: "staging", values, isSecret: (k) => secret.includes(k) });
  } catch (e) {
    assert.ok(e instanceof StackConfigError, `expected StackConfigError, got ${e}`);
    return e.problems;
  }
  return [];
}

describe("stack config", () => {
  it("accepts a minimal config and fills documented defaults", () => {
    const c = parseStackConfig({ stack: "staging", values: base, isSecret: () => false });
    assert.equal(c.namespace, "harbor");
    assert.equal(c.postgres.members, 3);
    assert.equal(c.redis.quorum, 2);
    assert.equal(c.harbor.replicas, 2);
    assert.equal(c.edge.exposure, "nlb");
    assert.deepEqual(c.edge.nodePorts, { https: 30443, http: 30080 });
  });

  it("reports every problem at once, each with the stack, full key, what is wrong and the fix", () => {
    let error: StackConfigError | undefined;
    try {
      parseStackConfig({
        stack: "staging",
        values: {
          ...base,
          "harbor-ha:postgres": JSON.stringify({ membrs: 3, volumeGb: "big" }),
          "harbor-ha:redis": JSON.stringify({ replicsa: 3 }),
        },
        isSecret: () => false,
      });
    } catch (e) {
      error = e as StackConfigError;
    }
    assert.ok(error, "bad config must throw");
    assert.match(error.message, /^stack "staging": invalid configuration, 3 problems/);
    assert.match(error.message, /harbor-ha:postgres\.membrs: unknown key\. Fix: did you mean "members"\?/);
    assert.match(
      error.message,
      /harbor-ha:postgres\.volumeGb: expected a number, got string "big"\. Fix: set harbor-ha:postgres\.volumeGb to a number/,
    );
    assert.match(error.message, /harbor-ha:redis\.replicsa: unknown key\. Fix: did you mean "replicas"\?/);
  });

  it("refuses unknown top-level keys but leaves other namespaces to their providers", () => {
    const problems = problemsOf({
      ...base,
      "harbor-ha:replicsa": "2",
      "aws:region": "eu-west-1",
      "kubernetes:context": "kind",
    });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^harbor-ha:replicsa: unknown key/);
  });

  it("names missing required keys", () => {
    const { ["harbor-ha:externalUrl"]: _drop, ...rest } = base;
    assert.deepEqual(
      problemsOf(rest).map((p) => p.split(":").slice(0, 2).join(":")),
      ["harbor-ha:externalUrl"],
    );
  });

  it("refuses a secret setting stored in plain text, and keeps a secure one secret", async () => {
    const plain = problemsOf({ ...base, "harbor-ha:adminPassword": "correct-horse-battery" });
    assert.equal(plain.length, 1);
    assert.match(
      plain[0],
      /harbor-ha:adminPassword: is a secret but is stored in plain text\. Fix: run `pulumi config set --secret/,
    );
    const c = parseStackConfig({
      stack: "staging",
      values: { ...base, "harbor-ha:adminPassword": "correct-horse-battery" },
      isSecret: (k) => k === "harbor-ha:adminPassword",
    });
    assert.equal(await (c.adminPassword as any).isSecret, true);
  });

  it("checks rules that span keys (quorum above sentinels, acme without e-mail, RWO storage with replicas)", () => {
    const problems = problemsOf({
      ...base,
      "harbor-ha:redis": JSON.stringify({ sentinels: 3, quorum: 4 }),
      "harbor-ha:tls": JSON.stringify({ mode: "acme-dns01" }),
      "harbor-ha:storage": JSON.stringify({ type: "filesystem" }),
    });
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith("harbor-ha:redis.quorum: 4 is more than the 3 sentinels")));
    assert.ok(problems.some((p) => p.startsWith("harbor-ha:tls.email: required")));
    assert.ok(problems.some((p) => p.startsWith("harbor-ha:tls.route53: required")));
    assert.ok(problems.some((p) => p.startsWith('harbor-ha:storage.type: "filesystem" is a ReadWriteOnce volume')));
  });

  for (const file of fs.readdirSync(path.join(__dirname, "..", "stacks")).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
    const stack = file.replace(/^Pulumi\.|\.yaml$/g, "");
    it(`parses the committed ${file}`, () => {
      const input = readStackConfig(stack);
      parseStackConfig({
        stack,
        values: input.config,
        isSecret: (k) => input.secretKeys.includes(k),
        encryptedLeaves: leavesByKey(input.secureLeaves),
      });
    });
  }

  it("says 'greater than 0' for fields that must be positive, never 'at least 0'", () => {
    const problems = problemsOf({
      ...base,
      "harbor-ha:harbor": JSON.stringify({ replicas: 0, maxOpenConns: 0 }),
      "harbor-ha:redis": JSON.stringify({ memoryGi: 0 }),
    });
    assert.equal(problems.length, 3, problems.join("\n"));
    for (const p of problems) {
      assert.doesNotMatch(p, /at least 0/);
      assert.match(p, /is too small: it must be greater than 0\. Fix: set harbor-ha:\S+ to greater than 0\./);
    }
  });
});

/** Per top-level key, its secure leaves (what loadStackConfig reads from the stack file). */
function leavesByKey(paths: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of paths) (out[p.split(/[.[]/)[0]] ??= []).push(p);
  return out;
}

describe("stack config secrets, per leaf", () => {
  const endpoint = (i: number, extra: object = {}) => ({
    name: `e${i}`,
    url: `https://harbor${i}.example.com`,
    accessKey: `robot$e${i}`,
    accessSecret: `CANARY-SECRET-${i}-0123456789`,
    ...extra,
  });
  const withReplication = (endpoints: object[]) => ({
    ...base,
    "harbor-ha:replication": JSON.stringify({ endpoints }),
  });

  it("refuses a plain accessSecret on a second endpoint although the first one's is secure (per endpoint index)", () => {
    let error: StackConfigError | undefined;
    try {
      parseStackConfig({
        stack: "staging",
        values: withReplication([endpoint(0), endpoint(1)]),
        // Pulumi marks the whole key secret; the file says only endpoints[0].accessSecret was `secure:`.
        isSecret: (k) => k === "harbor-ha:replication",
        encryptedLeaves: { "harbor-ha:replication": ["harbor-ha:replication.endpoints[0].accessSecret"] },
      });
    } catch (e) {
      error = e as StackConfigError;
    }
    assert.ok(error);
    assert.deepEqual(error.problems, [
      "harbor-ha:replication.endpoints[1].accessSecret: is a secret but is stored in plain text. Fix: run `pulumi config set --secret --path 'harbor-ha:replication.endpoints[1].accessSecret' <value>` so it is encrypted.",
    ]);
    assert.doesNotMatch(error.message, /CANARY/);
  });

  it("keeps encrypted accessKey and cluster.name secret, each on its own; plain siblings stay plain", async () => {
    const values = {
      ...withReplication([endpoint(0), endpoint(1)]),
      "harbor-ha:cluster": JSON.stringify({
        name: "CANARY-CLUSTER-NAME",
        nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
        subnetIds: ["subnet-1"],
      }),
    };
    const c = parseStackConfig({
      stack: "staging",
      values,
      isSecret: (k) => k === "harbor-ha:replication" || k === "harbor-ha:cluster",
      encryptedLeaves: {
        "harbor-ha:replication": [
          "harbor-ha:replication.endpoints[0].accessSecret",
          "harbor-ha:replication.endpoints[1].accessSecret",
          "harbor-ha:replication.endpoints[1].accessKey",
        ],
        "harbor-ha:cluster": ["harbor-ha:cluster.name"],
      },
    });
    const isSecret = (v: unknown) => (pulumi.Output.isInstance(v) ? (v as any).isSecret : Promise.resolve(false));
    const [e0, e1] = c.replication.endpoints;
    assert.deepEqual(await Promise.all([e0.accessSecret, e1.accessSecret].map(isSecret)), [true, true]);
    assert.equal(e0.accessKey, "robot$e0", "a plain accessKey stays a plain string");
    assert.equal(await isSecret(e1.accessKey), true);
    assert.equal(await isSecret(c.cluster!.name), true);
    assert.equal(c.cluster!.nodeRoleArn, "arn:aws:iam::123456789012:role/nodes");
    assert.equal(e1.url, "https://harbor1.example.com");
  });

  it("refuses an encrypted value harbor-ha must use in plain (hosted zone ID), without showing it", () => {
    let error: StackConfigError | undefined;
    try {
      parseStackConfig({
        stack: "prod",
        values: {
          ...base,
          "harbor-ha:tls": JSON.stringify({
            mode: "acme-dns01",
            email: "ops@example.com",
            route53: { region: "eu-west-1", hostedZoneId: "not-a-zone-CANARY-ZONE" },
          }),
          "harbor-ha:namespace": "CANARY-NS",
        },
        isSecret: (k) => k === "harbor-ha:tls" || k === "harbor-ha:namespace",
        encryptedLeaves: { "harbor-ha:tls": ["harbor-ha:tls.route53.hostedZoneId"] },
      });
    } catch (e) {
      error = e as StackConfigError;
    }
    assert.ok(error);
    assert.ok(
      error.problems.some((p) =>
        p.startsWith(
          "harbor-ha:tls.route53.hostedZoneId: is encrypted (secure:), but it is written into the Route53 IAM policy",
        ),
      ),
      error.message,
    );
    // namespace: encrypted, and also not a DNS label: both said, the value in neither.
    assert.ok(
      error.problems.some((p) => p.startsWith("harbor-ha:namespace: is encrypted (secure:)")),
      error.message,
    );
    assert.ok(
      error.problems.some((p) => p.startsWith("harbor-ha:namespace: the (secret) string")),
      error.message,
    );
    assert.doesNotMatch(error.message, /CANARY/);
  });

  it("without the file's leaves (an ESC environment), a secret key's credential leaves count as encrypted", () => {
    const c = parseStackConfig({
      stack: "staging",
      values: withReplication([endpoint(0), endpoint(1)]),
      isSecret: (k) => k === "harbor-ha:replication",
    });
    assert.equal(c.replication.endpoints.length, 2);
  });

  it("refuses credentials inside any URL, and never repeats them", () => {
    const problems = problemsOf({
      ...base,
      "harbor-ha:externalUrl": "https://admin:CANARY-PW-1@harbor.example.com",
      "harbor-ha:storage": JSON.stringify({
        type: "s3-compatible",
        bucketName: "registry",
        region: "us-east-1",
        regionEndpoint: "https://minio:CANARY-PW-2@minio.example.com",
        credentialsSecretName: "minio-keys",
      }),
      "harbor-ha:tls": JSON.stringify({
        mode: "acme-http01",
        email: "ops@example.com",
        acmeServer: "https://eab:CANARY-PW-3@acme.example.com/directory",
      }),
      "harbor-ha:replication": JSON.stringify({
        endpoints: [{ name: "dr", url: "https://robot:CANARY-PW-4@harbor.dr.example.com/api/v2.0" }],
        peerFlows: [{ from: "https://u:CANARY-PW-5@a.example.com", to: "https://b.example.com", policy: "p" }],
      }),
      "harbor-ha:projects": JSON.stringify([{ name: "ftp://CANARY-PW-6@x" }]),
    });
    const keys = problems.map((p) => p.slice(0, p.indexOf(": ")));
    assert.deepEqual(keys.sort(), [
      "harbor-ha:externalUrl",
      "harbor-ha:projects[0].name",
      "harbor-ha:replication.endpoints[0].url",
      "harbor-ha:replication.peerFlows[0].from",
      "harbor-ha:storage.regionEndpoint",
      "harbor-ha:tls.acmeServer",
    ]);
    for (const p of problems) {
      assert.match(p, /has a user name or password in a URL .* Fix: remove it from the URL; /);
      assert.doesNotMatch(p, /CANARY|robot:|admin:/);
    }
  });
});
