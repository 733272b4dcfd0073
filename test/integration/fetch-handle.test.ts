/**
 * The core's Web-standard entry, `handle(Request)`, and the two conversions beside it
 * (`FetchRequestView`, `PendingWrites`), over real HTTP against the in-process provider: Node's
 * HTTP server turns each request into a Web `Request` and writes the `Response` back, as a fetch
 * runtime would. A login (query and form_post), a protected route, logout, 405s, and the public
 * URL taken from `baseUrl`, never from the request's host.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { devClient, startDevProvider, type DevProvider } from '../../src/dev-provider/dev-provider.ts';
import { FetchRequestView, OidcCore, PendingWrites } from '../../src/index.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { CLIENT_SECRET, SECRET } from '../support/testbed.ts';

/** The application behind the library's routes: `/` says who is logged in, `/profile` needs a login. */
async function app(core: OidcCore<Request>, request: Request): Promise<Response> {
  const pending = new PendingWrites();
  const oidc = await core.open(new FetchRequestView(request), pending, request);
  const path = new URL(request.url).pathname;
  if (path === '/') return pending.applyTo(Response.json({ authenticated: oidc.isAuthenticated, sub: oidc.user?.sub ?? null }));
  if (path === '/profile') {
    const verdict = await core.requireLogin().check(oidc);
    if (verdict !== undefined && 'respond' in verdict) return pending.toResponse(verdict.respond);
    return pending.applyTo(Response.json({ sub: oidc.user?.sub }));
  }
  if (path === '/sign-out') return pending.toResponse(await oidc.logout({ returnTo: '/' }));
  return new Response('not found', { status: 404 });
}

/** Node's request as a Web Request (the body streamed), and the Response written back. */
function serve(core: OidcCore<Request>, origin: () => string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) for (const item of [value ?? []].flat()) headers.append(name, item);
    const init: RequestInit & { duplex?: 'half' } = { method, headers };
    if (method !== 'GET' && method !== 'HEAD') Object.assign(init, { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' });
    const request = new Request(`${origin()}${req.url ?? '/'}`, init);
    void (async () => {
      const response = (await core.handle(request, () => request)) ?? (await app(core, request));
      const out: Array<[string, string]> = [];
      response.headers.forEach((value, name) => name !== 'set-cookie' && out.push([name, value]));
      for (const cookie of response.headers.getSetCookie()) out.push(['set-cookie', cookie]);
      res.writeHead(response.status, out.flat()).end(Buffer.from(await response.arrayBuffer()));
    })();
  };
}

describe('handle(Request): the library routes for Web-standard runtimes', () => {
  let op: DevProvider;
  let server: Server;
  let appUrl: string;
  let core: OidcCore<Request>;
  let formPost: OidcCore<Request>;
  let serving: OidcCore<Request>;
  /** The origin the Request is built with: the app's own, or a forged Host. */
  let requestOrigin: string | undefined;

  before(async () => {
    server = createServer((req, res) => serve(serving, () => requestOrigin ?? appUrl)(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    op = await startDevProvider({ clients: [{ ...devClient(`${appUrl}/callback`), client_secret: CLIENT_SECRET, post_logout_redirect_uris: [`${appUrl}/logout/callback`, `${appUrl}/`] }] });
    const options = { baseUrl: appUrl, secret: SECRET, issuer: op.issuer, clientId: 'demo-client', clientSecret: CLIENT_SECRET, scope: 'openid email profile', logger: { warn() {} } };
    core = new OidcCore<Request>(options);
    formPost = new OidcCore<Request>({ ...options, responseMode: 'form_post' });
    serving = core;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await op.close();
  });

  test('a protected page sends the browser through the provider and back; the session cookie comes with handle()\'s answers', async () => {
    const browser = new TestBrowser();
    const { response, url } = await loginThroughProvider(browser, `${appUrl}/profile`, 'alice');
    assert.equal(url.href, `${appUrl}/profile`);
    assert.deepEqual(JSON.parse(response.body), { sub: 'alice' });
    const home = await browser.request(`${appUrl}/`);
    assert.deepEqual(JSON.parse(home.body), { authenticated: true, sub: 'alice' });
  });

  test('form_post: the callback reads the POSTed form from the Request\'s body stream', async () => {
    serving = formPost;
    try {
      const browser = new TestBrowser();
      // The provider answers with a self-submitting form that POSTs the response to the callback.
      const atProvider = await loginThroughProvider(browser, `${appUrl}/profile`, 'bob');
      assert.match(atProvider.response.body, /<form[^>]+method="post"/i);
      const { response } = await browser.submitForm(atProvider.response, {});
      assert.deepEqual(JSON.parse(response.body), { sub: 'bob' });
    } finally {
      serving = core;
    }
  });

  test('logout from an app handler: its plan, with the cookie deletions, becomes the Response', async () => {
    const browser = new TestBrowser();
    await loginThroughProvider(browser, `${appUrl}/profile`, 'carol');
    const out = await browser.request(`${appUrl}/sign-out`);
    assert.equal(out.status, 303);
    assert.ok(out.setCookies.some((cookie) => /Max-Age=0/i.test(cookie)), 'the session cookie is deleted');
    const home = await browser.request(`${appUrl}/`);
    assert.deepEqual(JSON.parse(home.body), { authenticated: false, sub: null });
  });

  test('a method a route does not serve: 405 with Allow; other paths are the app\'s (handle() answers undefined)', async () => {
    const post = await fetch(`${appUrl}/login`, { method: 'POST', redirect: 'manual' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    // At once, not a promise of undefined: the app's own routes wait for nothing of oidc-kit's.
    assert.equal(core.handle(new Request(`${appUrl}/elsewhere`)), undefined);
    const login = core.handle(new Request(`${appUrl}/login`));
    assert.ok(login instanceof Promise);
    assert.equal((await login).status, 302);
  });

  test('the public URL is baseUrl: a Request for another host still gets this app\'s redirect_uri', async () => {
    requestOrigin = 'http://evil.example';
    try {
      const start = await fetch(`${appUrl}/login?returnTo=${encodeURIComponent('http://evil.example/steal')}`, { redirect: 'manual' });
      assert.equal(start.status, 302);
      const authorize = new URL(start.headers.get('location')!);
      assert.equal(authorize.searchParams.get('redirect_uri'), `${appUrl}/callback`);
    } finally {
      requestOrigin = undefined;
    }
  });

  test('a body larger than the route reads is refused without reading it all', async () => {
    serving = formPost;
    try {
      const big = await fetch(`${appUrl}/callback`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: `state=${'x'.repeat(64 * 1024)}` });
      assert.equal(big.status, 400);
      assert.equal((await big.json() as { reason: string }).reason, 'body_size');
    } finally {
      serving = core;
    }
  });
});
