// The hostile provider: a small, fully scriptable OpenID Provider for the conformance suite (issue 8),
// on node:http + jose. By default it behaves like an honest provider for one confidential client —
// discovery, WebFinger, JWKS, authorization (no login page: the user is `op.subject`), token
// (authorization_code with PKCE, refresh_token with rotation, client_credentials), UserInfo (plain
// or signed), introspection, end_session and registration — and every answer can be reshaped per
// test: claims, headers, signatures, keys, issuer strings, odd JWKS entries, key rotation, faults.
// It records every request it receives, so a test can assert what the library did NOT do (no
// UserInfo call after a bad ID token, no token request after a bad state).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text as readBody } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';

import { CompactSign, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';

/**
 * One request the provider received, recorded before it is answered (also for unknown paths).
 *
 * @example
 * ```ts
 * const [token] = op.requestsTo('/token');
 * assert.equal(token!.form.get('grant_type'), 'authorization_code');
 * ```
 */
export interface HostileRequest {
  method: string;
  /** The URL path, without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body ('' when none). */
  body: string;
  /** The body parsed as a form when it is application/x-www-form-urlencoded, else empty. */
  form: URLSearchParams;
}

/**
 * How the provider answers one request when a test takes over:
 * - `{ status?, headers?, body?, delayMs? }`: status 200 by default; an object body is sent as JSON,
 *   a string verbatim (content-type application/json unless `headers` sets one); `delayMs` waits first.
 * - `'hang'`: never answer (the socket stays open until the client gives up or `op.close()`).
 * - `'destroy'`: close the socket without any HTTP response.
 * - `'truncate'`: announce a longer JSON body than is sent, then close the socket mid-body.
 *
 * @example
 * ```ts
 * op.fault = (r) => (r.path === '/token' ? { status: 502, headers: { 'content-type': 'text/html' }, body: '<h1>Bad gateway</h1>' } : undefined);
 * op.fault = (r) => (r.path === '/userinfo' ? 'truncate' : undefined);
 * ```
 */
export type HostileAnswer =
  | { status?: number; headers?: Record<string, string>; body?: string | Record<string, unknown>; delayMs?: number }
  | 'hang'
  | 'destroy'
  | 'truncate';

/**
 * A signing key of the provider: the private half signs, the public JWK is what /jwks publishes
 * (kty, key material, kid, alg, use 'sig'; never `d`).
 *
 * @example
 * ```ts
 * const rogue = await op.generateKey('RS256', op.keys[0]!.kid); // same kid, other key material
 * op.signIdToken = (claims) => op.sign(claims, { key: rogue });
 * ```
 */
export interface HostileKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * The one client the provider knows (replaced by a dynamic registration). `redirectUris` and
 * `postLogoutRedirectUris` undefined accept any value (tests that care set them).
 *
 * @example
 * ```ts
 * op.client.redirectUris = [`${appUrl}/callback`];
 * op.client.clientSecret = 'p@ss:w/rd %+&=?#'; // punctuation (BAS-14, DCR-02)
 * ```
 */
export interface HostileClient {
  clientId: string;
  clientSecret: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** Public keys for private_key_jwt client assertions. */
  jwks?: { keys: JWK[] };
  /** When set, UserInfo answers with a JWT signed with this algorithm (DYN-07). */
  userinfoSignedResponseAlg?: string;
  /** The registration metadata when the client was registered at /register. */
  metadata?: Record<string, unknown>;
  /**
   * How Basic credentials are read: form-decoded as RFC 6749 §2.3.1 asks (default), or `raw`, as
   * sent, as Glewlwyd 2.7 and LemonLDAP::NG 2.16 read them.
   */
  basicDecoding?: 'form' | 'raw';
}

/**
 * What one authorization code (and the tokens redeemed from it) remembers: the request's parameters
 * and the subject, so ID tokens and UserInfo answers can be derived from it.
 *
 * @example
 * ```ts
 * op.idToken = (claims, grant) => ({ ...claims, nonce: `${grant.nonce}1` }); // BAS-12
 * ```
 */
export interface HostileGrant {
  clientId: string;
  redirectUri: string;
  scope: string;
  nonce: string | undefined;
  state: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
  sub: string;
  sid: string;
  authTime: number;
  /** Every parameter of the authorization request. */
  params: URLSearchParams;
}

/** The token-endpoint exchange a hook is looking at. */
export interface TokenContext {
  grantType: string;
  grant: HostileGrant | undefined;
  request: HostileRequest;
}

/**
 * A running hostile provider. Every property may be changed at any time; the server reads them per
 * request. Hooks left undefined mean the honest default.
 *
 * @example
 * ```ts
 * const op = await startHostileProvider();
 * after(() => op.close());
 * op.idToken = (claims) => ({ ...claims, iss: `${op.issuer}1` }); // BAS-02
 * // … log in through the app …
 * assert.equal(op.count('/userinfo'), 0);
 * ```
 */
export interface HostileProvider {
  /** e.g. http://127.0.0.1:PORT (plus `issuerPath`); what discovery and tokens say unless changed. */
  readonly issuer: string;
  /** The server's origin, e.g. http://127.0.0.1:PORT. */
  readonly origin: string;
  /** Every request received, oldest first. Clear with `op.clear()`. */
  readonly requests: HostileRequest[];
  /** The requests to one path. */
  requestsTo(path: string): HostileRequest[];
  /** The number of requests to one path. */
  count(path: string): number;
  /** Forgets the recorded requests. */
  clear(): void;
  /**
   * The discovery document (served at `<issuer>/.well-known/openid-configuration`), built from the
   * issuer at start; change any member, or delete one.
   */
  metadata: Record<string, unknown>;
  client: HostileClient;
  /** The end user every authorization request logs in (unless `login_hint` names another). */
  subject: string;
  /** Claims of the user, added to UserInfo (and to nothing else). */
  userClaims: Record<string, unknown>;
  /** Published at /jwks (public parts); `keys[0]` (RS256, kid 'rs-1') signs ID tokens by default; `keys[1]` is ES256 'es-1'. */
  keys: HostileKey[];
  /** Raw entries appended to the published JWKS (odd keys: unknown kty, enc keys, private parts…). */
  extraJwks: JWK[];
  /** Generates a key (not published until pushed into `keys`). */
  generateKey(alg: string, kid?: string): Promise<HostileKey>;
  /** Replaces the published keys with fresh ones of the same algorithms (new kids). */
  rotateKeys(): Promise<HostileKey[]>;
  /**
   * Signs a JWT with `key` (default `keys[0]`); the header is { alg: key.alg, kid: key.kid } merged
   * with `header` (a member set to undefined is removed). The signature always uses the key's own alg.
   */
  sign(payload: JWTPayload, options?: { key?: HostileKey; header?: Record<string, unknown> }): Promise<string>;
  /** Signs a payload given as raw JSON text (duplicate members, huge numbers: what JSON.stringify will not write). */
  signRaw(payloadJson: string, options?: { key?: HostileKey; header?: Record<string, unknown> }): Promise<string>;
  /** `b64(header).b64(payload).signature`, for tokens jose will not make (alg none, forged signatures). */
  unsigned(header: Record<string, unknown>, payload: Record<string, unknown>, signature?: string): string;
  /** Checked first for every request: an answer takes over, undefined lets the request through. */
  fault: ((request: HostileRequest) => HostileAnswer | undefined | Promise<HostileAnswer | undefined>) | undefined;
  /** Reshapes the authorization response's parameters (code, state, iss; or error…) before they are sent. */
  authorizeResponse: ((params: URLSearchParams, grant: HostileGrant) => URLSearchParams | void) | undefined;
  /** Reshapes the claims of every ID token issued (code and refresh grants). */
  idToken: ((claims: JWTPayload, grant: HostileGrant, context: TokenContext) => JWTPayload) | undefined;
  /** Signs the ID tokens instead of `op.sign(claims)`: e.g. another key, alg or header. */
  signIdToken: ((claims: JWTPayload, grant: HostileGrant) => string | Promise<string>) | undefined;
  /** Reshapes the token endpoint's successful JSON answer, or replaces it with any answer. */
  tokenResponse: ((body: Record<string, unknown>, context: TokenContext) => Record<string, unknown> | HostileAnswer | Promise<Record<string, unknown> | HostileAnswer>) | undefined;
  /** Reshapes UserInfo's claims (before signing, when the client asked for signed UserInfo), or answers. */
  userinfo: ((claims: Record<string, unknown>, grant: HostileGrant) => Record<string, unknown> | HostileAnswer | Promise<Record<string, unknown> | HostileAnswer>) | undefined;
  /** Answers /register instead of the default (which registers the request and makes it `op.client`). */
  register: ((metadata: Record<string, unknown>, request: HostileRequest) => HostileAnswer | Promise<HostileAnswer>) | undefined;
  /** When set, /register requires `Authorization: Bearer <registrationToken>`. */
  registrationToken: string | undefined;
  /** Answers /introspect instead of the default (active for the access tokens it issued). */
  introspect: ((form: URLSearchParams, request: HostileRequest) => HostileAnswer | Promise<HostileAnswer>) | undefined;
  /** Access tokens issued and still valid → their grant (revoked by deleting). */
  readonly accessTokens: Map<string, HostileGrant>;
  /** Refresh tokens issued and not yet rotated → their grant. */
  readonly refreshTokens: Map<string, HostileGrant>;
  /** Every ID token issued, oldest first. */
  readonly idTokens: string[];
  /** Access token lifetime in seconds (expires_in), default 300. */
  accessTokenTtl: number;
  close(): Promise<void>;
}

/**
 * Starts a hostile provider on 127.0.0.1 (a free port). `host: 'localhost'` names it
 * http://localhost:PORT instead, another site than an app on 127.0.0.1 (for SameSite behaviour);
 * `issuerPath` gives it a path issuer (e.g. '/tenant' or '/tenant/').
 *
 * @example
 * ```ts
 * const op = await startHostileProvider({ clientId: 'rp', clientSecret: 's3cret' });
 * const app = new OpenIDConnect({ issuer: op.issuer, clientId: 'rp', clientSecret: 's3cret', baseUrl, secret });
 * ```
 */
export async function startHostileProvider(options: { clientId?: string; clientSecret?: string; host?: '127.0.0.1' | 'localhost'; issuerPath?: string } = {}): Promise<HostileProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  const issuer = origin + (options.issuerPath ?? '');
  const base = issuer.endsWith('/') ? issuer.slice(0, -1) : issuer;
  const codes = new Map<string, HostileGrant>();
  const requests: HostileRequest[] = [];

  const op: HostileProvider = {
    issuer,
    origin,
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    count: (path) => requests.filter((r) => r.path === path).length,
    clear: () => void (requests.length = 0),
    metadata: {
      issuer,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      userinfo_endpoint: `${base}/userinfo`,
      jwks_uri: `${base}/jwks`,
      end_session_endpoint: `${base}/end_session`,
      introspection_endpoint: `${base}/introspect`,
      registration_endpoint: `${base}/register`,
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'form_post'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      userinfo_signing_alg_values_supported: ['RS256', 'ES256'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      claims_supported: ['sub', 'email', 'email_verified', 'name'],
      authorization_response_iss_parameter_supported: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    },
    client: { clientId: options.clientId ?? 'hostile-client', clientSecret: options.clientSecret ?? 'hostile-client-secret-0123456789' },
    subject: 'alice',
    userClaims: { email: 'alice@example.com', email_verified: true, name: 'Alice Example' },
    keys: [],
    extraJwks: [],
    generateKey,
    async rotateKeys() {
      const algs = op.keys.length > 0 ? op.keys.map((k) => k.alg) : ['RS256', 'ES256'];
      op.keys = await Promise.all(algs.map((alg) => generateKey(alg)));
      return op.keys;
    },
    async sign(payload, { key = op.keys[0]!, header = {} } = {}) {
      const protectedHeader: Record<string, unknown> = { alg: key.alg, kid: key.kid, ...header };
      for (const [name, value] of Object.entries(protectedHeader)) if (value === undefined) delete protectedHeader[name];
      // jose signs with the header's alg; sign with the key's and splice the lying header in.
      const honest = await new SignJWT(payload).setProtectedHeader({ ...protectedHeader, alg: key.alg }).sign(key.privateKey);
      if (protectedHeader['alg'] === key.alg) return honest;
      const [, body, signature] = honest.split('.') as [string, string, string];
      return `${b64(protectedHeader)}.${body}.${signature}`;
    },
    async signRaw(payloadJson, { key = op.keys[0]!, header = {} } = {}) {
      return new CompactSign(new TextEncoder().encode(payloadJson)).setProtectedHeader({ kid: key.kid, ...header, alg: key.alg }).sign(key.privateKey);
    },
    unsigned: (header, payload, signature = '') => `${b64(header)}.${b64(payload)}.${signature}`,
    fault: undefined,
    authorizeResponse: undefined,
    idToken: undefined,
    signIdToken: undefined,
    tokenResponse: undefined,
    userinfo: undefined,
    register: undefined,
    registrationToken: undefined,
    introspect: undefined,
    accessTokens: new Map(),
    refreshTokens: new Map(),
    idTokens: [],
    accessTokenTtl: 300,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  op.keys = [await generateKey('RS256', 'rs-1'), await generateKey('ES256', 'es-1')];

  const now = (): number => Math.floor(Date.now() / 1000);
  const path = (endpoint: unknown): string | undefined => (typeof endpoint === 'string' && endpoint.startsWith(origin) ? new URL(endpoint).pathname : undefined);

  /** Client authentication at the token and introspection endpoints: Basic or POST body (or a client assertion), never two. */
  async function authenticateClient(request: HostileRequest): Promise<string | undefined> {
    const basic = /^Basic (.+)$/i.exec(request.headers.authorization ?? '');
    const assertion = request.form.get('client_assertion');
    const methods = [basic, request.form.has('client_secret') ? 'post' : null, assertion].filter(Boolean);
    if (methods.length !== 1) return undefined;
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      const decode = op.client.basicDecoding === 'raw' ? (value: string): string => value : formDecode;
      const id = decode(decoded.slice(0, colon));
      const secret = decode(decoded.slice(colon + 1));
      return id === op.client.clientId && secret === op.client.clientSecret ? id : undefined;
    }
    if (assertion) {
      if (!op.client.jwks) return undefined;
      try {
        const { payload } = await jwtVerify(assertion, createLocalJWKSet(op.client.jwks), { issuer: op.client.clientId, subject: op.client.clientId, audience: [issuer, String(op.metadata['token_endpoint'])] });
        return payload.iss;
      } catch {
        return undefined;
      }
    }
    const id = request.form.get('client_id');
    return id === op.client.clientId && request.form.get('client_secret') === op.client.clientSecret ? id : undefined;
  }

  function idTokenFor(grant: HostileGrant, context: TokenContext): Promise<string> | string {
    let claims: JWTPayload = {
      iss: issuer,
      sub: grant.sub,
      aud: grant.clientId,
      iat: now(),
      exp: now() + 300,
      auth_time: grant.authTime,
      sid: grant.sid,
      ...(grant.nonce !== undefined && context.grantType === 'authorization_code' ? { nonce: grant.nonce } : {}),
    };
    if (op.idToken) claims = op.idToken(claims, grant, context);
    return op.signIdToken ? op.signIdToken(claims, grant) : op.sign(claims);
  }

  async function issueTokens(grant: HostileGrant, context: TokenContext, withRefresh: boolean): Promise<Record<string, unknown>> {
    const accessToken = randomBytes(24).toString('base64url');
    op.accessTokens.set(accessToken, grant);
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: op.accessTokenTtl, scope: grant.scope };
    if (withRefresh) {
      const refreshToken = randomBytes(24).toString('base64url');
      op.refreshTokens.set(refreshToken, grant);
      body['refresh_token'] = refreshToken;
    }
    if (grant.scope.split(' ').includes('openid')) {
      const idToken = await idTokenFor(grant, context);
      op.idTokens.push(idToken);
      body['id_token'] = idToken;
    }
    return body;
  }

  async function route(request: HostileRequest): Promise<HostileAnswer> {
    const faulted = await op.fault?.(request);
    if (faulted !== undefined) return faulted;
    const discoveryPath = `${new URL(issuer).pathname.replace(/\/$/, '')}/.well-known/openid-configuration`;
    if (request.path === discoveryPath) return { body: op.metadata };
    if (request.path === '/.well-known/webfinger') {
      return { headers: { 'content-type': 'application/jrd+json' }, body: { subject: request.query.get('resource') ?? '', links: [{ rel: 'http://openid.net/specs/connect/1.0/issuer', href: issuer }] } };
    }
    const endpoint = (member: string): boolean => path(op.metadata[member]) === request.path;
    if (endpoint('jwks_uri')) return { body: { keys: [...op.keys.map((k) => k.publicJwk), ...op.extraJwks] } };
    if (endpoint('authorization_endpoint')) return authorize(request);
    if (endpoint('token_endpoint')) return token(request);
    if (endpoint('userinfo_endpoint')) return userinfo(request);
    if (endpoint('introspection_endpoint')) return introspection(request);
    if (endpoint('end_session_endpoint')) return endSession(request);
    if (endpoint('registration_endpoint')) return registration(request);
    return { status: 404, body: { error: 'not_found' } };
  }

  function authorize(request: HostileRequest): HostileAnswer {
    const params = request.method === 'POST' ? request.form : request.query;
    const redirectUri = params.get('redirect_uri') ?? '';
    const clientId = params.get('client_id');
    // An unknown client or redirect URI must never be redirected to (an open redirector otherwise).
    if (clientId !== op.client.clientId || !redirectUri || (op.client.redirectUris && !op.client.redirectUris.includes(redirectUri))) {
      return { status: 400, headers: { 'content-type': 'text/html' }, body: '<h1>invalid_request</h1>' };
    }
    const code = randomBytes(16).toString('base64url');
    const grant: HostileGrant = {
      clientId,
      redirectUri,
      scope: params.get('scope') ?? '',
      nonce: params.get('nonce') ?? undefined,
      state: params.get('state') ?? undefined,
      codeChallenge: params.get('code_challenge') ?? undefined,
      codeChallengeMethod: params.get('code_challenge_method') ?? undefined,
      sub: params.get('login_hint') ?? op.subject,
      sid: randomUUID(),
      authTime: now(),
      params,
    };
    codes.set(code, grant);
    let answer = new URLSearchParams({ code });
    if (grant.state !== undefined) answer.set('state', grant.state);
    answer.set('iss', issuer);
    answer = op.authorizeResponse?.(answer, grant) ?? answer;
    if (params.get('response_mode') === 'form_post') {
      const fields = [...answer].map(([name, value]) => `<input type="hidden" name="${html(name)}" value="${html(value)}">`).join('');
      return {
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
        body: `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${html(redirectUri)}">${fields}<noscript><button>Continue</button></noscript></form></body></html>`,
      };
    }
    const target = new URL(redirectUri);
    for (const [name, value] of answer) target.searchParams.append(name, value);
    return { status: 303, headers: { location: target.href } };
  }

  async function token(request: HostileRequest): Promise<HostileAnswer> {
    if (request.method !== 'POST') return { status: 405, body: { error: 'invalid_request' } };
    const clientId = await authenticateClient(request);
    if (clientId === undefined) return { status: 401, headers: { 'www-authenticate': 'Basic realm="token"' }, body: { error: 'invalid_client' } };
    const grantType = request.form.get('grant_type') ?? '';
    const context: TokenContext = { grantType, grant: undefined, request };
    let body: Record<string, unknown>;
    if (grantType === 'authorization_code') {
      const code = request.form.get('code') ?? '';
      const grant = codes.get(code);
      codes.delete(code); // single use
      if (!grant || grant.clientId !== clientId || grant.redirectUri !== request.form.get('redirect_uri')) return { status: 400, body: { error: 'invalid_grant' } };
      const verifier = request.form.get('code_verifier');
      if (grant.codeChallenge !== undefined && (grant.codeChallengeMethod !== 'S256' || !verifier || createHash('sha256').update(verifier).digest('base64url') !== grant.codeChallenge)) {
        return { status: 400, body: { error: 'invalid_grant', error_description: 'PKCE verification failed' } };
      }
      context.grant = grant;
      body = await issueTokens(grant, context, true);
    } else if (grantType === 'refresh_token') {
      const refreshToken = request.form.get('refresh_token') ?? '';
      const grant = op.refreshTokens.get(refreshToken);
      op.refreshTokens.delete(refreshToken); // rotation: a spent refresh token is refused
      if (!grant || grant.clientId !== clientId) return { status: 400, body: { error: 'invalid_grant' } };
      context.grant = grant;
      body = await issueTokens(grant, context, true);
    } else if (grantType === 'client_credentials') {
      const grant: HostileGrant = { clientId, redirectUri: '', scope: request.form.get('scope') ?? '', nonce: undefined, state: undefined, codeChallenge: undefined, codeChallengeMethod: undefined, sub: clientId, sid: '', authTime: now(), params: request.form };
      body = await issueTokens(grant, context, false);
    } else {
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
    const shaped = op.tokenResponse ? await op.tokenResponse(body, context) : body;
    return isAnswer(shaped) ? shaped : { headers: { 'cache-control': 'no-store' }, body: shaped };
  }

  async function userinfo(request: HostileRequest): Promise<HostileAnswer> {
    const bearer = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '');
    const grant = bearer ? op.accessTokens.get(bearer[1]!) : undefined;
    if (!grant || request.query.has('access_token') || request.form.has('access_token')) {
      return { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: { error: 'invalid_token' } };
    }
    const claims = { sub: grant.sub, ...op.userClaims };
    const shaped = op.userinfo ? await op.userinfo(claims, grant) : claims;
    if (isAnswer(shaped)) return shaped;
    const alg = op.client.userinfoSignedResponseAlg;
    if (alg === undefined) return { body: shaped };
    const key = op.keys.find((k) => k.alg === alg) ?? op.keys[0]!;
    return { headers: { 'content-type': 'application/jwt' }, body: await op.sign({ iss: issuer, aud: grant.clientId, ...shaped }, { key }) };
  }

  async function introspection(request: HostileRequest): Promise<HostileAnswer> {
    if (op.introspect) return op.introspect(request.form, request);
    if ((await authenticateClient(request)) === undefined) return { status: 401, body: { error: 'invalid_client' } };
    const grant = op.accessTokens.get(request.form.get('token') ?? '');
    if (!grant) return { body: { active: false } };
    return { body: { active: true, iss: issuer, sub: grant.sub, client_id: grant.clientId, scope: grant.scope, token_type: 'Bearer', iat: now(), exp: now() + op.accessTokenTtl } };
  }

  function endSession(request: HostileRequest): HostileAnswer {
    const params = request.method === 'POST' ? request.form : request.query;
    const target = params.get('post_logout_redirect_uri');
    const allowed = target !== null && (op.client.postLogoutRedirectUris === undefined || op.client.postLogoutRedirectUris.includes(target));
    if (!allowed) return { headers: { 'content-type': 'text/html' }, body: '<h1>You are signed out</h1>' };
    const url = new URL(target);
    const state = params.get('state');
    if (state !== null) url.searchParams.set('state', state);
    return { status: 303, headers: { location: url.href } };
  }

  async function registration(request: HostileRequest): Promise<HostileAnswer> {
    if (op.registrationToken !== undefined && request.headers.authorization !== `Bearer ${op.registrationToken}`) {
      return { status: 401, body: { error: 'invalid_token' } };
    }
    let metadata: Record<string, unknown>;
    try {
      metadata = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return { status: 400, body: { error: 'invalid_client_metadata' } };
    }
    if (op.register) return op.register(metadata, request);
    const clientId = `dyn-${randomBytes(6).toString('hex')}`;
    const clientSecret = randomBytes(24).toString('base64url');
    const redirectUris = Array.isArray(metadata['redirect_uris']) ? (metadata['redirect_uris'] as string[]) : [];
    op.client = {
      clientId,
      clientSecret,
      redirectUris,
      metadata,
      ...(Array.isArray(metadata['post_logout_redirect_uris']) ? { postLogoutRedirectUris: metadata['post_logout_redirect_uris'] as string[] } : {}),
      ...(typeof metadata['userinfo_signed_response_alg'] === 'string' ? { userinfoSignedResponseAlg: metadata['userinfo_signed_response_alg'] } : {}),
    };
    return { status: 201, body: { ...metadata, client_id: clientId, client_secret: clientSecret, client_secret_expires_at: 0, client_id_issued_at: now() } };
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      const body = await readBody(req);
      const contentType = req.headers['content-type'] ?? '';
      const request: HostileRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        form: contentType.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body) : new URLSearchParams(),
      };
      requests.push(request);
      let answer: HostileAnswer;
      try {
        answer = await route(request);
      } catch (error) {
        answer = { status: 500, body: { error: 'server_error', error_description: String(error) } };
      }
      await send(req, res, answer);
    })();
  });

  return op;
}

/** Generates a key pair for `alg` (RS*, PS*, ES256/384/512, EdDSA), with a random kid unless given. */
async function generateKey(alg: string, kid = randomBytes(6).toString('hex')): Promise<HostileKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function isAnswer(value: unknown): value is HostileAnswer {
  if (value === 'hang' || value === 'destroy' || value === 'truncate') return true;
  return typeof value === 'object' && value !== null && ('status' in value || 'headers' in value || 'delayMs' in value) && !('access_token' in value) && !('sub' in value);
}

async function send(req: IncomingMessage, res: ServerResponse, answer: HostileAnswer): Promise<void> {
  if (answer === 'hang') return;
  if (answer === 'destroy') {
    req.socket.destroy();
    return;
  }
  if (answer === 'truncate') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
    res.write('{"access_token":"abc","token_type":"Bearer","id_tok');
    setTimeout(() => req.socket.destroy(), 10);
    return;
  }
  if (answer.delayMs) await sleep(answer.delayMs);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries(answer.headers ?? {})) headers[name.toLowerCase()] = value;
  const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  if (!res.destroyed) {
    res.writeHead(answer.status ?? 200, headers);
    res.end(text);
  }
}

function b64(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** application/x-www-form-urlencoded decoding of one credential (RFC 6749 §2.3.1): '+' is a space. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function html(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
