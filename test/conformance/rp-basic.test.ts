/**
 * The Basic, Config and FAPI-derived RP profiles (BAS, CFG, FX, EXT, IDT rows) against the hostile
 * provider: every request oidc-kit makes is inspected, every ID token and key set is shaped per
 * test, and every refusal is checked to leave no session and to make no further call to the
 * provider (no token request after a bad authorization response, no UserInfo after a bad ID token).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

import { TestBrowser } from '../support/browser.ts';
import { assertRefused, attempt, flipSignature, startHostileBed, type HostileBed, type HostileBedOptions } from '../support/hostile-bed.ts';
import { ADAPTERS } from '../support/test-app.ts';

const now = (): number => Math.floor(Date.now() / 1000);

/** A copy of `value` without the members `names`. */
function without<T extends object>(value: T, ...names: string[]): T {
  const copy = { ...value } as Record<string, unknown>;
  for (const name of names) delete copy[name];
  return copy as T;
}

for (const adapter of ADAPTERS) {
  /** The hostile bed on this adapter. */
  const startBed = (options: HostileBedOptions = {}): Promise<HostileBed> => startHostileBed({ adapter, ...options });

  describe(`Basic RP: the requests oidc-kit makes (${adapter})`, () => {
    let bed: HostileBed;
    before(async () => {
      bed = await startBed();
    });
    after(() => bed.close());

    test('BAS-01, IDT-15, BCP-01, BAS-16: the happy path, and the authorization request carries code, openid, client_id, the exact redirect_uri, state, nonce and PKCE S256', async () => {
      bed.op.clear();
      const result = await attempt(bed);
      assert.equal(result.status, 200);
      assert.equal(result.sub, 'alice');
      assert.deepEqual(bed.op.requests.map((r) => `${r.method} ${r.path}`), ['GET /.well-known/openid-configuration', 'GET /authorize', 'POST /token', 'GET /jwks', 'GET /userinfo']);
      const params = bed.op.requestsTo('/authorize')[0]!.query;
      assert.equal(params.get('response_type'), 'code');
      assert.ok(params.get('scope')!.split(' ').includes('openid'));
      assert.equal(params.get('client_id'), bed.op.client.clientId);
      assert.equal(params.get('redirect_uri'), `${bed.appUrl}/callback`);
      assert.match(params.get('state')!, /^[A-Za-z0-9_-]{22,}$/, 'state: at least 128 bits, base64url');
      assert.match(params.get('nonce')!, /^[A-Za-z0-9_-]{22,43}$/, 'nonce: base64url, at most 43 characters');
      assert.equal(params.get('code_challenge_method'), 'S256');
      assert.match(params.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
    });

    test('BCP-01, BCP-11, BAS-14: the token request sends the verifier (43–128 characters) and the identical redirect_uri, with the secret only in the Basic header', async () => {
      bed.op.clear();
      await attempt(bed);
      const token = bed.op.requestsTo('/token')[0]!;
      assert.equal(token.form.get('grant_type'), 'authorization_code');
      assert.equal(token.form.get('redirect_uri'), `${bed.appUrl}/callback`);
      assert.match(token.form.get('code_verifier')!, /^[A-Za-z0-9._~-]{43,128}$/);
      assert.match(token.headers.authorization ?? '', /^Basic /);
      assert.equal(token.form.get('client_secret'), null, 'the secret is not also in the body');
      assert.ok(!token.body.includes(bed.op.client.clientSecret), 'the secret is nowhere in the body');
    });

    test('BAS-15, BAS-17, BCP-13: UserInfo gets the access token in the Authorization header only, never in the URL or the body', async () => {
      bed.op.clear();
      await attempt(bed);
      const userinfo = bed.op.requestsTo('/userinfo')[0]!;
      assert.match(userinfo.headers.authorization ?? '', /^Bearer \S+$/);
      assert.equal(userinfo.query.size, 0);
      assert.equal(userinfo.body, '');
    });

    test('BCP-01: every login gets a fresh state, nonce and PKCE verifier', async () => {
      bed.op.clear();
      await attempt(bed);
      await attempt(bed);
      const [a, b] = bed.op.requestsTo('/authorize').map((r) => r.query);
      for (const name of ['state', 'nonce', 'code_challenge']) assert.notEqual(a!.get(name), b!.get(name), name);
    });

    test('BCP-17: the callback answers 303 to a clean URL (no code or state) with Referrer-Policy: no-referrer', async () => {
      const browser = new TestBrowser();
      const { stoppedAt } = await bed.login({ browser, stopAtCallback: true });
      const res = await browser.request(stoppedAt!);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      const location = new URL(res.headers.get('location')!, bed.appUrl);
      assert.equal(location.search.includes('code='), false);
      assert.equal(location.search.includes('state='), false);
    });
  });

  describe(`Basic and FAPI-derived RP: ID tokens that must be refused (${adapter})`, () => {
    let bed: HostileBed;
    before(async () => {
      bed = await startBed();
    });
    after(() => bed.close());
    beforeEach(() => {
      bed.op.clear();
      bed.op.idToken = undefined;
      bed.op.signIdToken = undefined;
    });

    const cases: Array<[string, string, (claims: Record<string, unknown>, nonce: string | undefined) => Record<string, unknown>, string]> = [
      ['BAS-09, CFG-04, FX-11', 'alg none (never accepted, even from the token endpoint)', (c) => c, 'alg'],
      ['FX-05, IDT-06', 'exp more than 5 minutes in the past', (c) => ({ ...c, iat: now() - 600, exp: now() - 360 }), 'exp'],
      ['FX-06, IDT-11', 'no exp', (c) => ({ ...c, exp: undefined }), 'exp'],
      ['FX-07, IDT-11', 'no iss', (c) => ({ ...c, iss: undefined }), 'iss'],
      ['FX-08, IDT-08', 'no nonce although one was sent', (c) => ({ ...c, nonce: undefined }), 'nonce'],
      ['BCP-05, IDT-08', 'the nonce of another login (an injected code)', (c) => ({ ...c, nonce: 'a-nonce-of-another-session-0123456789' }), 'nonce'],
      ['FX-09, IDT-03', 'a second, untrusted audience and no azp', (c) => ({ ...c, aud: [c['aud'], 'another-client'] }), 'aud'],
      ['IDT-04', 'an azp that is not the client', (c) => ({ ...c, azp: 'another-client' }), 'azp'],
      ['FX-13, IDT-07', 'an iat a week in the past (exp still valid)', (c) => ({ ...c, iat: now() - 7 * 86400 }), 'iat'],
      ['IDT-07', 'an iat in the future beyond the clock tolerance', (c) => ({ ...c, iat: now() + 3600, exp: now() + 7200 }), 'iat'],
      ['IDT-12', 'a sub longer than 255 characters', (c) => ({ ...c, sub: 'x'.repeat(256) }), 'sub'],
      ['IDT-12', 'a sub that is not a string', (c) => ({ ...c, sub: 12345 }), 'sub'],
    ];
    for (const [ids, what, change, reason] of cases) {
      test(`${ids}: an ID token with ${what} is refused (id_token_invalid:${reason}), no UserInfo call, no session`, async () => {
        bed.op.idToken = (claims, grant) => {
          const changed = change(claims, grant.nonce);
          for (const [name, value] of Object.entries(changed)) if (value === undefined) delete changed[name];
          return changed;
        };
        if (ids.startsWith('BAS-09')) bed.op.signIdToken = (claims) => bed.op.unsigned({ alg: 'none' }, claims);
        const result = await attempt(bed);
        // A token whose `sub` is not a string fails the JSON type checks before any reason is given.
        await assertRefused(bed, result, 'id_token_invalid', reason === 'sub' && ids === 'IDT-12' && what.includes('not a string') ? undefined : reason);
      });
    }

    test('FX-12, IDT-05: an ID token signed with a valid provider key of another algorithm (ES256 when RS256 is expected) is refused (alg)', async () => {
      bed.op.signIdToken = (claims) => bed.op.sign(claims, { key: bed.op.keys[1] });
      await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'alg');
    });

    test('EXT-02, EXT-03, IDT-05: an HS256 ID token keyed with the client secret is refused: oidc-kit never accepts symmetric ID token signatures', async () => {
      const { SignJWT } = await import('jose');
      bed.op.signIdToken = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(bed.op.client.clientSecret));
      await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'alg');
    });

    test('BAS-10: an RS256 ID token whose signature bytes are flipped is refused (signature) although it came from the token endpoint', async () => {
      bed.op.signIdToken = async (claims) => flipSignature(await bed.op.sign(claims));
      await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'signature');
    });

    test('IDT-05: an ID token signed by a key that is not in the provider\'s JWKS (same kid) is refused (signature)', async () => {
      const rogue = await bed.op.generateKey('RS256', 'rs-1');
      bed.op.signIdToken = (claims) => bed.op.sign(claims, { key: rogue });
      await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'signature');
    });

    test('FX-10: aud as an array holding only the client is accepted', async () => {
      bed.op.idToken = (claims) => ({ ...claims, aud: [bed.op.client.clientId] });
      const result = await attempt(bed);
      assert.equal(result.status, 200);
      assert.equal(result.sub, 'alice');
    });
  });

  describe(`EXT: ES256 ID tokens when ES256 is the configured algorithm (${adapter})`, () => {
    let bed: HostileBed;
    before(async () => {
      bed = await startBed({ oidc: { idTokenSigningAlg: 'ES256' } });
      bed.op.signIdToken = (claims) => bed.op.sign(claims, { key: bed.op.keys[1] });
    });
    after(() => bed.close());

    test('EXT-05: a valid ES256 ID token (raw 64-byte R‖S signature) is accepted', async () => {
      bed.op.clear();
      const result = await attempt(bed);
      assert.equal(result.status, 200);
      assert.equal(result.sub, 'alice');
    });

    test('EXT-04: an ES256 ID token whose signature bytes are flipped is refused (signature)', async () => {
      bed.op.clear();
      bed.op.signIdToken = async (claims) => flipSignature(await bed.op.sign(claims, { key: bed.op.keys[1] }));
      try {
        await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'signature');
      } finally {
        bed.op.signIdToken = (claims) => bed.op.sign(claims, { key: bed.op.keys[1] });
      }
    });

    test('FX-12: with ES256 configured, an RS256 ID token from a published provider key is refused (alg)', async () => {
      bed.op.clear();
      bed.op.signIdToken = (claims) => bed.op.sign(claims, { key: bed.op.keys[0] });
      try {
        await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'alg');
      } finally {
        bed.op.signIdToken = (claims) => bed.op.sign(claims, { key: bed.op.keys[1] });
      }
    });
  });

  describe(`Basic and Config RP: key sets (${adapter})`, () => {
    let bed: HostileBed;
    before(async () => {
      bed = await startBed();
    });
    after(() => bed.close());
    beforeEach(() => {
      bed.op.clear();
      bed.op.signIdToken = undefined;
      bed.op.extraJwks = [];
    });

    /** A public JWK of `alg` without kid or alg (use: sig), or with `extra` members. */
    async function bareKey(alg: string, extra: Partial<JWK> = {}): Promise<{ jwk: JWK; privateKey: CryptoKey }> {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'ES256K' ? {} : {}) });
      return { jwk: { ...(await exportJWK(publicKey)), use: 'sig', ...extra }, privateKey };
    }

    test('BAS-06: no kid, one signing key per type (RSA, P-256, secp256k1 as an odd entry, Ed25519) plus enc keys with kids: the only RSA signing key is used', async () => {
      const rsa = await bed.op.generateKey('RS256');
      const ec = await bareKey('ES256');
      const ed = await bareKey('EdDSA');
      const encRsa = await bareKey('RSA-OAEP', { use: 'enc', kid: 'enc-rsa' });
      const rsaJwk = without(rsa.publicJwk, 'kid', 'alg');
      const saved = bed.op.keys;
      bed.op.keys = [];
      bed.op.extraJwks = [rsaJwk, ec.jwk, { kty: 'EC', crv: 'secp256k1', x: 'AAAA', y: 'AAAA', use: 'sig' }, ed.jwk, encRsa.jwk];
      bed.op.signIdToken = (claims) => bed.op.sign(claims, { key: rsa, header: { kid: undefined } });
      try {
        const result = await attempt(bed);
        assert.equal(result.status, 200, `${result.error ?? ''} ${result.reason ?? ''}`);
        assert.equal(result.sub, 'alice');
        assert.equal(bed.op.count('/userinfo'), 1);
      } finally {
        bed.op.keys = saved;
      }
    });

    test('BAS-07: no kid and three RSA signing keys: refused as ambiguous (the suite allows either outcome), without a UserInfo call', async () => {
      const keys = await Promise.all([1, 2, 3].map(() => bed.op.generateKey('RS256')));
      const saved = bed.op.keys;
      bed.op.keys = [];
      bed.op.extraJwks = keys.map((key) => without(key.publicJwk, 'kid', 'alg'));
      bed.op.signIdToken = (claims) => bed.op.sign(claims, { key: keys[1], header: { kid: undefined } });
      try {
        const result = await attempt(bed);
        if (result.status === 200) {
          assert.equal(result.sub, 'alice'); // option (b): the right key was found among those of the right type
        } else {
          await assertRefused(bed, result, 'id_token_invalid');
        }
      } finally {
        bed.op.keys = saved;
      }
    });

    test('EXT-17: keys it cannot use (kty AKP, a made-up kty, each with a kid) are skipped and the real key verifies', async () => {
      bed.op.extraJwks = [
        { kty: 'AKP', alg: 'ML-DSA-99', kid: 'akp-1', pub: 'AAAA' },
        { kty: 'MADE-UP', kid: 'odd-1', n: 'AAAA' },
      ];
      const result = await attempt(bed);
      assert.equal(result.status, 200, `${result.error ?? ''} ${result.reason ?? ''}`);
      assert.equal(result.sub, 'alice');
    });
  });

  describe(`Config RP: discovery and key rotation (${adapter})`, () => {
    test('CFG-01, CFG-02: endpoints come from discovery only: a jwks_uri at a random path is used, no guessed /jwks or /.well-known/jwks.json', async () => {
      const bed = await startBed();
      try {
        const random = `/keys-${Math.random().toString(36).slice(2, 12)}`;
        bed.op.metadata['jwks_uri'] = `${bed.op.origin}${random}`;
        bed.op.metadata['token_endpoint'] = `${bed.op.origin}/t0ken`;
        bed.op.metadata['authorization_endpoint'] = `${bed.op.origin}/authz`;
        bed.op.metadata['userinfo_endpoint'] = `${bed.op.origin}/me`;
        const result = await attempt(bed);
        assert.equal(result.status, 200);
        assert.deepEqual(bed.op.requests.map((r) => r.path), ['/.well-known/openid-configuration', '/authz', '/t0ken', random, '/me']);
      } finally {
        await bed.close();
      }
    });

    test('CFG-03, FX-14, DISC-01: a discovery document naming another issuer stops everything before the authorization request (discovery_issuer_mismatch)', async () => {
      const bed = await startBed();
      try {
        bed.op.metadata['issuer'] = `${bed.op.issuer}INVALID`;
        const browser = new TestBrowser();
        const res = await browser.request(`${bed.appUrl}/login`, { headers: { accept: 'application/json' } });
        assert.equal(res.status, 502);
        assert.equal((JSON.parse(res.body) as { error: string }).error, 'discovery_issuer_mismatch');
        assert.deepEqual(bed.op.requests.map((r) => r.path), ['/.well-known/openid-configuration']);
      } finally {
        await bed.close();
      }
    });

    test('CFG-05: keys rotated just before signing (a kid unknown to the cached JWKS) are fetched once more and the login completes', async () => {
      const bed = await startBed();
      try {
        assert.equal((await attempt(bed)).status, 200); // JWKS cached
        bed.op.clear();
        await bed.op.rotateKeys();
        const result = await attempt(bed);
        assert.equal(result.status, 200, `${result.error ?? ''} ${result.reason ?? ''}`);
        assert.equal(bed.op.count('/jwks'), 1, 'one refetch');
        assert.equal(bed.op.count('/userinfo'), 1);
      } finally {
        await bed.close();
      }
    });

    test('CFG-06: rotation at the second login: a second JWKS request and a second UserInfo request; a token signed with the removed key is refused afterwards', async () => {
      const bed = await startBed();
      try {
        const oldKey = bed.op.keys[0]!;
        assert.equal((await attempt(bed)).status, 200);
        await bed.op.rotateKeys();
        assert.equal((await attempt(bed)).status, 200);
        assert.equal(bed.op.count('/jwks'), 2);
        assert.equal(bed.op.count('/userinfo'), 2);
        bed.op.clear();
        bed.op.signIdToken = (claims) => bed.op.sign(claims, { key: oldKey });
        await assertRefused(bed, await attempt(bed), 'id_token_invalid');
      } finally {
        await bed.close();
      }
    });

    test('DISC-03: an issuer with a path and a trailing slash is discovered at <issuer>.well-known/openid-configuration and compared exactly', async () => {
      const bed = await startBed({ provider: { issuerPath: '/tenant/' } });
      try {
        const result = await attempt(bed);
        assert.equal(result.status, 200, `${result.error ?? ''} ${result.reason ?? ''}`);
        assert.equal(bed.op.requests[0]!.path, '/tenant/.well-known/openid-configuration');
      } finally {
        await bed.close();
      }
    });
  });

  describe(`FX: token responses of unusual shape (${adapter})`, () => {
    let bed: HostileBed;
    before(async () => {
      bed = await startBed();
    });
    after(() => bed.close());

    test('FX-15: token_type "bEARER" is accepted (case-insensitive), and the token is then sent with the Bearer scheme', async () => {
      bed.op.clear();
      bed.op.tokenResponse = (body) => ({ ...body, token_type: 'bEARER' });
      try {
        const result = await attempt(bed);
        assert.equal(result.status, 200);
        assert.match(bed.op.requestsTo('/userinfo')[0]!.headers.authorization ?? '', /^Bearer /);
      } finally {
        bed.op.tokenResponse = undefined;
      }
    });

    test('FX-16: a token response without expires_in logs in; the access token\'s lifetime is unknown', async () => {
      bed.op.clear();
      bed.op.tokenResponse = (body) => without(body, 'expires_in');
      try {
        const result = await attempt(bed);
        assert.equal(result.status, 200);
        const tokens = await result.browser.request(`${bed.appUrl}/tokens`, { headers: { accept: 'application/json' } });
        const body = JSON.parse(tokens.body) as { accessToken: string; accessTokenExpiresAt: string | null };
        assert.ok(bed.op.accessTokens.has(body.accessToken));
        assert.equal(body.accessTokenExpiresAt, null);
      } finally {
        bed.op.tokenResponse = undefined;
      }
    });

    test('BCP-12: an access_token or id_token slipped into the authorization response is ignored: only the code is redeemed', async () => {
      bed.op.clear();
      bed.op.authorizeResponse = (params) => {
        params.set('access_token', 'front-channel-token');
        params.set('id_token', 'front.channel.token');
      };
      try {
        const result = await attempt(bed);
        assert.equal(result.status, 200);
        const tokens = await result.browser.request(`${bed.appUrl}/tokens`, { headers: { accept: 'application/json' } });
        const body = JSON.parse(tokens.body) as { accessToken: string; idToken: string };
        assert.notEqual(body.accessToken, 'front-channel-token');
        assert.ok(bed.op.accessTokens.has(body.accessToken));
        assert.equal(body.idToken, bed.op.idTokens.at(-1));
      } finally {
        bed.op.authorizeResponse = undefined;
      }
    });

    test('IDT-10: with max_age sent, an ID token without auth_time is refused, and one with a recent auth_time accepted', async () => {
      bed.reconfigure({ authorizationParams: { max_age: '300' } });
      try {
        bed.op.clear();
        bed.op.idToken = (claims) => without(claims, 'auth_time');
        const missing = await attempt(bed);
        assert.equal(missing.status, 400, JSON.stringify(missing.error) + JSON.stringify(bed.warnings.at(-1)));
        assert.equal(missing.error, 'id_token_invalid');
        assert.equal(bed.op.count('/userinfo'), 0);
        assert.equal(bed.op.requestsTo('/authorize')[0]!.query.get('max_age'), '300');
        bed.op.idToken = (claims) => ({ ...claims, auth_time: now() - 3600 });
        const tooOld = await attempt(bed);
        assert.equal(tooOld.status, 400);
        assert.equal(tooOld.error, 'id_token_invalid');
        bed.op.idToken = undefined;
        assert.equal((await attempt(bed)).status, 200);
      } finally {
        bed.op.idToken = undefined;
        bed.reconfigure({});
      }
    });
  });

  describe(`Client authentication at the token endpoint (${adapter})`, () => {
    test('BAS-14, DCR-02: credentials with punctuation are form-urlencoded inside the Basic header and the login completes', async () => {
      const secret = 'p@ss:w/rd %+&=?# ü';
      const bed = await startBed({ provider: { clientId: 'client:id with space', clientSecret: secret } });
      try {
        const result = await attempt(bed);
        assert.equal(result.status, 200, `${result.error ?? ''} ${result.reason ?? ''}`);
        const header = bed.op.requestsTo('/token')[0]!.headers.authorization!;
        const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
        assert.equal(decoded, `${encodeURIComponent('client:id with space').replace(/%20/g, '+')}:${new URLSearchParams({ s: secret }).toString().slice(2)}`);
      } finally {
        await bed.close();
      }
    });

    test('EXT-24: client_secret_post sends client_id and client_secret in the body only, never also in a header', async () => {
      const bed = await startBed({ oidc: { tokenEndpointAuthMethod: 'client_secret_post' } });
      try {
        bed.op.metadata['token_endpoint_auth_methods_supported'] = ['client_secret_post'];
        const result = await attempt(bed);
        assert.equal(result.status, 200);
        const token = bed.op.requestsTo('/token')[0]!;
        assert.equal(token.headers.authorization, undefined);
        assert.equal(token.form.get('client_id'), bed.op.client.clientId);
        assert.equal(token.form.get('client_secret'), bed.op.client.clientSecret);
      } finally {
        await bed.close();
      }
    });

    test('EXT-26, BCP-18: private_key_jwt signs an assertion with aud = the issuer (one string), iss = sub = client_id, a unique jti and a short exp', async () => {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      const bed = await startBed({ oidc: { tokenEndpointAuthMethod: 'private_key_jwt', privateKey: { key: privateKey, kid: 'client-key' }, clientSecret: undefined } });
      try {
        bed.op.client.jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'client-key', alg: 'RS256' }] };
        const assertions: string[] = [];
        for (let i = 0; i < 2; i++) {
          const result = await attempt(bed);
          assert.equal(result.status, 200, `${result.error ?? ''} ${result.reason ?? ''}`);
        }
        for (const token of bed.op.requestsTo('/token')) {
          assert.equal(token.form.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
          assert.equal(token.form.get('client_secret'), null);
          assertions.push(token.form.get('client_assertion')!);
        }
        const claims = assertions.map((a) => JSON.parse(Buffer.from(a.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>);
        for (const c of claims) {
          assert.equal(c['aud'], bed.op.issuer);
          assert.equal(c['iss'], bed.op.client.clientId);
          assert.equal(c['sub'], bed.op.client.clientId);
          assert.ok((c['exp'] as number) - now() <= 300, 'exp at most a few minutes out');
          assert.equal(typeof c['iat'], 'number');
        }
        assert.notEqual(claims[0]!['jti'], claims[1]!['jti']);
      } finally {
        await bed.close();
      }
    });
  });
}
