/**
 * The adapters whose handlers return a `Response` answer without a promise when nothing had to
 * wait: the fetch adapter's `handler()` and `handle()`, and Hono's one-handler form, which keeps
 * Hono's fast path (`app.fetch` then returns the `Response` itself). What matters is the value's
 * kind, not its speed (the benchmark measures that): a session found in the cache, guards that
 * pass at once and a handler that answers at once give a `Response`; anything that waits (an
 * async handler, a cookie not yet opened) gives a promise.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { OpenIDConnect as FetchOpenIDConnect } from '../../src/fetch.ts';
import { OpenIDConnect as HonoOpenIDConnect, type OidcEnv } from '../../src/hono.ts';
import { SECRET } from '../support/testbed.ts';

const BASE_URL = 'http://localhost:3000';
const options = { baseUrl: BASE_URL, secret: SECRET, testMode: true, logger: { warn: () => undefined } };
const request = (path: string, cookie?: string): Request => new Request(`${BASE_URL}${path}`, cookie === undefined ? {} : { headers: { cookie } });

describe('fetch adapter: a Response at once when nothing waits', () => {
  const oidc = new FetchOpenIDConnect(options);
  const profile = oidc.handler([oidc.requireLogin()], (_request, session) => Response.json({ sub: session.user?.sub }));
  const home = oidc.handler([], (_request, session) => Response.json({ authenticated: session.isAuthenticated }));
  const slow = oidc.handler([oidc.requireLogin()], (_request, session) => Promise.resolve(Response.json({ sub: session.user?.sub })));

  test('an anonymous request to an open route', async () => {
    const answer = home(request('/'));
    assert.ok(answer instanceof Response);
    assert.deepEqual(await answer.json(), { authenticated: false });
  });

  test('a session: a Response once it is cached; an async handler\'s promise as it is', async () => {
    const cookie = await oidc.createTestSession({ sub: 'alice' });
    assert.deepEqual(await (await profile(request('/profile', cookie))).json(), { sub: 'alice' });
    const again = profile(request('/profile', cookie));
    assert.ok(again instanceof Response, 'the cached session answers at once');
    assert.deepEqual(await again.json(), { sub: 'alice' });
    const asynchronous = slow(request('/profile', cookie));
    assert.ok(asynchronous instanceof Promise, 'an async handler is a promise, as it is');
    assert.deepEqual(await (await asynchronous).json(), { sub: 'alice' });
  });

  test('handle(): undefined at once for the app\'s routes, a promise for its own', async () => {
    assert.equal(oidc.handle(request('/profile')), undefined);
    const login = oidc.handle(request('/login'));
    assert.ok(login instanceof Promise);
    assert.equal((await login).status, 303);
  });
});

describe('Hono one-handler form: app.fetch gives the Response itself on the fast path', () => {
  const oidc = new HonoOpenIDConnect(options);
  const app = new Hono<OidcEnv>();
  app.route('/', oidc.routes());
  app.get('/', oidc.handler([], (c) => c.json({ authenticated: c.var.oidc.isAuthenticated })));
  app.get('/profile', oidc.handler([oidc.requireLogin()], (c) => c.json({ sub: c.var.oidc.user?.sub })));
  app.onError(oidc.errorHandler());

  test('an anonymous request to an open route', async () => {
    const answer = app.fetch(request('/'));
    assert.ok(answer instanceof Response);
    assert.deepEqual(await answer.json(), { authenticated: false });
  });

  test('a session: a Response once it is cached; the library\'s routes answer through routes()', async () => {
    const cookie = await oidc.createTestSession({ sub: 'bob' });
    assert.deepEqual(await (await app.fetch(request('/profile', cookie))).json(), { sub: 'bob' });
    const again = app.fetch(request('/profile', cookie));
    assert.ok(again instanceof Response, 'the cached session answers at once');
    assert.deepEqual(await again.json(), { sub: 'bob' });
    const login = await app.fetch(request('/login'));
    assert.equal(login.status, 303);
  });

  test('handler() takes only this instance\'s guards', () => {
    const other = new HonoOpenIDConnect(options);
    assert.throws(() => oidc.handler([other.requireLogin()], (c) => c.text('x')), /handler\(\) takes the guards of this OpenIDConnect instance/);
    assert.throws(() => oidc.handler([async (_c, next) => next()], (c) => c.text('x')), /not other middleware/);
  });
});
