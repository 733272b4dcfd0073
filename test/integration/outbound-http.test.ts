/**
 * Outbound HTTP (issue 27, item 3): every call oidc-kit makes to a provider goes out through the
 * app's `fetch` option, or with `proxy: 'env'` through the proxy of HTTP_PROXY / HTTPS_PROXY except
 * for the hosts in NO_PROXY. Against the real provider (oidc-provider in process, real HTTP) and a
 * real forwarding proxy (test/support/forward-proxy.ts, which counts what it forwards), on every
 * adapter the package ships.
 *
 * "Every call" is checked against the provider's own request log: each back-channel request it
 * received (discovery, registration, the token endpoint for the code, a refresh and the client
 * credentials grant, the JWKS, UserInfo, introspection) must have been seen by the app's fetch, or
 * have crossed the proxy — the same requests, as many times. The browser's own requests to the
 * provider (authorization, its login page, RP-initiated logout) are not oidc-kit's calls and go
 * direct; back-channel logout is the provider calling the app. The library functions that call a
 * provider (`discover()`, `findIssuer()`, `registerClient()`) take the same `fetch`.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { Configuration } from 'oidc-provider';
import { devClient, startDevProvider, type DevProvider } from '../../src/dev-provider/dev-provider.ts';
import { discover, findIssuer, registerClient, type ProviderFetch } from '../../src/index.ts';
import { loginThroughProvider, type TestBrowser } from '../support/browser.ts';
import { startForwardProxy } from '../support/forward-proxy.ts';
import { serveTestApp } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';
import { CLIENT_SECRET, PACKAGE_ADAPTERS, SECRET, startTestbed, type Testbed } from '../support/testbed.ts';

const API = 'https://api.example.test/';
const INITIAL_ACCESS_TOKEN = 'initial-access-token-0123456789';
/** The provider's endpoints oidc-kit calls itself (the rest of its paths are the browser's). */
const BACK_CHANNEL = new Set(['/.well-known/openid-configuration', '/reg', '/token', '/jwks', '/me', '/token/introspection']);

/** The provider: registration behind an initial access token, client credentials, JWT access tokens for API. */
const providerConfiguration: Partial<Configuration> = {
  scopes: ['openid', 'email', 'profile', 'offline_access', 'read'],
  features: {
    registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // The login's access token has no resource: opaque, so a bearer route introspects it.
      useGrantedResource: () => false,
      getResourceServerInfo: (_ctx, resource) => ({ scope: 'read', audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
    },
  },
};

/** The app's client registers itself (one more kind of call), for the code flow and client credentials. */
const selfRegistering = {
  clientId: undefined,
  clientSecret: undefined,
  registration: {
    initialAccessToken: INITIAL_ACCESS_TOKEN,
    metadata: { client_name: 'outbound-http test', grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], scope: 'openid email profile offline_access read' },
  },
};

const routes = [
  get('/api/any', [['acceptToken']], ({ oidc }) => ({ json: { sub: oidc.token?.sub ?? null } })),
  get('/api/jwt', [['acceptToken', { audience: API }]], ({ oidc }) => ({ json: { sub: oidc.token?.sub ?? null } })),
];

/** `METHOD /path` of each back-channel request the provider received, sorted. */
function backChannel(op: DevProvider): string[] {
  return op.requests.filter((r) => BACK_CHANNEL.has(r.path)).map((r) => `${r.method} ${r.path}`).sort();
}

async function bearer(url: string, token: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  return { status: response.status, body: await response.text() };
}

/**
 * Makes the app call its (default) provider every way it can: a login (discovery, registration,
 * the code exchange, the JWKS for the ID token, UserInfo), a refresh, the client credentials grant,
 * an opaque bearer token (introspection) and a JWT one (verified with the keys).
 */
async function everyCall(bed: Testbed, browser: TestBrowser, start = `${bed.appUrl}/tokens`): Promise<void> {
  const { response } = await loginThroughProvider(browser, start, 'alice');
  assert.equal(response.status, 200, response.body);
  const { accessToken } = JSON.parse(response.body) as { accessToken: string };
  const refreshed = await browser.request(`${bed.appUrl}/api/token?force=1`, { headers: { accept: 'application/json' } });
  assert.equal(refreshed.status, 200, refreshed.body);
  assert.notEqual((JSON.parse(refreshed.body) as { accessToken: string }).accessToken, accessToken, 'refreshed');
  const machine = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
  assert.deepEqual(await bearer(`${bed.appUrl}/api/any`, accessToken), { status: 200, body: '{"sub":"alice"}' }, 'the opaque token, introspected');
  const jwt = await bearer(`${bed.appUrl}/api/jwt`, machine.accessToken);
  assert.equal(jwt.status, 200, jwt.body);
}

/** What a request to a provider endpoint is, for the log: the grant type for the token endpoint. */
async function describeCall(url: string, init: RequestInit): Promise<string> {
  const path = new URL(url).pathname;
  const line = `${init.method ?? 'GET'} ${path}`;
  if (path !== '/token') return line;
  const body = init.body instanceof URLSearchParams ? init.body : new URLSearchParams(typeof init.body === 'string' ? init.body : await new Response(init.body).text());
  return `${line} ${body.get('grant_type')}`;
}

/** Runs `test` with HTTP(S)_PROXY and NO_PROXY set as given (every spelling), and puts them back after. */
async function withProxyEnvironment(values: { proxy: string; noProxy: string }, test: () => Promise<void>): Promise<void> {
  const names = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  for (const name of names) delete process.env[name];
  process.env['HTTP_PROXY'] = values.proxy;
  process.env['HTTPS_PROXY'] = values.proxy;
  process.env['NO_PROXY'] = values.noProxy;
  try {
    await test();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

test('discover(), findIssuer() and registerClient() make their call with the fetch they are given', async () => {
  const bed = await startTestbed({ providerConfiguration });
  // WebFinger naming the provider as the issuer (oidc-provider serves none).
  const webfinger = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/jrd+json' })
    .end(JSON.stringify({ links: [{ rel: 'http://openid.net/specs/connect/1.0/issuer', href: bed.op.issuer }] })));
  const webfingerHost = new URL(await listen(webfinger)).host;
  const calls: string[] = [];
  const appFetch: ProviderFetch = (url, init) => {
    calls.push(`${init.method ?? 'GET'} ${new URL(url).host === webfingerHost ? 'webfinger' : new URL(url).pathname}`);
    return fetch(url, init);
  };
  try {
    assert.equal(await findIssuer(`alice@${webfingerHost}`, { fetch: appFetch }), bed.op.issuer);
    const metadata = await discover(bed.op.issuer, { fetch: appFetch });
    const registered = await registerClient(metadata, [`${bed.appUrl}/callback`], {}, { initialAccessToken: INITIAL_ACCESS_TOKEN, fetch: appFetch });
    assert.equal(typeof registered.client_id, 'string');
    assert.deepEqual(calls, ['GET webfinger', 'GET /.well-known/openid-configuration', 'POST /reg']);
  } finally {
    await close(webfinger);
    await bed.close();
  }
});

for (const adapter of PACKAGE_ADAPTERS) {
  describe(`outbound HTTP (${adapter})`, () => {
    test('the fetch option makes every call to the provider: discovery, registration, token (code, refresh, client credentials), JWKS, UserInfo, introspection', async () => {
      const calls: string[] = [];
      const signals: boolean[] = [];
      const appFetch: ProviderFetch = async (url, init) => {
        calls.push(await describeCall(url, init));
        signals.push(init.signal instanceof AbortSignal);
        return fetch(url, init);
      };
      const bed = await startTestbed({ adapter, providerConfiguration, appRoutes: routes, oidc: { ...selfRegistering, fetch: appFetch } });
      try {
        await everyCall(bed, bed.browser());
        const byEndpoint = (line: string): number => calls.filter((call) => call === line).length;
        assert.deepEqual({
          discovery: byEndpoint('GET /.well-known/openid-configuration'),
          registration: byEndpoint('POST /reg'),
          code: byEndpoint('POST /token authorization_code'),
          refresh: byEndpoint('POST /token refresh_token'),
          clientCredentials: byEndpoint('POST /token client_credentials'),
          jwks: byEndpoint('GET /jwks'),
          userinfo: byEndpoint('GET /me'),
          introspection: byEndpoint('POST /token/introspection'),
        }, { discovery: 1, registration: 1, code: 1, refresh: 1, clientCredentials: 1, jwks: 1, userinfo: 1, introspection: 1 }, calls.join('\n'));
        // And nothing reached the provider's back channel that the app's fetch did not make.
        assert.deepEqual(calls.map((call) => call.split(' ').slice(0, 2).join(' ')).sort(), backChannel(bed.op));
        assert.ok(signals.every(Boolean), 'every call carries the httpTimeout signal');
      } finally {
        await bed.close();
      }
    });

    test('around the app\'s fetch, oidc-kit\'s protections hold: a fetch that ignores httpTimeout still ends (503), one that throws is 503, a huge answer 502', async () => {
      // A provider that never answers, and one whose discovery document is 600 KB.
      const silent = createServer(() => { /* accepts, never answers */ });
      const bloated = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ padding: 'x'.repeat(600 * 1024) })));
      const [silentUrl, bloatedUrl] = [await listen(silent), await listen(bloated)];
      const ignoresTimeout: ProviderFetch = (url, init) => fetch(url, { ...init, signal: null });
      const cases: Array<[string, string, ProviderFetch, number, string]> = [
        ['ignores the signal', silentUrl, ignoresTimeout, 503, 'provider_unavailable'],
        ['throws', silentUrl, () => Promise.reject(new Error('unable to get local issuer certificate')), 503, 'provider_unavailable'],
        ['brings a huge answer', bloatedUrl, ignoresTimeout, 502, 'provider_error'],
      ];
      try {
        for (const [what, issuer, appFetch, status, error] of cases) {
          let calls = 0;
          const counted: ProviderFetch = (url, init) => {
            calls++;
            return appFetch(url, init);
          };
          const app = await serveTestApp(adapter, (url) => ({
            baseUrl: url, secret: SECRET, issuer, clientId: 'demo-client', clientSecret: CLIENT_SECRET, httpTimeout: 300, fetch: counted, logger: { warn() {} },
          }));
          try {
            const started = Date.now();
            const response = await fetch(`${app.url}/login`, { headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(5000) });
            assert.equal(response.status, status, what);
            assert.equal((await response.json() as { error: string }).error, error, what);
            assert.ok(Date.now() - started < 3000, `${what}: answered at the timeout, not when the provider gives up`);
            assert.equal(calls, 1, `${what}: the app's fetch made the call (discovery)`);
          } finally {
            await app.close();
          }
        }
      } finally {
        await close(silent);
        await close(bloated);
      }
    });

    test('proxy: \'env\': every call to the provider crosses the proxy of HTTP_PROXY; a provider in NO_PROXY is called directly', async () => {
      const proxy = await startForwardProxy();
      const bed = await startTestbed({ adapter, providerConfiguration, appRoutes: routes });
      let direct: DevProvider | undefined;
      try {
        direct = await startDevProvider({ clients: [{ ...devClient(`${bed.appUrl}/callback`), client_secret: CLIENT_SECRET }] });
        const [proxied, bypassed] = [new URL(bed.op.issuer).host, new URL(direct.issuer).host];
        await withProxyEnvironment({ proxy: proxy.url, noProxy: `example.internal,${bypassed}` }, async () => {
          // Built now, with the variables set: they are read when the app starts.
          bed.reconfigure({
            issuer: undefined, clientId: undefined, clientSecret: undefined, proxy: 'env',
            providers: {
              main: { issuer: bed.op.issuer, ...selfRegistering },
              direct: { issuer: direct!.issuer, clientId: 'demo-client', clientSecret: CLIENT_SECRET },
            },
          });
          const browser = bed.browser();
          await everyCall(bed, browser);
          const { response } = await loginThroughProvider(browser, `${bed.appUrl}/login?provider=direct&returnTo=/profile`, 'bob');
          assert.equal(response.status, 200, response.body);
          assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'bob');
        });

        // Every back-channel request of the proxied provider came through the proxy, and nothing else did.
        const forwarded = proxy.requests.filter((r) => r.target === proxied).map((r) => `${r.method} ${r.path}`).sort();
        assert.deepEqual(forwarded, backChannel(bed.op));
        for (const endpoint of ['GET /.well-known/openid-configuration', 'POST /reg', 'POST /token', 'GET /jwks', 'GET /me', 'POST /token/introspection']) {
          assert.ok(forwarded.includes(endpoint), `${endpoint} crossed the proxy: ${forwarded.join(', ')}`);
        }
        assert.ok(proxy.tunnels.includes(proxied), 'through a CONNECT tunnel, as Node\'s fetch (undici) makes them');
        // The provider in NO_PROXY was called (discovery, token, keys, UserInfo), and never through the proxy.
        assert.deepEqual(backChannel(direct), ['GET /.well-known/openid-configuration', 'GET /jwks', 'GET /me', 'POST /token']);
        assert.deepEqual(proxy.requests.filter((r) => r.target === bypassed), []);
        assert.ok(!proxy.tunnels.includes(bypassed));
      } finally {
        await direct?.close();
        await bed.close();
        await proxy.close();
      }
    });
  });
}
