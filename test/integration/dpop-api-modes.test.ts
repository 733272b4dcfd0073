/**
 * DPoP modes per route, server nonces (RFC 9449 §9) and RFC 9728 metadata (issue 28 items 2 and
 * 4), on every adapter, against oidc-provider issuing DPoP-bound tokens: `required` refuses Bearer
 * with a DPoP-only challenge, `off` keeps today's answers, a missing or expired nonce gets
 * `use_dpop_nonce` with the `DPoP-Nonce` to use, the metadata document is served at its
 * path-inserted well-known URL and named in every challenge.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { call, type DpopAnswer, DPOP_CLIENT_ID, DPOP_CLIENT_SECRET, dpopKey, type DpopKey, type DpopProvider, JWT_API, makeProof, startDpopProvider } from '../support/dpop-bed.ts';
import { ADAPTERS, serveTestApp, type ServedApp } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';
import { SECRET } from '../support/testbed.ts';

const ok = { json: { ok: true } };
const ROUTES = [
  get('/v1/allowed', [['acceptToken', {}]], () => ok),
  get('/v1/required', [['acceptToken', { dpop: 'required' }]], () => ok),
  get('/v1/off', [['acceptToken', { dpop: 'off' }]], () => ok),
];
const ALGS = 'algs="ES256 PS256 EdDSA Ed25519"';

for (const adapter of ADAPTERS) {
  describe(`DPoP modes, nonces and protected-resource metadata (${adapter})`, () => {
    let provider: DpopProvider;
    let api: ServedApp;
    let key: DpopKey;
    let bound: string;
    let metadataUrl: string;
    const dpop = async (path: string, token: string, claims: Record<string, unknown> = {}): Promise<DpopAnswer> =>
      call(`${api.url}${path}`, { authorization: `DPoP ${token}`, dpop: await makeProof(key, 'GET', `${api.url}${path}`, token, { claims }) });

    before(async () => {
      provider = await startDpopProvider();
      key = await dpopKey();
      bound = await provider.boundToken(key, JWT_API);
      api = await serveTestApp(adapter, (url) => ({
        baseUrl: url,
        secret: SECRET,
        resourceServerOnly: true,
        issuer: provider.op.issuer,
        clientId: DPOP_CLIENT_ID,
        clientSecret: DPOP_CLIENT_SECRET,
        resourceServer: {
          audience: JWT_API,
          dpop: { mode: 'allowed', requireNonce: true, nonceLifetime: 1 },
          metadata: { resource: `${url}/v1`, scopes: ['read'], resourceName: 'Test API' },
        },
        logger: { warn() {} },
      }), { routes: ROUTES, standardRoutes: false });
      metadataUrl = `${api.url}/.well-known/oauth-protected-resource/v1`;
    });
    after(async () => {
      await api.close();
      await provider.close();
    });

    test('DPA-08, DP-11: a proof without a nonce gets use_dpop_nonce and a DPoP-Nonce; with it, the call passes', async () => {
      const first = await dpop('/v1/allowed', bound);
      assert.equal(first.status, 401);
      assert.equal(first.json?.['error'], 'use_dpop_nonce');
      assert.equal(first.json?.['reason'], 'nonce_missing');
      assert.match(first.nonce ?? '', /^[A-Za-z0-9_-]{22}$/);
      assert.match(first.challenge ?? '', new RegExp(`DPoP realm="api", error="use_dpop_nonce", error_description="[^"]+", ${ALGS}, resource_metadata="${metadataUrl}"$`));
      const second = await dpop('/v1/allowed', bound, { nonce: first.nonce });
      assert.equal(second.status, 200, JSON.stringify(second.json));
    });

    test('DPA-08: a made-up or expired nonce gets use_dpop_nonce (reason nonce) with a new one, which works', async () => {
      const made = await dpop('/v1/allowed', bound, { nonce: 'AAAAAAAAAAAAAAAAAAAAAA' });
      assert.equal(made.json?.['error'], 'use_dpop_nonce');
      assert.equal(made.json?.['reason'], 'nonce');
      const old = made.nonce!;
      // A nonce lives one to two lifetimes (1 s here): after 2.1 s it is gone.
      await sleep(2100);
      const expired = await dpop('/v1/allowed', bound, { nonce: old });
      assert.equal(expired.status, 401);
      assert.equal(expired.json?.['reason'], 'nonce');
      assert.notEqual(expired.nonce, old, 'rotated');
      assert.equal((await dpop('/v1/allowed', bound, { nonce: expired.nonce })).status, 200);
    });

    test('DPA-07: a required route refuses a Bearer token with a DPoP-only challenge (dpop_required) and takes the bound token with its proof', async () => {
      const unbound = await provider.bearerToken(JWT_API);
      const bearer = await call(`${api.url}/v1/required`, { authorization: `Bearer ${unbound}` });
      assert.equal(bearer.status, 401);
      assert.equal(bearer.json?.['error'], 'invalid_token');
      assert.equal(bearer.json?.['reason'], 'dpop_required');
      assert.match(bearer.challenge ?? '', new RegExp(`^DPoP realm="api", error="invalid_token", error_description="[^"]+", ${ALGS}, resource_metadata="${metadataUrl}"$`));
      const none = await call(`${api.url}/v1/required`);
      assert.equal(none.challenge, `DPoP realm="api", ${ALGS}, resource_metadata="${metadataUrl}"`);
      const nonce = (await dpop('/v1/required', bound)).nonce;
      assert.equal((await dpop('/v1/required', bound, { nonce })).status, 200);
    });

    test('DPA-07: an off route takes no DPoP (401 unauthenticated, Bearer challenge only) and refuses the bound token as Bearer', async () => {
      const asDpop = await dpop('/v1/off', bound);
      assert.equal(asDpop.status, 401);
      assert.equal(asDpop.json?.['error'], 'unauthenticated');
      assert.equal(asDpop.challenge, `Bearer realm="api", resource_metadata="${metadataUrl}"`);
      const asBearer = await call(`${api.url}/v1/off`, { authorization: `Bearer ${bound}` });
      assert.equal(asBearer.json?.['reason'], 'bound_token');
    });

    test('PRM-01: the metadata document is served at the path-inserted well-known URL, public and cacheable', async () => {
      const response = await fetch(metadataUrl);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(response.headers.get('cache-control'), 'public, max-age=300');
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.deepEqual(await response.json(), {
        resource: `${api.url}/v1`,
        authorization_servers: [provider.op.issuer],
        scopes_supported: ['read'],
        bearer_methods_supported: ['header'],
        dpop_signing_alg_values_supported: ['ES256', 'PS256', 'EdDSA', 'Ed25519'],
        dpop_bound_access_tokens_required: false,
        resource_name: 'Test API',
      });
      assert.equal((await fetch(metadataUrl, { method: 'POST' })).status, 405);
      // The host-level document would describe another resource (RFC 9728 §3.3): not served.
      assert.equal((await fetch(`${api.url}/.well-known/oauth-protected-resource`)).status, 404);
    });

    test('PRM-02: every challenge of a token route names the metadata (resource_metadata)', async () => {
      const none = await call(`${api.url}/v1/allowed`);
      assert.equal(none.challenge, `Bearer realm="api", resource_metadata="${metadataUrl}", DPoP realm="api", ${ALGS}, resource_metadata="${metadataUrl}"`);
      const bad = await call(`${api.url}/v1/allowed`, { authorization: 'Bearer not-a-token' });
      assert.match(bad.challenge ?? '', new RegExp(`^Bearer realm="api", error="invalid_token", error_description="[^"]+", resource_metadata="${metadataUrl}", DPoP`));
    });
  });
}
