/**
 * ID token validation at the callback, against the real provider with a proxy in front of its token
 * and UserInfo endpoints: the proxy re-signs ID tokens with the provider's own key but altered
 * claims (or breaks the signature), and the login must be refused with the right reason, without a
 * UserInfo call and without a session, on every adapter. (The full hostile provider comes with the
 * conformance suite.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, type JWTPayload } from 'jose';
import { loginThroughProvider, type TestBrowser } from '../support/browser.ts';
import { makeProviderKeys, type ProviderKeys } from '../support/provider-keys.ts';
import { ADAPTERS, startTestbed, type Testbed } from '../support/testbed.ts';
import { startTokenProxy, type TokenProxy } from '../support/token-proxy.ts';

for (const adapter of ADAPTERS) {
  describe(`ID token validation (${adapter})`, () => {
    let bed: Testbed;
    let proxy: TokenProxy;
    let keys: ProviderKeys;

    /** Static metadata (no discovery) sending token and UserInfo requests through the proxy. */
    const throughProxy = (issuer: string) => ({
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${proxy.url}/token`,
      userinfo_endpoint: `${proxy.url}/me`,
      jwks_uri: `${issuer}/jwks`,
      authorization_response_iss_parameter_supported: true,
    });

    before(async () => {
      keys = await makeProviderKeys();
      bed = await startTestbed({ adapter, providerConfiguration: { jwks: keys.jwks } });
      proxy = await startTokenProxy(bed.op.issuer);
      bed.reconfigure(({ issuer }) => ({ providerMetadata: throughProxy(issuer) }));
    });
    after(async () => {
      await proxy.close();
      await bed.close();
    });

    /** Logs in with the token response rewritten; returns the callback's answer (JSON). */
    async function loginWith(change: (claims: JWTPayload) => JWTPayload, alg: 'RS256' | 'ES256' = 'RS256'): Promise<{ status: number; error: string; reason?: string; browser: TestBrowser; callback: URL }> {
      proxy.calls.clear();
      proxy.rewrite = async (path, body) => {
        if (path !== '/token' || typeof body['id_token'] !== 'string') return body;
        return { ...body, id_token: await keys.sign(change(decodeJwt(body['id_token'])), alg) };
      };
      try {
        const browser = bed.browser();
        const { stoppedAt } = await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice', { stopWhen: (u) => u.pathname === '/callback' });
        const answer = await browser.request(stoppedAt!, { headers: { accept: 'application/json' } });
        const body = answer.body ? (JSON.parse(answer.body) as { error: string; reason?: string }) : { error: '' };
        return { status: answer.status, ...body, browser, callback: stoppedAt! };
      } finally {
        proxy.rewrite = undefined;
      }
    }

    async function assertNotLoggedIn(browser: TestBrowser, callback?: URL): Promise<void> {
      const home = await browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
      assert.equal((JSON.parse(home.body) as { authenticated: boolean }).authenticated, false);
      assert.equal(proxy.calls.get('/me') ?? 0, 0, 'no UserInfo call after a bad ID token');
      if (callback === undefined) return;
      // The refused login consumed its transaction: the same response cannot be replayed, and reaches no endpoint.
      const replay = await browser.request(callback, { headers: { accept: 'application/json' } });
      assert.equal(replay.status, 400);
      assert.equal((JSON.parse(replay.body) as { error: string }).error, 'no_pending_transaction');
      assert.equal(proxy.calls.get('/token'), 1, 'one token request, none for the replay');
    }

    test('BAS-08: a correctly re-signed token is accepted (the harness itself is sound), and UserInfo is called once', async () => {
      const result = await loginWith((claims) => claims);
      assert.equal(result.status, 303);
      assert.equal(proxy.calls.get('/me'), 1);
    });

    /** [checklist rows, what is wrong, the change, the expected reason] */
    const cases: Array<[string, string, (c: JWTPayload) => JWTPayload, string]> = [
      ['BAS-12, IDT-08, BCP-05', 'a wrong nonce', (c) => ({ ...c, nonce: `${String(c['nonce'])}1` }), 'nonce'],
      ['FX-08, IDT-08', 'a missing nonce', ({ nonce: _nonce, ...c }) => c, 'nonce'],
      ['BAS-02, IDT-02, BCP-09', 'another issuer', (c) => ({ ...c, iss: `${c.iss}1` }), 'iss'],
      ['BAS-04, IDT-03', 'another audience', (c) => ({ ...c, aud: 'demo-client1' }), 'aud'],
      ['FX-09, IDT-03, IDT-04', 'an extra untrusted audience', (c) => ({ ...c, aud: ['demo-client', 'someone-else'] }), 'aud'],
      ['IDT-04', 'a wrong azp', (c) => ({ ...c, azp: 'someone-else' }), 'azp'],
      ['FX-05, IDT-06', 'an expired token (beyond the clock tolerance)', (c) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 120 }), 'exp'],
      ['BAS-03', 'no sub', ({ sub: _sub, ...c }) => c, 'sub'],
      ['BAS-05', 'no iat', ({ iat: _iat, ...c }) => c, 'iat'],
    ];
    for (const [rows, what, change, reason] of cases) {
      test(`${rows}: an ID token with ${what} is refused (id_token_invalid:${reason})`, async () => {
        const result = await loginWith(change);
        assert.equal(result.status, 400);
        assert.equal(result.error, 'id_token_invalid');
        assert.equal(result.reason, reason);
        await assertNotLoggedIn(result.browser, result.callback);
      });
    }

    test('IDT-06: an ID token expired by less than the clock tolerance is accepted', async () => {
      const result = await loginWith((c) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 30 }));
      assert.equal(result.status, 303);
    });

    test('FX-12, IDT-05: an ID token signed with a valid provider key of another algorithm is refused (algorithm pinned)', async () => {
      const result = await loginWith((c) => c, 'ES256');
      assert.equal(result.status, 400);
      assert.equal(result.error, 'id_token_invalid');
      assert.equal(result.reason, 'alg');
      await assertNotLoggedIn(result.browser, result.callback);
    });

    test('BAS-10: an ID token with a broken signature is refused although it came from the token endpoint', async () => {
      proxy.calls.clear();
      proxy.rewrite = (path, body) => {
        if (path !== '/token' || typeof body['id_token'] !== 'string') return body;
        const [header, payload, signature] = body['id_token'].split('.') as [string, string, string];
        const flipped = Buffer.from(signature, 'base64url').map((b) => b ^ 0x5a);
        return { ...body, id_token: `${header}.${payload}.${Buffer.from(flipped).toString('base64url')}` };
      };
      try {
        const browser = bed.browser();
        const { stoppedAt } = await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice', { stopWhen: (u) => u.pathname === '/callback' });
        const answer = await browser.request(stoppedAt!, { headers: { accept: 'application/json' } });
        assert.equal(answer.status, 400);
        assert.deepEqual(JSON.parse(answer.body), {
          error: 'id_token_invalid',
          error_description: 'The ID token is invalid (signature).',
          reason: 'signature',
        });
        await assertNotLoggedIn(browser, stoppedAt);
      } finally {
        proxy.rewrite = undefined;
      }
    });

    test('BAS-11, IDT-13: UserInfo answering for another subject is refused and no session is created', async () => {
      proxy.calls.clear();
      proxy.rewrite = (path, body) => (path === '/me' ? { ...body, sub: 'mallory' } : body);
      try {
        const browser = bed.browser();
        const { stoppedAt } = await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice', { stopWhen: (u) => u.pathname === '/callback' });
        const answer = await browser.request(stoppedAt!, { headers: { accept: 'application/json' } });
        assert.equal(answer.status, 400);
        assert.equal((JSON.parse(answer.body) as { error: string }).error, 'userinfo_sub_mismatch');
        const home = await browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
        assert.equal((JSON.parse(home.body) as { authenticated: boolean }).authenticated, false);
      } finally {
        proxy.rewrite = undefined;
      }
    });

    test('with userInfo: false no UserInfo request is made', async () => {
      bed.reconfigure(({ issuer }) => ({ userInfo: false, providerMetadata: throughProxy(issuer) }));
      proxy.calls.clear();
      const browser = bed.browser();
      const { response } = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=/profile`, 'alice');
      assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'alice');
      assert.equal(proxy.calls.get('/me') ?? 0, 0);
      assert.equal(proxy.calls.get('/token'), 1);
      const live = await browser.request(`${bed.appUrl}/live`, { headers: { accept: 'application/json' } });
      assert.equal(live.status, 500, 'getInfo({ live: true }) is refused as a programming error');
      assert.equal(proxy.calls.get('/me') ?? 0, 0, 'and still no UserInfo call');
    });

    test('logged failures name the code and reason but never contain a token', () => {
      assert.ok(bed.warnings.length > 5);
      const logged = JSON.stringify(bed.warnings);
      assert.doesNotMatch(logged, /eyJ[A-Za-z0-9_-]{10,}/, 'no JWT in the logs');
      assert.ok(bed.warnings.some((w) => w.details?.['reason'] === 'nonce'));
    });
  });
}
