/**
 * Issue 28, items 3 and 5: pushed authorization requests (RFC 9126) and `profile: 'fapi2'`, against
 * oidc-provider with PAR, DPoP and its FAPI 2.0 profile on (every adapter), and against the hostile
 * provider for each gap in a provider's metadata that the options must refuse.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { ClientMetadata, Configuration } from 'oidc-provider';
import { OpenIDConnect } from '../../src/fetch.ts';
import { startHostileBed } from '../support/hostile-bed.ts';
import { loginThroughProvider } from '../support/browser.ts';
import { ADAPTERS } from '../support/test-app.ts';
import { get } from '../support/test-routes.ts';
import { SECRET, startTestbed, type Testbed } from '../support/testbed.ts';

const API_CALL = get('/api-call', [['requireLogin']], async ({ oidc, query }) => {
  const response = await oidc.fetch(query.get('url') ?? '');
  return { json: { status: response.status, body: await response.text() } };
});

/** The authorization request's parameters when the browser reached the provider. */
async function authorizationRequest(bed: Testbed): Promise<URLSearchParams> {
  const start = await bed.browser().navigate(`${bed.appUrl}/login`, undefined, { stopWhen: (url) => url.origin === bed.op.issuer });
  assert.ok(start.stoppedAt, `stopped at the provider: ${start.response.status} ${start.response.body}`);
  return start.stoppedAt.searchParams;
}

for (const adapter of ADAPTERS) {
  describe(`pushed authorization requests (${adapter})`, () => {
    let bed: Testbed;
    before(async () => {
      bed = await startTestbed({ adapter, oidc: { pushedAuthorizationRequests: 'required', dpop: true } });
    });
    after(() => bed.close());

    test('PAR-01 the parameters go over the back channel with a DPoP proof; the browser carries only client_id and request_uri; the login completes', async () => {
      bed.op.requests.length = 0;
      const parameters = await authorizationRequest(bed);
      assert.deepEqual([...parameters.keys()].sort(), ['client_id', 'request_uri']);
      assert.match(parameters.get('request_uri') ?? '', /^urn:ietf:params:oauth:request_uri:/);
      const pushed = bed.op.requests.filter((r) => r.path === '/request');
      assert.equal(pushed.length >= 1, true, 'pushed to the PAR endpoint');
      assert.equal(pushed.at(-1)?.method, 'POST');
      assert.equal(decodeProtectedHeader(pushed.at(-1)?.headers['dpop'] as string).typ, 'dpop+jwt', 'the push binds the code to the session\'s key');
      const browser = bed.browser();
      const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'alice');
      assert.equal(response.status, 200, response.body);
      assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'alice');
    });
  });
}

describe('pushed authorization requests: auto, required, and a provider that requires them', () => {
  test('PAR-02 "auto" pushes when the provider offers PAR, and sends a plain request when it does not', async () => {
    const offered = await startTestbed({ oidc: { pushedAuthorizationRequests: 'auto' } });
    try {
      assert.deepEqual([...(await authorizationRequest(offered)).keys()].sort(), ['client_id', 'request_uri']);
    } finally {
      await offered.close();
    }
    const none = await startTestbed({ oidc: { pushedAuthorizationRequests: 'auto' }, providerConfiguration: { features: { pushedAuthorizationRequests: { enabled: false } } as Configuration['features'] } });
    try {
      const parameters = await authorizationRequest(none);
      assert.equal(parameters.get('response_type'), 'code');
      assert.equal(parameters.get('code_challenge_method'), 'S256');
      const { response } = await loginThroughProvider(none.browser(), `${none.appUrl}/profile`, 'bob');
      assert.equal(response.status, 200, response.body);
    } finally {
      await none.close();
    }
  });

  test('PAR-03 "required" at a provider without PAR: 502 naming the gap at /login, nothing sent to the provider\'s authorization endpoint', async () => {
    const bed = await startTestbed({ oidc: { pushedAuthorizationRequests: 'required' }, providerConfiguration: { features: { pushedAuthorizationRequests: { enabled: false } } as Configuration['features'] } });
    try {
      const answer = await bed.browser().request(`${bed.appUrl}/login`, { headers: { accept: 'application/json' } });
      assert.equal(answer.status, 502, answer.body);
      assert.match((JSON.parse(answer.body) as { error_description: string }).error_description, /publishes no pushed_authorization_request_endpoint/);
    } finally {
      await bed.close();
    }
  });

  test('PAR-04 a provider that requires pushed requests gets them even with the option off (RFC 9126 §5)', async () => {
    const bed = await startTestbed({ providerConfiguration: { features: { pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true } } as Configuration['features'] } });
    try {
      assert.deepEqual([...(await authorizationRequest(bed)).keys()].sort(), ['client_id', 'request_uri']);
      const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'carol');
      assert.equal(response.status, 200, response.body);
    } finally {
      await bed.close();
    }
  });
});

/** The client's PS256 key pair for private_key_jwt, and the provider's PS256 and ES256 signing keys. */
const clientKeys = await generateKeyPair('PS256', { extractable: true });
const clientJwk: JWK = { ...await exportJWK(clientKeys.publicKey), kid: 'client-ps256', alg: 'PS256', use: 'sig' };
async function providerKey(alg: 'PS256' | 'ES256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...await exportJWK(privateKey), kid: `op-${alg}`, alg, use: 'sig' };
}
const FAPI_PROVIDER: Partial<Configuration> = {
  jwks: { keys: [await providerKey('PS256'), await providerKey('ES256')] },
  features: {
    fapi: { enabled: true, profile: '2.0' },
    dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
  },
  enabledJWA: { idTokenSigningAlgValues: ['PS256', 'ES256'], clientAuthSigningAlgValues: ['PS256', 'ES256'], dPoPSigningAlgValues: ['ES256', 'PS256'] },
  rotateRefreshToken: true,
};
const FAPI_CLIENT: Partial<ClientMetadata> = {
  token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'PS256', jwks: { keys: [clientJwk] },
  id_token_signed_response_alg: 'PS256', dpop_bound_access_tokens: true, require_pushed_authorization_requests: true,
  grant_types: ['authorization_code', 'refresh_token'],
};

for (const adapter of ADAPTERS) {
  describe(`profile: 'fapi2' (${adapter})`, () => {
    let bed: Testbed;
    before(async () => {
      bed = await startTestbed({
        adapter,
        providerConfiguration: FAPI_PROVIDER,
        client: FAPI_CLIENT,
        oidc: { profile: 'fapi2', tokenEndpointAuthMethod: 'private_key_jwt', privateKey: { key: clientKeys.privateKey, kid: 'client-ps256' }, scope: ['openid', 'email', 'offline_access'] },
        appRoutes: [API_CALL],
      });
    });
    after(() => bed.close());

    test('FAPI-01 a FAPI 2.0 login: pushed, PKCE, private_key_jwt, DPoP-bound tokens, PS256 ID token, iss checked; refresh and an API call keep the binding', async () => {
      bed.op.requests.length = 0;
      const browser = bed.browser();
      const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'alice');
      assert.equal(response.status, 200, response.body);
      const token = bed.op.requests.filter((r) => r.path === '/token');
      assert.ok(token.length >= 1);
      assert.equal(token.at(-1)?.headers['authorization'], undefined, 'no client secret: a signed client assertion');
      assert.equal(typeof token.at(-1)?.headers['dpop'], 'string');
      const tokens = JSON.parse((await browser.request(`${bed.appUrl}/tokens`)).body) as { idToken: string };
      assert.equal(decodeProtectedHeader(tokens.idToken).alg, 'PS256');
      const refreshed = await browser.request(`${bed.appUrl}/api/token?force=1`);
      assert.equal(refreshed.status, 200, refreshed.body);
      const call = JSON.parse((await browser.request(`${bed.appUrl}/api-call?url=${encodeURIComponent(`${bed.op.issuer}/me`)}`)).body) as { status: number };
      assert.equal(call.status, 200);
    });
  });
}

describe('profile: \'fapi2\' refuses what is weaker, at start-up and when the metadata arrives', () => {
  const base = { baseUrl: 'http://localhost:3000', secret: SECRET, issuer: 'https://op.example', clientId: 'fapi-client' };
  const privateKey = clientKeys.privateKey;

  test('FAPI-02 weaker options fail at start-up, naming the option and the fix', async () => {
    const rsa = await generateKeyPair('RS256');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ clientSecret: 'a-secret-of-enough-length-0123456789' }, /`tokenEndpointAuthMethod`: profile "fapi2" requires "private_key_jwt"/],
      [{ tokenEndpointAuthMethod: 'private_key_jwt', privateKey, idTokenSigningAlg: 'RS256' }, /`idTokenSigningAlg`: profile "fapi2" allows PS256, ES256 or EdDSA/],
      [{ tokenEndpointAuthMethod: 'private_key_jwt', privateKey, dpop: false }, /`dpop`: profile "fapi2" requires sender-constrained tokens/],
      [{ tokenEndpointAuthMethod: 'private_key_jwt', privateKey, pushedAuthorizationRequests: 'auto' }, /`pushedAuthorizationRequests`: profile "fapi2" requires pushed authorization requests/],
      [{ tokenEndpointAuthMethod: 'private_key_jwt', privateKey: rsa.privateKey }, /`privateKey`: profile "fapi2" allows client assertions signed with PS256, ES256 or EdDSA only.*RSASSA-PKCS1-v1_5/],
      [{ profile: 'fapi1', clientSecret: 'a-secret-of-enough-length-0123456789' }, /`profile`: "fapi1" is not a profile oidc-kit knows/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => new OpenIDConnect({ ...base, profile: 'fapi2', ...options }), message);
    }
    assert.throws(() => new OpenIDConnect({ ...base, clientSecret: 'a-secret-of-enough-length-0123456789', dpop: { algorithm: 'HS256' } } as unknown as ConstructorParameters<typeof OpenIDConnect>[0]), /`dpop.algorithm`: "HS256" is not offered/);
    // FAPI allows PS256, but an RSA key pair per login start is work anyone can ask for.
    assert.throws(() => new OpenIDConnect({ ...base, clientSecret: 'a-secret-of-enough-length-0123456789', dpop: { algorithm: 'PS256' } } as unknown as ConstructorParameters<typeof OpenIDConnect>[0]), /`dpop.algorithm`: "PS256" is not offered; use "ES256" \(default\) or "EdDSA"/);
    assert.throws(() => new OpenIDConnect({ ...base, clientSecret: 'a-secret-of-enough-length-0123456789', pushedAuthorizationRequests: 'yes' } as unknown as ConstructorParameters<typeof OpenIDConnect>[0]), /`pushedAuthorizationRequests`: use "auto"/);
    // Static metadata is checked at once.
    assert.throws(() => new OpenIDConnect({
      ...base, clientSecret: 'a-secret-of-enough-length-0123456789', pushedAuthorizationRequests: 'required',
      providerMetadata: { issuer: 'https://op.example', authorization_endpoint: 'https://op.example/a', token_endpoint: 'https://op.example/t', jwks_uri: 'https://op.example/k' },
    }), /`providerMetadata`: The provider https:\/\/op.example publishes no pushed_authorization_request_endpoint/);
  });

  test('FAPI-03 a provider whose metadata lacks what FAPI 2.0 needs is refused at /login with the gap named, and nothing is sent to it', async () => {
    const bed = await startHostileBed({ oidc: { profile: 'fapi2', tokenEndpointAuthMethod: 'private_key_jwt', privateKey, idTokenSigningAlg: 'PS256' } });
    try {
      const complete = { ...bed.op.metadata, pushed_authorization_request_endpoint: `${bed.op.issuer}/par`, dpop_signing_alg_values_supported: ['ES256'], id_token_signing_alg_values_supported: ['PS256', 'ES256'] };
      const gaps: Array<[string, unknown, RegExp]> = [
        ['pushed_authorization_request_endpoint', undefined, /publishes no pushed_authorization_request_endpoint/],
        ['dpop_signing_alg_values_supported', undefined, /publishes no dpop_signing_alg_values_supported/],
        ['dpop_signing_alg_values_supported', ['PS256'], /accepts DPoP proofs signed with PS256, not ES256/],
        ['authorization_response_iss_parameter_supported', undefined, /authorization_response_iss_parameter_supported: true/],
        ['code_challenge_methods_supported', ['plain'], /does not list S256/],
        ['token_endpoint_auth_methods_supported', ['client_secret_basic'], /does not list private_key_jwt/],
        ['id_token_signing_alg_values_supported', ['RS256', 'ES256'], /does not sign ID tokens with PS256.*set idTokenSigningAlg to ES256/],
      ];
      for (const [member, value, message] of gaps) {
        bed.op.metadata = { ...complete, [member]: value };
        if (value === undefined) delete bed.op.metadata[member];
        bed.op.clear();
        const answer = await bed.browser().request(`${bed.appUrl}/login`, { headers: { accept: 'application/json' } });
        assert.equal(answer.status, 502, `${member}: ${answer.body}`);
        assert.match((JSON.parse(answer.body) as { error_description: string }).error_description, message);
        assert.equal(bed.op.count('/par') + bed.op.count('/token') + bed.op.count('/authorize'), 0, 'nothing sent');
      }
    } finally {
      await bed.close();
    }
  });
});

describe('a short authorization code lifetime', () => {
  test('FAPI-04 a code that expired before the callback redeemed it is 400 invalid_grant with a new login offered (retry_url), not a dead end', async () => {
    const bed = await startTestbed({ providerConfiguration: { ttl: { AuthorizationCode: 1 } } });
    try {
      const browser = bed.browser();
      const { stoppedAt } = await loginThroughProvider(browser, `${bed.appUrl}/login?returnTo=%2Freports%2Fq3`, 'erin', { stopWhen: (url) => url.pathname === '/callback' });
      assert.ok(stoppedAt);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const answer = await browser.request(stoppedAt, { headers: { accept: 'application/json' } });
      assert.equal(answer.status, 400, answer.body);
      const body = JSON.parse(answer.body) as { error: string; retry_url: string };
      assert.equal(body.error, 'invalid_grant');
      assert.equal(body.retry_url, `${bed.appUrl}/login?returnTo=${encodeURIComponent(`${bed.appUrl}/reports/q3`)}`);
    } finally {
      await bed.close();
    }
  });
});
