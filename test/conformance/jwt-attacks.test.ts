/**
 * The JWT attack matrix: every attack of ./jwt-attacks.ts against every kind of JWT oidc-kit
 * accepts, over real HTTP. One test per (attack, token type); each runs every variant the attack
 * builds and reports all failing variants at once.
 *
 * - access_token: `acceptToken()` with local JWT validation (RFC 9068) in front of the token-lab,
 *   for two configurations of the same API: the default algorithm allow-list, and `algorithms:
 *   ['RS256']`. A refusal is a 401 `invalid_token` (or a 400 `invalid_request` for a token outside
 *   RFC 6750's syntax) with `Cache-Control: no-store`; the protected handler never ran; the lab saw
 *   no request but at most one (rate-limited) JWKS fetch, and an introspection call only for a token
 *   that is not shaped like a JWS (documented `auto` strategy); the attacker's server saw nothing.
 * - logout_token: the back-channel logout endpoint of a testbed whose oidc-provider signs with keys
 *   the test holds (as in backchannel-logout.test.ts); the tokens name a logged-in victim's session.
 *   A refusal is a 400 with `Cache-Control: no-store` and the victim's session still alive (checked
 *   by using it); the provider saw at most one JWKS fetch; the attacker's server saw nothing.
 * - id_token: a real login through the hostile provider (test/support/hostile-provider.ts), whose
 *   token endpoint answers with the hostile token as `id_token`. An ID token belongs to one login
 *   (its nonce), so the attack is built again for every variant, from the login under way (stopped at
 *   the callback once the authorization request has shown its nonce). A refusal is a 400
 *   `id_token_invalid` at the callback, no UserInfo call, no session for that browser, no request to
 *   the provider but the authorization and token requests and at most two key-set fetches (the key
 *   set loaded, and reloaded at once for an unknown kid; such reloads at most once a second over the
 *   attack), and nothing at the attacker's server. The replay (ATK-57): the same ID token returned to
 *   a second login is refused (its nonce is the first login's), and the first login's session stays.
 * - userinfo: the same login with `userInfoSigningAlg: 'RS256'` (and the client registered with
 *   `userinfo_signed_response_alg` RS256) and an honest ID token; the provider's UserInfo endpoint
 *   answers with the hostile token as `application/jwt`. A refusal is a 502 `provider_error` (or a
 *   400 `userinfo_sub_mismatch`) at the callback, exactly one UserInfo call, no session, the same
 *   bounds on the provider's requests, and nothing at the attacker's server.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { ResourceServerOptions } from '../../src/config/options.ts';
import { type ApiResponse, assertBearerError, AUDIENCE, RS_CLIENT_ID, RS_CLIENT_SECRET, startBearerApp } from '../support/bearer-app.ts';
import { loginThroughProvider, TestBrowser } from '../support/browser.ts';
import { startHostileBed, type HostileBed, type HostileBedOptions } from '../support/hostile-bed.ts';
import type { HostileKey, HostileRequest } from '../support/hostile-provider.ts';
import { makeProviderKeys, type ProviderKeys } from '../support/provider-keys.ts';
import { ADAPTERS, type AdapterName, CLIENT_SECRET, startTestbed, type Testbed, type TestbedOptions, type TestOidc } from '../support/testbed.ts';
import { get, post, type TestAnswer, type TestExchange } from '../support/test-routes.ts';
import { startTokenLab, type LabKey, type TokenLab } from '../support/token-lab.ts';
import {
  appliesTo, type AttackContext, attackerMaterial, type AttackKey, type AttackToken, createAttackContext, JWT_ATTACKS, type JwtAttack, type KeySet,
  standardClaims, TOKEN_TYPES, type TokenType,
} from './jwt-attacks.ts';
import { type Harness, type Recorder, type Target, variantsPerLogin } from './attack-harness.ts';
import { idTokenRefreshHarness } from './refresh-harness.ts';

// ---------------------------------------------------------------------------------------------
// The attacker's server (and the issuer-side JWKS mirror): small HTTP servers that record every
// request, so a test can assert the verifier never went there.


async function startRecorder(answer: (path: string) => { type: string; body: string } | undefined): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = new URL(req.url ?? '/', 'http://recorder.invalid').pathname;
    requests.push({ method: req.method ?? 'GET', path });
    const found = answer(path);
    res.writeHead(found === undefined ? 404 : 200, { 'content-type': found?.type ?? 'application/json' });
    res.end(found?.body ?? '{"error":"not_found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The attacker's server: its key set, its certificate, and discovery for its own issuer. */
function startAttackerServer(): Promise<Recorder> {
  const material = attackerMaterial();
  let url = '';
  const recorder = startRecorder((path) => {
    if (path === '/jwks') return { type: 'application/json', body: JSON.stringify(material.jwks) };
    if (path === '/cert.pem') return { type: 'application/pem-certificate-chain', body: material.certificatePem };
    if (path === '/.well-known/openid-configuration') {
      return { type: 'application/json', body: JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks`, authorization_endpoint: `${url}/authorize`, token_endpoint: `${url}/token` }) };
    }
    return undefined;
  });
  return recorder.then((r) => {
    url = r.url;
    return r;
  });
}

// ---------------------------------------------------------------------------------------------
// Harnesses: one per token type. A harness presents a variant to the library and checks the outcome.


/** RFC 6750 §2.1 b64token: a token outside this syntax may be answered 400 invalid_request. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** oidc-kit's `auto` strategy (docs/resource-server.md): three segments, the first a JSON header with a string alg. */
function shapedLikeJws(token: string): boolean {
  const segments = token.split('.');
  if (segments.length !== 3 || segments[0] === '') return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(segments[0]!, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/** An RS256 or ES256 key pair whose private half can be re-used under other algorithms (extractable). */
async function extractableLabKey(alg: 'RS256' | 'ES256', kid: string): Promise<LabKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const { kty, n, e, crv, x, y } = await exportJWK(publicKey);
  const publicJwk = Object.fromEntries(Object.entries({ kty, n, e, crv, x, y, kid, alg, use: 'sig' }).filter(([, v]) => v !== undefined)) as JWK;
  return { kid, alg, privateKey, publicJwk };
}

/** An API (bearer-app, on the adapter under test) served with a header limit of 4 MiB, so that oidc-kit's own size bound is what gets tested. */
interface Api {
  url: string;
  oidc: TestOidc;
  /** How many times the protected handler ran. */
  handled: number;
  close(): Promise<void>;
}

async function startApi(adapter: AdapterName, lab: TokenLab, resourceServer: ResourceServerOptions): Promise<Api> {
  const handle = ({ oidc }: TestExchange): TestAnswer => {
    api.handled += 1;
    return { json: { sub: oidc.token?.sub ?? null } };
  };
  const bearer = await startBearerApp({
    adapter,
    lab,
    // Form tokens on, so that a token a header cannot carry (a line break) still reaches oidc-kit.
    resourceServer: { allowFormToken: true, ...resourceServer },
    appRoutes: [get('/attack', [['acceptToken']], handle), post('/attack', [['acceptToken']], handle)],
    maxHeaderSize: 4 * 1024 * 1024,
  });
  const api: Api = { url: bearer.url, oidc: bearer.oidc, handled: 0, close: () => bearer.close() };
  return api;
}

/** Sends a token the way a client would: in the Authorization header, or as a form parameter when no header can carry it. */
async function presentAccessToken(api: Api, token: string): Promise<ApiResponse> {
  const response = /^[\t\x20-\x7e]*$/.test(token)
    ? await fetch(`${api.url}/attack`, { headers: { authorization: `Bearer ${token}` } })
    : await fetch(`${api.url}/attack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: token }).toString(),
    });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  if (/application\/json/.test(response.headers.get('content-type') ?? '')) json = JSON.parse(text) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, text, json, challenge: response.headers.get('www-authenticate') };
}

/** One configuration of the API under attack, with its own token-lab (so that each verifier's requests are its own). */
interface ApiProfile {
  name: string;
  resourceServer: ResourceServerOptions;
  lab: TokenLab;
  api: Api;
  /** Where the lab's request log stood when the current attack began, and the JWKS fetches of fresh APIs since. */
  labAtStart: number;
  freshFetches: number;
}

function accessTokenHarness(adapter: AdapterName): Harness {
  let attacker: Recorder;
  let keys: LabKey[];
  const configurations: Array<Pick<ApiProfile, 'name' | 'resourceServer'>> = [
    { name: 'default allow-list', resourceServer: {} },
    { name: 'algorithms [RS256]', resourceServer: { algorithms: ['RS256'] } },
  ];
  let profiles: ApiProfile[] = [];

  const attackKey = (key: LabKey): AttackKey => ({ kid: key.kid, alg: key.alg, privateKey: key.privateKey, publicJwk: key.publicJwk });

  function context(profile: ApiProfile): AttackContext {
    const provider = [...profile.api.oidc.config.providers.values()][0]!;
    const published = keys.map(attackKey);
    return createAttackContext({
      tokenType: 'access_token',
      issuer: profile.lab.issuer,
      clientId: RS_CLIENT_ID,
      clientSecret: RS_CLIENT_SECRET,
      audience: AUDIENCE,
      subject: { sub: 'user-1' },
      alg: 'RS256',
      allowedAlgs: profile.api.oidc.config.resourceServer.algorithms,
      signingKey: published[0]!,
      publishedKeys: published,
      jwks: { keys: keys.map((k) => k.publicJwk) },
      clockTolerance: provider.clockTolerance,
      // Lenient mode with an audience: iss and exp are required, and aud (the route's audience).
      requiredClaims: ['iss', 'exp', 'aud'],
      attackerUrl: attacker.url,
    });
  }

  /** What the lab may see while one token is presented: at most one JWKS fetch; discovery only for a fresh API; introspection only of a non-JWS. */
  function checkLabCalls(lab: TokenLab, since: number, token: string, fresh: boolean): void {
    const calls = lab.requests.slice(since);
    const jwks = calls.filter((c) => c.path === '/jwks').length;
    assert.ok(jwks <= 1, `${jwks} JWKS fetches for one token (the refetch must be rate-limited)`);
    for (const call of calls) {
      if (call.path === '/jwks') continue;
      if (fresh && call.path === DISCOVERY) continue;
      if (call.path === '/introspect' && !shapedLikeJws(token) && new URLSearchParams(call.body).get('token') === token) continue;
      assert.fail(`unexpected request to the lab: ${call.method} ${call.path}`);
    }
  }

  async function accepted(api: Api, variant: AttackToken): Promise<void> {
    const handledBefore = api.handled;
    const response = await presentAccessToken(api, variant.token);
    assert.equal(response.status, 200, `expected 200, got ${response.status}: ${response.text}`);
    assert.equal(response.json?.['sub'], 'user-1');
    assert.equal(api.handled, handledBefore + 1);
  }

  async function refused(lab: TokenLab, api: Api, variant: AttackToken, fresh: boolean): Promise<void> {
    const labBefore = lab.requests.length;
    const attackerBefore = attacker.requests.length;
    const handledBefore = api.handled;
    const response = await presentAccessToken(api, variant.token);
    if (response.status === 400 && !B64TOKEN.test(variant.token)) {
      assertBearerError(response, { status: 400, error: 'invalid_request' });
    } else {
      assertBearerError(response, { status: 401, error: 'invalid_token' });
    }
    assert.equal(api.handled, handledBefore, 'the protected handler ran');
    checkLabCalls(lab, labBefore, variant.token, fresh);
    if (variant.preflight === true) assert.deepEqual(lab.requests.slice(labBefore).map((c) => `${c.method} ${c.path}`), [], 'refused by the structural rules, yet the provider was asked');
    assert.deepEqual(attacker.requests.slice(attackerBefore), [], 'the attacker\'s server was contacted');
  }

  /** A variant that brings its own JWKS goes to a fresh API (no keys cached) while the lab serves that JWKS. */
  async function withJwks(profile: ApiProfile, jwks: KeySet, run: (api: Api) => Promise<void>): Promise<void> {
    const api = await startApi(adapter, profile.lab, profile.resourceServer);
    profile.lab.jwks = () => ({ body: { keys: [...jwks.keys] } });
    const before = profile.lab.count('/jwks');
    try {
      await run(api);
    } finally {
      profile.freshFetches += profile.lab.count('/jwks') - before;
      profile.lab.jwks = undefined;
      await api.close();
    }
  }

  return {
    async setUp(theAttacker) {
      attacker = theAttacker;
      keys = [await extractableLabKey('RS256', 'rs-1'), await extractableLabKey('ES256', 'es-1')];
      for (const configuration of configurations) {
        const lab = await startTokenLab();
        lab.keys = keys;
        profiles.push({ ...configuration, lab, api: await startApi(adapter, lab, configuration.resourceServer), labAtStart: 0, freshFetches: 0 });
      }
    },
    async tearDown() {
      for (const profile of profiles) {
        await profile.api.close();
        await profile.lab.close();
      }
      profiles = [];
    },
    targets() {
      return Promise.resolve(profiles.map((profile): Target => {
        profile.labAtStart = profile.lab.requests.length;
        profile.freshFetches = 0;
        return {
          name: `access_token, ${profile.name}`,
          ctx: context(profile),
          async expectRefused(variant) {
            if (variant.presentTwice === true) throw new Error('access tokens may be presented again until exp; no replay variant applies');
            if (variant.jwks !== undefined) await withJwks(profile, variant.jwks, (fresh) => refused(profile.lab, fresh, variant, true));
            else await refused(profile.lab, profile.api, variant, false);
          },
          async expectAccepted(variant) {
            if (variant.jwks !== undefined) await withJwks(profile, variant.jwks, (fresh) => accepted(fresh, variant));
            else await accepted(profile.api, variant);
          },
          finish() {
            const fetched = profile.lab.requests.slice(profile.labAtStart).filter((c) => c.path === '/jwks').length - profile.freshFetches;
            assert.ok(fetched <= 1, `${fetched} JWKS fetches over the attack's variants: an unknown kid may cause one refetch, rate-limited`);
          },
        };
      }));
    },
  };
}

const BACKCHANNEL: TestbedOptions['oidc'] = { routes: { backchannelLogout: '/backchannel-logout' } };
const DISCOVERY = '/.well-known/openid-configuration';

function logoutTokenHarness(adapter: AdapterName): Harness {
  let bed: Testbed;
  let keys: ProviderKeys;
  let attacker: Recorder;
  let published: KeySet;
  let jwksPath: string;
  /** Serves the JWKS a variant brings (an issuer-side key set under test control). */
  let mirror: Recorder;
  let mirrored: KeySet = { keys: [] };
  /** Whether oidc-kit was just rebuilt (bed.reconfigure) and has not discovered the provider yet. */
  let cold = false;
  /** Where the provider's request log stood when the current attack began, and the rebuilds since. */
  let providerAtStart = 0;
  let coldStarts = 0;
  const victim: { browser: TestBrowser | undefined; sid: string | undefined; alive: boolean } = { browser: undefined, sid: undefined, alive: false };

  async function whoAmI(): Promise<{ authenticated: boolean; sub: string | null }> {
    const response = await victim.browser!.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 200);
    return JSON.parse(response.body) as { authenticated: boolean; sub: string | null };
  }

  /** Logs the victim in (again), in the same browser: the same provider session, so the same sid. */
  async function ensureVictim(): Promise<void> {
    if (victim.alive) return;
    victim.browser ??= bed.browser();
    const { url } = await loginThroughProvider(victim.browser, `${bed.appUrl}/login`, 'victim');
    assert.equal(url.href, `${bed.appUrl}/`);
    const tokens = await victim.browser.request(`${bed.appUrl}/tokens`, { headers: { accept: 'application/json' } });
    const sid = decodeJwt((JSON.parse(tokens.body) as { idToken: string }).idToken)['sid'];
    assert.equal(typeof sid, 'string');
    if (victim.sid !== undefined) assert.equal(sid, victim.sid, 'logging in again in the same browser keeps the provider session');
    victim.sid = sid as string;
    victim.alive = true;
  }

  async function post(token: string): Promise<{ status: number; headers: Headers; body: string }> {
    const response = await fetch(`${bed.appUrl}/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }).toString(),
    });
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  async function assertLoggedOut(answer: { status: number; headers: Headers; body: string }): Promise<void> {
    assert.equal(answer.status, 200, `expected 200, got ${answer.status}: ${answer.body}`);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    victim.alive = false;
    assert.equal((await whoAmI()).authenticated, false, 'the logout token ended the victim\'s session');
  }

  async function refused(variant: AttackToken): Promise<void> {
    await ensureVictim();
    if (variant.presentTwice === true) {
      // The first presentation is legitimate: it ends the session; the victim then logs in again
      // (same provider session, same sid) and the replay must not end the new session.
      await assertLoggedOut(await post(variant.token));
      await ensureVictim();
    }
    const providerBefore = bed.op.requests.length;
    const attackerBefore = attacker.requests.length;
    const mirrorBefore = mirror.requests.length;
    const answer = await post(variant.token);
    // The session first: a wrongly accepted token must not leave the next variant a dead victim.
    const me = await whoAmI();
    victim.alive = me.authenticated;
    assert.equal(answer.status, 400, `expected 400, got ${answer.status}: ${answer.body}`);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal((JSON.parse(answer.body) as { error: string }).error, 'invalid_request');
    assert.equal(me.sub, 'victim', 'the victim\'s session must survive a refused logout token');
    const calls = bed.op.requests.slice(providerBefore);
    const jwks = calls.filter((c) => c.path === jwksPath).length + mirror.requests.length - mirrorBefore;
    assert.ok(jwks <= 1, `${jwks} JWKS fetches for one token (the refetch must be rate-limited)`);
    // A fresh oidc-kit instance (after a JWKS variant) discovers the provider once: with the first
    // token that gets as far as the keys (tokens refused before that call the provider for nothing).
    const wasCold = cold;
    if (calls.some((c) => c.path === DISCOVERY)) cold = false;
    const allowed = (c: { path: string }): boolean => c.path === jwksPath || (wasCold && c.path === DISCOVERY);
    assert.deepEqual(calls.filter((c) => !allowed(c)).map((c) => `${c.method} ${c.path}`), [], 'unexpected requests to the provider');
    if (variant.preflight === true) assert.deepEqual(calls.map((c) => `${c.method} ${c.path}`), [], 'refused by the structural rules, yet the provider was asked');
    assert.deepEqual(attacker.requests.slice(attackerBefore), [], 'the attacker\'s server was contacted');
  }

  /** A variant that brings its own JWKS: a fresh oidc-kit instance (no keys cached) whose jwks_uri serves it. */
  async function withJwks(jwks: KeySet, run: () => Promise<void>): Promise<void> {
    mirrored = jwks;
    bed.reconfigure({ ...BACKCHANNEL, providerMetadata: { jwks_uri: `${mirror.url}/jwks` } });
    cold = true;
    try {
      await run();
    } finally {
      bed.reconfigure(BACKCHANNEL);
      cold = true;
      coldStarts += 1;
    }
  }

  function context(): AttackContext {
    const provider = [...bed.oidc.config.providers.values()][0]!;
    const alg = provider.idTokenSigningAlg;
    const attackKeys: AttackKey[] = keys.jwks.keys.map((jwk) => ({
      kid: jwk.kid!,
      alg: jwk.alg!,
      privateKey: createPrivateKey({ key: jwk, format: 'jwk' }),
      publicJwk: published.keys.find((k) => k.kid === jwk.kid)!,
    }));
    const about = { issuer: bed.op.issuer, clientId: 'demo-client', audience: 'https://api.example', subject: { sub: 'victim', sid: victim.sid! } };
    return createAttackContext({
      tokenType: 'logout_token',
      ...about,
      clientSecret: CLIENT_SECRET,
      alg,
      allowedAlgs: [alg],
      signingKey: attackKeys.find((k) => k.alg === alg)!,
      publishedKeys: attackKeys,
      jwks: published,
      clockTolerance: provider.clockTolerance,
      requiredClaims: ['iss', 'aud', 'iat', 'exp', 'jti', 'events', ['sid', 'sub']],
      attackerUrl: attacker.url,
      claims: () => standardClaims('logout_token', about),
    });
  }

  return {
    async setUp(theAttacker) {
      attacker = theAttacker;
      keys = await makeProviderKeys();
      bed = await startTestbed({ adapter, providerConfiguration: { jwks: keys.jwks }, oidc: BACKCHANNEL });
      mirror = await startRecorder((path) => (path === '/jwks' ? { type: 'application/json', body: JSON.stringify(mirrored) } : undefined));
      const discovery = await fetch(`${bed.op.issuer}/.well-known/openid-configuration`).then((r) => r.json() as Promise<{ jwks_uri: string }>);
      jwksPath = new URL(discovery.jwks_uri).pathname;
      published = await fetch(discovery.jwks_uri).then((r) => r.json() as Promise<KeySet>);
      await ensureVictim();
    },
    async tearDown() {
      await mirror.close();
      await bed.close();
    },
    async targets() {
      await ensureVictim();
      providerAtStart = bed.op.requests.length;
      coldStarts = cold ? 1 : 0;
      return [{
        name: 'logout_token',
        ctx: context(),
        async expectRefused(variant) {
          if (variant.jwks !== undefined) await withJwks(variant.jwks, () => refused(variant));
          else await refused(variant);
        },
        async expectAccepted(variant) {
          await ensureVictim();
          if (variant.jwks !== undefined) await withJwks(variant.jwks, async () => assertLoggedOut(await post(variant.token)));
          else await assertLoggedOut(await post(variant.token));
        },
        finish() {
          // Fresh instances (after a JWKS variant) fetch the provider's keys once each, legitimately.
          const fetched = bed.op.requests.slice(providerAtStart).filter((c) => c.path === jwksPath).length - coldStarts;
          assert.ok(fetched <= 1, `${fetched} JWKS fetches over the attack's variants: an unknown kid may cause one refetch, rate-limited`);
        },
      }];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// id_token and userinfo: whole logins through the hostile provider, which puts the hostile token in
// its token response (id_token) or its UserInfo answer (userinfo).

/** The API a JWT access token is for, in the sibling tokens of the confusion attacks (ATK-27). */
const SIBLING_AUDIENCE = 'https://api.example';

/** One login through the hostile provider, stopped at the callback (the authorization request done). */
interface PendingLogin {
  browser: TestBrowser;
  callback: URL;
  /** The nonce of the authorization request: an ID token for this login must carry it. */
  nonce: string;
  /** Whether this login runs on a fresh oidc-kit instance (it discovers the provider and loads its keys). */
  cold: boolean;
  /** Where the provider's and the attacker's request logs stood when the login began. */
  providerBefore: number;
  attackerBefore: number;
}

/** How a login ended, and what the provider saw during it. */
interface LoginOutcome {
  status: number;
  body: string;
  json: Record<string, unknown> | undefined;
  calls: HostileRequest[];
  /** GET / as JSON in the login's browser, right after. */
  me: { authenticated: boolean; sub: string | null };
}

const attackKeyOf = (key: HostileKey): AttackKey => ({ kid: key.kid, alg: key.alg, privateKey: key.privateKey, publicJwk: key.publicJwk });

/**
 * A hostile bed shared by the tests of one token type: logins in fresh browsers, a fresh oidc-kit
 * instance for the variants that bring their own JWKS, and the checks every refusal shares.
 */
class HostileLogins {
  bed!: HostileBed;
  attacker!: Recorder;
  /** The provider's own keys (rs-1 RS256, es-1 ES256), as published when no variant replaces them. */
  homeKeys: HostileKey[] = [];
  /** oidc-kit was just rebuilt and has not discovered the provider yet. */
  #cold = true;
  /** Over the current attack: when it began, where the provider's log stood, and the cold logins since. */
  #attackStart = 0;
  #providerAtStart = 0;
  #coldLogins = 0;
  readonly #oidc: HostileBedOptions['oidc'];
  readonly #adapter: AdapterName;

  constructor(adapter: AdapterName, oidc: HostileBedOptions['oidc']) {
    this.#adapter = adapter;
    this.#oidc = oidc;
  }

  async setUp(attacker: Recorder): Promise<void> {
    this.attacker = attacker;
    this.bed = await startHostileBed({ adapter: this.#adapter, oidc: this.#oidc });
    this.homeKeys = this.bed.op.keys;
  }

  async tearDown(): Promise<void> {
    await this.bed.close();
  }

  /** The provider honest again: no hooks, its own keys. */
  reset(): void {
    const op = this.bed.op;
    op.fault = undefined;
    op.authorizeResponse = undefined;
    op.idToken = undefined;
    op.signIdToken = undefined;
    op.tokenResponse = undefined;
    op.userinfo = undefined;
    op.keys = this.homeKeys;
    op.extraJwks = [];
  }

  /** Called as an attack begins (from `targets`). */
  beginAttack(): void {
    this.#attackStart = Date.now();
    this.#providerAtStart = this.bed.op.requests.length;
    this.#coldLogins = 0;
  }

  get provider(): { idTokenSigningAlg: string; userInfoSigningAlg: string | undefined; clockTolerance: number } {
    return [...this.bed.oidc.config.providers.values()][0]!;
  }

  /** Starts a login in a new browser and stops it at the callback (the code is issued, not yet redeemed). */
  async begin(): Promise<PendingLogin> {
    const op = this.bed.op;
    const providerBefore = op.requests.length;
    const attackerBefore = this.attacker.requests.length;
    const cold = this.#cold;
    this.#cold = false;
    if (cold) this.#coldLogins += 1;
    const browser = new TestBrowser();
    const { stoppedAt, response } = await this.bed.login({ browser, stopAtCallback: true });
    if (stoppedAt === undefined) throw new Error(`the login did not reach the callback: ${response.status} ${response.body}`);
    const nonce = op.requests.slice(providerBefore).filter((r) => r.path === '/authorize').at(-1)?.query.get('nonce');
    if (nonce === undefined || nonce === null) throw new Error('the authorization request carried no nonce');
    return { browser, callback: stoppedAt, nonce, cold, providerBefore, attackerBefore };
  }

  /** Lets the provider answer the pending login (its hooks set by the caller) and reads where it ended. */
  async finish(login: PendingLogin): Promise<LoginOutcome> {
    const { response } = await login.browser.navigate(login.callback, { headers: { accept: 'application/json' } });
    let json: Record<string, unknown> | undefined;
    if (/application\/json/.test(response.headers.get('content-type') ?? '')) json = JSON.parse(response.body) as Record<string, unknown>;
    const me = await this.whoAmI(login.browser);
    return { status: response.status, body: response.body, json, calls: this.bed.op.requests.slice(login.providerBefore), me };
  }

  async whoAmI(browser: TestBrowser): Promise<{ authenticated: boolean; sub: string | null }> {
    const response = await browser.request(`${this.bed.appUrl}/`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 200);
    return JSON.parse(response.body) as { authenticated: boolean; sub: string | null };
  }

  /**
   * What is wrong with how a login ended: it must have ended as `expected` says (`refused` checks
   * the status and error code) with a session or without; the provider saw only this login's
   * authorization and token requests, `userinfo` UserInfo calls, at most two key-set fetches (loaded
   * by jose, and reloaded at once for an unknown kid in a token the provider sent) and, on a fresh
   * instance, one discovery; the attacker's server saw nothing. Every problem is listed at once.
   */
  problems(login: PendingLogin, outcome: LoginOutcome, expected: { refused: boolean; answer: string; userinfo: number }): string[] {
    const out: string[] = [];
    const subject = this.bed.op.subject;
    if (expected.refused) {
      if (outcome.me.authenticated) out.push(`a session was created (sub ${String(outcome.me.sub)})`);
    } else if (outcome.me.authenticated !== true || outcome.me.sub !== subject) {
      out.push(`no session for ${subject}: ${JSON.stringify(outcome.me)}`);
    }
    const count = (path: string): number => outcome.calls.filter((c) => c.path === path).length;
    if (count('/userinfo') !== expected.userinfo) {
      out.push(expected.userinfo === 0 ? `UserInfo was called (${count('/userinfo')} times) although the ID token was refused` : `${count('/userinfo')} UserInfo calls, not ${expected.userinfo}`);
    }
    if (count('/authorize') !== 1 || count('/token') !== 1) out.push(`${count('/authorize')} authorization and ${count('/token')} token requests`);
    if (count('/jwks') > 2) out.push(`${count('/jwks')} JWKS fetches for one login (the refetch must be rate-limited)`);
    if (count(DISCOVERY) > (login.cold ? 1 : 0)) out.push(`${count(DISCOVERY)} discovery requests`);
    const known = new Set(['/authorize', '/token', '/jwks', '/userinfo', DISCOVERY]);
    const unexpected = outcome.calls.filter((c) => !known.has(c.path)).map((c) => `${c.method} ${c.path}`);
    if (unexpected.length > 0) out.push(`unexpected requests to the provider: ${unexpected.join(', ')}`);
    const lured = this.attacker.requests.slice(login.attackerBefore).map((r) => `${r.method} ${r.path}`);
    if (lured.length > 0) out.push(`the attacker's server was contacted: ${lured.join(', ')}`);
    if (out.length > 0) out.unshift(`answered ${outcome.status} ${outcome.body.slice(0, 300)} (expected ${expected.answer})`);
    return out;
  }

  /**
   * A variant that brings its own JWKS: a fresh oidc-kit instance (no keys cached) while the
   * provider's jwks_uri serves exactly that key set; then a fresh instance again, with the usual keys.
   */
  async withJwks(jwks: KeySet, run: () => Promise<void>): Promise<void> {
    const op = this.bed.op;
    op.keys = [];
    op.extraJwks = [...jwks.keys];
    this.bed.reconfigure(this.#oidc);
    this.#cold = true;
    try {
      await run();
    } finally {
      op.keys = this.homeKeys;
      op.extraJwks = [];
      this.bed.reconfigure(this.#oidc);
      this.#cold = true;
    }
  }

  /** Over all the variants of an attack: key-set reloads stay rate-limited (jose: every 30 s; provider-sent tokens: once a second). */
  finishAttack(): void {
    const elapsed = Date.now() - this.#attackStart;
    const fetched = this.bed.op.requests.slice(this.#providerAtStart).filter((c) => c.path === '/jwks').length - this.#coldLogins;
    const allowed = 1 + Math.ceil(elapsed / 1000) + Math.ceil(elapsed / 30_000);
    assert.ok(fetched <= allowed, `${fetched} JWKS refetches in ${elapsed} ms over the attack's variants (at most ${allowed}: once a second)`);
  }
}

function idTokenHarness(adapter: AdapterName): Harness {
  const logins = new HostileLogins(adapter, undefined);
  /** A fixed provider session id for the valid claims (the RP does not check sid at login). */
  const sid = randomUUID();
  /** The nonce the valid claims carry: the login under way's. */
  let nonce = 'no-login-yet';

  function context(): AttackContext {
    const { bed } = logins;
    const alg = logins.provider.idTokenSigningAlg;
    const keys = logins.homeKeys.map(attackKeyOf);
    const about = { issuer: bed.op.issuer, clientId: bed.op.client.clientId, audience: SIBLING_AUDIENCE, subject: { sub: bed.op.subject, sid } };
    return createAttackContext({
      tokenType: 'id_token',
      ...about,
      clientSecret: bed.op.client.clientSecret,
      alg,
      allowedAlgs: [alg],
      signingKey: keys.find((k) => k.alg === alg)!,
      publishedKeys: keys,
      jwks: { keys: logins.homeKeys.map((k) => k.publicJwk) },
      clockTolerance: logins.provider.clockTolerance,
      // OIDC Core §2; nonce because the RP sent one (§3.1.3.7 step 11).
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce'],
      attackerUrl: logins.attacker.url,
      // The provider's shape (oidc-provider's): no at_hash, which would have to match an access
      // token issued later (OIDC Core §3.1.3.6 makes it optional in the code flow).
      claims: () => {
        const claims = standardClaims('id_token', about);
        delete claims['at_hash'];
        return { ...claims, nonce };
      },
    });
  }

  /** The token endpoint of `login` answers with `token` as its ID token. */
  async function present(login: PendingLogin, token: string): Promise<LoginOutcome> {
    logins.bed.op.signIdToken = () => token;
    try {
      return await logins.finish(login);
    } finally {
      logins.bed.op.signIdToken = undefined;
    }
  }

  async function assertAccepted(login: PendingLogin, token: string): Promise<void> {
    const outcome = await present(login, token);
    const problems = logins.problems(login, outcome, { refused: false, answer: 'the login completed', userinfo: 1 });
    if (outcome.status !== 200 || outcome.json?.['sub'] !== logins.bed.op.subject) problems.unshift(`the login did not complete: ${outcome.status} ${outcome.body.slice(0, 300)}`);
    if (problems.length > 0) assert.fail(problems.join('; '));
  }

  async function assertRefused(login: PendingLogin, token: string, preflight = false): Promise<void> {
    const outcome = await present(login, token);
    const problems = logins.problems(login, outcome, { refused: true, answer: '400 id_token_invalid', userinfo: 0 });
    // Refused by the structural rules: after the token request, the provider is asked for nothing.
    const after = outcome.calls.slice(outcome.calls.findIndex((c) => c.path === '/token') + 1);
    if (preflight && after.length > 0) problems.push(`refused by the structural rules, yet the provider was asked: ${after.map((c) => `${c.method} ${c.path}`).join(', ')}`);
    if ((outcome.status !== 400 || outcome.json?.['error'] !== 'id_token_invalid') && problems.length === 0) {
      problems.push(`answered ${outcome.status} ${outcome.body.slice(0, 300)} (expected 400 id_token_invalid)`);
    }
    if (problems.length > 0) assert.fail(problems.join('; '));
  }

  return {
    setUp: (attacker) => logins.setUp(attacker),
    tearDown: () => logins.tearDown(),
    reset: () => logins.reset(),
    targets(attack) {
      logins.beginAttack();
      const ctx = context();
      // Each variant is made again for its own login (the nonce is the login's).
      const next = variantsPerLogin(attack, ctx);
      function rebuilt(login: PendingLogin): Promise<AttackToken> {
        nonce = login.nonce;
        return next();
      }
      return Promise.resolve([{
        name: 'id_token',
        ctx,
        async expectRefused(variant) {
          const run = async (): Promise<void> => {
            const login = await logins.begin();
            const { token } = await rebuilt(login);
            if (variant.presentTwice === true) {
              // The first presentation is the legitimate login; the same ID token returned to
              // another login (another nonce) is the replay.
              await assertAccepted(login, token);
              const replay = await logins.begin();
              await assertRefused(replay, token);
              assert.deepEqual(await logins.whoAmI(login.browser), { authenticated: true, sub: logins.bed.op.subject }, 'the replay ended the first login\'s session');
            } else {
              await assertRefused(login, token, variant.preflight === true);
            }
          };
          if (variant.jwks !== undefined) await logins.withJwks(variant.jwks, run);
          else await run();
        },
        async expectAccepted(variant) {
          const run = async (): Promise<void> => {
            const login = await logins.begin();
            await assertAccepted(login, (await rebuilt(login)).token);
          };
          if (variant.jwks !== undefined) await logins.withJwks(variant.jwks, run);
          else await run();
        },
        finish: () => logins.finishAttack(),
      }]);
    },
  };
}

/** oidc-kit requires signed UserInfo (docs/configuration.md#userinfosigningalg). */
const SIGNED_USERINFO: HostileBedOptions['oidc'] = { userInfoSigningAlg: 'RS256' };

function userinfoHarness(adapter: AdapterName): Harness {
  const logins = new HostileLogins(adapter, SIGNED_USERINFO);

  /** The provider as registered for signed UserInfo, its ID tokens always signed with its own RS256 key (even while a variant's JWKS is served). */
  function honest(): void {
    const op = logins.bed.op;
    op.client.userinfoSignedResponseAlg = 'RS256';
    op.signIdToken = (claims) => op.sign(claims, { key: logins.homeKeys[0] });
  }

  function context(): AttackContext {
    const { bed } = logins;
    const alg = logins.provider.userInfoSigningAlg!;
    const keys = logins.homeKeys.map(attackKeyOf);
    return createAttackContext({
      tokenType: 'userinfo',
      issuer: bed.op.issuer,
      clientId: bed.op.client.clientId,
      clientSecret: bed.op.client.clientSecret,
      audience: SIBLING_AUDIENCE,
      // The ID token's subject: UserInfo's sub must be it (OIDC Core §5.3.4).
      subject: { sub: bed.op.subject },
      alg,
      allowedAlgs: [alg],
      signingKey: keys.find((k) => k.alg === alg)!,
      publishedKeys: keys,
      jwks: { keys: logins.homeKeys.map((k) => k.publicJwk) },
      clockTolerance: logins.provider.clockTolerance,
      // OIDC Core §5.3.2 (iss, aud when signed) and §5.3.2 (sub always).
      requiredClaims: ['iss', 'aud', 'sub'],
      attackerUrl: logins.attacker.url,
    });
  }

  /** A whole login whose UserInfo endpoint answers with `token` as application/jwt. */
  async function login(token: string): Promise<{ pending: PendingLogin; outcome: LoginOutcome }> {
    const op = logins.bed.op;
    op.userinfo = () => ({ headers: { 'content-type': 'application/jwt' }, body: token });
    try {
      const pending = await logins.begin();
      return { pending, outcome: await logins.finish(pending) };
    } finally {
      op.userinfo = undefined;
    }
  }

  async function refused(variant: AttackToken): Promise<void> {
    if (variant.presentTwice === true) throw new Error('a UserInfo answer is fetched by the RP itself; no replay variant applies');
    const { pending, outcome } = await login(variant.token);
    const answer = '502 provider_error or 400 userinfo_sub_mismatch';
    const problems = logins.problems(pending, outcome, { refused: true, answer, userinfo: 1 });
    const documented = (outcome.status === 502 && outcome.json?.['error'] === 'provider_error') || (outcome.status === 400 && outcome.json?.['error'] === 'userinfo_sub_mismatch');
    if (!documented && problems.length === 0) problems.push(`answered ${outcome.status} ${outcome.body.slice(0, 300)} (expected ${answer})`);
    if (problems.length > 0) assert.fail(problems.join('; '));
  }

  async function accepted(variant: AttackToken): Promise<void> {
    const { pending, outcome } = await login(variant.token);
    const problems = logins.problems(pending, outcome, { refused: false, answer: 'the login completed', userinfo: 1 });
    if (outcome.status !== 200 || outcome.json?.['sub'] !== logins.bed.op.subject) problems.unshift(`the login did not complete: ${outcome.status} ${outcome.body.slice(0, 300)}`);
    // The name only the signed answer carries ('Victim', not the provider's 'Alice Example'): its claims were used.
    const name = (outcome.json?.['claims'] as Record<string, unknown> | undefined)?.['name'];
    if (name !== decodeJwt(variant.token)['name']) problems.push(`the session's name is ${JSON.stringify(name)}, not the signed UserInfo's`);
    if (problems.length > 0) assert.fail(problems.join('; '));
  }

  return {
    async setUp(attacker) {
      await logins.setUp(attacker);
      honest();
    },
    tearDown: () => logins.tearDown(),
    reset() {
      logins.reset();
      honest();
    },
    targets() {
      logins.beginAttack();
      return Promise.resolve([{
        name: 'userinfo',
        ctx: context(),
        async expectRefused(variant) {
          if (variant.jwks !== undefined) await logins.withJwks(variant.jwks, () => refused(variant));
          else await refused(variant);
        },
        async expectAccepted(variant) {
          if (variant.jwks !== undefined) await logins.withJwks(variant.jwks, () => accepted(variant));
          else await accepted(variant);
        },
        finish: () => logins.finishAttack(),
      }]);
    },
  };
}

/**
 * The harness of each token type: the attacks that apply to a type run against its harness with no
 * other change. To add a verifier, implement `Harness` (build an `AttackContext` with
 * `createAttackContext({ tokenType, … })`) and list it here.
 */
function harnessesFor(adapter: AdapterName): Partial<Record<TokenType, Harness>> {
  return {
    id_token: idTokenHarness(adapter),
    id_token_refresh: idTokenRefreshHarness(adapter),
    logout_token: logoutTokenHarness(adapter),
    userinfo: userinfoHarness(adapter),
    access_token: accessTokenHarness(adapter),
  };
}

async function runAttack(harness: Harness, attack: JwtAttack): Promise<void> {
  const failures: string[] = [];
  let variants = 0;
  for (const target of await harness.targets(attack)) {
    for (const variant of await attack.build(target.ctx)) {
      variants += 1;
      try {
        if (attack.expect === 'accepted') await target.expectAccepted(variant);
        else await target.expectRefused(variant);
      } catch (error) {
        failures.push(`[${target.name}] ${variant.label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    try {
      target.finish();
    } catch (error) {
      failures.push(`[${target.name}] over all variants: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  assert.ok(variants > 0, `${attack.id} built no variant for any target`);
  if (failures.length > 0) assert.fail(`${failures.length} of ${variants} variants failed (${attack.rule})\n${failures.join('\n')}`);
}

describe('JWT attack matrix', () => {
  let attacker: Recorder;
  before(async () => {
    attacker = await startAttackerServer();
    // The lures must be real: a verifier that followed jku, x5u or the foreign issuer would find the
    // attacker's key (the certificate also proves the DER writer). Then forget these requests.
    const { rsa } = attackerMaterial();
    const jwks = await fetch(`${attacker.url}/jwks`).then((r) => r.json() as Promise<KeySet>);
    assert.ok(jwks.keys.some((k) => k.n === rsa.publicJwk.n && k.kid === rsa.kid));
    const certificate = new X509Certificate(await fetch(`${attacker.url}/cert.pem`).then((r) => r.text()));
    assert.equal(certificate.publicKey.export({ format: 'jwk' }).n, rsa.publicJwk.n);
    assert.ok(certificate.verify(certificate.publicKey), 'a self-signed certificate');
    const discovery = await fetch(`${attacker.url}/.well-known/openid-configuration`).then((r) => r.json() as Promise<{ issuer: string }>);
    assert.equal(discovery.issuer, attacker.url);
    attacker.requests.length = 0;
  });
  after(() => attacker.close());

  test('the catalog: ids ATK-00… in order, one control, and a reason for every token type an attack does not apply to', () => {
    JWT_ATTACKS.forEach((attack, index) => {
      assert.equal(attack.id, `ATK-${String(index).padStart(2, '0')}`);
      for (const [type, reason] of Object.entries(attack.notApplicable ?? {})) {
        assert.ok((TOKEN_TYPES as readonly string[]).includes(type), `${attack.id}: unknown token type ${type}`);
        assert.ok(reason.length > 20, `${attack.id} (${type}): say why it does not apply`);
      }
      assert.ok(TOKEN_TYPES.some((type) => appliesTo(attack, type)), `${attack.id} applies to nothing`);
    });
    assert.deepEqual(JWT_ATTACKS.filter((a) => a.expect === 'accepted').map((a) => a.id), ['ATK-00']);
  });

  // Every attack through every adapter of the contract suite (the same test names: a row passes only on all).
  for (const adapter of ADAPTERS) for (const type of TOKEN_TYPES) {
    const harness = harnessesFor(adapter)[type];
    if (harness === undefined) continue;
    describe(`${type} (${adapter})`, () => {
      before(() => harness.setUp(attacker));
      after(() => harness.tearDown());
      beforeEach(() => harness.reset?.());
      for (const attack of JWT_ATTACKS) {
        if (!appliesTo(attack, type)) continue;
        const name = attack.expect === 'accepted' ? `${attack.id} (${type}): a valid token is accepted` : `${attack.id} (${type}): ${attack.title} is refused`;
        test(name, () => runAttack(harness, attack));
      }
    });
  }
});
