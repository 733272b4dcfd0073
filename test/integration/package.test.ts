/**
 * The package as users install it: the compiled `dist/` reached through the `exports` map (no
 * source condition), with type declarations next to it. `npm test` builds first (pretest).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const script = `
  const core = await import('oidc-kit');
  const adapter = await import('oidc-kit/express');
  const redis = await import('oidc-kit/redis');
  if (typeof redis.RedisStore !== 'function' || typeof redis.createRedisStore !== 'function') throw new Error('oidc-kit/redis exports');
  const names = ['OidcCore', 'PendingWrites', 'FetchRequestView', 'OidcError', 'ConfigurationError', 'MemoryStore', 'RequestContext', 'loadClientSecrets',
    'discover', 'findIssuer', 'registerClient', 'checkRedirectUris', 'RegistrationError', 'clientSecretsFor', 'fromFlaskSettings'];
  const missing = names.filter((n) => typeof core[n] !== 'function');
  const options = { baseUrl: 'http://localhost:3000', secret: 's'.repeat(32), issuer: 'https://op.example', clientId: 'a', clientSecret: 'b' };
  const oidc = new adapter.OpenIDConnect(options);
  // Composition: each adapter holds a core; the core's plumbing is not on the user's object.
  const plumbingOf = (object) => ['core', 'open', 'route', 'answer', 'recover', 'createContext', 'handleRoute', 'guardLogin'].filter((n) => n in object);
  const plumbing = plumbingOf(oidc);
  if ('handle' in oidc) plumbing.push('handle');
  const fastify = new (await import('oidc-kit/fastify')).OpenIDConnect(options);
  const hono = new (await import('oidc-kit/hono')).OpenIDConnect(options);
  const web = await import('oidc-kit/fetch');
  const fetchAdapter = new web.OpenIDConnect(options);
  const adapters = {
    fastify: [typeof fastify.plugin, typeof fastify.requireLogin(), typeof fastify.errorHandler(), ...plumbingOf(fastify)],
    hono: [typeof hono.middleware(), typeof hono.requireLogin(), typeof hono.errorHandler(), ...plumbingOf(hono)],
    fetch: [typeof fetchAdapter.handle, typeof fetchAdapter.handler([], () => new Response()), typeof web.respond, ...plumbingOf(fetchAdapter)],
  };
  console.log(JSON.stringify({ missing, middleware: typeof oidc.middleware(), isCore: oidc instanceof core.OidcCore, plumbing, adapters }));
`;

test('oidc-kit and its adapters (express, fastify, hono, fetch) and oidc-kit/redis load from dist through the exports map', () => {
  assert.ok(existsSync('dist/index.js') && existsSync('dist/express.js') && existsSync('dist/redis.js'), 'run `npm run build` first (npm test does)');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  // The last line: the default logger says at start-up which URIs to register (console.info), before it.
  assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1)!), {
    missing: [], middleware: 'function', isCore: false, plumbing: [],
    adapters: { fastify: ['function', 'function', 'function'], hono: ['function', 'function', 'function'], fetch: ['function', 'function', 'function'] },
  });
});

test('type declarations ship for every entry point, and the Express and Fastify adapters augment their request', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, { types?: string }> };
  for (const entry of ['.', './express', './fastify', './hono', './fetch', './redis']) {
    const types = pkg.exports[entry]?.types;
    assert.ok(types && existsSync(types), `${entry} has ${types}`);
  }
  // The entry re-exports the adapter, whose declarations carry the augmentation of Express's Request.
  assert.match(readFileSync('dist/express.d.ts', 'utf8'), /from '\.\/adapters\/express\/openid-connect\.[jt]s'/);
  assert.match(readFileSync('dist/adapters/express/openid-connect.d.ts', 'utf8'), /interface Request[\s\S]*oidc: RequestContext/);
  assert.match(readFileSync('dist/adapters/fastify/openid-connect.d.ts', 'utf8'), /interface FastifyRequest[\s\S]*oidc: RequestContext/);
  assert.match(readFileSync('dist/adapters/hono/openid-connect.d.ts', 'utf8'), /interface OidcEnv[\s\S]*oidc: RequestContext/);
});

test('the oidc-kit command ships as the package\'s bin, compiled, with a shebang', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string>; files: string[] };
  const bin = pkg.bin['oidc-kit'];
  assert.equal(bin, './dist/cli/bin.js');
  assert.ok(pkg.files.includes('dist'));
  assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  assert.match(help, /^Usage: oidc-kit <command>/);
});
