/**
 * Test mode, as an application's own test suite uses it: an Express app with `testMode` and no
 * provider at all, logins without a provider, `createTestSession()` cookies, local logout, and the
 * refusal to start with NODE_ENV=production.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { OpenIDConnect, type ExpressOpenIDConnectOptions } from '../../src/express.ts';
import { ConfigurationError } from '../../src/index.ts';
import { TestBrowser } from '../support/browser.ts';
import { SECRET } from '../support/testbed.ts';

interface TestModeApp {
  url: string;
  oidc: OpenIDConnect;
  warnings: string[];
  close(): Promise<void>;
}

/** An Express app using oidc-kit in test mode: no issuer, no client, no provider anywhere. */
async function startApp(options: Partial<ExpressOpenIDConnectOptions>): Promise<TestModeApp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const warnings: string[] = [];
  const oidc = new OpenIDConnect({ baseUrl: url, secret: SECRET, logger: { warn: (message) => warnings.push(message) }, ...options });
  const app = express();
  app.use(oidc.middleware());
  app.get('/', (req, res) => {
    res.json({ authenticated: req.oidc.isAuthenticated, sub: req.oidc.user?.sub ?? null });
  });
  app.get('/profile', oidc.requireLogin(), (req, res) => {
    res.json({ sub: req.oidc.user?.sub, email: req.oidc.user?.email ?? null, provider: req.oidc.provider });
  });
  app.get('/api/token', oidc.requireLogin(), async (req, res, next) => {
    try {
      res.json({ accessToken: await req.oidc.accessToken(), refreshToken: req.oidc.refreshToken ?? null, scope: req.oidc.scope ?? null });
    } catch (error) {
      next(error);
    }
  });
  app.get('/live', oidc.requireLogin(), async (req, res, next) => {
    try {
      res.json(await req.oidc.getInfo(['email', 'sub'], { live: true }));
    } catch (error) {
      next(error);
    }
  });
  app.get('/checkout', (req, res, next) => {
    req.oidc.login({ returnTo: '/profile', state: { cart: 7 } }).catch(next);
  });
  app.use(oidc.errorHandler());
  server.on('request', app);
  return {
    url,
    oidc,
    warnings,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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

describe('test mode', () => {
  let app: TestModeApp;
  before(async () => {
    app = await startApp({ testMode: { user: { sub: 'alice', email: 'alice@example.com' } } });
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

  test('onCallback runs after a test-mode login with the login state', async () => {
    const results: unknown[] = [];
    app.oidc.onCallback((req, res, result) => {
      results.push(result.state);
      res.json({ state: result.state, sub: req.oidc.user?.sub, returnTo: result.returnTo });
    });
    const response = await new TestBrowser().request(`${app.url}/checkout`);
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { state: { cart: 7 }, sub: 'alice', returnTo: `${app.url}/profile` });
    assert.deepEqual(results, [{ cart: 7 }]);
  });
});

describe('test mode options', () => {
  test('testMode: true logs in the default test user', async () => {
    const app = await startApp({ testMode: true });
    try {
      const browser = new TestBrowser();
      await browser.request(`${app.url}/login`);
      assert.equal((await json(browser, `${app.url}/profile`)).body['sub'], 'test-user');
    } finally {
      await app.close();
    }
  });

  test('testMode.accessToken is the token of test sessions', async () => {
    const app = await startApp({ testMode: { accessToken: 'configured-token' } });
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
