/**
 * Fuzzing through every adapter of the contract suite (fast-check): random and mutated session
 * cookies, callback query strings, Authorization headers, logout tokens and form bodies. Whatever arrives, the answer
 * is never a 5xx, never an unhandled rejection, and never an authenticated result that the input
 * did not earn.
 *
 * CI runs a fixed seed (FUZZ_SEED, default below) and FUZZ_RUNS cases per property (default 150);
 * `npm run fuzz` runs many more with a random seed, and prints the seed of any failure to replay it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';

import { loginThroughProvider } from '../support/browser.ts';
import { CookieJar } from '../support/cookie-jar.ts';
import { AUDIENCE, startBearerApp, type BearerApp } from '../support/bearer-app.ts';
import { ADAPTERS, startTestbed, type Testbed } from '../support/testbed.ts';

const SEED = process.env['FUZZ_SEED'] === 'random' ? Date.now() % 2 ** 31 : Number(process.env['FUZZ_SEED'] ?? 20_261_123);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 150);
console.log(`# fuzz seed ${SEED}, ${RUNS} runs per property (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npm run fuzz)`);
const settings = { seed: SEED, numRuns: RUNS, endOnFailure: true } as const;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
before(() => process.on('unhandledRejection', onUnhandled));
after(() => {
  process.off('unhandledRejection', onUnhandled);
  assert.deepEqual(unhandled, [], 'no unhandled rejection while fuzzing');
});

/** Characters a header value may carry (visible ASCII, space, tab) — what reaches the app through Node's parser. */
const headerChar = fc.constantFrom(...' \t!"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~'.split(''));
const headerValue = fc.array(headerChar, { maxLength: 300 }).map((chars) => chars.join(''));
const base64urlChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'.split(''));

/** A string with one of a few mutations: a character flipped, cut short, grown, or a piece repeated. */
function mutated(original: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(fc.nat({ max: Math.max(0, original.length - 1) }), base64urlChar).map(([i, c]) => original.slice(0, i) + c + original.slice(i + 1)),
    fc.nat({ max: Math.max(0, original.length - 1) }).map((i) => original.slice(0, i)),
    fc.array(base64urlChar, { minLength: 1, maxLength: 20 }).map((extra) => original + extra.join('')),
    fc.tuple(fc.nat({ max: Math.max(0, original.length - 1) }), fc.nat({ max: 40 })).map(([i, n]) => original.slice(0, i) + original.slice(i, i + n) + original.slice(i)),
  ).filter((value) => value !== original);
}

for (const adapter of ADAPTERS) describe(`fuzzing the login app (sessions, callback, logout) (${adapter})`, () => {
  let bed: Testbed;
  let sessionCookie: string;
  before(async () => {
    bed = await startTestbed({ adapter, oidc: { routes: { backchannelLogout: '/backchannel-logout' }, logger: { warn() {} } } });
    const jar = new CookieJar();
    const { response } = await loginThroughProvider(new (await import('../support/browser.ts')).TestBrowser(jar), `${bed.appUrl}/profile`, 'alice');
    assert.equal(response.status, 200);
    sessionCookie = jar.header(`${bed.appUrl}/profile`)!;
  });
  after(() => bed.close());

  const get = async (path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> => {
    const response = await fetch(`${bed.appUrl}${path}`, { headers: { accept: 'application/json', ...headers }, redirect: 'manual' });
    return { status: response.status, body: await response.text() };
  };

  test('random and mutated session cookies: never a 5xx, never logged in', async () => {
    const cookieValue = sessionCookie.slice(sessionCookie.indexOf('=') + 1);
    const name = sessionCookie.slice(0, sessionCookie.indexOf('='));
    await fc.assert(fc.asyncProperty(
      fc.oneof(mutated(cookieValue).map((v) => `${name}=${v}`), headerValue.map((v) => `${name}=${v}`), headerValue),
      async (cookie) => {
        const { status } = await get('/profile', { cookie });
        assert.ok(status < 500, `status ${status} for cookie ${cookie.slice(0, 80)}`);
        assert.notEqual(status, 200, 'a cookie that is not the one issued logs nobody in');
      },
    ), settings);
    assert.equal((await get('/profile', { cookie: sessionCookie })).status, 200, 'the real cookie still works');
  });

  test('random callback query strings, with and without a login under way: never a 5xx, never a session', async () => {
    const names = fc.constantFrom('code', 'state', 'iss', 'error', 'error_description', 'session_state', 'code', 'state');
    const query = fc.array(fc.tuple(names, headerValue), { maxLength: 6 })
      .map((pairs) => new URLSearchParams(pairs).toString());
    // A transaction cookie of a real login under way, so a wrong state meets a real transaction too.
    const start = await fetch(`${bed.appUrl}/login`, { redirect: 'manual' });
    const transaction = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    await fc.assert(fc.asyncProperty(query, fc.boolean(), async (search, withTransaction) => {
      const response = await fetch(`${bed.appUrl}/callback?${search}`, { headers: withTransaction ? { cookie: transaction } : {}, redirect: 'manual' });
      await response.arrayBuffer();
      assert.ok(response.status < 500 || response.status === 502 || response.status === 503, `status ${response.status} for ?${search.slice(0, 120)}`);
      assert.ok(!response.headers.getSetCookie().some((c) => /^oidc_session=[^;]/.test(c)), 'no session from a forged callback');
    }), settings);
  });

  test('random logout tokens and form bodies at the back-channel route: refused (400), and the session lives on', async () => {
    const body = fc.oneof(
      headerValue.map((token) => new URLSearchParams({ logout_token: token }).toString()),
      fc.array(base64urlChar, { maxLength: 400 }).map((c) => `logout_token=${c.join('')}`),
      headerValue,
    );
    await fc.assert(fc.asyncProperty(body, async (form) => {
      const response = await fetch(`${bed.appUrl}/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      await response.arrayBuffer();
      assert.equal(response.status, 400, `status ${response.status} for ${form.slice(0, 80)}`);
    }), settings);
    assert.equal((await get('/profile', { cookie: sessionCookie })).status, 200);
  });

  test('random form bodies and headers at /logout: never a 5xx; from another site, the session stays', async () => {
    await fc.assert(fc.asyncProperty(headerValue, headerValue, async (form, origin) => {
      const response = await fetch(`${bed.appUrl}/logout`, {
        method: 'POST', redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: sessionCookie, origin: `https://${origin.replace(/[^a-z]/gi, '') || 'x'}.example`, 'sec-fetch-site': 'cross-site' },
        body: form,
      });
      await response.arrayBuffer();
      assert.equal(response.status, 403);
    }), settings);
    assert.equal((await get('/profile', { cookie: sessionCookie })).status, 200);
  });
});

for (const adapter of ADAPTERS) describe(`fuzzing the API (Authorization headers, tokens, form bodies) (${adapter})`, () => {
  let api: BearerApp;
  let token: string;
  before(async () => {
    api = await startBearerApp({ adapter, resourceServer: { allowFormToken: true } });
    token = await api.lab.mint({ aud: AUDIENCE, scope: 'read' });
    assert.equal((await api.bearer(token)).status, 200);
  });
  after(() => api.close());

  test('random and mutated Authorization headers and tokens: never a 5xx, never accepted', async () => {
    const authorization = fc.oneof(
      mutated(token).map((t) => `Bearer ${t}`),
      headerValue.map((v) => `Bearer ${v}`),
      headerValue,
      fc.tuple(fc.constantFrom('bearer', 'BEARER', 'Bearer  ', 'Basic', 'DPoP'), headerValue).map(([scheme, v]) => `${scheme} ${v}`),
    );
    await fc.assert(fc.asyncProperty(authorization, async (header) => {
      const response = await api.request('/api', { headers: { authorization: header } });
      assert.ok(response.status < 500 || response.status === 502 || response.status === 503, `status ${response.status} for ${header.slice(0, 80)}`);
      assert.notEqual(response.status, 200, `accepted: ${header.slice(0, 80)}`);
    }), settings);
    assert.equal((await api.bearer(token)).status, 200, 'the real token still works');
  });

  test('random form bodies with and without access_token: never a 5xx, never accepted', async () => {
    const form = fc.oneof(
      mutated(token).map((t) => new URLSearchParams({ access_token: t }).toString()),
      headerValue,
      fc.array(fc.tuple(fc.constantFrom('access_token', 'token', 'x'), headerValue), { maxLength: 4 }).map((pairs) => new URLSearchParams(pairs).toString()),
    );
    await fc.assert(fc.asyncProperty(form, async (body) => {
      const response = await api.request('/api', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      assert.ok(response.status < 500, `status ${response.status} for ${body.slice(0, 80)}`);
      assert.notEqual(response.status, 200);
    }), settings);
  });
});
