/**
 * The API client and the generic provider against a FAULT-INJECTING Harbor stand-in on 127.0.0.1 (the
 * contract fake of test/support/harborApiServer.ts, whose faults lose answers after Harbor acted, stall
 * or cut bodies, answer a proxy's HTML, echo credentials, ask to retry later): every failure mode of
 * issue 17, each with the behaviour the client must have. Every request the fake handles is still
 * validated against Harbor's OpenAPI document.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  HarborApiError,
  HarborClient,
  makeProjectProvider,
  makeRegistryEndpointProvider,
  makeRobotAccountProvider,
  renderProjectMetadata,
  renderRobotPermissions,
  retryAfter,
} from "../components/harborApi";
import { FakeHarbor, loadHarborApi, startFakeHarbor } from "./support/harborApiServer";

/**
 * A throw-away CA and a server certificate for 127.0.0.1, made with OpenSSL once per run in a temporary
 * directory (no private key is committed). Files: ca.crt, server.key, server.crt.
 */
let tlsDir: string | undefined;
function pem(f: "ca.crt" | "server.key" | "server.crt"): string {
  if (!tlsDir) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-test-ca-"));
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "2",
      "-subj",
      "/CN=harbor-ha test CA",
    );
    openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
    fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      "2",
      "-extfile",
      "san.ext",
    );
    tlsDir = dir;
  }
  return fs.readFileSync(path.join(tlsDir, f), "utf8");
}
after(() => tlsDir && fs.rmSync(tlsDir, { recursive: true, force: true }));

/** Short, bounded timings: every loop in these tests ends by itself within a few seconds. */
const fast = {
  retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, timeoutMs: 5000, totalMs: 20000 },
  ping: { attempts: 3, intervalMs: 1 },
};
/** A short attempt timeout for the stall tests (the fake's first validation of an operation takes longer). */
const stalling = { ...fast, retry: { ...fast.retry, timeoutMs: 300 } };

describe("harborApi client against a fault-injecting Harbor", function () {
  let harbor: FakeHarbor;
  before(async function () {
    this.timeout(60000);
    await loadHarborApi();
  });
  beforeEach(async () => {
    harbor = await startFakeHarbor();
  });
  afterEach(async function () {
    await harbor.close();
    assert.deepEqual(harbor.violations, [], `${this.currentTest?.title}: API document violations`);
  });
  const conn = () => ({
    connection: { url: harbor.url, username: "admin", pingAttempts: 3, pingIntervalMs: 1, insecure: true },
    password: harbor.password,
  });
  const endpoint = () => ({
    ...conn(),
    spec: { name: "dr", type: "harbor", url: "https://dr.example.com", description: "", insecure: false },
  });
  const client = (options: object = fast) =>
    new HarborClient({ url: harbor.url, username: "admin", password: harbor.password, insecure: true }, options);
  const posts = (p: string) => harbor.requests.filter((r) => r.method === "POST" && r.path === p).length;

  describe("a non-idempotent POST is never blindly retried", () => {
    it("502 after Harbor created the endpoint: one POST, then looked up by name and adopted", async () => {
      harbor.faults.push({ status: 502, method: "POST", path: "/registries", afterHandling: true });
      const created = await makeRegistryEndpointProvider(fast).create(endpoint());
      assert.equal(posts("/registries"), 1, "the POST is not repeated");
      assert.equal(harbor.registries.size, 1, "no duplicate, no 409");
      assert.equal(created.id, String([...harbor.registries.keys()][0]), "the state holds Harbor's object");
    });

    it("connection reset after Harbor created a robot: adopted with a fresh secret (the first was lost)", async () => {
      harbor.faults.push({ status: 0, method: "POST", path: "/robots", afterHandling: true });
      const spec = {
        name: "ci",
        description: "",
        durationDays: -1,
        permissions: renderRobotPermissions("pull"),
        disabled: false,
      };
      const created = await makeRobotAccountProvider(fast).create({ ...conn(), spec });
      assert.equal(posts("/robots"), 1);
      const robot = harbor.robots.get(Number(created.id))!;
      assert.equal((created.outs as any).secret, robot.secret, "the secret in state is the one Harbor now holds");
      assert.equal((created.outs as any).fullName, "robot$ci");
      assert.ok(harbor.calls().includes(`PATCH /robots/${created.id}`), "the secret was refreshed (RefreshSec)");
    });

    it("timeout (the answer stalls) after Harbor created the project: adopted, one POST", async () => {
      harbor.faults.push({
        status: 201,
        method: "POST",
        path: "/projects",
        afterHandling: true,
        body: "",
        bodyFault: "stall",
      });
      // The project list is validated once first, so the short timeout only ever meets the stall.
      await client().get("/projects");
      const created = await makeProjectProvider(stalling).create({
        ...conn(),
        spec: { name: "prod", metadata: renderProjectMetadata({}) },
      });
      assert.equal(posts("/projects"), 1);
      assert.equal(created.id, String([...harbor.projects.keys()][0]));
    });

    it("502 before Harbor acted: one POST, looked up, not there: an error that says so (retry is safe)", async () => {
      harbor.faults.push({ status: 502, method: "POST", path: "/registries" });
      await assert.rejects(makeRegistryEndpointProvider(fast).create(endpoint()), (e: Error) => {
        assert.match(e.message, /POST \/api\/v2\.0\/registries failed with 502: not Harbor's answer .*Bad Gateway/);
        assert.match(
          e.message,
          /registry endpoint "dr" was not created \(looked up by its name afterwards: not in Harbor\)/,
        );
        return true;
      });
      assert.equal(posts("/registries"), 1);
      assert.equal(harbor.registries.size, 0);
    });

    it("429 is retried even for a POST (Harbor did not act), honouring Retry-After", async () => {
      harbor.faults.push({ status: 429, method: "POST", path: "/registries", headers: { "retry-after": "1" } });
      const sleeps: number[] = [];
      const c = new HarborClient(
        { url: harbor.url, username: "admin", password: harbor.password, insecure: true },
        { ...fast, sleep: async (ms) => void sleeps.push(ms) },
      );
      await c.create("/registries", { name: "x", type: "harbor", url: "https://x.example.com" });
      assert.deepEqual(sleeps, [1000]);
      assert.equal(posts("/registries"), 2);
    });

    it("201 without Location: found by name; and when not found, a clear error", async () => {
      harbor.faults.push({ status: 201, method: "POST", path: "/registries", afterHandling: true, body: "" });
      const created = await makeRegistryEndpointProvider(fast).create(endpoint());
      assert.equal(created.id, String([...harbor.registries.keys()][0]));
      harbor.faults.push({ status: 201, method: "POST", path: "/registries", body: "" });
      await assert.rejects(
        makeRegistryEndpointProvider(fast).create({ ...endpoint(), spec: { ...endpoint().spec, name: "ghost" } }),
        /answered POST \/api\/v2\.0\/registries for registry endpoint "ghost" without a Location header, and no registry endpoint with that name can be found/,
      );
    });
  });

  describe("idempotent requests: Retry-After, one time bound, body errors named", () => {
    it("Retry-After in seconds and as an HTTP-date is honoured", async () => {
      const sleeps: number[] = [];
      const c = client({ ...fast, sleep: async (ms: number) => void sleeps.push(ms) });
      harbor.faults.push({ status: 503, path: "/registries", headers: { "retry-after": "2" } });
      await c.get("/registries");
      const at = new Date(Date.now() + 5000).toUTCString();
      harbor.faults.push({ status: 429, path: "/registries", headers: { "retry-after": at } });
      await c.get("/registries");
      assert.equal(sleeps[0], 2000);
      assert.ok(sleeps[1] > 3000 && sleeps[1] <= 5000, `HTTP-date honoured: ${sleeps[1]} ms`);
      assert.equal(retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("Wed, 21 Oct 2015 07:27:00 GMT")), 60000);
    });

    it("a Retry-After beyond the total bound fails at once, saying so (no 7.5 s abandon, no silent wait)", async () => {
      harbor.faults.push({ status: 429, path: "/registries", headers: { "retry-after": "60" }, times: 5 });
      const sleeps: number[] = [];
      const c = client({
        ...fast,
        retry: { ...fast.retry, totalMs: 10000 },
        sleep: async (ms: number) => void sleeps.push(ms),
      });
      await assert.rejects(c.get("/registries"), (e: HarborApiError) => {
        assert.equal(e.failure, "budget");
        assert.match(
          e.message,
          /GET \/api\/v2\.0\/registries failed with 429 Too Many Requests.*asked to retry after 60 s, which exceeds the time left of the 10 s bound/,
        );
        return true;
      });
      assert.equal(sleeps.length, 0, "no wait at all");
      // Within the bound it waits as asked and succeeds.
      harbor.faults.length = 0;
      harbor.faults.push({ status: 429, path: "/registries", headers: { "retry-after": "60" } });
      await client({
        ...fast,
        retry: { ...fast.retry, totalMs: 120000 },
        sleep: async (ms: number) => void sleeps.push(ms),
      }).get("/registries");
      assert.deepEqual(sleeps, [60000]);
    });

    it("a stalled body and a reset body are retried and, when they persist, named (method, path, attempt)", async () => {
      harbor.faults.push({ status: 200, path: "/registries", body: "[]", bodyFault: "stall" });
      harbor.faults.push({ status: 200, path: "/registries", body: "[]", bodyFault: "reset" });
      // The first two answers fail mid-body; the third is whole.
      await client().get("/projects"); // validated once, so the short timeout only ever meets the stall
      assert.deepEqual(await client(stalling).get("/registries"), []);
      harbor.faults.push({ status: 200, path: "/projects", body: "[]", bodyFault: "stall", times: 3 });
      await assert.rejects(client(stalling).get("/projects"), (e: HarborApiError) => {
        assert.equal(e.failure, "body");
        assert.match(
          e.message,
          /GET \/api\/v2\.0\/projects failed: reading the answer body failed \(stalled, timed out\) on attempt 3 \(after 3 attempts\)/,
        );
        return true;
      });
      harbor.faults.push({ status: 200, path: "/projects", body: "[]", bodyFault: "reset", times: 3 });
      await assert.rejects(client().get("/projects"), /reading the answer body failed \(ECONNRESET\) on attempt 3/);
    });
  });

  describe("answers that are not Harbor's", () => {
    it("a non-JSON 200 is an error, and read() never reports an empty spec", async () => {
      const provider = makeRegistryEndpointProvider(fast);
      const created = await provider.create(endpoint());
      harbor.faults.push({ status: 200, path: `/registries/${created.id}`, body: "<html>login</html>" });
      await assert.rejects(
        provider.read!(created.id, created.outs),
        /GET \/api\/v2\.0\/registries\/\d+ failed with 200: the answer is not JSON \(text\/html\)/,
      );
      harbor.faults.push({ status: 200, path: `/registries/${created.id}`, body: '{"unexpected":true}' });
      await assert.rejects(
        provider.read!(created.id, created.outs),
        /the answer is not a registry endpoint: "name" is missing/,
      );
      harbor.faults.push({ status: 200, path: `/registries/${created.id}`, body: "[]" });
      await assert.rejects(provider.read!(created.id, created.outs), /expected a JSON object, got a list/);
      assert.equal((await provider.read!(created.id, created.outs)).id, created.id, "a whole answer reads again");
    });

    it("DELETE: Harbor's JSON 404 means gone; a proxy's HTML 404 is an error and the object stays in state", async () => {
      const provider = makeRegistryEndpointProvider(fast);
      const created = await provider.create(endpoint());
      harbor.faults.push({ status: 404, method: "DELETE", path: "/registries", body: "<html>404 Not Found</html>" });
      await assert.rejects(
        provider.delete!(created.id, created.outs),
        /DELETE \/api\/v2\.0\/registries\/\d+ failed with 404 Not Found: not Harbor's answer/,
      );
      assert.equal(harbor.registries.size, 1);
      harbor.faults.push({ status: 404, method: "GET", path: "/registries", body: "<html>404 Not Found</html>" });
      await assert.rejects(
        provider.read!(created.id, created.outs),
        /not Harbor's answer/,
        "refresh does not drop it either",
      );
      await provider.delete!(created.id, created.outs);
      await provider.delete!(created.id, created.outs); // Harbor's own 404: already gone
      assert.equal(harbor.requests.at(-1)!.status, 404);
    });

    it("a server echoing the Authorization header does not put the credentials in the error", async () => {
      harbor.faults.push({ status: 400, path: "/registries", echoAuthorization: true, body: "bad request" });
      await assert.rejects(client().get("/registries"), (e: Error) => {
        const token = Buffer.from(`admin:${harbor.password}`).toString("base64");
        assert.ok(!e.message.includes(token), e.message);
        assert.ok(!e.message.includes(harbor.password), e.message);
        assert.match(e.message, /Authorization: Basic \[redacted\]/);
        return true;
      });
    });
  });

  describe("the ping wait", () => {
    it("a failed wait is remembered for the run: the next resource fails fast with the same message", async () => {
      harbor.pingFailures = 100;
      const first = await makeProjectProvider(fast).read!("1", {
        ...conn(),
        spec: { name: "p", metadata: renderProjectMetadata({}) },
      }).catch((e: Error) => e);
      assert.match(String(first), /did not answer the ping after 3 attempts/);
      const pings = harbor.requests.filter((r) => r.path === "/ping").length;
      const started = Date.now();
      const second = await makeRegistryEndpointProvider(fast)
        .create(endpoint())
        .catch((e: Error) => e);
      assert.equal(String(second), String(first));
      assert.equal(harbor.requests.filter((r) => r.path === "/ping").length, pings, "no second wait");
      assert.ok(Date.now() - started < 100);
    });
  });
});

describe("harborApi client: TLS and plain http", function () {
  let harbor: FakeHarbor;
  before(async function () {
    this.timeout(60000);
    await loadHarborApi();
  });
  afterEach(async () => {
    await harbor?.close();
  });

  it("trusts a private CA given as caBundle; an unknown CA fails at once, not retried, and says how to fix it", async () => {
    harbor = await startFakeHarbor({ tls: { key: pem("server.key"), cert: pem("server.crt") } });
    const make = (extra: object) =>
      new HarborClient({ url: harbor.url, username: "admin", password: harbor.password, ...extra }, fast);
    await assert.rejects(make({}).get("/registries"), (e: HarborApiError) => {
      assert.equal(e.failure, "tls");
      assert.match(
        e.message,
        /TLS: the certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted \(.*\); not retried\. Pass Harbor's CA as caBundle/,
      );
      return true;
    });
    assert.equal(harbor.connections, 1, "one handshake: certificate errors are not retried");
    assert.deepEqual(await make({ caBundle: pem("ca.crt") }).get("/registries"), []);
    // The insecure opt-in skips verification (explicitly).
    await harbor.close();
    harbor = await startFakeHarbor({ tls: { key: pem("server.key"), cert: pem("server.crt") } });
    assert.deepEqual(await make({ insecure: true }).get("/registries"), []);
    assert.deepEqual(harbor.violations, []);
  });

  it("refuses a plain http:// Harbor unless insecure is opted in, before sending the password", async () => {
    harbor = await startFakeHarbor();
    await assert.rejects(
      new HarborClient({ url: harbor.url, username: "admin", password: harbor.password }, fast).get("/registries"),
      /is plain http: the admin password would cross the network in clear. Use https:\/\/, or opt in explicitly with insecure: true/,
    );
    assert.equal(harbor.requests.length, 0, "nothing was sent");
    assert.deepEqual(
      await new HarborClient(
        { url: harbor.url, username: "admin", password: harbor.password, insecure: true },
        fast,
      ).get("/registries"),
      [],
    );
  });
});
