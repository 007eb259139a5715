/**
 * Harbor operations on projects: storage quotas, webhooks and member groups. Each provider is run
 * against the fake Harbor that validates every request and answer against Harbor 2.15.2's OpenAPI
 * document (contract), then read back, drifted by hand in the fake and put back (drift), and deleted;
 * then the component's checks, the stack config's refusals and prod's plan.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecretEnvelope, redact, runProgram, runStack } from "../engine";
import { InvalidArgsError } from "../components/conventions/validation";
import { makeProjectProvider, renderProjectMetadata } from "../components/harborApi";
import {
  GIB,
  HarborOperations,
  makeProjectMemberGroupProvider,
  makeProjectQuotaProvider,
  makeProjectWebhookProvider,
} from "../components/harborOps";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { parseStackConfig } from "../stacks/config";
import { FakeHarbor, loadHarborApi, startFakeHarbor } from "./support/harborApiServer";

const fast = { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, ping: { attempts: 3, intervalMs: 1 } };

describe("harborOps: project quotas, webhooks and member groups against Harbor's API document", function () {
  let harbor: FakeHarbor;
  let base: { connection: Record<string, unknown>; password: string };
  let projectId: number;
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
    const project = await makeProjectProvider(fast).create({
      ...base,
      spec: { name: "prod", metadata: renderProjectMetadata({}) },
    });
    projectId = Number(project.id);
  });
  afterEach(async function () {
    await harbor.close();
    assert.deepEqual(harbor.violations, [], `${this.currentTest?.title}: API document violations`);
  });

  it("quota: found with its project (never POSTed), limit set, drift put back, delete = unlimited", async () => {
    const p = makeProjectQuotaProvider(fast);
    const spec = { projectId, storageBytes: 500 * GIB };
    const created = await p.create({ ...base, spec });
    const quota = harbor.quotas.get(Number(created.id))!;
    assert.equal(quota.ref.id, projectId, "the project's own quota");
    assert.deepEqual(quota.hard, { storage: 500 * GIB });
    assert.ok(!harbor.calls().some((c) => c.startsWith("POST /quotas")), "a quota is never created");
    const read = (await p.read!(created.id, created.outs)).props as any;
    assert.deepEqual(read.spec, spec);
    assert.equal((await p.diff!(created.id, read, { ...base, spec })).changes, false);
    // Drift: someone lifts the limit in the portal.
    quota.hard = { storage: -1 };
    const drifted = (await p.read!(created.id, created.outs)).props as any;
    assert.equal(drifted.spec.storageBytes, -1);
    const d = await p.diff!(created.id, drifted, { ...base, spec });
    assert.deepEqual([d.changes, d.replaces], [true, []]);
    await p.update!(created.id, drifted, { ...base, spec });
    assert.deepEqual(harbor.quotas.get(Number(created.id))!.hard, { storage: 500 * GIB });
    assert.deepEqual(
      (await p.diff!(created.id, read, { ...base, spec: { ...spec, projectId: projectId + 1 } })).replaces,
      ["spec.projectId"],
    );
    await p.delete!(created.id, created.outs);
    assert.deepEqual(harbor.quotas.get(Number(created.id))!.hard, { storage: -1 }, "Harbor's default is back");
    // A limit Harbor refuses is Harbor's 400, naming the call.
    await assert.rejects(
      p.update!(created.id, read, { ...base, spec: { ...spec, storageBytes: 0 } }),
      new RegExp(`PUT /api/v2\\.0/quotas/${created.id} failed with 400.*non-positive`),
    );
  });

  it("quota: a project without a quota is a clear error; a deleted project's quota reads gone and deletes", async () => {
    const p = makeProjectQuotaProvider(fast);
    await assert.rejects(
      p.create({ ...base, spec: { projectId: 999, storageBytes: GIB } }),
      /Cannot set storage quota "of project 999": Harbor has none to set/,
    );
    const created = await p.create({ ...base, spec: { projectId, storageBytes: GIB } });
    await makeProjectProvider(fast).delete!(String(projectId), {
      ...base,
      spec: { name: "prod", metadata: renderProjectMetadata({}) },
    } as any);
    assert.deepEqual(await p.read!(created.id, created.outs), {}, "refresh drops it");
    await p.delete!(created.id, created.outs); // Harbor's JSON 404: already gone, not an error
  });

  it("webhook: created with its target, read back (Default format, header), drift, rename replaces, delete", async () => {
    const p = makeProjectWebhookProvider(fast);
    const spec = {
      projectId,
      name: "security-alerts",
      description: "",
      notifyType: "http",
      address: "https://hooks.example.com/harbor",
      skipCertVerify: false,
      payloadFormat: "Default",
      eventTypes: ["SCANNING_FAILED", "QUOTA_EXCEED"],
      enabled: true,
    };
    const inputs = { ...base, spec, authHeader: "Bearer hook-Token-1" };
    const created = await p.create(inputs);
    const stored = harbor.webhooks.get(Number(created.id))!;
    assert.deepEqual(stored.event_types, ["QUOTA_EXCEED", "SCANNING_FAILED"]);
    assert.equal(stored.targets[0].auth_header, "Bearer hook-Token-1");
    const read = (await p.read!(created.id, created.outs)).props as any;
    assert.deepEqual(read.spec, { ...spec, eventTypes: ["QUOTA_EXCEED", "SCANNING_FAILED"] });
    assert.equal(read.authHeader, "Bearer hook-Token-1");
    assert.equal((await p.diff!(created.id, read, inputs)).changes, false, "event order is not drift");
    // Drift: disabled in the portal, and the header changed by hand.
    stored.enabled = false;
    stored.targets[0].auth_header = "Bearer someone-Else";
    const drifted = (await p.read!(created.id, created.outs)).props as any;
    assert.equal(drifted.spec.enabled, false);
    const d = await p.diff!(created.id, drifted, inputs);
    assert.deepEqual([d.changes, d.replaces], [true, []]);
    await p.update!(created.id, drifted, inputs);
    assert.equal(harbor.webhooks.get(Number(created.id))!.enabled, true);
    assert.equal(harbor.webhooks.get(Number(created.id))!.targets[0].auth_header, "Bearer hook-Token-1");
    assert.deepEqual((await p.diff!(created.id, read, { ...inputs, spec: { ...spec, name: "other" } })).replaces, [
      "spec.name",
    ]);
    // The same name again: found by its natural key before any POST, with the import hint.
    await assert.rejects(p.create(inputs), new RegExp(`already exists in Harbor \\(id ${created.id}\\)`));
    // An event type Harbor 2.15 does not notify is Harbor's 400.
    await assert.rejects(
      p.create({ ...inputs, spec: { ...spec, name: "x", eventTypes: ["UPLOAD_CHART"] } }),
      /failed with 400.*unsupported event type UPLOAD_CHART/,
    );
    await p.delete!(created.id, created.outs);
    assert.equal(harbor.webhooks.size, 0);
    assert.deepEqual(await p.read!(created.id, created.outs), {});
  });

  it("webhook: a create whose answer is lost after Harbor made it is adopted, not POSTed twice", async () => {
    const p = makeProjectWebhookProvider(fast);
    harbor.faults.push({ status: 502, method: "POST", path: `/projects/${projectId}/webhook`, afterHandling: true });
    const created = await p.create({
      ...base,
      spec: {
        projectId,
        name: "ci",
        description: "",
        notifyType: "slack",
        address: "https://hooks.slack.com/services/T/B/X",
        skipCertVerify: false,
        payloadFormat: "",
        eventTypes: ["PUSH_ARTIFACT"],
        enabled: true,
      },
      authHeader: "",
    });
    assert.equal(harbor.webhooks.size, 1);
    assert.equal(created.id, String([...harbor.webhooks.keys()][0]));
    assert.equal(harbor.calls().filter((c) => c.startsWith("POST")).length, 2, "the project's and the webhook's");
  });

  it("member group: an OIDC group onboarded by name with a role; type read from the group; drift; delete", async () => {
    const p = makeProjectMemberGroupProvider(fast);
    const spec = { projectId, groupName: "platform-team", groupType: 3, ldapGroupDn: "", roleId: 4 };
    const created = await p.create({ ...base, spec });
    const group = [...harbor.userGroups.values()][0];
    assert.deepEqual([group.group_name, group.group_type], ["platform-team", 3], "Harbor onboarded the group");
    const read = (await p.read!(created.id, created.outs)).props as any;
    assert.deepEqual(read.spec, spec);
    assert.ok(harbor.calls().includes(`GET /usergroups/${group.id}`), "the group's type comes from the group");
    // Drift: someone makes the group project admin.
    harbor.members.get(Number(created.id))!.role_id = 1;
    const drifted = (await p.read!(created.id, created.outs)).props as any;
    assert.equal(drifted.spec.roleId, 1);
    assert.deepEqual((await p.diff!(created.id, drifted, { ...base, spec })).replaces, []);
    await p.update!(created.id, drifted, { ...base, spec });
    assert.equal(harbor.members.get(Number(created.id))!.role_id, 4);
    assert.deepEqual((await p.diff!(created.id, read, { ...base, spec: { ...spec, groupName: "devs" } })).replaces, [
      "spec.groupName",
    ]);
    await assert.rejects(p.create({ ...base, spec }), /already exists in Harbor/);
    await p.delete!(created.id, created.outs);
    assert.equal(harbor.members.size, 0);
    assert.deepEqual(await p.read!(created.id, created.outs), {});
  });
});

describe("harborOps: quotas, webhooks and member groups in the component and the stacks", () => {
  const harborArgs = { url: "https://harbor.example.com", password: pulumi.secret("admin-Pass-1234") };

  it("refuses bad Args all at once, before registering anything", async () => {
    await assert.rejects(
      runProgram(async () => {
        new HarborOperations("ops", {
          harbor: harborArgs,
          knownProjects: ["prod"],
          projectQuotas: [
            { project: "nope", storageGb: 10 },
            { project: "prod", storageGb: 2 * 1024 * 1024 },
          ],
          webhooks: [
            {
              project: "prod",
              name: "a",
              address: "http://hooks.example.com",
              authHeader: "Bearer x",
              eventTypes: ["UPLOAD_CHART" as any],
            },
            {
              project: "prod",
              name: "a",
              address: "https://x",
              eventTypes: [],
              notifyType: "slack",
              payloadFormat: "Default",
            },
          ],
          memberGroups: [
            { project: "prod", group: "ops", type: "ldap", role: "owner" as any },
            { project: "prod", group: "devs", role: "developer" },
          ],
          oidc: { name: "SSO", endpoint: "https://login.example.com", clientId: "h", clientSecret: "secret-1234" },
        });
      }),
      (e: InvalidArgsError) => {
        assert.equal(e.name, "InvalidArgsError");
        const lines = e.message.split("\n").slice(1);
        const expect = [
          /projectQuotas\[0\]\.project: "nope" is not one of the projects managed here \(prod\)/,
          /projectQuotas\[1\]\.storageGb: must be a whole number of GiB from 1 to 1048576/,
          /webhooks\[0\]\.authHeader: would cross the network in clear/,
          /webhooks\[0\]\.eventTypes: "UPLOAD_CHART" is not an event type Harbor 2\.15 notifies/,
          /webhooks\[1\]\.name: "a" is already used in project prod by webhooks\[0\]/,
          /webhooks\[1\]\.eventTypes: is empty/,
          /webhooks\[1\]\.payloadFormat: is refused by Harbor for slack targets/,
          /memberGroups\[0\]\.role: "owner" is not a Harbor project role/,
          /memberGroups\[0\]\.ldapGroupDn: is missing for an LDAP group/,
          /memberGroups\[1\]\.type: is oidc, but oidc\.groupsClaim is empty/,
        ];
        for (const re of expect)
          assert.ok(
            lines.some((l) => re.test(l)),
            `${re}\n${e.message}`,
          );
        assert.equal(lines.length, expect.length, e.message);
        return true;
      },
    );
  });

  it("the stack config refuses a plain-text webhook header and an unknown project, naming the keys", () => {
    const values = {
      "harbor-ha:environment": "staging",
      "harbor-ha:externalUrl": "https://harbor.example.com",
      "harbor-ha:storage": JSON.stringify({ type: "s3" }),
      "harbor-ha:tls": JSON.stringify({ mode: "acme-http01", email: "a@example.com" }),
      "harbor-ha:projects": JSON.stringify([{ name: "prod" }]),
      "harbor-ha:operations": JSON.stringify({
        webhooks: [
          {
            project: "prod",
            name: "alerts",
            address: "https://hooks.example.com",
            eventTypes: ["QUOTA_EXCEED"],
            authHeader: "Bearer plain-Text-Token",
          },
        ],
      }),
    };
    assert.throws(
      () => parseStackConfig({ stack: "staging", values, isSecret: () => false }),
      (e: Error) => {
        assert.match(
          e.message,
          /harbor-ha:operations\.webhooks\[0\]\.authHeader: is a secret but is stored in plain text\. Fix: run `pulumi config set --secret --path 'harbor-ha:operations\.webhooks\[0\]\.authHeader' <value>`/,
        );
        assert.ok(!e.message.includes("plain-Text-Token"), "the secret is not in the message");
        return true;
      },
    );
    // Cross-key rules of operations come from the component's checker, before any resource.
    assert.throws(
      () =>
        parseStackConfig({
          stack: "staging",
          values: {
            ...values,
            "harbor-ha:operations": JSON.stringify({
              projectQuotas: [{ project: "nope", storageGb: 10 }],
              memberGroups: [{ project: "prod", group: "devs", type: "ldap", role: "developer" }],
              retention: [{ project: "gone", cron: "0 0 1 * * *", rules: [{ keep: "always" }] }],
            }),
          },
          isSecret: () => false,
        }),
      (e: Error) => {
        assert.equal(e.name, "StackConfigError");
        assert.match(e.message, /^stack "staging"/);
        assert.match(
          e.message,
          /harbor-ha:operations\.projectQuotas\[0\]\.project: "nope" is not one of the projects managed here \(prod\)\. Fix: declare the project/,
        );
        assert.match(
          e.message,
          /harbor-ha:operations\.memberGroups\[0\]\.ldapGroupDn: is missing for an LDAP group\. Fix: /,
        );
        assert.match(e.message, /harbor-ha:operations\.retention\[0\]\.project: "gone" is not one of the projects/);
        assert.doesNotMatch(e.message, /\n\s+at /, "no stack trace");
        return true;
      },
    );
    assert.throws(
      () =>
        parseStackConfig({
          stack: "staging",
          values: {
            ...values,
            "harbor-ha:operations": JSON.stringify({
              projectQuotas: [{ project: "prod", storageGb: 0 }],
              memberGroups: [{ project: "prod", group: "devs", role: "owner" }],
              webhooks: [{ project: "prod", name: "a", address: "not a url", eventTypes: ["NOPE"] }],
            }),
          },
          isSecret: () => false,
        }),
      (e: Error) => {
        assert.match(e.message, /harbor-ha:operations\.projectQuotas\[0\]\.storageGb: number 0 is too small/);
        assert.match(e.message, /harbor-ha:operations\.memberGroups\[0\]\.role: string "owner" is not allowed/);
        assert.match(e.message, /harbor-ha:operations\.webhooks\[0\]\.address/);
        assert.match(e.message, /harbor-ha:operations\.webhooks\[0\]\.eventTypes\[0\]: string "NOPE" is not allowed/);
        return true;
      },
    );
  });

  it("prod's plan: the cache's quota, the security webhook (header a secret) and the OIDC groups, after the release", async function () {
    this.timeout(120000);
    const graph = await runStack("prod");
    assert.deepEqual(graph.errors, []);
    const of = (t: string) => graph.resources.filter((r) => r.type === `pulumi-nodejs:dynamic/harbor:${t}`);
    const release = graph.resources.find(
      (r) => r.type === "kubernetes:helm.sh/v3:Release" && /harbor-harbor/.test(r.name),
    )!;
    const quota = of("ProjectQuota");
    assert.equal(quota.length, 1);
    assert.equal((quota[0].inputs as any).spec.storageBytes, 500 * GIB);
    const cache = of("Project").find((p) => (p.inputs as any).spec.name === "dockerhub")!;
    assert.ok(quota[0].dependencies.includes(cache.urn), "the quota is the Docker Hub cache's (its project id)");
    const hook = of("ProjectWebhook");
    assert.equal(hook.length, 1);
    assert.ok(isSecretEnvelope((hook[0].inputs as any).authHeader), "the auth header is a secret");
    assert.equal((redact(hook[0].inputs) as any).authHeader, "[secret]");
    assert.deepEqual((hook[0].inputs as any).spec.eventTypes, [
      "QUOTA_EXCEED",
      "QUOTA_WARNING",
      "REPLICATION",
      "SCANNING_FAILED",
    ]);
    const groups = of("ProjectMemberGroup").map((r) => (r.inputs as any).spec);
    assert.deepEqual(
      groups.map((g) => [g.groupName, g.groupType, g.roleId]).sort(),
      [
        ["developers", 3, 3],
        ["platform-team", 3, 4],
        ["platform-team", 3, 4],
      ],
      "OIDC groups: platform-team maintainer (4), developers guest (3)",
    );
    for (const r of [...quota, ...hook, ...of("ProjectMemberGroup")])
      assert.ok(r.dependencies.includes(release.urn), `${r.name} waits for the Harbor release`);
  });

  it("the stack wires a private CA, the insecure opt-in and the request bound to every API resource (harborApi)", async function () {
    this.timeout(120000);
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBdummyPrivateCa\n-----END CERTIFICATE-----\n";
    const doc = parse(fs.readFileSync(path.join(__dirname, "..", "stacks", "Pulumi.prod.yaml"), "utf8"));
    doc.config["harbor-ha:harborApi"] = { caBundle: pem, requestTimeoutSeconds: 60 };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-api-"));
    const file = path.join(dir, "Pulumi.prod.yaml");
    fs.writeFileSync(file, stringify(doc));
    try {
      const graph = await runStack("prod", { configFile: file });
      assert.deepEqual(graph.errors, []);
      const api = graph.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/harbor:"));
      assert.ok(api.length > 10);
      for (const r of api) {
        const c = (r.inputs as any).connection;
        assert.equal(c.caBundle, pem, `${r.name} trusts the private CA`);
        assert.equal(c.requestTimeoutMs, 60000, `${r.name} has the request bound`);
        assert.equal(c.insecure, undefined, "no insecure opt-in unless asked");
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const values = {
      "harbor-ha:environment": "staging",
      "harbor-ha:externalUrl": "https://harbor.example.com",
      "harbor-ha:storage": JSON.stringify({ type: "s3" }),
      "harbor-ha:tls": JSON.stringify({ mode: "acme-http01", email: "a@example.com" }),
      "harbor-ha:harborApi": JSON.stringify({ caBundle: "not a pem", requestTimeoutSeconds: 0, insecur: true }),
    };
    assert.throws(
      () => parseStackConfig({ stack: "staging", values, isSecret: () => false }),
      (e: Error) => {
        assert.match(e.message, /harbor-ha:harborApi\.caBundle: .*is not a PEM certificate/);
        assert.match(e.message, /harbor-ha:harborApi\.requestTimeoutSeconds: number 0 is too small/);
        assert.match(e.message, /harbor-ha:harborApi\.insecur: unknown key\. Fix: did you mean "insecure"/);
        return true;
      },
    );
  });
});
