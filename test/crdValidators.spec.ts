import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import { kubernetesObject, readStackConfig, runStack } from "../engine";
import { CRD_AJV_OPTIONS, CRD_CODE_CACHE_SUFFIX } from "../engine/schemas";
import { precompileCrdValidators, withoutDescriptions } from "../engine/precompileCrdValidators";
import { loadWithCodeCache } from "../engine/codeCache";

const CRDS = path.join(__dirname, "..", "engine", "crds");
const errorsOf = (v: ValidateFunction, obj: unknown) => {
  v(obj);
  return (v.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${e.message}`).sort();
};

/**
 * A copy of `obj` whose first object at least two levels below `spec` gets an unknown key and its first
 * string a number; undefined when `spec` nests no object that deep.
 */
function brokenDeep(obj: Record<string, unknown>): Record<string, unknown> | undefined {
  const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
  const find = (v: unknown, depth: number): Record<string, unknown> | undefined => {
    if (Array.isArray(v)) {
      for (const e of v) {
        const f = find(e, depth + 1);
        if (f) return f;
      }
    } else if (v && typeof v === "object") {
      if (depth >= 2) return v as Record<string, unknown>;
      for (const e of Object.values(v)) {
        const f = find(e, depth + 1);
        if (f) return f;
      }
    }
    return undefined;
  };
  const target = find(copy.spec, 0);
  if (!target) return undefined;
  target.unknownNestedField = 1;
  const str = Object.keys(target).find((k) => typeof target[k] === "string");
  if (str) target[str] = 42;
  return copy;
}

// The build precompiles CRD validators (ajv standalone code) so that plans skip the schema compile; they
// must judge every object exactly as the runtime-compiled schema does, valid and broken ones alike.
describe("precompiled CRD validators", function () {
  this.timeout(120_000);
  let out: string;
  before(() => {
    // Inside the checkout: the generated code requires ajv's runtime modules, as dist/engine/crds does.
    const cache = path.join(__dirname, "..", "node_modules", ".cache");
    fs.mkdirSync(cache, { recursive: true });
    out = fs.mkdtempSync(path.join(cache, "harbor-ha-crds-"));
    precompileCrdValidators(CRDS, out);
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it("writes one validator per CRD schema and agrees with ajv on the prod plan's objects, intact and broken", async () => {
    const schemas = fs.readdirSync(CRDS).filter((f) => f.endsWith(".json"));
    assert.deepEqual(
      fs
        .readdirSync(out)
        .filter((f) => f.endsWith(".validate.js"))
        .sort(),
      schemas.map((f) => f.replace(/\.json$/, ".validate.js")).sort(),
    );
    const graph = await runStack("prod", { configInput: readStackConfig("prod") });
    let compared = 0;
    let comparedDeep = 0;
    for (const r of graph.resources) {
      const obj = kubernetesObject(r);
      if (!obj) continue;
      const key = `${String(obj.apiVersion).replace("/", "_")}_${obj.kind}`;
      if (!schemas.includes(`${key}.json`)) continue;
      const runtime = new Ajv(CRD_AJV_OPTIONS).compile(
        JSON.parse(fs.readFileSync(path.join(CRDS, `${key}.json`), "utf8")),
      );
      // Loaded as the plan loads it: with the code cache the build wrote (V8 takes it in the process that wrote it).
      const file = path.join(out, `${key}.validate.js`);
      const loaded = loadWithCodeCache(file, file.replace(/\.js$/, CRD_CODE_CACHE_SUFFIX));
      assert.ok(loaded.cacheUsed, `${key}: V8 used the code cache`);
      const precompiled = (loaded.exports as { default: ValidateFunction }).default;
      assert.deepEqual(errorsOf(precompiled, obj), [], `${key} ${r.name} is valid`);
      assert.deepEqual(errorsOf(runtime, obj), []);
      const broken = { ...obj, spec: { ...obj.spec, unknownField: 1, [Object.keys(obj.spec ?? {})[0] ?? "x"]: 42 } };
      const expected = errorsOf(runtime, broken);
      assert.ok(expected.length > 0, `${key}: the broken object is invalid`);
      assert.deepEqual(errorsOf(precompiled, broken), expected, `${key}: same errors as the runtime schema`);
      // Deeper down, where the precompiled validator calls the function of a nested object's definition.
      const deep = brokenDeep(obj);
      if (deep) {
        const deepExpected = errorsOf(runtime, deep);
        assert.ok(deepExpected.length > 0, `${key}: the deeply broken object is invalid`);
        assert.deepEqual(errorsOf(precompiled, deep), deepExpected, `${key}: same errors deep down`);
        comparedDeep++;
      }
      compared++;
    }
    assert.ok(compared >= 5, `compared ${compared} custom resources of the prod plan`);
    assert.ok(comparedDeep >= 3, `compared ${comparedDeep} deeply broken custom resources`);
  });
});

describe("withoutDescriptions (what the precompiled validators are compiled from)", () => {
  it("drops description annotations only: a property named description and data values keep theirs", () => {
    const schema = {
      type: "object",
      description: "an object",
      required: ["description"],
      properties: {
        description: { type: "string", description: "the field called description" },
        mode: { enum: [{ description: "x" }], default: { description: "y" } },
      },
      items: [{ description: "tuple item", type: "integer" }],
    };
    assert.deepEqual(withoutDescriptions(schema), {
      type: "object",
      required: ["description"],
      properties: {
        description: { type: "string" },
        mode: { enum: [{ description: "x" }], default: { description: "y" } },
      },
      items: [{ type: "integer" }],
    });
  });
});
