/**
 * The client credentials grant (`oidc.clientCredentials()`) against the real provider (oidc-provider
 * in process, real HTTP): the token it returns is a JWT access token (RFC 9068, resource indicators
 * RFC 8707) that an `acceptToken()` route of the same app accepts; tokens are cached until
 * `refreshBefore` seconds before they expire, per scope/resource/audience/extra combination;
 * concurrent callers share one token request; `forceRefresh` asks again; the provider's refusals and
 * outages become typed `OidcError`s; `extra` parameters reach the provider, reserved ones are refused.
 * On every adapter.
 *
 * Token requests are counted from the provider's own request log (`bed.op.requests`). The provider
 * copies the `tenant` parameter of a token request into the token (`extraTokenClaims`), which shows
 * that `extra` parameters arrived.
 *
 * The cache's own bounds are checked on one `ClientCredentialsGrants` with a real `ProviderClient`,
 * counting its entries (`size`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Configuration } from 'oidc-provider';
import { devClient, startDevProvider } from '../../src/dev-provider/dev-provider.ts';
import { resolveOptions } from '../../src/config/resolve-options.ts';
import { OidcError, type ClientCredentialsToken } from '../../src/express.ts';
import { ClientCredentialsGrants } from '../../src/grants/client-credentials.ts';
import { ProviderClient } from '../../src/provider/provider-client.ts';
import { ADAPTERS, SECRET, withTestbed, type AdapterName, type Testbed, type TestbedOptions } from '../support/testbed.ts';
import { get } from '../support/test-routes.ts';

const API = 'https://api.example.test/';
const REPORTS_API = 'https://reports.example.test/';
/** What the provider's resource servers grant; `write` is a provider scope this client is not registered for. */
const RS_SCOPES = 'read admin';

/** The provider: client credentials on, JWT access tokens for any resource, `tenant` copied into tokens. */
function providerConfiguration(ttl: Configuration['ttl'] = {}): Partial<Configuration> {
  return {
    scopes: ['openid', 'email', 'profile', 'offline_access', 'read', 'admin', 'write'],
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: RS_SCOPES,
          audience: resource,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (ctx) => {
      const tenant = ctx.oidc.body?.['tenant'];
      return typeof tenant === 'string' ? { tenant } : undefined;
    },
    ttl,
  };
}

/** An API route of the app: who the bearer token says is calling. */
const whoami = get('/api/whoami', [['acceptToken', { audience: API }]], ({ oidc }) => ({
  json: {
    authenticatedBy: oidc.authenticatedBy,
    client_id: oidc.token?.client_id,
    sub: oidc.token?.sub,
    scope: oidc.token?.scope,
    tokenScopes: oidc.tokenScopes,
    tenant: oidc.token?.['tenant'] ?? null,
  },
}));

function options(adapter: AdapterName, overrides: Partial<TestbedOptions> = {}): TestbedOptions {
  return {
    adapter,
    client: {
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      scope: 'openid email profile offline_access read admin',
    },
    providerConfiguration: providerConfiguration(),
    appRoutes: [whoami],
    ...overrides,
  };
}

/** How many token requests the provider received. */
function tokenRequests(bed: Testbed): number {
  return bed.op.requests.filter((r) => r.method === 'POST' && r.path === '/token').length;
}

async function callApi(bed: Testbed, token: ClientCredentialsToken): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${bed.appUrl}/api/whoami`, { headers: { authorization: `Bearer ${token.accessToken}`, accept: 'application/json' } });
  return { status: res.status, body: await res.json() };
}

for (const adapter of ADAPTERS) {
  describe(`client credentials grant (real provider) (${adapter})`, () => {
    test('returns a JWT access token for the resource that an acceptToken({ audience }) route accepts', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const before = Date.now();
        const token = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        const after = Date.now();
        assert.equal(token.tokenType.toLowerCase(), 'bearer');
        assert.equal(token.scope, 'read');
        assert.ok(token.expiresAt instanceof Date);
        // ttl.ClientCredentials of the dev provider: 600 s.
        assert.ok(token.expiresAt.getTime() >= before + 599_000 && token.expiresAt.getTime() <= after + 601_000, `expiresAt ${token.expiresAt.toISOString()}`);

        assert.equal(decodeProtectedHeader(token.accessToken).typ, 'at+jwt');
        const claims = decodeJwt(token.accessToken);
        assert.equal(claims.aud, API);
        assert.equal(claims['client_id'], 'demo-client');
        assert.equal(claims.iss, bed.op.issuer);

        assert.deepEqual(await callApi(bed, token), {
          status: 200,
          body: { authenticatedBy: 'token', client_id: 'demo-client', sub: 'demo-client', scope: 'read', tokenScopes: ['read'], tenant: null },
        });
        assert.equal(tokenRequests(bed), 1);
      });
    });

    test('a second call returns the cached token without a token request; forceRefresh asks again and replaces it', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const first = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        assert.equal(tokenRequests(bed), 1);

        const second = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        assert.equal(second.accessToken, first.accessToken);
        assert.equal(tokenRequests(bed), 1, 'the cached token is reused: no new token request');

        const forced = await bed.oidc.clientCredentials({ resource: API, scope: 'read', forceRefresh: true });
        assert.notEqual(forced.accessToken, first.accessToken);
        assert.equal(tokenRequests(bed), 2, 'forceRefresh makes exactly one token request');

        const third = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        assert.equal(third.accessToken, forced.accessToken, 'the forced token replaced the cached one');
        assert.equal(tokenRequests(bed), 2);

        assert.equal((await callApi(bed, forced)).status, 200);
        assert.equal((await callApi(bed, first)).status, 200, 'the older token stays valid until it expires');
      });
    });

    test('10 concurrent calls share one token request', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const tokens = await Promise.all(Array.from({ length: 10 }, () => bed.oidc.clientCredentials({ resource: API, scope: 'read' })));
        assert.equal(tokenRequests(bed), 1);
        assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 1);
        // …and the shared token is then cached.
        await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        assert.equal(tokenRequests(bed), 1);
      });
    });

    test('a token that expires within refreshBefore is never reused', async () => {
      // The provider gives 61 s tokens; refreshBefore is 90 s: every token is already "due" when it arrives.
      await withTestbed(options(adapter, { providerConfiguration: providerConfiguration({ ClientCredentials: 61 }), oidc: { refreshBefore: 90 } }), async (bed) => {
        const first = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        assert.ok(first.expiresAt !== undefined && first.expiresAt.getTime() - Date.now() <= 61_000);
        const second = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        assert.notEqual(second.accessToken, first.accessToken);
        assert.equal(tokenRequests(bed), 2);
      });
      // The same 61 s tokens with the default refreshBefore (60 s) are reused while more than 60 s remain.
      await withTestbed(options(adapter, { providerConfiguration: providerConfiguration({ ClientCredentials: 61 }) }), async (bed) => {
        const first = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        const second = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        assert.equal(second.accessToken, first.accessToken);
        assert.equal(tokenRequests(bed), 1);
        // 1.1 s later less than 60 s remain: the token is due and a new one is requested.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const third = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        assert.notEqual(third.accessToken, first.accessToken);
        assert.equal(tokenRequests(bed), 2);
      });
    });

    test('different scopes and resources are cached separately', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const requests = [
          { resource: API, scope: 'read' },
          { resource: API, scope: 'admin' },
          { resource: API, scope: 'read admin' },
          { resource: REPORTS_API, scope: 'read' },
        ];
        const tokens = [];
        for (const request of requests) tokens.push(await bed.oidc.clientCredentials(request));
        assert.equal(tokenRequests(bed), 4);
        assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 4);
        assert.deepEqual(
          tokens.map((t) => {
            const claims = decodeJwt(t.accessToken);
            return [claims.aud, claims['scope'], t.scope];
          }),
          [[API, 'read', 'read'], [API, 'admin', 'admin'], [API, 'read admin', 'read admin'], [REPORTS_API, 'read', 'read']],
        );
        // Asked again, each one comes from its own cache entry.
        for (const [i, request] of requests.entries()) {
          assert.equal((await bed.oidc.clientCredentials(request)).accessToken, tokens[i]?.accessToken);
        }
        assert.equal(tokenRequests(bed), 4);

        // A token for another API is refused by this API's route (aud).
        const reports = await callApi(bed, tokens[3]!);
        assert.equal(reports.status, 401);
        assert.deepEqual(reports.body, { error: 'invalid_token', error_description: 'The access token is not meant for this API (aud).', reason: 'aud' });
      });
    });

    test('a refused scope is an OidcError provider_error 502 with oauthError invalid_scope, and is not cached', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const refused = (error: unknown): boolean => {
          assert.ok(error instanceof OidcError);
          assert.equal(error.code, 'provider_error');
          assert.equal(error.status, 502);
          assert.equal(error.oauthError, 'invalid_scope');
          return true;
        };
        await assert.rejects(bed.oidc.clientCredentials({ resource: API, scope: 'write' }), refused);
        await assert.rejects(bed.oidc.clientCredentials({ resource: API, scope: 'write' }), refused);
        assert.equal(tokenRequests(bed), 2, 'a failure is not cached: the second call asks again');
      });
    });

    test('the provider down: provider_unavailable 503; a cached token is still handed out', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const cached = await bed.oidc.clientCredentials({ resource: API, scope: 'read' });
        await bed.op.close();
        const unavailable = (error: unknown): boolean => {
          assert.ok(error instanceof OidcError);
          assert.equal(error.code, 'provider_unavailable');
          assert.equal(error.status, 503);
          return true;
        };
        await assert.rejects(bed.oidc.clientCredentials({ resource: API, scope: 'read', forceRefresh: true }), unavailable);
        await assert.rejects(bed.oidc.clientCredentials({ resource: API, scope: 'admin' }), unavailable);
        assert.equal((await bed.oidc.clientCredentials({ resource: API, scope: 'read' })).accessToken, cached.accessToken);
      });
    });

    test('extra parameters are sent to the provider; reserved ones are a TypeError', async () => {
      await withTestbed(options(adapter), async (bed) => {
        const token = await bed.oidc.clientCredentials({ resource: API, scope: 'read', extra: { tenant: 'acme' } });
        assert.equal(decodeJwt(token.accessToken)['tenant'], 'acme');
        const answer = await callApi(bed, token);
        assert.equal(answer.status, 200);
        assert.equal((answer.body as { tenant: unknown }).tenant, 'acme');

        const other = await bed.oidc.clientCredentials({ resource: API, scope: 'read', extra: { tenant: 'globex' } });
        assert.equal(decodeJwt(other.accessToken)['tenant'], 'globex', 'other extra parameters: another cache entry');
        assert.equal(tokenRequests(bed), 2);

        for (const name of ['grant_type', 'client_id', 'client_secret', 'client_assertion']) {
          await assert.rejects(bed.oidc.clientCredentials({ resource: API, scope: 'read', extra: { [name]: 'x' } }), (error: unknown) => {
            assert.ok(error instanceof TypeError, `extra.${name}: ${String(error)}`);
            assert.match(error.message, new RegExp(`"${name}"`));
            return true;
          });
        }
        assert.equal(tokenRequests(bed), 2, 'nothing is sent for a refused parameter');
      });
    });
  });
}

describe('client credentials cache bounds (real provider, one ClientCredentialsGrants)', () => {
  test('a token found stale is dropped at once, even when no new one comes (provider down)', async () => {
    // 2 s tokens and a 1 s margin: fresh for about a second, then stale.
    const registration = devClient('http://127.0.0.1:9/callback', { grant_types: ['client_credentials'], scope: 'read' });
    const op = await startDevProvider({ clients: [registration], configuration: providerConfiguration({ ClientCredentials: 2 }) });
    try {
      const config = resolveOptions({ baseUrl: 'http://127.0.0.1:9', secret: SECRET, issuer: op.issuer, clientId: registration.client_id, clientSecret: String(registration.client_secret) });
      const provider = new ProviderClient(config.provider);
      const grants = new ClientCredentialsGrants(1);
      const first = await grants.get(provider, { resource: API, scope: 'read' });
      assert.equal((await grants.get(provider, { resource: API, scope: 'read' })).accessToken, first.accessToken, 'cached while fresh');
      assert.equal(grants.size, 1);

      await new Promise((resolve) => setTimeout(resolve, 1100));
      await op.close();
      await assert.rejects(grants.get(provider, { resource: API, scope: 'read' }), (error: unknown) => error instanceof OidcError && error.code === 'provider_unavailable');
      assert.equal(grants.size, 0, 'the stale token is not kept until a fresh one replaces it');
    } finally {
      await op.close();
    }
  });
});
