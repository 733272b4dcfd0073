/**
 * A provider that is down, slow, broken or lying: clear 502/503 answers, never a crash or a
 * session, and the next request tries again once the fault has passed. On every adapter.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { devClient, startDevProvider } from '../../src/dev-provider/dev-provider.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import { serveTestApp } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';
import { ADAPTERS, CLIENT_SECRET, SECRET } from '../support/testbed.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(handler?: Handler): Promise<{ server: Server; url: string; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}`, port };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A page that needs a login. */
const profile = get('/profile', [['requireLogin']], ({ oidc }) => ({ json: { sub: oidc.user?.sub } }));

for (const adapter of ADAPTERS) {
  describe(`provider faults (${adapter})`, () => {
    const servers: Array<{ close(): Promise<void> }> = [];
    after(async () => {
      for (const server of servers) await server.close();
    });

    /** The app using oidc-kit with the given issuer, on this adapter; returns its URL. */
    async function appFor(issuer: string): Promise<{ url: string; warnings: string[] }> {
      const warnings: string[] = [];
      const app = await serveTestApp(adapter, (url) => ({
        baseUrl: url,
        secret: SECRET,
        issuer,
        clientId: 'demo-client',
        clientSecret: CLIENT_SECRET,
        httpTimeout: 500,
        logger: { warn: (message) => warnings.push(message) },
      }), { routes: [profile] });
      servers.push(app);
      return { url: app.url, warnings };
    }

    /** A server of the test's own, closed after the suite. */
    async function serve(handler: Handler): Promise<{ url: string }> {
      const served = await listen(handler);
      servers.push({ close: () => close(served.server) });
      return served;
    }

    test('provider down → 503 with a clear page; once it is up, the next login works', async () => {
      const port = await freePort();
      const issuer = `http://127.0.0.1:${port}`;
      const app = await appFor(issuer);
      const browser = new TestBrowser();

      const page = await browser.request(`${app.url}/profile`);
      assert.equal(page.status, 503);
      assert.match(page.headers.get('content-type')!, /text\/html/);
      assert.match(page.body, /provider_unavailable/);
      assert.match(page.body, /could not be reached/);
      const api = await browser.request(`${app.url}/login`, { headers: { accept: 'application/json' } });
      assert.equal(api.status, 503);
      assert.equal((JSON.parse(api.body) as { error: string }).error, 'provider_unavailable');

      const op = await startDevProvider({ port, clients: [{ ...devClient(`${app.url}/callback`), client_secret: CLIENT_SECRET }] });
      try {
        const { response } = await loginThroughProvider(browser, `${app.url}/profile`, 'alice');
        assert.equal(response.status, 200);
        assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'alice');
      } finally {
        await op.close();
      }
    });

    test('a provider that never answers → 503 after the configured timeout', async () => {
      const silent = await serve(() => {
        /* accept the request and never answer */
      });
      const app = await appFor(silent.url);
      const response = await new TestBrowser().request(`${app.url}/profile`);
      assert.equal(response.status, 503);
      assert.match(response.body, /provider_unavailable/);
    });

    const broken: Array<[string, Handler, number, string]> = [
      ['garbage JSON', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"issuer": "http://x", trunc'), 502, 'provider_error'],
      ['an HTML error page', (_req, res) => res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Internal Server Error</h1>'), 502, 'provider_error'],
      ['JSON that is not metadata', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[1,2,3]'), 502, 'provider_error'],
    ];
    for (const [what, handler, status, code] of broken) {
      test(`DISC-06: discovery answering ${what} → ${status} ${code}, and no redirect anywhere`, async () => {
        const op = await serve(handler);
        const app = await appFor(op.url);
          const response = await new TestBrowser().request(`${app.url}/login`, { headers: { accept: 'application/json' } });
        assert.equal(response.status, status);
        assert.equal((JSON.parse(response.body) as { error: string }).error, code);
        assert.equal(response.headers.get('location'), null);
      });
    }

    test('CFG-03, FX-14: a discovery document naming another issuer is refused before any authorization request', async () => {
      let authorizationRequests = 0;
      const liar = await serve((req, res) => {
        if (req.url?.startsWith('/.well-known/')) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
            issuer: 'https://attacker.example',
            authorization_endpoint: 'https://attacker.example/auth',
            token_endpoint: 'https://attacker.example/token',
            jwks_uri: 'https://attacker.example/jwks',
          }));
        } else {
          authorizationRequests++;
          res.writeHead(404).end();
        }
      });
      const app = await appFor(liar.url);
      const response = await new TestBrowser().request(`${app.url}/login`, { headers: { accept: 'application/json' } });
      assert.equal(response.status, 502);
      assert.equal((JSON.parse(response.body) as { error: string }).error, 'discovery_issuer_mismatch');
      assert.equal(response.headers.get('location'), null);
      assert.equal(authorizationRequests, 0);
    });

    test('DISC-01: the configured issuer must equal the discovered one exactly (a trailing slash is another issuer)', async () => {
      const port = await freePort();
      const op = await startDevProvider({ port, clients: [{ ...devClient('http://127.0.0.1:1/callback'), client_secret: CLIENT_SECRET }] });
      try {
        const app = await appFor(`${op.issuer}/`);
          const response = await new TestBrowser().request(`${app.url}/login`, { headers: { accept: 'application/json' } });
        assert.equal(response.status, 502);
        const body = JSON.parse(response.body) as { error: string; error_description: string };
        assert.equal(body.error, 'discovery_issuer_mismatch');
        assert.match(body.error_description, new RegExp(`set the issuer option to exactly "${op.issuer}"`));
        assert.equal(app.warnings.length, 1);
      } finally {
        await op.close();
      }
    });

    test('the provider going down between login and callback → 503, no session, and the app keeps serving', async () => {
      const port = await freePort();
      const issuer = `http://127.0.0.1:${port}`;
      const app = await appFor(issuer);
      const op = await startDevProvider({ port, clients: [{ ...devClient(`${app.url}/callback`), client_secret: CLIENT_SECRET }] });
      const browser = new TestBrowser();
      const { stoppedAt } = await loginThroughProvider(browser, `${app.url}/login`, 'alice', { stopWhen: (u) => u.pathname === '/callback' });
      await op.close();
      const callback = await browser.request(stoppedAt!);
      assert.equal(callback.status, 503);
      assert.deepEqual(callback.setCookies.filter((c) => c.startsWith('oidc_session=')), []);
      const profile = await browser.request(`${app.url}/profile`, { headers: { accept: 'application/json' } });
      assert.equal(profile.status, 401, 'still serving, not logged in');
    });
  });
}
