/**
 * Interop with a real, independent OpenID Provider: Debian's packaged Glewlwyd 2.7.5, started by
 * test/interop/glewlwyd/setup.sh, and an oidc-kit Express app configured the way a user would for
 * it, driven by Debian's Chromium (playwright-core, headless). The point is that oidc-kit's full
 * validation (ID token, RFC 9207 iss, RFC 9068 access tokens, refresh, logout) holds against tokens
 * it did not mint itself, and that where Glewlwyd deviates from the specifications (its logout
 * token has no `exp`; `auth_time` is 0) oidc-kit refuses exactly as documented. The tests run in
 * order and share one login. test/interop/glewlwyd/README.md says what each one found.
 *
 * Where glewlwyd (or Chromium) is missing, the suite says so in one line with the install
 * command; under CI (CI=true) that is a failure, never a skip.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

import { OpenIDConnect } from '../../src/express.ts';
import {
  confirmLogoutAtGlewlwyd, decodeJwt, type GlewlwydInstance, glewlwydLogTail, glewlwydUnavailable, signInAtGlewlwyd,
  startGlewlwyd, stopGlewlwyd, subjectOf,
} from './glewlwyd/glewlwyd.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** The flags that keep a headless Chromium quiet and off the network (as test/browser uses). */
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--no-default-browser-check',
];
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results');

function chromiumUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `Chromium not found at ${CHROMIUM}; install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}. Under CI this is a failure, not a skip.`);
  return reason;
}

const unavailable = glewlwydUnavailable() ?? chromiumUnavailable();
if (unavailable !== undefined) console.log(`# Glewlwyd interop test skipped: ${unavailable}`);

/** What the app's back-channel logout route answered Glewlwyd, with the form it read. */
interface BackchannelCall {
  status: number;
  logoutToken: string | undefined;
}

describe('interop: Glewlwyd 2.7.5 (Debian package) as the provider, in a real browser', { skip: unavailable, timeout: 120_000 }, () => {
  let glewlwyd: GlewlwydInstance | undefined;
  let server: Server;
  let appUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const warnings: Array<{ message: string; details: Record<string, unknown> | undefined }> = [];
  const backchannel: BackchannelCall[] = [];
  /** Every navigation of the browser into the app's callback and post-logout routes. */
  const returns: URL[] = [];
  /** Every authorization request the browser took to Glewlwyd. */
  const authorizations: URL[] = [];
  let discovery: Record<string, unknown> = {};
  // What one test found and a later one builds on.
  let sub = '';
  let sid = '';
  let accessToken = '';

  before(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const appPort = (server.address() as AddressInfo).port;
    glewlwyd = await startGlewlwyd(appPort);
    appUrl = glewlwyd.appUrl;
    server.on('request', buildApp(glewlwyd));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    context = await browser.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === appUrl && ['/callback', '/logout/callback'].includes(url.pathname)) returns.push(url);
      if (url.href.startsWith(`${glewlwyd!.issuer}/auth?`)) authorizations.push(url);
    });
    discovery = await (await fetch(`${glewlwyd.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
  });

  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
    await stopGlewlwyd(glewlwyd);
  });

  /** The oidc-kit app, configured for Glewlwyd as its docs tell a user to. */
  function buildApp(op: GlewlwydInstance): express.Express {
    const oidc = new OpenIDConnect({
      baseUrl: op.appUrl,
      secret: 'interop-test-secret-0123456789-abcdefghij',
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      scope: 'openid profile email',
      // Without an RFC 8707 resource, Glewlwyd's access tokens say aud: "openid profile email".
      authorizationParams: { resource: op.resource },
      routes: { backchannelLogout: '/backchannel-logout' },
      resourceServer: { audience: op.resource },
      logger: { warn: (message, details) => warnings.push({ message, details }) },
    });
    const app = express();
    // Records what the back-channel logout route answered, and the form oidc-kit read (it leaves
    // a form it read in req.body).
    app.use('/backchannel-logout', (req, res, next) => {
      res.on('finish', () => backchannel.push({ status: res.statusCode, logoutToken: (req.body as Record<string, string> | undefined)?.['logout_token'] }));
      next();
    });
    app.use(oidc.middleware());
    app.get('/me', oidc.requireLogin(), (req, res) => {
      res.json({ user: req.oidc.user, idTokenClaims: req.oidc.idTokenClaims });
    });
    app.get('/session/token', oidc.requireLogin(), async (req, res) => {
      res.json({ accessToken: await req.oidc.accessToken() });
    });
    app.get('/session/refresh', oidc.requireLogin(), async (req, res) => {
      res.json({ accessToken: await req.oidc.accessToken({ forceRefresh: true }), user: req.oidc.user });
    });
    app.get('/status', (req, res) => {
      res.json({ authenticated: req.oidc.isAuthenticated });
    });
    app.get('/login-max-age', (req, _res, next) => {
      req.oidc.login({ returnTo: '/me', authorizationParams: { max_age: '600' } }).catch(next);
    });
    app.get('/logged-out', (_req, res) => {
      res.type('text').send('logged out');
    });
    app.get('/api/whoami', oidc.acceptToken(), (req, res) => {
      res.json(req.oidc.token);
    });
    app.get('/api/elsewhere', oidc.acceptToken({ audience: 'https://elsewhere.example' }), (_req, res) => {
      res.json({ reached: true });
    });
    app.use(oidc.errorHandler());
    return app;
  }

  /**
   * Runs a step; on failure, saves a screenshot and adds Glewlwyd's log and oidc-kit's warnings to
   * the error, since a real provider's side of a failure is otherwise invisible.
   */
  async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page?.screenshot({ path: join(SCREENSHOTS, `glewlwyd-${name}.png`), fullPage: true }).catch(() => undefined);
      const context_ = `\n--- oidc-kit warnings: ${JSON.stringify(warnings)}\n--- browser at: ${page?.url()}\n--- Glewlwyd log:\n${glewlwydLogTail(glewlwyd)}`;
      // The runner prints the stack, which already holds the message: extend both.
      if (error instanceof Error) {
        error.message += context_;
        error.stack = `${error.stack ?? ''}${context_}`;
      }
      throw error;
    }
  }

  /** A GET in the browser's context (its cookies), without following redirects. */
  async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await context.request.get(`${appUrl}${path}`, { maxRedirects: 0, headers: { accept: 'application/json' } });
    const text = await response.text();
    return { status: response.status(), body: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : { text } };
  }

  /** The app's resource server, called as an API client would: the token and nothing else. */
  async function callApi(path: string, token: string): Promise<{ status: number; challenge: string | null; body: Record<string, unknown> }> {
    const response = await fetch(`${appUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json() as Record<string, unknown> };
  }

  test('a. login through Glewlwyd\'s own login and consent pages: logged in as alice, ID token fully validated', () => step('a-login', async () => {
    const op = glewlwyd!;
    // The issuer oidc-kit is configured with is the exact string of Glewlwyd's discovery.
    assert.equal(discovery['issuer'], op.issuer);
    await page.goto(`${appUrl}/me`);
    assert.ok(page.url().startsWith(`http://localhost:${op.port}/login.html`), `at Glewlwyd's login page: ${page.url()}`);
    await signInAtGlewlwyd(page, op);
    await page.waitForURL(`${appUrl}/me`);
    // The browser takes the authorization request to Glewlwyd twice: before and after its login page.
    assert.ok(authorizations.length > 0);
    for (const url of authorizations) assert.equal(url.searchParams.get('resource'), op.resource, 'the resource indicator went to Glewlwyd');

    // Glewlwyd answered with RFC 9207's iss (oauth-as-iss-id), which oidc-kit compared exactly,
    // although its discovery does not advertise it.
    assert.equal(discovery['authorization_response_iss_parameter_supported'], undefined);
    assert.equal(returns.length, 1, `one callback: ${returns.join(', ')}`);
    assert.equal(returns[0]!.searchParams.get('iss'), op.issuer);
    assert.ok(returns[0]!.searchParams.get('code'));

    const me = await getJson('/me');
    assert.equal(me.status, 200);
    const user = me.body['user'] as Record<string, unknown>;
    const claims = me.body['idTokenClaims'] as Record<string, unknown>;
    sub = subjectOf(op, op.username);
    assert.match(sub, /^\S{16,}$/, 'Glewlwyd gave alice a subject');
    assert.equal(user['sub'], sub, 'the sub is the one in Glewlwyd\'s database');
    assert.equal(user['name'], 'Alice Liddell');
    assert.equal(user['email'], 'alice@example.com');
    assert.equal(claims['iss'], op.issuer);
    assert.equal(claims['aud'], op.clientId);
    assert.deepEqual(claims['amr'], ['password']);
    // Glewlwyd's deviation, recorded: auth_time is 0 (see the max_age test below).
    assert.equal(claims['auth_time'], 0);
    assert.equal(typeof claims['sid'], 'string');
    sid = claims['sid'] as string;
    assert.deepEqual(warnings, [], 'oidc-kit logged nothing');
  }));

  test('b. the session\'s access token is accepted by acceptToken() with the default strict RFC 9068 rules', () => step('b-bearer', async () => {
    const op = glewlwyd!;
    const session = await getJson('/session/token');
    assert.equal(session.status, 200);
    accessToken = session.body['accessToken'] as string;
    const { header, payload } = decodeJwt(accessToken);
    assert.equal(header['typ'], 'at+jwt');
    assert.equal(header['alg'], 'RS256');
    // The resource indicator sent at login became the audience (without it: the scope string).
    assert.equal(payload['aud'], op.resource);

    const accepted = await callApi('/api/whoami', accessToken);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body['sub'], sub);
    assert.equal(accepted.body['client_id'], op.clientId);
    assert.equal(accepted.body['aud'], op.resource);
    assert.equal(accepted.body['iss'], op.issuer);
    assert.equal(accepted.body['scope'], 'openid profile email');

    // Control: the audience really is checked, the same token is refused by an API it is not for.
    const refused = await callApi('/api/elsewhere', accessToken);
    assert.equal(refused.status, 401);
    assert.equal(refused.body['error'], 'invalid_token');
    assert.equal(refused.body['reason'], 'aud');
    assert.match(refused.challenge ?? '', /^Bearer realm="api", error="invalid_token"/);
  }));

  test('c. a forced refresh works against Glewlwyd (twice: its refresh tokens are single-use here)', () => step('c-refresh', async () => {
    const tokens = [accessToken];
    for (let round = 1; round <= 2; round++) {
      const refreshed = await getJson('/session/refresh');
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      const token = refreshed.body['accessToken'] as string;
      assert.ok(!tokens.includes(token), `refresh ${round} gave a new access token`);
      assert.equal((refreshed.body['user'] as Record<string, unknown>)['sub'], sub);
      tokens.push(token);
      const accepted = await callApi('/api/whoami', token);
      assert.equal(accepted.status, 200, `the refreshed token is accepted too: ${JSON.stringify(accepted.body)}`);
      assert.notEqual(accepted.body['jti'], decodeJwt(accessToken).payload['jti']);
    }
    const stored = await getJson('/session/token');
    assert.equal(stored.body['accessToken'], tokens[2], 'the session keeps the latest token');
    assert.deepEqual(warnings, [], 'no refresh failure logged');
  }));

  test('d. RP-initiated logout through /logout ends the app session and Glewlwyd\'s, and comes back to the app', () => step('d-logout', async () => {
    const op = glewlwyd!;
    await page.goto(`${appUrl}/logout?returnTo=/logged-out`);
    await confirmLogoutAtGlewlwyd(page, op);
    await page.waitForURL(`${appUrl}/logged-out`);
    // Back through the post-logout route with the state oidc-kit sent (a missing or wrong state
    // would land on postLogoutRedirect, "/", with a warning).
    const back = returns.find((url) => url.pathname === '/logout/callback');
    assert.ok(back?.searchParams.get('state'), `came back with a state: ${back?.href}`);
    assert.deepEqual(await getJson('/status'), { status: 200, body: { authenticated: false } });
    assert.equal((await getJson('/me')).status, 401, 'a protected route no longer has a session');
    assert.equal(warnings.filter((w) => !w.message.startsWith('back-channel logout refused')).length, 0, JSON.stringify(warnings));

    // Glewlwyd's session ended too: a new login asks for the password again.
    await page.goto(`${appUrl}/me`);
    await page.waitForSelector('#username');
    assert.ok(page.url().startsWith(`http://localhost:${op.port}/login.html`));
  }));

  test('e. Glewlwyd\'s back-channel logout token (typ JWT, no exp) is refused: 400, reason exp', () => step('e-backchannel', async () => {
    const op = glewlwyd!;
    const deadline = Date.now() + 10_000;
    while (backchannel.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(backchannel.length, 1, 'Glewlwyd posted one logout token');
    const [call] = backchannel;
    assert.equal(call!.status, 400);
    const refusals = warnings.filter((w) => w.message.startsWith('back-channel logout refused'));
    assert.deepEqual(refusals.map((w) => [w.message, w.details?.['code'], w.details?.['reason']]), [['back-channel logout refused: logout_token_invalid:exp', 'logout_token_invalid', 'exp']]);

    // What Glewlwyd sent: a logout token for this very session, in every respect but exp.
    const { header, payload } = decodeJwt(call!.logoutToken ?? '');
    assert.equal(header['typ'], 'JWT');
    assert.equal(header['alg'], 'RS256');
    assert.equal('exp' in payload, false, `no exp claim: ${JSON.stringify(payload)}`);
    assert.equal(payload['iss'], op.issuer);
    assert.equal(payload['aud'], op.clientId);
    assert.equal(payload['sub'], sub);
    assert.equal(payload['sid'], sid);
    assert.equal(typeof payload['iat'], 'number');
    assert.equal(typeof payload['jti'], 'string');
    assert.deepEqual(payload['events'], { 'http://schemas.openid.net/event/backchannel-logout': {} });
    // Back-channel logout works at Glewlwyd, but its discovery does not say so.
    assert.equal(discovery['backchannel_logout_supported'], undefined);
    assert.equal(discovery['backchannel_logout_session_supported'], undefined);

    // The answer Glewlwyd got, as JSON (replayed: exp is checked before the jti is remembered).
    const replay = await fetch(`${appUrl}/backchannel-logout`, { method: 'POST', body: new URLSearchParams({ logout_token: call!.logoutToken! }) });
    assert.equal(replay.status, 400);
    const answer = await replay.json() as Record<string, unknown>;
    assert.equal(answer['error'], 'invalid_request');
    assert.equal(answer['reason'], 'exp');
  }));

  test('f. a login with max_age fails: Glewlwyd\'s auth_time is 0, so id_token_invalid (auth_time)', () => step('f-max-age', async () => {
    const op = glewlwyd!;
    warnings.length = 0;
    const callback = page.waitForResponse((response) => response.url().startsWith(`${appUrl}/callback?`));
    await page.goto(`${appUrl}/login-max-age`);
    await signInAtGlewlwyd(page, op);
    assert.equal(authorizations.at(-1)?.searchParams.get('max_age'), '600', 'max_age went to Glewlwyd');
    assert.equal((await callback).status(), 400);
    assert.match(await page.textContent('body') ?? '', /id_token_invalid/);
    assert.deepEqual(warnings.map((w) => w.message), ['login failed: id_token_invalid:auth_time']);
    assert.deepEqual(await getJson('/status'), { status: 200, body: { authenticated: false } });
  }));
});
