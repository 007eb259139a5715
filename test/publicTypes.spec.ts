/**
 * Every type a team needs to write a component's Args is importable from "harbor-ha": walks the public
 * API (components/index.ts) with the TypeScript checker, from each exported class's constructor Args and
 * each exported interface/type, through every property, union member and type argument, and lists each
 * named type declared in harbor-ha's sources that the entry point does not export.
 */
import { strict as assert } from "assert";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..");

function unexportedArgTypes(): string[] {
  const entry = path.join(ROOT, "components", "index.ts");
  const program = ts.createProgram([entry], { strict: true, skipLibCheck: true, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const resolve = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const exported = new Set(checker.getExportsOfModule(moduleSymbol).map(resolve));
  const ours = (d: ts.Declaration) => {
    const f = d.getSourceFile().fileName;
    return f.startsWith(path.join(ROOT, "components")) && !f.includes("node_modules");
  };
  const missing = new Map<string, string>();
  const seen = new Set<ts.Type>();

  const visitType = (t: ts.Type, via: string, depth: number): void => {
    if (seen.has(t) || depth > 8) return;
    seen.add(t);
    const named = t.aliasSymbol ?? t.getSymbol();
    if (named && named.declarations?.some(ours)) {
      const decl = named.declarations.find(ours)!;
      const isNamedDecl =
        ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl) || ts.isEnumDeclaration(decl);
      if (isNamedDecl && !exported.has(named) && !missing.has(named.name)) missing.set(named.name, via);
    }
    for (const a of t.aliasTypeArguments ?? []) visitType(a, via, depth + 1);
    if (t.isUnionOrIntersection()) for (const m of t.types) visitType(m, via, depth + 1);
    if ((t as ts.TypeReference).typeArguments)
      for (const a of checker.getTypeArguments(t as ts.TypeReference)) visitType(a, via, depth + 1);
    if (
      t.flags & ts.TypeFlags.Object &&
      !(t.getSymbol()?.declarations ?? []).every((d) => !ours(d) && d.getSourceFile().isDeclarationFile)
    )
      for (const p of checker.getPropertiesOfType(t)) {
        const decl = p.valueDeclaration ?? p.declarations?.[0];
        if (!decl || !ours(decl)) continue;
        visitType(checker.getTypeOfSymbolAtLocation(p, decl), `${via}.${p.name}`, depth + 1);
      }
  };

  for (const s of exported) {
    const decl = s.declarations?.[0];
    if (!decl || !ours(decl)) continue;
    if (ts.isClassDeclaration(decl)) {
      const ctor = decl.members.find(ts.isConstructorDeclaration);
      const args = ctor?.parameters[1];
      if (args) visitType(checker.getTypeAtLocation(args), `${s.name}(args)`, 0);
    } else if (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl)) {
      visitType(checker.getDeclaredTypeOfSymbol(s), s.name, 0);
    }
  }
  return [...missing].map(([name, via]) => `${name} (reached through ${via})`).sort();
}

describe("public API: every Args type is exported", function () {
  this.timeout(120_000);
  it("no named type reachable from an exported component's Args is missing from harbor-ha's exports", () => {
    assert.deepEqual(unexportedArgTypes(), []);
  });
});
