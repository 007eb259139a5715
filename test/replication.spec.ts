/**
 * Replication: the Args checks (cron, trigger/direction, loops, insecure opt-in), the dynamic providers'
 * create/read/update/delete/diff against the fake Harbor that validates every call against Harbor's
 * OpenAPI document, and the ReplicationTargets component under the engine.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { runProgram, redact, unwrapSecrets, isSecretEnvelope } from "../engine";
import { ArgsChecker, InvalidArgsError } from "../components/conventions/validation";
import {
  checkReplicationTargets,
  findReplicationLoops,
  harborCronProblem,
  makeReplicationPolicyProvider,
  normalizeRegistryUrl,
  replicationPolicyProvider,
  renderFilters,
  renderPolicyFields,
  replicationFlows,
  ReplicationTargets,
  ReplicationTargetsArgs,
} from "../components/replication";
import {
  makeRegistryEndpointProvider,
  makeRobotAccountProvider,
  registryEndpointProvider,
  renderRobotPermissions,
  robotAccountProvider,
} from "../components/harborApi";
import { ComponentTypes } from "../components/tokens";
import { FakeHarbor, loadHarborApi, startFakeHarbor } from "./support/harborApiServer";
import { ComponentPlan, planComponent } from "./support/planComponent";

class FakeRelease extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:HarborRelease", name, {});
  }
}

const fast = { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, ping: { attempts: 3, intervalMs: 1 } };

function problemsOf(args: ReplicationTargetsArgs): string[] {
  const checker = new ArgsChecker(ComponentTypes.ReplicationTargets, "t");
  checkReplicationTargets(args, checker);
  return checker.problems.map((p) => `${p.path}: ${p.problem}`);
}

const harborArgs = { url: "https://harbor.eu.example.com", password: "admin-Pass-1234" };
const dr = { name: "dr", url: "https://harbor.us.example.com", accessKey: "robot$dr", accessSecret: "dr-Secret-5678" };

describe("replication: Args checks", () => {
  it("accepts Harbor's 6-field cron with seconds 0 and refuses 5 fields, other seconds, bad ranges", () => {
    assert.equal(harborCronProblem("0 0 */4 * * *"), undefined);
    assert.equal(harborCronProblem("0 30 2 * * MON-FRI"), undefined);
    assert.match(harborCronProblem("0 */4 * * *")!, /must have 6 fields .* got 5/);
    assert.match(harborCronProblem("15 0 * * * *")!, /seconds field must be 0/);
    assert.match(harborCronProblem("0 0 25 * * *")!, /hours field "25"/);
    assert.match(harborCronProblem("0 0 0 * * * *")!, /got 7/);
  });

  it("refuses an event-based pull, a bad cron and insecure without opt-in, all in one error", () => {
    const problems = problemsOf({
      harbor: harborArgs,
      endpoints: [{ ...dr, insecure: true }],
      policies: [
        { name: "pull-events", direction: "pull", endpoint: "dr", trigger: { type: "event_based" } },
        { name: "nightly", direction: "push", endpoint: "dr", trigger: { type: "scheduled", cron: "0 2 * * *" } },
      ],
    });
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.ok(problems.some((p) => /^endpoints\[0\]\.insecure: is true without the explicit opt-in/.test(p)));
    assert.ok(problems.some((p) => /^policies\[0\]\.trigger: event_based is refused on a pull policy/.test(p)));
    assert.ok(problems.some((p) => /^policies\[1\]\.trigger\.cron: must have 6 fields/.test(p)));
    // The pull from dr plus the push to dr is a two-way replication between the same registries.
    assert.ok(
      problems.some((p) =>
        /^policies: replicate in a loop https:\/\/harbor\.eu\.example\.com -> https:\/\/harbor\.us\.example\.com -> https:\/\/harbor\.eu\.example\.com/.test(
          p,
        ),
      ),
    );
    assert.deepEqual(
      problemsOf({ harbor: harborArgs, endpoints: [{ ...dr, insecure: true, allowInsecure: true }] }),
      [],
    );
  });

  it("refuses two-way push between the same two Harbors across stacks (peerFlows), and longer cycles", () => {
    const primary = {
      harbor: harborArgs,
      endpoints: [dr],
      policies: [
        { name: "to-dr", direction: "push" as const, endpoint: "dr", trigger: { type: "event_based" as const } },
      ],
    };
    assert.deepEqual(problemsOf(primary), []);
    // DR's own set pushes back to the primary: each set alone is fine, together they loop.
    const drFlows = replicationFlows(
      "https://HARBOR.us.example.com:443/",
      [{ name: "eu", url: "https://harbor.eu.example.com" }],
      [{ name: "back", direction: "push", endpoint: "eu" }],
    );
    const problems = problemsOf({ ...primary, peerFlows: drFlows });
    assert.equal(problems.length, 1);
    assert.match(
      problems[0],
      /loop .*policies https:\/\/harbor\.eu\.example\.com\/to-dr, https:\/\/harbor\.us\.example\.com\/back/,
    );
    const cycle = findReplicationLoops([
      { from: "a", to: "b", policy: "1" },
      { from: "b", to: "c", policy: "2" },
      { from: "c", to: "a", policy: "3" },
      { from: "c", to: "d", policy: "4" },
    ]);
    assert.deepEqual(
      cycle.map((l) => l.map((f) => f.policy)),
      [["1", "2", "3"]],
    );
    assert.deepEqual(
      findReplicationLoops([
        { from: "a", to: "b", policy: "1" },
        { from: "a", to: "c", policy: "2" },
      ]),
      [],
    );
    // A disabled policy moves nothing, so it closes no loop.
    assert.deepEqual(
      problemsOf({
        ...primary,
        policies: [...primary.policies, { name: "pull-back", direction: "pull", endpoint: "dr", enabled: false }],
      }),
      [],
    );
  });

  it("refuses unknown endpoints, duplicate names, unknown types, self-endpoints, half credentials", () => {
    const problems = problemsOf({
      harbor: harborArgs,
      endpoints: [
        dr,
        { ...dr, accessSecret: undefined },
        { name: "me", url: "https://harbor.eu.example.com/", type: "nexus" as any },
      ],
      policies: [{ name: "p", direction: "push", endpoint: "nope" }],
    });
    assert.ok(problems.some((p) => /endpoints\[1\]\.name: "dr" is already used by endpoints\[0\]/.test(p)));
    assert.ok(
      problems.some((p) => /endpoints\[1\]\.accessKey: accessKey and accessSecret must be set together/.test(p)),
    );
    assert.ok(problems.some((p) => /endpoints\[2\]\.type: "nexus" is not a Harbor registry type/.test(p)));
    assert.ok(problems.some((p) => /endpoints\[2\]\.url: points at this Harbor itself/.test(p)));
    assert.ok(problems.some((p) => /policies\[0\]\.endpoint: "nope" is not one of the endpoints/.test(p)));
  });

  it("renders filters and policy defaults as Harbor's fields", () => {
    assert.deepEqual(renderFilters({ resource: "image", labels: ["release"], tag: "prod-*", name: "team/**" }), [
      { type: "name", value: "team/**" },
      { type: "tag", value: "prod-*", decoration: "matches" },
      { type: "label", value: ["release"], decoration: "matches" },
      { type: "resource", value: "image" },
    ]);
    const f = renderPolicyFields({
      name: "p",
      direction: "push",
      endpoint: "dr",
      trigger: { type: "scheduled", cron: " 0  0 3 * * * " },
    });
    assert.deepEqual(f.trigger, { type: "scheduled", cron: "0 0 3 * * *" });
    assert.equal(f.override, true);
    assert.equal(f.enabled, true);
    assert.equal(f.speedKbps, -1);
    assert.equal(normalizeRegistryUrl("HTTPS://Harbor.Example.com:443/"), "https://harbor.example.com");
    const pull = renderRobotPermissions("pull");
    assert.ok(!JSON.stringify(pull).includes('"push"'), "a pull robot cannot push");
    assert.ok(JSON.stringify(renderRobotPermissions("push")).includes('"action":"push"'));
  });
});

describe("replication: dynamic providers against Harbor's API document", function () {
  let harbor: FakeHarbor;
  const endpointProvider = makeRegistryEndpointProvider(fast);
  const policyProvider = makeReplicationPolicyProvider(fast);
  const robotProvider = makeRobotAccountProvider(fast);
  let connection: { url: string; username: string; pingAttempts: number; pingIntervalMs: number; insecure: boolean };
  let password: string;

  before(async function () {
    this.timeout(60000);
    await loadHarborApi();
  });
  beforeEach(async () => {
    harbor = await startFakeHarbor();
    connection = { url: harbor.url, username: "admin", pingAttempts: 3, pingIntervalMs: 1, insecure: true };
    password = harbor.password;
  });
  afterEach(async function () {
    await harbor.close();
    // Any request or response outside the API document fails the test.
    assert.deepEqual(harbor.violations, [], `${this.currentTest?.title}: API document violations`);
  });

  const endpointInputs = () => ({
    connection,
    password,
    spec: {
      name: "dr",
      type: "harbor",
      url: "https://harbor.us.example.com",
      description: "",
      insecure: false,
      accessKey: "robot$dr",
    },
    accessSecret: "dr-Secret-5678",
  });
  const policySpec = (registryId: number) => ({
    ...renderPolicyFields({
      name: "to-dr",
      direction: "push",
      endpoint: "dr",
      trigger: { type: "event_based" },
      filters: { tag: "prod-*" },
    }),
    registryId,
  });

  it("endpoint: create, read, update in place, drift, rename replaces, delete (404 is success)", async () => {
    const created = await endpointProvider.create(endpointInputs());
    const id = created.id;
    assert.equal(harbor.registries.get(Number(id))?.credential.access_secret, "dr-Secret-5678");
    assert.equal((created.outs as any).accessSecret, "dr-Secret-5678");

    const read = await endpointProvider.read!(id, created.outs);
    assert.deepEqual((read.props as any).spec, endpointInputs().spec);
    assert.equal((read.props as any).accessSecret, "dr-Secret-5678", "refresh keeps the secret Harbor never answers");
    assert.equal(
      (await endpointProvider.diff!(id, read.props, endpointInputs())).changes,
      false,
      "refresh of an unchanged endpoint: no diff",
    );

    // Drift: someone edits the endpoint in Harbor's UI.
    harbor.registries.get(Number(id))!.url = "https://evil.example.com";
    const drifted = await endpointProvider.read!(id, created.outs);
    assert.equal((drifted.props as any).spec.url, "https://evil.example.com");
    const back = await endpointProvider.diff!(id, drifted.props, endpointInputs());
    assert.deepEqual([back.changes, back.replaces], [true, []], "a changed URL is updated in place");
    await endpointProvider.update!(id, drifted.props, endpointInputs());
    assert.equal(harbor.registries.get(Number(id))!.url, "https://harbor.us.example.com");

    const renamed = { ...endpointInputs(), spec: { ...endpointInputs().spec, name: "dr-2" } };
    assert.deepEqual((await endpointProvider.diff!(id, created.outs, renamed)).replaces, ["spec.name"]);
    const newSecret = { ...endpointInputs(), accessSecret: "rotated-Secret-9999" };
    assert.deepEqual(await endpointProvider.diff!(id, created.outs, newSecret), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });

    await endpointProvider.delete!(id, created.outs);
    assert.equal(harbor.registries.size, 0);
    assert.deepEqual(await endpointProvider.read!(id, created.outs), {}, "gone: refresh drops it");
    await endpointProvider.delete!(id, created.outs);
    assert.deepEqual(harbor.calls().slice(-3), [
      `DELETE /registries/${id}`,
      `GET /registries/${id}`,
      `DELETE /registries/${id}`,
    ]);
    assert.deepEqual(
      harbor.requests.slice(-3).map((r) => r.status),
      [200, 404, 404],
    );
  });

  it("endpoint: a name taken in Harbor is never taken over: the error says how to import it, without the secret", async () => {
    const first = await endpointProvider.create(endpointInputs());
    await assert.rejects(endpointProvider.create(endpointInputs()), (e: Error) => {
      assert.match(
        e.message,
        new RegExp(
          `Cannot create registry endpoint "dr": it already exists in Harbor \\(id ${first.id}\\).*import: "${first.id}"`,
        ),
      );
      assert.ok(!e.message.includes("dr-Secret-5678") && !e.message.includes(harbor.password));
      return true;
    });
    assert.equal(harbor.calls().filter((c) => c === "POST /registries").length, 1, "no second POST");
  });

  it("policy: push with filters and event trigger; filter change updates in place; drift; pull; delete", async () => {
    const ep = await endpointProvider.create(endpointInputs());
    const regId = Number(ep.id);
    const created = await policyProvider.create({ connection, password, spec: policySpec(regId) });
    const stored = harbor.policies.get(Number(created.id))!;
    assert.deepEqual(stored.dest_registry, { id: regId });
    assert.equal(stored.src_registry, undefined, "a push has no source: this Harbor");
    assert.deepEqual(stored.trigger, { type: "event_based" });

    const read = await policyProvider.read!(created.id, created.outs);
    assert.deepEqual(
      (read.props as any).spec,
      created.outs.spec,
      "Harbor's answer (local registry id 0) reads back as the same push",
    );
    assert.equal(
      (await policyProvider.diff!(created.id, read.props, { connection, password, spec: policySpec(regId) })).changes,
      false,
    );

    const newFilter = {
      connection,
      password,
      spec: { ...policySpec(regId), filters: renderFilters({ tag: "release-*", labels: ["approved"] }) },
    };
    const d = await policyProvider.diff!(created.id, read.props, newFilter);
    assert.deepEqual([d.changes, d.replaces], [true, []], "a changed filter is an update in place");
    await policyProvider.update!(created.id, read.props, newFilter);
    assert.deepEqual(harbor.policies.get(Number(created.id))!.filters, [
      { type: "tag", value: "release-*", decoration: "matches" },
      { type: "label", value: ["approved"], decoration: "matches" },
    ]);

    // Drift: disabled and rescheduled by hand.
    Object.assign(harbor.policies.get(Number(created.id))!, {
      enabled: false,
      trigger: { type: "scheduled", trigger_settings: { cron: "0 0 1 * * *" } },
    });
    const drifted = (await policyProvider.read!(created.id, created.outs)).props as any;
    assert.equal(drifted.spec.enabled, false);
    assert.deepEqual(drifted.spec.trigger, { type: "scheduled", cron: "0 0 1 * * *" });
    assert.equal((await policyProvider.diff!(created.id, drifted, newFilter)).changes, true);

    const pull = await policyProvider.create({
      connection,
      password,
      spec: {
        ...policySpec(regId),
        name: "from-dr",
        direction: "pull",
        trigger: { type: "scheduled", cron: "0 0 */6 * * *" },
      },
    });
    assert.deepEqual(harbor.policies.get(Number(pull.id))!.src_registry, { id: regId });
    assert.equal(((await policyProvider.read!(pull.id, pull.outs)).props as any).spec.direction, "pull");

    // Harbor refuses to delete an endpoint still in use (412): the error says so.
    await assert.rejects(
      endpointProvider.delete!(ep.id, ep.outs),
      /failed with 412 Precondition Failed .*referenced by policies/,
    );
    await policyProvider.delete!(created.id, created.outs);
    await policyProvider.delete!(pull.id, pull.outs);
    await endpointProvider.delete!(ep.id, ep.outs);
    assert.equal(harbor.policies.size + harbor.registries.size, 0);
  });

  it("policy: a 5xx on create is not retried blindly: looked up, not there, reported; 403 is reported without retry", async () => {
    const ep = await endpointProvider.create(endpointInputs());
    harbor.faults.push({ status: 500, method: "POST", path: "/replication/policies", times: 1 });
    await assert.rejects(
      policyProvider.create({ connection, password, spec: policySpec(Number(ep.id)) }),
      /POST \/api\/v2\.0\/replication\/policies failed with 500.*replication policy "to-dr" was not created \(looked up by its name afterwards: not in Harbor\)/,
    );
    assert.equal(harbor.requests.filter((r) => r.method === "POST" && r.path === "/replication/policies").length, 1);
    const created = await policyProvider.create({ connection, password, spec: policySpec(Number(ep.id)) });
    assert.equal(harbor.policies.size, 0 + 1);
    harbor.forbidden = true;
    await assert.rejects(
      policyProvider.update!(created.id, created.outs, { connection, password, spec: policySpec(Number(ep.id)) }),
      /PUT \/api\/v2\.0\/replication\/policies\/\d+ failed with 403 Forbidden/,
    );
  });

  it("robot: created with a secret answered once; refresh keeps it; permission change updates; rename replaces", async () => {
    const spec = {
      name: "replication-eu",
      description: "pull credential",
      durationDays: -1,
      permissions: renderRobotPermissions("pull"),
      disabled: false,
    };
    const created = await robotProvider.create({ connection, password, spec });
    assert.equal((created.outs as any).fullName, "robot$replication-eu");
    assert.match((created.outs as any).secret, /^Robot-Secret-/);
    const read = (await robotProvider.read!(created.id, created.outs)).props as any;
    assert.equal(read.secret, (created.outs as any).secret);
    assert.equal((await robotProvider.diff!(created.id, read, { connection, password, spec })).changes, false);
    const push = { connection, password, spec: { ...spec, permissions: renderRobotPermissions("push") } };
    assert.deepEqual((await robotProvider.diff!(created.id, read, push)).replaces, []);
    await robotProvider.update!(created.id, read, push);
    assert.ok(JSON.stringify(harbor.robots.get(Number(created.id))!.permissions).includes('"push"'));
    // Drift: someone disables the robot and narrows it in the UI; refresh shows it, the next up puts it back.
    Object.assign(harbor.robots.get(Number(created.id))!, {
      disable: true,
      permissions: renderRobotPermissions("pull"),
    });
    const drifted = (await robotProvider.read!(created.id, created.outs)).props as any;
    assert.equal(drifted.spec.disabled, true);
    assert.equal(drifted.secret, (created.outs as any).secret, "the secret Harbor never answers again is kept");
    const back = await robotProvider.diff!(created.id, drifted, push);
    assert.deepEqual([back.changes, back.replaces], [true, []]);
    await robotProvider.update!(created.id, drifted, push);
    assert.equal(harbor.robots.get(Number(created.id))!.disable, false);
    assert.deepEqual(
      (await robotProvider.diff!(created.id, read, { connection, password, spec: { ...spec, name: "other" } }))
        .replaces,
      ["spec.name"],
    );
    await robotProvider.delete!(created.id, created.outs);
    assert.equal(harbor.robots.size, 0);
  });

  it("the serialized provider (as the Pulumi engine runs it) works on its own", async function () {
    this.timeout(30000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sc = require("@pulumi/pulumi/runtime/closure/serializeClosure");
    // As pulumi.dynamic.Resource does it: a closure over the provider object itself.
    const load = async (singleton: unknown) => {
      const { text } = await sc.serializeFunction(() => singleton, { allowSecrets: true });
      assert.ok(!/require\("\.\.?\//.test(text), "no relative requires: the provider host cannot resolve them");
      const mod: { exports: any } = { exports: {} };
      new Function("module", "exports", "require", text)(mod, mod.exports, require);
      return mod.exports.handler();
    };
    const created = await (await load(registryEndpointProvider)).create(endpointInputs());
    assert.equal(harbor.registries.get(Number(created.id))?.name, "dr");
    const policy = await (
      await load(replicationPolicyProvider)
    ).create({
      connection,
      password,
      spec: policySpec(Number(created.id)),
    });
    assert.equal(harbor.policies.get(Number(policy.id))?.name, "to-dr");
    const robot = await (
      await load(robotAccountProvider)
    ).create({
      connection,
      password,
      spec: {
        name: "r",
        description: "",
        durationDays: -1,
        permissions: renderRobotPermissions("pull"),
        disabled: false,
      },
    });
    assert.match(robot.outs.secret, /^Robot-Secret-/);
  });
});

describe("replication: ReplicationTargets under the engine", () => {
  const args = (): ReplicationTargetsArgs => ({
    harbor: { ...harborArgs, password: pulumi.secret("admin-Pass-1234") },
    endpoints: [
      dr,
      {
        name: "eu-prod",
        url: "https://harbor.prod.example.com",
        robot: {
          admin: { url: "https://harbor.prod.example.com", password: pulumi.secret("prod-Admin-4321") },
          access: "pull",
        },
      },
    ],
    policies: [
      {
        name: "prod-to-dr",
        direction: "push",
        endpoint: "dr",
        trigger: { type: "event_based" },
        filters: { tag: "prod-*" },
      },
      {
        name: "prod-to-dr-nightly",
        direction: "push",
        endpoint: "dr",
        trigger: { type: "scheduled", cron: "0 0 2 * * *" },
        filters: { tag: "prod-*" },
      },
      {
        name: "released-from-prod",
        direction: "pull",
        endpoint: "eu-prod",
        trigger: { type: "scheduled", cron: "0 0 */1 * * *" },
        filters: { name: "library/**" },
      },
    ],
  });

  describe("ReplicationTargets under the engine", () => {
    let plan: ComponentPlan;
    let flows: unknown;
    const DYN = "pulumi-nodejs:dynamic/harbor:";
    const endpoints = () => plan.all(`${DYN}RegistryEndpoint`);
    const policies = () => plan.all(`${DYN}ReplicationPolicy`);
    const robots = () => plan.all(`${DYN}RobotAccount`);
    const release = () => plan.graph.resources.find((r) => r.name === "release")!;
    before(async () => {
      plan = await planComponent(() => {
        const rel = new FakeRelease("release");
        const t = new ReplicationTargets("targets", args(), { dependsOn: [rel] });
        flows = t.flows;
        return { endpointIds: t.endpointIds };
      });
    });

    it("plans cleanly: 2 endpoints and 3 policies under the component, 1 robot", () => {
      assert.deepEqual(plan.errors, []);
      assert.deepEqual([endpoints().length, policies().length, robots().length], [2, 3, 1]);
      const component = plan.graph.resources.find((r) => r.type === ComponentTypes.ReplicationTargets)!;
      for (const r of [...endpoints(), ...policies()]) assert.equal(r.parent, component.urn, r.name);
    });

    it("creates endpoints and policies only after the Harbor release", () => {
      for (const r of [...endpoints(), ...policies()])
        assert.ok(r.dependencies.includes(release().urn), `${r.name} waits for the Harbor release`);
    });

    it("keeps the admin password secret in every resource, and the URL readable", () => {
      for (const r of [...endpoints(), ...policies()]) {
        assert.ok(isSecretEnvelope((r.inputs as any).password), `${r.name}: admin password is a secret`);
        assert.equal((redact(r.inputs) as any).password, "[secret]");
        assert.equal((r.inputs as any).connection.url, "https://harbor.eu.example.com", "the URL stays readable");
      }
      assert.equal(
        JSON.stringify(redact(plan.graph.resources.map((r) => r.inputs))).includes("admin-Pass-1234"),
        false,
        "no plaintext admin password anywhere",
      );
    });

    it("gives an endpoint Harbor's fields, its access secret enveloped", () => {
      const dr = endpoints().find((r) => r.name === "targets-endpoint-dr")!;
      assert.ok(isSecretEnvelope((dr.inputs as any).accessSecret));
      assert.deepEqual((dr.inputs as any).spec, {
        name: "dr",
        type: "harbor",
        url: "https://harbor.us.example.com",
        description: "",
        insecure: false,
        accessKey: "robot$dr",
      });
    });

    it("creates the robot on the REMOTE Harbor with that Harbor's admin password, not waiting for our release", () => {
      const robot = unwrapSecrets(robots()[0].inputs) as any;
      assert.deepEqual([robot.connection.url, robot.password], ["https://harbor.prod.example.com", "prod-Admin-4321"]);
      assert.ok(isSecretEnvelope((robots()[0].inputs as any).password));
      assert.ok(!robots()[0].dependencies.includes(release().urn));
    });

    it("renders a push policy's trigger, filters and endpoint id", () => {
      const push = plan.one(`${DYN}ReplicationPolicy`, "targets-policy-prod-to-dr");
      assert.deepEqual(push.spec.trigger, { type: "event_based" });
      assert.deepEqual(push.spec.filters, [{ type: "tag", value: "prod-*", decoration: "matches" }]);
      assert.ok(push.spec.registryId !== undefined);
    });

    it("declares its flows (pushes out, pulls in) for loop checks across sites", () => {
      assert.deepEqual(flows, [
        {
          from: "https://harbor.eu.example.com",
          to: "https://harbor.us.example.com",
          policy: "https://harbor.eu.example.com/prod-to-dr",
        },
        {
          from: "https://harbor.eu.example.com",
          to: "https://harbor.us.example.com",
          policy: "https://harbor.eu.example.com/prod-to-dr-nightly",
        },
        {
          from: "https://harbor.prod.example.com",
          to: "https://harbor.eu.example.com",
          policy: "https://harbor.eu.example.com/released-from-prod",
        },
      ]);
    });
  });

  it("serializes each provider's code once per process, not once per resource", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sc = require("@pulumi/pulumi/runtime/closure/serializeClosure");
    const original = sc.serializeFunction;
    let calls = 0;
    sc.serializeFunction = (...a: unknown[]) => {
      calls++;
      return original(...a);
    };
    try {
      const n = 50;
      const graph = await runProgram(async () => {
        new ReplicationTargets("many", {
          harbor: harborArgs,
          endpoints: Array.from({ length: n }, (_, i) => ({ ...dr, name: `dr${i}`, url: `https://r${i}.example.com` })),
          policies: Array.from({ length: n }, (_, i) => ({
            name: `p${i}`,
            direction: "push" as const,
            endpoint: `dr${i}`,
            trigger: { type: "event_based" as const },
          })),
        });
      });
      assert.equal(graph.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/harbor:")).length, 2 * n);
      assert.ok(
        calls <= 2,
        `serialized ${calls} times for ${2 * n} resources (settings.cacheDynamicProviders keeps one per provider object)`,
      );
    } finally {
      sc.serializeFunction = original;
    }
  });

  it("refuses an invalid set before registering anything", async () => {
    const bad = args();
    bad.policies!.push({
      name: "pull-event",
      direction: "pull",
      endpoint: "eu-prod",
      trigger: { type: "event_based" },
    });
    bad.policies!.push({
      name: "dr-back",
      direction: "pull",
      endpoint: "dr",
      trigger: { type: "scheduled", cron: "*/5 * * * *" },
    });
    await assert.rejects(
      runProgram(async () => {
        new ReplicationTargets("targets", bad);
      }),
      (e: InvalidArgsError) => {
        assert.equal(e.name, "InvalidArgsError");
        assert.match(e.message, /harbor-ha:replication:ReplicationTargets "targets": 4 invalid arguments/);
        assert.match(e.message, /policies\[3\]\.trigger: event_based is refused on a pull policy/);
        assert.match(e.message, /policies\[4\]\.trigger\.cron: must have 6 fields/);
        // dr-back pulls from dr, which both push policies feed: two loops, each named.
        assert.match(e.message, /policies: replicate in a loop .*prod-to-dr, .*dr-back\)/);
        assert.match(e.message, /policies: replicate in a loop .*prod-to-dr-nightly, .*dr-back\)/);
        return true;
      },
    );
  });
});
