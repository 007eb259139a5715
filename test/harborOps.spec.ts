/**
 * Harbor operations as code: Harbor's cron rules, and each new resource (GC, audit log purge and
 * scan-all schedules, tag retention, immutable tag rules) created, read back, drifted and put back,
 * and deleted against the fake Harbor that validates every call against Harbor's OpenAPI document.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecretEnvelope, redact, runProgram, runStack, unwrapSecrets } from "../engine";
import { InvalidArgsError } from "../components/conventions/validation";
import { parseStackConfig } from "../stacks/config";
import {
  harborCronProblem,
  makeProjectProvider,
  makeRegistryEndpointProvider,
  renderProjectMetadata,
} from "../components/harborApi";
import {
  makeAuditLogPurgeScheduleProvider,
  makeGcScheduleProvider,
  HarborOperations,
  makeImmutableTagRuleProvider,
  makeOidcAuthenticationProvider,
  makeRetentionPolicyProvider,
  makeScanAllScheduleProvider,
} from "../components/harborOps";
import { FakeHarbor, loadHarborApi, startFakeHarbor } from "./support/harborApiServer";

const fast = { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, ping: { attempts: 3, intervalMs: 1 } };

describe("Harbor's cron rules (one validator for replication and every schedule)", () => {
  it("accepts what robfig/cron with seconds accepts and Harbor keeps (first field 0)", () => {
    for (const ok of [
      "0 0 3 * * 6",
      "0 0 */4 * * *",
      "0 30 2 * * MON-FRI",
      "0 0 0 1 jan,jul ?",
      "0 0 5/6 * * *",
      "0 0,30 8-18/2 * * 1-5",
      "0  0  3  *  *  sun",
    ])
      assert.equal(harborCronProblem(ok), undefined, ok);
  });

  it("refuses what Harbor refuses, naming the field and the rule", () => {
    const cases: [string, RegExp][] = [
      ["0 */0 * * * *", /minutes field "\*\/0": a step must be at least 1/],
      ["0 0 5-1 * * *", /hours field "5-1": the range starts at 5, beyond its end 1/],
      ["0 0 0 * * JAN", /day-of-week field "JAN": "JAN" is not a number or a name of this field/],
      ["0 0 0 * MON *", /month field "MON"/],
      ["0 0 24 * * *", /hours field "24": 24 is above the maximum 23/],
      ["0 0 0 0 * *", /day-of-month field "0": 0 is below the minimum 1/],
      ["0 0 0 * * 7", /day-of-week field "7": 7 is above the maximum 6/],
      ["0 0 1-2-3 * * *", /too many hyphens/],
      ["0 0 */2/3 * * *", /too many slashes/],
      ["30 0 0 * * *", /seconds field must be 0/],
      ["0 0 * * *", /must have 6 fields .* got 5/],
      ["@daily", /descriptors/],
      ["CRON_TZ=UTC 0 0 0 * * *", /time zone/],
      ["", /is empty/],
    ];
    for (const [cron, message] of cases) assert.match(harborCronProblem(cron) ?? "accepted", message, cron);
  });
});

describe("harborOps: providers against Harbor's API document", function () {
  let harbor: FakeHarbor;
  let base: { connection: Record<string, unknown>; password: string };
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

  it("GC schedule: created (POST), read back, drift put back (PUT), deleted = schedule None", async () => {
    const p = makeGcScheduleProvider(fast);
    const inputs = { ...base, spec: { cron: "0 0 3 * * 6", deleteUntagged: true, workers: 2 } };
    const created = await p.create(inputs);
    assert.equal(created.id, "GcSchedule");
    assert.deepEqual(harbor.schedules.getGCSchedule!.parameters, { delete_untagged: true, workers: 2 });
    assert.deepEqual(harbor.schedules.getGCSchedule!.schedule, { type: "Custom", cron: "0 0 3 * * 6" });
    const read = (await p.read!(created.id, created.outs)).props as any;
    assert.deepEqual(read.spec, inputs.spec);
    assert.equal((await p.diff!(created.id, read, inputs)).changes, false);
    // Drift: someone switches GC to hourly without untagged deletion in the UI.
    harbor.schedules.getGCSchedule = {
      ...harbor.schedules.getGCSchedule,
      schedule: { type: "Hourly", cron: "0 0 * * * *" },
      parameters: { delete_untagged: false, workers: 1 },
    };
    const drifted = (await p.read!(created.id, created.outs)).props as any;
    assert.deepEqual(drifted.spec, { cron: "0 0 * * * *", deleteUntagged: false, workers: 1 });
    const d = await p.diff!(created.id, drifted, inputs);
    assert.deepEqual([d.changes, d.replaces], [true, []]);
    await p.update!(created.id, drifted, inputs);
    assert.deepEqual(harbor.schedules.getGCSchedule!.schedule, { type: "Custom", cron: "0 0 3 * * 6" });
    await p.delete!(created.id, created.outs);
    assert.equal(harbor.schedules.getGCSchedule, undefined);
    assert.deepEqual(await p.read!(created.id, created.outs), {}, "no schedule: refresh drops it");
    // A schedule Harbor already has (set by hand) is updated, not POSTed again (409).
    harbor.schedules.getGCSchedule = { schedule: { type: "Daily", cron: "0 0 0 * * *" }, parameters: {} };
    await p.create(inputs);
    assert.deepEqual(harbor.calls().slice(-2), ["GET /system/gc/schedule", "PUT /system/gc/schedule"]);
  });

  it("audit log purge: retention hours and event types; drift; a cron Harbor refuses is reported", async () => {
    const p = makeAuditLogPurgeScheduleProvider(fast);
    const spec = { cron: "0 0 4 * * *", retentionHours: 2160, eventTypes: ["pull_artifact", "create_artifact"] };
    const created = await p.create({ ...base, spec });
    assert.deepEqual(harbor.schedules.getPurgeSchedule!.parameters, {
      audit_retention_hour: 2160,
      include_event_types: "create_artifact,pull_artifact",
      dry_run: false,
    });
    const read = (await p.read!(created.id, created.outs)).props as any;
    assert.deepEqual(read.spec.eventTypes, ["create_artifact", "pull_artifact"]);
    assert.equal((await p.diff!(created.id, read, { ...base, spec })).changes, false, "order is not drift");
    harbor.schedules.getPurgeSchedule!.parameters.audit_retention_hour = 24;
    const drifted = (await p.read!(created.id, created.outs)).props as any;
    assert.equal(drifted.spec.retentionHours, 24);
    assert.equal((await p.diff!(created.id, drifted, { ...base, spec })).changes, true);
    await assert.rejects(
      p.update!(created.id, drifted, { ...base, spec: { ...spec, cron: "0 0 5-1 * * *" } }),
      /PUT \/api\/v2\.0\/system\/purgeaudit\/schedule failed with 400.*beyond its end/,
    );
  });

  it("scan-all schedule: create, read, drift, delete", async () => {
    const p = makeScanAllScheduleProvider(fast);
    const created = await p.create({ ...base, spec: { cron: "0 0 2 * * *" } });
    assert.deepEqual(((await p.read!(created.id, created.outs)).props as any).spec, { cron: "0 0 2 * * *" });
    harbor.schedules.getScanAllSchedule!.schedule = { type: "Custom", cron: "0 0 12 * * *" };
    const drifted = (await p.read!(created.id, created.outs)).props as any;
    assert.equal((await p.diff!(created.id, drifted, { ...base, spec: { cron: "0 0 2 * * *" } })).changes, true);
    await p.delete!(created.id, created.outs);
    assert.equal(harbor.schedules.getScanAllSchedule, undefined);
  });

  it("retention: rules for non-release tags, found by the project's retention_id, drift, delete", async () => {
    const project = await makeProjectProvider(fast).create({
      ...base,
      spec: { name: "prod", metadata: renderProjectMetadata({}) },
    });
    const p = makeRetentionPolicyProvider(fast);
    const rule = (o: object) => ({
      template: "always",
      params: {},
      tagPattern: "v*",
      tagDecoration: "matches" as const,
      repoPattern: "**",
      repoDecoration: "repoMatches" as const,
      untagged: false,
      ...o,
    });
    const spec = {
      projectId: Number(project.id),
      cron: "0 0 1 * * *",
      rules: [rule({}), rule({ template: "latestPushedK", params: { latestPushedK: 10 }, tagPattern: "**" })],
    };
    const created = await p.create({ ...base, spec });
    const stored = harbor.retentions.get(Number(created.id))!;
    assert.equal(stored.algorithm, "or");
    assert.deepEqual(stored.rules[1].params, { latestPushedK: 10 });
    assert.equal(harbor.projects.get(Number(project.id))!.metadata.retention_id, created.id);
    const read = (await p.read!(created.id, created.outs)).props as any;
    assert.deepEqual(read.spec, spec);
    // A second policy for the same project is refused before any POST, with the import hint.
    await assert.rejects(p.create({ ...base, spec }), new RegExp(`already exists in Harbor \\(id ${created.id}\\)`));
    stored.rules[1].params = { latestPushedK: 1000 };
    const drifted = (await p.read!(created.id, created.outs)).props as any;
    assert.equal(drifted.spec.rules[1].params.latestPushedK, 1000);
    assert.deepEqual((await p.diff!(created.id, drifted, { ...base, spec })).replaces, []);
    await p.update!(created.id, drifted, { ...base, spec });
    assert.deepEqual(harbor.retentions.get(Number(created.id))!.rules[1].params, { latestPushedK: 10 });
    await p.delete!(created.id, created.outs);
    assert.equal(harbor.retentions.size, 0);
  });

  it("immutable tag rule: created, read from the project's list, drift, pattern change replaces, delete", async () => {
    const project = await makeProjectProvider(fast).create({
      ...base,
      spec: { name: "prod", metadata: renderProjectMetadata({}) },
    });
    const p = makeImmutableTagRuleProvider(fast);
    const spec = { projectId: Number(project.id), tagPattern: "v*", repoPattern: "**", disabled: false };
    const created = await p.create({ ...base, spec });
    const read = (await p.read!(created.id, created.outs)).props as any;
    assert.deepEqual(read.spec, spec);
    harbor.immutableRules.get(Number(created.id))!.disabled = true;
    const drifted = (await p.read!(created.id, created.outs)).props as any;
    assert.equal(drifted.spec.disabled, true);
    await p.update!(created.id, drifted, { ...base, spec });
    assert.equal(harbor.immutableRules.get(Number(created.id))!.disabled, false);
    assert.deepEqual(
      (await p.diff!(created.id, read, { ...base, spec: { ...spec, tagPattern: "release-*" } })).replaces,
      ["spec.tagPattern"],
    );
    await p.delete!(created.id, created.outs);
    assert.deepEqual(await p.read!(created.id, created.outs), {});
  });

  it("OIDC: settings PUT with the client secret, which Harbor never answers: refresh keeps it; drift; rotation", async () => {
    const p = makeOidcAuthenticationProvider(fast);
    const spec = {
      name: "Corporate SSO",
      endpoint: "https://login.example.com",
      clientId: "harbor",
      scope: "openid,profile,email,groups",
      verifyCert: true,
      autoOnboard: true,
      userClaim: "email",
      groupsClaim: "groups",
      adminGroup: "harbor-admins",
    };
    const inputs = { ...base, spec, clientSecret: "oidc-Client-Secret-1" };
    const created = await p.create(inputs);
    assert.equal(harbor.configurations.auth_mode, "oidc_auth");
    assert.equal(harbor.configurations.oidc_client_secret, "oidc-Client-Secret-1");
    const read = (await p.read!(created.id, created.outs)).props as any;
    assert.deepEqual(read.spec, spec);
    assert.equal(read.clientSecret, "oidc-Client-Secret-1", "kept: Harbor never answers it");
    assert.equal((await p.diff!(created.id, read, inputs)).changes, false);
    assert.deepEqual((await p.diff!(created.id, read, { ...inputs, clientSecret: "rotated-Secret-2" })).replaces, []);
    harbor.configurations.auth_mode = "db_auth";
    const drifted = (await p.read!(created.id, created.outs)).props as any;
    assert.equal(drifted.spec.endpoint, "", "another auth mode is drift");
    await p.update!(created.id, drifted, inputs);
    assert.equal(harbor.configurations.auth_mode, "oidc_auth");
    const answered = JSON.stringify(harbor.requests.filter((r) => r.method === "GET"));
    assert.ok(!answered.includes("oidc-Client-Secret-1"));
  });

  it("proxy cache: a Docker Hub endpoint and a project bound to it (registry_id), rebinding replaces", async () => {
    const endpoint = await makeRegistryEndpointProvider(fast).create({
      ...base,
      spec: { name: "docker-hub", type: "docker-hub", url: "https://hub.docker.com", description: "", insecure: false },
    });
    const p = makeProjectProvider(fast);
    const spec = {
      name: "dockerhub",
      metadata: renderProjectMetadata({}),
      registryId: Number(endpoint.id),
    };
    const created = await p.create({ ...base, spec });
    assert.equal(harbor.projects.get(Number(created.id))!.registry_id, Number(endpoint.id));
    const read = (await p.read!(created.id, created.outs)).props as any;
    assert.equal(read.spec.registryId, Number(endpoint.id));
    assert.equal((await p.diff!(created.id, read, { ...base, spec })).changes, false);
    assert.deepEqual((await p.diff!(created.id, read, { ...base, spec: { ...spec, registryId: 999 } })).replaces, [
      "spec.registryId",
    ]);
  });
});

describe("harborOps: HarborOperations and the stacks", () => {
  const harborArgs = { url: "https://harbor.example.com", password: pulumi.secret("admin-Pass-1234") };

  it("refuses bad Args all at once, before registering anything (Harbor's cron rules, bounds, projects, https)", async () => {
    await assert.rejects(
      runProgram(async () => {
        new HarborOperations("ops", {
          harbor: harborArgs,
          knownProjects: ["prod"],
          gc: { cron: "0 */0 * * * *", workers: 9 },
          auditLogPurge: { cron: "0 0 5-1 * * *" },
          scanAll: { cron: "0 0 0 * * JAN" },
          retention: [{ project: "nope", cron: "0 0 1 * * *", rules: [{ keep: "latestPushed" }] }],
          oidc: { name: "SSO", endpoint: "http://login.example.com", clientId: "h", clientSecret: "x" },
        });
      }),
      (e: InvalidArgsError) => {
        assert.equal(e.name, "InvalidArgsError");
        assert.match(e.message, /HarborOperations "ops": 7 invalid arguments/);
        assert.match(e.message, /gc\.cron: minutes field "\*\/0": a step must be at least 1/);
        assert.match(e.message, /gc\.workers: must be 1-5, got 9/);
        assert.match(e.message, /auditLogPurge\.cron: hours field "5-1"/);
        assert.match(e.message, /scanAll\.cron: day-of-week field "JAN"/);
        assert.match(e.message, /retention\[0\]\.project: "nope" is not one of the projects managed here \(prod\)/);
        assert.match(e.message, /retention\[0\]\.rules\[0\]\.count: must be a whole number >= 1/);
        assert.match(e.message, /oidc\.endpoint: "http:\/\/login\.example\.com" is not an https URL/);
        return true;
      },
    );
  });

  it("system robots: least permissions on named projects, an expiry, the secret a secret output; * refused", async () => {
    let secrets: unknown;
    const graph = await runProgram(async () => {
      const ops = new HarborOperations("ops", {
        harbor: harborArgs,
        systemRobots: [{ name: "ci-pull", projects: ["prod"] }],
      });
      secrets = ops.robotSecrets;
    });
    assert.deepEqual(graph.errors, []);
    const robot = graph.resources.find((r) => r.type === "pulumi-nodejs:dynamic/harbor:RobotAccount")!;
    const spec = (robot.inputs as any).spec;
    assert.equal(spec.durationDays, 90);
    assert.deepEqual(
      spec.permissions.map((p: any) => [p.kind, p.namespace]),
      [["project", "prod"]],
    );
    assert.ok(!JSON.stringify(spec.permissions).includes('"push"'), "pull by default");
    assert.ok(pulumi.Output.isInstance(secrets));
    await assert.rejects(
      runProgram(async () => {
        new HarborOperations("ops", {
          harbor: harborArgs,
          systemRobots: [{ name: "ci", projects: ["*"], durationDays: 0 }],
        });
      }),
      /systemRobots\[0\]\.projects: contains "\*".*\n.*systemRobots\[0\]\.durationDays: must be a whole number of days >= 1, got 0/,
    );
  });

  it("prod's plan has the new resources after the release, secrets as [secret], defaults rendered", async function () {
    this.timeout(120000);
    const graph = await runStack("prod");
    assert.deepEqual(graph.errors, []);
    const of = (t: string) => graph.resources.filter((r) => r.type === `pulumi-nodejs:dynamic/harbor:${t}`);
    const release =
      graph.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "harbor-harbor-release") ??
      graph.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && /harbor-harbor/.test(r.name))!;
    for (const t of [
      "GcSchedule",
      "AuditLogPurgeSchedule",
      "ScanAllSchedule",
      "RetentionPolicy",
      "ImmutableTagRule",
      "OidcAuthentication",
    ]) {
      assert.equal(of(t).length, 1, t);
      assert.ok(of(t)[0].dependencies.includes(release.urn), `${t} waits for the Harbor release`);
      assert.equal((redact(of(t)[0].inputs) as any).password, "[secret]");
    }
    assert.deepEqual(unwrapSecrets((of("GcSchedule")[0].inputs as any).spec), {
      cron: "0 0 3 * * 6",
      deleteUntagged: true,
      workers: 2,
    });
    assert.deepEqual((of("AuditLogPurgeSchedule")[0].inputs as any).spec, {
      cron: "0 0 4 * * 0",
      retentionHours: 2160,
      eventTypes: ["create_artifact", "delete_artifact", "pull_artifact"],
    });
    const oidc = of("OidcAuthentication")[0];
    assert.ok(isSecretEnvelope((oidc.inputs as any).clientSecret), "the OIDC client secret is a secret");
    assert.equal((redact(oidc.inputs) as any).clientSecret, "[secret]");
    assert.equal(
      (oidc.inputs as any).spec.endpoint,
      "https://login.example.com/realms/platform",
      "settings stay readable",
    );
    const retention = (of("RetentionPolicy")[0].inputs as any).spec;
    assert.deepEqual(
      retention.rules.map((r: any) => [r.template, r.tagPattern, r.tagDecoration, r.params]),
      [
        ["always", "v*", "matches", {}],
        ["latestPushedK", "v*", "excludes", { latestPushedK: 20 }],
      ],
      "release tags kept, the 20 latest non-release tags kept, the rest deleted",
    );
    const proxy = of("Project").find((p) => (p.inputs as any).spec.name === "dockerhub")!;
    assert.ok(proxy, "a Docker Hub proxy-cache project");
    const hub = of("RegistryEndpoint").find((r) => (r.inputs as any).spec.type === "docker-hub")!;
    assert.equal((hub.inputs as any).spec.url, "https://hub.docker.com");
    assert.ok(proxy.dependencies.includes(hub.urn), "the project is bound to the endpoint's id");
  });

  it("the stack config refuses a plain-text OIDC secret and a cron Harbor refuses, naming the key", () => {
    const values = {
      "harbor-ha:environment": "staging",
      "harbor-ha:externalUrl": "https://harbor.example.com",
      "harbor-ha:storage": JSON.stringify({ type: "s3" }),
      "harbor-ha:tls": JSON.stringify({ mode: "acme-http01", email: "a@example.com" }),
      "harbor-ha:operations": JSON.stringify({
        gc: { cron: "0 0 0 * * JAN" },
        oidc: { name: "SSO", endpoint: "https://login.example.com", clientId: "h", clientSecret: "plain-Text-Secret" },
      }),
    };
    assert.throws(
      () => parseStackConfig({ stack: "staging", values, isSecret: () => false }),
      (e: Error) => {
        assert.match(
          e.message,
          /harbor-ha:operations\.oidc\.clientSecret: is a secret but is stored in plain text\. Fix: run `pulumi config set --secret --path 'harbor-ha:operations\.oidc\.clientSecret' <value>`/,
        );
        assert.match(
          e.message,
          /harbor-ha:operations\.gc\.cron: .*is not a cron Harbor accepts: day-of-week field "JAN"/,
        );
        assert.ok(!e.message.includes("plain-Text-Secret"), "the secret is not in the message");
        return true;
      },
    );
    const ok = parseStackConfig({
      stack: "staging",
      values: { ...values, "harbor-ha:operations": JSON.stringify({ gc: { cron: "0 0 3 * * 6" } }) },
      isSecret: () => false,
    });
    assert.deepEqual(ok.operations.gc, { cron: "0 0 3 * * 6" });
  });
});

describe("harborOps: the dev stack trusts the CA it creates", () => {
  it("dev's API resources get the TLS tier's CA as caBundle; prod's use the public roots", async function () {
    this.timeout(120000);
    const dev = await runStack("dev");
    assert.deepEqual(dev.errors, []);
    const devProject = dev.resources.find((r) => r.type === "pulumi-nodejs:dynamic/harbor:Project")!;
    assert.ok("caBundle" in (devProject.inputs as any).connection, "dev: the CA of the self-signed edge is passed");
    const ca = dev.resources.find(
      (r) => r.type === "kubernetes:cert-manager.io/v1:Certificate" && (r.inputs as any).spec?.isCA,
    )!;
    assert.equal((ca.inputs as any).metadata.annotations["pulumi.com/waitFor"], "condition=Ready", "read once issued");
    const prod = await runStack("prod");
    const prodProject = prod.resources.find((r) => r.type === "pulumi-nodejs:dynamic/harbor:Project")!;
    assert.ok(!("caBundle" in (prodProject.inputs as any).connection), "prod: an ACME certificate, public roots");
  });
});
