/**
 * Projects: Args checks, metadata rendering, the project provider against the fake Harbor that validates
 * every call against Harbor's OpenAPI document, and HarborProjects under the engine.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecretEnvelope, redact, runProgram } from "../engine";
import { ArgsChecker } from "../components/conventions/validation";
import { checkHarborProjects, HarborProjects, HarborProjectsArgs } from "../components/projects";
import { makeProjectProvider, renderProjectMetadata } from "../components/harborApi";
import { ComponentTypes } from "../components/tokens";
import { FakeHarbor, loadHarborApi, startFakeHarbor } from "./support/harborApiServer";

class FakeRelease extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:HarborRelease", name, {});
  }
}

const fast = { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, ping: { attempts: 3, intervalMs: 1 } };

function problemsOf(args: HarborProjectsArgs): string[] {
  const checker = new ArgsChecker(ComponentTypes.HarborProjects, "p");
  checkHarborProjects(args, checker);
  return checker.problems.map((p) => `${p.path}: ${p.problem}`);
}

describe("projects: Args and metadata", () => {
  it("renders prod's policy (block High and Critical = CVSS >= 7, cosign) as Harbor's string metadata", () => {
    assert.deepEqual(renderProjectMetadata({ preventVulnerable: true, severity: "high", enforceCosign: true }), {
      public: "false",
      auto_scan: "true",
      severity: "high",
      prevent_vul: "true",
      enable_content_trust_cosign: "true",
      reuse_sys_cve_allowlist: "true",
    });
    assert.equal(renderProjectMetadata({ public: true }).prevent_vul, "false");
  });

  it("refuses bad names, duplicates, unknown severities and a vulnerability block without scanning, all at once", () => {
    const problems = problemsOf({
      harbor: { url: "https://h.example.com", password: "x" },
      projects: [
        { name: "Prod" },
        { name: "ok" },
        { name: "ok", severity: "urgent" as any },
        { name: "blind", preventVulnerable: true, autoScan: false },
      ],
    });
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.match(problems[0], /^projects\[0\]\.name: "Prod" is not a valid Harbor project name/);
    assert.match(problems[1], /^projects\[2\]\.name: "ok" is already used by projects\[1\]/);
    assert.match(problems[2], /^projects\[2\]\.severity: "urgent" is not a Harbor severity/);
    assert.match(problems[3], /^projects\[3\]\.preventVulnerable: is on while autoScan is off/);
  });
});

describe("projects: provider against Harbor's API document", function () {
  let harbor: FakeHarbor;
  const provider = makeProjectProvider(fast);
  let base: {
    connection: { url: string; username: string; pingAttempts: number; pingIntervalMs: number; insecure: boolean };
    password: string;
  };
  before(async function () {
    this.timeout(60000);
    await loadHarborApi();
  });
  beforeEach(async () => {
    harbor = await startFakeHarbor();
    base = {
      connection: { url: harbor.url, username: "admin", pingAttempts: 3, pingIntervalMs: 1, insecure: true },
      password: harbor.password,
    };
  });
  afterEach(async function () {
    await harbor.close();
    assert.deepEqual(harbor.violations, [], `${this.currentTest?.title}: API document violations`);
  });

  const prod = () => ({
    ...base,
    spec: {
      name: "prod",
      metadata: renderProjectMetadata({ preventVulnerable: true, severity: "high", enforceCosign: true }),
    },
  });

  it("creates, reads back unchanged, updates metadata in place, sees drift, replaces on rename, deletes", async () => {
    const created = await provider.create(prod());
    const stored = harbor.projects.get(Number(created.id))!;
    assert.equal(stored.metadata.prevent_vul, "true");
    assert.equal(stored.metadata.severity, "high");
    const read = await provider.read!(created.id, created.outs);
    assert.equal((await provider.diff!(created.id, read.props, prod())).changes, false);

    // Drift: someone lowers the bar in the UI; refresh shows it, the next up puts it back.
    stored.metadata.severity = "critical";
    delete stored.metadata.enable_content_trust_cosign;
    const drifted = (await provider.read!(created.id, created.outs)).props as any;
    assert.equal(drifted.spec.metadata.severity, "critical");
    assert.equal(drifted.spec.metadata.enable_content_trust_cosign, "false", "a key Harbor omits reads as false");
    const d = await provider.diff!(created.id, drifted, prod());
    assert.deepEqual([d.changes, d.replaces], [true, []]);
    await provider.update!(created.id, drifted, prod());
    assert.equal(harbor.projects.get(Number(created.id))!.metadata.severity, "high");
    assert.equal(harbor.projects.get(Number(created.id))!.metadata.enable_content_trust_cosign, "true");

    const renamed = { ...prod(), spec: { ...prod().spec, name: "production" } };
    assert.deepEqual((await provider.diff!(created.id, created.outs, renamed)).replaces, ["spec.name"]);

    await provider.delete!(created.id, created.outs);
    assert.equal(harbor.projects.size, 0);
    assert.deepEqual(await provider.read!(created.id, created.outs), {});
    await provider.delete!(created.id, created.outs); // 404 on delete is success
  });

  it("refuses to take over an existing name, reports 412 on deleting a project with repositories", async () => {
    const created = await provider.create(prod());
    await assert.rejects(
      provider.create(prod()),
      new RegExp(`Cannot create project "prod": it already exists in Harbor \\(id ${created.id}\\)`),
    );
    harbor.projects.get(Number(created.id))!.repo_count = 3;
    await assert.rejects(
      provider.delete!(created.id, created.outs),
      /DELETE \/api\/v2\.0\/projects\/\d+ failed with 412 Precondition Failed .*contains repositories/,
    );
    await assert.rejects(
      provider.read!(created.id, { ...created.outs, password: "wrong-password" }),
      (e: Error) => /401 Unauthorized/.test(e.message) && !e.message.includes("wrong-password"),
    );
  });
});

describe("projects: HarborProjects under the engine", () => {
  it("registers one project per entry after the release, password enveloped, metadata readable", async () => {
    const graph = await runProgram(async () => {
      const release = new FakeRelease("release");
      new HarborProjects(
        "projects",
        {
          harbor: { url: "https://harbor.example.com/", password: pulumi.secret("admin-Pass-1234") },
          projects: [
            { name: "prod", preventVulnerable: true, enforceCosign: true },
            { name: "library", public: true },
          ],
        },
        { dependsOn: [release] },
      );
    });
    assert.deepEqual(graph.errors, []);
    const projects = graph.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/harbor:Project");
    assert.deepEqual(
      projects.map((p) => (p.inputs as any).spec.name),
      ["library", "prod"],
    );
    const prod = projects.find((p) => (p.inputs as any).spec.name === "prod")!;
    assert.ok(isSecretEnvelope((prod.inputs as any).password));
    assert.deepEqual(redact(prod.inputs), {
      connection: { url: "https://harbor.example.com", username: "admin", pingAttempts: 60, pingIntervalMs: 5000 },
      password: "[secret]",
      spec: {
        name: "prod",
        metadata: {
          public: "false",
          auto_scan: "true",
          severity: "high",
          prevent_vul: "true",
          enable_content_trust_cosign: "true",
          reuse_sys_cve_allowlist: "true",
        },
      },
    });
    assert.equal(prod.parent, graph.resources.find((r) => r.type === ComponentTypes.HarborProjects)!.urn);
    assert.ok(
      prod.dependencies.includes(graph.resources.find((r) => r.name === "release")!.urn),
      "waits for the release",
    );
  });
});
