/**
 * The guards without any framework: built and checked where a route is declared, and their
 * verdicts — synchronous (no promise) when the session or token needs nothing awaited.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OidcCore, OidcError, PendingWrites, type RequestContext, type RequestView, type Verdict } from '../../src/index.ts';

const BASE = { baseUrl: 'http://localhost:3000', secret: 's'.repeat(32), issuer: 'https://op.example', clientId: 'app', clientSecret: 'secret', logger: { warn() {} } };

function view(url: string, headers: Record<string, string> = {}): RequestView {
  return { method: 'GET', url, header: (name) => headers[name] };
}

async function open(core: OidcCore, request: RequestView): Promise<RequestContext> {
  return core.open(request, new PendingWrites());
}

test('guards check their declaration at once: unknown providers, empty scopes, claims and roles are TypeErrors', () => {
  const core = new OidcCore(BASE);
  assert.throws(() => core.requireLogin({ provider: 'nope' }), /names no configured provider/);
  assert.throws(() => core.accessControl({ provider: 'nope' }), /names no configured provider|no such identity provider|provider/);
  assert.throws(() => core.requireScopes([]), /at least one scope/);
  assert.throws(() => core.requireClaims({}), /object of claim rules/);
  assert.throws(() => core.requireRole([]), /role name/);
  assert.throws(() => core.requireRole('admin', { from: 42 as never }), /claim name or a function/);
  const api = new OidcCore({ resourceServerOnly: true, issuer: 'https://op.example', clientId: 'api', clientSecret: 'secret', logger: { warn() {} } });
  assert.throws(() => api.requireLogin(), /no meaning with `resourceServerOnly`/);
});

test('requireLogin: a live session goes on synchronously; without one, 401 for JSON clients and a login for browsers', async () => {
  const core = new OidcCore({ ...BASE, testMode: true });
  const guard = core.requireLogin();
  const cookie = await core.createTestSession({ sub: 'alice' });
  const context = await open(core, view('/profile', { cookie }));
  assert.equal(guard.check(context), undefined, 'no promise, no verdict object: go on');

  const anonymousJson = guard.check(await open(core, view('/profile', { accept: 'application/json' })));
  assert.ok(anonymousJson instanceof Promise);
  const refused = await anonymousJson;
  assert.ok(refused !== undefined && 'respond' in refused);
  assert.equal(refused.respond.status, 401);
  assert.equal((JSON.parse(refused.respond.body!) as { error: string }).error, 'unauthenticated');

  const browser = await core.requireLogin({ unauthenticated: 'redirect' }).check(await open(core, view('/profile', { accept: 'text/html' })));
  assert.ok(browser !== undefined && 'respond' in browser);
  assert.equal(browser.respond.status, 303, 'test mode logs in at once and comes back');
  assert.equal(browser.respond.headers['location'], 'http://localhost:3000/profile');
});

test('a guard without a context (no middleware ran) fails with a programming error naming the fix', () => {
  const core = new OidcCore(BASE);
  const verdict = core.requireLogin().check(undefined) as Verdict;
  assert.ok(verdict !== undefined && 'fail' in verdict);
  assert.match(verdict.fail.message, /needs oidc-kit.s middleware \(Express, Hono: app\.use\(oidc\.middleware\(\)\); Fastify: app\.register\(oidc\.plugin\)/);
});

test('acceptToken: no token is a synchronous 401 with its challenge; renderErrors: false hands the OidcError on; a session never counts', async () => {
  const core = new OidcCore({ ...BASE, testMode: true, resourceServer: { audience: 'https://api.example' } });
  const cookie = await core.createTestSession({ sub: 'alice' });
  const answered = core.acceptToken().check(await open(core, view('/api', { cookie })));
  assert.ok(answered !== undefined && !(answered instanceof Promise) && 'respond' in answered);
  assert.equal(answered.respond.status, 401);
  assert.equal(answered.respond.headers['www-authenticate'], 'Bearer realm="api"');
  assert.match(answered.respond.headers['content-type'] ?? '', /application\/json/, 'an API answer, whatever Accept says');

  const handedOn = core.acceptToken({ renderErrors: false }).check(await open(core, view('/api')));
  assert.ok(handedOn !== undefined && !(handedOn instanceof Promise) && 'fail' in handedOn);
  assert.ok(handedOn.fail instanceof OidcError && handedOn.fail.code === 'unauthenticated');

  assert.equal(core.acceptToken({ required: false }).check(await open(core, view('/api'))), undefined, 'optional: go on');
  const malformed = core.acceptToken().check(await open(core, view('/api', { authorization: 'Bearer a b' })));
  assert.ok(malformed !== undefined && !(malformed instanceof Promise) && 'respond' in malformed);
  assert.equal(malformed.respond.status, 400, 'invalid_request, refused before any verification');
});

test('authorization rules judge the session\'s claims and scopes after a login guard; 403 insufficient_scope otherwise', async () => {
  const core = new OidcCore({ ...BASE, testMode: true });
  const cookie = await core.createTestSession({ sub: 'alice', roles: ['editor'], tenant: 'acme' }, { scope: 'openid read' });
  const context = await open(core, view('/x', { cookie, accept: 'application/json' }));
  assert.equal(core.requireScopes('read').check(context), undefined);
  assert.equal(core.requireRole('editor').check(context), undefined);
  assert.equal(core.requireClaims({ tenant: 'acme' }).check(context), undefined);
  for (const [guard, reason] of [[core.requireScopes('write'), 'scope'], [core.requireRole('admin'), 'role'], [core.requireClaims({ tenant: 'globex' }), 'claim:tenant']] as const) {
    const verdict = guard.check(context);
    assert.ok(verdict !== undefined && !(verdict instanceof Promise) && 'respond' in verdict);
    assert.equal(verdict.respond.status, 403);
    assert.equal((JSON.parse(verdict.respond.body!) as { reason: string }).reason, reason);
  }
});

test('accessControl: without a token the session decides, and its 401 also carries the bearer challenge', async () => {
  const core = new OidcCore({ ...BASE, testMode: true });
  const guard = core.accessControl({ scopes: 'read', unauthenticated: 'status' });
  const cookie = await core.createTestSession({ sub: 'alice' }, { scope: 'openid read' });
  assert.equal(await guard.check(await open(core, view('/r', { cookie }))), undefined);
  const refused = await guard.check(await open(core, view('/r')));
  assert.ok(refused !== undefined && 'respond' in refused);
  assert.equal(refused.respond.status, 401);
  assert.equal(refused.respond.headers['www-authenticate'], 'Bearer realm="api"');
  const missingScope = await guard.check(await open(core, view('/r', { cookie: await core.createTestSession({ sub: 'bob' }, { scope: 'openid' }) })));
  assert.ok(missingScope !== undefined && 'respond' in missingScope);
  assert.equal(missingScope.respond.status, 403);
});

test('a context of another core is refused', async () => {
  const one = new OidcCore(BASE);
  const other = new OidcCore(BASE);
  const context = await open(other, view('/'));
  assert.throws(() => one.requireLogin().check(context), /not created by this OpenIDConnect instance/);
});
