/**
 * DPoP for APIs (issue 28 item 2; RFC 9449): `acceptToken()` with `Authorization: DPoP` and a
 * proof, on every adapter, against oidc-provider issuing DPoP-bound tokens (JWTs with `cnf.jkt`,
 * opaque tokens whose introspection answer carries it). Proofs are made with jose and a real key
 * pair; each refusal is checked for its RFC 9449 §7.1 answer: status, code, reason, challenge.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { generateSecret, SignJWT } from 'jose';
import { assertDpopRefusal, call, type DpopAnswer, DPOP_CLIENT_ID, DPOP_CLIENT_SECRET, dpopKey, type DpopKey, type DpopProvider, JWT_API, makeProof, OPAQUE_API, startDpopProvider } from '../support/dpop-bed.ts';
import { ADAPTERS, serveTestApp, type ServedApp } from '../support/test-app.ts';
import { get, post } from '../support/test-routes.ts';
import { SECRET } from '../support/testbed.ts';

const answer = get('/api', [['acceptToken', {}]], ({ oidc }) => ({ json: { sub: oidc.token?.sub ?? null, client_id: oidc.token?.client_id ?? null } }));
const ROUTES = [answer, post('/api', [['acceptToken', {}]], () => ({ json: { posted: true } }))];

for (const adapter of ADAPTERS) {
  describe(`DPoP for APIs (${adapter})`, () => {
    let provider: DpopProvider;
    let api: ServedApp;
    let key: DpopKey;
    let jwt: string;
    let opaque: string;
    /** A proof for GET /api with the JWT token, with overrides. */
    let proofFor: (token: string, overrides?: Parameters<typeof makeProof>[4], method?: string, url?: string) => Promise<string>;
    const dpop = (token: string, proof: string | readonly string[], extra: { method?: string; host?: string; path?: string } = {}): Promise<DpopAnswer> =>
      call(`${api.url}${extra.path ?? '/api'}`, { authorization: `DPoP ${token}`, dpop: proof, ...(extra.method === undefined ? {} : { method: extra.method }), ...(extra.host === undefined ? {} : { host: extra.host }) });

    before(async () => {
      provider = await startDpopProvider();
      key = await dpopKey();
      jwt = await provider.boundToken(key, JWT_API);
      opaque = await provider.boundToken(key, OPAQUE_API);
      api = await serveTestApp(adapter, (url) => ({
        baseUrl: url,
        secret: SECRET,
        resourceServerOnly: true,
        issuer: provider.op.issuer,
        clientId: DPOP_CLIENT_ID,
        clientSecret: DPOP_CLIENT_SECRET,
        resourceServer: { audience: [JWT_API, OPAQUE_API], dpop: 'allowed' },
        logger: { warn() {} },
      }), { routes: ROUTES, standardRoutes: false });
      proofFor = (token, overrides = {}, method = 'GET', url = `${api.url}/api`) => makeProof(key, method, url, token, overrides);
    });
    after(async () => {
      await api.close();
      await provider.close();
    });

    test('DPA-01: a DPoP-bound JWT access token with a fresh proof each time is accepted; so is a POST with its own proof', async () => {
      for (let i = 0; i < 2; i += 1) {
        const ok = await dpop(jwt, await proofFor(jwt));
        assert.equal(ok.status, 200, JSON.stringify(ok.json));
        assert.equal(ok.json?.['client_id'], DPOP_CLIENT_ID);
      }
      const posted = await dpop(jwt, await proofFor(jwt, {}, 'POST'), { method: 'POST' });
      assert.equal(posted.status, 200, JSON.stringify(posted.json));
    });

    test('DPA-01: a DPoP-bound opaque token, introspected (cnf.jkt in the answer), is accepted', async () => {
      const ok = await dpop(opaque, await proofFor(opaque));
      assert.equal(ok.status, 200, JSON.stringify(ok.json));
      assert.equal(ok.json?.['client_id'], DPOP_CLIENT_ID);
    });

    test('DPA-02, DP-01, DP-02: no DPoP header, two DPoP headers, an oversized or malformed proof are refused', async () => {
      assertDpopRefusal(await call(`${api.url}/api`, { authorization: `DPoP ${jwt}` }), 'invalid_dpop_proof', 'proof_missing');
      assertDpopRefusal(await dpop(jwt, [await proofFor(jwt), await proofFor(jwt)]), 'invalid_dpop_proof', 'proofs');
      const big = await proofFor(jwt, { claims: { pad: 'x'.repeat(9000) } });
      assertDpopRefusal(await dpop(jwt, big), 'invalid_dpop_proof', 'too_long');
      assertDpopRefusal(await dpop(jwt, 'not.a-proof.at-all'), 'invalid_dpop_proof', 'malformed');
    });

    test('DPA-02, DP-03, DP-04, DP-05: wrong typ, alg none, HS256, an algorithm off the list, a bad signature and a private jwk are refused', async () => {
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, { header: { typ: 'JWT' } })), 'invalid_dpop_proof', 'typ');
      const good = await proofFor(jwt);
      const [h, p] = good.split('.');
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })).toString('base64url')}.${p}.`;
      assertDpopRefusal(await dpop(jwt, none), 'invalid_dpop_proof', 'alg');
      const hmac = await new SignJWT({ jti: 'h1', htm: 'GET', htu: `${api.url}/api`, iat: Math.floor(Date.now() / 1000) })
        .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: key.publicJwk }).sign(await generateSecret('HS256'));
      assertDpopRefusal(await dpop(jwt, hmac), 'invalid_dpop_proof', 'alg');
      const es384 = await dpopKey('ES384');
      assertDpopRefusal(await dpop(jwt, await makeProof(es384, 'GET', `${api.url}/api`, jwt)), 'invalid_dpop_proof', 'alg');
      const other = await dpopKey();
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, { signWith: other.privateKey })), 'invalid_dpop_proof', 'signature');
      assertDpopRefusal(await dpop(jwt, `${h}.${p}.${'A'.repeat(86)}`), 'invalid_dpop_proof', 'signature');
      const { exportJWK } = await import('jose');
      const privateJwk = await exportJWK(key.privateKey);
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, { header: { jwk: privateJwk } })), 'invalid_dpop_proof', 'jwk');
    });

    test('DPA-03, DP-06: htm and htu must be the request\'s; the query is ignored, the URL normalised, a spoofed Host header changes nothing', async () => {
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, {}, 'POST')), 'invalid_dpop_proof', 'htm');
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, {}, 'GET', `${api.url}/other`)), 'invalid_dpop_proof', 'htu');
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, {}, 'GET', 'https://api.example.com/api')), 'invalid_dpop_proof', 'htu');
      // The client names a host of its choosing and makes the proof for it: the configured URL wins.
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, {}, 'GET', 'http://evil.example/api'), { host: 'evil.example' }), 'invalid_dpop_proof', 'htu');
      const withQuery = await dpop(jwt, await proofFor(jwt, {}, 'GET', `${api.url}/api?ignored=1#frag`), { path: '/api?year=2025' });
      assert.equal(withQuery.status, 200, JSON.stringify(withQuery.json));
      const port = new URL(api.url).port;
      const spelled = await dpop(jwt, await proofFor(jwt, {}, 'GET', `HTTP://127.0.0.1:${port}/./%61pi`));
      assert.equal(spelled.status, 200, JSON.stringify(spelled.json));
    });

    test('DPA-02, DP-03: a proof without jti, htm or htu is refused (401 invalid_dpop_proof, each its reason)', async () => {
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, { claims: { jti: undefined } })), 'invalid_dpop_proof', 'jti');
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, { claims: { htm: undefined } })), 'invalid_dpop_proof', 'htm');
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, { claims: { htu: undefined } })), 'invalid_dpop_proof', 'htu');
    });

    test('DP-13: Authorization: Bearer and Authorization: DPoP in one request: 400 invalid_request', async () => {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(`${api.url}/api`, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => { body += chunk; });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on('error', reject);
        request.setHeader('authorization', [`Bearer ${jwt}`, `DPoP ${jwt}`]);
        proofFor(jwt).then((proof) => {
          request.setHeader('dpop', proof);
          request.end();
        }, reject);
      });
      assert.equal(answer.status, 400, answer.body);
      assert.equal((JSON.parse(answer.body) as { error?: string }).error, 'invalid_request');
    });

    test('DPA-04, DP-07: a stale or future iat is refused', async () => {
      const now = Math.floor(Date.now() / 1000);
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, { claims: { iat: now - 200 } })), 'invalid_dpop_proof', 'iat');
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, { claims: { iat: now + 200 } })), 'invalid_dpop_proof', 'iat');
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, { claims: { iat: undefined } })), 'invalid_dpop_proof', 'iat');
    });

    test('DPA-05, DP-09, DP-10: a missing or wrong ath, and a proof by another key than the token\'s cnf.jkt, are refused', async () => {
      assertDpopRefusal(await dpop(jwt, await proofFor(jwt, { claims: { ath: undefined } })), 'invalid_dpop_proof', 'ath');
      assertDpopRefusal(await dpop(jwt, await proofFor(opaque)), 'invalid_dpop_proof', 'ath');
      const other = await dpopKey();
      for (const token of [jwt, opaque]) {
        assertDpopRefusal(await dpop(token, await makeProof(other, 'GET', `${api.url}/api`, token)), 'invalid_token', 'jkt');
      }
    });

    test('DPA-06, DP-08: a proof is accepted once; replayed, it is refused', async () => {
      const proof = await proofFor(jwt);
      assert.equal((await dpop(jwt, proof)).status, 200);
      assertDpopRefusal(await dpop(jwt, proof), 'invalid_dpop_proof', 'replay');
    });

    test('DPA-07: a bound token sent as Bearer is refused (bound_token); an unbound one sent as DPoP too (not_dpop_bound); an unbound Bearer token passes', async () => {
      for (const token of [jwt, opaque]) {
        const bearer = await call(`${api.url}/api`, { authorization: `Bearer ${token}` });
        assert.equal(bearer.status, 401);
        assert.equal(bearer.json?.['reason'], 'bound_token');
        assert.match(bearer.challenge ?? '', /^Bearer realm="api", error="invalid_token", error_description="[^"]+", DPoP realm="api", algs="ES256 PS256 EdDSA Ed25519"$/);
      }
      const unbound = await provider.bearerToken(JWT_API);
      assert.equal((await call(`${api.url}/api`, { authorization: `Bearer ${unbound}` })).status, 200);
      const asDpop = await dpop(unbound, await proofFor(unbound));
      assert.equal(asDpop.status, 401);
      assert.equal(asDpop.json?.['error'], 'invalid_token');
      assert.equal(asDpop.json?.['reason'], 'not_dpop_bound');
      assert.match(asDpop.challenge ?? '', /^Bearer realm="api", DPoP realm="api", error="invalid_token", error_description="[^"]+", algs="ES256 PS256 EdDSA Ed25519"$/);
    });

    test('DPA-09, DP-12: without a token, both challenges, neither with an error', async () => {
      const none = await call(`${api.url}/api`);
      assert.equal(none.status, 401);
      assert.equal(none.challenge, 'Bearer realm="api", DPoP realm="api", algs="ES256 PS256 EdDSA Ed25519"');
    });
  });
}
