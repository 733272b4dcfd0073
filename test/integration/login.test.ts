/**
 * The login contract, over real HTTP against the in-process provider, on every adapter (Express 5,
 * Express 4, node:http):
 * code flow with PKCE, returnTo, parallel tabs, tampered and replayed callbacks, provider errors,
 * cookies (tampered, expired, chunked, rotated secrets), JSON clients, logout, server-side sessions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CookieSealer } from '../../src/cookies/cookie-sealer.ts';
import { MemoryStore, type SessionEnvelope, type SessionStore } from '../../src/index.ts';
import { loginThroughProvider, type NavigateResult, type TestBrowser } from '../support/browser.ts';
import { ADAPTERS, SECRET, startTestbed, type Testbed } from '../support/testbed.ts';

const isCallback = (url: URL): boolean => url.pathname === '/callback';

async function json(browser: TestBrowser, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await browser.request(url, { headers: { accept: 'application/json' } });
  return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
}

/** How many requests reached the provider's token endpoint so far. */
const tokenCalls = (bed: Testbed): number => bed.op.requests.filter((r) => r.path === '/token').length;

/** How a click on a logout link inside the app arrives (a GET without it gets a confirmation page). */
const SAME_ORIGIN = { headers: { 'sec-fetch-site': 'same-origin' } };

/** Follows an RP-initiated logout redirect to the provider, confirms the sign-out there and follows the way back. */
async function signOutAtProvider(bed: Testbed, browser: TestBrowser, endSessionUrl: string, stopWhen?: (url: URL) => boolean): Promise<NavigateResult> {
  const page = await browser.navigate(endSessionUrl);
  assert.equal(page.url.origin, bed.op.issuer);
  assert.equal(page.response.status, 200, 'the provider asks to confirm the sign-out');
  return browser.submitForm(page.response, {}, stopWhen === undefined ? {} : { stopWhen });
}

/** Starts a login and stops at the redirect back to the app's callback, returning that URL. */
async function callbackUrl(bed: Testbed, browser: TestBrowser, returnTo = '/profile'): Promise<URL> {
  const result = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=${encodeURIComponent(returnTo)}`, 'alice', { stopWhen: isCallback });
  assert.ok(result.stoppedAt, 'the provider should redirect back to the callback');
  return result.stoppedAt;
}

for (const flavor of ADAPTERS) {
  describe(`login (${flavor})`, () => {
    let bed: Testbed;
    before(async () => {
      bed = await startTestbed({ adapter: flavor });
    });
    after(() => bed.close());

    test('BAS-01, BAS-16, IDT-15, BCP-01: an anonymous browser is sent through the provider and back to the page it asked for', async () => {
      const browser = bed.browser();
      const seen = bed.op.requests.length;
      const first = await browser.request(`${bed.appUrl}/profile`);
      assert.equal(first.status, 302);
      const authorize = new URL(first.headers.get('location')!);
      assert.equal(authorize.origin, bed.op.issuer);
      const params = authorize.searchParams;
      assert.equal(params.get('response_type'), 'code');
      assert.equal(params.get('client_id'), 'demo-client');
      assert.equal(params.get('redirect_uri'), `${bed.appUrl}/callback`);
      assert.equal(params.get('scope'), 'openid email profile');
      assert.equal(params.get('code_challenge_method'), 'S256');
      assert.match(params.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
      assert.match(params.get('state')!, /^[A-Za-z0-9_-]{40,}$/);
      assert.match(params.get('nonce')!, /^[A-Za-z0-9_-]{40,}$/);
      const tx = first.setCookies.find((c) => c.startsWith(`oidc_session_tx.${params.get('state')}=`));
      assert.ok(tx, 'a transaction cookie named after the state');
      assert.match(tx, /Path=\/callback/);
      assert.match(tx, /HttpOnly/);
      assert.match(tx, /SameSite=Lax/);

      const { response, url } = await loginThroughProvider(browser, authorize, 'alice');
      assert.equal(url.href, `${bed.appUrl}/profile`);
      assert.equal(response.status, 200);
      const body = JSON.parse(response.body) as { sub: string; claims: Record<string, unknown>; email: string };
      assert.equal(body.sub, 'alice');
      assert.equal(body.email, 'alice@example.com');
      assert.equal(body.claims['name'], 'alice');
      assert.equal(body.claims['nonce'], undefined, 'protocol claims are not part of the user');
      assert.equal([...browser.cookies(`${bed.appUrl}/callback`).keys()].filter((n) => n.includes('_tx.')).length, 0, 'transaction consumed');
      const userinfo = bed.op.requests.slice(seen).filter((r) => r.path === '/me');
      assert.equal(userinfo.length, 1, 'UserInfo called once');
      assert.match(userinfo[0]!.headers.authorization ?? '', /^Bearer [^ ]+$/, 'with the access token in the Authorization header');
    });

    test('BCP-24: the session cookie is HttpOnly, SameSite=Lax, not Secure on http://127.0.0.1, and not rewritten on every request', async () => {
      const browser = bed.browser();
      const callback = await callbackUrl(bed, browser);
      const landing = await browser.request(callback);
      assert.equal(landing.status, 303);
      const session = landing.setCookies.find((c) => c.startsWith('oidc_session='));
      assert.ok(session);
      assert.match(session, /HttpOnly/);
      assert.match(session, /SameSite=Lax/);
      assert.match(session, /Path=\//);
      assert.doesNotMatch(session, /Secure/);
      assert.match(session, /Max-Age=86400/, 'rolling lifetime of a day');
      for (let i = 0; i < 3; i++) {
        const again = await browser.request(`${bed.appUrl}/profile`, { headers: { accept: 'application/json' } });
        assert.equal(again.status, 200);
        assert.deepEqual(again.setCookies, [], 'no Set-Cookie when nothing changed');
      }
    });

    test('/login?returnTo= brings the user back there, with tokens and expiry on req.oidc', async () => {
      const browser = bed.browser();
      const { url, response } = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=${encodeURIComponent('/tokens?x=1')}`, 'bob');
      assert.equal(url.href, `${bed.appUrl}/tokens?x=1`);
      const tokens = JSON.parse(response.body) as Record<string, string | null>;
      assert.match(tokens['idToken']!, /^eyJ/);
      assert.ok(tokens['accessToken']);
      assert.equal(tokens['provider'], 'default');
      assert.ok(Date.parse(tokens['accessTokenExpiresAt']!) > Date.now());
      const sessionEnds = Date.parse(tokens['sessionExpiresAt']!) - Date.now();
      assert.ok(sessionEnds > 23 * 3600e3 && sessionEnds <= 24 * 3600e3, 'rolling lifetime of a day');
    });

    test('BCP-14: returnTo never leaves the application (no open redirect)', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice'); // provider session for the rest
      const attempts = ['https://evil.example/x', '//evil.example/x', '/\\evil.example', '/\t/evil.example', '\\\\evil.example', 'javascript:alert(1)', 'http://127.0.0.1:1/other-port'];
      for (const returnTo of attempts) {
        const { url } = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=${encodeURIComponent(returnTo)}`, 'alice');
        assert.equal(url.href, `${bed.appUrl}/`, `returnTo ${JSON.stringify(returnTo)} must fall back to the app`);
      }
    });

    test('two tabs that start a login at the same time both complete', async () => {
      const browser = bed.browser();
      const tabA = await browser.navigate(`${bed.appUrl}/login?returnTo=/profile`);
      assert.match(tabA.response.body, /name="login"/, 'tab A waits on the login form');
      const tabB = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=/tokens`, 'alice');
      assert.equal(tabB.url.pathname, '/tokens');
      const finishA = await browser.submitForm(tabA.response, { login: 'alice', password: 'x' });
      assert.equal(finishA.url.href, `${bed.appUrl}/profile`);
      assert.equal(finishA.response.status, 200);
    });

    test('FX-01, BCP-03, BCP-04: a tampered state is refused with 400 and no session; the genuine callback still completes once; a replay is refused', async () => {
      const browser = bed.browser();
      const genuine = await callbackUrl(bed, browser);
      const forged = new URL(genuine);
      forged.searchParams.set('state', `${genuine.searchParams.get('state')!.slice(0, -2)}xy`);
      const before = tokenCalls(bed);
      const refused = await browser.request(forged);
      assert.equal(refused.status, 400);
      assert.match(refused.body, /state_mismatch/);
      assert.equal(tokenCalls(bed), before, 'no token request for a refused callback');
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);

      assert.equal((await browser.request(genuine)).status, 303);
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['sub'], 'alice');

      const beforeReplay = tokenCalls(bed);
      const replay = await browser.request(genuine);
      assert.equal(replay.status, 400);
      assert.match(replay.body, /no_pending_transaction/);
      assert.deepEqual(replay.setCookies.filter((c) => c.startsWith('oidc_session=')), [], 'the replay touches no session');
      assert.equal(tokenCalls(bed), beforeReplay, 'the replayed code is not redeemed again');
    });

    test('FX-02: a callback without state, or with a tampered transaction cookie, is refused and the transaction consumed', async () => {
      const browser = bed.browser();
      const genuine = await callbackUrl(bed, browser);
      const noState = new URL(genuine);
      noState.searchParams.delete('state');
      const before = tokenCalls(bed);
      const missing = await browser.request(noState, { headers: { accept: 'application/json' } });
      assert.equal(missing.status, 400);
      assert.equal((JSON.parse(missing.body) as { error: string }).error, 'state_missing');
      assert.equal(tokenCalls(bed), before, 'no token request without a state');

      const name = `oidc_session_tx.${genuine.searchParams.get('state')}`;
      const value = browser.cookies(genuine).get(name)!;
      browser.setCookie(genuine, name, `${value.slice(0, 20)}${value[20] === 'A' ? 'B' : 'A'}${value.slice(21)}`, '/callback');
      const tampered = await browser.request(genuine);
      assert.equal(tampered.status, 400);
      assert.match(tampered.body, /state_mismatch/);
      assert.ok(tampered.setCookies.some((c) => c.startsWith(`${name}=;`) && /Max-Age=0/.test(c)), 'transaction cookie deleted');
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);
    });

    test('BCP-25: an error from the provider is a 400 page with the code and the escaped description', async () => {
      const browser = bed.browser();
      const genuine = await callbackUrl(bed, browser);
      const errorUrl = new URL(`${bed.appUrl}/callback`);
      errorUrl.searchParams.set('error', 'access_denied');
      errorUrl.searchParams.set('error_description', '<script>alert(1)</script>');
      errorUrl.searchParams.set('state', 'A'.repeat(43));
      errorUrl.searchParams.set('iss', bed.op.issuer);
      const foreign = await browser.request(errorUrl, { headers: { accept: 'application/json' } });
      assert.equal(foreign.status, 400);
      assert.equal((JSON.parse(foreign.body) as { error: string }).error, 'state_mismatch', 'the state is checked before the error is believed');
      errorUrl.searchParams.set('state', genuine.searchParams.get('state')!);
      const page = await browser.request(errorUrl);
      assert.equal(page.status, 400);
      assert.match(page.headers.get('content-type')!, /text\/html/);
      assert.match(page.body, /op_error/);
      assert.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.doesNotMatch(page.body, /<script>/);
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);
      const warning = bed.warnings.at(-1)!;
      assert.equal(warning.details?.['code'], 'op_error');
    });

    test('FX-03, FX-04, BCP-06, BCP-07: an authorization response from another issuer (mix-up) or without iss is refused', async () => {
      const browser = bed.browser();
      const genuine = await callbackUrl(bed, browser);
      const wrongIss = new URL(genuine);
      wrongIss.searchParams.set('iss', 'https://attacker.example');
      const before = bed.op.requests.length;
      const refused = await browser.request(wrongIss, { headers: { accept: 'application/json' } });
      assert.equal(refused.status, 400);
      assert.equal((JSON.parse(refused.body) as { error: string }).error, 'iss_mismatch');
      assert.equal(bed.op.requests.length, before, 'no request to any endpoint of the provider');

      const second = await callbackUrl(bed, browser);
      second.searchParams.delete('iss');
      const beforeMissing = bed.op.requests.length;
      const missing = await browser.request(second, { headers: { accept: 'application/json' } });
      assert.equal(missing.status, 400);
      assert.equal((JSON.parse(missing.body) as { error: string }).error, 'iss_missing');
      assert.equal(bed.op.requests.length, beforeMissing, 'no request to any endpoint of the provider');
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);
    });

    test('tampered, truncated, foreign and expired session cookies mean "not logged in", never an error', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice');
      const sealed = browser.cookies(bed.appUrl).get('oidc_session')!;
      const variants = {
        tampered: `${sealed.slice(0, 30)}${sealed[30] === 'x' ? 'y' : 'x'}${sealed.slice(31)}`,
        truncated: sealed.slice(0, sealed.length / 2),
        garbage: '%%%not-base64%%%',
        empty: '',
        foreign: new CookieSealer(['another-apps-secret-that-is-long-enough'], 'session').seal('{"v":1}', 'oidc_session'),
      };
      for (const [kind, value] of Object.entries(variants)) {
        const other = browser.clone();
        other.setCookie(bed.appUrl, 'oidc_session', value);
        const home = await json(other, `${bed.appUrl}/`);
        assert.equal(home.status, 200, kind);
        assert.equal(home.body['authenticated'], false, kind);
        const profile = await other.request(`${bed.appUrl}/profile`);
        assert.equal(profile.status, 302, `${kind}: sent to log in`);
      }

      const sealer = new CookieSealer([SECRET], 'session');
      const old = JSON.parse(sealer.open(sealed, 'oidc_session')!) as SessionEnvelope;
      const expired = browser.clone();
      const longAgo = Math.floor(Date.now() / 1000) - 8 * 24 * 3600;
      expired.setCookie(bed.appUrl, 'oidc_session', sealer.seal(JSON.stringify({ ...old, createdAt: longAgo, touchedAt: longAgo }), 'oidc_session'));
      const home = await expired.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
      assert.equal((JSON.parse(home.body) as { authenticated: boolean }).authenticated, false);
      assert.ok(home.setCookies.some((c) => c.startsWith('oidc_session=;') && /Max-Age=0/.test(c)), 'expired cookie cleared');

      const idle = browser.clone();
      const dayAndMore = Math.floor(Date.now() / 1000) - 25 * 3600;
      idle.setCookie(bed.appUrl, 'oidc_session', sealer.seal(JSON.stringify({ ...old, createdAt: dayAndMore, touchedAt: dayAndMore }), 'oidc_session'));
      assert.equal((await json(idle, `${bed.appUrl}/`)).body['authenticated'], false, 'idle past the rolling lifetime');
    });

    test('JSON clients get 401 instead of a redirect; the choice can be forced per route', async () => {
      const browser = bed.browser();
      const accept = await browser.request(`${bed.appUrl}/profile`, { headers: { accept: 'application/json' } });
      assert.equal(accept.status, 401);
      assert.equal((JSON.parse(accept.body) as { error: string }).error, 'unauthenticated');
      assert.deepEqual(accept.setCookies, [], 'no transaction started for an API call');
      const xhr = await browser.request(`${bed.appUrl}/profile`, { headers: { 'x-requested-with': 'XMLHttpRequest' } });
      assert.equal(xhr.status, 401);
      const strict = await browser.request(`${bed.appUrl}/api/strict`);
      assert.equal(strict.status, 401, 'unauthenticated: "status" answers 401 even to a browser');
      const redirect = await browser.request(`${bed.appUrl}/always-redirect`, { headers: { accept: 'application/json' } });
      assert.equal(redirect.status, 302, 'unauthenticated: "redirect" redirects even a JSON client');
    });

    test('req.oidc.login() passes extra authorization parameters; getInfo({ live }) asks UserInfo', async () => {
      const browser = bed.browser();
      const start = await browser.request(`${bed.appUrl}/custom-login`);
      assert.equal(start.status, 302);
      assert.equal(new URL(start.headers.get('location')!).searchParams.get('login_hint'), 'hinted-user');
      const { url } = await loginThroughProvider(browser, start.headers.get('location')!, 'carol');
      assert.equal(url.pathname, '/profile');
      const live = await json(browser, `${bed.appUrl}/live`);
      assert.deepEqual(live.body, { email: 'carol@example.com', name: 'carol' });
    });

    test('an app that tries to set state, nonce or PKCE parameters itself gets a TypeError, not a login', async () => {
      const response = await bed.browser().request(`${bed.appUrl}/bad-login`);
      assert.equal(response.status, 500);
      assert.deepEqual(JSON.parse(response.body), { name: 'TypeError', message: 'oidc-kit: login({ authorizationParams }) may not set "state"; oidc-kit sets it.' });
      assert.deepEqual(response.setCookies, [], 'no transaction started');
    });

    test('BCP-14: logout clears the session at once, signs out at the provider and comes back only within the app', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice');
      const out = await browser.request(`${bed.appUrl}/logout?returnTo=${encodeURIComponent('https://evil.example/')}`, SAME_ORIGIN);
      assert.equal(out.status, 303);
      assert.equal(new URL(out.headers.get('location')!).origin, bed.op.issuer, 'on to the provider\'s end_session_endpoint');
      assert.ok(out.setCookies.some((c) => c.startsWith('oidc_session=;') && /Max-Age=0/.test(c)));
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);
      const back = await signOutAtProvider(bed, browser, out.headers.get('location')!);
      assert.equal(back.url.href, `${bed.appUrl}/`, 'returnTo to another site falls back to the app');

      await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice');
      const custom = await browser.request(`${bed.appUrl}/custom-logout`);
      assert.equal(custom.status, 303);
      assert.equal(new URL(custom.headers.get('location')!).origin, bed.op.issuer);
      assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);
      const bye = await signOutAtProvider(bed, browser, custom.headers.get('location')!, (u) => u.pathname === '/bye');
      assert.equal(bye.stoppedAt?.href, `${bed.appUrl}/bye`);
    });
  });
}

describe('large sessions', () => {
  let bed: Testbed;
  // About 6 KB of claims: more than one cookie holds, well within what a Node server accepts.
  const groups = Array.from({ length: 200 }, (_, i) => `group-with-a-long-name-${i}`);
  before(async () => {
    bed = await startTestbed({ accountClaims: () => ({ groups }) });
  });
  after(() => bed.close());

  test('a session larger than one cookie is chunked, read back whole, and fully cleared at logout', async () => {
    const browser = bed.browser();
    const callback = await callbackUrl(bed, browser);
    const landing = await browser.request(callback);
    const chunks = landing.setCookies.filter((c) => /^oidc_session\.\d+=/.test(c));
    assert.ok(chunks.length >= 2, `expected several chunks, got ${chunks.length}`);
    for (const chunk of chunks) assert.ok(Buffer.byteLength(chunk) <= 4096, 'each Set-Cookie fits the browser limit');
    const profile = await json(browser, `${bed.appUrl}/profile`);
    assert.equal(profile.status, 200);
    assert.deepEqual((profile.body['claims'] as { groups: string[] }).groups, groups);

    const out = await browser.request(`${bed.appUrl}/logout`, SAME_ORIGIN);
    assert.equal(out.status, 303);
    const cleared = out.setCookies.filter((c) => /^oidc_session\.\d+=;/.test(c));
    assert.equal(cleared.length, chunks.length, 'every chunk deleted');
    assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);
  });

  test('a session too big for a cookie is logged as a warning that names the fix', async () => {
    const huge = await startTestbed({ accountClaims: () => ({ groups: Array.from({ length: 600 }, (_, i) => `g-${i}-${'x'.repeat(20)}`) }) });
    try {
      const browser = huge.browser();
      // The answer's headers are too large for fetch to read; what matters is what the server logged.
      await browser.request(await callbackUrl(huge, browser)).catch(() => undefined);
      assert.ok(huge.warnings.some((w) => /session\.store/.test(w.message)), 'warned about the cookie size');
    } finally {
      await huge.close();
    }
  });
});

describe('secret rotation and rolling touch', () => {
  let bed: Testbed;
  before(async () => {
    bed = await startTestbed();
  });
  after(() => bed.close());

  test('a session survives adding a new secret in front, and ends when its secret is removed', async () => {
    bed.reconfigure({});
    const browser = bed.browser();
    await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice');
    const newSecret = 'the-next-secret-0123456789-abcdefghijkl';
    bed.reconfigure({ secret: [newSecret, SECRET] });
    assert.equal((await json(browser, `${bed.appUrl}/`)).body['sub'], 'alice');
    bed.reconfigure({ secret: [newSecret] });
    assert.equal((await json(browser, `${bed.appUrl}/`)).body['authenticated'], false);
    bed.reconfigure({});
  });

  test('a session due for a rolling touch is rewritten with a later expiry', async () => {
    bed.reconfigure({ session: { touchInterval: 0 } });
    const browser = bed.browser();
    await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice');
    const again = await browser.request(`${bed.appUrl}/`);
    assert.equal(again.setCookies.filter((c) => c.startsWith('oidc_session=')).length, 1);
    bed.reconfigure({});
  });
});

describe('server-side sessions', () => {
  let bed: Testbed;
  const store = new MemoryStore();
  let failing = false;
  const flaky: SessionStore = {
    get: (id) => (failing ? Promise.reject(new Error('store down')) : store.get(id)),
    set: (id, session, ttl) => (failing ? Promise.reject(new Error('store down')) : store.set(id, session, ttl)),
    delete: (id) => (failing ? Promise.reject(new Error('store down')) : store.delete(id)),
  };
  before(async () => {
    bed = await startTestbed({ oidc: { session: { store: flaky } } });
  });
  after(() => bed.close());

  test('the cookie holds only an encrypted id; the session lives in the store and is deleted at logout', async () => {
    const browser = bed.browser();
    await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice');
    const cookie = browser.cookies(bed.appUrl).get('oidc_session')!;
    assert.ok(cookie.length < 200, 'a small cookie');
    assert.equal(store.size, 1);
    assert.equal((await json(browser, `${bed.appUrl}/profile`)).body['sub'], 'alice');

    const forged = browser.clone();
    forged.setCookie(bed.appUrl, 'oidc_session', `${cookie.slice(0, -3)}abc`);
    assert.equal((await json(forged, `${bed.appUrl}/`)).body['authenticated'], false);

    const out = await browser.request(`${bed.appUrl}/logout`, SAME_ORIGIN);
    assert.equal(out.status, 303);
    assert.equal(store.size, 0);
  });

  test('a store that is down gives 503 on protected routes, public routes keep working, and it recovers', async () => {
    const browser = bed.browser();
    await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice');
    failing = true;
    try {
      const profile = await json(browser, `${bed.appUrl}/profile`);
      assert.equal(profile.status, 503);
      assert.equal(profile.body['error'], 'session_store_unavailable');
      const home = await json(browser, `${bed.appUrl}/`);
      assert.equal(home.status, 200);
      assert.equal(home.body['authenticated'], false, 'never treated as logged in');
    } finally {
      failing = false;
    }
    assert.equal((await json(browser, `${bed.appUrl}/profile`)).body['sub'], 'alice', 'recovers with the session intact');
  });
});

describe('the user of a cookie session', () => {
  let bed: Testbed;
  let seen: unknown[] = [];
  before(async () => {
    bed = await startTestbed({
      routes: (app, oidc) => {
        app.get('/who', oidc.requireLogin(), (req, res) => {
          const user = req.oidc.user!;
          seen.push(user);
          let mutation = 'allowed';
          try {
            (user as Record<string, unknown>)['sub'] = 'mallory';
          } catch {
            mutation = 'refused';
          }
          res.json({ sub: req.oidc.user?.sub, frozen: Object.isFrozen(user) && Object.isFrozen(req.oidc.idTokenClaims), mutation });
        });
      },
    });
  });
  after(() => bed.close());

  test('is read-only and shared by the browser\'s requests (decoded once, not per request); no request can change it for the next', async () => {
    const browser = bed.browser();
    await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'alice');
    seen = [];
    for (let i = 0; i < 3; i++) {
      const { status, body } = await json(browser, `${bed.appUrl}/who`);
      assert.equal(status, 200);
      assert.deepEqual(body, { sub: 'alice', frozen: true, mutation: 'refused' });
    }
    assert.equal(seen.length, 3);
    assert.ok(seen.every((user) => user === seen[0]), 'one decoded user object for the same session cookie');
    // Another user's session gets its own.
    const other = bed.browser();
    await loginThroughProvider(other, `${bed.appUrl}/profile`, 'bob');
    assert.equal((await json(other, `${bed.appUrl}/who`)).body['sub'], 'bob');
    assert.notEqual(seen[3], seen[0]);
  });
});
