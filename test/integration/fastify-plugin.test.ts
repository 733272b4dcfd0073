/**
 * What only the Fastify adapter has (its HTTP behaviour is the contract suite's, on every adapter):
 * the plugin registers oidc-kit's routes as real Fastify routes, reads their form bodies itself and
 * leaves the app's content-type parsers alone, and `request.oidc` is a declared decorator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { devClient, startDevProvider, type DevProvider } from '../../src/dev-provider/dev-provider.ts';
import { OpenIDConnect } from '../../src/fastify.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { CLIENT_SECRET, SECRET } from '../support/testbed.ts';

describe('oidc-kit/fastify: the plugin in a Fastify app', () => {
  let op: DevProvider;
  let app: FastifyInstance;
  let appUrl: string;

  before(async () => {
    // The provider needs the app's URL and the app the provider's: take a free port first.
    app = Fastify();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    appUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    op = await startDevProvider({ clients: [{ ...devClient(`${appUrl}/callback`), client_secret: CLIENT_SECRET }] });
    const oidc = new OpenIDConnect({
      baseUrl: appUrl, secret: SECRET, issuer: op.issuer, clientId: 'demo-client', clientSecret: CLIENT_SECRET, responseMode: 'form_post', logger: { warn() {} },
    });
    // Fastify cannot register routes once it listens: a second instance for the app under test.
    await app.close();
    app = Fastify();
    await app.register(oidc.plugin);
    app.get('/profile', { preHandler: oidc.requireLogin() }, (request) => ({ sub: request.oidc.user?.sub }));
    app.post('/echo', (request) => ({ body: request.body }));
    app.setErrorHandler(oidc.errorHandler());
    await app.listen({ port: Number(new URL(appUrl).port), host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await op.close();
  });

  test('oidc-kit\'s routes are real Fastify routes, for every method (a wrong one gets the core\'s 405)', async () => {
    for (const path of ['/login', '/callback', '/logout', '/logout/callback']) {
      assert.ok(app.hasRoute({ url: path, method: 'GET' }), `${path} GET`);
      assert.ok(app.hasRoute({ url: path, method: 'DELETE' }), `${path} DELETE`);
    }
    const wrong = await fetch(`${appUrl}/login`, { method: 'DELETE' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, HEAD');
  });

  test('the app\'s content-type parsers are its own: no urlencoded parser added, JSON still parsed', async () => {
    assert.equal(app.hasContentTypeParser('application/x-www-form-urlencoded'), false);
    assert.equal(app.hasContentTypeParser('application/json'), true);
    const form = await fetch(`${appUrl}/echo`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    assert.equal(form.status, 415, 'Fastify refuses a form on the app\'s route: it has no parser for it');
    const json = await fetch(`${appUrl}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.deepEqual(await json.json(), { body: { a: 1 } });
  });

  test('the form_post callback reads its form from the stream, in the plugin\'s own context', async () => {
    const browser = new TestBrowser();
    const atProvider = await loginThroughProvider(browser, `${appUrl}/profile`, 'dana');
    assert.match(atProvider.response.body, /<form[^>]+method="post"/i);
    const { response } = await browser.submitForm(atProvider.response, {});
    assert.deepEqual(JSON.parse(response.body), { sub: 'dana' });
  });
});
