/**
 * Several providers side by side, over real HTTP against two in-process dev providers: choosing one
 * at /login, the default provider, requireLogin({ provider }), unknown names, sessions of a provider
 * that is removed, and the mix-up defence (a code from one provider never redeemed for another's login).
 * On every adapter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { devClient, startDevProvider, type DevProvider } from '../../src/dev-provider/dev-provider.ts';
import { loginThroughProvider, type TestBrowser } from '../support/browser.ts';
import { ADAPTERS, CLIENT_SECRET, startTestbed, type Testbed, type TestbedOptions } from '../support/testbed.ts';
import { get, type TestRoute } from '../support/test-routes.ts';

const isCallback = (url: URL): boolean => url.pathname === '/callback';

async function json(browser: TestBrowser, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await browser.request(url, { headers: { accept: 'application/json' } });
  return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
}

/**
 * A page for sessions from provider b only. The first app has only the default provider (b's issuer
 * needs the app's URL first), and requireLogin checks the provider name when the route is declared.
 */
const bOnly: TestRoute = {
  ...get('/b-only', [['requireLogin', { provider: 'b' }]], ({ oidc }) => ({ json: { provider: oidc.provider, sub: oidc.user?.sub } })),
  when: (config) => config.providers.has('b'),
};

/** How many token endpoint calls a provider received so far. */
const tokenCalls = (op: DevProvider): number => op.requests.filter((r) => r.path === '/token').length;

for (const adapter of ADAPTERS) {
  describe(`several providers (${adapter})`, () => {
    let bed: Testbed;
    let opB: DevProvider;
    const secretB = devClient('http://127.0.0.1:1/callback').client_secret as string;
    const twoProviders = (extra: Record<string, unknown> = {}): TestbedOptions['oidc'] => ({ issuer }) => ({
      issuer: undefined,
      clientId: undefined,
      clientSecret: undefined,
      providers: {
        a: { issuer, clientId: 'demo-client', clientSecret: CLIENT_SECRET },
        b: { issuer: opB.issuer, clientId: 'demo-client', clientSecret: secretB },
      },
      ...extra,
    });

    before(async () => {
      bed = await startTestbed({ adapter, appRoutes: [bOnly] });
      opB = await startDevProvider({ clients: [devClient(`${bed.appUrl}/callback`)] });
      bed.reconfigure(twoProviders());
    });
    after(async () => {
      await opB.close();
      await bed.close();
    });

    test('/login?provider=b logs in at b: req.oidc.provider is "b", and provider a is never asked', async () => {
      const browser = bed.browser();
      const start = await browser.request(`${bed.appUrl}/login?provider=b&returnTo=/tokens`);
      assert.equal(start.status, 302);
      const authorize = new URL(start.headers.get('location')!);
      assert.equal(authorize.origin, opB.issuer, 'sent to b');
      assert.equal(authorize.pathname, '/auth');
      const aTokens = tokenCalls(bed.op);
      const { url, response } = await loginThroughProvider(browser, authorize, 'bea');
      assert.equal(url.href, `${bed.appUrl}/tokens`);
      const tokens = JSON.parse(response.body) as Record<string, string>;
      assert.equal(tokens['provider'], 'b');
      assert.equal(tokenCalls(bed.op), aTokens, 'a never saw the code');
      const home = await json(browser, `${bed.appUrl}/`);
      assert.equal(home.body['sub'], 'bea');
    });

    test('requireLogin({ provider }) naming no configured provider fails when the route is declared', () => {
      assert.throws(() => bed.oidc.requireLogin({ provider: 'nope' }), /TypeError|names no configured provider \(a, b\)/);
    });

    test('without ?provider the default is the first provider, a', async () => {
      const browser = bed.browser();
      const start = await browser.request(`${bed.appUrl}/login`);
      assert.equal(new URL(start.headers.get('location')!).origin, bed.op.issuer);
      const { response } = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=/tokens`, 'alice');
      assert.equal((JSON.parse(response.body) as { provider: string }).provider, 'a');
      // requireLogin() without a provider accepts a session from any provider.
      const profile = await json(browser, `${bed.appUrl}/profile`);
      assert.equal(profile.status, 200);
      assert.equal(profile.body['sub'], 'alice');
    });

    test('defaultProvider picks another default', async () => {
      bed.reconfigure(twoProviders({ defaultProvider: 'b' }));
      try {
        const start = await bed.browser().request(`${bed.appUrl}/login`);
        assert.equal(new URL(start.headers.get('location')!).origin, opB.issuer);
      } finally {
        bed.reconfigure(twoProviders());
      }
    });

    test('requireLogin({ provider: "b" }) sends a session from a to log in at b, then lets it in', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice');
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['sub'], 'alice');

      const api = await json(browser, `${bed.appUrl}/b-only`);
      assert.equal(api.status, 401, 'a JSON client logged in at a is not logged in at b');

      const page = await browser.request(`${bed.appUrl}/b-only`);
      assert.equal(page.status, 302);
      const authorize = new URL(page.headers.get('location')!);
      assert.equal(`${authorize.origin}${authorize.pathname}`, `${opB.issuer}/auth`, "b's authorization endpoint");
      assert.equal(authorize.searchParams.get('redirect_uri'), `${bed.appUrl}/callback`);

      const { url, response } = await loginThroughProvider(browser, authorize, 'bert');
      assert.equal(url.href, `${bed.appUrl}/b-only`, 'back to the page');
      assert.deepEqual(JSON.parse(response.body), { provider: 'b', sub: 'bert' });
    });

    test('an unknown provider is a 400 provider_unknown, and no login starts', async () => {
      const browser = bed.browser();
      const api = await browser.request(`${bed.appUrl}/login?provider=nope`, { headers: { accept: 'application/json' } });
      assert.equal(api.status, 400);
      assert.equal((JSON.parse(api.body) as { error: string }).error, 'provider_unknown');
      assert.equal(api.headers.get('location'), null);
      assert.deepEqual(api.setCookies, [], 'no transaction cookie');

      const page = await browser.request(`${bed.appUrl}/login?provider=nope`);
      assert.equal(page.status, 400);
      assert.match(page.headers.get('content-type')!, /text\/html/);
      assert.match(page.body, /provider_unknown/);
    });

    test('BCP-05, BCP-06, BCP-10, FX-03: mix-up: a code and iss from b delivered for a login started at a → 400 iss_mismatch, no token call anywhere, no session', async () => {
      const browser = bed.browser();
      const startA = await browser.request(`${bed.appUrl}/login?provider=a`);
      const stateA = new URL(startA.headers.get('location')!).searchParams.get('state')!;
      const atB = await loginThroughProvider(browser, `${bed.appUrl}/login?provider=b`, 'mallory', { stopWhen: isCallback });
      const fromB = atB.stoppedAt!;
      assert.ok(fromB.searchParams.get('code'));
      assert.equal(fromB.searchParams.get('iss'), opB.issuer);

      const before = { a: tokenCalls(bed.op), b: tokenCalls(opB) };
      const forged = new URL(`${bed.appUrl}/callback`);
      forged.searchParams.set('code', fromB.searchParams.get('code')!);
      forged.searchParams.set('state', stateA);
      forged.searchParams.set('iss', opB.issuer);
      const refused = await browser.request(forged, { headers: { accept: 'application/json' } });
      assert.equal(refused.status, 400);
      assert.equal((JSON.parse(refused.body) as { error: string }).error, 'iss_mismatch');
      assert.deepEqual(refused.setCookies.filter((c) => c.startsWith('oidc_session=')), [], 'no session cookie');
      assert.equal(tokenCalls(opB), before.b, "b's token endpoint never called");
      assert.equal(tokenCalls(bed.op), before.a, "a's token endpoint not called either");
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);

      // Claiming iss=a does not get b's code redeemed at b either: it can only go to a, which refuses it.
      const startA2 = await browser.request(`${bed.appUrl}/login?provider=a`);
      const relabelled = new URL(forged);
      relabelled.searchParams.set('state', new URL(startA2.headers.get('location')!).searchParams.get('state')!);
      relabelled.searchParams.set('iss', bed.op.issuer);
      const refusedAgain = await browser.request(relabelled, { headers: { accept: 'application/json' } });
      assert.equal(refusedAgain.status, 400);
      assert.equal((JSON.parse(refusedAgain.body) as { error: string }).error, 'invalid_grant');
      assert.equal(tokenCalls(opB), before.b, "b's token endpoint still never called");
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);

      // The genuine callback from b still completes its own login (at b).
      const genuine = await browser.request(fromB);
      assert.equal(genuine.status, 303);
      assert.equal(tokenCalls(opB), before.b + 1);
      assert.equal((await json(browser, `${bed.appUrl}/tokens`)).body['provider'], 'b');
    });

    test('a session from a provider that is no longer configured ends', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/login?provider=b`, 'bea');
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['sub'], 'bea');
      bed.reconfigure(({ issuer }) => ({
        issuer: undefined,
        clientId: undefined,
        clientSecret: undefined,
        providers: { a: { issuer, clientId: 'demo-client', clientSecret: CLIENT_SECRET } },
      }));
      try {
        const home = await browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
        assert.equal((JSON.parse(home.body) as { authenticated: boolean }).authenticated, false);
        assert.ok(home.setCookies.some((c) => c.startsWith('oidc_session=;') && /Max-Age=0/.test(c)), 'cookie cleared');
      } finally {
        bed.reconfigure(twoProviders());
      }
    });
  });
}
