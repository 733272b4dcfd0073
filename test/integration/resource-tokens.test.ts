/**
 * Issue 27, item 2: tokens per API (RFC 8707). `req.oidc.accessToken({ resource })` gets a token for
 * another API with the session's refresh token, keeps it beside the login's own, and refreshes it on
 * its own clock — on every adapter, against oidc-provider with resource indicators (which, like the
 * RFC allows, only grants the resources the login asked for: the `resource` option). One refresh
 * token is never redeemed twice, whatever the tokens are for.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import type { Configuration } from 'oidc-provider';
import { OpenIDConnect } from '../../src/fetch.ts';
import { MemoryStore } from '../../src/session/memory-store.ts';
import { loginThroughProvider } from '../support/browser.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';
import { startTestbed, type Testbed } from '../support/testbed.ts';

const REPORTS = 'https://reports.example';
const BILLING = 'https://billing.example';
/** How long BILLING's tokens live: as long as `refreshBefore`, so each is due as soon as it is got. */
const BILLING_TOKEN_SECONDS = 70;

/** JWT access tokens for the two APIs; the login's own token stays opaque (it is for UserInfo). */
const PROVIDER: Partial<Configuration> = {
  scopes: ['openid', 'email', 'profile', 'offline_access', 'api:read'],
  features: {
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string | string[]) => (Array.isArray(oneOf) ? undefined : oneOf),
      // The code exchange without `resource` gets the UserInfo token, not an API's.
      useGrantedResource: () => false,
      getResourceServerInfo: (_ctx: unknown, resource: string) => ({
        scope: 'api:read', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: resource === BILLING ? BILLING_TOKEN_SECONDS : 3600, jwt: { sign: { alg: 'RS256' } },
      }),
    },
  } as Configuration['features'],
  // Every refresh token is used once: redeeming one twice revokes the grant (what the single-flight prevents).
  rotateRefreshToken: true,
  // The API's own lifetime (the dev provider fixes one hour for every access token otherwise).
  ttl: { AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 3600 },
};

/** Every token endpoint call's grant and resource, in order. */
function tokenCalls(bed: Testbed): string[] {
  return bed.op.requests.filter((r) => r.path === '/token').map((r) => r.method);
}

for (const adapter of ADAPTERS) {
  describe(`tokens per API (${adapter})`, () => {
    let bed: Testbed;

    before(async () => {
      bed = await startTestbed({
        adapter,
        providerConfiguration: PROVIDER,
        oidc: { resource: [REPORTS, BILLING], refreshBefore: BILLING_TOKEN_SECONDS },
        appRoutes: [
          get('/api-token', [['requireLogin']], async ({ oidc, query }) => {
            try {
              return { json: { token: await oidc.accessToken({ resource: query.get('resource') ?? REPORTS, forceRefresh: query.get('force') === '1' }) } };
            } catch (error) {
              // The app's own mistake (a TypeError naming the call), shown to the test.
              if (error instanceof TypeError) return { status: 500, json: { typeError: error.message } };
              throw error;
            }
          }),
        ],
      });
    });
    after(() => bed.close());

    test('the login asks for both APIs; a token for each, kept beside the login\'s own, with its audience', async () => {
      const browser = bed.browser();
      const start = await browser.navigate(`${bed.appUrl}/login`, undefined, { stopWhen: (url) => url.origin === bed.op.issuer });
      assert.deepEqual(start.stoppedAt?.searchParams.getAll('resource'), [REPORTS, BILLING]);
      await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'alice');
      const own = (JSON.parse((await browser.request(`${bed.appUrl}/tokens`)).body) as { accessToken: string }).accessToken;

      const reports = (JSON.parse((await browser.request(`${bed.appUrl}/api-token?resource=${REPORTS}`)).body) as { token: string }).token;
      const billing = (JSON.parse((await browser.request(`${bed.appUrl}/api-token?resource=${BILLING}`)).body) as { token: string }).token;
      assert.equal(decodeJwt(reports).aud, REPORTS);
      assert.equal(decodeJwt(billing).aud, BILLING);
      assert.equal(decodeJwt(reports).sub, 'alice');
      // Kept: asked again, the same token, and no call to the provider.
      bed.op.requests.length = 0;
      assert.equal((JSON.parse((await browser.request(`${bed.appUrl}/api-token?resource=${REPORTS}`)).body) as { token: string }).token, reports);
      assert.deepEqual(tokenCalls(bed), [], 'served from the session');
      assert.equal((JSON.parse((await browser.request(`${bed.appUrl}/tokens`)).body) as { accessToken: string }).accessToken, own, 'the login\'s own token is untouched');
    });

    test('each is refreshed on its own clock, with the rotated refresh token; forceRefresh gets a new one', async () => {
      const browser = bed.browser();
      const ask = async (query: string): Promise<string> => (JSON.parse((await browser.request(`${bed.appUrl}/api-token?${query}`)).body) as { token: string }).token;
      await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'bob');
      const reports = await ask(`resource=${REPORTS}`);
      const first = await ask(`resource=${BILLING}`);
      const refreshTokenBefore = (JSON.parse((await browser.request(`${bed.appUrl}/tokens`)).body) as { refreshToken: string }).refreshToken;
      // BILLING's token lives as long as refreshBefore: due at once, got again on the next ask;
      // REPORTS' (an hour) is not due and stays.
      const second = await ask(`resource=${BILLING}`);
      assert.notEqual(second, first, 'due: a new token');
      assert.equal(await ask(`resource=${REPORTS}`), reports, 'not due: the same');
      const forced = await ask(`resource=${REPORTS}&force=1`);
      assert.notEqual(forced, reports, 'forceRefresh');
      const refreshTokenAfter = (JSON.parse((await browser.request(`${bed.appUrl}/tokens`)).body) as { refreshToken: string }).refreshToken;
      assert.notEqual(refreshTokenAfter, refreshTokenBefore, 'oidc-provider rotates refresh tokens: the session keeps the new one');
      assert.equal((await browser.request(`${bed.appUrl}/profile`)).status, 200, 'the session lives on');
    });

    test('concurrent asks for the login\'s token and both APIs redeem each refresh token once (no invalid_grant)', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'carol');
      bed.op.requests.length = 0;
      const answers = await Promise.all([
        browser.request(`${bed.appUrl}/api/token?force=1`),
        browser.request(`${bed.appUrl}/api-token?resource=${REPORTS}`),
        browser.request(`${bed.appUrl}/api-token?resource=${BILLING}`),
      ]);
      for (const answer of answers) assert.equal(answer.status, 200, answer.body);
      assert.equal((await browser.request(`${bed.appUrl}/profile`)).status, 200, 'the grant was not revoked');
      assert.ok(!bed.warnings.some((w) => w.message.includes('invalid_grant')), JSON.stringify(bed.warnings));
    });

    test('an API the login did not ask for is the provider\'s refusal (no session lost); a resource that is no absolute URI is the app\'s mistake', async () => {
      const browser = bed.browser();
      await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'dave');
      const refused = await browser.request(`${bed.appUrl}/api-token?resource=https://other.example`, { headers: { accept: 'application/json' } });
      assert.equal(refused.status, 502, refused.body);
      assert.deepEqual(JSON.parse(refused.body), { error: 'provider_error', error_description: 'The provider refused the request (400 invalid_target).', oauth_error: 'invalid_target' });
      const relative = await browser.request(`${bed.appUrl}/api-token?resource=reports`, { headers: { accept: 'application/json' } });
      assert.match((JSON.parse(relative.body) as { typeError: string }).typeError, /accessToken\(\{ resource \}\) must be an absolute URI without a fragment \(RFC 8707\); got "reports"/);
      assert.equal((await browser.request(`${bed.appUrl}/profile`)).status, 200, 'the session lives on');
    });
  });
}

describe('tokens per API with sessions in a store (refreshed under the session\'s lock)', () => {
  let bed: Testbed;
  before(async () => {
    bed = await startTestbed({
      adapter: 'hono',
      providerConfiguration: PROVIDER,
      oidc: { resource: [REPORTS, BILLING], refreshBefore: BILLING_TOKEN_SECONDS, session: { store: new MemoryStore() } },
      appRoutes: [get('/api-token', [['requireLogin']], async ({ oidc, query }) => ({ json: { token: await oidc.accessToken({ resource: query.get('resource') ?? REPORTS }) } }))],
    });
  });
  after(() => bed.close());

  test('concurrent asks redeem each refresh token once; the tokens are kept in the store for the next request', async () => {
    const browser = bed.browser();
    await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'erin');
    const answers = await Promise.all([
      browser.request(`${bed.appUrl}/api/token?force=1`),
      browser.request(`${bed.appUrl}/api-token?resource=${REPORTS}`),
      browser.request(`${bed.appUrl}/api-token?resource=${REPORTS}`),
    ]);
    for (const answer of answers) assert.equal(answer.status, 200, answer.body);
    const reports = (JSON.parse(answers[1].body) as { token: string }).token;
    assert.equal((JSON.parse(answers[2].body) as { token: string }).token, reports, 'one token for both asks');
    bed.op.requests.length = 0;
    assert.equal((JSON.parse((await browser.request(`${bed.appUrl}/api-token?resource=${REPORTS}`)).body) as { token: string }).token, reports, 'kept in the store');
    assert.deepEqual(tokenCalls(bed), []);
    assert.equal((await browser.request(`${bed.appUrl}/profile`)).status, 200, 'the grant was not revoked');
  });
});

test('the resource option: absolute URIs without a fragment, named at start-up', () => {
  const options = { baseUrl: 'http://localhost:3000', secret: 's'.repeat(32), issuer: 'http://127.0.0.1:1', clientId: 'app', clientSecret: 'x' };
  assert.throws(() => new OpenIDConnect({ ...options, resource: 'reports' }), /invalid option `resource`: "reports" is not an absolute URI without a fragment/);
  assert.throws(() => new OpenIDConnect({ ...options, resource: ['https://a.example#x'] }), /invalid option `resource`/);
  assert.throws(() => new OpenIDConnect({ ...options, resource: REPORTS, authorizationParams: { resource: REPORTS } }), /invalid option `authorizationParams.resource`: use the `resource` option/);
});
