/**
 * Signed UserInfo (DYN-07): with `userInfoSigningAlg`, UserInfo must come as a signed JWT whose
 * signature, issuer and audience are checked; plain JSON is refused. Against oidc-provider's
 * jwtUserinfo feature. On every adapter.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Configuration } from 'oidc-provider';

import { loginThroughProvider } from '../support/browser.ts';
import { ADAPTERS, withTestbed } from '../support/testbed.ts';

const jwtUserinfo = { features: { jwtUserinfo: { enabled: true } } } as Partial<Configuration>;
const userinfoRequests = (requests: Array<{ path: string; headers: Record<string, unknown> }>) => requests.filter((r) => r.path === '/me');

for (const adapter of ADAPTERS) {
  describe(`signed UserInfo (${adapter})`, () => {
    test('DYN-07: a provider that signs UserInfo: accepted, asked for as application/jwt, claims merged', async () => {
      await withTestbed({
        adapter,
        providerConfiguration: jwtUserinfo,
        client: { userinfo_signed_response_alg: 'RS256' },
        oidc: { userInfoSigningAlg: 'RS256', scope: 'openid email profile' },
      }, async (bed) => {
        const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'alice');
        assert.equal(response.status, 200);
        assert.equal(JSON.parse(response.body).claims.name, 'alice');
        const [request] = userinfoRequests(bed.op.requests);
        assert.equal(request?.headers['accept'], 'application/jwt', 'only a signed answer is acceptable');
      });
    });

    test('DYN-07: signing required but the provider answers plain JSON: the login fails with a clear error, no session', async () => {
      await withTestbed({ adapter, oidc: { userInfoSigningAlg: 'RS256' } }, async (bed) => {
        const browser = bed.browser();
        const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'alice');
        assert.equal(response.status, 502);
        assert.match(response.body, /provider_error/);
        assert.match(response.body, /not signed/);
        assert.equal(JSON.parse((await browser.request(`${bed.appUrl}/`)).body).authenticated, false);
        assert.ok(bed.warnings.some((w) => w.details?.['reason'] === 'userinfo_unsigned'));
      });
    });

    test('signing not required: a signed answer is still verified and accepted', async () => {
      await withTestbed({ adapter, providerConfiguration: jwtUserinfo, client: { userinfo_signed_response_alg: 'RS256' } }, async (bed) => {
        const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'bob');
        assert.equal(response.status, 200);
        assert.equal(userinfoRequests(bed.op.requests).length, 1);
      });
    });

    test('a client registering itself registers userinfo_signed_response_alg', async () => {
      await withTestbed({
        adapter,
        providerConfiguration: { features: { jwtUserinfo: { enabled: true }, registration: { enabled: true } } },
        oidc: { clientId: undefined, clientSecret: undefined, registration: {}, userInfoSigningAlg: 'RS256' },
      }, async (bed) => {
        const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'carol');
        assert.equal(response.status, 200);
        const clientId = /as client (\S+)$/.exec(bed.warnings.find((w) => w.message.startsWith('registered at'))?.message ?? '')?.[1];
        const client = await bed.op.provider.Client.find(clientId ?? '');
        assert.equal(client?.userinfoSignedResponseAlg, 'RS256');
        assert.equal(userinfoRequests(bed.op.requests)[0]?.headers['accept'], 'application/jwt');
      });
    });
  });
}
