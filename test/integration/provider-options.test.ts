/**
 * Provider-facing options over real HTTP: Flask-OIDC's client_secrets.json, the token endpoint
 * authentication method, static metadata, and the optional claim checks Flask-OIDC offered
 * (verified e-mail, Google Workspace domain, accepted issuers). On every adapter.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loginThroughProvider } from '../support/browser.ts';
import { exportJWK, generateKeyPair } from 'jose';
import { ADAPTERS, CLIENT_SECRET, withTestbed, type Testbed } from '../support/testbed.ts';

for (const adapter of ADAPTERS) {
  describe(`client_secrets.json and client authentication (${adapter})`, () => {
    test('a Flask-OIDC client_secrets.json (path) logs a user in with client_secret_post', async () => {
      await withTestbed({
        adapter,
        client: { token_endpoint_auth_method: 'client_secret_post' },
        oidc: ({ issuer, appUrl }) => {
          const file = join(mkdtempSync(join(tmpdir(), 'oidc-kit-')), 'client_secrets.json');
          writeFileSync(file, JSON.stringify({
            web: { client_id: 'demo-client', client_secret: CLIENT_SECRET, issuer, redirect_uris: [`${appUrl}/callback`] },
          }));
          return { clientId: undefined, clientSecret: undefined, clientSecrets: file, tokenEndpointAuthMethod: 'client_secret_post' };
        },
      }, async (bed) => {
        const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'alice');
        assert.equal(response.status, 200);
        assert.equal((JSON.parse(response.body) as { sub: string }).sub, 'alice');
      });
    });

    test('the endpoints of a client_secrets.json are used (auth_uri, token_uri, userinfo_uri)', async () => {
      let tokenUri = '';
      await withTestbed({
        adapter,
        oidc: ({ issuer }) => {
          tokenUri = `${issuer}/token`;
          return {
            clientId: undefined,
            clientSecret: undefined,
            clientSecrets: { web: { client_id: 'demo-client', client_secret: CLIENT_SECRET, issuer, auth_uri: `${issuer}/auth`, token_uri: tokenUri, userinfo_uri: `${issuer}/me` } },
          };
        },
      }, async (bed) => {
        const start = await bed.browser().request(`${bed.appUrl}/login`);
        assert.ok(start.headers.get('location')!.startsWith(`${bed.op.issuer}/auth?`));
        const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'dora');
        assert.equal((JSON.parse(response.body) as { email: string }).email, 'dora@example.com');
      });
    });

    test('client credentials the provider refuses give 502 without showing the secret, and no session', async () => {
      const wrongSecret = 'a-wrong-client-secret-0123456789-abcdef';
      await withTestbed({ adapter, oidc: { clientSecret: wrongSecret } }, async (bed) => {
        const browser = bed.browser();
        const { response } = await loginThroughProvider(browser, `${bed.appUrl}/login`, 'alice');
        assert.equal(response.status, 502);
        assert.match(response.body, /provider_error/);
        assert.match(response.body, /invalid_client|refused/);
        assert.doesNotMatch(response.body, new RegExp(wrongSecret), 'the secret never appears');
        assert.doesNotMatch(JSON.stringify(bed.warnings), new RegExp(wrongSecret), 'nor in the logs');
        assert.equal([...browser.cookies(bed.appUrl).keys()].includes('oidc_session'), false);
      });
    });
  });

  describe(`claim checks (${adapter})`, () => {
    test('requireVerifiedEmail refuses an unverified e-mail with 403 and accepts a verified one', async () => {
      await withTestbed({
        adapter,
        accountClaims: (id) => ({ email_verified: id !== 'unverified' }),
        oidc: { requireVerifiedEmail: true },
      }, async (bed) => {
        const refused = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'unverified');
        assert.equal(refused.response.status, 403);
        assert.match(refused.response.body, /claim_check_failed:email_verified/);
        const accepted = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'verified');
        assert.equal(accepted.response.status, 200);
      });
    });

    test('googleAppsDomain sends hd and requires the hd claim to match', async () => {
      await withTestbed({
        adapter,
        accountClaims: (id) => ({ hd: id.endsWith('.corp') ? 'corp.example' : 'gmail.example' }),
        oidc: { googleAppsDomain: 'corp.example' },
      }, async (bed) => {
        const start = await bed.browser().request(`${bed.appUrl}/login`);
        assert.equal(new URL(start.headers.get('location')!).searchParams.get('hd'), 'corp.example');
        const outsider = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'eve');
        assert.equal(outsider.response.status, 403);
        assert.match(outsider.response.body, /corp\.example/);
        const insider = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'ann.corp');
        assert.equal(insider.response.status, 200);
      });
    });

    test('acceptedIssuers (Flask-OIDC OIDC_VALID_ISSUERS) carries over when it includes the issuer', async () => {
      await withTestbed({ adapter, oidc: ({ issuer }) => ({ acceptedIssuers: ['https://accounts.google.com', issuer] }) }, async (bed) => {
        const accepted = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'alice');
        assert.equal(accepted.response.status, 200);
      });
    });

    test('a custom callback path and a full redirect URI override are honoured', async () => {
      await withTestbed({
        adapter,
        oidc: ({ appUrl }) => ({ routes: { callback: '/oidc_callback' }, redirectUri: `${appUrl}/oidc_callback` }),
      }, async (bed) => {
        const start = await bed.browser().request(`${bed.appUrl}/login`);
        assert.equal(new URL(start.headers.get('location')!).searchParams.get('redirect_uri'), `${bed.appUrl}/oidc_callback`);
        assert.ok(start.setCookies.some((c) => /Path=\/oidc_callback/.test(c)), 'transaction cookie scoped to the callback path');
        const { response, visited } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'alice');
        assert.ok(visited.some((u) => u.pathname === '/oidc_callback'));
        assert.equal(response.status, 200);
      });
    });
  });

  describe(`discovery and client authentication on the wire (${adapter})`, () => {
    const requestsTo = (bed: Testbed, path: string) => bed.op.requests.filter((r) => r.path === path);

    /** The client id and secret of an HTTP Basic header, form-decoded as RFC 6749 §2.3.1 requires. */
    function basicCredentials(header: string | undefined): [string, string] | undefined {
      if (!header?.startsWith('Basic ')) return undefined;
      const [id = '', secret = ''] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      return [decodeURIComponent(id), decodeURIComponent(secret)];
    }

    test('discovery happens once, lazily, however many requests arrive at once', async () => {
      await withTestbed({ adapter }, async (bed) => {
        assert.equal(bed.op.requests.length, 0, 'nothing fetched at start-up');
        const answers = await Promise.all(Array.from({ length: 20 }, () => bed.browser().request(`${bed.appUrl}/login`)));
        assert.ok(answers.every((a) => a.status === 302));
        await bed.browser().request(`${bed.appUrl}/login`);
        assert.equal(requestsTo(bed, '/.well-known/openid-configuration').length, 1);
      });
    });

    test('BAS-14, EXT-24: client_secret_basic (the default) sends an Authorization header; client_secret_post does not', async () => {
      await withTestbed({ adapter }, async (bed) => {
        await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'alice');
        assert.deepEqual(basicCredentials(requestsTo(bed, '/token')[0]?.headers.authorization), ['demo-client', CLIENT_SECRET]);

        bed.op.requests.length = 0;
        bed.reconfigure({ tokenEndpointAuthMethod: 'client_secret_post' });
        const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'alice');
        assert.equal(response.status, 200);
        assert.equal(requestsTo(bed, '/token')[0]?.headers.authorization, undefined);
      });
    });

    test('private_key_jwt authenticates with a signed client assertion', async () => {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      await withTestbed({
        adapter,
        client: { token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS256', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'app-key' }] } },
        oidc: { tokenEndpointAuthMethod: 'private_key_jwt', clientSecret: undefined, privateKey: { key: privateKey, kid: 'app-key' } },
      }, async (bed) => {
        const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'alice');
        assert.equal(response.status, 200);
        const token = bed.op.requests.find((r) => r.path === '/token');
        assert.ok(token, 'the code was redeemed');
        assert.equal(token.headers.authorization, undefined, 'no Basic credentials');
      });
    });
  });
}
