import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "..");
const workflow = parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "preview.yml"), "utf8"));
const stacks = fs.readdirSync(path.join(ROOT, "stacks")).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5)).sort();

describe("preview workflow (.github/workflows/preview.yml)", () => {
    it("runs on pull requests", () => {
        assert.ok(workflow.on.pull_request, "on.pull_request");
    });

    for (const jobName of ["offline", "preview"]) {
        it(`job ${jobName} covers every committed stack`, () => {
            assert.deepEqual([...workflow.jobs[jobName].strategy.matrix.stack].sort(), stacks);
        });
    }

    it("offline job plans and diffs without any credential", () => {
        const job = workflow.jobs.offline;
        const text = JSON.stringify(job);
        assert.ok(!/secrets\./.test(text), "the offline job uses no secret");
        const runs = job.steps.map((s: any) => s.run ?? "").join("\n");
        assert.match(runs, /npm ci/);
        assert.match(runs, /npx harbor-ha plan \$\{\{ matrix\.stack \}\} --json/);
        assert.match(runs, /npx harbor-ha diff .* --markdown >> "\$GITHUB_STEP_SUMMARY"/);
        assert.ok(job.steps.some((s: any) => s.uses?.startsWith("actions/checkout@") && s.with?.ref === "${{ github.base_ref }}"), "checks out the base branch to diff against");
    });

    it("preview job runs pulumi preview --diff with the policy pack and comments on the PR", () => {
        const job = workflow.jobs.preview;
        assert.equal(job.needs, "offline");
        assert.equal(job.permissions["pull-requests"], "write");
        const step = job.steps.find((s: any) => /^pulumi\/actions@v\d+$/.test(s.uses ?? ""));
        assert.ok(step, "uses the maintained pulumi/actions action, pinned to a major version");
        assert.equal(step.with.command, "preview");
        assert.equal(step.with["stack-name"], "${{ matrix.stack }}");
        assert.equal(step.with.diff, true);
        assert.equal(step.with.policyPacks, "policies");
        assert.equal(step.with.policyPackConfigs, "policies/config/${{ matrix.stack }}.json");
        assert.equal(step.with["comment-on-pr"], true);
        assert.equal(step.env.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
        assert.ok(job.steps.findIndex((s: any) => s.run === "npm ci") < job.steps.indexOf(step), "dependencies are installed before the preview");
    });

    it("each stack has the policy config file the preview passes", () => {
        for (const stack of stacks) assert.ok(fs.existsSync(path.join(ROOT, "policies", "config", `${stack}.json`)), `policies/config/${stack}.json`);
    });

    it("every credential comes from repository secrets", () => {
        const text = fs.readFileSync(path.join(ROOT, ".github", "workflows", "preview.yml"), "utf8");
        for (const m of text.matchAll(/(TOKEN|PASSPHRASE|ROLE_ARN)[^\n]*:\s*(.+)/g)) {
            if (m[0].trim().startsWith("#")) continue;
            assert.match(m[2], /\$\{\{ secrets\.[A-Z_]+ \}\}/, m[0]);
        }
    });
});
