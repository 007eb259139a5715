import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { offlineSecretPlaceholder, PlanGraph, runStack, secretPlaintexts, stackFilePath } from "../engine";
import { describeFsError } from "../cli/fileErrors";
import { OUT_MARKER, writeManifests } from "../cli/writeManifests";

const ROOT = path.join(__dirname, "..");

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "harbor-ha.js"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempConfig(stack: string, edit: (config: Record<string, any>) => void): string {
  const doc = parse(fs.readFileSync(stackFilePath(stack), "utf8"));
  edit(doc.config);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-plan-"));
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stringify(doc));
  return file;
}

/**
 * Runs the CLI with its stdout a kernel pipe (64 KiB buffer), as `harbor-ha plan prod --json | jq` does, and
 * reads the other end as a stream to its end. (Node's own child stdio is a socket pair with a larger buffer,
 * which would hide a cut; `cat` copies the pipe to us unchanged.)
 */
function cliThroughPipe(...args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    // POSIX sh has no pipefail: the CLI's own exit status goes to stderr as the last line.
    const script = '{ "$0" "$@"; echo "exit status $?" >&2; } | cat';
    const bin = path.join(ROOT, "bin", "harbor-ha.js");
    const child = spawn("/bin/sh", ["-c", script, process.execPath, bin, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", () => {
      const status = /exit status (\d+)\n$/.exec(stderr);
      resolve({ code: status ? Number(status[1]) : null, stdout: Buffer.concat(chunks), stderr });
    });
  });
}

describe("harbor-ha plan (CLI, as a user runs it)", () => {
  it("writes the whole plan into a pipe: the same bytes as redirected to a file", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-pipe-")), "prod.json");
    const bin = path.join(ROOT, "bin", "harbor-ha.js");
    // The shell opens the file; node writes to it synchronously.
    const toFile = spawnSync("/bin/sh", ["-c", `"$0" "$1" plan prod --json > "$2"`, process.execPath, bin, file], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(toFile.status, 0, toFile.stderr);
    const piped = await cliThroughPipe("plan", "prod", "--json");
    assert.equal(piped.code, 0, piped.stderr);
    const written = fs.readFileSync(file);
    assert.ok(written.length > 64 * 1024, `prod plan is ${written.length} bytes: more than one pipe buffer`);
    assert.equal(piped.stdout.length, written.length, "bytes through the pipe");
    assert.ok(piped.stdout.equals(written), "the piped plan equals the file's");
    JSON.parse(piped.stdout.toString("utf8"));
  });

  it("prints the same JSON document twice, in the documented shape", () => {
    const one = cli("plan", "dev", "--json");
    const two = cli("plan", "dev", "--json");
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stdout, two.stdout, "plan --json must be byte-identical across runs");
    const doc = JSON.parse(one.stdout);
    assert.deepEqual(Object.keys(doc), ["outputs", "prerequisites", "project", "resources", "stack", "violations"]);
    assert.equal(doc.project, "harbor-ha");
    assert.equal(doc.stack, "dev");
    assert.ok(doc.resources.length > 1);
    for (const r of doc.resources)
      assert.deepEqual(Object.keys(r), ["custom", "inputs", "name", "parent", "provider", "type", "urn"]);
    assert.ok(Array.isArray(doc.violations));
    // Reads (Resource.get) are prerequisites, never resources: dev reads the CA Secret cert-manager made.
    for (const p of doc.prerequisites) assert.deepEqual(Object.keys(p), ["id", "type", "urn"]);
    assert.ok(doc.prerequisites.some((p: any) => p.id === "cert-manager/harbor-certs-ca"));
    for (const p of doc.prerequisites)
      assert.ok(!doc.resources.some((r: any) => r.urn === p.urn), `${p.urn} is read, not created`);
  });

  it("shows the component tree, outputs, policy verdicts and a summary line", () => {
    const r = cli("plan", "dev");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /harbor-ha:platform:HarborPlatform "harbor"/);
    assert.match(r.stdout, /Outputs:\n\s+\w+/);
    assert.match(
      r.stdout,
      /Prerequisites \(read from the cluster, never created[^\n]*\n\s+kubernetes:core\/v1:Secret "cert-manager\/harbor-certs-ca"/,
    );
    assert.match(r.stdout, /Policies: /);
    assert.match(r.stdout, /Summary: \d+ resources .* \d+\.\d\d s$/m);
  });

  it("exits 1 naming both a misspelled key and a wrong type", () => {
    const file = tempConfig("dev", (c) => {
      c["harbor-ha:postgres"].membres = 3;
      c["harbor-ha:redis"].sentinels = "three";
    });
    const r = cli("plan", "dev", "--config", file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stack "dev": invalid configuration, 2 problems/);
    assert.match(r.stderr, /harbor-ha:postgres\.membres: unknown key\. Fix: did you mean "members"\?/);
    assert.match(r.stderr, /harbor-ha:redis\.sentinels: expected a number, got string "three"/);
    assert.equal(r.stdout, "", "nothing is planned from a bad config");
  });

  it("never prints a secret value: config secrets and generated ones alike", async () => {
    const file = tempConfig("dev", (c) => {
      c["harbor-ha:adminPassword"] = { secure: "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" };
    });
    const placeholder = offlineSecretPlaceholder("dev", "harbor-ha:adminPassword");
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-out-"));
    const json = cli("plan", "dev", "--config", file, "--json", "--out", outDir);
    const human = cli("plan", "dev", "--config", file);
    assert.equal(json.code, 0, json.stderr);
    // Every generated secret's (offline) plaintext, taken from the same program run in-process.
    const { readStackConfig } = await import("../engine");
    const graph = await runStack("dev", { configInput: readStackConfig("dev", file) });
    const secrets = new Set<string>([placeholder]);
    for (const r of graph.resources) secretPlaintexts(r.inputs, secrets);
    assert.ok(secrets.size > 1, "the dev stack generates secrets");
    const written = fs.readdirSync(outDir).map((f) => fs.readFileSync(path.join(outDir, f), "utf8"));
    for (const s of secrets) {
      for (const text of [json.stdout, json.stderr, human.stdout, human.stderr, ...written])
        assert.ok(!text.includes(s), "a secret value was printed");
    }
    assert.match(json.stdout, /"\[secret\]"/);
  });

  it("--out writes each Kubernetes object and each Helm release's values", () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-out-"));
    const r = cli("plan", "dev", "--out", outDir);
    assert.equal(r.code, 0, r.stderr);
    const files = fs.readdirSync(outDir).filter((f) => f !== OUT_MARKER);
    assert.ok(files.includes("Namespace-cluster-harbor.yaml"), files.join(", "));
    // The marker lists exactly what was written (the files a later plan into this directory replaces).
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(outDir, OUT_MARKER), "utf8")).files, files.sort());
    for (const f of files.filter((f) => !f.startsWith("values-"))) {
      const obj = parse(fs.readFileSync(path.join(outDir, f), "utf8"));
      assert.ok(obj.apiVersion && obj.kind, `${f} is a Kubernetes object`);
    }
  });

  it("exits 1 on a policy config with a setting no policy has", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-pol-")), "prod.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ "harbor-patroni-members": { enforcementLevel: "mandatory", minMembres: 3 } }),
    );
    const r = cli("plan", "prod", "--policy-config", file);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^stack "prod": policy config .* is invalid:\n {2}- harbor-patroni-members\.minMembres is not a setting of the policy \(settings: minMembers\)/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace for a user's mistake");
  });

  it("rejects an unknown stack with a clear message", () => {
    const r = cli("plan", "nosuchstack");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stack "nosuchstack": no config file at .*Pulumi\.nosuchstack\.yaml/);
  });
});

/** A graph holding Namespaces only: enough for --out's file handling. */
function namespaces(stack: string, ...names: string[]): PlanGraph {
  return {
    project: "harbor-ha",
    stack,
    outputs: {},
    errors: [],
    resources: names.map((n) => ({
      urn: `urn:pulumi:${stack}::harbor-ha::kubernetes:core/v1:Namespace::${n}`,
      type: "kubernetes:core/v1:Namespace",
      name: n,
      custom: true,
      parent: "",
      provider: "",
      dependencies: [],
      inputs: { apiVersion: "v1", kind: "Namespace", metadata: { name: n } },
    })),
  } as PlanGraph;
}

/** One line on stderr naming `path`, exit 1, nothing else: no stack trace, no usage. */
function assertOneLineError(r: { code: number | null; stdout: string; stderr: string }, path: string, what: RegExp) {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.ok(lines[0].includes(path), `names ${path}: ${lines[0]}`);
  assert.match(lines[0], what);
  assert.match(lines[0], /Fix: /);
  assert.doesNotMatch(r.stderr, /\n\s+at |Usage:/, "no stack trace, no usage");
}

describe("plan --out: a directory the tool owns", () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-outdir-"));

  it("writes a marker into a new directory; a re-used one loses the earlier plan's files, not others'", () => {
    const dir = path.join(tmp(), "a", "b");
    assert.deepEqual(writeManifests(namespaces("prod", "harbor", "acme"), dir), [
      "Namespace-cluster-acme.yaml",
      "Namespace-cluster-harbor.yaml",
    ]);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, OUT_MARKER), "utf8")).files, [
      "Namespace-cluster-acme.yaml",
      "Namespace-cluster-harbor.yaml",
    ]);
    fs.writeFileSync(path.join(dir, "review-notes.txt"), "mine");
    writeManifests(namespaces("dev", "harbor"), dir);
    assert.deepEqual(fs.readdirSync(dir).sort(), [OUT_MARKER, "Namespace-cluster-harbor.yaml", "review-notes.txt"]);
  });

  it("refuses a non-empty directory it did not write, and touches nothing in it", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "Namespace-cluster-harbor.yaml"), "someone else's");
    assert.throws(
      () => writeManifests(namespaces("dev", "harbor"), dir),
      (e: Error) => e.name === "CliInputError" && e.message.includes(dir) && /did not write.*Fix: /.test(e.message),
    );
    assert.deepEqual(fs.readdirSync(dir), ["Namespace-cluster-harbor.yaml"]);
    assert.equal(fs.readFileSync(path.join(dir, "Namespace-cluster-harbor.yaml"), "utf8"), "someone else's");
  });

  it("says each file system error in words naming the path", () => {
    assert.equal(describeFsError("/x", Object.assign(new Error("EACCES"), { code: "EACCES" })), "permission denied");
    assert.equal(
      describeFsError("/x", Object.assign(new Error("EROFS"), { code: "EROFS" })),
      "the file system is read-only",
    );
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "f"), "");
    assert.equal(
      describeFsError(path.join(dir, "f", "sub"), Object.assign(new Error(), { code: "ENOTDIR" })),
      `${path.join(dir, "f")} is a file, not a directory`,
    );
    const inside = Object.assign(new Error(), { code: "ERR_FS_EISDIR", path: path.join(dir, "x.yaml") });
    assert.equal(describeFsError(dir, inside), `${path.join(dir, "x.yaml")}: it is a directory, not a file`);
  });

  it("CLI: a foreign directory, a path below a file, /proc and a file are one line each, exit 1, nothing planned", function () {
    this.timeout(600_000); // four CLI processes
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "notes.txt"), "x");
    assertOneLineError(cli("plan", "dev", "--out", dir), dir, /did not write/);
    const below = path.join(dir, "notes.txt", "out");
    assertOneLineError(cli("plan", "dev", "--out", below), below, /notes\.txt is a file, not a directory/);
    // Node's recursive mkdir retries forever where mkdir answers ENOENT under an existing parent (/proc).
    const started = Date.now();
    const proc = cli("plan", "dev", "--out", "/proc/harbor-ha-plan");
    assertOneLineError(proc, "/proc/harbor-ha-plan", /cannot be created in \/proc/);
    assert.ok(Date.now() - started < 60_000, "--out /proc/... returns");
    assertOneLineError(
      cli("plan", "dev", "--out", path.join(dir, "notes.txt")),
      "notes.txt",
      /a file, not a directory/,
    );
    for (const r of [proc]) assert.equal(r.stdout, "", "refused before planning");
  });
});

describe("plan --config: files that are not a stack config", () => {
  it("a directory, binary, UTF-16, a list or a scalar is one clear error, exit 1", function () {
    this.timeout(600_000); // five CLI processes
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-config-"));
    const files: Record<string, string | Buffer> = {
      "binary.yaml": fs.readFileSync(process.execPath).subarray(0, 4096),
      "utf16.yaml": Buffer.from("\ufeffconfig:\n  harbor-ha:environment: dev\n", "utf16le"),
      "list.yaml": "- a\n- b\n",
      "scalar.yaml": "42\n",
    };
    for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), body);
    fs.mkdirSync(path.join(dir, "dir.yaml"));
    const results = new Map<string, ReturnType<typeof cli>>();
    for (const name of [...Object.keys(files), "dir.yaml"]) {
      const r = cli("plan", "dev", "--config", path.join(dir, name));
      results.set(name, r);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.equal(r.stdout, "", `${name}: nothing planned`);
      assert.match(r.stderr, /^stack "dev": /, name);
      assert.doesNotMatch(r.stderr, /\n\s+at |Usage:|TypeError/, `${name}: no stack trace, no usage`);
    }
    const d = results.get("dir.yaml")!;
    assert.ok(d.stderr.includes(path.join(dir, "dir.yaml")), d.stderr);
  });
});
