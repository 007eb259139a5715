import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadWithCodeCache, writeCodeCache, writeStaleCodeCaches } from "../engine/codeCache";

// How the plan loads the build's precompiled CRD validators (engine/codeCache.ts).
describe("loadWithCodeCache", () => {
  let dir: string;
  let file: string;
  let cache: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "harbor-ha-code-cache-"));
    file = path.join(dir, "m.js");
    cache = path.join(dir, "m.cache");
    fs.writeFileSync(file, "module.exports = { twice: (x) => 2 * x, dir: __dirname };");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  type M = { twice(x: number): number; dir: string };

  it("runs the module as CommonJS, with the cache V8 accepts", () => {
    writeCodeCache(file, cache, (m) => (m as M).twice(1));
    const loaded = loadWithCodeCache(file, cache);
    assert.equal(loaded.cacheUsed, true);
    assert.equal((loaded.exports as M).twice(21), 42);
    assert.equal((loaded.exports as M).dir, dir);
  });

  it("compiles the source when there is no cache, or the file is newer than its cache", () => {
    assert.equal(loadWithCodeCache(file, cache).cacheUsed, false);
    writeCodeCache(file, cache, () => undefined);
    // Same length, other code: V8 alone would take the old cache (it checks the source's length only).
    fs.writeFileSync(file, "module.exports = { twice: (x) => 3 * x, dir: __dirname };");
    const later = new Date(fs.statSync(cache).mtimeMs + 2000);
    fs.utimesSync(file, later, later);
    const loaded = loadWithCodeCache(file, cache);
    assert.equal(loaded.cacheUsed, false);
    assert.equal((loaded.exports as M).twice(2), 6);
  });

  it("writes a cache it could not use again, so the next load has one (a package built by another Node)", () => {
    fs.writeFileSync(cache, "not a V8 code cache"); // as V8 rejects one from another version
    const first = loadWithCodeCache(file, cache);
    assert.equal(first.cacheUsed, false);
    writeStaleCodeCaches(); // what the process does at exit
    const second = loadWithCodeCache(file, cache);
    assert.equal(second.cacheUsed, true);
    assert.equal((second.exports as M).twice(21), 42);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith(".tmp")),
      [],
    );
  });
});
