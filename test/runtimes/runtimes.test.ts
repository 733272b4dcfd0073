/**
 * The fetch and Hono adapters on the runtimes they are for, beyond Node: Bun, Deno, and workerd
 * (Cloudflare Workers, through Miniflare with `nodejs_compat`). Each runtime serves the smoke app
 * (apps/smoke-app.ts) as a real process on a real port; the provider runs here, in Node. The same
 * smoke for each: a login through the provider, a protected page with the session, a bearer-token
 * route, logout. The binaries come from the npm packages `bun`, `deno` and `workerd` (miniflare's).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { Miniflare } from 'miniflare';
import { type Configuration, errors } from 'oidc-provider';
import { devClient, startDevProvider, type DevProvider } from '../../examples/dev-provider/dev-provider.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { freePort } from '../support/demo-process.ts';
import { CLIENT_SECRET, SECRET } from '../support/testbed.ts';

const RUNTIMES = ['bun', 'deno', 'workerd'] as const;
const FRAMEWORKS = ['fetch', 'hono'] as const;
const BIN = join(process.cwd(), 'node_modules', '.bin');
const START_TIMEOUT_MS = 30_000;

type Runtime = (typeof RUNTIMES)[number];

/** A smoke app being served: its URL, and how to stop it. */
interface Served {
  readonly url: string;
  stop(): Promise<void>;
}

/** Spawns a runtime's main script and waits for its `listening` line. */
async function spawnApp(command: string, args: readonly string[], env: Record<string, string>): Promise<() => Promise<void>> {
  const child: ChildProcess = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    child.stdout!.on('data', () => {
      if (output.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before listening:\n${output}`));
    });
  });
  return async () => {
    child.kill('SIGKILL');
    await exited;
  };
}

const run = promisify(execFile);

/** Serves the smoke app on a runtime at `url` (a port chosen before the provider registered it). */
async function serve(runtime: Runtime, url: string, env: Record<string, string>, bundleDir: string): Promise<Served> {
  const port = new URL(url).port;
  if (runtime === 'bun') return { url, stop: await spawnApp(join(BIN, 'bun'), ['test/runtimes/apps/bun-main.ts'], { ...env, PORT: port }) };
  if (runtime === 'deno') {
    // Only what the app needs: the network (provider, its port), the environment, and reading its modules.
    const args = ['run', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', 'test/runtimes/apps/deno-main.ts'];
    return { url, stop: await spawnApp(join(BIN, 'deno'), args, { ...env, PORT: port }) };
  }
  // workerd runs one ES module: the Worker bundled by Bun, node:* left to nodejs_compat.
  const bundle = join(bundleDir, 'worker.js');
  await run(join(BIN, 'bun'), ['build', 'test/runtimes/apps/worker.ts', '--target=browser', '--format=esm', '--external', 'node:*', '--external', 'cloudflare:*', '--outfile', bundle]);
  const mf = new Miniflare({
    modules: true,
    scriptPath: bundle,
    modulesRoot: bundleDir, // module names are paths below it
    // The first date of nodejs_compat's second version; oidc-kit needs no node:fs (platform/read-text-file.ts).
    compatibilityDate: '2024-09-23',
    compatibilityFlags: ['nodejs_compat'],
    bindings: env,
    host: '127.0.0.1',
    port: Number(port),
  });
  await mf.ready;
  return { url, stop: () => mf.dispose() };
}

describe('runtime smoke: the fetch and Hono adapters on Bun, Deno and workerd', () => {
  let op: DevProvider;
  const bundleDir = mkdtempSync(join(tmpdir(), 'oidc-kit-worker-'));
  const urls = new Map<string, string>();

  before(async () => {
    for (const runtime of RUNTIMES) for (const framework of FRAMEWORKS) urls.set(`${runtime}/${framework}`, `http://127.0.0.1:${await freePort()}`);
    const appUrls = [...urls.values()];
    op = await startDevProvider({
      clients: [{
        ...devClient(`${appUrls[0]}/callback`),
        redirect_uris: appUrls.map((url) => `${url}/callback`),
        post_logout_redirect_uris: appUrls.flatMap((url) => [`${url}/logout/callback`, `${url}/`]),
        client_secret: CLIENT_SECRET,
      }, API_CLIENT],
      configuration: apiConfiguration(new Set(appUrls.map((url) => `${url}/api`))),
    });
  });
  after(async () => {
    await op.close();
    rmSync(bundleDir, { recursive: true, force: true });
  });

  for (const runtime of RUNTIMES) {
    for (const framework of FRAMEWORKS) {
      test(`${runtime}, ${framework}: login through the provider, a protected page, a bearer token (with logins and API-only), logout`, async () => {
        const url = urls.get(`${runtime}/${framework}`)!;
        const env = { BASE_URL: url, OIDC_ISSUER: op.issuer, OIDC_CLIENT_ID: 'demo-client', OIDC_CLIENT_SECRET: CLIENT_SECRET, SESSION_SECRET: SECRET, FRAMEWORK: framework };
        const app = await serve(runtime, url, env, bundleDir);
        try {
          const browser = new TestBrowser();
          const anonymous = await browser.request(`${url}/profile`);
          assert.equal(anonymous.status, 302, 'an anonymous browser is sent to log in');
          const { response, url: landed } = await loginThroughProvider(browser, `${url}/profile`, 'alice');
          assert.equal(landed.href, `${url}/profile`);
          assert.deepEqual(JSON.parse(response.body), { sub: 'alice' });
          assert.deepEqual(JSON.parse((await browser.request(`${url}/`)).body), { authenticated: true, sub: 'alice' });

          const token = await clientCredentials(op, `${url}/api`);
          for (const path of ['/api', '/rs-api']) {
            const api = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
            assert.equal(api.status, 200, path);
            assert.deepEqual(await api.json(), { sub: API_CLIENT.client_id });
          }
          const refused = await fetch(`${url}/api`, { headers: { authorization: 'Bearer not-a-token' } });
          assert.equal(refused.status, 401);
          assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);

          const out = await browser.request(`${url}/logout`, { headers: { 'sec-fetch-site': 'same-origin' } });
          assert.ok(out.status === 302 || out.status === 303, `logout redirects (${out.status})`);
          assert.ok(out.setCookies.some((cookie) => /^oidc_session=;/.test(cookie) || /Max-Age=0/i.test(cookie)), 'the session cookie is deleted');
          assert.deepEqual(JSON.parse((await browser.request(`${url}/`)).body), { authenticated: false, sub: null });
        } finally {
          await app.stop();
        }
      });
    }
  }
});

/** A machine client of the provider's, for the bearer tokens the smoke app's API accepts. */
const API_CLIENT = {
  client_id: 'smoke-api-client', client_secret: 'smoke-api-client-secret-0123456789', grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
};

/**
 * The provider's client credentials grant and resource indicators (RFC 8707): a token request that
 * names an app's API as `resource` gets a JWT access token (RFC 9068) for that audience.
 */
function apiConfiguration(audiences: ReadonlySet<string>): Partial<Configuration> {
  const features = {
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx: unknown, resource: string) => {
        if (!audiences.has(resource)) throw new errors.InvalidTarget();
        return { scope: 'api', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  };
  // The typings model features as a union that this literal cannot be checked against; oidc-provider validates it at start.
  return { features: features as Configuration['features'] };
}

/** An access token for `resource` from the provider's client credentials grant (a JWT for that audience). */
async function clientCredentials(op: DevProvider, resource: string): Promise<string> {
  const response = await fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${API_CLIENT.client_id}:${API_CLIENT.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}
