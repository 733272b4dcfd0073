/**
 * The resource-server side against the real provider (oidc-provider in process, real HTTP):
 * `acceptToken()`, `accessControl()`, `requireScopes/Claims/Role()`, `validateToken()` and the
 * resource-server-only mode, with tokens the provider really issued —
 *
 * - JWT access tokens (RFC 9068): client-credentials tokens for a resource indicator (RFC 8707),
 *   verified locally with the provider's JWKS, fetched once;
 * - opaque access tokens: the logged-in user's own access token (no resource, usable at UserInfo),
 *   checked by introspection (RFC 7662) as the app's own client (the dev provider lets a client
 *   introspect only its own tokens), cached;
 * - the user's ID token, which is not an access token.
 *
 * The provider adds claims to access tokens (`extraTokenClaims`): tokens granting the `admin` scope
 * carry admin roles (plain `roles`, Keycloak-style `realm_access` / `resource_access`) and
 * `tenant: 'acme'`; other tokens only viewer roles. For sessions the same claims come from the
 * account (`accountClaims`): alice is an admin, bob a viewer.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import express from 'express';
import type { Request, Response } from 'express';
import type { Configuration } from 'oidc-provider';
import { claimIncludes, keycloakRealmRoles, OidcError, OpenIDConnect, type RequestContext } from '../../src/express.ts';
import { loginThroughProvider, type TestBrowser } from '../support/browser.ts';
import { serveTestApp } from '../support/test-app.ts';
import { get as getRoute, post, type GuardSpec, type TestRoute } from '../support/test-routes.ts';
import { ADAPTERS, CLIENT_SECRET, EXPRESS_FLAVORS, expressOidc, withTestbed, type AdapterName, type Testbed, type TestbedOptions } from '../support/testbed.ts';

const API = 'https://api.example.test/';
const OTHER_API = 'https://other.example.test/';

const ADMIN_CLAIMS = {
  roles: ['admin'],
  realm_access: { roles: ['admin'] },
  resource_access: { api: { roles: ['editor'] } },
  tenant: 'acme',
};
const VIEWER_CLAIMS = {
  roles: ['viewer'],
  realm_access: { roles: ['user'] },
  resource_access: { api: { roles: ['viewer'] } },
  tenant: 'globex',
};

const providerConfiguration: Partial<Configuration> = {
  scopes: ['openid', 'email', 'profile', 'offline_access', 'read', 'admin'],
  features: {
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // The login's access token has no resource: opaque, and good for UserInfo.
      useGrantedResource: () => false,
      getResourceServerInfo: (_ctx, resource) => ({
        scope: 'read admin',
        audience: resource,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  extraTokenClaims: (_ctx, token) => (token.scope?.split(' ').includes('admin') ? ADMIN_CLAIMS : VIEWER_CLAIMS),
};

/** What a protected route answers: who got in, and how. */
function view(oidc: RequestContext): Record<string, unknown> {
  return {
    by: oidc.authenticatedBy ?? null,
    sub: oidc.token?.sub ?? oidc.user?.sub ?? null,
    client_id: oidc.token?.client_id ?? null,
    scopes: oidc.tokenScopes,
  };
}

/** A route behind `guards` that answers {@link view}. */
const ok = (path: string, guards: readonly GuardSpec[]): TestRoute => getRoute(path, guards, ({ oidc }) => ({ json: view(oidc) }));

const routes: readonly TestRoute[] = [
  ok('/api/jwt', [['acceptToken', { audience: API }]]),
  ok('/api/any', [['acceptToken']]),
  ok('/api/scope-admin', [['acceptToken', { audience: API, scopes: 'admin' }]]),
  ok('/api/require-scopes', [['acceptToken', { audience: API }], ['requireScopes', 'read admin']]),
  ok('/api/require-claims', [['acceptToken'], ['requireClaims', { tenant: 'acme', roles: claimIncludes('admin') }]]),
  ok('/api/role', [['acceptToken'], ['requireRole', 'admin']]),
  ok('/api/realm-role', [['acceptToken'], ['requireRole', ['admin', 'superuser'], { from: keycloakRealmRoles }]]),
  ok('/api/client-role', [['acceptToken'], ['requireKeycloakRole', 'api', 'editor']]),
  ok('/ac', [['accessControl', { unauthenticated: 'status' }]]),
  // A bearer route where the token is optional: a session cookie never stands in for the token.
  ok('/api/optional-admin', [['acceptToken', { required: false }], ['requireScopes', 'profile']]),
  ok('/ac-auto', [['accessControl']]),
  ok('/ac-admin-scope', [['accessControl', { scopes: 'admin' }]]),
  ok('/ac-profile-scope', [['accessControl', { scopes: 'profile' }]]),
  ok('/ac-role', [['accessControl', { unauthenticated: 'status' }], ['requireRole', 'admin']]),
  ok('/ac-realm-role', [['accessControl', { unauthenticated: 'status' }], ['requireRole', 'admin', { from: keycloakRealmRoles }]]),
  ok('/ac-client-role', [['accessControl', { unauthenticated: 'status' }], ['requireKeycloakRole', 'api', 'editor']]),
  ok('/ac-claims', [['accessControl', { unauthenticated: 'status' }], ['requireClaims', { preferred_username: 'alice', email_verified: true }]]),
  // A form post judged by accessControl() (form tokens allowed by the test that posts to it).
  post('/ac-form', [['accessControl', { unauthenticated: 'status' }]], ({ oidc }) => ({ json: view(oidc) })),
];

function options(adapter: AdapterName, overrides: Partial<TestbedOptions> = {}): TestbedOptions {
  return {
    adapter,
    client: {
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      scope: 'openid email profile offline_access read admin',
    },
    accountClaims: (id) => {
      const { roles, realm_access, resource_access } = id === 'bob' ? VIEWER_CLAIMS : ADMIN_CLAIMS;
      return { roles, realm_access, resource_access };
    },
    providerConfiguration,
    appRoutes: routes,
    ...overrides,
  };
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A GET to the app, from a plain API client (JSON) unless a browser is given; `token` as a bearer. */
async function get(url: string, init: { token?: string; browser?: TestBrowser; accept?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
  if (init.token !== undefined) headers['authorization'] = `Bearer ${init.token}`;
  if (init.browser !== undefined) {
    const res = await init.browser.request(url, { headers });
    return { status: res.status, headers: res.headers, body: parse(res.body) };
  }
  const res = await fetch(url, { headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: parse(await res.text()) };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Asserts a bearer-token error: status, exact WWW-Authenticate (or none), JSON body, no-store. */
function assertError(answer: Answer, status: number, challenge: string | null, body: Record<string, string>): void {
  assert.deepEqual(
    { status: answer.status, challenge: answer.headers.get('www-authenticate'), body: answer.body },
    { status, challenge, body },
  );
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
}

const INVALID_CHALLENGE = (description: string) => `Bearer realm="api", error="invalid_token", error_description="${description}"`;
const INACTIVE = 'The access token is not active (expired, revoked or unknown).';
const ID_TOKEN = 'An ID token is not an access token.';

/** Logs `user` in through the provider's login form; returns the browser and the session's tokens. */
async function login(bed: Testbed, user: string): Promise<{ browser: TestBrowser; accessToken: string; idToken: string }> {
  const browser = bed.browser();
  const { response } = await loginThroughProvider(browser, `${bed.appUrl}/tokens`, user);
  assert.equal(response.status, 200, response.body);
  const tokens = JSON.parse(response.body) as { accessToken: string; idToken: string };
  return { browser, accessToken: tokens.accessToken, idToken: tokens.idToken };
}

function requestLog(bed: Testbed): string[] {
  return bed.op.requests.map((r) => `${r.method} ${r.path}`);
}

function count(bed: Testbed, line: string): number {
  return requestLog(bed).filter((l) => l === line).length;
}

const INTROSPECTION = 'POST /token/introspection';
const JWKS = 'GET /jwks';

async function revoke(bed: Testbed, token: string): Promise<number> {
  const res = await fetch(`${bed.op.issuer}/token/revocation`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`demo-client:${CLIENT_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
  });
  await res.arrayBuffer();
  return res.status;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const adapter of ADAPTERS) {
  describe(`resource server (real provider) (${adapter})`, () => {
    test('JWT access tokens are verified locally: no introspection, the JWKS fetched once for many requests', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const read = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        const admin = await bed.oidc.clientCredentials({ resource: API, scope: 'admin' });
        const both = await bed.oidc.clientCredentials({ resource: API, scope: 'read admin' });
        const other = await bed.oidc.clientCredentials({ resource: OTHER_API, scope: 'read' });
        bed.op.requests.length = 0;

        // Cold: 10 concurrent requests with the same token.
        const cold = await Promise.all(Array.from({ length: 10 }, () => get(`${bed.appUrl}/api/jwt`, { token: read.accessToken })));
        for (const answer of cold) {
          assert.deepEqual({ status: answer.status, body: answer.body }, {
            status: 200,
            body: { by: 'token', sub: 'demo-client', client_id: 'demo-client', scopes: ['read'] },
          });
        }
        // Warm: other tokens, signed with the same key.
        for (let i = 0; i < 5; i++) {
          const a = await get(`${bed.appUrl}/api/jwt`, { token: admin.accessToken });
          assert.deepEqual({ status: a.status, body: a.body }, { status: 200, body: { by: 'token', sub: 'demo-client', client_id: 'demo-client', scopes: ['admin'] } });
          const b = await get(`${bed.appUrl}/api/jwt`, { token: both.accessToken });
          assert.deepEqual({ status: b.status, body: b.body }, { status: 200, body: { by: 'token', sub: 'demo-client', client_id: 'demo-client', scopes: ['read', 'admin'] } });
        }
        // A token the provider issued for another API: refused, also without asking the provider.
        assertError(await get(`${bed.appUrl}/api/jwt`, { token: other.accessToken }), 401, INVALID_CHALLENGE('The access token is not meant for this API (aud).'), {
          error: 'invalid_token',
          error_description: 'The access token is not meant for this API (aud).',
          reason: 'aud',
        });

        assert.equal(count(bed, INTROSPECTION), 0, requestLog(bed).join(', '));
        assert.equal(count(bed, JWKS), 1, requestLog(bed).join(', '));
        assert.deepEqual(requestLog(bed), [JWKS], 'nothing but one JWKS fetch reached the provider');
      });
    });

    test("an opaque access token (the user's own) is accepted by introspection: one call for N requests", async () => {
      await withTestbed(options(adapter), async (bed) => {
        const { accessToken } = await login(bed, 'alice');
        assert.equal(accessToken.split('.').length, 1, 'the login access token is opaque');
        bed.op.requests.length = 0;

        const expected = { status: 200, body: { by: 'token', sub: 'alice', client_id: 'demo-client', scopes: ['openid', 'email', 'profile'] } };
        const concurrent = await Promise.all(Array.from({ length: 5 }, () => get(`${bed.appUrl}/api/any`, { token: accessToken })));
        for (const answer of concurrent) assert.deepEqual({ status: answer.status, body: answer.body }, expected);
        for (let i = 0; i < 5; i++) {
          const answer = await get(`${bed.appUrl}/api/any`, { token: accessToken });
          assert.deepEqual({ status: answer.status, body: answer.body }, expected);
        }
        // The introspection answer has no `aud`: a route that requires one refuses the token (from the cache).
        assertError(await get(`${bed.appUrl}/api/jwt`, { token: accessToken }), 401, INVALID_CHALLENGE('The access token is not meant for this API (aud).'), {
          error: 'invalid_token',
          error_description: 'The access token is not meant for this API (aud).',
          reason: 'aud',
        });

        assert.deepEqual(requestLog(bed), [INTROSPECTION]);
        const call = bed.op.requests[0];
        assert.match(String(call?.headers.authorization), /^Basic /, 'introspection authenticates as the app (client_secret_basic)');
        assert.equal(bed.warnings.filter((w) => w.details?.['option'] === 'resourceServer.audience').length, 1, 'the missing-audience warning is logged once');
      });
    });

    test("AT-02: the user's ID token presented as a bearer token: 401 invalid_token, reason id_token", async () => {
      await withTestbed(options(adapter), async (bed) => {
        const { idToken } = await login(bed, 'alice');
        for (const path of ['/api/jwt', '/api/any']) {
          assertError(await get(`${bed.appUrl}${path}`, { token: idToken }), 401, INVALID_CHALLENGE(ID_TOKEN), {
            error: 'invalid_token',
            error_description: ID_TOKEN,
            reason: 'id_token',
          });
        }
      });
    });

    test('INT-11: a revoked opaque token is refused once its cached introspection answer (cacheTtl: 1) expires', async () => {
      await withTestbed(options(adapter, { oidc: { resourceServer: { introspection: { cacheTtl: 1 } } } }), async (bed) => {
        const { accessToken } = await login(bed, 'alice');
        bed.op.requests.length = 0;
        assert.equal((await get(`${bed.appUrl}/api/any`, { token: accessToken })).status, 200);
        assert.equal(await revoke(bed, accessToken), 200);
        assert.equal((await get(`${bed.appUrl}/api/any`, { token: accessToken })).status, 200, 'still cached for up to cacheTtl');
        assert.equal(count(bed, INTROSPECTION), 1);

        await sleep(1100);
        const refused = await get(`${bed.appUrl}/api/any`, { token: accessToken });
        assertError(refused, 401, INVALID_CHALLENGE(INACTIVE), { error: 'invalid_token', error_description: INACTIVE, reason: 'inactive' });
        assert.equal(count(bed, INTROSPECTION), 2);
        // The inactive answer is cached too (inactiveCacheTtl, 5 s).
        assert.equal((await get(`${bed.appUrl}/api/any`, { token: accessToken })).status, 401);
        assert.equal(count(bed, INTROSPECTION), 2);
      });
    });

    test('requireScopes / requireClaims / requireRole / requireKeycloakRole on tokens: pass and 403', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const viewer = (await bed.oidc.clientCredentials({ resource: API, scope: 'read' })).accessToken;
        const admin = (await bed.oidc.clientCredentials({ resource: API, scope: 'read admin' })).accessToken;
        const { accessToken: opaque } = await login(bed, 'alice'); // introspected: viewer claims (no admin scope)
        const adminBody = { by: 'token', sub: 'demo-client', client_id: 'demo-client', scopes: ['read', 'admin'] };
        const forbidden = (description: string, reason: string, scope?: string) => ({
          challenge: `Bearer realm="api", error="insufficient_scope", error_description="${description}"${scope === undefined ? '' : `, scope="${scope}"`}`,
          body: { error: 'insufficient_scope', error_description: description.replaceAll('?', '"'), reason },
        });
        const cases: Array<[path: string, refused: ReturnType<typeof forbidden>]> = [
          ['/api/scope-admin', forbidden('The access token lacks the scope this needs: admin.', 'scope', 'admin')],
          ['/api/require-scopes', forbidden('This needs the scope read admin.', 'scope', 'read admin')],
          // The challenge cannot carry `"`: oidc-kit writes `?` there.
          ['/api/require-claims', forbidden('The tenant claim does not allow this.', 'claim:tenant')],
          ['/api/role', forbidden('This needs a role that was not granted.', 'role')],
          ['/api/realm-role', forbidden('This needs a role that was not granted.', 'role')],
          ['/api/client-role', forbidden('This needs a role that was not granted.', 'role')],
        ];
        for (const [path, refused] of cases) {
          const passed = await get(`${bed.appUrl}${path}`, { token: admin });
          assert.deepEqual({ path, status: passed.status, body: passed.body }, { path, status: 200, body: adminBody });
          assertError(await get(`${bed.appUrl}${path}`, { token: viewer }), 403, refused.challenge, refused.body);
        }
        // The same rules on an introspected token (its claims come from the introspection answer).
        for (const path of ['/api/require-claims', '/api/role', '/api/realm-role', '/api/client-role']) {
          const refused = cases.find(([p]) => p === path)![1];
          assertError(await get(`${bed.appUrl}${path}`, { token: opaque }), 403, refused.challenge, refused.body);
        }
      });
    });

    test('requireRole / requireClaims after accessControl() on sessions: claims of the ID token, 403 without a challenge', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const alice = await login(bed, 'alice');
        const bob = await login(bed, 'bob');
        for (const path of ['/ac-role', '/ac-realm-role', '/ac-client-role', '/ac-claims']) {
          const passed = await get(`${bed.appUrl}${path}`, { browser: alice.browser });
          assert.deepEqual({ path, status: passed.status, body: passed.body }, { path, status: 200, body: { by: 'session', sub: 'alice', client_id: null, scopes: [] } });
          const refused = await get(`${bed.appUrl}${path}`, { browser: bob.browser });
          const body = path === '/ac-claims'
            ? { error: 'insufficient_scope', error_description: 'The preferred_username claim does not allow this.', reason: 'claim:preferred_username' }
            : { error: 'insufficient_scope', error_description: 'This needs a role that was not granted.', reason: 'role' };
          assertError(refused, 403, null, body);
        }
        // On a bearer route (acceptToken, even with required: false) the session never stands in for a token.
        const optional = await get(`${bed.appUrl}/api/optional-admin`, { browser: alice.browser });
        assert.equal(optional.status, 401);
        assert.equal(optional.headers.get('www-authenticate'), 'Bearer realm="api"');
      });
    });

    test('accessControl() with form tokens allowed: a browser\'s own form post is judged by its session; a form carrying access_token by the token', async () => {
      await withTestbed(options(adapter, { oidc: { resourceServer: { allowFormToken: true } } }), async (bed) => {
        const { browser } = await login(bed, 'alice');
        const cc = (await bed.oidc.clientCredentials({ resource: API, scope: 'read' })).accessToken;
        const post = (fields: Record<string, string>, who = browser) => who.request(`${bed.appUrl}/ac-form`, {
          method: 'POST',
          body: new URLSearchParams(fields),
          headers: { accept: 'application/json', origin: bed.appUrl },
        });
        const bySession = await post({ note: 'hello' });
        assert.equal(bySession.status, 200, bySession.body);
        assert.deepEqual(JSON.parse(bySession.body), { by: 'session', sub: 'alice', client_id: null, scopes: [] });
        const byToken = await post({ access_token: cc, note: 'hi' });
        assert.equal(byToken.status, 200, byToken.body);
        assert.deepEqual(JSON.parse(byToken.body), { by: 'token', sub: 'demo-client', client_id: 'demo-client', scopes: ['read'] });
        const badToken = await post({ access_token: 'not-a-token' });
        assert.equal(badToken.status, 401, 'a bad form token: no fallback to the session');
      });
    });

    test('acceptToken() answers in JSON even to a browser: a provider outage is a 503 JSON body, not a page', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const cc = (await bed.oidc.clientCredentials({ resource: API, scope: 'read' })).accessToken;
        assert.equal((await get(`${bed.appUrl}/api/jwt`, { token: cc })).status, 200);
        await bed.op.close();
        const down = await get(`${bed.appUrl}/api/any`, { token: 'an-opaque-token', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
        assert.equal(down.status, 503);
        assert.match(down.headers.get('content-type') ?? '', /^application\/json/);
        assert.equal((down.body as { error?: string }).error, 'provider_unavailable');
        assert.equal(down.headers.get('www-authenticate'), null, 'not a verdict on the token');
        // A JWT is still accepted: its keys were fetched before the outage, and a JWT needs nothing else.
        assert.equal((await get(`${bed.appUrl}/api/jwt`, { token: cc })).status, 200);
      });
    });

    test('accessControl(): a bearer token wins over the session (no fallback); else the session; else 401 or a login redirect', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const { browser } = await login(bed, 'alice');
        const cc = (await bed.oidc.clientCredentials({ resource: API, scope: 'read' })).accessToken;

        // A bad bearer token with a valid session cookie: refused, the session is not used.
        assertError(await get(`${bed.appUrl}/ac`, { browser, token: 'not-a-valid-token' }), 401, INVALID_CHALLENGE(INACTIVE), {
          error: 'invalid_token',
          error_description: INACTIVE,
          reason: 'inactive',
        });
        // A good bearer token with a session cookie: the token is what authenticates.
        const byToken = await get(`${bed.appUrl}/ac`, { browser, token: cc });
        assert.deepEqual({ status: byToken.status, body: byToken.body }, { status: 200, body: { by: 'token', sub: 'demo-client', client_id: 'demo-client', scopes: ['read'] } });
        // No bearer token: the session.
        const bySession = await get(`${bed.appUrl}/ac`, { browser });
        assert.deepEqual({ status: bySession.status, body: bySession.body }, { status: 200, body: { by: 'session', sub: 'alice', client_id: null, scopes: [] } });

        // Neither: 401 (unauthenticated: 'status'), or for a browser (auto) a redirect to the provider.
        // The 401 invites a bearer token too (a 401 always carries a challenge).
        const none = await get(`${bed.appUrl}/ac`);
        assert.deepEqual({ status: none.status, body: none.body }, {
          status: 401,
          body: { error: 'unauthenticated', error_description: 'Log in to use this resource.' },
        });
        assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
        const noneJson = await get(`${bed.appUrl}/ac-auto`);
        assert.equal(noneJson.status, 401, 'auto: a JSON client gets 401');
        const redirect = await get(`${bed.appUrl}/ac-auto`, { browser: bed.browser(), accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
        assert.equal(redirect.status, 302, 'auto: a browser is sent to log in');
        const location = new URL(redirect.headers.get('location') ?? '');
        assert.equal(`${location.origin}${location.pathname}`, `${bed.op.issuer}/auth`);

        // Scopes: a session must grant them as a token would.
        const profile = await get(`${bed.appUrl}/ac-profile-scope`, { browser });
        assert.deepEqual({ status: profile.status, body: profile.body }, { status: 200, body: { by: 'session', sub: 'alice', client_id: null, scopes: [] } });
        assertError(await get(`${bed.appUrl}/ac-admin-scope`, { browser }), 403, null, {
          error: 'insufficient_scope',
          error_description: 'This needs the scope admin.',
          reason: 'scope',
        });
        assertError(await get(`${bed.appUrl}/ac-admin-scope`, { browser, token: cc }), 403,
          'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks the scope this needs: admin.", scope="admin"',
          { error: 'insufficient_scope', error_description: 'The access token lacks the scope this needs: admin.', reason: 'scope' });
      });
    });

    test('validateToken() returns typed results, never a string', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const { accessToken, idToken } = await login(bed, 'alice');
        const jwt = (await bed.oidc.clientCredentials({ resource: API, scope: 'read' })).accessToken;

        const valid = await bed.oidc.validateToken(jwt, { audience: API, scopes: 'read' });
        assert.ok(valid.valid);
        assert.equal(valid.strategy, 'jwt');
        assert.deepEqual(valid.scopes, ['read']);
        assert.equal(valid.claims.sub, 'demo-client');
        assert.equal(valid.claims.aud, API);

        const introspected = await bed.oidc.validateToken(accessToken);
        assert.ok(introspected.valid);
        assert.equal(introspected.strategy, 'introspection');
        assert.equal(introspected.claims.sub, 'alice');
        assert.deepEqual(introspected.scopes, ['openid', 'email', 'profile']);

        const invalid = async (token: string, requirements: Parameters<OpenIDConnect['validateToken']>[1], expected: { code: string; reason: string; status: number }) => {
          const result = await bed.oidc.validateToken(token, requirements);
          assert.equal(typeof result, 'object');
          assert.ok(!result.valid, `expected ${expected.reason} to be invalid`);
          assert.deepEqual({ code: result.code, reason: result.reason, status: result.status }, expected);
          assert.ok(result.error instanceof OidcError);
          assert.equal(result.error.code, expected.code);
        };
        await invalid(idToken, {}, { code: 'invalid_token', reason: 'id_token', status: 401 });
        await invalid(jwt, { audience: OTHER_API }, { code: 'invalid_token', reason: 'aud', status: 401 });
        await invalid(jwt, { audience: API, scopes: 'admin' }, { code: 'insufficient_scope', reason: 'scope', status: 403 });
        await invalid('not-a-valid-token', {}, { code: 'invalid_token', reason: 'inactive', status: 401 });
        await assert.rejects(bed.oidc.validateToken(undefined as unknown as string), TypeError);

        // Provider trouble is an invalid result with its status, not a verdict on the token.
        await bed.op.close();
        await invalid('an-uncached-opaque-token', {}, { code: 'provider_unavailable', reason: 'introspection', status: 503 });
      });
    });

    test('resource-server-only mode with a real provider: no baseUrl or secret, no login routes, never a cookie', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const { accessToken: opaque, browser } = await login(bed, 'alice');
        const sessionCookie = browser.cookies(bed.appUrl).get('oidc_session');
        assert.ok(sessionCookie, 'the testbed app has a session cookie');

        const warnings: string[] = [];
        // An API-only app has no standard routes: they need logins.
        const served = await serveTestApp(adapter, () => ({
          resourceServerOnly: true,
          issuer: bed.op.issuer,
          clientId: 'demo-client',
          clientSecret: CLIENT_SECRET,
          logger: { warn: (message) => warnings.push(message) },
        }), { routes: [ok('/api/jwt', [['acceptToken', { audience: API }]]), ok('/api/any', [['acceptToken']]), ok('/api/ac', [['accessControl', { audience: API }]])], standardRoutes: false });
        const rs = served.oidc;
        const url = served.url;
        assert.throws(() => rs.requireLogin(), TypeError);
        try {
          const jwt = (await rs.clientCredentials({ resource: API, scope: 'read' })).accessToken;
          const answers: Answer[] = [];
          const call = async (path: string, init: Parameters<typeof get>[1] = {}) => {
            const answer = await get(`${url}${path}`, init);
            answers.push(answer);
            return answer;
          };

          for (const path of ['/api/jwt', '/api/ac']) {
            const ok = await call(path, { token: jwt });
            assert.deepEqual({ status: ok.status, body: ok.body }, { status: 200, body: { by: 'token', sub: 'demo-client', client_id: 'demo-client', scopes: ['read'] } });
          }
          const introspected = await call('/api/any', { token: opaque });
          assert.deepEqual({ status: introspected.status, body: introspected.body }, {
            status: 200,
            body: { by: 'token', sub: 'alice', client_id: 'demo-client', scopes: ['openid', 'email', 'profile'] },
          });
          // No token — a browser, with a cookie of another app's session — is a bearer 401, in JSON.
          for (const path of ['/api/jwt', '/api/ac']) {
            const res = await fetch(`${url}${path}`, {
              headers: { accept: 'text/html', cookie: `oidc_session=${sessionCookie}` },
              redirect: 'manual',
            });
            const answer = { status: res.status, headers: res.headers, body: parse(await res.text()) };
            answers.push(answer);
            assertError(answer, 401, 'Bearer realm="api"', { error: 'unauthenticated', error_description: 'This API needs a bearer token.' });
          }
          // No login, callback or logout routes: they fall through to the app (404).
          for (const path of ['/login', '/callback?code=x&state=y', '/logout']) {
            const answer = await call(path, { accept: 'text/html' });
            assert.equal(answer.status, 404, path);
          }
          const post = await fetch(`${url}/logout`, { method: 'POST', redirect: 'manual' });
          await post.arrayBuffer();
          assert.equal(post.status, 404);
          answers.push({ status: post.status, headers: post.headers, body: '' });

          for (const answer of answers) assert.deepEqual(answer.headers.getSetCookie(), [], 'no Set-Cookie, ever');
          assert.deepEqual(warnings, ['acceptToken() without an audience accepts tokens the provider issued for any API; set resourceServer.audience']);
        } finally {
          await served.close();
        }
      });
    });

    test('an app with logins and bearer routes: login still works, a session cookie does not authenticate an acceptToken route', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const browser = bed.browser();
        const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'alice');
        assert.equal(response.status, 200);
        assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'alice');

        for (const path of ['/api/jwt', '/api/any']) {
          assertError(await get(`${bed.appUrl}${path}`, { browser }), 401, 'Bearer realm="api"', {
            error: 'unauthenticated',
            error_description: 'This API needs a bearer token.',
          });
          assertError(await get(`${bed.appUrl}${path}`, { browser, accept: 'text/html' }), 401, 'Bearer realm="api"', {
            error: 'unauthenticated',
            error_description: 'This API needs a bearer token.',
          });
        }
        // The session itself still works.
        const profile = await get(`${bed.appUrl}/profile`, { browser });
        assert.equal(profile.status, 200);
      });
    });

    test('acceptToken(): accepts the provider\'s JWT, refuses none, an ID token and a missing scope', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const { idToken } = await login(bed, 'alice');
        const jwt = (await bed.oidc.clientCredentials({ resource: API, scope: 'read' })).accessToken;
        const ok = await get(`${bed.appUrl}/api/jwt`, { token: jwt });
        assert.deepEqual({ status: ok.status, body: ok.body }, { status: 200, body: { by: 'token', sub: 'demo-client', client_id: 'demo-client', scopes: ['read'] } });
        assertError(await get(`${bed.appUrl}/api/jwt`), 401, 'Bearer realm="api"', { error: 'unauthenticated', error_description: 'This API needs a bearer token.' });
        assertError(await get(`${bed.appUrl}/api/jwt`, { token: idToken }), 401, INVALID_CHALLENGE(ID_TOKEN), {
          error: 'invalid_token',
          error_description: ID_TOKEN,
          reason: 'id_token',
        });
        assertError(await get(`${bed.appUrl}/api/scope-admin`, { token: jwt }), 403,
          'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks the scope this needs: admin.", scope="admin"',
          { error: 'insufficient_scope', error_description: 'The access token lacks the scope this needs: admin.', reason: 'scope' });
      });
    });
  });
}

// Express's own API: app.use(oidc.middleware()) (or its absence), express.urlencoded-style req.body
// after oidc-kit read a form, errors passed to Express's next().
describe('resource server: the Express adapter itself', () => {
  // The Express adapter keeps the form it read in req.body (as body-parser would), for the route.
  for (const flavor of EXPRESS_FLAVORS) {
    test(`with form tokens allowed, the form still reaches the route after oidc-kit read it (${flavor})`, async () => {
      const formRoutes: NonNullable<TestbedOptions['routes']> = (app, oidc) => {
        app.post('/ac-form-note', oidc.accessControl({ unauthenticated: 'status' }), (req, res) => res.json({ ...view(req.oidc), note: (req.body as Record<string, unknown> | undefined)?.['note'] ?? null }));
      };
      await withTestbed(options(flavor, { oidc: { resourceServer: { allowFormToken: true } }, routes: formRoutes }), async (bed) => {
        const { browser } = await login(bed, 'alice');
        const cc = (await bed.oidc.clientCredentials({ resource: API, scope: 'read' })).accessToken;
        const post = (fields: Record<string, string>) => browser.request(`${bed.appUrl}/ac-form-note`, {
          method: 'POST',
          body: new URLSearchParams(fields),
          headers: { accept: 'application/json', origin: bed.appUrl },
        });
        const bySession = await post({ note: 'hello' });
        assert.equal(bySession.status, 200, bySession.body);
        assert.deepEqual(JSON.parse(bySession.body), { by: 'session', sub: 'alice', client_id: null, scopes: [], note: 'hello' }, 'the form still reaches the route');
        const byToken = await post({ access_token: cc, note: 'hi' });
        assert.equal(byToken.status, 200, byToken.body);
        assert.deepEqual(JSON.parse(byToken.body), { by: 'token', sub: 'demo-client', client_id: 'demo-client', scopes: ['read'], note: 'hi' });
      });
    });
  }

  test('resource-server-only mode needs no app.use(middleware): acceptToken() makes the context itself, scope checks follow; an app with logins still needs the middleware', async () => {
    await withTestbed(options('express5'), async (bed) => {
      const rs = new OpenIDConnect({ resourceServerOnly: true, issuer: bed.op.issuer, clientId: 'demo-client', clientSecret: CLIENT_SECRET, resourceServer: { audience: API } });
      const app = express();
      app.get('/api/jwt', rs.acceptToken(), (req, res) => res.json(view(req.oidc)));
      app.get('/api/admin', rs.acceptToken(), rs.requireScopes('admin'), (req, res) => res.json(view(req.oidc)));
      app.use(rs.errorHandler());
      const withLogins = express();
      withLogins.get('/api/jwt', expressOidc(bed.oidc).acceptToken({ audience: API }), (_req, res) => res.json({ reached: true }));
      withLogins.use((error: Error, _req: Request, res: Response, _next: unknown) => void res.status(500).json({ message: error.message }));
      const servers = [createServer(app), createServer(withLogins)];
      const urls: string[] = [];
      for (const server of servers) {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      }
      try {
        const jwt = (await rs.clientCredentials({ resource: API, scope: 'read' })).accessToken;
        const ok = await get(`${urls[0]}/api/jwt`, { token: jwt });
        assert.deepEqual({ status: ok.status, body: ok.body }, { status: 200, body: { by: 'token', sub: 'demo-client', client_id: 'demo-client', scopes: ['read'] } });
        const denied = await get(`${urls[0]}/api/admin`, { token: jwt });
        assert.equal(denied.status, 403);
        assert.match(denied.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
        const none = await get(`${urls[0]}/api/jwt`);
        assert.equal(none.status, 401);
        assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');
        const misplaced = await get(`${urls[1]}/api/jwt`, { token: jwt });
        assert.equal(misplaced.status, 500);
        assert.match(JSON.stringify(misplaced.body), /acceptToken\(\) needs oidc-kit.s middleware \(Express, Hono: app\.use\(oidc\.middleware\(\)\); Fastify: app\.register\(oidc\.plugin\); fetch: oidc\.handler\(\)\) before the route \(or resourceServerOnly: true\)/);
      } finally {
        for (const server of servers) {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
      }
    });
  });
});
