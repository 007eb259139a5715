/**
 * The pull-request workflow, read as GitHub reads it: the parsed YAML (jobs, steps, `uses`, `with`,
 * `env`, `if`) and each `run:` script split into commands and words, so that a reformatted but equal
 * workflow passes and a changed behaviour fails.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "..");

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  "working-directory"?: string;
}

interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix?: { stack?: string[] } };
  steps: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow: Workflow = parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "preview.yml"), "utf8"));
const stacks = fs
  .readdirSync(path.join(ROOT, "stacks"))
  .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
  .map((f) => f.slice(7, -5))
  .sort();

/**
 * The words of each command of a `run:` script: one command per line (comments and blank lines dropped),
 * split on blanks outside quotes, quotes removed; a `${{ ... }}` expression is one word.
 */
function commands(run: string | undefined): string[][] {
  return (run ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((line) => {
      const words: string[] = [];
      let word = "";
      let quote: string | undefined;
      let inWord = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i];
        if (!quote && line.startsWith("${{", i)) {
          const end = line.indexOf("}}", i) + 2;
          word += line.slice(i, end);
          inWord = true;
          i = end - 1;
        } else if (quote) {
          if (ch === quote) quote = undefined;
          else word += ch;
        } else if (ch === '"' || ch === "'") {
          quote = ch;
          inWord = true;
        } else if (/\s/.test(ch)) {
          if (inWord) words.push(word);
          word = "";
          inWord = false;
        } else {
          word += ch;
          inWord = true;
        }
      }
      if (inWord) words.push(word);
      return words;
    });
}

/** True when some command of the step starts with `words` (an exact prefix, word by word). */
function runs(step: Step, ...words: string[]): boolean {
  return commands(step.run).some((c) => words.every((w, i) => c[i] === w));
}

/** The index of the one step matching `pred`. */
function stepIndex(job: Job, pred: (s: Step) => boolean, what: string): number {
  const found = job.steps.flatMap((s, i) => (pred(s) ? [i] : []));
  assert.equal(found.length, 1, `exactly one step: ${what} (found ${found.length})`);
  return found[0];
}

/** `owner/action` of a `uses:` pinned to a major version (`owner/action@vN`), else undefined. */
function action(step: Step): string | undefined {
  return /^([\w-]+\/[\w-]+)@v\d+$/.exec(step.uses ?? "")?.[1];
}

/** Every string in the workflow that reads a secret, with where it stands. */
function secretReferences(): { job: string | undefined; at: string; value: string }[] {
  const out: { job: string | undefined; at: string; value: string }[] = [];
  const walk = (v: unknown, at: string[]) => {
    if (typeof v === "string" && /\bsecrets\s*[.[]/.test(v))
      out.push({ job: at[0] === "jobs" ? at[1] : undefined, at: at.join("."), value: v });
    else if (v && typeof v === "object") for (const [k, e] of Object.entries(v)) walk(e, [...at, k]);
  };
  walk(workflow, []);
  return out;
}

const PLAN_PR = ["npx", "harbor-ha", "plan", "${{ matrix.stack }}", "--json", ">", "$RUNNER_TEMP/pr.json"];
const PLAN_BASE = ["npx", "harbor-ha", "plan", "${{ matrix.stack }}", "--json", ">", "$RUNNER_TEMP/base.json"];
const DIFF = ["npx", "harbor-ha", "diff", "$RUNNER_TEMP/base.json", "$RUNNER_TEMP/pr.json", "--markdown"];

describe("preview workflow (.github/workflows/preview.yml)", () => {
  it("runs on pull requests", () => {
    assert.ok(workflow.on.pull_request, "on.pull_request");
  });

  for (const jobName of ["offline", "preview"]) {
    it(`job ${jobName} covers every committed stack`, () => {
      assert.deepEqual([...(workflow.jobs[jobName].strategy?.matrix?.stack ?? [])].sort(), stacks);
    });
  }

  describe("offline job", () => {
    const job = workflow.jobs.offline;

    it("needs no credential and runs for fork pull requests too", () => {
      assert.deepEqual(
        secretReferences().filter((r) => r.job === "offline"),
        [],
      );
      assert.equal(job.if, undefined);
    });

    it("installs, then plans the pull request's stack and records the plan's exit code", () => {
      const ci = stepIndex(job, (s) => !s["working-directory"] && runs(s, "npm", "ci"), "npm ci");
      const plan = stepIndex(job, (s) => s.id === "plan", "the plan step (id: plan)");
      assert.ok(ci < plan);
      const lines = commands(job.steps[plan].run);
      assert.deepEqual(lines[0], ["set", "+e"], "a failing plan does not stop the step before its code is kept");
      const json = lines.findIndex((c) => PLAN_PR.every((w, i) => c[i] === w));
      assert.ok(json > 0, "plans the PR into $RUNNER_TEMP/pr.json");
      assert.deepEqual(lines[json + 1], ["echo", "code=$?", ">>", "$GITHUB_OUTPUT"], "right after the JSON plan");
    });

    it("checks out and plans the base branch beside it", () => {
      const checkout = stepIndex(
        job,
        (s) => action(s) === "actions/checkout" && s.with?.path === "base",
        "checkout of the base branch",
      );
      assert.equal(job.steps[checkout].with?.ref, "${{ github.base_ref }}");
      const base = stepIndex(job, (s) => s["working-directory"] === "base", "the base branch's plan");
      assert.ok(checkout < base);
      assert.ok(runs(job.steps[base], "npm", "ci"));
      assert.ok(runs(job.steps[base], ...PLAN_BASE));
    });

    it("writes the base -> PR diff to the job summary even when the PR's plan failed; exit 3 (changes) is fine", () => {
      const diff = stepIndex(job, (s) => runs(s, ...DIFF), "the plan diff");
      const step = job.steps[diff];
      assert.equal(step.if, "${{ !cancelled() }}");
      assert.ok(runs(step, ...DIFF, ">>", "$GITHUB_STEP_SUMMARY"));
      const check = commands(step.run).find((c) => c[0] === "if" && c.includes("$code"));
      assert.ok(check, "the diff's exit code is checked");
      assert.ok(check.includes("-ne") && check.includes("0") && check.includes("3"), "0 and 3 pass, others fail");
    });

    it("fails the job on the plan's verdict, after the diff", () => {
      const diff = stepIndex(job, (s) => runs(s, ...DIFF), "the plan diff");
      const verdict = stepIndex(job, (s) => s.if === "${{ steps.plan.outputs.code != '0' }}", "the verdict");
      assert.ok(verdict > diff);
      assert.ok(runs(job.steps[verdict], "exit", "1"));
    });
  });

  describe("preview job", () => {
    const job = workflow.jobs.preview;
    const pulumi = () => job.steps[stepIndex(job, (s) => action(s) === "pulumi/actions", "pulumi/actions")];

    it("runs after the offline job, only for this repository's branches, allowed to comment", () => {
      assert.equal(job.needs, "offline");
      assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
      assert.equal(job.permissions?.["pull-requests"], "write");
      assert.equal(job.permissions?.["id-token"], "write", "OIDC for the AWS role");
    });

    it("checks out, sets up Node 20, installs both packages, gets AWS credentials, then previews", () => {
      const order = [
        stepIndex(job, (s) => action(s) === "actions/checkout", "checkout"),
        stepIndex(
          job,
          (s) => action(s) === "actions/setup-node" && String(s.with?.["node-version"]) === "20",
          "setup-node 20",
        ),
        stepIndex(job, (s) => s.run === "npm ci" && !s["working-directory"], "npm ci"),
        stepIndex(job, (s) => s.run === "npm ci" && s["working-directory"] === "policies", "the pack's npm ci"),
        stepIndex(job, (s) => action(s) === "aws-actions/configure-aws-credentials", "AWS credentials"),
        stepIndex(job, (s) => action(s) === "pulumi/actions", "pulumi/actions"),
      ];
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
      );
    });

    it("runs pulumi preview --diff of the matrix stack with the policy pack and its config, commenting on the PR", () => {
      assert.deepEqual(
        {
          command: pulumi().with?.command,
          stack: pulumi().with?.["stack-name"],
          diff: pulumi().with?.diff,
          policyPacks: pulumi().with?.policyPacks,
          policyPackConfigs: pulumi().with?.policyPackConfigs,
          comment: pulumi().with?.["comment-on-pr"],
        },
        {
          command: "preview",
          stack: "${{ matrix.stack }}",
          diff: true,
          policyPacks: "policies",
          policyPackConfigs: "policies/config/${{ matrix.stack }}.json",
          comment: true,
        },
      );
    });

    it("uses only inputs pulumi/actions v7 declares", () => {
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
      assert.equal(pulumi().uses, "pulumi/actions@v7");
      assert.deepEqual(
        Object.keys(pulumi().with ?? {}).filter((k) => !known.has(k)),
        [],
      );
    });

    it("hands each credential to the step that needs it, from repository secrets", () => {
      const where = Object.fromEntries(
        secretReferences().map((r) => [r.at.replace(/^jobs\.preview\.steps\./, ""), r.value]),
      );
      const aws = stepIndex(job, (s) => action(s) === "aws-actions/configure-aws-credentials", "AWS credentials");
      const kube = stepIndex(job, (s) => s.env?.KUBECONFIG_CONTENT !== undefined, "kubeconfig");
      const preview = stepIndex(job, (s) => action(s) === "pulumi/actions", "pulumi/actions");
      assert.deepEqual(where, {
        [`${aws}.with.role-to-assume`]: "${{ secrets.AWS_ROLE_ARN }}",
        [`${aws}.with.aws-access-key-id`]: "${{ secrets.AWS_ACCESS_KEY_ID }}",
        [`${aws}.with.aws-secret-access-key`]: "${{ secrets.AWS_SECRET_ACCESS_KEY }}",
        [`${kube}.env.KUBECONFIG_CONTENT`]: "${{ secrets[format('KUBECONFIG_{0}', matrix.stack)] }}",
        [`${preview}.with.github-token`]: "${{ secrets.GITHUB_TOKEN }}",
        [`${preview}.env.PULUMI_ACCESS_TOKEN`]: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        [`${preview}.env.PULUMI_CONFIG_PASSPHRASE`]: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      });
    });

    it("never puts a secret on a command line (secrets reach scripts through env only)", () => {
      for (const r of secretReferences()) assert.doesNotMatch(r.at, /\.run$/, `${r.at} reads a secret inside a script`);
    });
  });

  it("every action is pinned to a major version", () => {
    for (const [name, job] of Object.entries(workflow.jobs))
      for (const s of job.steps.filter((x) => x.uses))
        assert.ok(action(s), `${name}: ${s.uses} is not owner/action@vN`);
  });

  it("each stack has the policy config file the preview passes", () => {
    for (const stack of stacks)
      assert.ok(fs.existsSync(path.join(ROOT, "policies", "config", `${stack}.json`)), `policies/config/${stack}.json`);
  });

  it("the script parser keeps expressions and quoted words whole (so the checks above can fail)", () => {
    assert.deepEqual(commands("# c\n  npx a ${{ matrix.stack }} > \"$X/p q.json\" || echo 'a b'\n\n"), [
      ["npx", "a", "${{ matrix.stack }}", ">", "$X/p q.json", "||", "echo", "a b"],
    ]);
  });
});
