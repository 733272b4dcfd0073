/**
 * The `fetch` and `proxy` options (src/config/resolve-outbound.ts, src/platform/env-proxy-fetch.ts):
 * what every provider's settings get, invalid values failing at start-up naming the option and the
 * fix, and how `proxy: 'env'` is honoured on each runtime — Bun and Deno natively, Node.js by its
 * own proxy support when that is on (which needs no package) else by undici's EnvHttpProxyAgent,
 * a start-up error where it cannot be. The runtime is given as facts here, so that every branch
 * runs on this Node; the calls through a real proxy are test/integration/outbound-http.test.ts's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveOptions } from '../../src/config/resolve-options.ts';
import { resolveOutbound } from '../../src/config/resolve-outbound.ts';
import { ConfigurationError, type OpenIDConnectOptions, type ProviderFetch } from '../../src/index.ts';
import { currentRuntime, envProxyFetch, type RuntimeFacts } from '../../src/platform/env-proxy-fetch.ts';

const valid: OpenIDConnectOptions = { baseUrl: 'https://app.example', secret: 's'.repeat(32), issuer: 'https://op.example', clientId: 'app', clientSecret: 'client-secret' };

function refused(run: () => unknown, option: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.option, option);
    assert.match(error.message, message);
    assert.match(error.message, new RegExp(`\`${option}\``), 'the message names the option');
    return true;
  });
}

/** Node.js 24.21 without its proxy support, and no package to load (a load fails the test unless a case allows it). */
function node(overrides: Partial<RuntimeFacts> = {}): RuntimeFacts {
  return {
    runtime: 'node',
    nodeVersion: [24, 21, 0],
    env: {},
    execArgv: [],
    load: (name) => assert.fail(`${name} was loaded`),
    ...overrides,
  };
}

const notInstalled = (name: string): never => {
  throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
};

describe('the fetch option', () => {
  test('every provider calls out with it, the named ones too; without it, the runtime\'s fetch (undefined: looked up at each call)', () => {
    const providerFetch: ProviderFetch = (url, init) => fetch(url, init);
    assert.equal(resolveOptions(valid).provider.fetch, undefined);
    assert.equal(resolveOptions({ ...valid, fetch: providerFetch }).provider.fetch, providerFetch);
    const config = resolveOptions({
      baseUrl: 'https://app.example', secret: 's'.repeat(32), fetch: providerFetch,
      providers: { a: { issuer: 'https://a.example', clientId: 'a', clientSecret: 'a' }, b: { issuer: 'https://b.example', clientId: 'b', clientSecret: 'b' } },
    });
    assert.deepEqual([...config.providers.values()].map((p) => p.fetch), [providerFetch, providerFetch]);
  });

  test('not a function: fails at start-up naming the option', () => {
    refused(() => resolveOptions({ ...valid, fetch: 'https://proxy.internal' as unknown as ProviderFetch }), 'fetch', /must be a function \(url, init\) => Promise<Response>/);
  });
});

describe('the proxy option', () => {
  test('anything but "env" fails at start-up, and so does "env" with a fetch of the app\'s own', () => {
    refused(() => resolveOptions({ ...valid, proxy: 'http://proxy.internal:3128' as 'env' }), 'proxy', /use "env".*got "http:\/\/proxy\.internal:3128".*pass a `fetch`/);
    refused(() => resolveOptions({ ...valid, proxy: true as unknown as 'env' }), 'proxy', /use "env"/);
    refused(() => resolveOutbound({ proxy: 'env', fetch: (url, init) => fetch(url, init) }, node()), 'proxy', /cannot be combined with `fetch`.*EnvHttpProxyAgent/);
  });

  test('"env" resolves at start-up, in test mode too (an app\'s own tests find what its production start would)', () => {
    // This process: Node.js, undici installed (a dev dependency): a fetch of oidc-kit's own.
    assert.equal(typeof resolveOptions({ ...valid, proxy: 'env' }).provider.fetch, 'function');
    assert.equal(typeof resolveOptions({ baseUrl: 'http://localhost:3000', secret: 's'.repeat(32), testMode: true, proxy: 'env' }).provider.fetch, 'function');
  });

  test('Bun and Deno: their fetch honours the variables itself; nothing is loaded', () => {
    for (const runtime of ['bun', 'deno'] as const) assert.equal(envProxyFetch(node({ runtime, nodeVersion: [] })), undefined, runtime);
  });

  test('Cloudflare Workers and unknown runtimes: a start-up error, not an option that does nothing', () => {
    refused(() => envProxyFetch(node({ runtime: 'workerd', nodeVersion: [] })), 'proxy', /no meaning on Cloudflare Workers.*Drop the option/);
    refused(() => envProxyFetch(node({ runtime: 'other', nodeVersion: [] })), 'proxy', /Node\.js, Bun and Deno only.*pass a `fetch`/);
  });

  test('Node.js with its own proxy support on (NODE_USE_ENV_PROXY=1, --use-env-proxy): its fetch is used, no package is loaded', () => {
    assert.equal(envProxyFetch(node({ env: { NODE_USE_ENV_PROXY: '1' } })), undefined);
    assert.equal(envProxyFetch(node({ execArgv: ['--use-env-proxy'] })), undefined);
    assert.equal(envProxyFetch(node({ env: { NODE_OPTIONS: '--max-old-space-size=512 --use-env-proxy' } })), undefined);
    assert.equal(envProxyFetch(node({ nodeVersion: [22, 21, 0], env: { NODE_USE_ENV_PROXY: '1' } })), undefined);
    assert.equal(envProxyFetch(node({ nodeVersion: [25, 0, 0], env: { NODE_USE_ENV_PROXY: '1' } })), undefined);
  });

  test('Node.js where its own support is off or missing: undici\'s EnvHttpProxyAgent is loaded', () => {
    const cases: Array<Partial<RuntimeFacts>> = [
      {},
      { env: { NODE_USE_ENV_PROXY: '0' } },
      // The flag wins over the variable, as in Node.
      { env: { NODE_USE_ENV_PROXY: '1' }, execArgv: ['--no-use-env-proxy'] },
      // Versions whose fetch ignores NODE_USE_ENV_PROXY (22.21 and 24.5 brought it with the flag).
      { nodeVersion: [22, 20, 0], env: { NODE_USE_ENV_PROXY: '1' } },
      { nodeVersion: [24, 4, 1], execArgv: ['--use-env-proxy'] },
    ];
    for (const facts of cases) {
      const loaded: string[] = [];
      const providerFetch = envProxyFetch(node({ ...facts, load: (name) => (loaded.push(name), currentRuntime().load(name)) }));
      assert.equal(typeof providerFetch, 'function', JSON.stringify(facts));
      assert.deepEqual(loaded, ['undici'], JSON.stringify(facts));
    }
  });

  test('Node.js with neither: a start-up error naming both fixes', () => {
    refused(() => envProxyFetch(node({ load: notInstalled })), 'proxy', /NODE_USE_ENV_PROXY=1 or --use-env-proxy \(Node 22\.21 or later, 24\.5 or later\).*npm install undici/);
    refused(() => envProxyFetch(node({ load: () => ({ fetch }) })), 'proxy', /undici 7 or later.*npm install undici@latest/);
    // Any other failure of the package is its own, passed on as it is.
    const broken = new SyntaxError('Unexpected token');
    assert.throws(() => envProxyFetch(node({ load: () => { throw broken; } })), (error) => error === broken);
  });

  test('this process is seen as Node.js, its version and flags as they are', () => {
    const facts = currentRuntime();
    assert.equal(facts.runtime, 'node');
    assert.deepEqual(facts.nodeVersion, process.versions.node.split('.').map(Number));
    assert.equal(facts.execArgv, process.execArgv);
    assert.equal(typeof (facts.load('undici') as { EnvHttpProxyAgent?: unknown }).EnvHttpProxyAgent, 'function');
  });
});
