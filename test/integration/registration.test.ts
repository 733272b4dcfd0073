/**
 * Dynamic client registration (DYN-04, DCR-01 … DCR-07) and discovery (DISC-*), against the
 * in-process oidc-provider with registration enabled behind an initial access token, and against a
 * small scripted registration endpoint for answers oidc-provider never gives. The app registering
 * itself runs on every adapter.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import type { Configuration } from 'oidc-provider';

import { discover, findIssuer, MemoryStore, OidcError, registerClient, RegistrationError, type ProviderMetadata, type SessionStore } from '../../src/index.ts';
import { loginThroughProvider } from '../support/browser.ts';
import { serveTestApp } from '../support/test-app.ts';
import { ADAPTERS, SECRET, startTestbed, type Testbed } from '../support/testbed.ts';

const INITIAL_ACCESS_TOKEN = 'initial-access-token-0123456789';
/** Punctuation a client id and secret may contain (DCR-02, BAS-14; VSCHAR, RFC 6749 App. A): each must survive every request. */
const PUNCTUATED_ID = 'app id:%+/#&?=';
const PUNCTUATED_SECRET = 'secret with space:%+/#&?=-0123456789';

function registrationProvider(extra: Record<string, unknown> = {}): Partial<Configuration> {
  return { features: { registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN, ...extra } } };
}

/** oidc-kit options for a client that registers itself (the testbed's static client is taken out). */
function selfRegistering(extra: Record<string, unknown> = {}) {
  return { clientId: undefined, clientSecret: undefined, registration: { metadata: { client_name: 'oidc-kit test' }, initialAccessToken: INITIAL_ACCESS_TOKEN }, ...extra };
}

const registrations = (bed: Testbed): number => bed.op.requests.filter((r) => r.method === 'POST' && r.path === '/reg').length;

describe('registerClient and discover (library)', () => {
  let bed: Testbed;
  let metadata: ProviderMetadata;
  before(async () => {
    bed = await startTestbed({ providerConfiguration: registrationProvider() });
    metadata = await discover(bed.op.issuer);
  });
  after(() => bed.close());

  test('DISC-01, DISC-02: discover returns the metadata of exactly the issuer asked for', async () => {
    assert.equal(metadata.issuer, bed.op.issuer);
    assert.equal(metadata.registration_endpoint, `${bed.op.issuer}/reg`);
    await assert.rejects(discover(`${bed.op.issuer}/`), (e: OidcError) => e.code === 'discovery_issuer_mismatch', 'DISC-01: a trailing slash is another issuer');
    await assert.rejects(discover(bed.op.issuer.replace(/^http:/, 'HTTP:')), (e: OidcError) => e.code === 'discovery_issuer_mismatch', 'DISC-01: so is another spelling of the scheme');
    await assert.rejects(discover(`${bed.op.issuer}?x=1`), (e: OidcError) => e.code === 'provider_error' && /query/.test(e.message), 'DISC-02');
    await assert.rejects(discover('http://provider.example.com'), (e: OidcError) => e.code === 'provider_error' && /https/.test(e.message), 'DISC-02: http off loopback');
    await assert.rejects(discover('http://127.0.0.1:1'), (e: OidcError) => e.code === 'provider_unavailable');
  });

  test('DCR-05: a registration with the initial access token gets a client; the request is what DCR-01 asks for', async () => {
    const registered = await registerClient(metadata, [`${bed.appUrl}/callback`], { client_name: 'x', contacts: ['ops@example.com'] }, { initialAccessToken: INITIAL_ACCESS_TOKEN });
    assert.equal(typeof registered.client_id, 'string');
    assert.equal(typeof registered.client_secret, 'string');
    assert.deepEqual(registered.redirect_uris, [`${bed.appUrl}/callback`]);
    assert.equal(registered.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(registered.client_name, 'x');
    assert.equal(registered.application_type, 'native', 'an http://127.0.0.1 redirect URI makes a native client, as Flask-OIDC deduces');
    assert.equal(typeof registered.registration_access_token, 'string', 'DCR-05: kept');
    assert.ok(registered.registration_client_uri?.startsWith(bed.op.issuer), 'DCR-05: same origin, kept');
  });

  test('DCR-06: refusals carry the provider\'s error, and nothing is retried', async () => {
    const before = registrations(bed);
    await assert.rejects(registerClient(metadata, [`${bed.appUrl}/callback`]), (e: RegistrationError) =>
      e instanceof RegistrationError && e.code === 'registration_failed' && e.error === 'invalid_token' && e.httpStatus === 401);
    await assert.rejects(registerClient(metadata, [`${bed.appUrl}/callback`], {}, { initialAccessToken: 'wrong' }), (e: RegistrationError) => e.error === 'invalid_token');
    await assert.rejects(registerClient(metadata, [`${bed.appUrl}/callback`], { subject_type: 'pairwise-nonsense' }, { initialAccessToken: INITIAL_ACCESS_TOKEN }), (e: RegistrationError) =>
      e.error === 'invalid_client_metadata' && e.httpStatus === 400 && typeof e.errorDescription === 'string');
    assert.equal(registrations(bed) - before, 3, 'one request per call');
  });

  test('DYN-04, DCR-07: bad arguments fail before anything is sent', async () => {
    const before = registrations(bed);
    await assert.rejects(registerClient(metadata, []), /at least one redirect URI/);
    await assert.rejects(registerClient(metadata, ['https://app.example.com/cb', 'http://localhost/cb']), /mix/);
    await assert.rejects(registerClient(metadata, ['https://app.example.com/cb#x']), /fragment/);
    await assert.rejects(registerClient(metadata, ['https://app.example.com/cb'], { logo_uri: 'not a url' }), /logo_uri/);
    await assert.rejects(registerClient(metadata, ['https://app.example.com/cb'], { jwks_uri: 'https://a/j', jwks: { keys: [] } }), /not both/);
    await assert.rejects(registerClient(metadata, ['https://app.example.com/cb'], { id_token_encrypted_response_enc: 'A128GCM' }), /id_token_encrypted_response_alg/);
    await assert.rejects(registerClient({ ...metadata, registration_endpoint: undefined }, ['https://app.example.com/cb']), (e: RegistrationError) =>
      e instanceof RegistrationError && e.reason === 'no_registration_endpoint' && /register the client by hand/.test(e.message));
    assert.equal(registrations(bed), before);
  });
});

for (const adapter of ADAPTERS) {
  describe(`a client that registers itself at run time (Flask-pyoidc ClientRegistrationInfo) (${adapter})`, () => {
    let bed: Testbed;
    before(async () => {
      bed = await startTestbed({
        adapter,
        providerConfiguration: registrationProvider({ idFactory: () => PUNCTUATED_ID, secretFactory: () => PUNCTUATED_SECRET }),
        oidc: selfRegistering({ routes: { backchannelLogout: '/backchannel-logout' } }),
      });
    });
    after(() => bed.close());

    test('DYN-04, DCR-01, DCR-02, BAS-14: the first login registers, with the app\'s URIs, and logs in; punctuated credentials work in every request', async () => {
      assert.equal(registrations(bed), 0, 'nothing happens before first use');
      const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'alice');
      assert.equal(response.status, 200);
      assert.equal(JSON.parse(response.body).sub, 'alice');
      assert.equal(registrations(bed), 1);
      const client = await bed.op.provider.Client.find(PUNCTUATED_ID);
      assert.ok(client, 'registered under the id the provider chose');
      assert.deepEqual(client.redirectUris, [`${bed.appUrl}/callback`]);
      assert.deepEqual(client.postLogoutRedirectUris, [`${bed.appUrl}/logout/callback`]);
      assert.equal(client.backchannelLogoutUri, `${bed.appUrl}/backchannel-logout`);
      assert.equal(client.applicationType, 'web', 'DCR-01: a web application');
      assert.equal(client.clientName, 'oidc-kit test');
      // The token endpoint saw the credentials form-encoded in Basic auth (RFC 6749 §2.3.1).
      const tokenRequest = bed.op.requests.find((r) => r.path === '/token');
      const basic = Buffer.from(String(tokenRequest?.headers.authorization).slice('Basic '.length), 'base64').toString();
      const parts = basic.split(':');
      assert.equal(parts.length, 2, 'both parts form-encoded, so the only raw ":" is the separator');
      const formDecode = (part: string): string => decodeURIComponent(part.replace(/\+/g, ' '));
      assert.deepEqual(parts.map(formDecode), [PUNCTUATED_ID, PUNCTUATED_SECRET]);
    });

    test('DCR-02: later logins, a refresh and logout at the provider all use the registered client', async () => {
      const browser = bed.browser();
      const { response } = await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'bob');
      assert.equal(response.status, 200);
      const first = JSON.parse((await browser.request(`${bed.appUrl}/api/token`)).body) as { accessToken: string };
      const refreshed = JSON.parse((await browser.request(`${bed.appUrl}/api/token?force=1`)).body) as { accessToken: string };
      assert.notEqual(refreshed.accessToken, first.accessToken, 'the refresh grant authenticated with the punctuated credentials');
      const logout = await browser.request(`${bed.appUrl}/logout`, { method: 'POST', headers: { origin: bed.appUrl, 'sec-fetch-site': 'same-origin' } });
      assert.equal(logout.status, 303);
      assert.equal(new URL(logout.headers.get('location')!).searchParams.get('client_id'), PUNCTUATED_ID);
      assert.equal(registrations(bed), 1, 'still the one registration');
    });
  });

  describe(`one registration shared by instances through the store (${adapter})`, () => {
    test('two instances starting together register once; a restart reads the store; another secret registers anew', async () => {
      const store = new RecordingStore();
      const bed = await startTestbed({ adapter, providerConfiguration: registrationProvider(), oidc: selfRegistering({ session: { store } }) });
      // Instance B: the same configuration and store, in its own server (the testbed's app is instance A).
      const b = await serveTestApp(adapter, () => ({ baseUrl: bed.appUrl, secret: SECRET, issuer: bed.op.issuer, ...selfRegistering({ session: { store } }), logger: { warn() {} } }));
      try {
        const urlB = b.url;
        const [startA, startB] = await Promise.all([
          fetch(`${bed.appUrl}/login`, { redirect: 'manual' }),
          fetch(`${urlB}/login`, { redirect: 'manual' }),
        ]);
        assert.equal(startA.status, 302);
        assert.equal(startB.status, 302);
        assert.equal(registrations(bed), 1, 'the second instance waited for the first one\'s registration');
        assert.equal(new URL(startA.headers.get('location')!).searchParams.get('client_id'), new URL(startB.headers.get('location')!).searchParams.get('client_id'));
        const keys = [...store.keys].filter((k) => k.startsWith('registration:') && !k.endsWith(':lock'));
        assert.equal(keys.length, 1);
        assert.doesNotMatch(JSON.stringify(await store.get(keys[0]!)), /client_secret|client_id/, 'the record is sealed: nothing readable in the store');

        bed.reconfigure(selfRegistering({ session: { store } }));
        const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'carol');
        assert.equal(response.status, 200, 'the restarted app logs in with the stored registration');
        assert.equal(registrations(bed), 1);

        bed.reconfigure({ ...selfRegistering({ session: { store } }), secret: 'a-completely-different-secret-0123456789' });
        assert.equal((await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'dave')).response.status, 200);
        assert.equal(registrations(bed), 2, 'a record sealed with a retired secret cannot be read: register again');
      } finally {
        await b.close();
        await bed.close();
      }
    });

    test('DCR-06: a refused registration is a 502 registration_failed page, repeated without registering again for a while', async () => {
      const bed = await startTestbed({ adapter, providerConfiguration: registrationProvider(), oidc: selfRegistering({ registration: { initialAccessToken: 'wrong-token' } }) });
      try {
        const login = await bed.browser().request(`${bed.appUrl}/login`, { headers: { accept: 'application/json' } });
        assert.equal(login.status, 502);
        assert.equal(JSON.parse(login.body).error, 'registration_failed');
        assert.doesNotMatch(login.body, /wrong-token/);
        const again = await bed.browser().request(`${bed.appUrl}/login`, { headers: { accept: 'application/json' } });
        assert.equal(again.status, 502);
        assert.equal(JSON.parse(again.body).error, 'registration_failed');
        assert.equal(registrations(bed), 1, 'DCR-06: a refusal is not retried blindly on every request');
        assert.ok(bed.warnings.every((w) => !JSON.stringify(w).includes('wrong-token')), 'the token is never logged');
      } finally {
        await bed.close();
      }
    });

    test('a client deleted at the provider is noticed at its token endpoint (invalid_client) and registered again', async () => {
      const bed = await startTestbed({ adapter, providerConfiguration: registrationProvider(), oidc: selfRegistering() });
      try {
        const browser = bed.browser();
        assert.equal((await loginThroughProvider(browser, `${bed.appUrl}/profile`, 'alice')).response.status, 200);
        const first = /as client (\S+)$/.exec(bed.warnings.find((w) => w.message.startsWith('registered at'))!.message)![1]!;
        // Deleted the way the provider's own management would: gone from its client storage.
        const storage = (bed.op.provider.Client as unknown as { adapter: { destroy(id: string): Promise<void> } }).adapter;
        await storage.destroy(first);

        const refresh = await browser.request(`${bed.appUrl}/api/token?force=1`, { headers: { accept: 'application/json' } });
        assert.equal(refresh.status, 502, 'the refresh is refused: the client is gone');
        assert.ok(bed.warnings.some((w) => w.message.includes(`refused the registered client ${first} (invalid_client); it will register again`)));

        const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'alice');
        assert.equal(response.status, 200, 'the next login registers anew and works');
        assert.equal(registrations(bed), 2);
      } finally {
        await bed.close();
      }
    });

    test('the store failing during registration is a 503, not a registration per request', async () => {
      const failing: SessionStore = { get: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')), delete: () => Promise.resolve() };
      const bed = await startTestbed({ adapter, providerConfiguration: registrationProvider(), oidc: selfRegistering({ session: { store: failing } }) });
      try {
        const login = await bed.browser().request(`${bed.appUrl}/login`, { headers: { accept: 'application/json' } });
        assert.equal(login.status, 503);
        assert.equal(JSON.parse(login.body).error, 'session_store_unavailable');
        assert.equal(registrations(bed), 0);
      } finally {
        await bed.close();
      }
    });
  });

}

describe('answers oidc-provider never gives (a scripted registration endpoint)', () => {
  let server: Server;
  let issuer: string;
  let answer: (body: Record<string, unknown>, req: IncomingMessage) => { status: number; body: unknown; headers?: Record<string, string> };
  const received: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];
  /** The discovery answer, given the good document; each test sets what it needs. */
  let discovery: (good: Record<string, unknown>) => { status?: number; contentType?: string; body: unknown } = (good) => ({ body: good });
  const goodMetadata = (iss: string): Record<string, unknown> => ({
    issuer: iss, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
    registration_endpoint: `${issuer}/register`, response_types_supported: ['code'], subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  });
  before(async () => {
    server = createServer((req, res) => void handle(req, res));
    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const url = new URL(req.url ?? '/', issuer);
      if (url.pathname === '/.well-known/openid-configuration') {
        const out = discovery(goodMetadata(issuer));
        res.writeHead(out.status ?? 200, { 'content-type': out.contentType ?? 'application/json' });
        res.end(typeof out.body === 'string' ? out.body : JSON.stringify(out.body));
        return;
      }
      if (url.pathname === '/tenant/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(goodMetadata(`${issuer}/tenant/`)));
        return;
      }
      if (url.pathname === '/.well-known/webfinger') {
        res.setHeader('content-type', 'application/jrd+json');
        const resource = url.searchParams.get('resource') ?? '';
        const user = /^acct:([^@]+)@/.exec(resource)?.[1];
        const issuerLink = (href: string) => ({ rel: 'http://openid.net/specs/connect/1.0/issuer', href });
        const links = user === 'two' ? [issuerLink(issuer), issuerLink(issuer)]
          : user === 'plain' ? [issuerLink('http://op.example.com')]
            : user === 'none' ? [{ rel: 'other', href: 'https://x' }]
              : [{ rel: 'other', href: 'https://x' }, issuerLink(issuer)];
        res.end(JSON.stringify({ subject: resource, links }));
        return;
      }
      const body = JSON.parse(await text(req)) as Record<string, unknown>;
      received.push({ headers: req.headers, body });
      const out = answer(body, req);
      res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
      res.end(JSON.stringify(out.body));
    };
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const uris = ['https://app.example.com/callback'];

  test('DISC-03, CFG-01: an issuer with a path and a trailing slash is fetched without the slash doubled and compared exactly', async () => {
    assert.equal((await discover(`${issuer}/tenant/`)).issuer, `${issuer}/tenant/`);
    await assert.rejects(discover(`${issuer}/tenant`), (e: OidcError) => e.code === 'discovery_issuer_mismatch', 'the same document, but the issuer asked for lacks the slash');
  });

  test('DISC-04, DISC-05, BAS-18, BCP-19: a document without a required member, with a wrong type or an http endpoint elsewhere is refused', async () => {
    try {
      for (const member of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'response_types_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported']) {
        discovery = (good) => ({ body: { ...good, [member]: undefined } });
        await assert.rejects(discover(issuer), (e: OidcError) => e.code === 'provider_error' && e.reason === `metadata:${member}`, member);
      }
      discovery = (good) => ({ body: { ...good, response_types_supported: 'code' } });
      await assert.rejects(discover(issuer), (e: OidcError) => e.reason === 'metadata:response_types_supported');
      discovery = (good) => ({ body: { ...good, scopes_supported: ['openid', 7] } });
      await assert.rejects(discover(issuer), (e: OidcError) => e.reason === 'metadata:scopes_supported');
      discovery = (good) => ({ body: { ...good, jwks_uri: 42 } });
      await assert.rejects(discover(issuer), (e: OidcError) => e.reason === 'metadata:jwks_uri');
      for (const member of ['token_endpoint', 'jwks_uri', 'userinfo_endpoint']) {
        discovery = (good) => ({ body: { ...good, [member]: 'http://op.example.com/x' } });
        await assert.rejects(discover(issuer), (e: OidcError) => e.reason === `metadata:${member}` && /not https/.test(e.message), `${member} over http off loopback`);
      }
      discovery = (good) => ({ body: { ...good, unknown_member: { anything: true } } });
      assert.equal((await discover(issuer)).issuer, issuer, 'unknown members are ignored');
    } finally {
      discovery = (good) => ({ body: good });
    }
  });

  test('DISC-06: a non-200, non-JSON or oversized document fails cleanly, and discovery works again once it is fixed', async () => {
    try {
      discovery = () => ({ status: 500, body: { error: 'server_error' } });
      await assert.rejects(discover(issuer), (e: OidcError) => e.code === 'provider_error');
      discovery = (good) => ({ contentType: 'text/html', body: `<html>${JSON.stringify(good)}</html>` });
      await assert.rejects(discover(issuer), (e: OidcError) => e.code === 'provider_error');
      discovery = (good) => ({ body: { ...good, padding: 'x'.repeat(600 * 1024) } });
      await assert.rejects(discover(issuer), (e: OidcError) => e.code === 'provider_error', 'more than 512 KB');
      discovery = () => ({ body: '{"issuer": ' });
      await assert.rejects(discover(issuer), (e: OidcError) => e.code === 'provider_error', 'truncated JSON');
    } finally {
      discovery = (good) => ({ body: good });
    }
    assert.equal((await discover(issuer)).issuer, issuer);
  });

  test('DCR-07: URIs the provider fetches must be https', async () => {
    const metadata = await discover(issuer);
    const before = received.length;
    for (const extra of [{ jwks_uri: 'http://keys.example.com/jwks' }, { sector_identifier_uri: 'http://app.example.com/s.json' }, { request_uris: ['http://app.example.com/r'] }]) {
      await assert.rejects(registerClient(metadata, uris, extra), /must be https/);
    }
    assert.equal(received.length, before, 'nothing sent');
  });

  test('DCR-01, DYN-04: POST application/json with the redirect URIs, application_type and the bearer initial access token', async () => {
    answer = (body) => ({ status: 201, body: { ...body, client_id: 'c1', client_secret: 's1', client_secret_expires_at: 0 } });
    await registerClient(await discover(issuer), uris, {}, { initialAccessToken: 'iat' });
    const last = received.at(-1)!;
    assert.equal(last.headers['content-type'], 'application/json');
    assert.equal(last.headers.authorization, 'Bearer iat');
    assert.deepEqual(last.body['redirect_uris'], uris);
    assert.equal(last.body['application_type'], 'web');
    assert.deepEqual(last.body['response_types'], ['code']);
    assert.deepEqual(last.body['grant_types'], ['authorization_code', 'refresh_token']);
    assert.equal(last.body['token_endpoint_auth_method'], 'client_secret_basic');
  });

  test('DCR-03, DYN-04: the provider\'s values win; a weaker client is refused', async () => {
    const metadata = await discover(issuer);
    answer = (body) => ({ status: 201, body: { ...body, client_id: 'c2', client_secret: 's2', client_secret_expires_at: 0, token_endpoint_auth_method: 'client_secret_post', id_token_signed_response_alg: 'ES256' } });
    const registered = await registerClient(metadata, uris);
    assert.equal(registered.token_endpoint_auth_method, 'client_secret_post');
    assert.equal(registered.id_token_signed_response_alg, 'ES256');
    answer = (body) => ({ status: 201, body: { ...body, client_id: 'c3', client_secret: 's3', client_secret_expires_at: 0, id_token_signed_response_alg: 'none' } });
    await assert.rejects(registerClient(metadata, uris), (e: RegistrationError) => e.reason === 'id_token_signed_response_alg');
    answer = (body) => ({ status: 201, body: { ...body, client_id: 'c4', token_endpoint_auth_method: 'none' } });
    await assert.rejects(registerClient(metadata, uris), (e: RegistrationError) => e.reason === 'token_endpoint_auth_method');
    answer = (body) => ({ status: 201, body: { ...body, client_id: 'c5' } });
    await assert.rejects(registerClient(metadata, uris), (e: RegistrationError) => e.reason === 'client_secret', 'basic auth without a secret');
  });

  test('DCR-05: a registration_client_uri on another origin is dropped', async () => {
    answer = (body) => ({ status: 201, body: { ...body, client_id: 'c6', client_secret: 's6', client_secret_expires_at: 0, registration_access_token: 'rat', registration_client_uri: 'https://elsewhere.example.com/c6' } });
    const registered = await registerClient(await discover(issuer), uris);
    assert.equal(registered.registration_client_uri, undefined);
    assert.equal(registered.registration_access_token, 'rat');
  });

  test('DCR-06: a 400 with invalid_redirect_uri is a RegistrationError; a 500 or a non-JSON answer a provider_error', async () => {
    const metadata = await discover(issuer);
    answer = () => ({ status: 400, body: { error: 'invalid_redirect_uri', error_description: 'not allowed here' } });
    await assert.rejects(registerClient(metadata, uris), (e: RegistrationError) =>
      e instanceof RegistrationError && e.error === 'invalid_redirect_uri' && e.errorDescription === 'not allowed here' && e.httpStatus === 400);
    answer = () => ({ status: 500, body: 'oops' });
    await assert.rejects(registerClient(metadata, uris), (e: OidcError) => e instanceof OidcError && !(e instanceof RegistrationError) && e.code === 'provider_error');
    answer = () => ({ status: 201, body: { client_secret: 'no id' } });
    await assert.rejects(registerClient(metadata, uris), (e: OidcError) => e.code === 'provider_error');
  });

  for (const adapter of ADAPTERS) {
    describe(`the app's client (${adapter})`, () => {
      test('DCR-04: a client whose secret expires registers again before it does; 0 means never', async () => {
        let issued = 0;
        answer = (body) => {
          issued += 1;
          return { status: 201, body: { ...body, client_id: `expiring-${issued}`, client_secret: 's', client_secret_expires_at: Math.floor(Date.now() / 1000) + 4 } };
        };
        const app = await serveTestApp(adapter, () => ({ baseUrl: 'http://127.0.0.1:1', secret: SECRET, issuer, registration: {}, logger: { warn() {} } }));
        const login = async (): Promise<string | null> => {
          const response = await fetch(`${app.url}/login`, { redirect: 'manual' });
          return new URL(response.headers.get('location')!).searchParams.get('client_id');
        };
        try {
          assert.equal(await login(), 'expiring-1');
          assert.equal(await login(), 'expiring-1', 'reused while the secret is fresh');
          // A 4-second secret is renewed half-way (a long-lived one 5 minutes before it expires), in the
          // background: requests keep the current client until the new one is registered.
          await new Promise((resolve) => setTimeout(resolve, 2100));
          const seen = new Set<string | null>();
          for (let attempt = 0; attempt < 40 && !seen.has('expiring-2'); attempt++) {
            seen.add(await login());
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
          assert.ok(seen.has('expiring-2'), 'renewed before expiry');
          assert.equal(issued, 2, 'once');
        } finally {
          await app.close();
        }
      });
    });
  }

  test('DYN-01, DYN-02, DISC-08, EXT-18: WebFinger finds the issuer of a user; no link, several links or an http issuer are refused', async () => {
    const host = new URL(issuer).host;
    assert.equal(await findIssuer(`alice@${host}`), issuer, 'an e-mail-like identifier becomes acct:');
    assert.equal(await findIssuer(`acct:alice@${host}`), issuer);
    assert.equal(await findIssuer(`${issuer}/alice`), issuer, 'DYN-02: a URL asks its own host');
    assert.equal(metadataOf(await discover(await findIssuer(`alice@${host}`))), issuer, 'then discovery of exactly that issuer');
    await assert.rejects(findIssuer(`two@${host}`), (e: OidcError) => e.code === 'provider_error' && /more than one/.test(e.message));
    await assert.rejects(findIssuer(`none@${host}`), (e: OidcError) => e.code === 'provider_error' && /names no OpenID issuer/.test(e.message));
    await assert.rejects(findIssuer(`plain@${host}`), (e: OidcError) => e.code === 'provider_error' && /not https/.test(e.message));
  });
});

function metadataOf(metadata: ProviderMetadata): string {
  return metadata.issuer;
}

/**
 * A stand-in for a store every instance shares (Redis): entries in a MemoryStore, but not marked
 * in-process, so oidc-kit keeps registrations in it as it would in Redis. Remembers which keys were
 * written, so a test can look at what oidc-kit stored.
 */
class RecordingStore implements SessionStore {
  readonly keys = new Set<string>();
  readonly #entries = new MemoryStore();
  get(key: string): Promise<unknown> {
    return this.#entries.get(key);
  }
  set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.keys.add(key);
    return this.#entries.set(key, value, ttlSeconds);
  }
  delete(key: string): Promise<void> {
    return this.#entries.delete(key);
  }
  add(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    this.keys.add(key);
    return this.#entries.add(key, value, ttlSeconds);
  }
}
