import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "..");
const workflow = parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "preview.yml"), "utf8"));
const stacks = fs
  .readdirSync(path.join(ROOT, "stacks"))
  .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
  .map((f) => f.slice(7, -5))
  .sort();

describe("preview workflow (.github/workflows/preview.yml)", () => {
  it("runs on pull requests", () => {
    assert.ok(workflow.on.pull_request, "on.pull_request");
  });

  for (const jobName of ["offline", "preview"]) {
    it(`job ${jobName} covers every committed stack`, () => {
      assert.deepEqual([...workflow.jobs[jobName].strategy.matrix.stack].sort(), stacks);
    });
  }

  it("offline job plans and diffs without any credential, and fails on the plan's verdict after the diff", () => {
    const job = workflow.jobs.offline;
    assert.ok(!/secrets\./.test(JSON.stringify(job)), "the offline job uses no secret");
    assert.equal(job.if, undefined, "runs for fork pull requests too");
    const steps: any[] = job.steps;
    const runs = steps.map((s) => s.run ?? "").join("\n");
    assert.match(runs, /npm ci/);
    assert.match(runs, /npx harbor-ha plan \$\{\{ matrix\.stack \}\} --json > "\$RUNNER_TEMP\/pr\.json"/);
    assert.ok(
      steps.some(
        (s) =>
          s.uses?.startsWith("actions/checkout@") &&
          s.with?.ref === "${{ github.base_ref }}" &&
          s.with?.path === "base",
      ),
      "checks out the base branch",
    );
    assert.ok(
      steps.some(
        (s) =>
          s["working-directory"] === "base" &&
          /npx harbor-ha plan \$\{\{ matrix\.stack \}\} --json > "\$RUNNER_TEMP\/base\.json"/.test(s.run ?? ""),
      ),
      "plans the base branch",
    );
    const diff = steps.findIndex((s) =>
      /npx harbor-ha diff "\$RUNNER_TEMP\/base\.json" "\$RUNNER_TEMP\/pr\.json" --markdown >> "\$GITHUB_STEP_SUMMARY"/.test(
        s.run ?? "",
      ),
    );
    assert.ok(diff >= 0, "diffs base -> PR into the job summary");
    assert.match(steps[diff].run, /-ne 3/, "exit 3 (differences) does not fail the step");
    assert.equal(steps[diff].if, "${{ !cancelled() }}", "the diff is written even when the PR's plan fails");
    const plan = steps.find((s) => s.id === "plan");
    assert.ok(
      plan && /set \+e/.test(plan.run) && /code=\$\?.*GITHUB_OUTPUT/.test(plan.run),
      "the plan step records its exit code",
    );
    const verdict = steps.findIndex((s) => s.if === "${{ steps.plan.outputs.code != '0' }}");
    assert.ok(verdict > diff && /exit 1/.test(steps[verdict].run), "the verdict fails the job after the diff");
  });

  it("preview job runs pulumi preview --diff with the policy pack and comments on the PR", () => {
    const job = workflow.jobs.preview;
    assert.equal(job.needs, "offline");
    assert.equal(job.permissions["pull-requests"], "write");
    assert.match(
      job.if,
      /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/,
      "skipped for forks (no secrets there)",
    );
    const steps: any[] = job.steps;
    const at = (pred: (s: any) => boolean, what: string) => {
      const i = steps.findIndex(pred);
      assert.ok(i >= 0, what);
      return i;
    };
    const checkout = at((s) => /^actions\/checkout@v\d+$/.test(s.uses ?? ""), "checkout");
    const node = at(
      (s) => /^actions\/setup-node@v\d+$/.test(s.uses ?? "") && String(s.with?.["node-version"]) === "20",
      "setup-node 20",
    );
    const ci = at((s) => s.run === "npm ci" && !s["working-directory"], "npm ci");
    const packDeps = at(
      (s) => s.run === "npm ci" && s["working-directory"] === "policies",
      "the policy pack's own dependencies",
    );
    const step =
      steps[
        at(
          (s) => /^pulumi\/actions@v\d+$/.test(s.uses ?? ""),
          "the maintained pulumi/actions action, pinned to a major version",
        )
      ];
    assert.ok(
      checkout < node && node < ci && ci < packDeps && packDeps < steps.indexOf(step),
      "checkout, node, dependencies, then the preview",
    );
    assert.equal(step.with.command, "preview");
    assert.equal(step.with["stack-name"], "${{ matrix.stack }}");
    assert.equal(step.with.diff, true);
    assert.equal(step.with.policyPacks, "policies");
    assert.equal(step.with.policyPackConfigs, "policies/config/${{ matrix.stack }}.json");
    assert.equal(step.with["comment-on-pr"], true);
    assert.equal(step.env.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
    assert.equal(step.env.PULUMI_CONFIG_PASSPHRASE, "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}");
    const aws = steps.find((s) => /^aws-actions\/configure-aws-credentials@v\d+$/.test(s.uses ?? ""));
    assert.ok(aws && steps.indexOf(aws) < steps.indexOf(step), "AWS credentials before the preview");
    assert.equal(aws.with["role-to-assume"], "${{ secrets.AWS_ROLE_ARN }}");
    assert.equal(aws.with["aws-access-key-id"], "${{ secrets.AWS_ACCESS_KEY_ID }}");
    assert.equal(aws.with["aws-secret-access-key"], "${{ secrets.AWS_SECRET_ACCESS_KEY }}");
    assert.equal(job.permissions["id-token"], "write", "OIDC for the role");
  });

  it("pulumi/actions inputs used exist in the action (v7 action.yml)", () => {
    // Input names of pulumi/actions v7's action.yml (checked against the repository, 2026-07).
    const known = new Set([
      "command",
      "stack-name",
      "work-dir",
      "comment-on-pr",
      "comment-on-pr-number",
      "comment-on-summary",
      "github-token",
      "cloud-url",
      "secrets-provider",
      "diff",
      "policyPacks",
      "policyPackConfigs",
      "refresh",
      "upsert",
      "edit-pr-comment",
      "color",
      "config-map",
      "expect-no-changes",
      "parallel",
      "message",
    ]);
    const step = workflow.jobs.preview.steps.find((s: any) => /^pulumi\/actions@/.test(s.uses ?? ""));
    assert.equal(step.uses, "pulumi/actions@v7");
    for (const k of Object.keys(step.with)) assert.ok(known.has(k), `unknown pulumi/actions input ${k}`);
  });

  it("every action is pinned to a major version", () => {
    for (const [name, job] of Object.entries<any>(workflow.jobs)) {
      for (const s of job.steps.filter((x: any) => x.uses))
        assert.match(s.uses, /^[\w-]+\/[\w-]+@v\d+$/, `${name}: ${s.uses}`);
    }
  });

  it("each stack has the policy config file the preview passes", () => {
    for (const stack of stacks)
      assert.ok(fs.existsSync(path.join(ROOT, "policies", "config", `${stack}.json`)), `policies/config/${stack}.json`);
  });

  it("every secret is used only by the preview job, and only from repository secrets", () => {
    const text = fs.readFileSync(path.join(ROOT, ".github", "workflows", "preview.yml"), "utf8");
    for (const m of text.matchAll(
      /(TOKEN|PASSPHRASE|ROLE_ARN|KEY_ID|SECRET_ACCESS_KEY|KUBECONFIG_CONTENT)[^\n]*:\s*(.+)/g,
    )) {
      if (m[0].trim().startsWith("#")) continue;
      assert.match(m[2], /^\$\{\{ secrets(\.[A-Z_]+|\[format\('[A-Z_]+\{0\}', matrix\.stack\)\]) \}\}$/, m[0]);
    }
    const preview = JSON.stringify(workflow.jobs.preview);
    const all = JSON.stringify(workflow);
    assert.equal((all.match(/secrets[.[]/g) ?? []).length, (preview.match(/secrets[.[]/g) ?? []).length);
  });
});
