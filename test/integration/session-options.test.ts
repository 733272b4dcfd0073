/**
 * Session options over real HTTP against the in-process provider: silent re-authentication
 * (`silentReauthInterval`, prompt=none, the provider's login_required ending the session) and the
 * UserInfo modes (`userInfo`: GET by default, POST, or off). On every adapter.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { loginThroughProvider, type TestBrowser } from '../support/browser.ts';
import { ADAPTERS, startTestbed, withTestbed, type Testbed } from '../support/testbed.ts';
import { get } from '../support/test-routes.ts';

async function json(browser: TestBrowser, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await browser.request(url, { headers: { accept: 'application/json' } });
  return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
}

/** Forgets the provider's session in this browser, as if the user had logged out there (or it expired). */
function dropProviderCookies(browser: TestBrowser, issuer: string): void {
  const names = new Set<string>();
  for (const path of ['/', '/auth', '/auth/x', '/interaction/x', '/session/end']) {
    for (const name of browser.cookies(`${issuer}${path}`).keys()) names.add(name);
  }
  assert.ok(names.size > 0, 'the provider had set cookies');
  for (const name of names) browser.deleteCookie(issuer, name);
}

/** getInfo({ live: true }), or the error it throws as 500 JSON. */
const liveOrError = get('/live-or-error', [], async ({ oidc }) => {
  try {
    return { json: await oidc.getInfo(['email'], { live: true }) };
  } catch (error) {
    return { status: 500, json: { name: (error as Error).name, message: (error as Error).message } };
  }
});

/** The provider's UserInfo requests so far (its endpoint is /me). */
const userinfoRequests = (bed: Testbed): Array<{ method: string; authorization: string | undefined }> =>
  bed.op.requests.filter((r) => r.path === '/me').map((r) => ({ method: r.method, authorization: r.headers.authorization }));

for (const adapter of ADAPTERS) {
  describe(`silent re-authentication (silentReauthInterval) (${adapter})`, () => {
    let bed: Testbed;
    /** Three copies of one browser whose app session is older than the interval; the provider session is alive in each. */
    let alive: TestBrowser;
    let gone: TestBrowser;
    let api: TestBrowser;

    before(async () => {
      bed = await startTestbed({ adapter, oidc: { silentReauthInterval: 1 } });
      const browser = bed.browser();
      const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'alice');
      assert.equal(response.status, 200);
      await sleep(1100); // once, for the whole suite: every copy below now holds a session older than 1 s
      alive = browser.clone();
      gone = browser.clone();
      api = browser.clone();
    });
    after(() => bed.close());

    test('JSON requests are never redirected for re-authentication', async () => {
      const response = await api.request(`${bed.appUrl}/profile`, { headers: { accept: 'application/json' } });
      assert.equal(response.status, 200);
      assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'alice');
      assert.equal(response.headers.get('location'), null);
      assert.deepEqual(response.setCookies.filter((c) => c.includes('_tx.')), [], 'no login started');
    });

    test('an old session is sent to the provider with prompt=none and, with the provider session alive, comes back logged in', async () => {
      const previous = await json(alive, `${bed.appUrl}/tokens`);
      assert.equal(previous.status, 200);
      const first = await alive.request(`${bed.appUrl}/profile`);
      assert.equal(first.status, 302);
      const authorize = new URL(first.headers.get('location')!);
      assert.equal(`${authorize.origin}${authorize.pathname}`, `${bed.op.issuer}/auth`);
      assert.equal(authorize.searchParams.get('prompt'), 'none');
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');

      const { url, response, visited } = await alive.navigate(authorize);
      assert.equal(url.href, `${bed.appUrl}/profile`, 'back on the page');
      assert.equal(response.status, 200);
      assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'alice');
      assert.ok(visited.some((u) => u.pathname === '/callback' && u.searchParams.has('code')), 'through the callback with a code');
      assert.ok(!visited.some((u) => u.pathname.startsWith('/interaction/')), 'the user saw no provider page');
      const renewed = await json(alive, `${bed.appUrl}/tokens`);
      assert.equal(renewed.status, 200);
      assert.notEqual(renewed.body['idToken'], previous.body['idToken'], 'the session holds the new login\'s ID token');
    });

    test('a session younger than the interval goes straight in', async () => {
      await withTestbed({ adapter, oidc: { silentReauthInterval: 3600 } }, async (other) => {
        const browser = other.browser();
        await loginThroughProvider(browser, `${other.appUrl}/login`, 'alice');
        const page = await browser.request(`${other.appUrl}/profile`);
        assert.equal(page.status, 200);
        assert.equal((JSON.parse(page.body) as { sub: string }).sub, 'alice');
      });
    });

    test('with the provider session gone, login_required ends the session and the page then starts an interactive login', async () => {
      dropProviderCookies(gone, bed.op.issuer);
      const warnings = bed.warnings.length;
      const { response, visited } = await loginThroughProvider(gone, `${bed.appUrl}/profile`, 'bob', {
        stopWhen: (u) => u.pathname === '/callback' && u.searchParams.get('error') === 'login_required',
      });
      const silent = visited.find((u) => u.pathname === '/auth')!;
      assert.equal(silent.searchParams.get('prompt'), 'none');
      assert.equal(response.status, 303, 'the provider answered the silent request with a redirect');
      const failed = new URL(response.headers.get('location')!);
      assert.equal(failed.searchParams.get('error'), 'login_required');

      const ended = await gone.request(failed);
      assert.equal(ended.status, 303);
      assert.equal(ended.headers.get('location'), `${bed.appUrl}/profile`);
      assert.ok(ended.setCookies.some((c) => c.startsWith('oidc_session=;') && /Max-Age=0/.test(c)), 'the session cookie is cleared');
      assert.ok(bed.warnings.slice(warnings).some((w) => /silent re-authentication ended the session/.test(w.message) && w.details?.['oauthError'] === 'login_required'));
      assert.equal((await json(gone, `${bed.appUrl}/`)).body['authenticated'], false);

      const page = await gone.request(`${bed.appUrl}/profile`);
      assert.equal(page.status, 302);
      const interactive = new URL(page.headers.get('location')!);
      assert.equal(interactive.origin, bed.op.issuer);
      assert.equal(interactive.searchParams.get('prompt'), null, 'a normal, interactive login');

      const again = await loginThroughProvider(gone, interactive, 'bob');
      assert.ok(again.visited.some((u) => u.pathname.startsWith('/interaction/')), 'the user sees the login form');
      assert.equal(again.url.href, `${bed.appUrl}/profile`);
      assert.equal((JSON.parse(again.response.body) as { sub: string }).sub, 'bob');
    });
  });

  describe(`UserInfo modes (userInfo) (${adapter})`, () => {
    test('BAS-13, BAS-15, BAS-17, BCP-13: default: UserInfo is fetched with GET at login, and again for getInfo({ live: true })', async () => {
      await withTestbed({ adapter }, async (bed) => {
        const browser = bed.browser();
        await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice');
        const atLogin = userinfoRequests(bed);
        assert.equal(atLogin.length, 1);
        assert.equal(atLogin[0]!.method, 'GET');
        assert.match(atLogin[0]!.authorization ?? '', /^Bearer /);
        const live = await json(browser, `${bed.appUrl}/live`);
        assert.deepEqual(live.body, { email: 'alice@example.com', name: 'alice' });
        assert.deepEqual(userinfoRequests(bed).map((r) => r.method), ['GET', 'GET']);
      });
    });

    test("BAS-15: userInfo: 'POST' calls UserInfo with POST, at login and live, and the claims arrive", async () => {
      await withTestbed({ adapter, oidc: { userInfo: 'POST' }, accountClaims: () => ({ groups: ['staff'] }) }, async (bed) => {
        const browser = bed.browser();
        const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'alice');
        assert.equal(response.status, 200);
        const atLogin = userinfoRequests(bed);
        assert.equal(atLogin.length, 1);
        assert.equal(atLogin[0]!.method, 'POST');
        assert.match(atLogin[0]!.authorization ?? '', /^Bearer /, 'the token in the Authorization header');
        const live = await json(browser, `${bed.appUrl}/live`);
        assert.equal(live.status, 200);
        assert.deepEqual(live.body, { email: 'alice@example.com', name: 'alice' });
        assert.deepEqual(userinfoRequests(bed).map((r) => r.method), ['POST', 'POST']);
      });
    });

    test('userInfo: false never calls UserInfo; the ID token claims remain, and getInfo({ live: true }) is a TypeError', async () => {
      await withTestbed({ adapter, oidc: { userInfo: false }, appRoutes: [liveOrError] }, async (bed) => {
        const browser = bed.browser();
        const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'alice');
        assert.equal(response.status, 200);
        assert.equal((JSON.parse(response.body) as { email: string }).email, 'alice@example.com', 'from the ID token');
        assert.deepEqual(userinfoRequests(bed), [], 'no UserInfo request at login');
        const live = await json(browser, `${bed.appUrl}/live-or-error`);
        assert.equal(live.status, 500);
        assert.equal(live.body['name'], 'TypeError');
        assert.match(String(live.body['message']), /userInfo: false/);
        assert.deepEqual(userinfoRequests(bed), [], 'nor afterwards');
      });
    });
  });
}
