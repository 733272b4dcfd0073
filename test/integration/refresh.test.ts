/**
 * Token refresh against the real provider (oidc-provider in process, real HTTP): due tokens are
 * refreshed once and saved, concurrent requests share one refresh, rotated refresh tokens replace
 * the old ones without ever being replayed, a refused refresh ends the session, a refreshed ID
 * token must keep the identity of the first one (EXT-14/15/16, BCP-15), and an unreachable provider
 * ends nothing. On every adapter.
 *
 * Tokens are made "due" without waiting: the app runs with `refreshBefore: 3000` and the provider
 * gives access tokens from the login (authorization_code grant) a lifetime of 600 s — due at once —
 * and those from a refresh 3600 s — not due — unless a test changes these knobs.
 *
 * Token requests go app → gate → token proxy → provider: the gate can be switched off (connection
 * refused: the provider is down) or made to swallow requests (a provider that does not answer); the
 * proxy records every token response and can re-sign the refreshed ID token with the provider's own
 * key but changed claims. The provider's own grant events tell which grants it answered.
 */
import assert from 'node:assert/strict';
import { createServer, request as forward, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { decodeJwt, type JWTPayload } from 'jose';
import type { ClientMetadata } from 'oidc-provider';
import { MemoryStore, type RequestContext } from '../../src/index.ts';
import type { ExpressOpenIDConnectOptions } from '../../src/express.ts';
import { type BrowserResponse, loginThroughProvider, type TestBrowser } from '../support/browser.ts';
import { makeProviderKeys, type ProviderKeys } from '../support/provider-keys.ts';
import { get, type TestRoute } from '../support/test-routes.ts';
import { ADAPTERS, startTestbed, withTestbed, type AdapterName, type Testbed } from '../support/testbed.ts';
import { startTokenProxy, type TokenProxy } from '../support/token-proxy.ts';

type SessionKind = 'cookie' | 'store';
const SESSION_KINDS: SessionKind[] = ['cookie', 'store'];
const REFRESH_BEFORE = 3000;
const DUE_TTL = 600; // below REFRESH_BEFORE: counts as expired at once
const FRESH_TTL = 3600; // above REFRESH_BEFORE: valid
const HTTP_TIMEOUT_MS = 1000; // the app's httpTimeout: how long it waits for a provider that does not answer

/**
 * A switch in front of the token proxy: `down()` closes it (connection refused, as a provider that
 * is down), `hang()` accepts requests and never answers (a provider that stopped responding); `up()`
 * restores it. `received` counts the requests that reached it.
 */
interface Gate {
  url: string;
  received: number;
  up(): Promise<void>;
  down(): Promise<void>;
  hang(): void;
  close(): Promise<void>;
}

async function startGate(target: string): Promise<Gate> {
  let hanging = false;
  const held = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    gate.received++;
    if (hanging) {
      held.add(res);
      return;
    }
    const upstream = forward(new URL(req.url ?? '/', target), { method: req.method ?? 'GET', headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const release = () => {
    hanging = false;
    for (const res of held) res.destroy();
    held.clear();
  };
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    release();
    if (server.listening) {
      resolve();
      return;
    }
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const stop = () => new Promise<void>((resolve) => {
    release();
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const gate: Gate = {
    url: `http://127.0.0.1:${port}`,
    received: 0,
    up: () => listen(port),
    down: stop,
    hang: () => {
      hanging = true;
    },
    close: stop,
  };
  return gate;
}

/** What the provider did at its token endpoint (oidc-provider's own grant events). */
interface GrantRecord {
  grantType: string;
  ok: boolean;
  error?: string;
  scope?: unknown;
}

/** One testbed with its gate, proxy and knobs. */
interface Rig {
  bed: Testbed;
  proxy: TokenProxy;
  gate: Gate;
  keys: ProviderKeys;
  store: MemoryStore | undefined;
  knobs: { loginTtl: number; refreshTtl: number; rotate: boolean };
  /** Every grant the provider answered, oldest first. */
  grants: GrantRecord[];
  /** Every token response the provider sent (before any change), oldest first. */
  tokenResponses: Array<Record<string, unknown>>;
  /** Changes the claims of the ID token in token responses while set (re-signed with the provider's key). */
  mutate: ((claims: JWTPayload) => JWTPayload) | undefined;
  close(): Promise<void>;
}

interface RigOptions {
  adapter: AdapterName;
  session: SessionKind;
  client?: Partial<ClientMetadata>;
  oidc?: Partial<ExpressOpenIDConnectOptions>;
}

/** What the session holds, without refreshing. */
const peek = (oidc: RequestContext) => ({
  authenticated: oidc.isAuthenticated,
  refreshToken: oidc.refreshToken ?? null,
  accessTokenExpiresAt: oidc.accessTokenExpiresAt?.getTime() ?? null,
  idTokenClaims: oidc.idTokenClaims ?? null,
  user: oidc.user ?? null,
});

/** Routes of this file: what the session holds without refreshing, and accessToken() without requireLogin (errors → the adapter's oidc-kit error handling). */
const routes: readonly TestRoute[] = [
  get('/peek', [], ({ oidc }) => ({ json: peek(oidc) })),
  get('/guarded-peek', [['requireLogin']], ({ oidc }) => ({ json: peek(oidc) })),
  get('/api/unguarded', [], async ({ oidc, query }) => ({ json: { accessToken: (await oidc.accessToken({ forceRefresh: query.get('force') === '1' })) ?? null } })),
  get('/api/userinfo-unguarded', [], async ({ oidc }) => {
    const accessToken = await oidc.accessToken();
    const info = await oidc.getInfo(['email'], { live: true });
    return { json: { accessToken: accessToken ?? null, info } };
  }),
];

async function startRig(options: RigOptions): Promise<Rig> {
  const keys = await makeProviderKeys();
  const knobs: Rig['knobs'] = { loginTtl: DUE_TTL, refreshTtl: FRESH_TTL, rotate: false };
  const bed = await startTestbed({
    adapter: options.adapter,
    providerConfiguration: {
      jwks: keys.jwks,
      ttl: { AccessToken: (ctx) => (ctx.oidc.params?.['grant_type'] === 'refresh_token' ? knobs.refreshTtl : knobs.loginTtl) },
      rotateRefreshToken: () => knobs.rotate,
    },
    ...(options.client ? { client: options.client } : {}),
    appRoutes: routes,
  });
  const proxy = await startTokenProxy(bed.op.issuer);
  const gate = await startGate(proxy.url);
  const store = options.session === 'store' ? new MemoryStore() : undefined;
  const rig: Rig = {
    bed, proxy, gate, keys, store, knobs,
    grants: [],
    tokenResponses: [],
    mutate: undefined,
    async close() {
      await gate.close();
      await proxy.close();
      await bed.close();
    },
  };
  bed.op.provider.on('grant.success', (ctx) => {
    rig.grants.push({ grantType: String(ctx.oidc.params?.['grant_type']), ok: true, scope: ctx.oidc.params?.['scope'] });
  });
  bed.op.provider.on('grant.error', (ctx, error) => {
    rig.grants.push({ grantType: String(ctx.oidc.params?.['grant_type']), ok: false, error: error.error });
  });
  proxy.rewrite = async (path, body) => {
    if (path !== '/token') return body;
    rig.tokenResponses.push(body);
    const mutate = rig.mutate;
    if (mutate === undefined) return body;
    assert.equal(typeof body['id_token'], 'string', 'the refresh response carries an ID token to change');
    return { ...body, id_token: await keys.sign(mutate(decodeJwt(body['id_token'] as string))) };
  };
  bed.reconfigure(({ issuer }) => ({
    refreshBefore: REFRESH_BEFORE,
    httpTimeout: HTTP_TIMEOUT_MS,
    providerMetadata: {
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${gate.url}/token`,
      userinfo_endpoint: `${proxy.url}/me`,
      jwks_uri: `${issuer}/jwks`,
      authorization_response_iss_parameter_supported: true,
    },
    ...(store ? { session: { store } } : {}),
    ...options.oidc,
  }));
  return rig;
}

interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
  response: BrowserResponse;
}

async function getJson(browser: TestBrowser, url: string): Promise<JsonAnswer> {
  const response = await browser.request(url, { headers: { accept: 'application/json' } });
  const body = response.body && response.headers.get('content-type')?.includes('json') ? (JSON.parse(response.body) as Record<string, unknown>) : {};
  return { status: response.status, body, response };
}

const SESSION_COOKIE = /^oidc_session(\.\d+)?=/;
const isClearing = (cookie: string): boolean => /;\s*max-age=0\b/i.test(cookie) || /^[^=]+=;/.test(cookie) || /expires=thu, 01 jan 1970/i.test(cookie);
const sessionCookies = (response: BrowserResponse): string[] => response.setCookies.filter((c) => SESSION_COOKIE.test(c));
/** The response saved the session (a live session cookie was set). */
const writesSession = (response: BrowserResponse): boolean => sessionCookies(response).some((c) => !isClearing(c));
/** The response ended the session (session cookies cleared, none set). */
const clearsSession = (response: BrowserResponse): boolean => {
  const cookies = sessionCookies(response);
  return cookies.length > 0 && cookies.every(isClearing);
};

for (const adapter of ADAPTERS) {
  describe(`token refresh (${adapter})`, () => {
    for (const kind of SESSION_KINDS) {
      describe(`with ${kind} sessions`, () => {
        let rig: Rig;
        let appUrl: string;

        before(async () => {
          rig = await startRig({ adapter, session: kind });
          appUrl = rig.bed.appUrl;
        });
        after(async () => {
          await rig.close();
        });
        beforeEach(() => {
          rig.knobs.loginTtl = DUE_TTL;
          rig.knobs.refreshTtl = FRESH_TTL;
          rig.knobs.rotate = false;
          rig.mutate = undefined;
        });
        afterEach(async () => {
          await rig.gate.up(); // after a test that switched it off and failed
        });

        /** Where the counters stood at the last `mark()`: token requests, grants and token responses are counted from there. */
        let marks = { requests: 0, grants: 0, responses: 0 };
        const mark = () => {
          marks = { requests: rig.bed.op.requests.length, grants: rig.grants.length, responses: rig.tokenResponses.length };
          rig.proxy.calls.clear();
        };
        const tokenPosts = () => rig.bed.op.requests.slice(marks.requests).filter((r) => r.method === 'POST' && r.path === '/token').length;
        const grantsSince = () => rig.grants.slice(marks.grants);
        const responsesSince = () => rig.tokenResponses.slice(marks.responses);

        /** Logs in as `username` and returns the browser and the login's tokens; counters restart after it. */
        async function login(username = 'alice') {
          const browser = rig.bed.browser();
          const before = rig.tokenResponses.length;
          const { response } = await loginThroughProvider(browser, `${appUrl}/login?returnTo=/peek`, username);
          assert.equal(response.status, 200, 'logged in');
          const peeked = JSON.parse(response.body) as { authenticated: boolean; refreshToken: string | null };
          assert.equal(peeked.authenticated, true);
          const tokens = rig.tokenResponses[before];
          assert.ok(tokens, 'the login went through the token proxy');
          mark();
          return { browser, accessToken: tokens['access_token'] as string, refreshToken: peeked.refreshToken };
        }

        const peek = async (browser: TestBrowser) => {
          const answer = await getJson(browser, `${appUrl}/peek`);
          assert.equal(answer.status, 200);
          return answer.body as { authenticated: boolean; refreshToken: string | null; accessTokenExpiresAt: number | null; idTokenClaims: JWTPayload | null; user: Record<string, unknown> | null };
        };

        test('EXT-13: a due access token is refreshed by accessToken(): one refresh_token grant, a new token, saved in the session', async () => {
          const { browser, accessToken: old, refreshToken } = await login();
          assert.ok(refreshToken, 'the provider issued a refresh token');

          const answer = await getJson(browser, `${appUrl}/api/unguarded`);
          assert.equal(answer.status, 200);
          const fresh = answer.body['accessToken'];
          assert.equal(typeof fresh, 'string');
          assert.notEqual(fresh, old, 'a new access token');
          assert.equal(fresh, responsesSince()[0]?.['access_token'], 'the one the provider just issued');
          assert.equal(tokenPosts(), 1, 'exactly one token request');
          assert.deepEqual(grantsSince().map((g) => [g.grantType, g.ok]), [['refresh_token', true]]);
          const scope = grantsSince()[0]?.scope;
          assert.ok(scope === undefined || (typeof scope === 'string' && scope.split(' ').every((s) => ['openid', 'email', 'profile'].includes(s))), 'no scope beyond the original (EXT-13)');
          assert.ok(writesSession(answer.response), 'the new tokens were saved: Set-Cookie sent');

          // Saved: the next request finds the new token valid and asks the provider nothing.
          mark();
          const next = await getJson(browser, `${appUrl}/api/unguarded`);
          assert.equal(next.body['accessToken'], fresh);
          const viaGuard = await getJson(browser, `${appUrl}/api/token`);
          assert.equal(viaGuard.body['accessToken'], fresh);
          assert.equal(tokenPosts(), 0, 'no further token request');
          const expiresAt = (await peek(browser)).accessTokenExpiresAt!;
          assert.ok(Math.abs(expiresAt - (Date.now() + FRESH_TTL * 1000)) < 10_000, 'the new expiry was saved');
        });

        test('a token that is not due is returned as is, without any token request', async () => {
          rig.knobs.loginTtl = FRESH_TTL;
          const { browser, accessToken } = await login();
          for (const path of ['/api/token', '/api/unguarded', '/tokens']) {
            const answer = await getJson(browser, `${appUrl}${path}`);
            assert.equal(answer.status, 200, path);
            assert.equal(answer.body['accessToken'], accessToken, path);
          }
          assert.equal(tokenPosts(), 0);
          assert.equal(grantsSince().length, 0);
        });

        test('accessToken({ forceRefresh: true }) refreshes a valid token (/api/token?force=1)', async () => {
          rig.knobs.loginTtl = FRESH_TTL;
          const { browser, accessToken: old } = await login();
          const answer = await getJson(browser, `${appUrl}/api/token?force=1`);
          assert.equal(answer.status, 200);
          assert.notEqual(answer.body['accessToken'], old);
          assert.equal(answer.body['accessToken'], responsesSince()[0]?.['access_token']);
          assert.deepEqual(grantsSince().map((g) => [g.grantType, g.ok]), [['refresh_token', true]]);
          assert.ok(writesSession(answer.response));
          mark();
          assert.equal((await getJson(browser, `${appUrl}/api/token`)).body['accessToken'], answer.body['accessToken'], 'saved');
          assert.equal(tokenPosts(), 0);
        });

        test('forceRefresh twice in a row gets a new token each time (two refresh_token grants)', async () => {
          rig.knobs.loginTtl = FRESH_TTL;
          const { browser, accessToken: old } = await login();
          const first = await getJson(browser, `${appUrl}/api/token?force=1`);
          const second = await getJson(browser, `${appUrl}/api/token?force=1`);
          assert.equal(first.status, 200);
          assert.equal(second.status, 200);
          const tokens = [old, first.body['accessToken'], second.body['accessToken']];
          assert.equal(new Set(tokens).size, 3, 'a forced refresh must not hand back the previous token');
          assert.equal(grantsSince().filter((g) => g.grantType === 'refresh_token' && g.ok).length, 2);
        });

        test('requireLogin refreshes a due token before the handler runs', async () => {
          const { browser } = await login();
          const before = await peek(browser);
          const guarded = await getJson(browser, `${appUrl}/guarded-peek`);
          assert.equal(guarded.status, 200);
          const seen = guarded.body as { accessTokenExpiresAt: number };
          assert.ok(seen.accessTokenExpiresAt > before.accessTokenExpiresAt! + (FRESH_TTL - DUE_TTL - 10) * 1000, 'the handler already sees the refreshed tokens');
          assert.deepEqual(grantsSince().map((g) => [g.grantType, g.ok]), [['refresh_token', true]]);
          assert.ok(writesSession(guarded.response));

          // /tokens (requireLogin + accessToken()) shows the new access token, without another refresh.
          const { browser: other, accessToken: old } = await login('bob');
          const tokens = await getJson(other, `${appUrl}/tokens`);
          assert.equal(tokens.status, 200);
          assert.notEqual(tokens.body['accessToken'], old);
          assert.equal(tokens.body['accessToken'], responsesSince()[0]?.['access_token']);
          assert.equal(tokenPosts(), 1);
        });

        test('BCP-16: 10 parallel requests of one session with a due token share ONE refresh_token grant', async () => {
          const { browser, accessToken: old } = await login();
          const answers = await Promise.all(Array.from({ length: 10 }, () => getJson(browser, `${appUrl}/api/token`)));
          assert.deepEqual(answers.map((a) => a.status), Array(10).fill(200));
          const tokens = new Set(answers.map((a) => a.body['accessToken']));
          assert.equal(tokens.size, 1, 'all got the same access token');
          assert.ok(!tokens.has(old), 'a new one');
          assert.equal(tokenPosts(), 1, 'exactly one token request reached the provider');
          assert.deepEqual(grantsSince().map((g) => [g.grantType, g.ok]), [['refresh_token', true]]);
          mark();
          assert.equal((await getJson(browser, `${appUrl}/api/token`)).body['accessToken'], [...tokens][0]);
          assert.equal(tokenPosts(), 0);
        });

        test('EXT-13, BCP-15: a rotated refresh token replaces the old one; the old cookie gets the same new tokens without replaying it', async () => {
          rig.knobs.rotate = true;
          const { browser, refreshToken: rt0 } = await login();
          const oldCookie = browser.clone();
          assert.ok(rt0);

          const first = await getJson(browser, `${appUrl}/api/token`);
          assert.equal(first.status, 200);
          const { accessToken: at1, refreshToken: rt1 } = first.body as { accessToken: string; refreshToken: string };
          assert.ok(rt1 && rt1 !== rt0, 'the refresh token was rotated');
          assert.equal(rt1, responsesSince()[0]?.['refresh_token']);
          assert.equal((await peek(browser)).refreshToken, rt1, 'the new refresh token is in the session');
          assert.equal(grantsSince().length, 1);

          // A request still carrying the old cookie (sent before the first one's Set-Cookie arrived).
          const late = await getJson(oldCookie, `${appUrl}/api/token`);
          assert.equal(late.status, 200);
          assert.deepEqual(late.body, { accessToken: at1, refreshToken: rt1 }, 'the same new tokens');
          assert.equal(grantsSince().length, 1, 'no second token request: the rotated refresh token was not replayed');
          assert.equal(tokenPosts(), 1);

          // The grant is intact at the provider, and the session goes on refreshing.
          const stored = await rig.bed.op.provider.RefreshToken.find(rt1);
          assert.ok(stored && !stored.consumed, 'the new refresh token is still valid at the provider');
          let previous = rt1;
          for (let round = 0; round < 2; round++) {
            const again = await getJson(browser, `${appUrl}/api/token?force=1`);
            assert.equal(again.status, 200);
            const next = again.body['refreshToken'] as string;
            assert.ok(next && next !== previous, `rotated again (round ${round})`);
            previous = next;
          }
          assert.ok(grantsSince().every((g) => g.ok), 'the provider never refused a refresh');
          assert.equal(grantsSince().length, 3);
          assert.equal((await getJson(oldCookie, `${appUrl}/api/strict`)).status, 200, 'the other tab is still logged in');
        });

        /** Logs in and destroys the session's refresh token at the provider. */
        async function loginWithRevokedRefreshToken() {
          const session = await login();
          assert.ok(session.refreshToken);
          const stored = await rig.bed.op.provider.RefreshToken.find(session.refreshToken);
          assert.ok(stored, 'the refresh token exists at the provider');
          await stored.destroy();
          return { ...session, stale: session.browser.clone() };
        }

        async function assertEnded(browser: TestBrowser, stale: TestBrowser) {
          assert.equal((await getJson(browser, `${appUrl}/`)).body['authenticated'], false, 'logged out');
          if (kind === 'store') {
            assert.equal((await getJson(stale, `${appUrl}/`)).body['authenticated'], false, 'the stored session was deleted: an old copy of the cookie is dead too');
          }
        }

        test('BCP-15: invalid_grant ends the session — a browser on a requireLogin page is sent to log in again', async () => {
          const { browser, stale } = await loginWithRevokedRefreshToken();
          const page = await browser.request(`${appUrl}/tokens`);
          assert.ok([302, 303].includes(page.status), `redirected (${page.status})`);
          const location = new URL(page.headers.get('location') ?? '', appUrl);
          assert.equal(`${location.origin}${location.pathname}`, `${rig.bed.op.issuer}/auth`, 'to the provider\'s authorization endpoint');
          assert.ok(clearsSession(page), 'the session cookie is cleared');
          assert.deepEqual(grantsSince().map((g) => [g.grantType, g.ok, g.error]), [['refresh_token', false, 'invalid_grant']]);
          await assertEnded(browser, stale);
        });

        test('BCP-15: invalid_grant ends the session — a JSON client of a requireLogin route gets 401 session_expired (invalid_grant)', async () => {
          const { browser, stale } = await loginWithRevokedRefreshToken();
          const answer = await getJson(browser, `${appUrl}/api/token`);
          assert.equal(answer.status, 401);
          assert.ok(clearsSession(answer.response), 'the session cookie is cleared');
          assert.equal(answer.body['error'], 'session_expired');
          assert.equal(answer.body['reason'], 'invalid_grant');
          await assertEnded(browser, stale);
        });

        test('BCP-15: invalid_grant from accessToken() through errorHandler: JSON 401 session_expired, browser sent to log in', async () => {
          const { browser, stale } = await loginWithRevokedRefreshToken();
          const answer = await getJson(browser, `${appUrl}/api/unguarded`);
          assert.equal(answer.status, 401);
          assert.equal(answer.body['error'], 'session_expired');
          assert.equal(answer.body['reason'], 'invalid_grant');
          assert.ok(clearsSession(answer.response));
          assert.equal(responsesSince().length, 0, 'the provider issued nothing');
          await assertEnded(browser, stale);

          const second = await loginWithRevokedRefreshToken();
          const page = await second.browser.request(`${appUrl}/api/unguarded`);
          assert.ok([302, 303].includes(page.status), `redirected (${page.status})`);
          assert.ok(page.headers.get('location')?.startsWith(`${rig.bed.op.issuer}/auth?`));
          assert.ok(clearsSession(page));
          await assertEnded(second.browser, second.stale);
        });

        test('provider down during a refresh: 503 provider_unavailable, the session is kept and refreshes once it is back', async () => {
          const { browser, accessToken: old, refreshToken } = await login();
          await rig.gate.down();
          const answer = await getJson(browser, `${appUrl}/api/token`);
          assert.equal(answer.status, 503);
          assert.equal(answer.body['error'], 'provider_unavailable');
          assert.ok(!clearsSession(answer.response), 'the session cookie is not cleared');
          assert.ok(!answer.response.body.includes(old), 'the expired token is not handed out');
          const page = await browser.request(`${appUrl}/tokens`);
          assert.equal(page.status, 503, 'a browser gets the error page, not a new login');
          assert.equal((await getJson(browser, `${appUrl}/api/strict`)).status, 200, 'pages that need no token still work');
          const kept = await peek(browser);
          assert.equal(kept.authenticated, true);
          assert.equal(kept.refreshToken, refreshToken);
          assert.equal(tokenPosts(), 0, 'nothing reached the provider');

          await rig.gate.up();
          const recovered = await getJson(browser, `${appUrl}/api/token`);
          assert.equal(recovered.status, 200);
          assert.notEqual(recovered.body['accessToken'], old);
          assert.equal(recovered.body['accessToken'], responsesSince()[0]?.['access_token']);
          assert.deepEqual(grantsSince().map((g) => [g.grantType, g.ok]), [['refresh_token', true]]);
        });

        test('a failing provider is asked once per request: the guard\'s failed refresh is not retried by accessToken() in the same request', async () => {
          // Broken: the token endpoint answers 502. The session is kept (nothing says it is over).
          const { browser } = await login();
          const rewrite = rig.proxy.rewrite;
          rig.proxy.rewrite = (path, body) => {
            if (path === '/token') throw new Error('broken provider');
            return body;
          };
          try {
            const answer = await getJson(browser, `${appUrl}/api/token`);
            assert.equal(answer.status, 502);
            assert.equal(answer.body['error'], 'provider_error');
            assert.ok(!clearsSession(answer.response), 'the session is kept');
            assert.equal(rig.proxy.calls.get('/token'), 1, 'one token request for one page, not one per refresh attempt');
          } finally {
            rig.proxy.rewrite = rewrite;
          }

          // Not answering: the page gets its 503 after one timeout, not two.
          rig.gate.hang();
          const received = rig.gate.received;
          const started = Date.now();
          const answer = await getJson(browser, `${appUrl}/api/token`);
          const waited = Date.now() - started;
          await rig.gate.up();
          assert.equal(answer.status, 503);
          assert.equal(answer.body['error'], 'provider_unavailable');
          assert.equal(rig.gate.received - received, 1, 'one token request');
          assert.ok(waited < 2 * HTTP_TIMEOUT_MS, `answered after one timeout (${waited} ms)`);
          assert.equal((await getJson(browser, `${appUrl}/api/token`)).status, 200, 'the session survived and refreshes once the provider answers');
        });

        test('BCP-16: logged refresh failures contain no token', () => {
          const logged = JSON.stringify(rig.bed.warnings);
          assert.ok(rig.bed.warnings.some((w) => w.details?.['reason'] === 'invalid_grant'), 'the ended sessions were logged');
          assert.doesNotMatch(logged, /eyJ[A-Za-z0-9_-]{10,}/, 'no JWT in the logs');
          for (const response of rig.tokenResponses) {
            for (const name of ['access_token', 'refresh_token'] as const) {
              const value = response[name];
              if (typeof value === 'string') assert.ok(!logged.includes(value), `no ${name} in the logs`);
            }
          }
        });
      });
    }
  });

  describe(`token refresh without a refresh token (${adapter})`, () => {
    for (const kind of SESSION_KINDS) {
      test(`${kind} sessions: accessToken() on a due token ends the session (no_refresh_token); requireLogin alone lets the user in`, async () => {
        const rig = await startRig({ adapter, session: kind, client: { grant_types: ['authorization_code'] } });
        try {
          const { appUrl } = rig.bed;
          const browser = rig.bed.browser();
          const { response } = await loginThroughProvider(browser, `${appUrl}/login?returnTo=/peek`, 'alice');
          assert.equal((JSON.parse(response.body) as { refreshToken: unknown }).refreshToken, null, 'no refresh token was issued');
          const tokenRequests = rig.bed.op.requests.length;
          const stale = browser.clone();

          // The access token is due, but nothing here needs it: the session goes on.
          assert.equal((await getJson(browser, `${appUrl}/api/strict`)).status, 200);
          const profile = await browser.request(`${appUrl}/profile`);
          assert.equal(profile.status, 200);
          assert.equal((JSON.parse(profile.body) as { sub: string }).sub, 'alice');

          const answer = await getJson(browser, `${appUrl}/api/token`);
          assert.equal(answer.status, 401);
          assert.equal(answer.body['error'], 'session_expired');
          assert.equal(answer.body['reason'], 'no_refresh_token');
          assert.ok(clearsSession(answer.response));
          assert.equal((await getJson(browser, `${appUrl}/api/strict`)).status, 401, 'the session has ended');
          if (kind === 'store') assert.equal((await getJson(stale, `${appUrl}/`)).body['authenticated'], false);
          assert.equal(rig.bed.op.requests.slice(tokenRequests).filter((r) => r.path === '/token').length, 0, 'no token request');

          // A browser on a page that needs the token is sent to log in again.
          const again = rig.bed.browser();
          await loginThroughProvider(again, `${appUrl}/login?returnTo=/peek`, 'alice');
          const page = await again.request(`${appUrl}/tokens`);
          assert.ok([302, 303].includes(page.status), `redirected (${page.status})`);
          assert.ok(page.headers.get('location')?.startsWith(`${rig.bed.op.issuer}/auth?`));
          assert.ok(clearsSession(page));
        } finally {
          await rig.close();
        }
      });
    }
  });

  describe(`ID token continuity on refresh (OIDC Core §12.2) (${adapter})`, () => {
    let rig: Rig;
    let appUrl: string;

    before(async () => {
      rig = await startRig({ adapter, session: 'cookie' });
      appUrl = rig.bed.appUrl;
    });
    after(async () => {
      await rig.close();
    });

    async function loginAlice() {
      const browser = rig.bed.browser();
      const { response } = await loginThroughProvider(browser, `${appUrl}/login?returnTo=/peek`, 'alice');
      return { browser, original: (JSON.parse(response.body) as { idTokenClaims: JWTPayload }).idTokenClaims };
    }

    async function loginThenRefreshWith(change: ((claims: JWTPayload) => JWTPayload) | undefined, path = '/api/userinfo-unguarded') {
      const { browser, original } = await loginAlice();
      const before = rig.tokenResponses.length;
      rig.proxy.calls.clear();
      rig.mutate = change;
      try {
        const answer = await getJson(browser, `${appUrl}${path}`);
        const refreshed = rig.tokenResponses.slice(before);
        assert.equal(refreshed.length, 1, 'one refresh');
        return { browser, original, answer, issued: refreshed[0]!, userinfoCalls: rig.proxy.calls.get('/me') ?? 0 };
      } finally {
        rig.mutate = undefined;
      }
    }

    test('EXT-13, BCP-15: a refreshed ID token that keeps iss/sub/aud/azp/auth_time/nonce is accepted; its claims replace the old ones', async () => {
      const { browser, original, answer, issued, userinfoCalls } = await loginThenRefreshWith((c) => ({ ...c, iat: Number(c.iat) + 1, nickname: 'refreshed' }));
      assert.equal(answer.status, 200);
      assert.equal(answer.body['accessToken'], issued['access_token'], 'the new access token is used');
      assert.deepEqual(answer.body['info'], { email: 'alice@example.com' });
      assert.equal(userinfoCalls, 1, 'UserInfo called with the new access token');
      const now = (await getJson(browser, `${appUrl}/peek`)).body as { idTokenClaims: JWTPayload; user: Record<string, unknown> };
      assert.equal(now.idTokenClaims['nickname'], 'refreshed', 'req.oidc.idTokenClaims are the refreshed ID token\'s');
      assert.ok(Number(now.idTokenClaims.iat) > Number(original.iat), 'a newer iat');
      assert.equal(now.idTokenClaims.sub, original.sub);
      assert.equal(now.user['nickname'], 'refreshed');
    });

    const cases: Array<[string, (c: JWTPayload) => JWTPayload, string]> = [
      ['EXT-14, BCP-15: iss changed', (c) => ({ ...c, iss: `${c.iss}1` }), 'id_token:iss'],
      ['EXT-15, BCP-15: sub changed', (c) => ({ ...c, sub: `${c.sub}1` }), 'id_token:sub'],
      ['EXT-16, BCP-15: azp added (the original had none)', (c) => ({ ...c, azp: 'demo-client' }), 'id_token:azp'],
      ['BCP-15: aud changed', (c) => ({ ...c, aud: 'demo-client1' }), 'id_token:aud'],
      ['BCP-15: an audience added (with azp = client)', (c) => ({ ...c, aud: ['demo-client', 'someone-else'], azp: 'demo-client' }), 'id_token:aud'],
      ['BCP-15: auth_time changed', (c) => ({ ...c, auth_time: Number(c['auth_time'] ?? c.iat) - 3600 }), 'id_token:auth_time'],
      ['BCP-15: nonce changed', (c) => ({ ...c, nonce: `${typeof c['nonce'] === 'string' ? c['nonce'] : 'n'}1` }), 'id_token:nonce'],
    ];
    for (const [what, change, reason] of cases) {
      test(`${what} → session ends (session_expired ${reason}), the new access token is never used, no UserInfo call`, async () => {
        const { browser, original, answer, issued, userinfoCalls } = await loginThenRefreshWith(change);
        assert.equal(original.azp, undefined, 'the original ID token has no azp');
        assert.equal(answer.status, 401);
        assert.equal(answer.body['error'], 'session_expired');
        assert.equal(answer.body['reason'], reason);
        assert.ok(!answer.response.body.includes(issued['access_token'] as string), 'the new access token is not returned');
        assert.equal(userinfoCalls, 0, 'no UserInfo call with the new access token');
        assert.ok(clearsSession(answer.response), 'the session cookie is cleared');
        assert.equal((await getJson(browser, `${appUrl}/`)).body['authenticated'], false);
      });
    }

    test('EXT-15: through requireLogin, a browser is sent to log in again, and no UserInfo call follows', async () => {
      const { browser } = await loginAlice();
      rig.proxy.calls.clear();
      const before = rig.tokenResponses.length;
      rig.mutate = (c) => ({ ...c, sub: `${c.sub}1` });
      try {
        const page = await browser.request(`${appUrl}/live`);
        assert.equal(rig.tokenResponses.length - before, 1, 'one refresh');
        assert.ok([302, 303].includes(page.status), `redirected (${page.status})`);
        assert.ok(page.headers.get('location')?.startsWith(`${rig.bed.op.issuer}/auth?`));
        assert.ok(clearsSession(page));
        assert.equal(rig.proxy.calls.get('/me') ?? 0, 0);
      } finally {
        rig.mutate = undefined;
      }
    });
  });

  describe(`offline_access (${adapter})`, () => {
    test('with offline_access in the scope, the authorization request carries prompt=consent, and refresh works', async () => {
      await withTestbed({ adapter, oidc: { scope: 'openid email profile offline_access' } }, async (bed) => {
        const browser = bed.browser();
        const start = await browser.request(`${bed.appUrl}/login`);
        assert.ok([302, 303].includes(start.status), `redirected (${start.status})`);
        const location = new URL(start.headers.get('location')!);
        assert.equal(`${location.origin}${location.pathname}`, `${bed.op.issuer}/auth`);
        assert.equal(location.searchParams.get('prompt'), 'consent');
        assert.ok(location.searchParams.get('scope')?.split(' ').includes('offline_access'));

        const { response } = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=/tokens`, 'alice');
        const tokens = JSON.parse(response.body) as { accessToken: string; refreshToken: string | null; scope: string | null };
        assert.ok(tokens.refreshToken, 'an offline refresh token was issued');
        assert.ok(tokens.scope?.split(' ').includes('offline_access'));
        const again = await browser.request(`${bed.appUrl}/api/token?force=1`, { headers: { accept: 'application/json' } });
        assert.equal(again.status, 200);
        assert.notEqual((JSON.parse(again.body) as { accessToken: string }).accessToken, tokens.accessToken);
      });
    });

    test('an explicit prompt is kept', async () => {
      await withTestbed({ adapter, oidc: { scope: 'openid offline_access', authorizationParams: { prompt: 'login' } } }, async (bed) => {
        const start = await bed.browser().request(`${bed.appUrl}/login`);
        assert.equal(new URL(start.headers.get('location')!).searchParams.get('prompt'), 'login');
      });
    });
  });
}
