/**
 * `client_secret_basic` against both kinds of provider (issue 24, interop): one that form-decodes
 * the Basic credentials, as RFC 6749 §2.3.1 asks, and one that reads them as sent (Glewlwyd 2.7,
 * LemonLDAP::NG 2.16). oidc-kit encodes exactly what the form serializer encodes: `-`, `.`, `_`
 * and `*` stay as they are, so ids and secrets made of those work at both; other punctuation is
 * encoded, which a decoding provider reads back. Over real HTTP, through every adapter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { authMethodNote } from '../../src/provider/auth-method-note.ts';
import { basicCredentials } from '../../src/provider/client-secret-basic.ts';
import { attempt, startHostileBed, type HostileBed } from '../support/hostile-bed.ts';
import { PACKAGE_ADAPTERS } from '../support/test-app.ts';

const PUNCTUATED_ID = 'my-app.v2_prod*1';
const PUNCTUATED_SECRET = 's3cr-et.value_with*marks-0123456789';

describe('basicCredentials: the form serializer\'s encoding, nothing more', () => {
  test('letters, digits, - . _ * are sent as they are; space is +; ~ ! \' ( ) : % + / and non-ASCII are percent-encoded', () => {
    const decoded = (header: string): string => Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
    assert.equal(decoded(basicCredentials(PUNCTUATED_ID, PUNCTUATED_SECRET)), `${PUNCTUATED_ID}:${PUNCTUATED_SECRET}`);
    assert.equal(decoded(basicCredentials('a b', "~!'():%+/é")), 'a+b:%7E%21%27%28%29%3A%25%2B%2F%C3%A9');
  });
});

describe('authMethodNote: which client authentication is used, when the provider suggests another', () => {
  test('nothing to say: the method is listed first, or after a non-secret method, or the provider lists none', () => {
    assert.equal(authMethodNote('https://op', ['client_secret_basic', 'client_secret_post'], 'client_secret_basic'), undefined);
    assert.equal(authMethodNote('https://op', ['private_key_jwt', 'client_secret_basic'], 'client_secret_basic'), undefined);
    assert.equal(authMethodNote('https://op', undefined, 'client_secret_basic'), undefined);
    assert.equal(authMethodNote('https://op', [], 'client_secret_post'), undefined);
  });

  test('only client_secret_post, or it first: names the method used, the option and the fix', () => {
    const only = authMethodNote('https://op', ['client_secret_post'], 'client_secret_basic');
    assert.match(only ?? '', /^https:\/\/op lists token_endpoint_auth_methods_supported \["client_secret_post"\]; oidc-kit uses client_secret_basic \(option tokenEndpointAuthMethod, which the provider does not list\)\. If token requests fail with invalid_client, set tokenEndpointAuthMethod: 'client_secret_post'/);
    const first = authMethodNote('https://op', ['client_secret_post', 'client_secret_basic'], 'client_secret_basic');
    assert.match(first ?? '', /oidc-kit uses client_secret_basic \(option tokenEndpointAuthMethod\)\. If token requests fail/);
    assert.match(authMethodNote('https://op', ['client_secret_basic'], 'client_secret_post') ?? '', /set tokenEndpointAuthMethod: 'client_secret_basic'/);
  });
});

for (const adapter of PACKAGE_ADAPTERS) {
  describe(`client_secret_basic at providers that decode and that do not (${adapter})`, () => {
    let raw: HostileBed;
    let decoding: HostileBed;
    before(async () => {
      raw = await startHostileBed({ adapter, provider: { clientId: PUNCTUATED_ID, clientSecret: PUNCTUATED_SECRET } });
      raw.op.client.basicDecoding = 'raw';
      decoding = await startHostileBed({ adapter, provider: { clientId: 'app with spaces~(1)', clientSecret: "p@ss:w/rd %+&=?#~!'()é" } });
    });
    after(async () => {
      await raw?.close();
      await decoding?.close();
    });

    test('a provider that does not decode: an id and secret with - . _ * log in', async () => {
      const result = await attempt(raw);
      assert.equal(result.status, 200, `logged in (${result.error ?? ''} ${result.reason ?? ''})`);
      assert.equal(result.sub, 'alice');
      const header = raw.op.requestsTo('/token')[0]?.headers.authorization ?? '';
      assert.equal(Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8'), `${PUNCTUATED_ID}:${PUNCTUATED_SECRET}`, 'sent as they are');
    });

    test('a provider that lists client_secret_post first: the log says which method is used and how to change it', async () => {
      const bed = await startHostileBed({ adapter });
      try {
        bed.op.metadata['token_endpoint_auth_methods_supported'] = ['client_secret_post', 'client_secret_basic'];
        const result = await attempt(bed);
        assert.equal(result.status, 200, 'the default method still works where it is listed');
        const notes = bed.warnings.filter((warning) => warning.message.includes('token_endpoint_auth_methods_supported'));
        assert.equal(notes.length, 1, 'said once');
        assert.match(notes[0]!.message, /oidc-kit uses client_secret_basic/);
        await attempt(bed);
        assert.equal(bed.warnings.filter((warning) => warning.message.includes('token_endpoint_auth_methods_supported')).length, 1, 'not again');
      } finally {
        await bed.close();
      }
    });

    test('a provider that refuses the client: 502 provider_error:client_refused, what it said, what to check; logged with status and description', async () => {
      const bed = await startHostileBed({ adapter });
      try {
        bed.op.fault = (request) => (request.path === '/token'
          ? { status: 400, body: { error: 'unauthorized_client', error_description: 'client not allowed: code grant disabled' } }
          : undefined);
        const result = await attempt(bed);
        assert.equal(result.status, 502);
        assert.equal(result.error, 'provider_error');
        assert.equal(result.reason, 'client_refused');
        const page = await result.browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
        assert.deepEqual(JSON.parse(page.body), { authenticated: false, sub: null }, 'no session');
        const logged = bed.warnings.find((warning) => warning.details?.['reason'] === 'client_refused');
        assert.ok(logged, 'logged');
        assert.equal(logged.details?.['oauthErrorDescription'], 'client not allowed: code grant disabled');
        assert.match(String(logged.details?.['message']), /refused this app's client \(400 unauthorized_client\): check the client id, the client secret and the token endpoint authentication method/);

        bed.op.fault = undefined;
        bed.op.client.clientSecret = 'not-what-the-app-sends-0123456789';
        const wrongSecret = await attempt(bed);
        assert.equal(wrongSecret.status, 502);
        assert.equal(wrongSecret.reason, 'client_refused', 'a wrong secret (401 invalid_client) too');
      } finally {
        await bed.close();
      }
    });

    test('a provider that decodes: any punctuation and non-ASCII log in', async () => {
      const result = await attempt(decoding);
      assert.equal(result.status, 200, `logged in (${result.error ?? ''} ${result.reason ?? ''})`);
      assert.equal(result.sub, 'alice');
    });
  });
}
