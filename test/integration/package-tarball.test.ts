/**
 * Issue 26, item 1: the package as npm would publish it. `npm pack` on this checkout (its
 * `prepack` builds `dist/`), the tarball installed into a fresh app in a temporary folder beside
 * the frameworks it is used with, then: every subpath export imports, the `oidc-kit` command
 * answers `--help`, a small app typechecks under strict settings against the shipped declarations,
 * every path the exports map names is in the tarball, and the optional peers (oidc-provider for the
 * dev provider, undici for `proxy: 'env'`) are asked for by name when they are needed and missing. Packages come from npm's cache when they
 * are there (`npm ci` put them there), from the registry otherwise.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** What a user of each adapter has installed beside oidc-kit (and the types a TypeScript app has). */
const BESIDE = ['express@5', 'fastify@5', 'hono@4', 'redis@6', '@types/express@5', '@types/node@24'];

/** The exports map of the package.json in `dir`. */
function exportsOf(dir: string): Record<string, string | Record<string, string>> {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> }).exports;
}

describe('the packed tarball in a fresh app', () => {
  let work: string;
  let app: string;
  let installed: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'oidc-kit-pack-'));
    const { stdout } = await run(NPM, ['pack', '--json', '--pack-destination', work], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
    assert.ok(packed !== undefined);
    app = join(work, 'app');
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }, null, 2));
    await run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, packed.filename), ...BESIDE], { cwd: app, maxBuffer: 64 * 1024 * 1024 });
    installed = join(app, 'node_modules', 'oidc-kit');
  });
  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  test('every path the exports map and bin name is in the tarball (the source condition included)', () => {
    const paths: string[] = [];
    for (const target of Object.values(exportsOf(installed))) paths.push(...(typeof target === 'string' ? [target] : Object.values(target)));
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    paths.push(...Object.values(pkg.bin));
    for (const path of paths) assert.ok(existsSync(join(installed, path)), `${path} is shipped`);
    // The declaration and source maps point into src/, which ships too: "go to definition" lands in the source.
    assert.ok(existsSync(join(installed, 'src/index.ts')));
    assert.ok(!existsSync(join(installed, 'test')) && !existsSync(join(installed, 'bench')), 'tests and benchmarks stay home');
  });

  test('every subpath export imports in the fresh app', async () => {
    const subpaths = Object.keys(exportsOf(installed)).filter((path) => path !== './package.json');
    const script = `
      const names = ${JSON.stringify(subpaths.map((path) => path === '.' ? 'oidc-kit' : `oidc-kit/${path.slice(2)}`))};
      const loaded = {};
      for (const name of names) loaded[name] = Object.keys(await import(name)).length;
      console.log(JSON.stringify(loaded));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
    const loaded = JSON.parse(stdout) as Record<string, number>;
    assert.deepEqual(Object.keys(loaded).sort(), ['oidc-kit', 'oidc-kit/express', 'oidc-kit/fastify', 'oidc-kit/fetch', 'oidc-kit/hono', 'oidc-kit/redis']);
    for (const [name, count] of Object.entries(loaded)) assert.ok(count > 0, `${name} exports something`);
  });

  test('the oidc-kit command answers --help', async () => {
    const { stdout } = await run(join(app, 'node_modules', '.bin', 'oidc-kit'), ['--help'], { cwd: app });
    assert.match(stdout, /Usage: oidc-kit/);
  });

  test('oidc-kit dev-provider without oidc-provider installed (an optional peer) says how to install it', async () => {
    const failed = await run(join(app, 'node_modules', '.bin', 'oidc-kit'), ['dev-provider', '--base-url', 'http://localhost:3000', '--port', '0'], { cwd: app })
      .then(() => assert.fail('it needs oidc-provider'), (error: { code: number; stderr: string }) => error);
    assert.equal(failed.code, 1);
    assert.equal(failed.stderr.trim(), 'oidc-kit dev-provider: the development provider needs the oidc-provider package: npm install --save-dev oidc-provider');
  });

  test('proxy: \'env\' without undici installed (an optional peer) fails at start-up saying how to install it; with Node\'s own proxy support on, it needs none', async () => {
    const script = `
      const { OpenIDConnect } = await import('oidc-kit/express');
      try {
        new OpenIDConnect({ baseUrl: 'http://localhost:3000', secret: 's'.repeat(32), issuer: 'https://op.example', clientId: 'a', clientSecret: 'b', proxy: 'env', logger: { warn() {} } });
        console.log('started');
      } catch (error) {
        console.log(error.message);
      }
    `;
    const env: Record<string, string | undefined> = { ...process.env, HTTPS_PROXY: 'http://127.0.0.1:1' };
    delete env['NODE_USE_ENV_PROXY'];
    delete env['NODE_TEST_CONTEXT'];
    const without = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, env });
    assert.match(without.stdout.trim(), /^oidc-kit: invalid option `proxy`: .*NODE_USE_ENV_PROXY=1.*npm install undici\.$/);
    const builtIn = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, env: { ...env, NODE_USE_ENV_PROXY: '1' } });
    assert.equal(builtIn.stdout.trim(), 'started');
  });

  test('a small Express app typechecks under strict settings against the shipped declarations', async () => {
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false, types: ['node'] },
      files: ['app.ts'],
    }));
    writeFileSync(join(app, 'app.ts'), `
      import express from 'express';
      import { OpenIDConnect } from 'oidc-kit/express';
      import { OidcError, MemoryStore } from 'oidc-kit';
      const app = express();
      const oidc = new OpenIDConnect({
        baseUrl: 'http://localhost:3000', secret: 'a-secret-of-at-least-32-characters!!', issuer: 'https://op.example',
        clientId: 'app', clientSecret: 'secret', session: { store: new MemoryStore() },
      });
      app.use(oidc.middleware());
      app.get('/', oidc.requireLogin(), (req, res) => {
        const sub: string | undefined = req.oidc.user?.sub;
        res.json({ sub });
      });
      app.use(oidc.errorHandler());
      const error: OidcError = new OidcError('unauthenticated', 'Log in.');
      console.log(error.status);
    `);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', join(app, 'tsconfig.json')], { cwd: app }).catch((error: unknown) => ({ stdout: (error as { stdout?: string }).stdout ?? (error instanceof Error ? error.message : 'tsc failed') }));
    assert.equal(result.stdout.trim(), '', 'no type errors');
  });
});
