/**
 * The fetch and Hono adapters on the runtimes they are for, beyond Node: Bun, Deno, and workerd
 * (Cloudflare Workers, through Miniflare with `nodejs_compat`). Each runtime serves the smoke app
 * (apps/smoke-app.ts) on a real port, started once for each adapter; the providers run here, in
 * Node, and every request goes over HTTP: with sessions in the cookie and in a store, a login
 * through the provider, a protected page, refreshes in the application's handler, logout here and
 * at the provider; bearer tokens (with logins and API-only); and a provider that cannot be reached
 * (503, never a 401 or a 502).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jwtApiResources } from '../../src/dev-provider/api-resources.ts';
import { devClient, startDevProvider, type DevProvider } from '../../src/dev-provider/dev-provider.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { freePort } from '../support/demo-process.ts';
import { startHostileProvider, type HostileProvider } from '../support/hostile-provider.ts';
import { buildWorker, RUNTIMES, runtimeUnavailable, serveOnRuntime, type ServedApp } from '../support/runtimes.ts';
import { CLIENT_SECRET, SECRET } from '../support/testbed.ts';
import { SITE_PREFIXES } from './apps/smoke-app.ts';

const FRAMEWORKS = ['fetch', 'hono'] as const;
/** Why a runtime's tests are skipped (outside CI only: there, a missing runtime throws). */
const UNAVAILABLE = new Map(RUNTIMES.map((runtime) => [runtime, runtimeUnavailable(runtime)]));

describe('runtime smoke: the fetch and Hono adapters on Bun, Deno and workerd', () => {
  let op: DevProvider;
  /** The provider the test takes down: `/down-api` accepts its tokens. */
  let down: HostileProvider;
  const tmp = mkdtempSync(join(tmpdir(), 'oidc-kit-worker-'));
  let bundle: Promise<string> | undefined;
  const urls = new Map<string, string>();

  before(async () => {
    for (const runtime of RUNTIMES) for (const framework of FRAMEWORKS) urls.set(`${runtime}/${framework}`, `http://127.0.0.1:${await freePort()}`);
    const appUrls = [...urls.values()];
    op = await startDevProvider({
      clients: [{
        ...devClient(`${appUrls[0]}/callback`),
        redirect_uris: appUrls.flatMap((url) => SITE_PREFIXES.map((prefix) => `${url}${prefix}/callback`)),
        post_logout_redirect_uris: appUrls.flatMap((url) => SITE_PREFIXES.map((prefix) => `${url}${prefix}/logout/callback`)),
        client_secret: CLIENT_SECRET,
      }, API_CLIENT],
      configuration: jwtApiResources(new Set(appUrls.map((url) => `${url}/api`)), 'api'),
    });
    down = await startHostileProvider();
  });
  after(async () => {
    await op.close();
    await down.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const runtime of RUNTIMES) {
    for (const framework of FRAMEWORKS) {
      describe(`${runtime}, ${framework}`, { skip: UNAVAILABLE.get(runtime) }, () => {
        let app: ServedApp;
        let url: string;

        before(async () => {
          url = urls.get(`${runtime}/${framework}`)!;
          // One bundle for both Workers, built when the first is served.
          if (runtime === 'workerd') bundle ??= buildWorker(join(tmp, 'worker.js'));
          const env = {
            BASE_URL: url, OIDC_ISSUER: op.issuer, OIDC_CLIENT_ID: 'demo-client', OIDC_CLIENT_SECRET: CLIENT_SECRET,
            SESSION_SECRET: SECRET, DOWN_ISSUER: down.issuer, FRAMEWORK: framework,
          };
          app = await serveOnRuntime(runtime, url, env, (await bundle) ?? '');
        });
        after(async () => {
          down.fault = undefined;
          await app?.stop();
        });

        for (const prefix of SITE_PREFIXES) {
          const [sessions, cookie] = prefix === '' ? ['in the cookie', 'oidc_session'] : ['in a store', 'oidc_store_session'];
          test(`sessions ${sessions}: login through the provider, a protected page, refreshes in the app's handler, logout here and at the provider`, async () => {
            const site = `${url}${prefix}`;
            const browser = new TestBrowser();
            const anonymous = await browser.request(`${site}/profile`);
            assert.equal(anonymous.status, 302, 'an anonymous browser is sent to log in');
            const { response, url: landed } = await loginThroughProvider(browser, `${site}/profile`, 'alice');
            assert.equal(landed.href, `${site}/profile`, app.output());
            assert.deepEqual(JSON.parse(response.body), { sub: 'alice' });
            assert.ok(browser.cookies(url).has(cookie), `the session is in ${cookie}`);
            assert.deepEqual(JSON.parse((await browser.request(`${site}/`)).body), { authenticated: true, sub: 'alice' });

            // Refreshes in the application's handler: each gets a new access token, and the next one starts
            // from it, so the refreshed session was kept (its cookie on the application's response, or the store).
            const refresh = async (): Promise<{ sub: string; was: string; now: string }> => {
              const answer = await browser.request(`${site}/refresh`, { method: 'POST', headers: { 'sec-fetch-site': 'same-origin', accept: 'application/json' } });
              assert.equal(answer.status, 200, `${answer.body}\n${app.output()}`);
              return JSON.parse(answer.body) as { sub: string; was: string; now: string };
            };
            const first = await refresh();
            const second = await refresh();
            assert.equal(first.sub, 'alice');
            assert.notEqual(first.now, first.was, 'the refresh brought a new access token');
            assert.equal(second.was, first.now, 'the refreshed session was kept');
            assert.deepEqual(JSON.parse((await browser.request(`${site}/profile`)).body), { sub: 'alice' }, 'the refreshed session still opens');

            // The app's logout, then the provider's confirmation, then back through /logout/callback (its state checked).
            const endSession = await browser.navigate(`${site}/logout`, { headers: { 'sec-fetch-site': 'same-origin' } });
            assert.equal(endSession.url.origin, op.issuer, 'logout goes on to the provider');
            const signedOut = await browser.submitForm(endSession.response, {});
            assert.ok(signedOut.visited.some((visited) => visited.href.startsWith(`${site}/logout/callback?`)), signedOut.visited.join(' → '));
            assert.equal(signedOut.url.href, `${site}/`);
            assert.deepEqual(JSON.parse(signedOut.response.body), { authenticated: false, sub: null });
            assert.equal((await browser.request(`${site}/profile`, { headers: { accept: 'application/json' } })).status, 401);
          });
        }

        test('bearer tokens: a JWT access token from the provider, on an app with logins and on an API-only instance; a bad one is 401', async () => {
          const token = await clientCredentials(op, `${url}/api`);
          for (const path of ['/api', '/rs-api']) {
            const api = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
            assert.equal(api.status, 200, `${path}: ${app.output()}`);
            assert.deepEqual(await api.json(), { sub: API_CLIENT.client_id });
          }
          const refused = await fetch(`${url}/api`, { headers: { authorization: 'Bearer not-a-token' } });
          assert.equal(refused.status, 401);
          assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
        });

        test('a provider that cannot be reached (discovery, then its keys) is a 503 without a challenge, never a 401 or a 502', async () => {
          const now = Math.floor(Date.now() / 1000);
          const token = await down.sign(
            { iss: down.issuer, sub: 'down-client', client_id: 'down-client', aud: `${url}/down-api`, iat: now, exp: now + 300, jti: randomUUID() },
            { header: { typ: 'at+jwt' } },
          );
          const call = (): Promise<Response> => fetch(`${url}/down-api`, { headers: { authorization: `Bearer ${token}` } });
          for (const [what, fault] of [['discovery', '/.well-known/openid-configuration'], ['its keys', '/jwks']] as const) {
            // The socket is closed before any answer: to fetch(), a network error, as when the provider is down.
            down.fault = (request) => (request.path === fault ? 'destroy' : undefined);
            const refused = await call();
            assert.equal(refused.status, 503, `${what}: ${await refused.text()}\n${app.output()}`);
            assert.equal(refused.headers.get('www-authenticate'), null, `${what}: the token is not at fault`);
          }
          down.fault = undefined;
          const served = await call();
          assert.equal(served.status, 200, await served.clone().text());
          assert.deepEqual(await served.json(), { sub: 'down-client' }, 'once the provider is back, the same token is served');
        });
      });
    }
  }
});

/** A machine client of the provider's, for the bearer tokens the smoke app's API accepts. */
const API_CLIENT = {
  client_id: 'smoke-api-client', client_secret: 'smoke-api-client-secret-0123456789', grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
};

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
