/**
 * Back-channel logout (OIDC Back-Channel Logout 1.0), over real HTTP against the in-process
 * provider: the provider's own logout tokens after its end_session (BCT-01), tokens the tests sign
 * with the provider's published keys (valid ones, and one per way a token can be wrong: BCT-02..08,
 * BCL-02..12), request shapes and sizes (BCL-12, BCL-15), and which sessions end (BCL-09, BCL-14),
 * for cookie sessions and for server-side sessions.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT, UnsecuredJWT, type JWK, type JWTPayload } from 'jose';
import { MemoryStore, type SessionStore } from '../../src/index.ts';
import { loginThroughProvider, parseForms, type TestBrowser } from '../support/browser.ts';
import { makeProviderKeys, type ProviderKeys } from '../support/provider-keys.ts';
import { ADAPTERS, startTestbed, type AdapterName, type Testbed } from '../support/testbed.ts';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const now = (): number => Math.floor(Date.now() / 1000);

/** Waits (under a second) for the next clock second to begin. */
async function startOfNextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)));
}

interface LoggedIn {
  browser: TestBrowser;
  sub: string;
  sid: string;
  idToken: string;
}

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

async function whoAmI(bed: Testbed, browser: TestBrowser): Promise<{ authenticated: boolean; sub: string | null }> {
  const response = await browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
  assert.equal(response.status, 200);
  return JSON.parse(response.body) as { authenticated: boolean; sub: string | null };
}

/** Logs `username` in (a new browser is a new provider session, so a new `sid`) and reads its ID token. */
async function logIn(bed: Testbed, username = 'alice', browser = bed.browser()): Promise<LoggedIn> {
  const { url } = await loginThroughProvider(browser, `${bed.appUrl}/login`, username);
  assert.equal(url.href, `${bed.appUrl}/`);
  const tokens = await browser.request(`${bed.appUrl}/tokens`, { headers: { accept: 'application/json' } });
  assert.equal(tokens.status, 200);
  const idToken = (JSON.parse(tokens.body) as { idToken: string }).idToken;
  const claims = decodeJwt(idToken);
  assert.equal(claims.sub, username);
  assert.equal(typeof claims['sid'], 'string', 'the provider puts its session id in the ID token');
  return { browser, sub: username, sid: claims['sid'] as string, idToken };
}

/** The claims of a valid logout token from the bed's provider; `undefined` in `overrides` removes a claim. */
function logoutClaims(bed: Testbed, overrides: Record<string, unknown> = {}): JWTPayload {
  const iat = now();
  const claims: Record<string, unknown> = {
    iss: bed.op.issuer,
    aud: 'demo-client',
    iat,
    exp: iat + 120,
    jti: randomUUID(),
    events: { [EVENT]: {} },
    ...overrides,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

/** Signs with the provider's published RS256 key, with extra protected header parameters (e.g. `typ`). */
async function signWithHeader(keys: ProviderKeys, payload: JWTPayload, header: Record<string, string>): Promise<string> {
  const jwk = keys.jwks.keys.find((k) => k.alg === 'RS256')!;
  return new SignJWT(payload).setProtectedHeader({ ...header, alg: 'RS256', kid: jwk.kid! }).sign(await importJWK(jwk, 'RS256'));
}

/** Signs with a key the provider never published, under `kid`. */
async function signWithForeignKey(payload: JWTPayload, kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = await exportJWK(privateKey);
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid }).sign(await importJWK(jwk, 'RS256'));
}

/** A server-to-server POST to the app's back-channel logout endpoint: no cookies, no browser. */
async function post(bed: Testbed, body: string | URLSearchParams, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const method = init.method ?? 'POST';
  const response = await fetch(`${bed.appUrl}/backchannel-logout`, {
    method,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: body.toString() }),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

const postToken = (bed: Testbed, token: string): Promise<Answer> => post(bed, new URLSearchParams({ logout_token: token }));

function assertAccepted(answer: Answer): void {
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.equal(answer.body, '');
}

function assertRefused(answer: Answer, reason: string): void {
  assert.equal(answer.status, 400, answer.body);
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.match(answer.headers.get('content-type')!, /^application\/json/);
  const body = JSON.parse(answer.body) as { error: string; error_description: string; reason: string };
  assert.equal(body.error, 'invalid_request');
  assert.equal(typeof body.error_description, 'string');
  assert.equal(body.reason, reason);
}

/** Collects what the provider reports about the back-channel requests it makes. */
function watchProvider(bed: Testbed): { successes: string[]; errors: Error[]; stop(): void } {
  const successes: string[] = [];
  const errors: Error[] = [];
  const onSuccess = (_ctx: unknown, _client: unknown, _accountId: string, sid: string): void => {
    successes.push(sid);
  };
  const onError = (_ctx: unknown, error: Error): void => {
    errors.push(error);
  };
  bed.op.provider.on('backchannel.success', onSuccess);
  bed.op.provider.on('backchannel.error', onError);
  return {
    successes,
    errors,
    stop() {
      bed.op.provider.off('backchannel.success', onSuccess);
      bed.op.provider.off('backchannel.error', onError);
    },
  };
}

/** Logs out at the provider the way a user does: /logout, then "Sign out" on the provider's page. */
async function logOutThroughProvider(bed: Testbed, browser: TestBrowser): Promise<URL> {
  const page = await browser.navigate(`${bed.appUrl}/logout`);
  assert.equal(page.url.origin, bed.op.issuer);
  assert.ok(parseForms(page.response.body, page.url).length > 0, 'the provider asks to confirm');
  const done = await browser.submitForm(page.response, {});
  return done.url;
}

type TokenFactory = (bed: Testbed, keys: ProviderKeys, user: LoggedIn) => Promise<string>;

/**
 * Tokens that must be refused, each naming the logged-in session so that a wrong acceptance would end it;
 * `rows`: the conformance checklist rows the case covers.
 */
const INVALID_TOKENS: Array<{ rows?: string; name: string; reason: string; token: TokenFactory }> = [
  {
    rows: 'BCT-02, BCL-03',
    name: 'alg none',
    reason: 'alg',
    token: (bed, _keys, user) => Promise.resolve(new UnsecuredJWT(logoutClaims(bed, { sid: user.sid, sub: user.sub })).encode()),
  },
  {
    rows: 'BCT-03, BCL-06',
    name: 'no events claim',
    reason: 'events',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, events: undefined })),
  },
  {
    rows: 'TR-13',
    name: 'an iat 20 minutes old (still within its exp), validated as for ID tokens (section 2.6 step 4)',
    reason: 'iat',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, iat: now() - 1200, exp: now() + 600 })),
  },
  {
    rows: 'TR-06, TR-13',
    name: 'an exp of 1e300 (no replay record can last that long)',
    reason: 'exp',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, exp: 1e300 })),
  },
  {
    name: 'no exp (the draft some providers implement; the final specification requires it)',
    reason: 'exp',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, exp: undefined })),
  },
  {
    rows: 'TR-11',
    name: 'an audience besides the client that the app does not trust',
    reason: 'aud',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, aud: ['demo-client', 'https://api.example.com'] })),
  },
  {
    rows: 'TR-08',
    name: 'typed as another kind of JWT (at+jwt)',
    reason: 'typ',
    token: (bed, keys, user) => signWithHeader(keys, logoutClaims(bed, { sid: user.sid }), { typ: 'at+jwt' }),
  },
  {
    rows: 'BCT-04, BCL-07',
    name: 'nonce present',
    reason: 'nonce',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, nonce: 'logout_tokens_must_not_contain_a_nonce' })),
  },
  {
    rows: 'BCT-05, BCL-03',
    name: 'signed with the provider\'s valid ES256 key while RS256 is pinned',
    reason: 'alg',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, sub: user.sub }), 'ES256'),
  },
  {
    rows: 'BCT-06, BCL-04',
    name: 'wrong aud',
    reason: 'aud',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, aud: 'demo-clientINVALID' })),
  },
  {
    rows: 'BCT-07, BCL-06',
    name: 'wrong event',
    reason: 'events',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, events: { 'http://schemas.openid.net/event/foobar': {} } })),
  },
  {
    rows: 'BCT-08, BCL-04',
    name: 'wrong iss',
    reason: 'iss',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, iss: `${bed.op.issuer}INVALID` })),
  },
  {
    rows: 'BCT-08, BCL-04',
    name: 'iss with a trailing slash (issuers match exactly)',
    reason: 'iss',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, iss: `${bed.op.issuer}/` })),
  },
  {
    rows: 'BCL-02',
    name: 'bad signature',
    reason: 'signature',
    token: async (bed, keys, user) => {
      const [header, payload, signature = ''] = (await keys.sign(logoutClaims(bed, { sid: user.sid }))).split('.');
      const middle = Math.floor(signature.length / 2);
      return `${header}.${payload}.${signature.slice(0, middle)}${signature[middle] === 'A' ? 'B' : 'A'}${signature.slice(middle + 1)}`;
    },
  },
  {
    rows: 'BCL-02',
    name: 'a key the provider never published (unknown kid)',
    reason: 'kid',
    token: (bed, _keys, user) => signWithForeignKey(logoutClaims(bed, { sid: user.sid }), 'not-a-provider-key'),
  },
  {
    rows: 'BCL-02',
    name: 'a foreign key posing under the provider\'s kid',
    reason: 'signature',
    token: (bed, keys, user) => signWithForeignKey(logoutClaims(bed, { sid: user.sid }), keys.jwks.keys.find((k) => k.alg === 'RS256')!.kid!),
  },
  {
    rows: 'BCL-02',
    name: 'claims edited after signing',
    reason: 'signature',
    token: async (bed, keys, user) => {
      const [header, , signature] = (await keys.sign(logoutClaims(bed, { sid: 'some-other-session' }))).split('.');
      return `${header}.${Buffer.from(JSON.stringify(logoutClaims(bed, { sid: user.sid }))).toString('base64url')}.${signature}`;
    },
  },
  {
    rows: 'BCL-04',
    name: 'missing iat',
    reason: 'iat',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, iat: undefined })),
  },
  {
    rows: 'BCL-04',
    name: 'iat an hour in the future',
    reason: 'iat',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, iat: now() + 3600, exp: now() + 7200 })),
  },
  {
    rows: 'BCL-04',
    name: 'expired exp',
    reason: 'exp',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, iat: now() - 7200, exp: now() - 3600 })),
  },
  {
    rows: 'BCL-04',
    name: 'missing exp',
    reason: 'exp',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, exp: undefined })),
  },
  {
    name: 'missing jti',
    reason: 'jti',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, jti: undefined })),
  },
  {
    rows: 'BCL-05',
    name: 'neither sid nor sub',
    reason: 'sid_or_sub',
    token: (bed, keys) => keys.sign(logoutClaims(bed)),
  },
  {
    rows: 'BCL-06',
    name: 'events is a string',
    reason: 'events',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, events: EVENT })),
  },
  {
    rows: 'BCL-06',
    name: 'events is an array',
    reason: 'events',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, events: [EVENT] })),
  },
  {
    rows: 'BCL-06',
    name: 'the event member is true, not an object',
    reason: 'events',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, events: { [EVENT]: true } })),
  },
  {
    rows: 'BCL-06',
    name: 'the event member is an array, not an object',
    reason: 'events',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, events: { [EVENT]: [] } })),
  },
  {
    rows: 'BCL-06',
    name: 'the event member is null',
    reason: 'events',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, events: { [EVENT]: null } })),
  },
  {
    rows: 'BCL-10',
    name: 'an ID token-shaped token (jti and nonce, no events)',
    reason: 'events',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: user.sid, sub: user.sub, events: undefined, nonce: 'n-0S6_WzA2Mj', auth_time: now(), azp: 'demo-client' })),
  },
  {
    rows: 'BCL-10',
    name: 'typ at+jwt',
    reason: 'typ',
    token: (bed, keys, user) => signWithHeader(keys, logoutClaims(bed, { sid: user.sid }), { typ: 'at+jwt' }),
  },
  {
    rows: 'BCL-10',
    name: 'typ secevent+jwt',
    reason: 'typ',
    token: (bed, keys, user) => signWithHeader(keys, logoutClaims(bed, { sid: user.sid }), { typ: 'secevent+jwt' }),
  },
  {
    name: 'an empty sid',
    reason: 'sid',
    token: (bed, keys, user) => keys.sign(logoutClaims(bed, { sid: '', sub: user.sub })),
  },
  {
    name: 'not a JWT at all',
    reason: 'malformed',
    token: () => Promise.resolve('not-a-jwt'),
  },
];

function backchannelSuite(flavor: AdapterName): void {
  describe(`back-channel logout, cookie sessions (${flavor})`, () => {
    let bed: Testbed;
    let keys: ProviderKeys;
    before(async () => {
      keys = await makeProviderKeys();
      bed = await startTestbed({
        adapter: flavor,
        providerConfiguration: { jwks: keys.jwks },
        oidc: { routes: { backchannelLogout: '/backchannel-logout' } },
      });
    });
    after(() => bed.close());

    test('BCT-01, BCL-13: a valid logout token naming the session\'s sid: 200, no-store, empty body; that browser\'s next request is anonymous', async () => {
      const user = await logIn(bed, 'alice');
      const answer = await postToken(bed, await keys.sign(logoutClaims(bed, { sid: user.sid, sub: user.sub })));
      assertAccepted(answer);
      const next = await user.browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
      assert.equal((JSON.parse(next.body) as { authenticated: boolean }).authenticated, false);
      assert.ok(next.setCookies.some((c) => c.startsWith('oidc_session=;') && /Max-Age=0/.test(c)), 'the ended session\'s cookie is cleared');
      const profile = await user.browser.request(`${bed.appUrl}/profile`, { headers: { accept: 'application/json' } });
      assert.equal(profile.status, 401, 'protected routes refuse it');
      const tokens = await user.browser.request(`${bed.appUrl}/tokens`);
      assert.equal(tokens.status, 302, 'a browser is sent to log in again');
    });

    test('BCT-01, BCL-14: the provider itself POSTs a logout token after its end_session: another browser sharing that provider session is logged out', async () => {
      const first = await logIn(bed, 'alice');
      // A second cookie jar in the same provider session: it logs in silently and gets its own app session.
      const second = first.browser.clone();
      second.deleteCookie(bed.appUrl, 'oidc_session');
      const silent = await second.navigate(`${bed.appUrl}/login`);
      assert.equal(silent.url.href, `${bed.appUrl}/`, 'no login form: same provider session');
      assert.notEqual(second.cookies(bed.appUrl).get('oidc_session'), first.browser.cookies(bed.appUrl).get('oidc_session'), 'an app session of its own');
      const tokens = await second.request(`${bed.appUrl}/tokens`, { headers: { accept: 'application/json' } });
      assert.equal(decodeJwt((JSON.parse(tokens.body) as { idToken: string }).idToken)['sid'], first.sid, 'the same provider session');
      const bystander = await logIn(bed, 'alice'); // the same user in another provider session

      const watch = watchProvider(bed);
      try {
        const landed = await logOutThroughProvider(bed, first.browser);
        assert.equal(landed.href, `${bed.appUrl}/`);
        assert.deepEqual(watch.errors.map((e) => e.message), [], 'the app accepted the provider\'s logout token');
        assert.deepEqual(watch.successes, [first.sid], 'the provider sent one logout token, for that session');
      } finally {
        watch.stop();
      }
      assert.equal((await whoAmI(bed, second)).authenticated, false, 'the other browser of that provider session is logged out');
      assert.equal((await whoAmI(bed, bystander.browser)).sub, 'alice', 'another provider session of the same user is not');
    });

    test('BCT-01, BCL-09: a token for a session that is already gone, or that never existed, is still a 200', async () => {
      const user = await logIn(bed, 'alice');
      assertAccepted(await postToken(bed, await keys.sign(logoutClaims(bed, { sid: user.sid }))));
      assertAccepted(await postToken(bed, await keys.sign(logoutClaims(bed, { sid: user.sid }))));
      assertAccepted(await postToken(bed, await keys.sign(logoutClaims(bed, { sid: 'no-such-session' }))));
      assertAccepted(await postToken(bed, await keys.sign(logoutClaims(bed, { sub: 'nobody-ever-logged-in' }))));
      assert.equal((await whoAmI(bed, user.browser)).authenticated, false);
    });

    test('BCL-14: a token with sid ends exactly that session, not the same user\'s other sessions', async () => {
      const a = await logIn(bed, 'dora');
      const b = await logIn(bed, 'dora');
      assert.notEqual(a.sid, b.sid);
      assertAccepted(await postToken(bed, await keys.sign(logoutClaims(bed, { sid: a.sid, sub: 'dora' }))));
      assert.equal((await whoAmI(bed, a.browser)).authenticated, false);
      assert.equal((await whoAmI(bed, b.browser)).sub, 'dora');
    });

    test('BCL-14: a sub-only token ends every session of that user, and no other user\'s', async () => {
      const a = await logIn(bed, 'frank');
      const b = await logIn(bed, 'frank');
      const other = await logIn(bed, 'grace');
      assertAccepted(await postToken(bed, await keys.sign(logoutClaims(bed, { sub: 'frank' }))));
      assert.equal((await whoAmI(bed, a.browser)).authenticated, false);
      assert.equal((await whoAmI(bed, b.browser)).authenticated, false);
      assert.equal((await whoAmI(bed, other.browser)).sub, 'grace');
    });

    test('BCL-14: a session created after a sub-only logout survives it, even within the same clock second', async () => {
      const earlier = await logIn(bed, 'henry');
      // Start at a fresh second so that the logout and the new login below share it, as they do
      // whenever a user logs in again right away (the provider session is still alive: a silent login).
      await startOfNextSecond();
      assertAccepted(await postToken(bed, await keys.sign(logoutClaims(bed, { sub: 'henry' }))));
      assert.equal((await whoAmI(bed, earlier.browser)).authenticated, false);
      const again = await loginThroughProvider(earlier.browser, `${bed.appUrl}/login`, 'henry');
      assert.equal(again.url.href, `${bed.appUrl}/`);
      assert.equal((await whoAmI(bed, earlier.browser)).sub, 'henry', 'the new session is not ended by the earlier logout');
      const other = bed.browser();
      await loginThroughProvider(other, `${bed.appUrl}/login`, 'henry');
      assert.equal((await whoAmI(bed, other)).sub, 'henry', 'nor is a new login from another browser');
    });

    test('BCL-14: a session whose tokens were refreshed is still ended by a logout token for its sid', async () => {
      const user = await logIn(bed, 'tara');
      const refreshed = await user.browser.request(`${bed.appUrl}/api/token?force=1`, { headers: { accept: 'application/json' } });
      assert.equal(refreshed.status, 200);
      assertAccepted(await postToken(bed, await keys.sign(logoutClaims(bed, { sid: user.sid }))));
      assert.equal((await whoAmI(bed, user.browser)).authenticated, false);
    });

    test('BCL-08: a replayed logout token is refused (400 replayed), however valid', async () => {
      const user = await logIn(bed, 'ivan');
      const token = await keys.sign(logoutClaims(bed, { sid: user.sid }));
      assertAccepted(await postToken(bed, token));
      assertRefused(await postToken(bed, token), 'replayed');
    });

    test('BCL-10: typ logout+jwt (and application/logout+jwt, JWT, application/jwt) is accepted, not required', async () => {
      for (const typ of ['logout+jwt', 'application/logout+jwt', 'JWT', 'application/jwt']) {
        const user = await logIn(bed, 'judy');
        assertAccepted(await postToken(bed, await signWithHeader(keys, logoutClaims(bed, { sid: user.sid }), { typ })));
        assert.equal((await whoAmI(bed, user.browser)).authenticated, false, `typ ${typ}`);
      }
    });

    test('TR-11: trustedAudiences: a logout token whose aud also names a trusted audience is accepted; another is refused', async () => {
      bed.reconfigure({ routes: { backchannelLogout: '/backchannel-logout' }, trustedAudiences: ['https://api.example.com'] });
      try {
        const user = await logIn(bed, 'trent');
        assertRefused(await postToken(bed, await keys.sign(logoutClaims(bed, { sid: user.sid, aud: ['demo-client', 'https://other.example'] }))), 'aud');
        assertAccepted(await postToken(bed, await keys.sign(logoutClaims(bed, { sid: user.sid, aud: ['demo-client', 'https://api.example.com'] }))));
        assert.equal((await whoAmI(bed, user.browser)).authenticated, false);
      } finally {
        bed.reconfigure({ routes: { backchannelLogout: '/backchannel-logout' } });
      }
    });

    test('BCL-10: an ID token of this very session posted as a logout token is refused', async () => {
      const user = await logIn(bed, 'kim');
      const answer = await postToken(bed, user.idToken);
      assert.equal(answer.status, 400);
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      const body = JSON.parse(answer.body) as { error: string; reason: string };
      assert.equal(body.error, 'invalid_request');
      assert.ok(['events', 'nonce', 'jti'].includes(body.reason), `refused as not a logout token (reason ${body.reason})`);
      assert.equal((await whoAmI(bed, user.browser)).sub, 'kim');
    });

    test('BCT-01, BCL-11: extra body parameters and unknown claims are ignored: 200 and the session ends', async () => {
      const user = await logIn(bed, 'lee');
      const token = await keys.sign(logoutClaims(bed, { sid: user.sid, sub: user.sub, ignored_claim: { deep: [1, 2] }, txn: 'x' }));
      const body = new URLSearchParams({ ignored_parameter: 'x', logout_token: token, another: '' });
      assertAccepted(await post(bed, body, { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' } }));
      assert.equal((await whoAmI(bed, user.browser)).authenticated, false);
    });

    for (const invalid of INVALID_TOKENS) {
      test(`${invalid.rows === undefined ? '' : `${invalid.rows}: `}${invalid.name}: 400 invalid_request (${invalid.reason}), no-store, the session stays`, async () => {
        const user = await logIn(bed, 'mallory-target');
        assertRefused(await postToken(bed, await invalid.token(bed, keys, user)), invalid.reason);
        assert.equal((await whoAmI(bed, user.browser)).sub, 'mallory-target');
      });
    }

    test('BCL-12: GET, a content type other than a form, and a logout_token missing, empty or repeated are 400; the same token then still works', async () => {
      const user = await logIn(bed, 'nina');
      const token = await keys.sign(logoutClaims(bed, { sid: user.sid }));
      assertRefused(await post(bed, '', { method: 'GET', headers: {} }), 'method');
      const get = await fetch(`${bed.appUrl}/backchannel-logout?logout_token=${token}`);
      assert.equal(get.status, 400);
      assert.equal(get.headers.get('cache-control'), 'no-store');
      assertRefused(await post(bed, JSON.stringify({ logout_token: token }), { headers: { 'content-type': 'application/json' } }), 'content_type');
      assertRefused(await post(bed, `logout_token=${token}`, { headers: { 'content-type': 'text/plain' } }), 'content_type');
      assertRefused(await post(bed, `logout_token=${token}`, { headers: { 'content-type': 'multipart/form-data; boundary=x' } }), 'content_type');
      assertRefused(await post(bed, new URLSearchParams({ other: token })), 'logout_token');
      assertRefused(await post(bed, ''), 'logout_token');
      assertRefused(await post(bed, 'logout_token='), 'logout_token');
      assertRefused(await post(bed, `logout_token=${token}&logout_token=${token}`), 'logout_token');
      assert.equal((await whoAmI(bed, user.browser)).sub, 'nina', 'nothing was acted on');

      assertAccepted(await postToken(bed, token));
      assert.equal((await whoAmI(bed, user.browser)).authenticated, false, 'the refusals did not use the token up');
    });

    test('BCL-15: a body over 16 KB is refused (400 too_large) even around a valid token; one under the cap is read', async () => {
      const user = await logIn(bed, 'olga');
      const token = await keys.sign(logoutClaims(bed, { sid: user.sid }));
      const huge = `logout_token=${token}&padding=${'x'.repeat(17 * 1024)}`;
      assertRefused(await post(bed, huge), 'too_large');
      assert.equal((await whoAmI(bed, user.browser)).sub, 'olga');
      const large = `logout_token=${token}&padding=${'x'.repeat(14 * 1024)}`;
      assertAccepted(await post(bed, large));
      assert.equal((await whoAmI(bed, user.browser)).authenticated, false);
    });
  });
}

for (const flavor of ADAPTERS) backchannelSuite(flavor);

describe('back-channel logout, server-side sessions (session.store)', () => {
  let bed: Testbed;
  let keys: ProviderKeys;
  const store = new MemoryStore();
  before(async () => {
    keys = await makeProviderKeys();
    bed = await startTestbed({
      providerConfiguration: { jwks: keys.jwks },
      oidc: { routes: { backchannelLogout: '/backchannel-logout' }, session: { store } },
    });
  });
  after(() => bed.close());

  test('BCT-01: a valid logout token naming the sid ends the stored session: the next request is anonymous and the record is deleted', async () => {
    const user = await logIn(bed, 'alice');
    const copy = user.browser.clone();
    assertAccepted(await postToken(bed, await keys.sign(logoutClaims(bed, { sid: user.sid, sub: user.sub }))));
    const held = store.size;
    assert.equal((await whoAmI(bed, user.browser)).authenticated, false);
    assert.equal(store.size, held - 1, 'the session record is deleted from the store');
    assert.equal((await whoAmI(bed, copy)).authenticated, false, 'a copy of the cookie is not a session either');
  });

  test('BCT-01, BCL-14: the provider\'s own logout token after end_session ends the other browser sharing that provider session', async () => {
    const first = await logIn(bed, 'alice');
    const second = first.browser.clone();
    second.deleteCookie(bed.appUrl, 'oidc_session');
    const secondUser = await logIn(bed, 'alice', second);
    assert.equal(secondUser.sid, first.sid);
    const watch = watchProvider(bed);
    try {
      assert.equal((await logOutThroughProvider(bed, first.browser)).href, `${bed.appUrl}/`);
      assert.deepEqual(watch.errors.map((e) => e.message), []);
      assert.deepEqual(watch.successes, [first.sid]);
    } finally {
      watch.stop();
    }
    assert.equal((await whoAmI(bed, second)).authenticated, false);
  });

  test('BCL-14: a sub-only token ends all of that user\'s stored sessions, not another user\'s', async () => {
    const a = await logIn(bed, 'paul');
    const b = await logIn(bed, 'paul');
    const other = await logIn(bed, 'quinn');
    assertAccepted(await postToken(bed, await keys.sign(logoutClaims(bed, { sub: 'paul' }))));
    assert.equal((await whoAmI(bed, a.browser)).authenticated, false);
    assert.equal((await whoAmI(bed, b.browser)).authenticated, false);
    assert.equal((await whoAmI(bed, other.browser)).sub, 'quinn');
  });

  test('BCL-08: the replay cache lives in the store too', async () => {
    const user = await logIn(bed, 'rita');
    const token = await keys.sign(logoutClaims(bed, { sid: user.sid }));
    assertAccepted(await postToken(bed, token));
    assertRefused(await postToken(bed, token), 'replayed');
  });

  test('BCT-05, BCL-03: an invalid token (a valid ES256 signature while RS256 is pinned) leaves the stored session alone', async () => {
    const user = await logIn(bed, 'sam');
    assertRefused(await postToken(bed, await keys.sign(logoutClaims(bed, { sid: user.sid }), 'ES256')), 'alg');
    assert.equal((await whoAmI(bed, user.browser)).sub, 'sam');
  });
});

describe('back-channel logout, a session store that fails half-way', () => {
  let bed: Testbed;
  let keys: ProviderKeys;
  const store = new MemoryStore();
  /** When set: the n-th write from now fails (1 = the next one). */
  let failWrite: number | undefined;
  const write = <T>(run: () => Promise<T>): Promise<T> => {
    if (failWrite !== undefined && --failWrite === 0) {
      failWrite = undefined;
      return Promise.reject(new Error('store timeout'));
    }
    return run();
  };
  const flaky: SessionStore = {
    get: (key) => store.get(key),
    set: (key, value, ttl) => write(() => store.set(key, value, ttl)),
    delete: (key) => store.delete(key),
    add: (key, value, ttl) => write(() => store.add(key, value, ttl)),
  };
  before(async () => {
    keys = await makeProviderKeys();
    bed = await startTestbed({
      providerConfiguration: { jwks: keys.jwks },
      oidc: { routes: { backchannelLogout: '/backchannel-logout' }, session: { store: flaky } },
    });
  });
  after(() => bed.close());

  test('a logout token answered with 503 (store failure) is honoured when the provider retries it', async () => {
    // Whichever of the store writes fails, the answer must not be "try again" for a token the retry then refuses.
    for (const failing of [1, 2, 3]) {
      const user = await logIn(bed, `uma-${failing}`);
      const token = await keys.sign(logoutClaims(bed, { sid: user.sid }));
      failWrite = failing;
      const first = await postToken(bed, token);
      failWrite = undefined;
      if (first.status !== 200) {
        assert.equal(first.status, 503, first.body);
        assert.equal(first.headers.get('cache-control'), 'no-store');
        assert.equal((JSON.parse(first.body) as { error: string }).error, 'temporarily_unavailable');
        const retry = await postToken(bed, token);
        assert.equal(retry.status, 200, `write ${failing} failed, then the retry got: ${retry.body}`);
      }
      assert.equal((await whoAmI(bed, user.browser)).authenticated, false, `write ${failing} failed: the session must end`);
    }
  });
});
