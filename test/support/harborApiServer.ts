/**
 * A fake Harbor on 127.0.0.1 (random port) for contract tests: every request's method, path, query and
 * body is validated against Harbor's OpenAPI document (swagger-v2.15.2.yaml, converted with swagger2openapi,
 * validated by openapi-backend), and so is every response it sends. Anything the document does not allow
 * is recorded in `violations` (and answered 400), so a test that ends with violations fails.
 *
 * State is kept in memory and behaves as Harbor does where the providers depend on it: unique names
 * (409), `Location` on 201, masked secrets on GET, 412 on deleting a referenced registry, the local
 * registry as id 0 in push policies, metadata merged on project PUT, robot names prefixed `robot$`,
 * a quota made with each project (and deleted with it), webhook names unique per project and Harbor's
 * event/notify type checks, groups onboarded by name when made members.
 */
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import { AddressInfo } from "net";
import * as YAML from "yaml";
import addFormats from "ajv-formats";
import { OpenAPIBackend } from "openapi-backend";
import { harborCronProblem } from "../../components/harborApi/cron";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const swagger2openapi = require("swagger2openapi");

/** Pinned in the repository; see test/fixtures/upstream/harbor-api-2.15.2/README.md. */
export const HARBOR_SWAGGER = path.join(__dirname, "..", "fixtures", "upstream", "harbor-api-2.15.2", "swagger.yaml");

/**
 * Harbor's handlers answer these statuses although the document omits them for the operation (the
 * controllers return NotFound/Forbidden errors for any missing object). Allowed here, and only here.
 */
const UNDECLARED_BUT_REAL: Record<string, number[]> = {
  getReplicationPolicy: [404],
  getProject: [403, 404],
  listProjects: [403],
};

let specPromise: Promise<OpenAPIBackend> | undefined;

/** Harbor's API document as an openapi-backend validator. Loaded once per process (a few seconds). */
export function loadHarborApi(): Promise<OpenAPIBackend> {
  specPromise ??= (async () => {
    const swagger = YAML.parse(fs.readFileSync(HARBOR_SWAGGER, "utf8"));
    const { openapi } = await swagger2openapi.convertObj(swagger, { patch: true, warnOnly: true });
    const api = new OpenAPIBackend({
      definition: openapi,
      quick: true,
      customizeAjv: (ajv) => {
        addFormats(ajv);
        // Formats Harbor's document uses beyond OpenAPI's own: registered, not silenced.
        ajv.addFormat("float64", { type: "number", validate: (n: number) => Number.isFinite(n) });
        ajv.addFormat("int8", {
          type: "number",
          validate: (n: number) => Number.isInteger(n) && n >= -128 && n <= 127,
        });
        ajv.addFormat("uint64", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= 0 });
        ajv.addFormat("int", { type: "number", validate: (n: number) => Number.isInteger(n) });
        return ajv;
      },
    });
    await api.init();
    return api;
  })();
  return specPromise;
}

export interface RecordedRequest {
  method: string;
  /** Path relative to `/api/v2.0`, with query. */
  path: string;
  body: unknown;
  status: number;
  authorized: boolean;
}

/**
 * A fault to inject into the next matching request(s). By default the fake answers the fault instead of
 * handling the request; with `afterHandling` it handles it first (Harbor acted) and then the answer is
 * lost or replaced, as when a gateway times out in front of a slow core.
 */
export interface Fault {
  /** Status to answer; 0 destroys the socket without an answer. */
  status: number;
  method?: string;
  /** Prefix of the path relative to `/api/v2.0`. */
  path?: string;
  /** How many matching requests fail. Default: 1. */
  times?: number;
  /** Harbor's error message (for Harbor's JSON envelope). */
  message?: string;
  /** Handle the request (change the fake's state) before answering the fault. Default: false. */
  afterHandling?: boolean;
  /** A raw body instead of Harbor's envelope (a proxy's HTML, malformed JSON). */
  body?: string;
  /** Headers of the fault answer (`Retry-After`, `content-type`). */
  headers?: Record<string, string>;
  /** Send the headers and part of the body, then stall (never finish) or reset the connection. */
  bodyFault?: "stall" | "reset";
  /** Echo the request's Authorization header in the body, as a misbehaving proxy might. */
  echoAuthorization?: boolean;
}

export interface FakeHarborOptions {
  username?: string;
  password?: string;
  /** The first N pings answer 503 (Harbor still starting). Default: 0. */
  pingFailures?: number;
  /** Every authenticated call answers 403. Default: false. */
  forbidden?: boolean;
  /** Serve https with this key and certificate (PEM). Default: plain http. */
  tls?: { key: string; cert: string };
}

type Obj = Record<string, any>;

export class FakeHarbor {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly registries = new Map<number, Obj>();
  readonly policies = new Map<number, Obj>();
  readonly projects = new Map<number, Obj>();
  readonly robots = new Map<number, Obj>();
  readonly retentions = new Map<number, Obj>();
  /** Harbor's configurations, plain values by key. */
  readonly configurations: Obj = { auth_mode: "db_auth", self_registration: false };
  readonly immutableRules = new Map<number, Obj>();
  /** Quotas by id, one per project (made with it, unlimited unless `storage_limit`). */
  readonly quotas = new Map<number, Obj>();
  readonly webhooks = new Map<number, Obj>();
  /** Project members by member id: `{ id, project_id, entity_id, entity_type, role_id }`. */
  readonly members = new Map<number, Obj>();
  /** User groups by id: `{ id, group_name, group_type, ldap_group_dn }`. */
  readonly userGroups = new Map<number, Obj>();
  /** System schedules by their GET operation: `getGCSchedule`, `getPurgeSchedule`, `getScanAllSchedule`. */
  readonly schedules: Record<string, Obj | undefined> = {};
  readonly faults: Fault[] = [];
  pingFailures: number;
  forbidden: boolean;
  /** TCP connections accepted (a refused TLS handshake is one too). */
  connections = 0;
  private nextId = 1;
  private server!: http.Server;
  url = "";

  constructor(
    private readonly api: OpenAPIBackend,
    private readonly options: FakeHarborOptions = {},
  ) {
    this.pingFailures = options.pingFailures ?? 0;
    this.forbidden = options.forbidden ?? false;
  }

  get username() {
    return this.options.username ?? "admin";
  }
  get password() {
    return this.options.password ?? "fake-admin-password-for-tests";
  }

  async start(): Promise<this> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    const tls = this.options.tls;
    this.server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
    this.server.on("connection", () => this.connections++);
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `${tls ? "https" : "http"}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests other than pings, as `METHOD path`. */
  calls(): string[] {
    return this.requests.filter((r) => r.path !== "/ping").map((r) => `${r.method} ${r.path}`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://x");
    const prefix = "/api/v2.0";
    const rel = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    const pathWithQuery = rel + url.search;
    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        this.violations.push(`${method} ${pathWithQuery}: body is not JSON`);
      }
    }
    const authorized =
      req.headers.authorization === "Basic " + Buffer.from(`${this.username}:${this.password}`).toString("base64");
    // A fault applied after the request was handled: Harbor acted, the client gets the fault.
    let lostAnswer: Fault | undefined;
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}, operationId?: string) => {
      if (lostAnswer) {
        const f = lostAnswer;
        lostAnswer = undefined;
        this.requests.push({ method, path: pathWithQuery, body, status: f.status, authorized });
        return this.answerFault(req, res, f);
      }
      if (operationId) this.checkResponse(operationId, method, pathWithQuery, status, payload);
      this.requests.push({ method, path: pathWithQuery, body, status, authorized });
      const text = payload === undefined ? "" : typeof payload === "string" ? payload : JSON.stringify(payload);
      res.writeHead(status, {
        "content-type": typeof payload === "string" ? "text/plain" : "application/json",
        "x-request-id": `req-${this.requests.length}`,
        ...headers,
      });
      res.end(text);
    };
    const error = (status: number, message: string, operationId?: string) =>
      send(
        status,
        {
          errors: [
            {
              code:
                {
                  400: "BAD_REQUEST",
                  401: "UNAUTHORIZED",
                  403: "FORBIDDEN",
                  404: "NOT_FOUND",
                  409: "CONFLICT",
                  412: "PRECONDITION",
                  500: "UNKNOWN",
                  503: "UNAVAILABLE",
                }[status] ?? "ERROR",
              message,
            },
          ],
        },
        {},
        operationId,
      );

    if (!url.pathname.startsWith(prefix + "/")) {
      this.violations.push(`${method} ${url.pathname}: outside ${prefix}`);
      return error(404, "not an API path");
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    let operationId: string | undefined;
    try {
      const request = { method, path: rel, query: Object.fromEntries(url.searchParams), headers, body };
      const op = this.api.matchOperation(request);
      if (!op) throw new Error("no such operation");
      operationId = op.operationId;
      const v = this.api.validateRequest(request, op);
      if (!v.valid) v.errors = (v.errors ?? []).filter((e) => !isFreeFormParameter(e));
      if (!v.valid && (v.errors ?? []).length > 0) {
        this.violations.push(`${method} ${pathWithQuery} (${operationId}): ${JSON.stringify(v.errors)}`);
        return error(400, `request does not match the API document: ${JSON.stringify(v.errors)}`, operationId);
      }
    } catch (e) {
      this.violations.push(
        `${method} ${pathWithQuery}: the API document has no such operation (${(e as Error).message})`,
      );
      return error(405, "no such operation");
    }

    if (operationId === "getPing") {
      if (this.pingFailures > 0) {
        this.pingFailures--;
        // Not a documented answer of /ping, so sent without response validation: a Harbor still starting.
        return send(503, "starting");
      }
      return send(200, "Pong", {}, operationId);
    }
    if (!authorized) return error(401, "unauthorized", operationId);
    if (this.forbidden) return error(403, "forbidden", operationId);
    const fault = this.faults.find((f) => (!f.method || f.method === method) && (!f.path || rel.startsWith(f.path)));
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    }
    if (fault?.afterHandling) lostAnswer = fault;
    else if (fault && (fault.body !== undefined || fault.bodyFault || fault.echoAuthorization || fault.headers)) {
      this.requests.push({ method, path: pathWithQuery, body, status: fault.status, authorized });
      return this.answerFault(req, res, fault);
    } else if (fault) {
      if (fault.status === 0) {
        this.requests.push({ method, path: pathWithQuery, body, status: 0, authorized });
        req.socket.destroy();
        return;
      }
      // 502-504 come from the ingress/gateway in front of a restarting core, not from Harbor: not validated.
      if (fault.status >= 502 && fault.status <= 504)
        return send(fault.status, `<html>${fault.status} Bad Gateway</html>`);
      return error(fault.status, fault.message ?? "injected fault", operationId);
    }
    const id = Number(rel.split("/").pop());
    const now = new Date().toISOString();
    const b = (body ?? {}) as Obj;
    const created = (kind: string, newId: number) =>
      send(201, undefined, { location: `/api/v2.0/${kind}/${newId}` }, operationId);

    switch (operationId) {
      // Registries
      case "listRegistries":
        return send(
          200,
          [...this.registries.values()].filter((r) => matchesQuery(r.name, url.searchParams)).map(maskRegistry),
          {},
          operationId,
        );
      case "createRegistry": {
        if ([...this.registries.values()].some((r) => r.name === b.name))
          return error(409, `registry ${b.name} already exists`, operationId);
        const newId = this.nextId++;
        this.registries.set(newId, { ...b, id: newId, status: "healthy", creation_time: now, update_time: now });
        return created("registries", newId);
      }
      case "getRegistry": {
        const r = this.registries.get(id);
        return r ? send(200, maskRegistry(r), {}, operationId) : error(404, `registry ${id} not found`, operationId);
      }
      case "updateRegistry": {
        const r = this.registries.get(id);
        if (!r) return error(404, `registry ${id} not found`, operationId);
        if (b.name !== undefined && [...this.registries.values()].some((o) => o.name === b.name && o.id !== id))
          return error(409, `registry ${b.name} already exists`, operationId);
        for (const k of ["name", "description", "url", "insecure", "ca_certificate"])
          if (b[k] !== undefined) r[k] = b[k];
        if (b.access_key !== undefined || b.access_secret !== undefined || b.credential_type !== undefined) {
          r.credential = {
            type: b.credential_type ?? r.credential?.type ?? "basic",
            access_key: b.access_key ?? r.credential?.access_key,
            access_secret: b.access_secret ?? r.credential?.access_secret,
          };
        }
        r.update_time = now;
        return send(200, undefined, {}, operationId);
      }
      case "deleteRegistry": {
        if (!this.registries.has(id)) return error(404, `registry ${id} not found`, operationId);
        const users = [...this.policies.values()].filter(
          (p) => p.src_registry?.id === id || p.dest_registry?.id === id,
        );
        if (users.length > 0)
          return error(
            412,
            `the registry ${id} is referenced by policies ${users.map((p) => p.name).join(",")}`,
            operationId,
          );
        this.registries.delete(id);
        return send(200, undefined, {}, operationId);
      }
      // Replication policies
      case "listReplicationPolicies":
        return send(
          200,
          [...this.policies.values()]
            .filter((p) => matchesQuery(p.name, url.searchParams))
            .map((p) => this.expandPolicy(p)),
          {},
          operationId,
        );
      case "createReplicationPolicy": {
        if ([...this.policies.values()].some((p) => p.name === b.name))
          return error(409, `policy ${b.name} already exists`, operationId);
        const problem = this.policyProblem(b);
        if (problem) return error(400, problem, operationId);
        const newId = this.nextId++;
        this.policies.set(newId, { ...b, id: newId, creation_time: now, update_time: now });
        return created("replication/policies", newId);
      }
      case "getReplicationPolicy": {
        const p = this.policies.get(id);
        return p ? send(200, this.expandPolicy(p), {}, operationId) : error(404, `policy ${id} not found`, operationId);
      }
      case "updateReplicationPolicy": {
        const p = this.policies.get(id);
        if (!p) return error(404, `policy ${id} not found`, operationId);
        if ([...this.policies.values()].some((o) => o.name === b.name && o.id !== id))
          return error(409, `policy ${b.name} already exists`, operationId);
        const problem = this.policyProblem(b);
        if (problem) return error(400, problem, operationId);
        this.policies.set(id, { ...b, id, creation_time: p.creation_time, update_time: now });
        return send(200, undefined, {}, operationId);
      }
      case "deleteReplicationPolicy":
        if (!this.policies.delete(id)) return error(404, `policy ${id} not found`, operationId);
        return send(200, undefined, {}, operationId);
      // Projects
      case "listProjects":
        return send(
          200,
          [...this.projects.values()].filter(
            (p) => !url.searchParams.get("name") || p.name === url.searchParams.get("name"),
          ),
          {},
          operationId,
        );
      case "createProject": {
        if ([...this.projects.values()].some((p) => p.name === b.project_name))
          return error(409, `project ${b.project_name} already exists`, operationId);
        if (b.registry_id && !this.registries.has(b.registry_id))
          return error(400, `registry ${b.registry_id} not found`, operationId);
        const newId = this.nextId++;
        // Harbor stores only the metadata keys it was given (and `public`).
        this.projects.set(newId, {
          project_id: newId,
          name: b.project_name,
          metadata: { public: "false", ...(b.metadata ?? {}) },
          ...(b.registry_id ? { registry_id: b.registry_id } : {}),
          creation_time: now,
          update_time: now,
          repo_count: 0,
        });
        const quotaId = this.nextId++;
        this.quotas.set(quotaId, {
          id: quotaId,
          ref: { id: newId, name: b.project_name, owner_name: this.username },
          hard: { storage: b.storage_limit ?? -1 },
          used: { storage: 0 },
          creation_time: now,
          update_time: now,
        });
        return created("projects", newId);
      }
      case "getProject": {
        const p = this.findProject(rel.split("/").pop()!);
        return p ? send(200, p, {}, operationId) : error(404, `project not found`, operationId);
      }
      case "updateProject": {
        const p = this.findProject(rel.split("/").pop()!);
        if (!p) return error(404, "project not found", operationId);
        p.metadata = { ...p.metadata, ...(b.metadata ?? {}) };
        p.update_time = now;
        return send(200, undefined, {}, operationId);
      }
      case "deleteProject": {
        const p = this.findProject(rel.split("/").pop()!);
        if (!p) return error(404, "project not found", operationId);
        if (p.repo_count > 0) return error(412, `the project ${p.name} contains repositories`, operationId);
        this.projects.delete(p.project_id);
        for (const [qid, q] of this.quotas) if (q.ref.id === p.project_id) this.quotas.delete(qid);
        return send(200, undefined, {}, operationId);
      }
      // Robots
      case "CreateRobot": {
        const full = `robot$${b.name}`;
        if ([...this.robots.values()].some((r) => r.name === full))
          return error(409, `robot ${full} already exists`, operationId);
        const newId = this.nextId++;
        const secret = `Robot-Secret-${newId}-abcdefgh`;
        this.robots.set(newId, {
          ...b,
          id: newId,
          name: full,
          secret,
          editable: true,
          expires_at: -1,
          creation_time: now,
          update_time: now,
        });
        return send(
          201,
          { id: newId, name: full, secret, creation_time: now, expires_at: -1 },
          { location: `/api/v2.0/robots/${newId}` },
          operationId,
        );
      }
      case "ListRobot": {
        const q = url.searchParams.get("q") ?? "";
        const name = q.startsWith("name=") ? q.slice(5) : undefined;
        return send(
          200,
          [...this.robots.values()]
            .filter((r) => name === undefined || r.name === name)
            .map(({ secret: _hidden, ...shown }) => shown),
          {},
          operationId,
        );
      }
      case "RefreshSec": {
        const r = this.robots.get(id);
        if (!r) return error(404, `robot ${id} not found`, operationId);
        r.secret = b.secret || `Robot-Secret-${id}-refreshed-${Date.now()}`;
        return send(200, { secret: r.secret }, {}, operationId);
      }
      // System schedules (GC, audit log purge, scan all): one each, `{}` when none.
      case "getGCSchedule":
      case "getPurgeSchedule":
        return send(200, this.scheduleAnswer(this.schedules[operationId], true), {}, operationId);
      case "getScanAllSchedule":
        return send(200, this.scheduleAnswer(this.schedules[operationId], false), {}, operationId);
      case "createGCSchedule":
      case "createPurgeSchedule":
      case "createScanAllSchedule":
      case "updateGCSchedule":
      case "updatePurgeSchedule":
      case "updateScanAllSchedule": {
        const key = operationId.replace(/^(create|update)/, "get");
        const current = this.schedules[key];
        if (operationId.startsWith("create") && current?.schedule?.type && current.schedule.type !== "None")
          return error(409, "a schedule already exists", operationId);
        const cronProblem = b.schedule?.type === "Custom" ? harborCronCheck(b.schedule?.cron) : undefined;
        if (cronProblem) return error(400, cronProblem, operationId);
        this.schedules[key] =
          b.schedule?.type === "None"
            ? undefined
            : { schedule: b.schedule, parameters: b.parameters ?? {}, creation_time: now, update_time: now };
        return operationId.startsWith("create")
          ? send(201, undefined, {}, operationId)
          : send(200, undefined, {}, operationId);
      }
      // Tag retention: one policy per project, named by the project's retention_id.
      case "createRetention": {
        const project = this.projects.get(Number(b.scope?.ref));
        if (!project) return error(400, `project ${b.scope?.ref} not found`, operationId);
        if (project.metadata.retention_id) return error(409, "the project already has a retention policy", operationId);
        const cronProblem = harborCronCheck(b.trigger?.settings?.cron);
        if (cronProblem) return error(400, cronProblem, operationId);
        const newId = this.nextId++;
        this.retentions.set(newId, { ...b, id: newId });
        project.metadata.retention_id = String(newId);
        return created("retentions", newId);
      }
      case "getRetention": {
        const r = this.retentions.get(id);
        return r ? send(200, r, {}, operationId) : error(404, `retention ${id} not found`, operationId);
      }
      case "updateRetention": {
        if (!this.retentions.has(id)) return error(404, `retention ${id} not found`, operationId);
        const cronProblem = harborCronCheck(b.trigger?.settings?.cron);
        if (cronProblem) return error(400, cronProblem, operationId);
        this.retentions.set(id, { ...b, id });
        return send(200, undefined, {}, operationId);
      }
      case "deleteRetention": {
        const r = this.retentions.get(id);
        if (!r) return error(404, `retention ${id} not found`, operationId);
        this.retentions.delete(id);
        const project = this.projects.get(Number(r.scope?.ref));
        if (project) delete project.metadata.retention_id;
        return send(200, undefined, {}, operationId);
      }
      // Immutable tag rules of a project.
      case "ListImmuRules":
      case "CreateImmuRule":
      case "UpdateImmuRule":
      case "DeleteImmuRule": {
        const parts = rel.split("/");
        const project = this.findProject(parts[2]);
        if (!project) return error(404, "project not found", operationId);
        const ruleId = Number(parts[4]);
        if (operationId === "ListImmuRules")
          return send(
            200,
            [...this.immutableRules.values()].filter((r) => r.project_id === project.project_id),
            {},
            operationId,
          );
        if (operationId === "CreateImmuRule") {
          const newId = this.nextId++;
          this.immutableRules.set(newId, { ...b, id: newId, project_id: project.project_id });
          return send(
            201,
            undefined,
            { location: `/api/v2.0/projects/${project.project_id}/immutabletagrules/${newId}` },
            operationId,
          );
        }
        const rule = this.immutableRules.get(ruleId);
        if (!rule || rule.project_id !== project.project_id) return error(404, `rule ${ruleId} not found`, operationId);
        if (operationId === "DeleteImmuRule") this.immutableRules.delete(ruleId);
        else this.immutableRules.set(ruleId, { ...b, id: ruleId, project_id: project.project_id });
        return send(200, undefined, {}, operationId);
      }
      // Configurations: answered as `{ value, editable }` items; the OIDC secret is never answered.
      case "getConfigurations":
        return send(
          200,
          Object.fromEntries(
            Object.entries(this.configurations)
              .filter(([k]) => k !== "oidc_client_secret")
              .map(([k, v]) => [k, { value: v, editable: true }]),
          ),
          {},
          operationId,
        );
      case "updateConfigurations":
        Object.assign(this.configurations, b);
        return send(200, undefined, {}, operationId);
      case "GetRobotByID": {
        const r = this.robots.get(id);
        if (!r) return error(404, `robot ${id} not found`, operationId);
        const { secret: _hidden, ...shown } = r;
        return send(200, shown, {}, operationId);
      }
      case "UpdateRobot": {
        const r = this.robots.get(id);
        if (!r) return error(404, `robot ${id} not found`, operationId);
        if (b.name !== r.name || b.level !== r.level)
          return error(400, "cannot change the name or level of a robot", operationId);
        Object.assign(r, {
          description: b.description,
          duration: b.duration,
          disable: b.disable,
          permissions: b.permissions,
          update_time: now,
        });
        return send(200, undefined, {}, operationId);
      }
      case "DeleteRobot":
        if (!this.robots.delete(id)) return error(404, `robot ${id} not found`, operationId);
        return send(200, undefined, {}, operationId);
      // Quotas: one per project; only the hard storage limit changes (Harbor's lib.ValidateQuotaLimit).
      case "listQuotas":
        return send(
          200,
          [...this.quotas.values()].filter(
            (q) =>
              (!url.searchParams.get("reference") || url.searchParams.get("reference") === "project") &&
              (!url.searchParams.get("reference_id") || String(q.ref.id) === url.searchParams.get("reference_id")),
          ),
          {},
          operationId,
        );
      case "getQuota": {
        const q = this.quotas.get(id);
        return q ? send(200, q, {}, operationId) : error(404, `quota ${id} not found`, operationId);
      }
      case "updateQuota": {
        const q = this.quotas.get(id);
        if (!q) return error(404, `quota ${id} not found`, operationId);
        const storage = b.hard?.storage;
        if (Object.keys(b.hard ?? {}).some((k) => k !== "storage"))
          return error(400, "resource not support: only storage", operationId);
        if (typeof storage !== "number") return error(400, "resource storage not found", operationId);
        if (storage <= 0 && storage !== -1)
          return error(400, `invalid non-positive value for quota limit, value=${storage}`, operationId);
        if (storage > 1024 * 1024 ** 4)
          return error(400, `exceeded 1024TB, which is 1125899906842624 Bytes, value=${storage}`, operationId);
        q.hard = { storage };
        q.update_time = now;
        return send(200, undefined, {}, operationId);
      }
      // Webhook policies of a project (Harbor's validateEventTypes/validateTargets, unique names).
      case "ListWebhookPoliciesOfProject":
      case "CreateWebhookPolicyOfProject":
      case "GetWebhookPolicyOfProject":
      case "UpdateWebhookPolicyOfProject":
      case "DeleteWebhookPolicyOfProject": {
        const parts = rel.split("/");
        const project = this.findProject(parts[2]);
        if (!project) return error(404, "project not found", operationId);
        const ofProject = [...this.webhooks.values()].filter((w) => w.project_id === project.project_id);
        if (operationId === "ListWebhookPoliciesOfProject") {
          const q = url.searchParams.get("q") ?? "";
          const name = q.startsWith("name=") ? q.slice(5) : undefined;
          return send(
            200,
            ofProject.filter((w) => name === undefined || w.name === name),
            {},
            operationId,
          );
        }
        const policyId = Number(parts[5]);
        const existing = this.webhooks.get(policyId);
        if (operationId !== "CreateWebhookPolicyOfProject" && existing?.project_id !== project.project_id)
          return error(404, `webhook policy ${policyId} not found`, operationId);
        if (operationId === "GetWebhookPolicyOfProject") return send(200, existing, {}, operationId);
        if (operationId === "DeleteWebhookPolicyOfProject") {
          this.webhooks.delete(policyId);
          return send(200, undefined, {}, operationId);
        }
        const problem = webhookProblem(b);
        if (problem) return error(400, problem, operationId);
        if (ofProject.some((w) => w.name === b.name && w.id !== policyId))
          return error(409, `notification policy named ${b.name} already exists`, operationId);
        const targets = (b.targets as Obj[]).map((t) => ({
          ...t,
          payload_format: t.payload_format || (t.type === "http" ? "Default" : undefined),
        }));
        if (operationId === "CreateWebhookPolicyOfProject") {
          const newId = this.nextId++;
          this.webhooks.set(newId, {
            ...b,
            targets,
            id: newId,
            project_id: project.project_id,
            creator: this.username,
            enabled: b.enabled ?? false,
            creation_time: now,
            update_time: now,
          });
          return send(
            201,
            undefined,
            { location: `/api/v2.0/projects/${project.project_id}/webhook/policies/${newId}` },
            operationId,
          );
        }
        this.webhooks.set(policyId, {
          ...existing,
          ...b,
          targets,
          id: policyId,
          project_id: project.project_id,
          update_time: now,
        });
        return send(200, undefined, {}, operationId);
      }
      // Project members (groups onboarded by name and type when unknown, as Harbor's member controller does).
      case "listProjectMembers":
      case "createProjectMember":
      case "getProjectMember":
      case "updateProjectMember":
      case "deleteProjectMember": {
        const parts = rel.split("/");
        const project = this.findProject(parts[2]);
        if (!project) return error(404, "project not found", operationId);
        const entity = (m: Obj) => {
          const g = this.userGroups.get(m.entity_id);
          return {
            id: m.id,
            project_id: m.project_id,
            entity_name: g?.group_name ?? "",
            entity_id: m.entity_id,
            entity_type: "g",
            role_id: m.role_id,
            role_name: ["", "projectAdmin", "developer", "guest", "maintainer", "limitedGuest"][m.role_id] ?? "",
          };
        };
        const ofProject = [...this.members.values()].filter((m) => m.project_id === project.project_id);
        if (operationId === "listProjectMembers") {
          const name = url.searchParams.get("entityname");
          return send(
            200,
            ofProject.map(entity).filter((m) => !name || m.entity_name.includes(name)),
            {},
            operationId,
          );
        }
        if (operationId === "createProjectMember") {
          const g = b.member_group ?? {};
          if (!g.group_name || ![1, 2, 3].includes(g.group_type))
            return error(400, "a group member needs group_name and group_type", operationId);
          if (![1, 2, 3, 4, 5].includes(b.role_id)) return error(400, `invalid role ${b.role_id}`, operationId);
          let group = [...this.userGroups.values()].find(
            (u) => u.group_name === g.group_name && u.group_type === g.group_type,
          );
          if (!group) {
            group = {
              id: this.nextId++,
              group_name: g.group_name,
              group_type: g.group_type,
              ldap_group_dn: g.ldap_group_dn ?? "",
            };
            this.userGroups.set(group.id, group);
          }
          if (ofProject.some((m) => m.entity_id === group!.id))
            return error(409, "The project member specified already exist", operationId);
          const newId = this.nextId++;
          this.members.set(newId, {
            id: newId,
            project_id: project.project_id,
            entity_id: group.id,
            role_id: b.role_id,
          });
          return send(
            201,
            undefined,
            { location: `/api/v2.0/projects/${project.project_id}/members/${newId}` },
            operationId,
          );
        }
        const member = this.members.get(Number(parts[4]));
        if (!member || member.project_id !== project.project_id)
          return error(404, `member ${parts[4]} not found`, operationId);
        if (operationId === "getProjectMember") return send(200, entity(member), {}, operationId);
        if (operationId === "deleteProjectMember") {
          this.members.delete(member.id);
          return send(200, undefined, {}, operationId);
        }
        if (![1, 2, 3, 4, 5].includes(b.role_id)) return error(400, `invalid role ${b.role_id}`, operationId);
        member.role_id = b.role_id;
        return send(200, undefined, {}, operationId);
      }
      case "getUserGroup": {
        const g = this.userGroups.get(id);
        return g ? send(200, g, {}, operationId) : error(404, `group ${id} not found`, operationId);
      }
      default:
        this.violations.push(`${method} ${pathWithQuery}: operation ${operationId} is valid but not faked`);
        return error(500, `fake Harbor does not implement ${operationId}`, operationId);
    }
  }

  /** As Harbor answers a schedule: GC and purge as `GCHistory`/`ExecHistory` (parameters as a JSON string). */
  private scheduleAnswer(stored: Obj | undefined, history: boolean): Obj {
    if (!stored) return {};
    const base = { creation_time: stored.creation_time, update_time: stored.update_time, schedule: stored.schedule };
    return history
      ? {
          ...base,
          id: 1,
          job_name: "SCHEDULE",
          job_kind: "SCHEDULE",
          job_parameters: JSON.stringify(stored.parameters),
        }
      : { ...base, id: 1, status: "Scheduled" };
  }

  /** Answers a fault as the wire would carry it; not validated against the document (not Harbor's answer). */
  private answerFault(req: http.IncomingMessage, res: http.ServerResponse, f: Fault): void {
    if (f.status === 0) {
      req.socket.destroy();
      return;
    }
    let text =
      f.body ??
      (f.status >= 502 && f.status <= 504
        ? `<html>${f.status} Bad Gateway</html>`
        : JSON.stringify({ errors: [{ code: "UNKNOWN", message: f.message ?? "injected fault" }] }));
    if (f.echoAuthorization) text += ` (request had Authorization: ${req.headers.authorization})`;
    const headers = {
      "content-type": f.body !== undefined && !f.body.startsWith("{") ? "text/html" : "application/json",
      ...(f.headers ?? {}),
    };
    if (f.bodyFault) {
      res.writeHead(f.status, { ...headers, "content-length": String(Buffer.byteLength(text) + 100) });
      res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      // A stall never ends (the client's timeout must); a reset cuts the connection mid-body.
      if (f.bodyFault === "reset") setTimeout(() => req.socket.destroy(), 10);
      return;
    }
    res.writeHead(f.status, headers);
    res.end(text);
  }

  private findProject(nameOrId: string): Obj | undefined {
    if (/^\d+$/.test(nameOrId)) return this.projects.get(Number(nameOrId));
    return [...this.projects.values()].find((p) => p.name === nameOrId);
  }

  private policyProblem(b: Obj): string | undefined {
    const src = b.src_registry?.id ?? 0;
    const dest = b.dest_registry?.id ?? 0;
    if ((src === 0) === (dest === 0)) return "exactly one of src_registry and dest_registry must be a remote registry";
    if (src && !this.registries.has(src)) return `registry ${src} not found`;
    if (dest && !this.registries.has(dest)) return `registry ${dest} not found`;
    if (b.trigger?.type === "event_based" && src)
      return "the event based trigger is only supported by push replication";
    return undefined;
  }

  /** As Harbor answers a policy: full registry objects, this Harbor as the `Local` registry with id 0. */
  private expandPolicy(p: Obj): Obj {
    const local = {
      id: 0,
      name: "Local",
      type: "harbor",
      url: "http://harbor-core:80",
      insecure: true,
      status: "healthy",
      creation_time: p.creation_time,
      update_time: p.update_time,
    };
    const reg = (id: number | undefined) => (id ? maskRegistry(this.registries.get(id) ?? { id }) : local);
    return { ...p, src_registry: reg(p.src_registry?.id), dest_registry: reg(p.dest_registry?.id) };
  }

  private checkResponse(operationId: string, method: string, path: string, status: number, payload: unknown): void {
    const op = this.api.getOperation(operationId);
    const declared = Object.keys((op as any)?.responses ?? {});
    if (
      !declared.includes(String(status)) &&
      !declared.includes("default") &&
      !(UNDECLARED_BUT_REAL[operationId] ?? []).includes(status)
    ) {
      this.violations.push(
        `response ${status} to ${method} ${path} (${operationId}) is not declared (declared: ${declared.join(", ")})`,
      );
      return;
    }
    if (payload === undefined) return;
    const v = this.api.validateResponse(payload, operationId, status);
    if (!v.valid) v.errors = (v.errors ?? []).filter((e) => !isFreeFormParameter(e));
    if (!v.valid && (v.errors ?? []).length > 0)
      this.violations.push(
        `response ${status} to ${method} ${path} (${operationId}) does not match the document: ${JSON.stringify(v.errors)}`,
      );
  }
}

/**
 * Harbor's own cron check (utils.ValidateCronString: robfig/cron v3 with seconds, first field `0`), as
 * Harbor's handlers answer 400 for a bad cron. The fake uses the product's validator: its tests in
 * test/harborOps.spec.ts check that validator against crons Harbor accepts and refuses.
 */
function harborCronCheck(cron: unknown): string | undefined {
  return typeof cron === "string" ? harborCronProblem(cron) : "the cron is missing";
}

/**
 * Harbor's document types the values of `Schedule.parameters` and `RetentionRule.params` as objects
 * (`additionalProperties: {type: object}`), while Harbor's server reads them as free-form
 * (`map[string]interface{}`) and its own portal sends numbers and booleans (`workers: 1`,
 * `delete_untagged: true`, `latestPushedK: 10`). Only that type error, only under those two keys, is
 * not a violation.
 */
function isFreeFormParameter(e: { instancePath?: string; keyword?: string; params?: { type?: string } }): boolean {
  return (
    e.keyword === "type" &&
    e.params?.type === "object" &&
    /^(\/requestBody)?(\/rules\/\d+)?\/(parameters|params)\/[^/]+$/.test(e.instancePath ?? "")
  );
}

/** Harbor 2.15.2's webhook checks (handler/webhook.go validateEventTypes, validateTargets). */
const WEBHOOK_EVENTS = [
  "PUSH_ARTIFACT",
  "PULL_ARTIFACT",
  "DELETE_ARTIFACT",
  "QUOTA_EXCEED",
  "QUOTA_WARNING",
  "SCANNING_FAILED",
  "SCANNING_STOPPED",
  "SCANNING_COMPLETED",
  "REPLICATION",
  "TAG_RETENTION",
];
function webhookProblem(b: Obj): string | undefined {
  if (!Array.isArray(b.event_types) || b.event_types.length === 0) return "empty event type";
  const bad = b.event_types.find((e: string) => !WEBHOOK_EVENTS.includes(e));
  if (bad) return `unsupported event type ${bad}`;
  if (!Array.isArray(b.targets) || b.targets.length === 0) return `empty notification target with policy ${b.name}`;
  for (const t of b.targets as Obj[]) {
    if (!/^https?:\/\/[^/]/.test(t.address ?? "")) return `invalid address ${t.address}`;
    if (!["http", "slack"].includes(t.type)) return `unsupported target type ${t.type} with policy ${b.name}`;
    if (t.payload_format && t.type === "slack") return "set payload format is not allowed for slack";
    if (t.payload_format && !["Default", "CloudEvents"].includes(t.payload_format))
      return `unsupported payload format type: ${t.payload_format}`;
  }
  return undefined;
}

/** Harbor never answers a registry's secret. */
function maskRegistry(r: Obj): Obj {
  return r.credential ? { ...r, credential: { ...r.credential, access_secret: "*****" } } : { ...r };
}

/** `q=name=foo` (exact) or `name=foo`. */
function matchesQuery(name: string, params: URLSearchParams): boolean {
  const q = params.get("q");
  if (q?.startsWith("name=")) return name === q.slice(5);
  const n = params.get("name");
  return !n || name === n;
}

export async function startFakeHarbor(options: FakeHarborOptions = {}): Promise<FakeHarbor> {
  return new FakeHarbor(await loadHarborApi(), options).start();
}
