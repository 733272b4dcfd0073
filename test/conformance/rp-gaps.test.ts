/**
 * The checklist rows that had no test after the first conformance pass (scratch/conformance-gaps.md,
 * the OPEN rows): the Config RP profile again with a client that registers itself (DYN-03), an ID
 * token without `aud` (EXT-01), the `claims` request parameter (EXT-11), WebFinger answers with
 * unknown members (EXT-19), providers that advertise neither PKCE methods (BCP-02) nor RFC 9207
 * (BCP-07, BCP-08), a lower `acr` than requested (IDT-09), forged signed UserInfo (IDT-14, DYN-07)
 * and a flood of bad bearer tokens at an introspecting resource server (INT-14).
 *
 * Login rows run against the hostile provider (every request recorded); INT-14 runs against the
 * token-lab behind a bearer-only app.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import { discover, findIssuer } from '../../src/index.ts';
import { assertBearerError, opaqueToken, startBearerApp, type BearerApp } from '../support/bearer-app.ts';
import { TestBrowser } from '../support/browser.ts';
import { assertNoSession, assertRefused, attempt, flipSignature, startHostileBed, type Attempt, type HostileBed, type HostileBedOptions } from '../support/hostile-bed.ts';
import type { HostileRequest } from '../support/hostile-provider.ts';
import { ADAPTERS, type AdapterName } from '../support/test-app.ts';
import { get, type TestRoute } from '../support/test-routes.ts';

/** Asserts a completed login as the provider's subject. */
function assertLoggedIn(result: Attempt): void {
  assert.equal(result.status, 200, `logged in (${result.error ?? ''} ${result.reason ?? ''})`);
  assert.equal(result.sub, 'alice');
}

/** The client id of a request's `Authorization: Basic` header (form-decoded). */
function basicClientId(request: HostileRequest): string | undefined {
  const match = /^Basic (.+)$/i.exec(request.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  return decodeURIComponent(decoded.slice(0, decoded.indexOf(':')).replace(/\+/g, ' '));
}

// ---------------------------------------------------------------------------------------------
// DYN-03: CFG-01…CFG-06 with a client that registers itself.
// ---------------------------------------------------------------------------------------------

/** oidc-kit options for a client that registers itself at the provider on first use. */
const REGISTERING: HostileBedOptions['oidc'] = {
  clientId: undefined,
  clientSecret: undefined,
  registration: { metadata: { client_name: 'oidc-kit DYN-03' } },
};

/** Runs `body` against a fresh hostile provider and an app that registers itself there. */
async function withRegisteringBed(adapter: AdapterName, body: (bed: HostileBed) => Promise<void>): Promise<void> {
  const bed = await startHostileBed({ adapter, oidc: REGISTERING });
  try {
    await body(bed);
  } finally {
    await bed.close();
  }
}

/** Asserts the app registered once, and that the token request then authenticated as the registered client. */
function assertRegisteredClientUsed(bed: HostileBed, registrationPath = '/register'): void {
  const registrations = bed.op.requestsTo(registrationPath);
  assert.equal(registrations.length, 1, 'one registration');
  assert.equal(registrations[0]!.method, 'POST');
  const clientId = bed.op.client.clientId;
  assert.match(clientId, /^dyn-/, 'the provider\'s client is the registered one');
  assert.ok(bed.op.client.redirectUris?.includes(`${bed.appUrl}/callback`), 'the callback was registered');
  for (const token of bed.op.requests.filter((r) => r.form.get('grant_type') === 'authorization_code')) {
    assert.equal(basicClientId(token), clientId, 'the token request authenticates as the registered client');
  }
}

for (const adapter of ADAPTERS) {
  describe(`DYN-03: the Config RP profile with dynamic registration (${adapter})`, () => {
    test('DYN-03, CFG-01: with dynamic registration, every endpoint (registration included) comes from discovery: discovery, registration, then the login at the discovered endpoints', async () => {
      await withRegisteringBed(adapter, async (bed) => {
        const o = bed.op.origin;
        bed.op.metadata['registration_endpoint'] = `${o}/reg-1st`;
        bed.op.metadata['authorization_endpoint'] = `${o}/authz`;
        bed.op.metadata['token_endpoint'] = `${o}/t0ken`;
        bed.op.metadata['userinfo_endpoint'] = `${o}/me`;
        const result = await attempt(bed);
        assertLoggedIn(result);
        assert.deepEqual(bed.op.requests.map((r) => `${r.method} ${r.path}`), [
          'GET /.well-known/openid-configuration', 'POST /reg-1st', 'GET /authz', 'POST /t0ken', 'GET /jwks', 'GET /me',
        ]);
        assertRegisteredClientUsed(bed, '/reg-1st');
        assert.equal(bed.op.requestsTo('/authz')[0]!.query.get('client_id'), bed.op.client.clientId, 'the authorization request names the registered client');
      });
    });

    test('DYN-03, CFG-02: with dynamic registration, a jwks_uri at a random path is the only key source (no /jwks, no /.well-known/jwks.json) and the signature verifies', async () => {
      await withRegisteringBed(adapter, async (bed) => {
        const random = `/keys-${Math.random().toString(36).slice(2, 12)}`;
        bed.op.metadata['jwks_uri'] = `${bed.op.origin}${random}`;
        const result = await attempt(bed);
        assertLoggedIn(result);
        assert.equal(bed.op.count(random), 1);
        assert.equal(bed.op.count('/jwks'), 0);
        assert.equal(bed.op.count('/.well-known/jwks.json'), 0);
        assert.equal(bed.op.count('/userinfo'), 1, 'UserInfo called after the verified ID token');
        assertRegisteredClientUsed(bed);
      });
    });

    test('DYN-03, CFG-03: with dynamic registration, a discovery document naming another issuer stops everything: no registration, no authorization request (discovery_issuer_mismatch)', async () => {
      await withRegisteringBed(adapter, async (bed) => {
        bed.op.metadata['issuer'] = `${bed.op.issuer}INVALID`;
        const browser = new TestBrowser();
        const res = await browser.request(`${bed.appUrl}/login`, { headers: { accept: 'application/json' } });
        assert.equal(res.status, 502);
        assert.equal((JSON.parse(res.body) as { error: string }).error, 'discovery_issuer_mismatch');
        assert.deepEqual(bed.op.requests.map((r) => r.path), ['/.well-known/openid-configuration']);
        assert.equal(bed.op.client.clientId, 'hostile-client', 'nothing was registered');
      });
    });

    test('DYN-03, CFG-04: with dynamic registration, an alg none ID token from the token endpoint is refused (id_token_invalid:alg), no UserInfo call, no session', async () => {
      await withRegisteringBed(adapter, async (bed) => {
        bed.op.signIdToken = (claims) => bed.op.unsigned({ alg: 'none' }, claims);
        await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'alg');
        assertRegisteredClientUsed(bed);
      });
    });

    test('DYN-03, CFG-05: with dynamic registration, keys rotated just before signing (an unknown kid) are fetched once more and the login completes with a UserInfo call', async () => {
      await withRegisteringBed(adapter, async (bed) => {
        assertLoggedIn(await attempt(bed)); // registered, JWKS cached
        const clientId = bed.op.client.clientId;
        bed.op.clear();
        await bed.op.rotateKeys();
        const result = await attempt(bed);
        assertLoggedIn(result);
        assert.equal(bed.op.count('/jwks'), 1, 'one refetch');
        assert.equal(bed.op.count('/userinfo'), 1);
        assert.equal(bed.op.count('/register'), 0, 'the registration is reused');
        assert.equal(bed.op.client.clientId, clientId);
        assert.equal(basicClientId(bed.op.requestsTo('/token')[0]!), clientId);
      });
    });

    test('DYN-03, CFG-06: with dynamic registration, two logins with rotation at the second make a second JWKS and UserInfo request; a token signed with the removed key is refused afterwards', async () => {
      await withRegisteringBed(adapter, async (bed) => {
        const oldKey = bed.op.keys[0]!;
        assertLoggedIn(await attempt(bed));
        await bed.op.rotateKeys();
        assertLoggedIn(await attempt(bed));
        assert.equal(bed.op.count('/jwks'), 2);
        assert.equal(bed.op.count('/userinfo'), 2);
        assertRegisteredClientUsed(bed);
        bed.op.clear();
        bed.op.signIdToken = (claims) => bed.op.sign(claims, { key: oldKey });
        await assertRefused(bed, await attempt(bed), 'id_token_invalid');
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// ID tokens, authorization requests and responses against one hostile provider.
// ---------------------------------------------------------------------------------------------

for (const adapter of ADAPTERS) {
  describe(`ID tokens, authorization requests and responses (${adapter})`, () => {
    let bed: HostileBed;
    /** The metadata members a test may delete or change, restored after each test. */
    let savedMetadata: Record<string, unknown>;
    const appRoutes: readonly TestRoute[] = [
      get('/acr', [['requireLogin']], ({ oidc }) => ({ json: { idTokenAcr: oidc.idTokenClaims?.['acr'] ?? null, userAcr: oidc.user?.['acr'] ?? null } })),
      get('/gold', [['requireLogin'], ['requireClaims', { acr: 'urn:example:loa:2' }]], () => ({ json: { gold: true } })),
    ];
    before(async () => {
      bed = await startHostileBed({ adapter, appRoutes });
      savedMetadata = { ...bed.op.metadata };
    });
    after(() => bed.close());
    beforeEach(() => {
      bed.op.clear();
      bed.op.idToken = undefined;
      bed.op.signIdToken = undefined;
      bed.op.authorizeResponse = undefined;
      bed.op.userinfo = undefined;
      bed.op.metadata = { ...savedMetadata };
      bed.reconfigure({}); // no discovered metadata cached from another test
    });

    test('EXT-01, IDT-11: an ID token without aud is refused (id_token_invalid:aud), no UserInfo call, no session', async () => {
      bed.op.idToken = (claims) => {
        const rest = { ...claims };
        delete rest.aud;
        return rest;
      };
      await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'aud');
    });

    test('EXT-11: authorizationParams claims {"userinfo":{"name":null}} is sent percent-encoded, the provider reads the exact JSON, and the requested claim arrives in req.oidc.user', async () => {
      const claimsRequest = '{"userinfo":{"name":null}}';
      bed.reconfigure({ scope: 'openid', authorizationParams: { claims: claimsRequest } });
      // A provider that releases `name` only when the claims request asks for it in UserInfo.
      bed.op.userinfo = (claims, grant) => {
        const asked = JSON.parse(grant.params.get('claims') ?? '{}') as { userinfo?: Record<string, unknown> };
        const released: Record<string, unknown> = { sub: claims['sub'] };
        for (const name of Object.keys(asked.userinfo ?? {})) if (name in claims) released[name] = claims[name];
        return released;
      };
      const browser = new TestBrowser();
      const login = await browser.request(`${bed.appUrl}/login?returnTo=%2Fprofile`, { headers: { accept: 'application/json' } });
      const location = login.headers.get('location');
      assert.ok(location !== null && location.startsWith(`${bed.op.issuer}/authorize?`), `redirected to the provider: ${String(location)}`);
      const raw = /[?&]claims=([^&#]*)/.exec(location)?.[1];
      assert.ok(raw !== undefined, 'the claims parameter is sent');
      assert.match(raw, /^(?:[A-Za-z0-9._~*-]|%[0-9A-F]{2})+$/, 'no raw JSON punctuation ({ } " :) in the URL: all percent-encoded');
      assert.equal(decodeURIComponent(raw), claimsRequest);
      const { response } = await browser.navigate(location, { headers: { accept: 'application/json' } });
      assert.equal(response.status, 200, response.body);
      assert.equal(bed.op.requestsTo('/authorize')[0]!.query.get('claims'), claimsRequest, 'the provider decodes the exact JSON');
      const profile = JSON.parse(response.body) as { sub: string; claims: Record<string, unknown> };
      assert.equal(profile.sub, 'alice');
      assert.equal(profile.claims['name'], 'Alice Example', 'the claim requested for UserInfo is in req.oidc.user');
      assert.equal(profile.claims['email'], undefined, 'only what was asked for was released');
    });

    test('BCP-02: metadata without code_challenge_methods_supported: the authorization request still carries PKCE S256, state and nonce, and the login completes (no fail-closed option exists)', async () => {
      delete bed.op.metadata['code_challenge_methods_supported'];
      const result = await attempt(bed);
      assertLoggedIn(result);
      const params = bed.op.requestsTo('/authorize')[0]!.query;
      assert.equal(params.get('code_challenge_method'), 'S256');
      assert.match(params.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.match(params.get('state') ?? '', /^[A-Za-z0-9_-]{22,}$/);
      assert.match(params.get('nonce') ?? '', /^[A-Za-z0-9_-]{22,}$/);
      assert.match(bed.op.requestsTo('/token')[0]!.form.get('code_verifier') ?? '', /^[A-Za-z0-9._~-]{43,128}$/);
    });

    test('BCP-02: metadata advertising only plain: the authorization request still uses S256 (never plain), with state and nonce', async () => {
      bed.op.metadata['code_challenge_methods_supported'] = ['plain'];
      await attempt(bed);
      const params = bed.op.requestsTo('/authorize')[0]!.query;
      assert.equal(params.get('code_challenge_method'), 'S256');
      assert.ok(params.has('state'));
      assert.ok(params.has('nonce'));
    });

    test('BCP-08: the provider does not advertise authorization_response_iss_parameter_supported, yet a wrong iss arrives: refused (iss_mismatch), no token request, no session', async () => {
      delete bed.op.metadata['authorization_response_iss_parameter_supported'];
      bed.op.authorizeResponse = (params) => {
        params.set('iss', 'https://attacker.example');
      };
      const result = await attempt(bed);
      assert.equal(bed.op.count('/token'), 0, 'no token request');
      await assertRefused(bed, result, 'iss_mismatch');
    });

    test('BCP-08: the flag is false, yet a wrong iss arrives: refused (iss_mismatch), no token request, no session', async () => {
      bed.op.metadata['authorization_response_iss_parameter_supported'] = false;
      bed.op.authorizeResponse = (params) => {
        params.set('iss', `${bed.op.issuer}/other`);
      };
      const result = await attempt(bed);
      assert.equal(bed.op.count('/token'), 0, 'no token request');
      await assertRefused(bed, result, 'iss_mismatch');
    });

    test('BCP-07: the flag absent (or false) and no iss in the authorization response: accepted', async () => {
      bed.op.authorizeResponse = (params) => {
        params.delete('iss');
      };
      delete bed.op.metadata['authorization_response_iss_parameter_supported'];
      assertLoggedIn(await attempt(bed));
      bed.op.metadata['authorization_response_iss_parameter_supported'] = false;
      bed.reconfigure({});
      assertLoggedIn(await attempt(bed));
      assert.equal(bed.op.count('/token'), 2);
    });

    test('IDT-09: acr_values requested and a lower acr returned: the login completes and the returned acr is surfaced in req.oidc.idTokenClaims and req.oidc.user; a route guarded by requireClaims({ acr }) answers 403 (no essential-acr enforcement at login)', async () => {
      bed.reconfigure({ authorizationParams: { acr_values: 'urn:example:loa:2' } });
      bed.op.idToken = (claims) => ({ ...claims, acr: 'urn:example:loa:1' });
      const result = await attempt(bed);
      assertLoggedIn(result);
      assert.equal(bed.op.requestsTo('/authorize')[0]!.query.get('acr_values'), 'urn:example:loa:2');
      const acr = await result.browser.request(`${bed.appUrl}/acr`, { headers: { accept: 'application/json' } });
      assert.deepEqual(JSON.parse(acr.body), { idTokenAcr: 'urn:example:loa:1', userAcr: 'urn:example:loa:1' });
      const gold = await result.browser.request(`${bed.appUrl}/gold`, { headers: { accept: 'application/json' } });
      assert.equal(gold.status, 403, gold.body);
      assert.equal((JSON.parse(gold.body) as { reason: string }).reason, 'claim:acr');
    });
  });
}

// ---------------------------------------------------------------------------------------------
// IDT-14 / DYN-07: signed UserInfo that must be refused.
// ---------------------------------------------------------------------------------------------

for (const adapter of ADAPTERS) {
  describe(`IDT-14, DYN-07: signed UserInfo (${adapter})`, () => {
    let bed: HostileBed;
    before(async () => {
      bed = await startHostileBed({ adapter, oidc: { userInfoSigningAlg: 'RS256' } });
      bed.op.client.userinfoSignedResponseAlg = 'RS256';
    });
    after(() => bed.close());
    beforeEach(() => {
      bed.op.clear();
      bed.op.userinfo = undefined;
      bed.warnings.length = 0;
    });

    /** Asserts a login refused at the signed UserInfo answer: 502 provider_error with `reason`, one UserInfo call, no session. */
    async function assertUserInfoRefused(result: Attempt, reason: string): Promise<void> {
      assert.equal(result.status, 502, `refused with 502 (${result.error ?? ''} ${result.reason ?? ''})`);
      assert.equal(result.error, 'provider_error');
      assert.equal(bed.op.count('/userinfo'), 1);
      assert.equal(result.reason, reason);
      assert.ok(bed.warnings.some((w) => w.details?.['reason'] === reason), 'the refusal is logged with its reason');
      await assertNoSession(bed, result.browser);
    }

    test('IDT-14, DYN-07: an honestly signed UserInfo answer (application/jwt, RS256, iss and aud added) is accepted and merged', async () => {
      const result = await attempt(bed);
      assertLoggedIn(result);
      assert.equal(bed.op.requestsTo('/userinfo')[0]!.headers.accept, 'application/jwt');
    });

    test('IDT-14, DYN-07: signed UserInfo with a wrong iss is refused (provider_error:userinfo_iss), no session', async () => {
      bed.op.userinfo = (claims) => ({ ...claims, iss: `${bed.op.issuer}/other` });
      await assertUserInfoRefused(await attempt(bed), 'userinfo_iss');
    });

    test('IDT-14, DYN-07: signed UserInfo whose aud lacks the client is refused (provider_error:userinfo_aud), no session', async () => {
      bed.op.userinfo = (claims) => ({ ...claims, aud: ['another-client'] });
      await assertUserInfoRefused(await attempt(bed), 'userinfo_aud');
    });

    test('IDT-14, DYN-07: signed UserInfo without aud is refused (provider_error:userinfo_aud), no session', async () => {
      bed.op.userinfo = (claims) => ({ ...claims, aud: undefined });
      await assertUserInfoRefused(await attempt(bed), 'userinfo_aud');
    });

    test('IDT-14, DYN-07: signed UserInfo with flipped signature bytes is refused (provider_error:signature), no session', async () => {
      bed.op.userinfo = async (claims, grant) => ({
        headers: { 'content-type': 'application/jwt' },
        body: flipSignature(await bed.op.sign({ iss: bed.op.issuer, aud: grant.clientId, ...claims })),
      });
      await assertUserInfoRefused(await attempt(bed), 'signature');
    });

    test('IDT-14, DYN-07: signed UserInfo signed by a key outside the provider\'s JWKS (same kid) is refused (provider_error:signature), no session', async () => {
      const rogue = await bed.op.generateKey('RS256', bed.op.keys[0]!.kid);
      bed.op.userinfo = async (claims, grant) => ({
        headers: { 'content-type': 'application/jwt' },
        body: await bed.op.sign({ iss: bed.op.issuer, aud: grant.clientId, ...claims }, { key: rogue }),
      });
      await assertUserInfoRefused(await attempt(bed), 'signature');
    });

    test('DYN-07: an alg none UserInfo JWT is refused although signing was registered (provider_error:alg), no session', async () => {
      bed.op.userinfo = (claims, grant) => ({
        headers: { 'content-type': 'application/jwt' },
        body: bed.op.unsigned({ alg: 'none' }, { iss: bed.op.issuer, aud: grant.clientId, ...claims }),
      });
      await assertUserInfoRefused(await attempt(bed), 'alg');
    });
  });
}

// ---------------------------------------------------------------------------------------------
// EXT-19: WebFinger with unknown members.
// ---------------------------------------------------------------------------------------------

// Once, not per adapter: findIssuer() and discover() are library functions; no app request is made.
describe('EXT-19: WebFinger', () => {
  let bed: HostileBed;
  before(async () => {
    bed = await startHostileBed();
  });
  after(() => bed.close());

  test('EXT-19: a WebFinger answer with unknown members (top level, in links, other links) still yields the issuer, which then discovers', async () => {
    const issuerRel = 'http://openid.net/specs/connect/1.0/issuer';
    bed.op.fault = (request) => request.path === '/.well-known/webfinger'
      ? {
        headers: { 'content-type': 'application/jrd+json' },
        body: {
          subject: request.query.get('resource') ?? '',
          aliases: ['https://example.com/~alice'],
          properties: { 'http://example.com/ns/role': 'employee' },
          'x-unknown-member': { nested: [1, 2, 3], flag: true },
          expires: '2099-01-01T00:00:00Z',
          links: [
            { rel: 'http://webfinger.net/rel/profile-page', href: 'https://example.com/alice', titles: { en: 'Alice' } },
            { rel: issuerRel, href: bed.op.issuer, type: 'application/json', 'x-unknown': 'ignored', properties: { a: null } },
          ],
        },
      }
      : undefined;
    try {
      const host = new URL(bed.op.origin).host;
      const issuer = await findIssuer(`alice@${host}`);
      assert.equal(issuer, bed.op.issuer);
      const [webfinger] = bed.op.requestsTo('/.well-known/webfinger');
      assert.equal(webfinger!.query.get('resource'), `acct:alice@${host}`);
      assert.equal(webfinger!.query.get('rel'), issuerRel);
      const metadata = await discover(issuer);
      assert.equal(metadata.issuer, bed.op.issuer);
    } finally {
      bed.op.fault = undefined;
    }
  });
});

// ---------------------------------------------------------------------------------------------
// INT-14: a flood of bad tokens at an introspecting resource server.
// ---------------------------------------------------------------------------------------------

for (const adapter of ADAPTERS) {
  describe(`INT-14: token floods at the introspecting resource server (${adapter})`, () => {
    let api: BearerApp;
    before(async () => {
      api = await startBearerApp({ adapter });
    });
    after(() => api.close());
    const introspections = (token?: string): number =>
      api.lab.requests.filter((r) => r.path === '/introspect' && (token === undefined || new URLSearchParams(r.body).get('token') === token)).length;

    test('INT-14: a token over 8192 characters is refused (invalid_token:too_long) before any introspection call, on the auto and the introspection-only routes', async () => {
      const before = introspections();
      for (const token of ['a'.repeat(8193), 'b'.repeat(12000), `${'c'.repeat(5000)}.${'d'.repeat(5000)}`]) {
        assertBearerError(await api.bearer(token), { status: 401, error: 'invalid_token', reason: 'too_long' });
        assertBearerError(await api.bearer(token, '/introspect-only'), { status: 401, error: 'invalid_token', reason: 'too_long' });
      }
      assert.equal(introspections(), before, 'no introspection call');
    });

    test('INT-14: the same unknown token sent 40 times (20 at once, then 20 in a row) costs one introspection call (no per-IP rate limit exists)', async () => {
      const token = opaqueToken();
      api.lab.delayMs = 100;
      try {
        const burst = await Promise.all(Array.from({ length: 20 }, () => api.bearer(token, '/introspect-only')));
        for (const response of burst) assertBearerError(response, { status: 401, error: 'invalid_token', reason: 'inactive' });
      } finally {
        api.lab.delayMs = 0;
      }
      for (let i = 0; i < 20; i += 1) assertBearerError(await api.bearer(token), { status: 401, error: 'invalid_token', reason: 'inactive' });
      assert.equal(introspections(token), 1);
    });
  });
}
