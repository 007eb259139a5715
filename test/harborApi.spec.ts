/**
 * Harbor API client against the fake Harbor that validates every request and response against
 * Harbor's OpenAPI document: retries, errors, the /ping wait, and that credentials never show.
 */
import { strict as assert } from "assert";
import { HarborApiError, HarborClient, harborErrorMessage, idFromLocation } from "../components/harborApi";
import { diffSpec } from "../components/harborApi/providerSupport";
import { FakeHarbor, loadHarborApi, startFakeHarbor } from "./support/harborApiServer";

const fast = { retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, ping: { attempts: 3, intervalMs: 1 } };

describe("harborApi client (contract: Harbor API v2.15.2 document)", function () {
  let harbor: FakeHarbor;
  before(async function () {
    this.timeout(60000);
    await loadHarborApi(); // once per file: converting and loading the document takes seconds
  });
  beforeEach(async () => {
    harbor = await startFakeHarbor();
  });
  afterEach(async () => {
    await harbor.close();
  });
  const client = (password = harbor.password, options: object = fast) =>
    new HarborClient({ url: harbor.url, username: "admin", password, insecure: true }, options);

  it("creates, reads, updates and deletes a registry with requests the document allows", async () => {
    const c = client();
    const id = await c.create("/registries", {
      name: "dr",
      type: "harbor",
      url: "https://dr.example.com",
      insecure: false,
      credential: { type: "basic", access_key: "robot$r", access_secret: "s3cret-value" },
    });
    assert.equal(typeof id, "number");
    const got = await c.get<any>(`/registries/${id}`);
    assert.equal(got.name, "dr");
    assert.equal(got.credential.access_secret, "*****", "Harbor masks the secret");
    await c.put(`/registries/${id}`, { description: "DR site" });
    assert.equal((await c.get<any>(`/registries/${id}`)).description, "DR site");
    await c.remove(`/registries/${id}`);
    assert.equal(await c.find(`/registries/${id}`), undefined);
    await c.remove(`/registries/${id}`); // 404 on delete is success
    assert.deepEqual(harbor.violations, []);
  });

  it("records a request the document does not allow as a violation (the contract check works)", async () => {
    await assert.rejects(
      client().create("/registries", { name: "x", url: "https://x", insecure: "yes" }),
      (e: HarborApiError) => e.status === 400,
    );
    assert.equal(harbor.violations.length, 1);
    assert.match(harbor.violations[0], /insecure/);
    await assert.rejects(client().request("PATCH", "/registries"), (e: HarborApiError) => e.status === 405);
    assert.match(harbor.violations[1], /no such operation/);
  });

  it("retries 5xx with backoff and then succeeds", async () => {
    harbor.faults.push({ status: 503, path: "/registries", times: 2 });
    const sleeps: number[] = [];
    const c = new HarborClient(
      { url: harbor.url, username: "admin", password: harbor.password, insecure: true },
      { ...fast, retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 15 }, sleep: async (ms) => void sleeps.push(ms) },
    );
    assert.deepEqual(await c.get("/registries"), []);
    assert.deepEqual(sleeps, [10, 15], "exponential, capped at maxDelayMs");
    assert.equal(harbor.requests.filter((r) => r.path === "/registries").length, 3);
    assert.deepEqual(harbor.violations, []);
  });

  it("gives up after the bounded attempts with a clear error naming method, path and Harbor's message", async () => {
    harbor.faults.push({ status: 500, path: "/registries", times: 10, message: "database is down" });
    await assert.rejects(client().get("/registries"), (e: HarborApiError) => {
      assert.equal(e.status, 500);
      assert.equal(e.attempts, 3);
      assert.match(
        e.message,
        /GET \/api\/v2\.0\/registries failed with 500: UNKNOWN: database is down \(after 3 attempts\)/,
      );
      return true;
    });
  });

  it("retries network errors (connection reset) and succeeds", async () => {
    harbor.faults.push({ status: 0, path: "/projects", times: 1 });
    assert.deepEqual(await client().get("/projects"), []);
  });

  it("does not retry 401/403/404/409 and explains each", async () => {
    await assert.rejects(client("wrong-password-123").get("/registries"), (e: HarborApiError) => {
      assert.equal(e.status, 401);
      assert.match(e.message, /401 Unauthorized \(check the admin user and password/);
      assert.ok(!e.message.includes("wrong-password-123"), "no credential in the message");
      assert.ok(!e.message.includes(Buffer.from("admin:wrong-password-123").toString("base64")));
      return true;
    });
    assert.equal(harbor.requests.filter((r) => r.path === "/registries").length, 1, "a 401 is not retried");
    await assert.rejects(
      client().get("/registries/999"),
      (e: HarborApiError) =>
        e.status === 404 &&
        /GET \/api\/v2\.0\/registries\/999 failed with 404 Not Found: NOT_FOUND: registry 999 not found/.test(
          e.message,
        ),
    );
    const c = client();
    await c.create("/registries", { name: "dup", type: "harbor", url: "https://a.example.com" });
    await assert.rejects(
      c.create("/registries", { name: "dup", type: "harbor", url: "https://a.example.com" }),
      (e: HarborApiError) =>
        e.status === 409 &&
        /POST \/api\/v2\.0\/registries failed with 409 Conflict.*registry dup already exists/.test(e.message),
    );
    harbor.forbidden = true;
    await assert.rejects(
      client().get("/registries"),
      (e: HarborApiError) => e.status === 403 && /Forbidden/.test(e.message),
    );
    assert.deepEqual(harbor.violations, []);
  });

  it("waits for /ping (bounded) before the first call, and not again", async () => {
    harbor.pingFailures = 2;
    const c = new HarborClient(
      { url: harbor.url, username: "admin", password: harbor.password, insecure: true },
      { ...fast, ping: { attempts: 5, intervalMs: 1 } },
    );
    await c.get("/registries");
    await c.get("/registries");
    const pings = harbor.requests.filter((r) => r.path === "/ping");
    assert.deepEqual(
      pings.map((p) => p.status),
      [503, 503, 200],
    );
    assert.ok(
      pings.every((p) => !p.authorized),
      "ping needs no credentials and gets none",
    );
    assert.equal(harbor.requests.filter((r) => r.path.startsWith("/health")).length, 0, "/health is never used");
  });

  it("fails clearly when /ping never answers within its bound", async () => {
    harbor.pingFailures = 100;
    const c = new HarborClient(
      { url: harbor.url, username: "admin", password: harbor.password, insecure: true },
      { ...fast, ping: { attempts: 4, intervalMs: 1 } },
    );
    await assert.rejects(c.get("/registries"), /did not answer the ping after 4 attempts.*HTTP 503/);
    assert.equal(harbor.requests.filter((r) => r.path === "/ping").length, 4);
    assert.equal(
      harbor.requests.filter((r) => r.path === "/registries").length,
      0,
      "no API call before Harbor answers",
    );
  });

  it("parses Location ids and Harbor error bodies", () => {
    assert.equal(idFromLocation("/api/v2.0/replication/policies/42"), 42);
    assert.equal(idFromLocation(undefined), undefined);
    assert.equal(harborErrorMessage('{"errors":[{"code":"CONFLICT","message":"exists"}]}'), "CONFLICT: exists");
    assert.equal(harborErrorMessage("<html>bad gateway</html>"), "<html>bad gateway</html>");
  });

  it("diffSpec: replace keys replace, others update, a new URL is another Harbor", () => {
    const conn = { url: "https://a", username: "admin", password: "p" };
    const d1 = diffSpec(
      { connection: conn, spec: { name: "a", url: "u1" } },
      { connection: conn, spec: { name: "a", url: "u2" } },
      ["name"],
    );
    assert.deepEqual(d1, { changes: true, replaces: [], changed: ["spec.url"] });
    const d2 = diffSpec(
      { connection: conn, spec: { name: "a" } },
      { connection: { ...conn, url: "https://b" }, spec: { name: "b" } },
      ["name"],
    );
    assert.deepEqual(d2.replaces, ["connection.url", "spec.name"]);
    const d3 = diffSpec(
      { connection: conn, spec: { f: [{ a: 1, b: 2 }] } },
      { connection: { ...conn, pingAttempts: 9 }, spec: { f: [{ b: 2, a: 1 }] } },
      [],
    );
    assert.equal(d3.changes, false, "key order and ping bounds are no change");
  });
});
