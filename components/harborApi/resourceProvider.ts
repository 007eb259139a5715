/**
 * One dynamic provider for every Harbor object harbor-ha manages. Each object is a typed
 * {@link HarborResourceDefinition} (paths, body mapping, natural key, secret inputs, what a read
 * compares); {@link makeHarborProvider} turns it into create/read/diff/update/delete with the same
 * semantics everywhere:
 *
 * - create first looks the object up by its natural key: an object already in Harbor is never
 *   silently taken over; the error says how to import it.
 * - a create whose answer is lost (502/504, timeout, reset: Harbor may have created it) is not
 *   retried: the object is looked up by its natural key and adopted when found (it did not exist a
 *   moment before), otherwise the error says it was not created.
 * - a 201 without `Location` is resolved by the natural key, or fails clearly.
 * - read checks the shape of Harbor's answer: a wrong-shaped body is an error, never an empty spec.
 * - only Harbor's own JSON 404 means "gone" (the client's `find`/`remove`).
 * - settings Harbor keeps on an object it makes itself (a project's quota) are found by their natural
 *   key and written; delete puts Harbor's default back ({@link HarborResourceDefinition.ofExisting}).
 *
 * Pulumi serializes a provider's methods with what they capture: the definition object (pure
 * functions), the client class and the helpers below; nothing here may capture live resources.
 */
import type { HarborClient, HarborClientOptions } from "./client";
import { HarborApiError, isHarborNotFound } from "./client";
import { clientFor, Connected, diffSpec, withoutProvider } from "./providerSupport";

/** The state of every harbor-ha API resource: where to call, and what Harbor stores (`spec`). */
export interface HarborResourceState<Spec extends object = Record<string, unknown>> extends Connected {
  spec: Spec;
}

/** One HTTP call a definition asks for (path relative to `/api/v2.0`). */
export interface HarborCall {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  body?: unknown;
}

/** How one Harbor object maps onto the API. `S` is the resource's inputs (connection, spec, extra inputs). */
export interface HarborResourceDefinition<S extends HarborResourceState<object>> {
  /** What it is, for messages: `registry endpoint`. */
  kind: string;
  /** The dynamic resource type, `pulumi-nodejs:dynamic/harbor:<type>`. */
  type: string;
  /**
   * Settings Harbor always has exactly one of (GC schedule, OIDC): the fixed resource id; create and
   * update write them, delete puts back {@link resetCall}. Default: none (an object with an id).
   */
  singletonId?: string;
  /**
   * Settings of an object Harbor creates itself (a project's quota, made with the project): create finds
   * it by the natural key and writes it with {@link updateCalls} (never a POST); delete puts back
   * {@link resetCall}; an object already gone (Harbor's JSON 404) counts as deleted. Default: false.
   */
  ofExisting?: boolean;
  /** Path of the object (`/registries/7`). */
  path(id: string, s: S): string;
  /**
   * The create call. Collections: `POST`, id from `Location`, {@link idFromAnswer} or the natural key.
   * Required, except for {@link ofExisting} settings, which never create (they are written as an update).
   */
  createCall?(s: S): HarborCall;
  /** The update calls, in order. */
  updateCalls(id: string, news: S, olds: S & Record<string, unknown>): HarborCall[];
  /** Singletons and {@link ofExisting} settings: the call that puts Harbor's default back on delete. */
  resetCall?(s: S, id: string): HarborCall;
  /** Singletons: whether Harbor's current answer already holds one (then create updates instead). */
  singletonExists?(api: never): boolean;
  /** Reads the object when Harbor has no GET by id (answer undefined: gone). Default: `find(path(id))`. */
  get?(client: HarborClient, id: string, s: S): Promise<unknown>;
  /** The delete call. Default: `DELETE path(id)`. */
  deleteCall?(id: string, s: S): HarborCall;
  /** What is wrong with the shape of a GET answer, or undefined. */
  shapeProblem(api: unknown): string | undefined;
  /** The spec of a (shape-checked) answer. */
  specFromApi(api: never, s: S): S["spec"];
  /** The spec in canonical order (sorted lists), so reordering is not drift. Default: as is. */
  normalize?(spec: S["spec"]): S["spec"];
  /** Spec keys whose change replaces the object. */
  replaceKeys: readonly string[];
  /** Inputs besides `spec` that Harbor never answers (secrets): kept from state on read, compared by diff. */
  keptInputs?: readonly string[];
  /** Outputs set at create (robot secret): kept from state on read and update. */
  keptOutputs?: readonly string[];
  /** The natural key: how to find the object without its id. Singletons have none. */
  naturalKey?: {
    /** The key for messages: `"dr"`. */
    label(s: S): string;
    /** A GET answering a list that holds the object if it exists. */
    listPath(s: S): string;
    /** Finds the id another way than a list (a project's retention policy). Default: the list. */
    find?(client: HarborClient, s: S): Promise<string | undefined>;
    /** Whether a listed object is this one. */
    matches(api: never, s: S): boolean;
    /** The id of a listed object. */
    idOf(api: never): number | string | undefined;
  };
  /** The id in a create's answer body (robots answer one). Default: none (Location or natural key). */
  idFromAnswer?(answer: unknown): string | undefined;
  /** Outputs from a create's answer; throws when the answer lacks them. Default: none. */
  createdOutputs?(answer: unknown, s: S): Record<string, unknown>;
  /**
   * Outputs when an object found after an ambiguous create is adopted (a robot gets a fresh secret, its
   * first one was lost with the answer). Default: none needed.
   */
  adopt?(client: HarborClient, id: string, s: S): Promise<Record<string, unknown>>;
  /** Read-only outputs from an answer (a health verdict). Default: none. */
  readOutputs?(api: never): Record<string, unknown>;
}

/** What every message about an object starts with: `registry endpoint "dr"`. */
function describeObject<S extends HarborResourceState<object>>(def: HarborResourceDefinition<S>, s: S): string {
  return def.naturalKey ? `${def.kind} "${def.naturalKey.label(s)}"` : def.kind;
}

/** The object Harbor holds under the natural key, if any. */
async function findByNaturalKey<S extends HarborResourceState<object>>(
  def: HarborResourceDefinition<S>,
  client: HarborClient,
  s: S,
): Promise<string | undefined> {
  const key = def.naturalKey;
  if (!key) return undefined;
  if (key.find) return key.find(client, s);
  const path = key.listPath(s);
  const list = await client.get<unknown>(path);
  if (!Array.isArray(list))
    throw new HarborApiError("GET", path, 200, `expected a JSON list, got ${typeof list}`, 1, {
      cause: "shape",
    });
  const found = list.find((o) => o && typeof o === "object" && key.matches(o as never, s));
  const id = found === undefined ? undefined : key.idOf(found as never);
  return id === undefined ? undefined : String(id);
}

/** A definition's create call (a definition without one is a programming error, said plainly). */
function createCallOf<S extends HarborResourceState<object>>(def: HarborResourceDefinition<S>, s: S): HarborCall {
  if (!def.createCall) throw new Error(`harbor-ha: the ${def.kind} definition has no create call`);
  return def.createCall(s);
}

/** The message for an object that exists in Harbor but not in the stack. */
function importHint(kind: string, type: string, id: string): string {
  return (
    `it already exists in Harbor (id ${id}) but is not in this stack. Import it: give this resource the ` +
    `option import: "${id}" for one \`pulumi up\` (a stack transform can add it; \`pulumi import\` cannot load ` +
    `harbor-ha's dynamic provider, type pulumi-nodejs:dynamic/harbor:${type}), or delete the ${kind} in Harbor`
  );
}

/** A provider for one definition; `clientOptions` is for tests (short retries). */
export function makeHarborProvider<S extends HarborResourceState<object>>(
  def: HarborResourceDefinition<S>,
  clientOptions: HarborClientOptions = {},
) {
  const normalized = (i: S): S => {
    const clean = withoutProvider(i);
    return { ...clean, spec: def.normalize ? def.normalize(clean.spec) : clean.spec };
  };
  const kept = (from: Record<string, unknown>, keys: readonly string[] | undefined) =>
    Object.fromEntries((keys ?? []).filter((k) => from[k] !== undefined).map((k) => [k, from[k]]));

  return {
    async create(inputs: S) {
      const s = normalized(inputs);
      const client = clientFor(s, clientOptions);
      const what = describeObject(def, s);
      if (def.singletonId !== undefined) {
        const current = def.singletonExists ? await client.get<unknown>(def.path(def.singletonId, s)) : undefined;
        const calls =
          current !== undefined && def.singletonExists!(current as never)
            ? def.updateCalls(def.singletonId, s, s as S & Record<string, unknown>)
            : [createCallOf(def, s)];
        for (const c of calls) await client.request(c.method, c.path, c.body);
        return { id: def.singletonId, outs: s };
      }
      if (def.ofExisting) {
        const id = await findByNaturalKey(def, client, s);
        if (id === undefined)
          throw new Error(
            `Cannot set ${what}: Harbor has none to set (it makes one with its owner); check that the owner exists`,
          );
        for (const c of def.updateCalls(id, s, s as S & Record<string, unknown>))
          await client.request(c.method, c.path, c.body);
        return { id, outs: s };
      }
      const call = createCallOf(def, s);
      const existing = await findByNaturalKey(def, client, s);
      if (existing !== undefined) throw new Error(`Cannot create ${what}: ${importHint(def.kind, def.type, existing)}`);
      let answer: { body: unknown; location?: string };
      try {
        answer = await client.request(call.method, call.path, call.body);
      } catch (e) {
        if (!(e instanceof HarborApiError) || !e.ambiguous || !def.naturalKey) throw e;
        // Harbor may have created it before the answer was lost: look before anyone retries.
        const adopted = await findByNaturalKey(def, client, s);
        if (adopted === undefined)
          throw new Error(
            `${e.message}. ${what} was not created (looked up by its name afterwards: not in Harbor); \`pulumi up\` again is safe`,
            { cause: e },
          );
        const extra = def.adopt ? await def.adopt(client, adopted, s) : {};
        return { id: adopted, outs: { ...s, ...extra } };
      }
      let id = def.idFromAnswer?.(answer.body) ?? idFromLocationHeader(answer.location);
      if (id === undefined) {
        id = await findByNaturalKey(def, client, s);
        if (id === undefined)
          throw new Error(
            `Harbor answered ${call.method} /api/v2.0${call.path} for ${what} without a Location header, and no ` +
              `${def.kind} with that name can be found afterwards: check Harbor's logs; if it exists, import it`,
          );
      }
      const extra = def.createdOutputs ? def.createdOutputs(answer.body, s) : {};
      return { id, outs: { ...s, ...extra } };
    },

    async read(id: string, props: S & Record<string, unknown>) {
      const client = clientFor(props, clientOptions);
      const path = def.path(id, props);
      const api = def.get ? await def.get(client, id, props) : await client.find<unknown>(path);
      if (api === undefined) return {}; // Harbor's own 404: deleted outside Pulumi, refresh drops it
      const problem = def.shapeProblem(api);
      if (problem)
        throw new HarborApiError("GET", path, 200, `the answer is not a ${def.kind}: ${problem}`, 1, {
          cause: "shape",
        });
      const spec = def.specFromApi(api as never, props);
      const state = {
        connection: props.connection,
        password: props.password,
        spec: def.normalize ? def.normalize(spec) : spec,
        ...kept(props, def.keptInputs),
        ...kept(props, def.keptOutputs),
        ...(def.readOutputs ? def.readOutputs(api as never) : {}),
      };
      return { id, props: state };
    },

    async diff(_id: string, olds: S & Record<string, unknown>, news: S) {
      const d = diffSpec(olds as never, normalized(news) as never, def.replaceKeys, def.keptInputs ?? []);
      // A replacement has the new name, so it can exist beside the old object until that is deleted.
      return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
    },

    async update(id: string, olds: S & Record<string, unknown>, news: S) {
      const s = normalized(news);
      const client = clientFor(s, clientOptions);
      for (const call of def.updateCalls(id, s, olds)) await client.request(call.method, call.path, call.body);
      return { outs: { ...s, ...kept(olds, def.keptOutputs) } };
    },

    async delete(id: string, props: S) {
      const client = clientFor(props, clientOptions);
      if (def.singletonId !== undefined || def.ofExisting) {
        if (!def.resetCall) return;
        const reset = def.resetCall(props, id);
        try {
          await client.request(reset.method, reset.path, reset.body);
        } catch (e) {
          // The owner is gone (a project deleted with its quota): nothing left to put back.
          if (!(def.ofExisting && isHarborNotFound(e))) throw e;
        }
        return;
      }
      const call = def.deleteCall
        ? def.deleteCall(id, props)
        : { method: "DELETE" as const, path: def.path(id, props) };
      if (call.method === "DELETE") await client.remove(call.path);
      else await client.request(call.method, call.path, call.body);
    },
  };
}

/** The id at the end of a `Location` header (`/api/v2.0/registries/7` -> "7"). */
function idFromLocationHeader(location: string | undefined): string | undefined {
  const m = location?.match(/\/(\d+)\/?$/);
  return m ? m[1] : undefined;
}

/** Shape checks shared by definitions: `null` when `api` is an object with `keys` of the right types. */
export function objectShapeProblem(api: unknown, keys: Record<string, "string" | "number" | "boolean" | "object">) {
  if (api === null || typeof api !== "object" || Array.isArray(api))
    return `expected a JSON object, got ${Array.isArray(api) ? "a list" : typeof api}`;
  const o = api as Record<string, unknown>;
  for (const [k, t] of Object.entries(keys)) {
    if (o[k] === undefined || o[k] === null) return `"${k}" is missing`;
    if (typeof o[k] !== t) return `"${k}" is a ${typeof o[k]}, expected a ${t}`;
  }
  return undefined;
}
