/**
 * The library's route table without any framework: what each configuration mounts, and how a
 * route answers a method it does not serve (405 with Allow; back-channel logout 400, BCL-12).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OidcCore, PendingWrites, type RequestView } from '../../src/index.ts';

const BASE = { baseUrl: 'http://localhost:3000', secret: 's'.repeat(32), issuer: 'https://op.example', clientId: 'app', clientSecret: 'secret', logger: { warn() {} } };

const view = (method: string, url: string): RequestView => ({ method, url, header: () => undefined });

test('the route table lists each route once with its methods; form bodies only where the protocol posts them', () => {
  const core = new OidcCore({ ...BASE, routes: { backchannelLogout: '/backchannel-logout' } });
  assert.deepEqual(core.routes.map((r) => [r.name, r.path, r.methods.join(','), r.formBody]), [
    ['login', '/login', 'GET,HEAD', false],
    ['callback', '/callback', 'GET,HEAD,POST', true],
    ['logout', '/logout', 'GET,HEAD,POST', false],
    ['postLogout', '/logout/callback', 'GET,HEAD', false],
    ['backchannelLogout', '/backchannel-logout', 'POST', true],
  ]);
  assert.ok(Object.isFrozen(core.routes) && core.routes.every((r) => Object.isFrozen(r) && Object.isFrozen(r.methods)), 'read-only');
});

test('routes turned off are not in the table, API-only mode has none, and lookups go by path alone', () => {
  const core = new OidcCore({ ...BASE, routes: { login: false, logout: false, callback: '/oidc_callback' } });
  assert.deepEqual(core.routes.map((r) => r.name), ['callback', 'postLogout']);
  assert.equal(core.route(view('GET', '/oidc_callback?code=x&state=y'))?.name, 'callback');
  assert.equal(core.route(view('GET', '/login')), undefined);
  assert.equal(core.route(view('GET', '/oidc_callback/extra')), undefined);
  const api = new OidcCore({ resourceServerOnly: true, issuer: 'https://op.example', clientId: 'api', clientSecret: 'secret', logger: { warn() {} } });
  assert.deepEqual(api.routes, []);
  assert.equal(api.route(view('GET', '/callback')), undefined);
});

test('a method a route does not serve gets 405 with Allow and no-store; the route does nothing else', async () => {
  const core = new OidcCore({ ...BASE, routes: { backchannelLogout: '/backchannel-logout' } });
  for (const [method, path, allow] of [['POST', '/login', 'GET, HEAD'], ['PUT', '/callback', 'GET, HEAD, POST'], ['DELETE', '/logout', 'GET, HEAD, POST'], ['POST', '/logout/callback', 'GET, HEAD']] as const) {
    const request = view(method, path);
    const pending = new PendingWrites();
    const plan = await core.answer(core.route(request)!, await core.open(request, pending));
    assert.deepEqual(plan, { status: 405, headers: { allow, 'cache-control': 'no-store' } }, `${method} ${path}`);
    assert.deepEqual(pending.cookies, [], 'no cookie written');
  }
});

test('back-channel logout answers a GET with 400 invalid_request (BCL-12), and says which method it takes', async () => {
  const core = new OidcCore({ ...BASE, routes: { backchannelLogout: '/backchannel-logout' } });
  const request = view('GET', '/backchannel-logout');
  const plan = await core.answer(core.route(request)!, await core.open(request, new PendingWrites()));
  assert.equal(plan.status, 400);
  assert.equal(plan.headers['allow'], 'POST');
  assert.equal((JSON.parse(plan.body!) as { error: string; reason: string }).reason, 'method');
});
