/**
 * The application's own hooks into a login, over real HTTP against the in-process provider: custom
 * state carried through the login to `oidc.onCallback`, the default redirect when there is no handler
 * (or it sends nothing), and the error view (`onError`, the default page). Every adapter, each with
 * its own signature (test-hooks.ts sets them); `onCallback` on the package's adapters (the node:http
 * example is the core alone, which has no callback handler).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { OidcCore, type LoginResult, type OpenIDConnectOptions } from '../../src/index.ts';
import { listener } from '../../examples/node-http/adapter.ts';
import { OpenIDConnect as ExpressOpenIDConnect } from '../../src/express.ts';
import { OpenIDConnect as FastifyOpenIDConnect } from '../../src/fastify.ts';
import { OpenIDConnect as FetchOpenIDConnect } from '../../src/fetch.ts';
import { OpenIDConnect as HonoOpenIDConnect } from '../../src/hono.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { ADAPTERS, type AdapterName, CLIENT_SECRET, PACKAGE_ADAPTERS, SECRET, setCallback, startTestbed, withTestbed, type Testbed } from '../support/testbed.ts';
import { get, type TestRoute } from '../support/test-routes.ts';

const isCallback = (url: URL): boolean => url.pathname === '/callback';
const HOSTILE = '<script>alert(1)</script>';

async function json(browser: TestBrowser, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await browser.request(url, { headers: { accept: 'application/json' } });
  return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
}

/** The `state` of the authorization request a login route redirects to (its transaction cookie is now in the browser). */
async function pendingState(browser: TestBrowser, loginUrl: string): Promise<string> {
  const start = await browser.request(loginUrl);
  assert.equal(start.status, 302);
  return new URL(start.headers.get('location')!).searchParams.get('state')!;
}

/** The provider's "[ Cancel ]" link on its login page: the user aborting the login there. */
function cancelLink(page: { body: string; url: URL }): URL {
  const href = /<a href="([^"]+)">\[ Cancel \]<\/a>/.exec(page.body)?.[1];
  assert.ok(href, 'the provider login page has a Cancel link');
  return new URL(href.replaceAll('&amp;', '&'), page.url);
}

/** A callback carrying the provider's OAuth error for a pending login. */
function errorCallback(appUrl: string, issuer: string, state: string, description = HOSTILE): URL {
  const url = new URL(`${appUrl}/callback`);
  url.searchParams.set('error', 'access_denied');
  url.searchParams.set('error_description', description);
  url.searchParams.set('state', state);
  url.searchParams.set('iss', issuer);
  return url;
}

/** Flips one character of the transaction cookie of `state`. */
function tamperTransaction(browser: TestBrowser, appUrl: string, state: string): void {
  const callback = `${appUrl}/callback`;
  const name = `oidc_session_tx.${state}`;
  const value = browser.cookies(callback).get(name);
  assert.ok(value, 'a transaction cookie for the state');
  browser.setCookie(callback, name, `${value.slice(0, 20)}${value[20] === 'A' ? 'B' : 'A'}${value.slice(21)}`, '/callback');
}

/** A route that starts a login with `state`; an error of login() answers 500 with its name and message. */
const loginWithState = (path: string, state: unknown): TestRoute => get(path, [], async ({ oidc }) => {
  try {
    return await oidc.login({ state });
  } catch (error) {
    return { status: 500, json: { name: (error as Error).name, message: (error as Error).message } };
  }
});

/** Routes that start logins with application state; bad states answer 500 with the error's name. */
const stateRoutes: readonly TestRoute[] = [
  get('/checkout', [], ({ oidc }) => oidc.login({ returnTo: '/profile', state: { cart: 42, note: '<b>' } })),
  loginWithState('/state/function', () => 1),
  loginWithState('/state/bigint', { n: 1n }),
  loginWithState('/state/too-big', { blob: 'x'.repeat(1100) }),
];

for (const flavor of PACKAGE_ADAPTERS) {
  describe(`custom state and onCallback (${flavor})`, () => {
    let bed: Testbed;
    let mode: 'json' | 'nothing' = 'json';
    const calls: LoginResult[] = [];
    before(async () => {
      bed = await startTestbed({ adapter: flavor, appRoutes: stateRoutes });
      setCallback(bed.oidc, ({ oidc, result }) => {
        calls.push(result);
        if (mode !== 'json') return undefined;
        return { json: { state: result.state, user: oidc.user?.sub, returnTo: result.returnTo, provider: result.provider } };
      });
    });
    after(() => bed.close());

    test('the state given to login() reaches onCallback exactly, after the session exists, and the handler builds the response', async () => {
      mode = 'json';
      const browser = bed.browser();
      const start = await browser.request(`${bed.appUrl}/checkout`);
      assert.equal(start.status, 302);
      assert.doesNotMatch(start.headers.get('location')!, /cart/, 'the state does not travel in the authorization request');
      const tx = start.setCookies.find((c) => c.startsWith('oidc_session_tx.'))!;
      // The sealed value is random base64url, so short substrings like "42" can occur by chance: look for
      // the plain JSON, in the cookie as sent and in its base64url decoding.
      const sealed = decodeURIComponent(tx.slice(tx.indexOf('=') + 1).split(';')[0]!);
      for (const view of [sealed, Buffer.from(sealed, 'base64url').toString('latin1')]) {
        assert.ok(!view.includes('"cart"') && !view.includes('<b>'), 'nor readable in the transaction cookie');
      }

      const { url, response } = await loginThroughProvider(browser, start.headers.get('location')!, 'alice');
      assert.equal(url.pathname, '/callback', 'the handler answered the callback itself');
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body), {
        state: { cart: 42, note: '<b>' },
        user: 'alice',
        returnTo: `${bed.appUrl}/profile`,
        provider: 'default',
      });
      assert.ok(response.setCookies.some((c) => c.startsWith('oidc_session=')), 'the session cookie goes with the handler\'s response');
      assert.equal((await json(browser, `${bed.appUrl}/profile`)).body['sub'], 'alice');
    });

    test('a login without state gives the handler state undefined and the returnTo of the login', async () => {
      mode = 'json';
      const browser = bed.browser();
      const { response } = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=${encodeURIComponent('/tokens?x=1')}`, 'bob');
      const body = JSON.parse(response.body) as Record<string, unknown>;
      assert.equal('state' in body, false);
      assert.equal(calls.at(-1)!.state, undefined);
      assert.equal(body['returnTo'], `${bed.appUrl}/tokens?x=1`);
      assert.equal(body['user'], 'bob');
    });

    test('a handler that sends nothing gets the default 303 to returnTo', async () => {
      mode = 'nothing';
      try {
        const browser = bed.browser();
        const before = calls.length;
        const { stoppedAt } = await loginThroughProvider(browser, `${bed.appUrl}/checkout`, 'carol', { stopWhen: isCallback });
        const landing = await browser.request(stoppedAt!);
        assert.equal(landing.status, 303);
        assert.equal(landing.headers.get('location'), `${bed.appUrl}/profile`);
        assert.equal(calls.length, before + 1, 'the handler ran');
        assert.deepEqual(calls.at(-1)!.state, { cart: 42, note: '<b>' });
        assert.equal(calls.at(-1)!.user.sub, 'carol');
        assert.equal((await json(browser, `${bed.appUrl}/profile`)).body['sub'], 'carol');
      } finally {
        mode = 'json';
      }
    });

    test('a tampered transaction cookie → 400 state_mismatch, no session, and the handler never runs', async () => {
      mode = 'json';
      const browser = bed.browser();
      const before = calls.length;
      const { stoppedAt } = await loginThroughProvider(browser, `${bed.appUrl}/checkout`, 'dave', { stopWhen: isCallback });
      tamperTransaction(browser, bed.appUrl, stoppedAt!.searchParams.get('state')!);
      const refused = await browser.request(stoppedAt!, { headers: { accept: 'application/json' } });
      assert.equal(refused.status, 400);
      assert.equal((JSON.parse(refused.body) as { error: string }).error, 'state_mismatch');
      assert.deepEqual(refused.setCookies.filter((c) => c.startsWith('oidc_session=')), []);
      assert.equal(calls.length, before);
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);
    });

    test('a state of exactly 1 KB as JSON still travels', async () => {
      mode = 'json';
      // 1024 bytes with the quotes
      const full = get('/full', [], ({ oidc }) => oidc.login({ state: 'y'.repeat(1022) }));
      await withTestbed({ adapter: flavor, appRoutes: [full] }, async (other) => {
        setCallback(other.oidc, ({ result }) => ({ json: { length: (result.state as string).length } }));
        const { response } = await loginThroughProvider(other.browser(), `${other.appUrl}/full`, 'alice');
        assert.deepEqual(JSON.parse(response.body), { length: 1022 });
      });
    });

    test('onCallback() refuses what is not a function', () => {
      assert.throws(() => (bed.oidc as { onCallback(handler: unknown): unknown }).onCallback('nope'), TypeError);
    });
  });

}

for (const adapter of ADAPTERS) {
  describe(`login state without onCallback (${adapter})`, () => {
    let bed: Testbed;
    before(async () => {
      bed = await startTestbed({ adapter, appRoutes: stateRoutes });
    });
    after(() => bed.close());

    test('a login with state ends with the default 303 to returnTo', async () => {
      const browser = bed.browser();
      const { stoppedAt } = await loginThroughProvider(browser, `${bed.appUrl}/checkout`, 'alice', { stopWhen: isCallback });
      const landing = await browser.request(stoppedAt!);
      assert.equal(landing.status, 303);
      assert.equal(landing.headers.get('location'), `${bed.appUrl}/profile`);
      assert.equal(landing.body, '');
      assert.equal((await json(browser, `${bed.appUrl}/profile`)).body['sub'], 'alice');
    });

    for (const [path, what] of [['/state/function', 'not JSON'], ['/state/bigint', 'a BigInt'], ['/state/too-big', 'over 1 KB']]) {
      test(`a state that is ${what} is a TypeError from login(), and no login starts`, async () => {
        const response = await bed.browser().request(`${bed.appUrl}${path}`);
        assert.equal(response.status, 500);
        const body = JSON.parse(response.body) as { name: string; message: string };
        assert.equal(body.name, 'TypeError');
        assert.match(body.message, path === '/state/too-big' ? /at most 1024/ : /JSON-serialisable/);
        assert.deepEqual(response.setCookies, [], 'no transaction cookie');
      });
    }
  });
}

/** Each adapter's class, for the construction-time check of `onError` (node:http: the core's own option). */
const CONSTRUCTORS: Record<AdapterName, new (options: OpenIDConnectOptions) => unknown> = {
  express5: ExpressOpenIDConnect as never,
  express4: ExpressOpenIDConnect as never,
  fastify: FastifyOpenIDConnect as never,
  hono: HonoOpenIDConnect as never,
  'hono-handler': HonoOpenIDConnect as never,
  fetch: FetchOpenIDConnect as never,
  'node-http': OidcCore,
};

for (const flavor of ADAPTERS) {
  describe(`error view (onError) (${flavor})`, () => {
    let bed: Testbed;
    let viewSends = true;
    before(async () => {
      bed = await startTestbed({
        adapter: flavor,
        errorView: (error) => viewSends
          ? { status: error.status, json: { view: true, code: error.code, oauthError: error.oauthError, description: error.oauthErrorDescription } }
          : undefined,
      });
    });
    after(() => bed.close());

    test('a login the user cancels at the provider reaches the view with the provider\'s OAuth error', async () => {
      const browser = bed.browser();
      const loginPage = await browser.navigate(`${bed.appUrl}/login?returnTo=/profile`);
      assert.match(loginPage.response.body, /name="login"/, 'on the provider\'s login form');
      const { url, response } = await browser.navigate(cancelLink(loginPage.response));
      assert.equal(url.pathname, '/callback');
      assert.equal(url.searchParams.get('error'), 'access_denied');
      assert.equal(response.status, 400);
      assert.deepEqual(JSON.parse(response.body), {
        view: true,
        code: 'op_error',
        oauthError: 'access_denied',
        description: 'End-User aborted interaction',
      });
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);
    });

    test('the provider\'s error_description reaches the view as given (the view escapes it, not oidc-kit)', async () => {
      const browser = bed.browser();
      const state = await pendingState(browser, `${bed.appUrl}/login`);
      const response = await browser.request(errorCallback(bed.appUrl, bed.op.issuer, state));
      assert.equal(response.status, 400);
      assert.deepEqual(JSON.parse(response.body), { view: true, code: 'op_error', oauthError: 'access_denied', description: HOSTILE });
    });

    test('a library error (tampered transaction) reaches the view with its code', async () => {
      const browser = bed.browser();
      const { stoppedAt } = await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice', { stopWhen: isCallback });
      tamperTransaction(browser, bed.appUrl, stoppedAt!.searchParams.get('state')!);
      const response = await browser.request(stoppedAt!);
      assert.equal(response.status, 400);
      assert.deepEqual(JSON.parse(response.body), { view: true, code: 'state_mismatch' });
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);
    });

    test('errors outside the callback (an unknown provider at /login) reach the view too', async () => {
      const response = await bed.browser().request(`${bed.appUrl}/login?provider=nope`);
      assert.equal(response.status, 400);
      assert.deepEqual(JSON.parse(response.body), { view: true, code: 'provider_unknown' });
    });

    test('a view that sends nothing gets the default page', async () => {
      viewSends = false;
      try {
        const browser = bed.browser();
        const state = await pendingState(browser, `${bed.appUrl}/login`);
        const response = await browser.request(errorCallback(bed.appUrl, bed.op.issuer, state));
        assert.equal(response.status, 400);
        assert.match(response.headers.get('content-type')!, /text\/html/);
        assert.match(response.body, /op_error/);
      } finally {
        viewSends = true;
      }
    });

    test('an onError that is not a function is refused at construction', () => {
      const Adapter = CONSTRUCTORS[flavor];
      assert.throws(
        () => new Adapter({ baseUrl: bed.appUrl, secret: SECRET, issuer: bed.op.issuer, clientId: 'demo-client', clientSecret: CLIENT_SECRET, onError: 'page' as never }),
        /onError/,
      );
    });
  });

}

for (const adapter of ADAPTERS) {
  describe(`default error page (${adapter})`, () => {
    let bed: Testbed;
    before(async () => {
      bed = await startTestbed({ adapter });
    });
    after(() => bed.close());

    test('a hostile error_description appears only escaped, with the error code', async () => {
      const browser = bed.browser();
      const state = await pendingState(browser, `${bed.appUrl}/login`);
      const page = await browser.request(errorCallback(bed.appUrl, bed.op.issuer, state));
      assert.equal(page.status, 400);
      assert.match(page.headers.get('content-type')!, /text\/html/);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.ok(page.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'shown escaped');
      assert.ok(!page.body.includes(HOSTILE), 'never raw');
      assert.doesNotMatch(page.body, /<script/i);
      assert.match(page.body, /Error code: <code>op_error<\/code>/);
    });

    test('a library error page says its code', async () => {
      const browser = bed.browser();
      const { stoppedAt } = await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice', { stopWhen: isCallback });
      tamperTransaction(browser, bed.appUrl, stoppedAt!.searchParams.get('state')!);
      const page = await browser.request(stoppedAt!);
      assert.equal(page.status, 400);
      assert.match(page.body, /Error code: <code>state_mismatch<\/code>/);
    });
  });

}

// The core's own onError(error, request), answering with a plan: an option of OidcCore, which the
// Express adapter replaces by its Express view (above); served by the example node:http adapter.
describe('error view (core onError)', () => {
  let bed: Testbed;
  let core: OidcCore<IncomingMessage>;
  let server: Server;
  let coreUrl: string;
  const seen: Array<{ code: string; path: string }> = [];

  before(async () => {
    bed = await startTestbed();
    // The example node:http adapter (examples/node-http), as an adapter author would write it.
    server = createServer((req, res) => void listener(core, (_req, response) => response.writeHead(404).end())(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    coreUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    core = new OidcCore<IncomingMessage>({
      baseUrl: coreUrl,
      secret: SECRET,
      issuer: bed.op.issuer,
      clientId: 'demo-client',
      clientSecret: CLIENT_SECRET,
      logger: { warn: () => undefined },
      onError: (error, request) => {
        seen.push({ code: error.code, path: request.url.split('?')[0]! });
        if (error.code !== 'op_error') return undefined;
        return { status: 409, headers: { 'content-type': 'text/plain' }, body: `core view: ${error.code} ${error.oauthError ?? ''}` };
      },
    });
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await bed.close();
  });

  test('a ResponsePlan returned by onError(error, request) is the answer', async () => {
    const browser = new TestBrowser();
    const state = await pendingState(browser, `${coreUrl}/login`);
    const response = await browser.request(errorCallback(coreUrl, bed.op.issuer, state));
    assert.equal(response.status, 409);
    assert.equal(response.body, 'core view: op_error access_denied');
    assert.deepEqual(seen.at(-1), { code: 'op_error', path: '/callback' });
  });

  test('onError returning undefined gives the default page', async () => {
    const response = await new TestBrowser().request(`${coreUrl}/callback?code=x`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 400);
    assert.equal((JSON.parse(response.body) as { error: string }).error, 'state_missing');
    assert.deepEqual(seen.at(-1), { code: 'state_missing', path: '/callback' });
  });
});
