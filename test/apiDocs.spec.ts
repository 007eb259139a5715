/**
 * The public API reference is the JSDoc of what `harbor-ha` exports (rendered by `npm run docs`, TypeDoc).
 * This keeps it from going stale: every exported component is documented, and every field of its Args
 * (and of the Args types they nest) has a doc comment; optional fields state their default.
 */
import { strict as assert } from "assert";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..");
const ENTRY = path.join(ROOT, "components", "index.ts");

function isOurs(decl: ts.Declaration): boolean {
  const f = decl.getSourceFile().fileName;
  return f.startsWith(path.join(ROOT, "components")) && !f.includes("node_modules");
}

describe("public API reference", function () {
  this.timeout(180_000);
  let checker: ts.TypeChecker;
  let exports: ts.Symbol[];
  let program: ts.Program;

  before(() => {
    program = ts.createProgram([ENTRY], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      esModuleInterop: true,
      types: [],
    });
    checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)!;
    exports = checker
      .getExportsOfModule(moduleSymbol)
      .map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s));
  });

  function docOf(sym: ts.Symbol): string {
    return ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
  }

  it("exports the components a platform team composes", () => {
    const names = exports.map((s) => s.getName());
    for (const n of ["HarborPlatform"]) assert.ok(names.includes(n), `${n} is exported`);
  });

  it("documents every exported component class and every field of its Args, with defaults", () => {
    const problems: string[] = [];
    const seen = new Set<ts.Symbol>();
    const checkInterface = (owner: string, type: ts.Type) => {
      for (const prop of type.getProperties()) {
        const decl = prop.valueDeclaration ?? prop.declarations?.[0];
        if (!decl || !isOurs(decl)) continue;
        const where = `${owner}.${prop.getName()}`;
        const doc =
          docOf(prop) +
          ts
            .getJSDocTags(decl)
            .map((t) => ` @${t.tagName.text} ${ts.getTextOfJSDocComment(t.comment) ?? ""}`)
            .join("");
        if (!doc) problems.push(`${where} has no doc comment`);
        else if (prop.flags & ts.SymbolFlags.Optional && !/default/i.test(doc))
          problems.push(`${where} is optional but its doc does not state the default`);
        // Nested Args-like types declared in components/ are part of the surface too.
        const propType = checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(prop, decl));
        for (const t of propType.isUnion() ? propType.types : [propType]) {
          const sym = t.aliasSymbol ?? t.getSymbol();
          const d = sym?.declarations?.[0];
          if (sym && d && isOurs(d) && (ts.isInterfaceDeclaration(d) || ts.isTypeLiteralNode(d)) && !seen.has(sym)) {
            seen.add(sym);
            checkInterface(`${owner}.${prop.getName()}`, t);
          }
        }
      }
    };
    let components = 0;
    for (const sym of exports) {
      const decl = sym.valueDeclaration;
      if (!decl || !ts.isClassDeclaration(decl) || !isOurs(decl)) continue;
      // Components carry the static type token policies match on.
      const isComponent = decl.members.some(
        (m) => m.name?.getText() === "__pulumiType" && ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Static,
      );
      if (!isComponent) continue;
      const ctor = decl.members.find(ts.isConstructorDeclaration);
      const argsParam = ctor?.parameters[1];
      if (!argsParam?.type) {
        problems.push(`component ${sym.getName()} has no typed Args parameter`);
        continue;
      }
      components++;
      if (!docOf(sym)) problems.push(`class ${sym.getName()} has no doc comment`);
      const argsType = checker.getNonNullableType(checker.getTypeFromTypeNode(argsParam.type));
      checkInterface(`${sym.getName()}Args`, argsType);
    }
    assert.ok(components >= 1, "found the exported components");
    assert.deepEqual(problems, []);
  });

  it("states each exported default in the JSDoc of the field it belongs to", async () => {
    const components = await import("../components");
    // Each tier's defaults object and the Args-like interface whose fields it fills.
    const pairs: [string, Record<string, unknown>][] = [
      ["HarborPlatformArgs", components.harborPlatformDefaults],
      ["HarborReleaseArgs", components.harborReleaseDefaults],
      ["S3StorageArgs", components.s3StorageDefaults],
      ["NfsStorageArgs", components.nfsStorageDefaults],
      ["FilesystemStorageArgs", components.filesystemStorageDefaults],
      ["CertManagerArgs", components.certManagerDefaults],
      ["HarborCertificatesArgs", components.harborCertificatesDefaults],
      ["NodePoolSpec", components.nodePoolDefaults],
    ];
    const interfaceNamed = (name: string) =>
      program
        .getSourceFiles()
        .filter((f) => f.fileName.startsWith(path.join(ROOT, "components")))
        .flatMap((f) => f.statements.filter(ts.isInterfaceDeclaration))
        .find((d) => d.name.text === name);
    const problems: string[] = [];
    let checked = 0;
    for (const [name, defaults] of pairs) {
      const decl = interfaceNamed(name);
      assert.ok(decl, `interface ${name} is declared in components/`);
      for (const member of decl.members) {
        const key = member.name?.getText();
        if (!key || !(key in defaults)) continue;
        const doc = ts.displayPartsToString(
          checker.getSymbolAtLocation(member.name!)!.getDocumentationComment(checker),
        );
        const stated = doc.slice(Math.max(doc.search(/default/i), 0));
        const value = String(defaults[key]);
        const escaped = value.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
        checked++;
        if (!new RegExp(`(^|[^\\w-])${escaped}([^\\w-]|$)`).test(stated))
          problems.push(`${name}.${key}: the doc says "${stated}", the exported default is ${value}`);
      }
    }
    assert.ok(checked >= 25, `checked ${checked} documented defaults`);
    assert.deepEqual(problems, []);
  });
});
