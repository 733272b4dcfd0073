/**
 * `proxy: 'env'` on each runtime, as the docs say it behaves (docs/configuration.md, "Outbound
 * HTTP"): a script on the fetch adapter (apps/env-proxy-check.ts) gets a client credentials token
 * from the real provider with HTTP_PROXY set, and the real forwarding proxy of test/support counts
 * what crossed it.
 *
 * - Node.js with `--use-env-proxy`: Node's own proxy support carries the calls; undici is not loaded.
 * - Node.js without it: undici's EnvHttpProxyAgent does (the in-process tests of
 *   test/integration/outbound-http.test.ts check every kind of call, on every adapter).
 * - Node.js with the provider in NO_PROXY: nothing crosses the proxy.
 * - Bun and Deno: their own fetch honours the variables; oidc-kit leaves it as it is (these two
 *   pass without oidc-kit's support too: they hold the runtimes to what the docs promise, and
 *   oidc-kit to leaving them alone).
 * - Cloudflare Workers (workerd): making the app with it fails, naming the option.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startDevProvider, type DevProvider } from '../../src/dev-provider/dev-provider.ts';
import { freePort } from '../support/free-port.ts';
import { startForwardProxy, type ForwardProxy } from '../support/forward-proxy.ts';
import { buildWorker, quietEnv, runtimeUnavailable, serveOnRuntime } from '../support/runtimes.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const SCRIPT = join(import.meta.dirname, 'apps', 'env-proxy-check.ts');
const MACHINE = { client_id: 'proxy-check', client_secret: 'proxy-check-secret-0123456789', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] };
/** The script's variables; Deno may read these (and needs no permission for the proxy ones, which its fetch reads itself). */
const SCRIPT_VARIABLES = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'];

interface CheckResult {
  readonly token: boolean;
  /** Whether oidc-kit made a fetch of its own for the proxy (else the runtime's is used as it is). */
  readonly ownFetch: boolean;
  /** Whether the undici package was loaded (Node.js); null on Bun and Deno. */
  readonly undici: boolean | null;
}

/** Runs the check script with `command args`, the proxy variables set; resolves with what it printed. */
async function runCheck(command: string, args: readonly string[], variables: Record<string, string>): Promise<CheckResult> {
  const env: Record<string, string | undefined> = { ...quietEnv(), ...variables };
  for (const name of ['http_proxy', 'https_proxy', 'no_proxy', 'NODE_USE_ENV_PROXY', 'NODE_OPTIONS']) delete env[name];
  const child = spawn(command, [...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 0, `${command} ${args.join(' ')}:\n${output}`);
  const line = output.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as CheckResult;
}

describe('proxy: \'env\' on Node.js, Bun, Deno and workerd', () => {
  let op: DevProvider;
  let proxy: ForwardProxy;
  let variables: Record<string, string>;
  before(async () => {
    op = await startDevProvider({ clients: [MACHINE], configuration: { features: { clientCredentials: { enabled: true } } } });
    proxy = await startForwardProxy();
    variables = {
      OIDC_ISSUER: op.issuer, OIDC_CLIENT_ID: MACHINE.client_id, OIDC_CLIENT_SECRET: MACHINE.client_secret,
      HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'example.internal',
    };
  });
  after(async () => {
    await proxy.close();
    await op.close();
  });

  /** What crossed the proxy to the provider since the last call, as `METHOD /path`. */
  const crossed = (): string[] => {
    const target = new URL(op.issuer).host;
    const lines = proxy.requests.filter((r) => r.target === target).map((r) => `${r.method} ${r.path}`);
    proxy.requests.length = 0;
    proxy.tunnels.length = 0;
    return lines;
  };
  const CALLS = ['GET /.well-known/openid-configuration', 'POST /token'];

  test('Node.js with --use-env-proxy: Node\'s own proxy support carries the calls, undici is not loaded', async () => {
    crossed();
    assert.deepEqual(await runCheck(join(BIN, 'node'), ['--use-env-proxy', SCRIPT], variables), { token: true, ownFetch: false, undici: false });
    assert.deepEqual(crossed(), CALLS);
  });

  test('Node.js without it: undici\'s EnvHttpProxyAgent carries them; with the provider in NO_PROXY, nothing crosses the proxy', async () => {
    crossed();
    assert.deepEqual(await runCheck(join(BIN, 'node'), [SCRIPT], variables), { token: true, ownFetch: true, undici: true });
    assert.deepEqual(crossed(), CALLS);
    assert.deepEqual(await runCheck(join(BIN, 'node'), [SCRIPT], { ...variables, NO_PROXY: `example.internal,${new URL(op.issuer).host}` }), { token: true, ownFetch: true, undici: true });
    assert.deepEqual(crossed(), []);
  });

  test('Bun: its fetch honours the variables itself; oidc-kit leaves it as it is', { skip: runtimeUnavailable('bun') }, async () => {
    crossed();
    assert.deepEqual(await runCheck(join(BIN, 'bun'), ['--no-install', SCRIPT], variables), { token: true, ownFetch: false, undici: null });
    assert.deepEqual(crossed(), CALLS);
  });

  test('Deno: its fetch honours the variables itself; oidc-kit leaves it as it is', { skip: runtimeUnavailable('deno') }, async () => {
    crossed();
    const permissions = ['--no-prompt', '--allow-net=127.0.0.1', `--allow-env=${SCRIPT_VARIABLES.join(',')}`];
    assert.deepEqual(await runCheck(join(BIN, 'deno'), ['run', '--cached-only', ...permissions, SCRIPT], variables), { token: true, ownFetch: false, undici: null });
    assert.deepEqual(crossed(), CALLS);
  });

  test('Cloudflare Workers: making the app with it fails at start-up, naming the option', { skip: runtimeUnavailable('workerd') ?? runtimeUnavailable('bun') }, async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'oidc-kit-env-proxy-worker-'));
    try {
      const bundle = await buildWorker(join(tmp, 'worker.js'), 'env-proxy-worker.ts');
      const worker = await serveOnRuntime('workerd', `http://127.0.0.1:${await freePort()}`, {}, bundle);
      try {
        const answer = await (await fetch(worker.url)).json() as { made: boolean; option: string | null; message: string };
        assert.equal(answer.made, false, worker.output());
        assert.equal(answer.option, 'proxy');
        assert.match(answer.message, /no meaning on Cloudflare Workers/);
      } finally {
        await worker.stop();
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
