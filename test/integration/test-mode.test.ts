/**
 * Test mode, as an application's own test suite uses it: an app with `testMode` and no provider at
 * all, on every adapter: logins without a provider, `createTestSession()` cookies, local logout; and
 * the refusal to start with NODE_ENV=production.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OpenIDConnect, type ExpressOpenIDConnectOptions } from '../../src/express.ts';
import { ConfigurationError } from '../../src/index.ts';
import { TestBrowser } from '../support/browser.ts';
import { serveTestApp } from '../support/test-app.ts';
import { get, type TestRoute } from '../support/test-routes.ts';
import { ADAPTERS, PACKAGE_ADAPTERS, SECRET, setCallback, type AdapterName, type TestOidc } from '../support/testbed.ts';

interface TestModeApp {
  url: string;
  oidc: TestOidc;
  warnings: string[];
  close(): Promise<void>;
}

/** The app's routes in test mode (over the standard ones of the same paths). */
const testModeRoutes: readonly TestRoute[] = [
  get('/profile', [['requireLogin']], ({ oidc }) => ({ json: { sub: oidc.user?.sub, email: oidc.user?.email ?? null, provider: oidc.provider } })),
  get('/api/token', [['requireLogin']], async ({ oidc }) => ({
    json: { accessToken: await oidc.accessToken(), refreshToken: oidc.refreshToken ?? null, scope: oidc.scope ?? null },
  })),
  get('/live', [['requireLogin']], async ({ oidc }) => ({ json: await oidc.getInfo(['email', 'sub'], { live: true }) })),
  get('/checkout', [], ({ oidc }) => oidc.login({ returnTo: '/profile', state: { cart: 7 } })),
];

/** An app using oidc-kit in test mode on `adapter`: no issuer, no client, no provider anywhere. */
async function startApp(adapter: AdapterName, options: Partial<ExpressOpenIDConnectOptions>): Promise<TestModeApp> {
  const warnings: string[] = [];
  const app = await serveTestApp(adapter, (url) => ({ baseUrl: url, secret: SECRET, logger: { warn: (message) => warnings.push(message) }, ...options }), { routes: testModeRoutes });
  return { url: app.url, oidc: app.oidc, warnings, close: () => app.close() };
}

async function json(browser: TestBrowser, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await browser.request(url, { headers: { accept: 'application/json', ...headers } });
  return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
}

/** Runs `fn` with NODE_ENV set to `value`, restoring it afterwards. */
function withNodeEnv<T>(value: string | undefined, fn: () => T): T {
  const saved = process.env['NODE_ENV'];
  if (value === undefined) delete process.env['NODE_ENV'];
  else process.env['NODE_ENV'] = value;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = saved;
  }
}

for (const adapter of ADAPTERS) {
  describe(`test mode (${adapter})`, () => {
    let app: TestModeApp;
    before(async () => {
      app = await startApp(adapter, { testMode: { user: { sub: 'alice', email: 'alice@example.com' } } });
    });
    after(() => app.close());

    test('it starts without issuer, clientId or clientSecret, and warns that it is on', () => {
      assert.ok(app.warnings.some((w) => /TEST MODE/.test(w)), 'a start-up warning');
    });

    test('/login logs testMode.user in at once: 303 to returnTo, and /profile shows the user', async () => {
      const browser = new TestBrowser();
      const login = await browser.request(`${app.url}/login?returnTo=/profile`);
      assert.equal(login.status, 303);
      assert.equal(login.headers.get('location'), `${app.url}/profile`);
      assert.ok(login.setCookies.some((c) => c.startsWith('oidc_session=') && /HttpOnly/.test(c)), 'a session cookie');
      assert.deepEqual(login.setCookies.filter((c) => c.includes('_tx.')), [], 'no provider round trip, so no transaction');

      const profile = await json(browser, `${app.url}/profile`);
      assert.equal(profile.status, 200);
      assert.deepEqual(profile.body, { sub: 'alice', email: 'alice@example.com', provider: 'default' });
      const token = await json(browser, `${app.url}/api/token`);
      assert.equal(token.body['accessToken'], 'test-access-token', 'the default test access token');
      const live = await json(browser, `${app.url}/live`);
      assert.equal(live.status, 200, 'live UserInfo answers without a provider');
      assert.deepEqual(live.body, { email: 'alice@example.com', sub: 'alice' });
    });

    test('a protected page logs an anonymous browser in and brings it back', async () => {
      const browser = new TestBrowser();
      const { url, response, visited } = await browser.navigate(`${app.url}/profile`);
      assert.ok(visited.every((u) => u.origin === app.url), 'never leaves the app');
      assert.equal(url.href, `${app.url}/profile`);
      assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'alice');
      const api = await new TestBrowser().request(`${app.url}/profile`, { headers: { accept: 'application/json' } });
      assert.equal(api.status, 401, 'JSON clients without a session still get 401');
    });

    test('createTestSession() gives a Cookie header for any user and tokens', async () => {
      const cookie = await app.oidc.createTestSession({ sub: 'bob' }, { accessToken: 'tok', refreshToken: 'rt', scope: 'openid email' });
      assert.match(cookie, /^oidc_session=/);
      const browser = new TestBrowser();
      const profile = await json(browser, `${app.url}/profile`, { cookie });
      assert.equal(profile.status, 200);
      assert.deepEqual(profile.body, { sub: 'bob', email: null, provider: 'default' });
      const token = await json(browser, `${app.url}/api/token`, { cookie });
      assert.deepEqual(token.body, { accessToken: 'tok', refreshToken: 'rt', scope: 'openid email' });
      const flipped = `${cookie.slice(0, 30)}${cookie[30] === 'x' ? 'y' : 'x'}${cookie.slice(31)}`;
      const forged = await json(browser, `${app.url}/`, { cookie: flipped });
      assert.equal(forged.body['authenticated'], false, 'the test session is a real encrypted cookie: tampering ends it');
    });

    test('logout ends the session locally and returns to the app', async () => {
      const browser = new TestBrowser();
      await browser.request(`${app.url}/login`);
      assert.equal((await json(browser, `${app.url}/`)).body['sub'], 'alice');
      const out = await browser.request(`${app.url}/logout?returnTo=/bye`, { method: 'POST', headers: { origin: app.url } });
      assert.equal(out.status, 303);
      assert.equal(out.headers.get('location'), `${app.url}/bye`, 'not sent to any provider');
      assert.ok(out.setCookies.some((c) => c.startsWith('oidc_session=;') && /Max-Age=0/.test(c)));
      assert.equal((await json(browser, `${app.url}/`)).body['authenticated'], false);

      await browser.request(`${app.url}/login`);
      const viaGet = await browser.navigate(`${app.url}/logout`);
      assert.equal(viaGet.url.href, `${app.url}/`);
      assert.equal((await json(browser, `${app.url}/`)).body['authenticated'], false);
    });
  });

  describe(`test mode options (${adapter})`, () => {
    test('testMode: true logs in the default test user', async () => {
      const app = await startApp(adapter, { testMode: true });
      try {
        const browser = new TestBrowser();
        await browser.request(`${app.url}/login`);
        assert.equal((await json(browser, `${app.url}/profile`)).body['sub'], 'test-user');
      } finally {
        await app.close();
      }
    });

    test('testMode.accessToken is the token of test sessions', async () => {
      const app = await startApp(adapter, { testMode: { accessToken: 'configured-token' } });
      try {
        const browser = new TestBrowser();
        await browser.request(`${app.url}/login`);
        assert.equal((await json(browser, `${app.url}/api/token`)).body['accessToken'], 'configured-token');
        const cookie = await app.oidc.createTestSession({ sub: 'carol' });
        assert.equal((await json(browser, `${app.url}/api/token`, { cookie })).body['accessToken'], 'configured-token');
      } finally {
        await app.close();
      }
    });
  });
}

describe('test mode options at construction', () => {
  test('with NODE_ENV=production, construction throws a ConfigurationError naming testMode', () => {
    withNodeEnv('production', () => {
      assert.throws(
        () => new OpenIDConnect({ baseUrl: 'http://127.0.0.1:3000', secret: SECRET, testMode: { user: { sub: 'alice' } } }),
        (error: unknown) => error instanceof ConfigurationError && error.option === 'testMode' && /`testMode`/.test(error.message) && /production/.test(error.message),
      );
      assert.throws(() => new OpenIDConnect({ baseUrl: 'http://127.0.0.1:3000', secret: SECRET, testMode: true }), ConfigurationError);
    });
  });

  test('createTestSession() without test mode is a TypeError', async () => {
    const oidc = new OpenIDConnect({
      baseUrl: 'http://127.0.0.1:3000',
      secret: SECRET,
      issuer: 'https://op.example',
      clientId: 'app',
      clientSecret: 'client-secret',
    });
    await assert.rejects(oidc.createTestSession({ sub: 'mallory' }), TypeError);
  });
});

for (const flavor of PACKAGE_ADAPTERS) {
  describe(`test mode and onCallback (${flavor})`, () => {
    let app: TestModeApp;
    before(async () => {
      app = await startApp(flavor, { testMode: { user: { sub: 'alice', email: 'alice@example.com' } } });
    });
    after(() => app.close());

    test('onCallback runs after a test-mode login with the login state', async () => {
      const results: unknown[] = [];
      setCallback(app.oidc, ({ oidc, result }) => {
        results.push(result.state);
        return { json: { state: result.state, sub: oidc.user?.sub, returnTo: result.returnTo } };
      });
      const response = await new TestBrowser().request(`${app.url}/checkout`);
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body), { state: { cart: 7 }, sub: 'alice', returnTo: `${app.url}/profile` });
      assert.deepEqual(results, [{ cart: 7 }]);
    });
  });
}
