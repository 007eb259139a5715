/**
 * Hermetic repository: nothing tracked may point outside the clone. A user's clone (or CI's) has no
 * `../shared` folder and none of this machine's absolute paths, so a test or source that reads one
 * passes here and fails there. Upstream data lives under test/fixtures/upstream/<name>-<version>/.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

/** Lock files are generated (registry URLs only); this file holds the patterns and their samples. */
const SKIPPED = new Set(["package-lock.json", "policies/package-lock.json", "test/hermetic.spec.ts"]);

/**
 * Absolute paths that are not this machine's: they name places inside the container images we deploy
 * or pin (written into pod specs or quoted by upstream values.yaml), never a file read at test or run time.
 */
const IN_IMAGE = [
  /\/home\/postgres\//g, // Spilo: PGROOT and the data volume's mount path
  /\/home\/scanner\//g, // Harbor's trivy adapter image (upstream values.yaml comments)
];

const RULES: { name: string; pattern: RegExp; fix: string }[] = [
  {
    name: "a sibling shared/ folder",
    // `../shared`, `..\shared`, and the same built with path.join(…, "..", "shared"…).
    pattern: /\.\.[\\/]+shared\b|["'`]\.\.["'`]\s*,\s*["'`]shared["'`]/,
    fix: "copy the data into test/fixtures/upstream/<name>-<version>/ with a README",
  },
  {
    name: "this machine's workspace or a user's home",
    pattern: /(?<![\w.-])\/(?:work|root|Users|home\/[\w.-]+)\/|[A-Za-z]:\\\\?(?:Users|work)\\/,
    fix: "use a path relative to the repository (path.join(__dirname, …))",
  },
  {
    name: "a hard-coded temporary folder",
    // A string literal that starts with /tmp or /var/tmp; `os.tmpdir()` honours TMPDIR and other platforms.
    pattern: /["'`](?:\/var)?\/tmp(?:\/|["'`])/,
    fix: "use fs.mkdtempSync(path.join(os.tmpdir(), …))",
  },
];

export interface Finding {
  file: string;
  line: number;
  rule: string;
  text: string;
  fix: string;
}

/** The findings of one file's text. */
export function outsideReferences(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = IN_IMAGE.reduce((l, p) => l.replace(p, "<in-image>/"), raw);
    for (const rule of RULES)
      if (rule.pattern.test(line))
        findings.push({ file, line: i + 1, rule: rule.name, text: raw.trim().slice(0, 160), fix: rule.fix });
  });
  return findings;
}

function trackedTextFiles(): string[] {
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  return files.filter((f) => {
    if (SKIPPED.has(f)) return false;
    const abs = path.join(ROOT, f);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) return false; // deleted in the work tree
    return !fs.readFileSync(abs).subarray(0, 8000).includes(0); // binary
  });
}

describe("hermetic repository", () => {
  it("flags what points outside the clone and nothing else (the matcher itself)", () => {
    const flagged = (s: string) => outsideReferences("x.ts", s).map((f) => f.rule);
    // Each of these read outside the repository once, or would on some machine.
    assert.deepEqual(flagged(`const REF = path.join(__dirname, "..", "..", "shared", "reference");`), [
      "a sibling shared/ folder",
    ]);
    assert.deepEqual(flagged(`fs.readFileSync("../shared/reference/harbor-api/swagger.yaml")`), [
      "a sibling shared/ folder",
    ]);
    assert.deepEqual(flagged(`export const F = "/work/shared/reference/harbor-api/swagger-v2.15.2.yaml";`), [
      "this machine's workspace or a user's home",
    ]);
    assert.deepEqual(flagged(`const f = "/home/alice/harbor/values.yaml";`), [
      "this machine's workspace or a user's home",
    ]);
    assert.deepEqual(flagged(`const f = "/root/.kube/config";`), ["this machine's workspace or a user's home"]);
    assert.deepEqual(flagged(`const dir = "/tmp/harbor-ha-out";`), ["a hard-coded temporary folder"]);
    assert.deepEqual(flagged("const dir = `/tmp/${name}`;"), ["a hard-coded temporary folder"]);
    // Legitimate: paths inside images, temporary folders from os.tmpdir(), procfs, words that merely contain them.
    for (const ok of [
      `volumeMounts: [{ name: "pgdata", mountPath: "/home/postgres/pgdata" }],`,
      `# in the local file system (\`/home/scanner/.cache/trivy/db/trivy.db\`)`,
      `const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-out-"));`,
      'readFileSync(`/proc/${pid}/stat`, "utf8")',
      `pgpass: "/run/postgresql/pgpass",`,
      `a ReadWriteOnce volume cannot be shared by 3 registry replicas`,
      `import { sharedSpiloConfig } from "./clusterPatroniConfig";`,
      `see https://github.com/goharbor/harbor/tree/main/src/server/v2.0/handler/work/`,
      `const network = "./network/";`,
    ])
      assert.deepEqual(flagged(ok), [], ok);
  });

  it("no tracked file reads ../shared or an absolute path of this machine", () => {
    const files = trackedTextFiles();
    assert.ok(files.length > 50, `git ls-files found ${files.length} text files: is this a git checkout?`);
    const findings = files.flatMap((f) => outsideReferences(f, fs.readFileSync(path.join(ROOT, f), "utf8")));
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.line}: ${f.rule}: ${f.text} (fix: ${f.fix})`),
      [],
      "tracked files point outside the repository",
    );
  });
});
