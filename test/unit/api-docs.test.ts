/**
 * The project's rule for the public API: a doc comment with an example on every export. Every name
 * the six entry points of package.json's `exports` give users (re-exports followed to the
 * declaration) must carry a JSDoc comment with text and an `@example` tag: the API reference
 * (`npm run docs`, TypeDoc) is made from these comments, and TypeDoc checks the members.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The entry points, read from package.json (its `oidc-kit-source` condition names the source). */
function entryPoints(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
  return Object.values(manifest.exports)
    .flatMap((target) => (typeof target === 'string' ? [] : [target['oidc-kit-source']]))
    .filter((source): source is string => source !== undefined)
    .map((source) => path.join(ROOT, source));
}

/** A program on the entry points alone, with the project's compiler options (module resolution, conditions). */
function program(files: string[]): ts.Program {
  const configPath = path.join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, configPath);
  return ts.createProgram({ rootNames: files, options: parsed.options });
}

/** The JSDoc blocks of a declaration (for a variable, those of its statement). */
function jsDocs(declaration: ts.Declaration): ts.JSDoc[] {
  return ts.getJSDocCommentsAndTags(declaration).filter((node): node is ts.JSDoc => ts.isJSDoc(node));
}

/** What is wrong with the documentation of an exported symbol (resolved past aliases), or nothing. */
function problems(symbol: ts.Symbol): string[] {
  const docs = (symbol.declarations ?? []).flatMap(jsDocs);
  const text = docs.map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '').join('').trim();
  const examples = docs.flatMap((doc) => doc.tags ?? []).filter((tag) => tag.tagName.text === 'example' && (ts.getTextOfJSDocComment(tag.comment) ?? '').trim() !== '');
  const found: string[] = [];
  if (text === '') found.push('no doc comment');
  if (examples.length === 0) found.push('no @example');
  // Examples are shown to users as code: the project writes them in ```ts fences.
  else if (!examples.some((tag) => (ts.getTextOfJSDocComment(tag.comment) ?? '').includes('```ts'))) found.push('@example has no ```ts block');
  return found;
}

/**
 * The names checked and every offender as `name (file:line): problem`, each declaration once (the
 * adapters share most of their exports).
 */
function checkExports(): { checked: string[]; offenders: string[] } {
  const files = entryPoints();
  const built = program(files);
  const checker = built.getTypeChecker();
  const seen = new Set<ts.Symbol>();
  const checked: string[] = [];
  const offenders: string[] = [];
  for (const file of files) {
    const source = checker.getSymbolAtLocation(built.getSourceFile(file)!);
    assert.ok(source, `${path.relative(ROOT, file)} is a module`);
    for (const exported of checker.getExportsOfModule(source)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (seen.has(symbol)) continue;
      seen.add(symbol);
      checked.push(exported.name);
      const declaration = symbol.declarations?.[0];
      assert.ok(declaration, `${exported.name} has a declaration`);
      const sourceFile = declaration.getSourceFile();
      const line = sourceFile.getLineAndCharacterOfPosition(declaration.getStart()).line + 1;
      for (const problem of problems(symbol)) offenders.push(`${exported.name} (${path.relative(ROOT, sourceFile.fileName)}:${line}): ${problem}`);
    }
  }
  return { checked, offenders };
}

test('every public export has a doc comment with an @example', () => {
  const { checked, offenders } = checkExports();
  // A sanity check on the check itself: it saw the entry points' exports (a wrong path would see none).
  for (const name of ['OidcCore', 'OpenIDConnect', 'respond', 'claimIncludes', 'createRedisStore', 'RedisStore']) assert.ok(checked.includes(name), `${name} was checked`);
  if (offenders.length > 0) assert.fail(`Public exports break the rule (${offenders.length}):\n${offenders.join('\n')}`);
});
