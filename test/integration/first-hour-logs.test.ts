/**
 * Issue 26, item 3: logs that name the cause. A discovery that fails is logged with the URL asked,
 * what happened (no listener, an HTTP status, not JSON) and what to check; at start-up, one `info`
 * line names the redirect URIs oidc-kit will send (to register exactly those), and a `baseUrl` with
 * a path says so. On every adapter.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { serveTestApp } from '../support/test-app.ts';
import { ADAPTERS, CLIENT_SECRET, SECRET } from '../support/testbed.ts';

/** A provider impostor: /notfound/… answers 404, /html/… a login page. */
let impostor: Server;
let impostorUrl: string;
/** A port nothing listens on. */
let closedPort: number;

before(async () => {
  impostor = createServer((req, res) => {
    if (req.url?.startsWith('/notfound/')) {
      res.statusCode = 404;
      res.end('not here');
    } else {
      res.setHeader('content-type', 'text/html');
      res.end('<html>login</html>');
    }
  });
  await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  impostorUrl = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
after(() => {
  impostor.closeAllConnections();
  impostor.close();
});

for (const adapter of ADAPTERS) {
  describe(`logs that name the cause (${adapter})`, () => {
    const apps: Array<{ close(): Promise<void> }> = [];
    after(async () => {
      for (const app of apps) await app.close();
    });

    async function start(issuer: string, baseUrlPath = ''): Promise<{ url: string; warnings: string[]; infos: string[] }> {
      const warnings: string[] = [];
      const infos: string[] = [];
      const app = await serveTestApp(adapter, (url) => ({
        baseUrl: `${url}${baseUrlPath}`, secret: SECRET, issuer, clientId: 'app', clientSecret: CLIENT_SECRET, httpTimeout: 1000,
        logger: { warn: (message) => warnings.push(message), info: (message) => infos.push(message) },
      }));
      apps.push(app);
      return { url: app.url, warnings, infos };
    }

    for (const [name, issuer, status, what, fix] of [
      ['no listener', () => `http://127.0.0.1:${closedPort}`, 503, /the provider could not be reached \(.*ECONNREFUSED.*\)/, /check the issuer option, and that this server reaches the provider \(DNS, firewall, proxy\)/],
      ['an HTTP 404', () => `${impostorUrl}/notfound`, 502, /: HTTP 404;/, /check that the issuer option is the provider's issuer \(its discovery document lives at the URL above\)/],
      ['a page that is not JSON', () => `${impostorUrl}/html`, 502, /: not JSON \(content-type text\/html\);/, /check that the issuer option is the provider's issuer \(its discovery document lives at the URL above\)/],
    ] as const) {
      test(`a discovery that meets ${name}: one line with the URL, what happened and what to check`, async () => {
        const app = await start(issuer());
        for (let i = 0; i < 3; i++) {
          const login = await fetch(`${app.url}/login`, { redirect: 'manual', headers: { accept: 'application/json' } });
          assert.equal(login.status, status);
        }
        const down = app.warnings.filter((line) => / is down: /.test(line));
        assert.equal(down.length, 1, app.warnings.join('\n'));
        assert.ok(down[0]!.includes(`discovery at ${issuer()}/.well-known/openid-configuration: `), down[0]);
        assert.match(down[0]!, what);
        assert.match(down[0]!, fix);
      });
    }

    test('at start-up, one info line names the redirect and post-logout URIs to register; a baseUrl with a path says so', async () => {
      const root = await start('https://op.example');
      assert.deepEqual(root.infos, [`register at the provider exactly: redirect URI ${root.url}/callback, post-logout redirect URI ${root.url}/logout/callback`]);
      const nested = await start('https://op.example', '/app');
      assert.equal(nested.infos.length, 1);
      assert.match(nested.infos[0]!, new RegExp(`redirect URI ${nested.url}/app/callback, post-logout redirect URI ${nested.url}/app/logout/callback \\(baseUrl has the path /app: oidc-kit's routes are under it, the callback included\\)$`));
    });
  });
}
