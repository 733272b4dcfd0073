/**
 * RFC 9068 JWT access tokens validated locally (conformance checklist §3.2, rows AT-*), strict
 * (default) and relaxed (`strictJwt: false`, `{ typ: false }`, `{ claims: false }`), plus the JWKS cache: one fetch for repeated and concurrent requests,
 * one refetch on rotation, a cooldown against made-up kids, and 502/503 when the JWKS fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { exportSPKI, importJWK } from 'jose';
import {
  assertAccepted, assertBearerError, assertProviderFailure, type BearerApp, nowSeconds, RS_CLIENT_ID, startBearerApp, type BearerAppOptions } from '../support/bearer-app.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { startTokenLab, type TokenLab } from '../support/token-lab.ts';

const JWKS = '/jwks';
const DISCOVERY = '/.well-known/openid-configuration';

for (const adapter of ADAPTERS) {
  /** The resource server on this adapter. */
  const startApi = (options: BearerAppOptions = {}): Promise<BearerApp> => startBearerApp({ adapter, ...options });

  describe(`RFC 9068 JWT access tokens (${adapter})`, () => {
    let lab: TokenLab;
    /** strictJwt: false (both RFC 9068 rules relaxed), audience https://api.example. */
    let lenient: BearerApp;
    /** The default: RFC 9068 to the letter. */
    let strict: BearerApp;
    /** algorithms: ['RS256']. */
    let rs256: BearerApp;
    /** clockTolerance: 5. */
    let tight: BearerApp;

    before(async () => {
      lab = await startTokenLab();
      lenient = await startApi({ lab, resourceServer: { strictJwt: false } });
      strict = await startApi({ lab });
      rs256 = await startApi({ lab, resourceServer: { algorithms: ['RS256'] } });
      tight = await startApi({ lab, options: { clockTolerance: 5 } });
    });

    after(async () => {
      await lenient.close();
      await strict.close();
      await rs256.close();
      await tight.close();
      await lab.close();
    });

    test('AT-01: no typ header: refused by default (reason typ), accepted with strictJwt: false', async () => {
      const token = await lab.mint({}, { header: { typ: undefined } });
      assertAccepted(await lenient.bearer(token));
      const refused = assertBearerError(await strict.bearer(token), { status: 401, error: 'invalid_token', reason: 'typ' });
      assert.match(refused.description ?? '', /not typed 'at\+jwt' \(RFC 9068 section 2\.1; resourceServer\.strictJwt\)/);
    });

    test('TR-12: a provider whose signed tokens fail only on a strict rule is named once per rule in the log, with the option that relaxes it', async () => {
      const app = await startApi({ lab });
      try {
        // A forged token (bad signature) says nothing about the provider, and a type no relaxation
        // accepts names no option: both refused, neither logged.
        const [h, p] = (await lab.mint({ jti: 'forged' }, { header: { typ: 'JWT' } })).split('.');
        assertBearerError(await app.bearer(`${h}.${p}.${(await lab.mint()).split('.')[2]}`), { status: 401, error: 'invalid_token', reason: 'signature' });
        assertBearerError(await app.bearer(await lab.mint({ jti: 'dpop' }, { header: { typ: 'dpop+jwt' } })), { status: 401, error: 'invalid_token', reason: 'typ' });
        assert.deepEqual(app.warnings.filter((w) => /strictJwt/.test(w)), []);
        for (let i = 0; i < 3; i += 1) {
          assertBearerError(await app.bearer(await lab.mint({ jti: `typ-${i}` }, { header: { typ: 'JWT' } })), { status: 401, error: 'invalid_token', reason: 'typ' });
          assertBearerError(await app.bearer(await lab.mint({ jti: `cid-${i}`, client_id: undefined, azp: 'client-1' })), { status: 401, error: 'invalid_token', reason: 'client_id' });
        }
        const typNotes = app.warnings.filter((w) => /strictJwt: \{ typ: false \}/.test(w));
        assert.equal(typNotes.length, 1, app.warnings.join('\n'));
        assert.match(typNotes[0]!, /provider "default" \(http:\/\/127\.0\.0\.1:\d+\) sends access tokens with typ "JWT"; RFC 9068 section 2\.1 requires "at\+jwt"/);
        const claimNotes = app.warnings.filter((w) => /strictJwt: \{ claims: false \}/.test(w));
        assert.equal(claimNotes.length, 1, app.warnings.join('\n'));
        assert.match(claimNotes[0]!, /sends access tokens without "client_id"; RFC 9068 section 2\.2 requires/);
      } finally {
        await app.close();
      }
    });

    test('TR-12: strictJwt relaxes one rule at a time: { typ: false } still requires the RFC 9068 claims, { claims: false } still requires at+jwt', async () => {
      const typRelaxed = await startApi({ lab, resourceServer: { strictJwt: { typ: false } } });
      const claimsRelaxed = await startApi({ lab, resourceServer: { strictJwt: { claims: false } } });
      try {
        const typJwt = await lab.mint({}, { header: { typ: 'JWT' } });
        assertAccepted(await typRelaxed.bearer(typJwt));
        assertBearerError(await claimsRelaxed.bearer(typJwt), { status: 401, error: 'invalid_token', reason: 'typ' });
        const noJti = await lab.mint({ jti: undefined });
        assertBearerError(await typRelaxed.bearer(noJti), { status: 401, error: 'invalid_token', reason: 'jti' });
        assertAccepted(await claimsRelaxed.bearer(noJti));
        // Relaxed claims still need a client or scope mark.
        assertBearerError(await claimsRelaxed.bearer(await lab.mint({ client_id: undefined, scope: undefined, jti: undefined })), { status: 401, error: 'invalid_token', reason: 'token_type' });
        // Neither relaxes the other-kind rules.
        const idToken = await lab.mint({ nonce: 'n-1' }, { header: { typ: 'JWT' } });
        assertBearerError(await typRelaxed.bearer(idToken), { status: 401, error: 'invalid_token', reason: 'id_token' });
      } finally {
        await typRelaxed.close();
        await claimsRelaxed.close();
      }
    });

    test('a claim that is present must have its type, in both modes: sub null is refused, naming the rule; an absent sub is for strictJwt to require', async () => {
      const nullSub = await lab.mint({ sub: null });
      for (const app of [lenient, strict]) {
        const refused = assertBearerError(await app.bearer(nullSub), { status: 401, error: 'invalid_token', reason: 'sub' });
        assert.match(refused.description ?? '', /'sub' must be a string \(StringOrURI, RFC 7519 section 4\.1\.2\), not null/);
      }
      const noSub = await lab.mint({ sub: undefined });
      const accepted = await lenient.bearer(noSub);
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.json?.['sub'], null, 'lenient: no subject');
      const missing = assertBearerError(await strict.bearer(noSub), { status: 401, error: 'invalid_token', reason: 'sub' });
      assert.match(missing.description ?? '', /has no 'sub' claim, which RFC 9068 section 2\.2 requires \(resourceServer\.strictJwt\)/);
    });

    test('AT-02: an ID token (typ JWT with nonce or at_hash, aud = client) replayed as an access token → 401', async () => {
      const withNonce = await lab.mint({ nonce: 'n-0S6_WzA2Mj', aud: ['https://api.example', 'client-1'], azp: 'client-1' }, { header: { typ: 'JWT' } });
      assertBearerError(await lenient.bearer(withNonce), { status: 401, error: 'invalid_token', reason: 'id_token' });
      assertBearerError(await strict.bearer(withNonce), { status: 401, error: 'invalid_token', reason: 'id_token' });
      const withAtHash = await lab.mint({ at_hash: '77QmUPtjPfzWtF2AnpK9RQ' }, { header: { typ: 'JWT' } });
      assertBearerError(await lenient.bearer(withAtHash), { status: 401, error: 'invalid_token', reason: 'id_token' });
      assertBearerError(await strict.bearer(withAtHash), { status: 401, error: 'invalid_token', reason: 'id_token' });
      // Even under at+jwt, ID-token-only claims mean "not an access token".
      assertBearerError(await lenient.bearer(await lab.mint({ c_hash: 'LDktKdoQak3Pk0cnXxCltA' })), { status: 401, error: 'invalid_token', reason: 'id_token' });
      // A plain typ JWT without ID-token claims: lenient accepts it, strict refuses it.
      const plainJwt = await lab.mint({}, { header: { typ: 'JWT' } });
      assertAccepted(await lenient.bearer(plainJwt));
      assertBearerError(await strict.bearer(plainJwt), { status: 401, error: 'invalid_token', reason: 'typ' });
    });

    test('AT-02: without an audience to check: an ID token without nonce or hashes (aud = our client, no scope, no client_id) → 401 (it names no client and no scope; with azp, it is addressed to our client: id_token)', async () => {
      const open = await startApi({ lab, resourceServer: { audience: undefined, strictJwt: false } });
      try {
        const idToken = await lab.mint({ aud: RS_CLIENT_ID, scope: undefined, client_id: undefined, sid: 'op-session' }, { header: { typ: 'JWT' } });
        assertBearerError(await open.bearer(idToken), { status: 401, error: 'invalid_token', reason: 'token_type' });
        const keycloakStyle = await lab.mint({ aud: RS_CLIENT_ID, azp: RS_CLIENT_ID, scope: undefined, client_id: undefined, sid: 'op-session' }, { header: { typ: 'JWT' } });
        assertBearerError(await open.bearer(keycloakStyle), { status: 401, error: 'invalid_token', reason: 'id_token' });
        // An access token for the client's own API (Entra ID style: aud = client id) grants scopes, and passes.
        assertAccepted(await open.bearer(await lab.mint({ aud: RS_CLIENT_ID, client_id: undefined, scp: 'read' }, { header: { typ: 'JWT' } })));
        assert.ok(open.warnings.some((w) => /without an audience/.test(w)), 'the missing audience is warned about');
      } finally {
        await open.close();
      }
    });

    test('AT-02: other JWT kinds (logout token, Keycloak refresh token, other typ) → 401', async () => {
      const logout = await lab.mint({ events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }, { header: { typ: 'logout+jwt' } });
      assertBearerError(await lenient.bearer(logout), { status: 401, error: 'invalid_token', reason: 'token_type' });
      assertBearerError(await lenient.bearer(await lab.mint({}, { header: { typ: 'logout+jwt' } })), { status: 401, error: 'invalid_token', reason: 'typ' });
      const logoutAtJwt = await lab.mint({ events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });
      assertBearerError(await lenient.bearer(logoutAtJwt), { status: 401, error: 'invalid_token', reason: 'token_type' });
      const keycloakRefresh = await lab.mint({ typ: 'Refresh' }, { header: { typ: 'JWT' } });
      assertBearerError(await lenient.bearer(keycloakRefresh), { status: 401, error: 'invalid_token', reason: 'token_type' });
      assertAccepted(await lenient.bearer(await lab.mint({ typ: 'Bearer' }, { header: { typ: 'JWT' } })));
      for (const typ of ['dpop+jwt', 'secevent+jwt', 'JOSE', 'at+jwt2']) {
        assertBearerError(await lenient.bearer(await lab.mint({}, { header: { typ } })), { status: 401, error: 'invalid_token', reason: 'typ' });
      }
    });

    test('AT-03: typ at+jwt, application/at+jwt, at+JWT, AT+JWT accepted (lenient and strict)', async () => {
      for (const typ of ['at+jwt', 'application/at+jwt', 'at+JWT', 'AT+JWT', 'Application/AT+JWT']) {
        const token = await lab.mint({}, { header: { typ } });
        assertAccepted(await lenient.bearer(token));
        assertAccepted(await strict.bearer(token));
      }
    });

    test('AT-04: iss differing only by a trailing slash or by case, or missing → 401 reason iss', async () => {
      for (const iss of [`${lab.issuer}/`, lab.issuer.toUpperCase(), lab.issuer.replace('127.0.0.1', 'localhost'), 'https://evil.example']) {
        assertBearerError(await lenient.bearer(await lab.mint({ iss })), { status: 401, error: 'invalid_token', reason: 'iss' });
        assertBearerError(await strict.bearer(await lab.mint({ iss })), { status: 401, error: 'invalid_token', reason: 'iss' });
      }
      assertBearerError(await lenient.bearer(await lab.mint({ iss: undefined })), { status: 401, error: 'invalid_token', reason: 'iss' });
      assertBearerError(await strict.bearer(await lab.mint({ iss: undefined })), { status: 401, error: 'invalid_token', reason: 'iss' });
    });

    test('AT-05: aud: missing or another API → 401 reason aud; an array containing the audience → accepted', async () => {
      assertBearerError(await lenient.bearer(await lab.mint({ aud: 'https://other.example' })), { status: 401, error: 'invalid_token', reason: 'aud' });
      assertBearerError(await lenient.bearer(await lab.mint({ aud: ['https://other.example', 'https://API.example'] })), { status: 401, error: 'invalid_token', reason: 'aud' });
      assertBearerError(await lenient.bearer(await lab.mint({ aud: undefined })), { status: 401, error: 'invalid_token', reason: 'aud' });
      assertBearerError(await strict.bearer(await lab.mint({ aud: undefined })), { status: 401, error: 'invalid_token', reason: 'aud' });
      assertAccepted(await lenient.bearer(await lab.mint({ aud: ['https://other.example', 'https://api.example'] })));
      assertAccepted(await strict.bearer(await lab.mint({ aud: ['https://api.example', 'https://other.example'] })));
    });

    test('AT-06: alg none → 401 reason alg', async () => {
      const now = nowSeconds();
      const claims = { iss: lab.issuer, sub: 'admin', aud: 'https://api.example', client_id: 'client-1', iat: now, exp: now + 300, jti: 'j', scope: 'admin' };
      for (const alg of ['none', 'None', 'NONE']) {
        const token = lab.unsigned({ alg, typ: 'at+jwt' }, claims);
        assertBearerError(await lenient.bearer(token, '/admin'), { status: 401, error: 'invalid_token', reason: 'alg' });
      }
      // alg none with the signature of a real token attached.
      const [, , signature] = (await lab.mint()).split('.');
      assertBearerError(await lenient.bearer(lab.unsigned({ alg: 'none', kid: 'rs-1', typ: 'at+jwt' }, claims, signature)), { status: 401, error: 'invalid_token', reason: 'alg' });
      assertBearerError(await strict.bearer(lab.unsigned({ alg: 'none', typ: 'at+jwt' }, claims)), { status: 401, error: 'invalid_token', reason: 'alg' });
    });

    test('AT-07: HS256 signed with the RSA public key PEM (alg confusion) → 401 reason alg', async () => {
      const publicKey = (await importJWK(lab.keys[0]!.publicJwk, 'RS256')) as CryptoKey;
      const pem = await exportSPKI(publicKey);
      for (const secret of [pem, pem.trim(), JSON.stringify(lab.keys[0]!.publicJwk)]) {
        const token = await lab.mintHs256({ scope: 'admin' }, new TextEncoder().encode(secret), { kid: 'rs-1' });
        assertBearerError(await lenient.bearer(token, '/admin'), { status: 401, error: 'invalid_token', reason: 'alg' });
        assertBearerError(await strict.bearer(token, '/admin'), { status: 401, error: 'invalid_token', reason: 'alg' });
      }
    });

    test('AT-07: a key not in the JWKS under a published kid → 401 reason signature; under an unknown kid → reason kid', async () => {
      const rogue = await lab.generateKey('RS256', 'rs-1');
      assertBearerError(await lenient.bearer(await lab.mint({ scope: 'admin' }, { key: rogue }), '/admin'), { status: 401, error: 'invalid_token', reason: 'signature' });
      const unpublished = await lab.generateKey('ES256');
      assertBearerError(await lenient.bearer(await lab.mint({}, { key: unpublished })), { status: 401, error: 'invalid_token', reason: 'kid' });
      // The payload of one token with the signature of another.
      const [h, p] = (await lab.mint({ sub: 'admin' })).split('.');
      const [, , s] = (await lab.mint()).split('.');
      assertBearerError(await lenient.bearer(`${h}.${p}.${s}`), { status: 401, error: 'invalid_token', reason: 'signature' });
    });

    test('AT-07: keys come only from jwks_uri: an embedded jwk or a jku/x5u header is never used', async () => {
      const rogue = await lab.generateKey('RS256', 'attacker');
      const embedded = await lab.mint({}, { key: rogue, header: { kid: undefined, jwk: rogue.publicJwk } });
      assertBearerError(await lenient.bearer(embedded), { status: 401, error: 'invalid_token', reason: 'signature' });
      const jku = await lab.mint({}, { key: rogue, header: { jku: `${lab.issuer}/attacker-jwks`, x5u: `${lab.issuer}/attacker-x5u` } });
      assertBearerError(await lenient.bearer(jku), { status: 401, error: 'invalid_token' });
      assert.equal(lab.count('/attacker-jwks'), 0);
      assert.equal(lab.count('/attacker-x5u'), 0);
    });

    test('AT-07: an algorithm outside algorithms: [\'RS256\'] → 401 reason alg (accepted by the default list)', async () => {
      const es256 = await lab.mint({}, { key: lab.keys[1] });
      assertAccepted(await lenient.bearer(es256));
      assertBearerError(await rs256.bearer(es256), { status: 401, error: 'invalid_token', reason: 'alg' });
      // A header that lies about its algorithm (PS256 over an RS256 key's signature).
      const lying = await lab.mint({}, { header: { alg: 'PS256' } });
      assertBearerError(await rs256.bearer(lying), { status: 401, error: 'invalid_token', reason: 'alg' });
      assertBearerError(await lenient.bearer(lying), { status: 401, error: 'invalid_token' });
      assertAccepted(await rs256.bearer(await lab.mint()));
    });

    test('AT-08: exp beyond the leeway or missing → 401 reason exp; within the leeway → accepted (clockTolerance 60 and 5)', async () => {
      const now = nowSeconds();
      assertBearerError(await lenient.bearer(await lab.mint({ exp: now - 90 })), { status: 401, error: 'invalid_token', reason: 'exp' });
      assertAccepted(await lenient.bearer(await lab.mint({ exp: now - 50 })));
      assertBearerError(await tight.bearer(await lab.mint({ exp: now - 20 })), { status: 401, error: 'invalid_token', reason: 'exp' });
      assertAccepted(await tight.bearer(await lab.mint({ exp: now - 1 })));
      assertBearerError(await lenient.bearer(await lab.mint({ exp: undefined })), { status: 401, error: 'invalid_token', reason: 'exp' });
      assertBearerError(await strict.bearer(await lab.mint({ exp: undefined })), { status: 401, error: 'invalid_token', reason: 'exp' });
      assertBearerError(await lenient.bearer(await lab.mint({ exp: String(now + 300) })), { status: 401, error: 'invalid_token', reason: 'exp' });
    });

    test('AT-09: by default iss, exp, aud, sub, client_id, iat and jti are required; strictJwt: false does not require sub, client_id, iat, jti', async () => {
      for (const claim of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']) {
        const token = await lab.mint({ [claim]: undefined });
        assertBearerError(await strict.bearer(token), { status: 401, error: 'invalid_token', reason: claim });
      }
      for (const claim of ['sub', 'client_id', 'iat', 'jti']) {
        const response = await lenient.bearer(await lab.mint({ [claim]: undefined }));
        assert.equal(response.status, 200, `${claim}: ${response.text}`);
      }
    });

    test('AT-09: claims of the wrong type → 401 with the claim as reason', async () => {
      assertBearerError(await lenient.bearer(await lab.mint({ sub: 42 })), { status: 401, error: 'invalid_token', reason: 'sub' });
      assertBearerError(await lenient.bearer(await lab.mint({ scope: ['admin'] }), '/admin'), { status: 401, error: 'invalid_token', reason: 'scope' });
      assertBearerError(await lenient.bearer(await lab.mint({ client_id: { id: 'x' } })), { status: 401, error: 'invalid_token', reason: 'client_id' });
    });

    test('AT-10: nbf in the future beyond the leeway → 401 reason nbf; within → accepted', async () => {
      const now = nowSeconds();
      assertBearerError(await lenient.bearer(await lab.mint({ nbf: now + 120 })), { status: 401, error: 'invalid_token', reason: 'nbf' });
      assertAccepted(await lenient.bearer(await lab.mint({ nbf: now + 30 })));
      assertBearerError(await tight.bearer(await lab.mint({ nbf: now + 30 })), { status: 401, error: 'invalid_token', reason: 'nbf' });
    });

    test('AT-11: iat in the future beyond the leeway → 401 reason iat; within → accepted', async () => {
      const now = nowSeconds();
      assertBearerError(await lenient.bearer(await lab.mint({ iat: now + 120 })), { status: 401, error: 'invalid_token', reason: 'iat' });
      assertBearerError(await strict.bearer(await lab.mint({ iat: now + 120 })), { status: 401, error: 'invalid_token', reason: 'iat' });
      assertAccepted(await lenient.bearer(await lab.mint({ iat: now + 30 })));
      assertBearerError(await tight.bearer(await lab.mint({ iat: now + 30 })), { status: 401, error: 'invalid_token', reason: 'iat' });
    });

    test('AT-13: scope "read write" on a route needing admin → 403 insufficient_scope scope="admin" (case-sensitive)', async () => {
      assertBearerError(await lenient.bearer(await lab.mint({ scope: 'read write' }), '/admin'), { status: 403, error: 'insufficient_scope', reason: 'scope', scope: 'admin' });
      assertBearerError(await lenient.bearer(await lab.mint({ scope: 'Admin ADMIN admins' }), '/admin'), { status: 403, error: 'insufficient_scope', reason: 'scope', scope: 'admin' });
      assertBearerError(await strict.bearer(await lab.mint({ scope: undefined }), '/admin'), { status: 403, error: 'insufficient_scope', reason: 'scope', scope: 'admin' });
      const ok = await lenient.bearer(await lab.mint({ scope: 'read  admin write' }), '/admin');
      assertAccepted(ok);
      assert.deepEqual(ok.json?.['scopes'], ['read', 'admin', 'write']);
      assertBearerError(await lenient.bearer(await lab.mint({ scope: 'write' }), '/read-write'), { status: 403, error: 'insufficient_scope', scope: 'read write' });
    });

    test('a cached token is still judged per route: scopes on every request, and a header that differs from it by one character gets the full checks (syntax first)', async () => {
      const token = await lab.mint({ scope: 'read' });
      assertAccepted(await lenient.bearer(token, '/api'));
      assertBearerError(await lenient.bearer(token, '/admin'), { status: 403, error: 'insufficient_scope', reason: 'scope', scope: 'admin' });
      assertAccepted(await lenient.bearer(token, '/api'));
      // Not the cached string, so not a cache hit: the b64token syntax is checked, then the signature.
      assertBearerError(await lenient.bearer(`${token}!`, '/api'), { status: 400, error: 'invalid_request', reason: 'authorization_header' });
      assertBearerError(await lenient.bearer(`${token}A`, '/api'), { status: 401, error: 'invalid_token' });
    });

    test('AT-15: every token refusal in this suite carried error="invalid_token" (never a bare 401)', () => {
      const refusals = [lenient, strict, rs256, tight].flatMap((app) => app.responses.filter((r) => r.status === 401));
      assert.ok(refusals.length > 50, `only ${refusals.length} refusals seen`);
      for (const response of refusals) {
        assert.match(response.challenge ?? '', /^Bearer realm="api", error="invalid_token", error_description="[^"\r\n]+"$/);
        assert.equal(response.json?.['error'], 'invalid_token');
      }
    });
  });

  /** Starts bearer apps (each with its own lab) for the describe block it is called in, and closes them after it. */
  function bearerApps(): (options?: Parameters<typeof startBearerApp>[0]) => Promise<BearerApp> {
    const cleanup: Array<() => Promise<void>> = [];
    after(async () => {
      for (const close of cleanup) await close();
    });
    return async (options = {}) => {
      const app = await startApi(options);
      cleanup.push(() => app.close());
      return app;
    };
  }

  describe(`JWKS caching and failures (${adapter})`, () => {
    const start = bearerApps();

    test('the same valid token 20 times (and 20 other valid tokens) → one /jwks fetch and one discovery', async () => {
      const app = await start();
      const token = await app.lab.mint();
      for (let i = 0; i < 20; i += 1) assertAccepted(await app.bearer(token));
      assert.equal(app.lab.count(JWKS), 1);
      for (let i = 0; i < 20; i += 1) assertAccepted(await app.bearer(await app.lab.mint({ jti: `t-${i}` })));
      assert.equal(app.lab.count(JWKS), 1);
      assert.equal(app.lab.count(DISCOVERY), 1);
    });

    test('20 concurrent cold requests with valid tokens → /jwks fetched once', async () => {
      const app = await start();
      app.lab.delayMs = 100; // keep the first fetch in flight while the others arrive
      const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => app.lab.mint({ jti: `c-${i}` })));
      const responses = await Promise.all(tokens.map((token) => app.bearer(token)));
      for (const response of responses) assertAccepted(response);
      assert.equal(app.lab.count(JWKS), 1);
      assert.equal(app.lab.count(DISCOVERY), 1);
    });

    test('key rotation: a token with the new kid is accepted after one refetch; 20 made-up kids cause at most one more fetch', async () => {
      const app = await start();
      // Only Date is faked (never jose, openid-client or fetch), to step over jose's 30 s refetch cooldown.
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      try {
        const [oldKey] = app.lab.keys;
        assertAccepted(await app.bearer(await app.lab.mint()));
        assert.equal(app.lab.count(JWKS), 1);

        mock.timers.tick(31_000); // the keys were fetched a while ago
        await app.lab.rotateKeys();
        const fresh = await app.lab.mint();
        assertAccepted(await app.bearer(fresh));
        assert.equal(app.lab.count(JWKS), 2, 'one refetch for the unknown (new) kid');
        assertAccepted(await app.bearer(await app.lab.mint({ jti: 'again' })));
        assert.equal(app.lab.count(JWKS), 2);

        const rogue = await app.lab.generateKey('ES256');
        for (let i = 0; i < 20; i += 1) {
          const token = await app.lab.mint({}, { key: rogue, header: { kid: `made-up-${crypto.randomUUID()}` } });
          assertBearerError(await app.bearer(token), { status: 401, error: 'invalid_token', reason: 'kid' });
        }
        assert.ok(app.lab.count(JWKS) <= 3, `made-up kids caused ${app.lab.count(JWKS) - 2} JWKS fetches`);
        // A new token signed with the removed key is refused.
        assertBearerError(await app.bearer(await app.lab.mint({ jti: 'old-key' }, { key: oldKey })), { status: 401, error: 'invalid_token', reason: 'kid' });
        assert.ok(app.lab.count(JWKS) <= 3);
      } finally {
        mock.timers.reset();
      }
    });

    test('key rotation within the 30 s cooldown of the last JWKS fetch: the new kid is refused (no fetch) until the cooldown has passed', async () => {
      const app = await start();
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      try {
        assertAccepted(await app.bearer(await app.lab.mint()));
        await app.lab.rotateKeys();
        const fresh = await app.lab.mint();
        // Documented: "refetch on unknown kid at most every 30 s (cooldown)".
        assertBearerError(await app.bearer(fresh), { status: 401, error: 'invalid_token', reason: 'kid' });
        assert.equal(app.lab.count(JWKS), 1);
        mock.timers.tick(31_000);
        const later = await app.lab.mint({ jti: 'later' });
        assertAccepted(await app.bearer(later));
        assert.equal(app.lab.count(JWKS), 2);
      } finally {
        mock.timers.reset();
      }
    });

    test('JWKS answering 500 (or HTML, or no keys) → 502 provider_error without a challenge; the next request after it recovers succeeds', async () => {
      const app = await start();
      const token = await app.lab.mint();
      app.lab.jwks = () => ({ status: 500, body: 'oops' });
      assertProviderFailure(await app.bearer(token), 502);
      app.lab.jwks = () => ({ headers: { 'content-type': 'text/html' }, body: '<html>login</html>' });
      assertProviderFailure(await app.bearer(token), 502);
      app.lab.jwks = () => ({ body: { nokeys: true } });
      assertProviderFailure(await app.bearer(token), 502);
      const failedFetches = app.lab.count(JWKS);
      assert.equal(failedFetches, 3, 'each request while the JWKS is broken tries again (no key set cached)');
      app.lab.jwks = undefined;
      assertAccepted(await app.bearer(token));
      assert.equal(app.lab.count(JWKS), failedFetches + 1);
    });

    test('JWKS hanging → 503 provider_unavailable after httpTimeout; recovers once it answers again', async () => {
      const app = await start({ options: { httpTimeout: 300 } });
      const token = await app.lab.mint();
      app.lab.jwks = () => 'hang';
      const started = Date.now();
      const responses = await Promise.all([app.bearer(token), app.bearer(await app.lab.mint({ jti: 'other' }))]);
      for (const response of responses) assertProviderFailure(response, 503);
      assert.ok(Date.now() - started < 2000, 'answered after the timeout, not hung');
      app.lab.jwks = () => 'destroy';
      assertProviderFailure(await app.bearer(token), 503);
      app.lab.jwks = undefined;
      assertAccepted(await app.bearer(token));
    });

    test('JWKS down after warm-up: tokens with a known kid are still verified with the cached keys', async () => {
      const app = await start();
      assertAccepted(await app.bearer(await app.lab.mint()));
      app.lab.jwks = () => ({ status: 500, body: 'down' });
      assertAccepted(await app.bearer(await app.lab.mint({ jti: 'while-down' })));
      assertAccepted(await app.bearer(await app.lab.mint({ jti: 'es' }, { key: app.lab.keys[1] })));
      assert.equal(app.lab.count(JWKS), 1);
    });

    test('discovery failing: timeout → 503, foreign issuer → 502; recovers on the next request', async () => {
      const app = await start({ options: { httpTimeout: 300 } });
      const token = await app.lab.mint();
      app.lab.delayMs = 1000;
      assertProviderFailure(await app.bearer(token), 503);
      app.lab.delayMs = 0;
      app.lab.metadataOverrides['issuer'] = 'https://evil.example';
      const mismatch = await app.bearer(token);
      assert.equal(mismatch.status, 502, mismatch.text);
      assert.equal(mismatch.challenge, null);
      assert.equal(mismatch.json?.['error'], 'discovery_issuer_mismatch');
      delete app.lab.metadataOverrides['issuer'];
      assertAccepted(await app.bearer(token));
    });
  });

  describe(`The verified-token cache: a token is cached from its second use (${adapter})`, () => {
    const start = bearerApps();
    /**
     * Withdraws the signing key the tokens so far were signed with: the app refetches the JWKS for a
     * token with the new key, and then knows only the new one. A token the app still accepts after
     * that was answered from the cache (a hit needs no key); one it refuses (reason kid) was not cached.
     */
    const withdrawSigningKey = async (app: BearerApp): Promise<void> => {
      mock.timers.tick(31_000); // past jose's refetch cooldown
      await app.lab.rotateKeys();
      assertAccepted(await app.bearer(await app.lab.mint({ jti: 'signed-with-the-new-key' })));
    };

    test('a token used once is not cached; a token used twice is (seen after its signing key is withdrawn: 401 kid against 200)', async () => {
      const app = await start();
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      try {
        const once = await app.lab.mint({ jti: 'once' });
        const twice = await app.lab.mint({ jti: 'twice' });
        assertAccepted(await app.bearer(once));
        assertAccepted(await app.bearer(twice));
        assertAccepted(await app.bearer(twice));
        await withdrawSigningKey(app);
        assertAccepted(await app.bearer(twice));
        assertBearerError(await app.bearer(once), { status: 401, error: 'invalid_token', reason: 'kid' });
      } finally {
        mock.timers.reset();
      }
    });

    test('a flood of one-shot tokens does not push a reused token out of a small cache (cacheMaxEntries 16, 100 one-shot tokens)', async () => {
      const app = await start({ resourceServer: { cacheMaxEntries: 16 } });
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      try {
        const reused = await app.lab.mint({ jti: 'reused' });
        assertAccepted(await app.bearer(reused));
        assertAccepted(await app.bearer(reused));
        // Each is verified in full and accepted; none takes a cache entry (caching them all would
        // have evicted `reused` six times over).
        for (let i = 0; i < 100; i += 1) assertAccepted(await app.bearer(await app.lab.mint({ jti: `one-shot-${i}` })));
        await withdrawSigningKey(app);
        assertAccepted(await app.bearer(reused));
      } finally {
        mock.timers.reset();
      }
    });
  });
}
