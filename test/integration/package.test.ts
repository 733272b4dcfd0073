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
  const oidc = new adapter.OpenIDConnect({ baseUrl: 'http://localhost:3000', secret: 's'.repeat(32), issuer: 'https://op.example', clientId: 'a', clientSecret: 'b' });
  // Composition: the adapter holds a core; the core's plumbing is not on the user's object.
  const plumbing = ['open', 'route', 'answer', 'recover', 'handle', 'createContext', 'handleRoute', 'guardLogin'].filter((n) => n in oidc);
  console.log(JSON.stringify({ missing, middleware: typeof oidc.middleware(), isCore: oidc instanceof core.OidcCore, plumbing }));
`;

test('oidc-kit, oidc-kit/express and oidc-kit/redis load from dist through the exports map', () => {
  assert.ok(existsSync('dist/index.js') && existsSync('dist/express.js') && existsSync('dist/redis.js'), 'run `npm run build` first (npm test does)');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { missing: [], middleware: 'function', isCore: false, plumbing: [] });
});

test('type declarations ship for both entry points, and the Express adapter augments Request', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, { types?: string }> };
  for (const entry of ['.', './express', './redis']) {
    const types = pkg.exports[entry]?.types;
    assert.ok(types && existsSync(types), `${entry} has ${types}`);
  }
  // The entry re-exports the adapter, whose declarations carry the augmentation of Express's Request.
  assert.match(readFileSync('dist/express.d.ts', 'utf8'), /from '\.\/adapters\/express\/openid-connect\.[jt]s'/);
  assert.match(readFileSync('dist/adapters/express/openid-connect.d.ts', 'utf8'), /interface Request[\s\S]*oidc: RequestContext/);
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
