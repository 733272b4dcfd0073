/**
 * Issue 27, item 4: a session never outlives the user's session at the provider — the ID token's
 * `session_expiry`, or `auth_time` + `session.maxAuthenticationAge` — on every adapter, against the
 * dev provider over real HTTP: the cookie's Max-Age, `sessionExpiresAt`, a refresh that cannot
 * extend it, and the session gone once the limit passes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OpenIDConnect } from '../../src/fetch.ts';
import { loginThroughProvider, type TestBrowser } from '../support/browser.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';

/** The provider says a user's session lasts this long from each token it issues. */
const SHORT_SESSION_SECONDS = 2;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

async function sessionExpiresAt(browser: TestBrowser, appUrl: string): Promise<number> {
  const tokens = await browser.request(`${appUrl}/tokens`);
  assert.equal(tokens.status, 200, tokens.body);
  return Date.parse((JSON.parse(tokens.body) as { sessionExpiresAt: string }).sessionExpiresAt) / 1000;
}

function sessionCookieMaxAge(setCookies: readonly string[]): number {
  const cookie = setCookies.find((c) => c.startsWith('oidc_session'));
  assert.ok(cookie, `a session cookie: ${setCookies.join(' | ')}`);
  return Number(/Max-Age=(\d+)/i.exec(cookie)?.[1]);
}

for (const adapter of ADAPTERS) {
  describe(`the provider's session limit (${adapter})`, () => {
    let bed: Testbed;
    let capped: Testbed;

    before(async () => {
      bed = await startTestbed({
        adapter,
        // `session_expiry` as providers send it: for the user "short", a few seconds from each token.
        // (The dev provider learns the claim's name from its probe account, "dev-provider-probe".)
        accountClaims: (id) => (id === 'short' || id === 'dev-provider-probe' ? { session_expiry: nowSeconds() + SHORT_SESSION_SECONDS } : id === 'odd' ? { session_expiry: 'tomorrow' } : {}),
      });
      capped = await startTestbed({ adapter, oidc: { session: { maxAuthenticationAge: 3 } } });
    });
    after(async () => {
      await bed.close();
      await capped.close();
    });

    test('session_expiry ends the session then: cookie Max-Age, sessionExpiresAt, and the session gone after it', async () => {
      // The callback's session cookie tells the browser the same.
      const browser = bed.browser();
      const atCallback = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'short', { stopWhen: (url) => url.pathname === '/callback' });
      assert.ok(atCallback.stoppedAt !== undefined);
      const callback = await browser.request(atCallback.stoppedAt);
      assert.equal(callback.status, 303, callback.body);
      assert.ok(sessionCookieMaxAge(callback.setCookies) <= SHORT_SESSION_SECONDS);
      const expiresAt = await sessionExpiresAt(browser, bed.appUrl);
      assert.ok(expiresAt <= nowSeconds() + SHORT_SESSION_SECONDS, `ends with the provider's session: ${expiresAt}`);

      await sleep((expiresAt - Date.now() / 1000) * 1000 + 1100);
      const home = JSON.parse((await browser.request(`${bed.appUrl}/`)).body) as { authenticated: boolean };
      assert.equal(home.authenticated, false, 'the session ended with the provider\'s');
    });

    test('a session_expiry that is not a date fails the login (400 id_token_invalid), no session', async () => {
      const browser = bed.browser();
      const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'odd');
      assert.equal(response.status, 400);
      assert.match(response.body, /id_token_invalid/);
      assert.equal((JSON.parse((await browser.request(`${bed.appUrl}/`)).body) as { authenticated: boolean }).authenticated, false);
    });

    test('session.maxAuthenticationAge: max_age is sent, the session ends at auth_time + it, and a refresh does not extend it', async () => {
      const browser = capped.browser();
      const start = await browser.navigate(`${capped.appUrl}/login`, undefined, { stopWhen: (url) => url.origin === capped.op.issuer });
      assert.equal(start.stoppedAt?.searchParams.get('max_age'), '3');
      const loggedInAt = nowSeconds();
      await loginThroughProvider(browser, `${capped.appUrl}/profile`, 'alice');
      const expiresAt = await sessionExpiresAt(browser, capped.appUrl);
      assert.ok(expiresAt <= loggedInAt + 3 + 1, `auth_time + 3 s: ${expiresAt} vs ${loggedInAt}`);
      const refreshed = await browser.request(`${capped.appUrl}/api/token?force=1`);
      assert.equal(refreshed.status, 200, refreshed.body);
      assert.equal(await sessionExpiresAt(browser, capped.appUrl), expiresAt, 'a refresh keeps the limit');
    });
  });
}

test('session.maxAuthenticationAge must be a positive number of seconds, named at start-up', () => {
  const options = { baseUrl: 'http://localhost:3000', secret: 's'.repeat(32), issuer: 'http://127.0.0.1:1', clientId: 'app', clientSecret: 'x' };
  assert.throws(() => new OpenIDConnect({ ...options, session: { maxAuthenticationAge: -1 } }), /invalid option `session.maxAuthenticationAge`/);
  assert.throws(() => new OpenIDConnect({ ...options, session: { maxAuthenticationAge: 'an hour' as never } }), /invalid option `session.maxAuthenticationAge`/);
});
