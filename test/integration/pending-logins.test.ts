/**
 * Pending logins per browser (issue 27, item 6), over real HTTP against the dev provider, on every
 * adapter of the contract suite:
 * - at most `maxPendingLogins` (default 5) per browser, the oldest dropped, and never more bytes
 *   than the callback request can carry: 50 abandoned logins leave its Cookie header far under
 *   Node's 16 KiB limit, and the 51st login and the app's pages still work;
 * - the callback clears its own pending login and leaves another tab's; logout clears them all;
 * - a prefetch or prerender (Sec-Purpose, Purpose, Next.js's headers) starts no login, from the
 *   login route, a guarded page or `req.oidc.login()`: 403, no cookie, no redirect; and it logs
 *   nobody out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loginThroughProvider, type TestBrowser } from '../support/browser.ts';
import { get } from '../support/test-routes.ts';
import { ADAPTERS, startTestbed, type Testbed } from '../support/testbed.ts';

const TX = 'oidc_session_tx.';
const MARKER = 'oidc_session_pending.';
const isCallback = (url: URL): boolean => url.pathname === '/callback';

/** The bytes of the Cookie header the browser sends to `url` (`a=1; b=2`). */
function cookieHeaderBytes(browser: TestBrowser, url: string): number {
  return Buffer.byteLength([...browser.cookies(url)].map(([name, value]) => `${name}=${value}`).join('; '));
}

/** The states of the transaction cookies the browser would send to the callback. */
function pendingAtCallback(bed: Testbed, browser: TestBrowser): string[] {
  return [...browser.cookies(`${bed.appUrl}/callback`).keys()].filter((n) => n.startsWith(TX)).map((n) => n.slice(TX.length)).sort();
}

/** The states of the markers the browser would send to the app's pages. */
function markedAtPages(bed: Testbed, browser: TestBrowser): string[] {
  return [...browser.cookies(`${bed.appUrl}/`).keys()].filter((n) => n.startsWith(MARKER)).map((n) => n.slice(MARKER.length)).sort();
}

/** Starts a login at `path` and returns its state (the login stops at the provider's door). */
async function startLogin(bed: Testbed, browser: TestBrowser, path = '/login?returnTo=/profile'): Promise<string> {
  const started = await browser.request(`${bed.appUrl}${path}`);
  assert.equal(started.status, 302, `${path}: ${started.status} ${started.body}`);
  const authorize = new URL(started.headers.get('location')!);
  assert.equal(authorize.origin, bed.op.issuer);
  return authorize.searchParams.get('state')!;
}

/** The headers a speculative request carries, by who sends them. */
const SPECULATIVE: ReadonlyArray<[string, Record<string, string>]> = [
  ['Speculation Rules / <link rel=prefetch>', { 'sec-purpose': 'prefetch' }],
  ['Speculation Rules prerender', { 'sec-purpose': 'prefetch;prerender' }],
  ['Chromium, legacy', { purpose: 'prefetch' }],
  ['Next.js App Router <Link>', { 'next-router-prefetch': '1', rsc: '1' }],
  ['Next.js Pages Router', { 'x-middleware-prefetch': '1', purpose: 'prefetch' }],
];

/** A login carrying the most a transaction holds but still fits a browser's 4 KB cookie: about 3.8 KB. */
const BIG_LOGIN = get('/big-login', [], ({ oidc }) => oidc.login({ returnTo: `/profile?pad=${'x'.repeat(1400)}`, state: { pad: 'y'.repeat(1000) } }));

for (const adapter of ADAPTERS) {
  describe(`pending logins (${adapter})`, () => {
    let bed: Testbed;
    before(async () => {
      bed = await startTestbed({ adapter, appRoutes: [BIG_LOGIN] });
    });
    after(() => bed.close());

    test('50 abandoned logins: the 5 newest stay pending, the callback\'s Cookie header stays far under 16 KiB, and the 51st login and a page still work', async () => {
      const browser = bed.browser();
      const states: string[] = [];
      for (let i = 0; i < 50; i++) states.push(await startLogin(bed, browser));
      assert.deepEqual(pendingAtCallback(bed, browser), states.slice(-5).sort(), 'the five newest, by the time they were issued');
      assert.deepEqual(markedAtPages(bed, browser), states.slice(-5).sort(), 'one marker each where logins start');
      const atCallback = cookieHeaderBytes(browser, `${bed.appUrl}/callback`);
      assert.ok(atCallback < 4096, `the callback's Cookie header: ${atCallback} bytes (Node refuses more than 16384 of headers)`);
      const everywhere = cookieHeaderBytes(browser, `${bed.appUrl}/`);
      assert.ok(everywhere < 512, `what every page carries: ${everywhere} bytes`);

      const { response, url } = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=/profile`, 'alice');
      assert.equal(url.href, `${bed.appUrl}/profile`, `${response.status} ${response.body.slice(0, 200)}`);
      assert.equal(response.status, 200);
      const page = await browser.request(`${bed.appUrl}/`);
      assert.equal(page.status, 200);
      assert.deepEqual(JSON.parse(page.body), { authenticated: true, sub: 'alice' });
      assert.deepEqual(pendingAtCallback(bed, browser), states.slice(-4).sort(), 'the 51st dropped the oldest and was cleared by its callback');
    });

    test('maxPendingLogins: 2 → a login dropped for newer ones is refused at its callback (400 state_mismatch, no session); the newest completes', async () => {
      bed.reconfigure({ maxPendingLogins: 2 });
      try {
        const browser = bed.browser();
        const first = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=/profile`, 'alice', { stopWhen: isCallback });
        assert.ok(first.stoppedAt, 'the first login reached the callback');
        const second = await startLogin(bed, browser);
        const third = await startLogin(bed, browser);
        assert.deepEqual(pendingAtCallback(bed, browser), [second, third].sort());

        const late = await browser.request(first.stoppedAt, { headers: { accept: 'application/json' } });
        assert.equal(late.status, 400, late.body);
        assert.equal((JSON.parse(late.body) as { error: string }).error, 'state_mismatch');
        assert.deepEqual(JSON.parse((await browser.request(`${bed.appUrl}/`)).body), { authenticated: false, sub: null });

        const { response, url } = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=/profile`, 'alice');
        assert.equal(url.href, `${bed.appUrl}/profile`);
        assert.equal(response.status, 200);
      } finally {
        bed.reconfigure({});
      }
    });

    test('pending logins as big as a cookie gets (3.8 KB each): the oldest go before the callback\'s Cookie header passes 8 KiB, and the last login completes', async () => {
      const browser = bed.browser();
      for (let i = 0; i < 5; i++) await startLogin(bed, browser, '/big-login');
      for (const [name, value] of browser.cookies(`${bed.appUrl}/callback`)) {
        assert.ok(name.length + value.length <= 4096, `${name.length + value.length} bytes: what browsers keep of one cookie`);
      }
      const atCallback = cookieHeaderBytes(browser, `${bed.appUrl}/callback`);
      assert.ok(atCallback <= 8192, `the callback's Cookie header: ${atCallback} bytes`);
      assert.ok(pendingAtCallback(bed, browser).length < 5, 'fewer than maxPendingLogins, for their size');
      const { response, url } = await loginThroughProvider(browser, `${bed.appUrl}/big-login`, 'alice');
      assert.equal(url.pathname, '/profile', `${response.status} ${response.body.slice(0, 200)}`);
      assert.equal(response.status, 200);
    });

    test('two tabs: a callback clears its own pending login (cookie and marker) and leaves the other tab\'s, which completes too', async () => {
      const browser = bed.browser();
      const one = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=/profile`, 'alice', { stopWhen: isCallback });
      const two = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=/`, 'alice', { stopWhen: isCallback });
      assert.ok(one.stoppedAt && two.stoppedAt);
      const [stateOne, stateTwo] = [one.stoppedAt.searchParams.get('state')!, two.stoppedAt.searchParams.get('state')!];
      assert.deepEqual(markedAtPages(bed, browser), [stateOne, stateTwo].sort());

      const done = await browser.request(one.stoppedAt);
      assert.equal(done.status, 303, done.body);
      assert.deepEqual(pendingAtCallback(bed, browser), [stateTwo], 'only the other tab\'s is left');
      assert.deepEqual(markedAtPages(bed, browser), [stateTwo]);

      const other = await browser.request(two.stoppedAt);
      assert.equal(other.status, 303, other.body);
      assert.equal(other.headers.get('location'), `${bed.appUrl}/`);
      assert.deepEqual(pendingAtCallback(bed, browser), []);
      assert.deepEqual(markedAtPages(bed, browser), []);
    });

    test('logout clears every pending login, its cookies and markers', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=/profile`, 'alice');
      for (let i = 0; i < 3; i++) await startLogin(bed, browser);
      assert.equal(pendingAtCallback(bed, browser).length, 3);

      const out = await browser.request(`${bed.appUrl}/logout`, { headers: { 'sec-fetch-site': 'same-origin' } });
      assert.equal(out.status, 303, out.body);
      assert.equal(out.setCookies.filter((c) => c.startsWith(TX) && /Max-Age=0/.test(c) && /Path=\/callback/.test(c)).length, 3);
      assert.deepEqual(pendingAtCallback(bed, browser), []);
      assert.deepEqual(markedAtPages(bed, browser), []);
    });

    test('logout without a session (it expired) clears the pending logins too, when this site asks; another site cannot', async () => {
      const browser = bed.browser();
      for (let i = 0; i < 2; i++) await startLogin(bed, browser);
      const foreign = await browser.request(`${bed.appUrl}/logout`, { headers: { 'sec-fetch-site': 'cross-site' } });
      assert.equal(foreign.status, 303);
      assert.equal(pendingAtCallback(bed, browser).length, 2, 'a foreign page cancels no login');
      const own = await browser.request(`${bed.appUrl}/logout`, { headers: { 'sec-fetch-site': 'same-origin' } });
      assert.equal(own.status, 303);
      assert.deepEqual(pendingAtCallback(bed, browser), []);
      assert.deepEqual(markedAtPages(bed, browser), []);
    });

    for (const [sender, headers] of SPECULATIVE) {
      test(`a prefetch or prerender starts no login (${sender}): 403, no cookie, no redirect, from the login route, a guarded page and req.oidc.login(); the click that follows does`, async () => {
        const browser = bed.browser();
        for (const path of ['/login?returnTo=/profile', '/profile', '/custom-login']) {
          const speculative = await browser.request(`${bed.appUrl}${path}`, { headers });
          assert.equal(speculative.status, 403, `${path}: ${speculative.status}`);
          assert.equal(speculative.headers.get('location'), null);
          assert.equal(speculative.headers.get('cache-control'), 'no-store');
          assert.deepEqual(speculative.setCookies, [], `${path}: no cookie`);
        }
        assert.deepEqual(pendingAtCallback(bed, browser), []);
        await startLogin(bed, browser);
        assert.equal(pendingAtCallback(bed, browser).length, 1);
      });
    }

    test('a prefetch of the logout route logs nobody out', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=/profile`, 'alice');
      for (const [, headers] of SPECULATIVE) {
        const speculative = await browser.request(`${bed.appUrl}/logout`, { headers: { 'sec-fetch-site': 'same-origin', ...headers } });
        assert.equal(speculative.status, 403);
        assert.deepEqual(speculative.setCookies, []);
      }
      assert.equal((await browser.request(`${bed.appUrl}/profile`)).status, 200, 'still logged in');
    });
  });
}
