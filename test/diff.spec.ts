import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import {
  diffPlans,
  normaliseUrn,
  renderDiffMarkdown,
  renderDiffText,
  valueChanges,
  MARKDOWN_LIMIT,
  MISSING,
} from "../cli/diffPlans";
import { canonicalJson } from "../cli/canonicalJson";
import { plan } from "../cli/plan";
import { loadSide, planDocumentProblems, readPlanFile } from "../cli/diff";
import { PlanDocument } from "../cli/planReport";
import { secretPlaintexts, stackFilePath } from "../engine";

const ROOT = path.join(__dirname, "..");
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "harbor-ha.js"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-diff-"));

function doc(
  stack: string,
  resources: Partial<PlanDocument["resources"][0]>[],
  violations: PlanDocument["violations"] = [],
): PlanDocument {
  return {
    project: "harbor-ha",
    stack,
    outputs: {},
    violations,
    resources: resources.map((r) => ({
      urn: `urn:pulumi:${stack}::harbor-ha::${r.type}::${r.name}`,
      type: "t:m:R",
      name: "r",
      custom: true,
      parent: "",
      provider: "",
      inputs: {},
      ...r,
    })),
  };
}

describe("plan diff", () => {
  it("lists changed leaf paths with old and new values, arrays by index", () => {
    assert.deepEqual(valueChanges({ a: 1, b: { c: [1, 2] }, d: "x" }, { a: 1, b: { c: [1, 3, 4] }, e: "y" }), [
      { path: "b.c[1]", old: 2, new: 3 },
      { path: "b.c[2]", old: MISSING, new: 4 },
      { path: "d", old: "x", new: MISSING },
      { path: "e", old: MISSING, new: "y" },
    ]);
  });

  it("quotes keys that are not identifiers, so a path names one value", () => {
    assert.deepEqual(valueChanges({ m: { "a.b/c": 1, "x-y": 2 } }, { m: { "a.b/c": 3, "x-y": 4 } }), [
      { path: 'm["a.b/c"]', old: 1, new: 3 },
      { path: "m.x-y", old: 2, new: 4 },
    ]);
  });

  it("matches resources across stacks by URN without the stack segment", () => {
    assert.equal(normaliseUrn("urn:pulumi:prod::harbor-ha::a$b::n"), normaliseUrn("urn:pulumi:dev::harbor-ha::a$b::n"));
    const d = diffPlans(
      doc("dev", [
        { type: "k:v:Keep", name: "k", inputs: { replicas: 1 } },
        { type: "k:v:Gone", name: "g" },
      ]),
      doc(
        "prod",
        [
          { type: "k:v:Keep", name: "k", inputs: { replicas: 3 } },
          { type: "k:v:New", name: "n" },
        ],
        [{ policy: "p", enforcementLevel: "mandatory", urn: "", message: "m" }],
      ),
      { a: "dev", b: "prod" },
    );
    assert.deepEqual(
      d.added.map((r) => r.type),
      ["k:v:New"],
    );
    assert.deepEqual(
      d.removed.map((r) => r.type),
      ["k:v:Gone"],
    );
    assert.deepEqual(d.changed, [
      {
        urn: "urn:pulumi:*::harbor-ha::k:v:Keep::k",
        type: "k:v:Keep",
        changes: [{ path: "replicas", old: 1, new: 3 }],
      },
    ]);
    assert.equal(d.violationsAdded.length, 1);
    assert.equal(d.violationsRemoved.length, 0);
  });

  it("normalises the stack segment and the root stack resource's name, nothing else", () => {
    assert.equal(
      normaliseUrn("urn:pulumi:prod::harbor-ha::pulumi:pulumi:Stack::harbor-ha-prod"),
      "urn:pulumi:*::harbor-ha::pulumi:pulumi:Stack::harbor-ha-*",
    );
    assert.equal(
      normaliseUrn("urn:pulumi:dev::harbor-ha::pulumi:pulumi:Stack::harbor-ha-dev"),
      "urn:pulumi:*::harbor-ha::pulumi:pulumi:Stack::harbor-ha-*",
    );
    // A resource that merely has the stack in its name stays distinct.
    assert.notEqual(
      normaliseUrn("urn:pulumi:prod::harbor-ha::t:m:R::x-prod"),
      normaliseUrn("urn:pulumi:dev::harbor-ha::t:m:R::x-dev"),
    );
  });

  it("markdown stays under GitHub's comment limit, verdicts first, details closed", () => {
    const big = (stack: string, v: string) =>
      doc(
        stack,
        Array.from({ length: 400 }, (_, i) => ({
          type: "k:v:Big",
          name: `r${i}`,
          inputs: { data: { [`k${i}`]: v.repeat(150) } },
        })),
      );
    const d = diffPlans(
      big("dev", "a"),
      {
        ...big("prod", "b"),
        violations: [{ policy: "p", enforcementLevel: "mandatory", urn: "", message: "late verdict" }],
      },
      { a: "dev", b: "prod" },
    );
    const md = renderDiffMarkdown(d);
    assert.ok(md.length <= MARKDOWN_LIMIT + 300, `${md.length} characters`);
    assert.match(md, /_Truncated: the full diff has \d+ characters/);
    assert.match(md, /late verdict/, "policy verdicts survive truncation");
    assert.equal((md.match(/<details>/g) ?? []).length, (md.match(/<\/details>/g) ?? []).length);
  });

  describe("real stacks (in-process plans)", () => {
    let dev: PlanDocument;
    let prod: PlanDocument;
    before(async function () {
      this.timeout(60000);
      dev = await loadSide("dev");
      prod = await loadSide("prod");
    });

    /** The value at a diff path (`a.b[2].c`) of a resource's inputs. */
    const at = (value: any, p: string) =>
      [...p.matchAll(/(?:^|\.)([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)]
        .map((m) => m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(m[3])))
        .reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), value);

    it("dev vs prod: added/removed/changed agree with the two plans; the stack root is one resource", () => {
      const d = diffPlans(dev, prod, { a: "dev", b: "prod" });
      const devUrns = new Set(dev.resources.map((r) => normaliseUrn(r.urn)));
      const prodUrns = new Set(prod.resources.map((r) => normaliseUrn(r.urn)));
      assert.ok(d.added.length > 0 && d.removed.length > 0 && d.changed.length > 0);
      for (const r of d.added) assert.ok(prodUrns.has(r.urn) && !devUrns.has(r.urn), r.urn);
      for (const r of d.removed) assert.ok(devUrns.has(r.urn) && !prodUrns.has(r.urn), r.urn);
      assert.ok(
        ![...d.added, ...d.removed].some((r) => r.type === "pulumi:pulumi:Stack"),
        "the root stack resource is matched across stacks",
      );
      assert.ok(
        !d.changed.some((c) => c.changes.some((x) => x.path === "parent")),
        "top-level resources keep their (normalised) parent",
      );
      const byUrn = (doc: PlanDocument) => new Map(doc.resources.map((r) => [normaliseUrn(r.urn), r]));
      const [a, b] = [byUrn(dev), byUrn(prod)];
      for (const c of d.changed) {
        for (const x of c.changes.filter((x) => !["custom", "provider"].includes(x.path))) {
          const old = at(a.get(c.urn)!.inputs, x.path);
          const now = at(b.get(c.urn)!.inputs, x.path);
          assert.deepEqual([old ?? MISSING, now ?? MISSING], [x.old, x.new], `${c.urn} ${x.path}`);
        }
      }
    });

    it("secrets stay [secret]: no secret plaintext of either plan reaches the diff", async function () {
      this.timeout(30000);
      const plaintexts = new Set<string>();
      for (const stack of ["dev", "prod"]) {
        const { graph } = await plan(stack);
        for (const r of graph.resources) secretPlaintexts(r.inputs, plaintexts);
        secretPlaintexts(graph.outputs, plaintexts);
      }
      assert.ok(plaintexts.size > 0, "the plans hold secrets");
      const d = diffPlans(dev, prod, { a: "dev", b: "prod" });
      const out = [canonicalJson(d), renderDiffText(d), renderDiffMarkdown(d)].join("\n");
      for (const p of plaintexts) assert.ok(!out.includes(p), `secret plaintext ${p.slice(0, 4)}… in the diff`);
    });

    it("a saved prod plan vs the dev stack is the reverse of dev vs prod", async () => {
      const file = path.join(tmp(), "prod-plan.json");
      fs.writeFileSync(file, JSON.stringify(prod));
      const d = diffPlans(await loadSide(file), dev, { a: file, b: "dev" });
      const forward = diffPlans(dev, prod, { a: "dev", b: "prod" });
      assert.deepEqual(
        d.added.map((r) => r.urn),
        forward.removed.map((r) => r.urn),
      );
      assert.deepEqual(
        d.removed.map((r) => r.urn),
        forward.added.map((r) => r.urn),
      );
      assert.deepEqual(
        d.changed.map((r) => r.urn),
        forward.changed.map((r) => r.urn),
      );
    });

    it("a config file needs Pulumi.<stack>.yaml or --stack", async function () {
      this.timeout(30000);
      const file = path.join(tmp(), "custom.yaml");
      fs.copyFileSync(stackFilePath("dev"), file);
      await assert.rejects(loadSide(file), /cannot tell the stack of .*custom\.yaml/);
      const d = diffPlans(dev, await loadSide(file, "dev"), { a: "dev", b: file });
      assert.deepEqual([d.added, d.removed, d.changed, d.violationsAdded], [[], [], [], []]);
    });
  });

  it("CLI: the same stack twice is equal (exit 0)", () => {
    const r = cli("diff", "dev", "dev");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no differences/);
  });

  it("CLI: prod vs prod with one changed key shows exactly that change (exit 3)", () => {
    const config = parse(fs.readFileSync(stackFilePath("prod"), "utf8"));
    config.config["harbor-ha:harbor"].maxOpenConns = 80;
    const file = path.join(tmp(), "Pulumi.prod.yaml");
    fs.writeFileSync(file, stringify(config));
    const r = cli("diff", "prod", file, "--json");
    assert.equal(r.code, 3, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.added.length + d.removed.length, 0);
    const paths = d.changed.flatMap((c: any) => c.changes.map((x: any) => `${x.path}: ${x.old} -> ${x.new}`));
    assert.ok(
      paths.some((p: string) => /maxOpenConns: 100 -> 80$/.test(p)),
      paths.join("\n"),
    );
  });

  it("CLI: dev vs prod differs, in text, JSON and markdown; secrets stay [secret]", () => {
    const text = cli("diff", "dev", "prod");
    assert.equal(text.code, 3, text.stderr);
    assert.match(text.stdout, /^Diff dev -> prod: \d+ added, \d+ removed, \d+ changed/);
    const md = cli("diff", "dev", "prod", "--markdown");
    assert.match(md.stdout, /^### harbor-ha plan diff: `dev` → `prod`/);
    const json = JSON.parse(cli("diff", "dev", "prod", "--json").stdout);
    assert.ok(json.added.length > 0 && json.changed.length > 0);
    assert.ok(!/offline-secret-/.test(text.stdout + md.stdout), "no secret placeholder printed");
  });

  it("CLI: a saved plan --json file compares equal to the stack it came from", () => {
    const file = path.join(tmp(), "dev-plan.json");
    const planned = cli("plan", "dev", "--json");
    fs.writeFileSync(file, planned.stdout);
    const r = cli("diff", file, "dev");
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("a saved plan of the wrong shape is refused naming the file and every field, never read as undefined", () => {
    const dir = tmp();
    const good = doc("dev", [{ type: "t:m:R", name: "a" }]);
    const cases: Record<string, { body: string | Buffer; says: RegExp }> = {
      "wrong.json": {
        body: JSON.stringify({ resources: [{ urn: 5 }], violations: {} }),
        says: /resources\[0\]\.urn is number, not a string/,
      },
      "null.json": {
        body: JSON.stringify({ ...good, resources: [null] }),
        says: /resources\[0\] is null, not an object/,
      },
      "cut.json": { body: JSON.stringify(good).slice(0, 60), says: /not valid JSON .*cut short/ },
      "empty.json": { body: "", says: /the file is empty/ },
      "binary.json": { body: fs.readFileSync(process.execPath).subarray(0, 2048), says: /binary data/ },
      "list.json": { body: "[1, 2]", says: /the document is a list, not an object/ },
    };
    for (const [name, { body, says }] of Object.entries(cases)) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, body);
      assert.throws(
        () => readPlanFile(file),
        (e: Error) => e.name === "CliInputError" && e.message.startsWith(`${file}: `) && says.test(e.message),
        name,
      );
    }
    fs.mkdirSync(path.join(dir, "dir.json"));
    assert.throws(() => readPlanFile(path.join(dir, "dir.json")), /dir\.json: a directory, not a plan file/);
    assert.throws(() => readPlanFile(path.join(dir, "missing.json")), /missing\.json: cannot be read \(no such file/);
    assert.deepEqual(planDocumentProblems(JSON.parse(canonicalJson(good))), [], "a real plan's shape passes");
    assert.deepEqual(planDocumentProblems({ ...good, violations: [{ policy: "p", enforcementLevel: "mandatory" }] }), [
      "violations[0].urn is missing (a string)",
      "violations[0].message is missing (a string)",
    ]);
  });

  it("CLI: a wrong-shaped, null-entry or binary plan file is one line naming it, exit 1, no TypeError", () => {
    const dir = tmp();
    const wrong = path.join(dir, "wrong.json");
    fs.writeFileSync(wrong, JSON.stringify({ project: "p", stack: "s", resources: [{ type: 5 }], violations: [] }));
    const nulls = path.join(dir, "nulls.json");
    fs.writeFileSync(nulls, JSON.stringify({ project: "p", stack: "s", resources: [null], violations: [] }));
    const binary = path.join(dir, "saved-plan");
    fs.writeFileSync(binary, fs.readFileSync(process.execPath).subarray(0, 2048));
    for (const [a, b] of [
      [wrong, nulls],
      [nulls, wrong],
      [binary, wrong],
    ]) {
      const r = cli("diff", a, b);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
      assert.ok(r.stderr.startsWith(`${a}: `), r.stderr);
      assert.doesNotMatch(r.stderr, /undefined|TypeError|\n\s+at |Usage:/);
    }
  });

  it("CLI: bad input exits 1", () => {
    assert.equal(cli("diff", "dev").code, 1);
    assert.equal(cli("diff", "dev", "nosuchstack").code, 1);
  });
});
