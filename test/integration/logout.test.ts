/**
 * The logout contract, over real HTTP against the in-process provider: RP-initiated logout at the
 * provider's end_session_endpoint (RPI-01..03, RPL-01..03), the local session ended in the very
 * response that leaves the app (cookie chunks and server-side records included), local-only logout,
 * providers without end_session_endpoint, logout CSRF (RPL-04) and open redirects through returnTo.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MemoryStore } from '../../src/index.ts';
import { loginThroughProvider, parseForms, type BrowserResponse, type NavigateResult, type TestBrowser } from '../support/browser.ts';
import { ADAPTERS, startTestbed, withTestbed, type Testbed } from '../support/testbed.ts';
import { get, type TestRoute } from '../support/test-routes.ts';

/** A page to come back to after logout, and a route that logs out here only. */
const appRoutes: readonly TestRoute[] = [
  get('/bye', [], () => ({ text: 'bye' })),
  get('/local-logout', [], ({ oidc }) => oidc.logout({ returnTo: '/bye', atProvider: false })),
];

/** A click on a logout link inside the app: the browser vouches for the origin. */
const SAME_ORIGIN = { headers: { 'sec-fetch-site': 'same-origin' } };

async function whoAmI(bed: Testbed, browser: TestBrowser): Promise<{ authenticated: boolean; sub: string | null }> {
  const response = await browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
  assert.equal(response.status, 200);
  return JSON.parse(response.body) as { authenticated: boolean; sub: string | null };
}

async function logIn(bed: Testbed, username = 'alice', browser = bed.browser()): Promise<TestBrowser> {
  const { url } = await loginThroughProvider(browser, `${bed.appUrl}/login`, username);
  assert.equal(url.href, `${bed.appUrl}/`);
  assert.equal((await whoAmI(bed, browser)).sub, username);
  return browser;
}

async function idTokenOf(bed: Testbed, browser: TestBrowser): Promise<string> {
  const response = await browser.request(`${bed.appUrl}/tokens`, { headers: { accept: 'application/json' } });
  assert.equal(response.status, 200);
  return (JSON.parse(response.body) as { idToken: string }).idToken;
}

/** The provider's end_session_endpoint, as its discovery document publishes it (or undefined). */
async function endSessionEndpoint(bed: Testbed): Promise<string | undefined> {
  const metadata = await (await fetch(`${bed.op.issuer}/.well-known/openid-configuration`)).json() as { end_session_endpoint?: string };
  return metadata.end_session_endpoint;
}

/** How many requests reached the provider's end-session endpoint (or its confirmation) since `since`. */
function endSessionCalls(bed: Testbed, since = 0): number {
  return bed.op.requests.slice(since).filter((r) => r.path.startsWith('/session/end')).length;
}

/** The Set-Cookie values that delete `name` (or, for a RegExp, every matching name). */
function deletions(response: BrowserResponse, name: string | RegExp): string[] {
  return response.setCookies.filter((c) => {
    const cookieName = c.slice(0, c.indexOf('='));
    const matches = typeof name === 'string' ? cookieName === name : name.test(cookieName);
    return matches && /^[^=]+=;/.test(c) && /Max-Age=0/i.test(c);
  });
}

/** On the provider's sign-out page: submits its form as is ("Sign out") and follows the redirects back. */
async function confirmAtProvider(bed: Testbed, browser: TestBrowser, page: NavigateResult, options: { stopWhen?: (url: URL) => boolean } = {}): Promise<NavigateResult> {
  assert.equal(page.url.origin, bed.op.issuer, 'on the provider');
  assert.equal(page.response.status, 200);
  const [form] = parseForms(page.response.body, page.url);
  assert.ok(form, 'the provider asks to confirm the sign-out');
  return browser.submitForm(page.response, {}, options);
}

/** A browser that types `/logout…` into the address bar, lands on the provider and confirms. */
async function logOutEverywhere(bed: Testbed, browser: TestBrowser, path: string, options: { stopWhen?: (url: URL) => boolean } = {}): Promise<NavigateResult> {
  const page = await browser.navigate(`${bed.appUrl}${path}`);
  return confirmAtProvider(bed, browser, page, options);
}

const isPostLogout = (url: URL): boolean => url.pathname === '/logout/callback';

for (const flavor of ADAPTERS) {
  describe(`RP-initiated logout (${flavor})`, () => {
    let bed: Testbed;
    before(async () => {
      bed = await startTestbed({ adapter: flavor, appRoutes });
    });
    after(() => bed.close());

    test('RPI-01, RPL-01, RPL-02, RPL-03: GET /logout clears the session in the same response and sends the browser to end_session_endpoint with the raw ID token, the registered post_logout_redirect_uri, a state and client_id', async () => {
      const browser = await logIn(bed);
      const idToken = await idTokenOf(bed, browser);
      const out = await browser.request(`${bed.appUrl}/logout?returnTo=${encodeURIComponent('/bye')}`, SAME_ORIGIN);
      assert.equal(out.status, 303);
      assert.equal(out.headers.get('cache-control'), 'no-store');
      const location = new URL(out.headers.get('location')!);
      assert.equal(`${location.origin}${location.pathname}`, await endSessionEndpoint(bed), 'the endpoint from discovery');
      assert.deepEqual([...location.searchParams.keys()].sort(), ['client_id', 'id_token_hint', 'post_logout_redirect_uri', 'state']);
      assert.equal(location.searchParams.get('id_token_hint'), idToken, 'the raw ID token, byte for byte');
      assert.equal(location.searchParams.get('post_logout_redirect_uri'), `${bed.appUrl}/logout/callback`, 'exactly the registered URI, not returnTo');
      assert.equal(location.searchParams.get('client_id'), 'demo-client');
      assert.match(location.searchParams.get('state')!, /^[A-Za-z0-9_-]{40,}$/);

      assert.equal(deletions(out, 'oidc_session').length, 1, 'session cookie deleted before the browser leaves');
      const pending = out.setCookies.find((c) => c.startsWith('oidc_session_logout='));
      assert.ok(pending, 'the state is bound to this browser');
      assert.match(pending, /Path=\/logout\/callback/);
      assert.match(pending, /HttpOnly/);
      assert.doesNotMatch(pending, new RegExp(location.searchParams.get('state')!), 'the cookie is sealed, not the plain state');
      assert.equal((await whoAmI(bed, browser)).authenticated, false, 'logged out here even if the provider is never reached');
    });

    test('RPL-03: every logout sends a fresh state', async () => {
      const states = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const browser = await logIn(bed);
        const out = await browser.request(`${bed.appUrl}/logout`, SAME_ORIGIN);
        assert.equal(out.status, 303);
        states.add(new URL(out.headers.get('location')!).searchParams.get('state')!);
      }
      assert.equal(states.size, 3);
    });

    test('RPI-01, RPL-03: confirming at the provider comes back through /logout/callback to returnTo, and the provider session is over', async () => {
      const browser = await logIn(bed);
      const done = await logOutEverywhere(bed, browser, `/logout?returnTo=${encodeURIComponent('/bye?from=logout')}`);
      assert.equal(done.url.href, `${bed.appUrl}/bye?from=logout`);
      assert.equal(done.response.body, 'bye');
      const callback = done.visited.find(isPostLogout);
      assert.ok(callback, 'came back through the post-logout route');
      assert.ok(callback.searchParams.get('state'), 'with the state');
      assert.equal(browser.cookies(`${bed.appUrl}/logout/callback`).has('oidc_session_logout'), false, 'pending logout consumed');
      assert.equal((await whoAmI(bed, browser)).authenticated, false);

      const again = await browser.navigate(`${bed.appUrl}/login`);
      assert.equal(again.url.origin, bed.op.issuer, 'stopped at the provider: no silent login');
      assert.match(again.response.body, /name="login"/, 'the provider asks for the credentials again');
    });

    test('RPI-01: the custom route req.oidc.logout({ returnTo }) takes the same path through the provider', async () => {
      const browser = await logIn(bed);
      const out = await browser.request(`${bed.appUrl}/custom-logout`, SAME_ORIGIN);
      assert.equal(out.status, 303);
      assert.equal(new URL(out.headers.get('location')!).origin, bed.op.issuer);
      assert.equal(deletions(out, 'oidc_session').length, 1);
      const done = await confirmAtProvider(bed, browser, await browser.navigate(out.headers.get('location')!));
      assert.equal(done.url.href, `${bed.appUrl}/bye`);
    });

    test('RPI-02, RPL-03: a post-logout redirect with another state goes to the default page, never to the pending returnTo, and is logged', async () => {
      const browser = await logIn(bed);
      const back = await logOutEverywhere(bed, browser, `/logout?returnTo=${encodeURIComponent('/bye')}`, { stopWhen: isPostLogout });
      assert.ok(back.stoppedAt, 'the provider redirects to the post-logout route');
      const genuine = back.stoppedAt;
      const state = genuine.searchParams.get('state')!;

      // Another browser presenting the genuine URL has no pending logout: it is not bound to it.
      const stranger = await bed.browser().request(genuine);
      assert.equal(stranger.status, 303);
      assert.equal(stranger.headers.get('location'), `${bed.appUrl}/`);

      const forged = new URL(genuine);
      forged.searchParams.set('state', `${state}_INVALID`);
      const debugBefore = bed.debug.length;
      const landing = await browser.request(forged);
      assert.equal(landing.status, 303);
      assert.equal(landing.headers.get('location'), `${bed.appUrl}/`, 'the default post-logout page');
      assert.equal(deletions(landing, 'oidc_session_logout').length, 1, 'the pending logout is spent');
      // In full at debug; warn has only the first of its kind (the stranger's) and summaries.
      const logged = bed.debug.slice(debugBefore).find((w) => w.details?.['reason'] === 'state_mismatch');
      assert.ok(logged, 'the mismatch is logged');
      assert.equal((await whoAmI(bed, browser)).authenticated, false);

      const replay = await browser.request(genuine);
      assert.equal(replay.headers.get('location'), `${bed.appUrl}/`, 'a spent logout does not restore returnTo later');
    });

    test('RPI-03, RPL-03: a post-logout redirect without state goes to the default page, never to the pending returnTo, and is logged', async () => {
      const browser = await logIn(bed);
      const back = await logOutEverywhere(bed, browser, `/logout?returnTo=${encodeURIComponent('/bye')}`, { stopWhen: isPostLogout });
      assert.ok(back.stoppedAt);
      const stateless = new URL(back.stoppedAt);
      stateless.searchParams.delete('state');
      const debugBefore = bed.debug.length;
      const landing = await browser.request(stateless);
      assert.equal(landing.status, 303);
      assert.equal(landing.headers.get('location'), `${bed.appUrl}/`);
      assert.ok(bed.debug.slice(debugBefore).some((w) => w.details?.['reason'] === 'state_missing'), 'logged');
    });

    test('BCP-14: returnTo cannot send the user off the app through the logout round trip (no open redirect)', async () => {
      for (const returnTo of ['//evil.example', 'https://evil.example', '/\\evil.example', `https://evil.example@${new URL(bed.appUrl).host}.evil.example/`]) {
        const browser = await logIn(bed);
        const done = await logOutEverywhere(bed, browser, `/logout?returnTo=${encodeURIComponent(returnTo)}`);
        assert.equal(done.url.href, `${bed.appUrl}/`, `returnTo ${JSON.stringify(returnTo)} must fall back to the app`);
        assert.ok(done.visited.every((u) => u.origin === bed.appUrl || u.origin === bed.op.issuer), 'never visited another host');
      }
    });

    test('RPL-04: a GET /logout the browser does not vouch for (Sec-Fetch-Site cross-site, same-site or absent) shows a confirmation page and keeps the session', async () => {
      const browser = await logIn(bed);
      const before = bed.op.requests.length;
      for (const site of ['cross-site', 'same-site', undefined]) {
        const page = await browser.request(`${bed.appUrl}/logout?returnTo=${encodeURIComponent('/bye')}`, site === undefined ? {} : { headers: { 'sec-fetch-site': site } });
        assert.equal(page.status, 200, `Sec-Fetch-Site: ${site}`);
        assert.match(page.headers.get('content-type')!, /^text\/html/);
        assert.equal(page.headers.get('cache-control'), 'no-store');
        assert.match(page.headers.get('content-security-policy')!, /frame-ancestors 'none'/, 'cannot be framed for clickjacking');
        const [form] = parseForms(page.body, page.url);
        assert.ok(form);
        assert.equal(form.method, 'POST');
        assert.equal(form.action.href, `${bed.appUrl}/logout?returnTo=%2Fbye`);
        assert.deepEqual(page.setCookies, [], 'nothing cleared');
        assert.equal((await whoAmI(bed, browser)).sub, 'alice', `still logged in after Sec-Fetch-Site: ${site}`);
      }
      assert.equal(endSessionCalls(bed, before), 0, 'the provider was not involved');
    });

    test('RPL-04: submitting the confirmation page logs out, through the provider, back to returnTo', async () => {
      const browser = await logIn(bed);
      const page = await browser.request(`${bed.appUrl}/logout?returnTo=${encodeURIComponent('/bye')}`, { headers: { 'sec-fetch-site': 'cross-site' } });
      assert.equal(page.status, 200);
      const submitted = await browser.submitForm(page, {}, { stopWhen: (u) => u.origin === bed.op.issuer });
      assert.equal(submitted.response.status, 303);
      assert.ok(submitted.stoppedAt, 'sent to the provider');
      assert.equal(deletions(submitted.response, 'oidc_session').length, 1);
      assert.equal((await whoAmI(bed, browser)).authenticated, false);
      const done = await confirmAtProvider(bed, browser, await browser.navigate(submitted.stoppedAt));
      assert.equal(done.url.href, `${bed.appUrl}/bye`);
    });

    test('RPL-04: a POST /logout from another origin, or that the browser marks cross-site or same-site, is refused with 403 cross_site_request and the session stays', async () => {
      const browser = await logIn(bed);
      const before = bed.op.requests.length;
      const attempts: Array<Record<string, string>> = [
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { origin: `http://localhost:${new URL(bed.appUrl).port}` },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
        { origin: bed.appUrl, 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of attempts) {
        const refused = await browser.request(`${bed.appUrl}/logout`, { method: 'POST', headers: { ...headers, accept: 'application/json' }, body: new URLSearchParams() });
        assert.equal(refused.status, 403, JSON.stringify(headers));
        assert.equal((JSON.parse(refused.body) as { error: string }).error, 'cross_site_request');
        assert.deepEqual(refused.setCookies, [], 'nothing cleared');
        const page = await browser.request(`${bed.appUrl}/logout`, { method: 'POST', headers, body: new URLSearchParams() });
        assert.equal(page.status, 403);
        assert.match(page.body, /cross_site_request/);
        assert.equal((await whoAmI(bed, browser)).sub, 'alice', `still logged in after ${JSON.stringify(headers)}`);
      }
      assert.equal(endSessionCalls(bed, before), 0);
    });

    test('RPL-04: the app\'s own logout form on a page with Referrer-Policy: no-referrer (browsers then send Origin: null) works: Fetch Metadata decides', async () => {
      const browser = await logIn(bed);
      const done = await browser.request(`${bed.appUrl}/logout`, {
        method: 'POST', headers: { origin: 'null', 'sec-fetch-site': 'same-origin', accept: 'application/json' }, body: new URLSearchParams(),
      });
      assert.equal(done.status, 303);
      assert.equal((await whoAmI(bed, browser)).authenticated, false);
    });

    test('logout without a session redirects to returnTo (GET or POST) and does not contact the provider', async () => {
      const browser = bed.browser();
      const before = bed.op.requests.length;
      const get = await browser.request(`${bed.appUrl}/logout?returnTo=${encodeURIComponent('/bye')}`);
      assert.equal(get.status, 303);
      assert.equal(get.headers.get('location'), `${bed.appUrl}/bye`);
      const post = await browser.request(`${bed.appUrl}/logout?returnTo=${encodeURIComponent('/bye')}`, { method: 'POST', headers: { origin: bed.appUrl }, body: new URLSearchParams() });
      assert.equal(post.status, 303);
      assert.equal(post.headers.get('location'), `${bed.appUrl}/bye`);
      const evil = await browser.request(`${bed.appUrl}/logout?returnTo=${encodeURIComponent('//evil.example')}`);
      assert.equal(evil.headers.get('location'), `${bed.appUrl}/`);
      assert.equal(bed.op.requests.length, before, 'no request to the provider at all');
      assert.equal([...get.setCookies, ...post.setCookies].filter((c) => c.startsWith('oidc_session_logout=')).length, 0, 'no pending logout');
    });

    test('req.oidc.logout({ atProvider: false }) ends only the local session: 303 to returnTo, the provider keeps its session', async () => {
      const browser = await logIn(bed);
      const before = bed.op.requests.length;
      const out = await browser.request(`${bed.appUrl}/local-logout`);
      assert.equal(out.status, 303);
      assert.equal(out.headers.get('location'), `${bed.appUrl}/bye`);
      assert.equal(deletions(out, 'oidc_session').length, 1);
      assert.equal(out.setCookies.filter((c) => c.startsWith('oidc_session_logout=')).length, 0);
      assert.equal((await whoAmI(bed, browser)).authenticated, false);
      assert.equal(endSessionCalls(bed, before), 0, 'end_session_endpoint never called');

      const again = await browser.navigate(`${bed.appUrl}/login`);
      assert.equal(again.url.href, `${bed.appUrl}/`, 'the provider session is alive: logged in again without a form');
      assert.equal((await whoAmI(bed, browser)).sub, 'alice');
    });
  });
}

describe('local-only logout', () => {
  test('logoutAtProvider: false: GET /logout is a 303 to returnTo, the provider is not contacted and keeps its session', async () => {
    await withTestbed({ appRoutes, oidc: { logoutAtProvider: false } }, async (bed) => {
      const browser = await logIn(bed);
      const before = bed.op.requests.length;
      const done = await browser.navigate(`${bed.appUrl}/logout?returnTo=${encodeURIComponent('/bye')}`);
      assert.deepEqual(done.visited.map((u) => u.href), [`${bed.appUrl}/logout?returnTo=%2Fbye`, `${bed.appUrl}/bye`]);
      assert.equal((await whoAmI(bed, browser)).authenticated, false);
      const open = await browser.request(`${bed.appUrl}/logout?returnTo=${encodeURIComponent('https://evil.example')}`, SAME_ORIGIN);
      assert.equal(open.headers.get('location'), `${bed.appUrl}/`, 'no open redirect either');
      assert.equal(bed.op.requests.length, before, 'no request to the provider');

      const again = await browser.navigate(`${bed.appUrl}/login`);
      assert.equal(again.url.href, `${bed.appUrl}/`, 'silently logged in again: the provider session was left alone');
    });
  });

  test('RPL-01: a provider without end_session_endpoint: logout is local, 303 to returnTo', async () => {
    await withTestbed({ appRoutes, providerConfiguration: { features: { rpInitiatedLogout: { enabled: false } } } }, async (bed) => {
      assert.equal(await endSessionEndpoint(bed), undefined, 'the provider publishes no end_session_endpoint');
      const browser = await logIn(bed);
      const out = await browser.request(`${bed.appUrl}/logout?returnTo=${encodeURIComponent('/bye')}`, SAME_ORIGIN);
      assert.equal(out.status, 303);
      assert.equal(out.headers.get('location'), `${bed.appUrl}/bye`);
      assert.equal(deletions(out, 'oidc_session').length, 1);
      assert.equal((await whoAmI(bed, browser)).authenticated, false);
    });
  });
});

describe('what logout clears', () => {
  test('every chunk of a chunked session cookie is deleted in the response that leaves for the provider', async () => {
    // About 6 KB of claims: more than one cookie holds.
    const groups = Array.from({ length: 200 }, (_, i) => `group-with-a-long-name-${i}`);
    await withTestbed({ appRoutes, accountClaims: () => ({ groups }) }, async (bed) => {
      const browser = bed.browser();
      const { url, visited } = await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice');
      assert.equal(url.href, `${bed.appUrl}/`);
      assert.ok(visited.some((u) => u.pathname === '/callback'));
      const chunkNames = [...browser.cookies(bed.appUrl).keys()].filter((n) => /^oidc_session\.\d+$/.test(n));
      assert.ok(chunkNames.length >= 2, `expected several chunks, got ${chunkNames.length}`);

      const out = await browser.request(`${bed.appUrl}/logout`, SAME_ORIGIN);
      assert.equal(out.status, 303);
      assert.equal(new URL(out.headers.get('location')!).origin, bed.op.issuer);
      const cleared = deletions(out, /^oidc_session\.\d+$/).map((c) => c.slice(0, c.indexOf('=')));
      assert.deepEqual(cleared.sort(), [...chunkNames].sort(), 'every chunk deleted');
      // Left (besides the logout transaction's cookie, scoped to its own path): the marker that keeps this session ended (logout-race.test.ts).
      assert.deepEqual([...browser.cookies(bed.appUrl).keys()].filter((n) => n.startsWith('oidc_session')), ['oidc_session_ended']);
      assert.equal((await whoAmI(bed, browser)).authenticated, false);
    });
  });

  test('a server-side session is deleted from the store by the response that leaves for the provider; its cookie is then worthless', async () => {
    const store = new MemoryStore();
    await withTestbed({ appRoutes, oidc: { session: { store } } }, async (bed) => {
      const browser = await logIn(bed);
      assert.equal(store.size, 1);
      const stolen = browser.clone();
      const out = await browser.request(`${bed.appUrl}/logout?returnTo=${encodeURIComponent('/bye')}`, SAME_ORIGIN);
      assert.equal(out.status, 303);
      assert.equal(new URL(out.headers.get('location')!).origin, bed.op.issuer);
      assert.equal(store.size, 0, 'the record is gone before the browser reaches the provider');
      assert.equal(deletions(out, 'oidc_session').length, 1);
      assert.equal((await whoAmI(bed, stolen)).authenticated, false, 'a copy of the old cookie is not a session');

      const done = await confirmAtProvider(bed, browser, await browser.navigate(out.headers.get('location')!));
      assert.equal(done.url.href, `${bed.appUrl}/bye`);
    });
  });
});
