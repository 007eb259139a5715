import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { diffPlans, normaliseUrn, valueChanges, MISSING } from "../cli/diffPlans";
import { PlanDocument } from "../cli/planReport";
import { stackFilePath } from "../engine";

const ROOT = path.join(__dirname, "..");
const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "harbor-ha.js"), ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-diff-"));

function doc(stack: string, resources: Partial<PlanDocument["resources"][0]>[], violations: PlanDocument["violations"] = []): PlanDocument {
    return {
        project: "harbor-ha",
        stack,
        outputs: {},
        violations,
        resources: resources.map((r) => ({ urn: `urn:pulumi:${stack}::harbor-ha::${r.type}::${r.name}`, type: "t:m:R", name: "r", custom: true, parent: "", provider: "", inputs: {}, ...r })),
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

    it("matches resources across stacks by URN without the stack segment", () => {
        assert.equal(normaliseUrn("urn:pulumi:prod::harbor-ha::a$b::n"), normaliseUrn("urn:pulumi:dev::harbor-ha::a$b::n"));
        const d = diffPlans(
            doc("dev", [{ type: "k:v:Keep", name: "k", inputs: { replicas: 1 } }, { type: "k:v:Gone", name: "g" }]),
            doc("prod", [{ type: "k:v:Keep", name: "k", inputs: { replicas: 3 } }, { type: "k:v:New", name: "n" }], [{ policy: "p", enforcementLevel: "mandatory", urn: "", message: "m" }]),
            { a: "dev", b: "prod" },
        );
        assert.deepEqual(d.added.map((r) => r.type), ["k:v:New"]);
        assert.deepEqual(d.removed.map((r) => r.type), ["k:v:Gone"]);
        assert.deepEqual(d.changed, [{ urn: "urn:pulumi:*::harbor-ha::k:v:Keep::k", type: "k:v:Keep", changes: [{ path: "replicas", old: 1, new: 3 }] }]);
        assert.equal(d.violationsAdded.length, 1);
        assert.equal(d.violationsRemoved.length, 0);
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
        assert.ok(paths.some((p: string) => /maxOpenConns: 100 -> 80$/.test(p)), paths.join("\n"));
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

    it("CLI: bad input exits 1", () => {
        assert.equal(cli("diff", "dev").code, 1);
        assert.equal(cli("diff", "dev", "nosuchstack").code, 1);
    });
});
