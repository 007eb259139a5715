import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
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
      parseStackConfig({ stack, values: input.config, isSecret: (k) => input.secretKeys.includes(k) });
    });
  }
});
