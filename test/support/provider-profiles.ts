// The interop table of docs/providers.md as data: for each provider, the shapes of its discovery
// document, ID tokens, JWT access tokens and logout tokens as the provider documents them (sources
// in docs/providers.md), and the oidc-kit settings the table tells users to set. The hostile test
// provider serves these shapes (test/integration/provider-interop.test.ts) so that every row of the
// table is a test.
import type { JWTPayload } from 'jose';
import type { ExpressOpenIDConnectOptions } from '../../src/express.ts';

/** What a profile's shapers are given: the provider's issuer, the app's client id, the login's subject and provider session, now. */
export interface ShapeContext {
  issuer: string;
  clientId: string;
  sub: string;
  sid: string;
  now: number;
}

/** A JWT as a provider shapes it: protected header members (besides alg and kid) and claims. */
export interface JwtShape {
  header: Record<string, unknown>;
  claims: JWTPayload;
}

/** How a provider's JWT access tokens fare with oidc-kit. */
export type AccessTokenRow =
  | {
    kind: 'jwt';
    shape: (ctx: ShapeContext) => JwtShape;
    /** The resource server settings the table gives. */
    settings: NonNullable<ExpressOpenIDConnectOptions['resourceServer']>;
    /** What the default (strict) settings do with such a token: accepted, or refused with this reason and a log naming this setting. */
    strictDefault: 'accepted' | { reason: string; setting: RegExp };
  }
  | {
    /** Not verifiable locally: the token is refused (this reason) whatever strictJwt says, and introspection is the way. */
    kind: 'refused';
    shape: (ctx: ShapeContext) => JwtShape;
    reason: string;
  }
  | { kind: 'opaque' };

/** One row of the interop table. */
export interface ProviderProfile {
  name: string;
  /** The issuer's path on the test provider's origin, e.g. '/realms/demo' or '/' (Auth0's trailing slash). */
  issuerPath: string;
  /** Discovery members the provider publishes differently from the test provider's defaults. */
  metadata?: Record<string, unknown>;
  /** The ID token's header members and extra claims, over the test provider's honest ID token. */
  idToken: { header: Record<string, unknown>; claims: (claims: JWTPayload, ctx: ShapeContext) => JWTPayload };
  /** The JWKS keys carry no `alg` (Entra ID). */
  jwksWithoutAlg?: boolean;
  /** The provider does not form-decode Basic credentials (RFC 6749 §2.3.1). */
  rawBasic?: boolean;
  /** oidc-kit options the table gives for logins. */
  settings: Partial<ExpressOpenIDConnectOptions>;
  accessToken: AccessTokenRow;
  /** The provider's back-channel logout token, and what oidc-kit does with it; undefined: the provider has none. */
  logoutToken?: { shape: (ctx: ShapeContext) => JwtShape; outcome: 'accepted' | { reason: string } };
}

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** The API the access tokens are for. */
export const API = 'https://api.example.com';

/** An RFC 9068 access token's claims, which providers then trim or rename. */
function rfc9068(ctx: ShapeContext): JWTPayload {
  return { iss: ctx.issuer, sub: ctx.sub, aud: API, client_id: ctx.clientId, iat: ctx.now, exp: ctx.now + 300, jti: `at-${ctx.now}-${Math.random()}`, scope: 'openid read' };
}

function logout(ctx: ShapeContext, extra: JWTPayload = {}): JWTPayload {
  return { iss: ctx.issuer, aud: ctx.clientId, iat: ctx.now, exp: ctx.now + 120, jti: `lt-${ctx.now}-${Math.random()}`, sid: ctx.sid, sub: ctx.sub, events: { [EVENT]: {} }, ...extra };
}

const without = (claims: JWTPayload, ...names: string[]): JWTPayload => Object.fromEntries(Object.entries(claims).filter(([name]) => !names.includes(name)));
/** The log's advice for tokens that fail both rules: relax both in one change. */
const RELAX_BOTH = /strictJwt: \{ typ: false, claims: false \} \(they also lack "[a-z_]+", which RFC 9068 section 2\.2 requires\)/;

/**
 * Every row of docs/providers.md.
 *
 * @example
 * ```ts
 * for (const profile of PROVIDER_PROFILES) console.log(profile.name, profile.issuerPath);
 * ```
 */
export const PROVIDER_PROFILES: readonly ProviderProfile[] = [
  {
    name: 'Keycloak',
    issuerPath: '/realms/demo',
    metadata: { token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'tls_client_auth', 'client_secret_jwt'], backchannel_logout_supported: true },
    idToken: { header: { typ: 'JWT' }, claims: (c, ctx) => ({ ...c, typ: 'ID', azp: ctx.clientId, session_state: ctx.sid, acr: '1' }) },
    settings: {},
    accessToken: {
      kind: 'jwt',
      // No client_id (azp instead), a Keycloak `typ: Bearer` claim; aud from an Audience mapper.
      shape: (ctx) => ({ header: { typ: 'JWT' }, claims: { ...without(rfc9068(ctx), 'client_id'), typ: 'Bearer', azp: ctx.clientId, sid: ctx.sid, realm_access: { roles: ['user'] } } }),
      settings: { audience: API, strictJwt: false },
      strictDefault: { reason: 'typ', setting: RELAX_BOTH },
    },
    logoutToken: { shape: (ctx) => ({ header: { typ: 'logout+jwt' }, claims: logout(ctx) }), outcome: 'accepted' },
  },
  {
    name: 'Microsoft Entra ID',
    issuerPath: '/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0',
    metadata: { token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'] },
    idToken: { header: { typ: 'JWT' }, claims: (c) => ({ ...c, ver: '2.0', tid: '9188040d-6c67-4c5b-b112-36a304b66dad', oid: 'f1e2d3c4-0000-4000-8000-000000000001', aio: 'AQ' }) },
    jwksWithoutAlg: true,
    settings: {},
    accessToken: {
      kind: 'jwt',
      // v2 tokens of your own API: aud is the API's client id or App ID URI, azp the client, scp, uti instead of jti.
      shape: (ctx) => ({ header: { typ: 'JWT' }, claims: { ...without(rfc9068(ctx), 'client_id', 'jti', 'scope'), azp: ctx.clientId, azpacr: '1', scp: 'read', ver: '2.0', uti: 'x1', nbf: ctx.now } }),
      settings: { audience: API, strictJwt: false, algorithms: ['RS256'] },
      strictDefault: { reason: 'typ', setting: RELAX_BOTH },
    },
  },
  {
    name: 'Auth0 (default token dialect)',
    issuerPath: '/',
    metadata: { token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] },
    idToken: { header: { typ: 'JWT' }, claims: (c) => ({ ...c, nickname: 'alice', updated_at: '2026-01-01T00:00:00.000Z' }) },
    settings: {},
    accessToken: {
      kind: 'jwt',
      shape: (ctx) => ({ header: { typ: 'JWT' }, claims: { ...without(rfc9068(ctx), 'client_id', 'jti'), aud: [API, `${ctx.issuer}userinfo`], azp: ctx.clientId } }),
      settings: { audience: API, strictJwt: false },
      strictDefault: { reason: 'typ', setting: RELAX_BOTH },
    },
  },
  {
    name: 'Auth0 (RFC 9068 token profile)',
    issuerPath: '/',
    idToken: { header: { typ: 'JWT' }, claims: (c) => c },
    settings: {},
    accessToken: {
      kind: 'jwt',
      shape: (ctx) => ({ header: { typ: 'at+jwt' }, claims: { ...rfc9068(ctx), aud: [API, `${ctx.issuer}userinfo`] } }),
      settings: { audience: API },
      strictDefault: 'accepted',
    },
  },
  {
    name: 'Okta (custom authorization server)',
    issuerPath: '/oauth2/default',
    idToken: { header: {}, claims: (c) => ({ ...c, ver: 1, idp: '00o1', amr: ['pwd'] }) },
    settings: {},
    accessToken: {
      kind: 'jwt',
      // No typ; cid and scp (an array) instead of client_id and scope.
      shape: (ctx) => ({ header: {}, claims: { ...without(rfc9068(ctx), 'client_id', 'scope'), ver: 1, aud: 'api://default', cid: ctx.clientId, uid: '00u1', scp: ['openid', 'read'] } }),
      settings: { audience: 'api://default', strictJwt: false },
      strictDefault: { reason: 'typ', setting: RELAX_BOTH },
    },
  },
  {
    name: 'Google',
    issuerPath: '',
    metadata: { token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'], introspection_endpoint: undefined },
    idToken: { header: { typ: 'JWT' }, claims: (c) => ({ ...c, email: 'alice@example.com', email_verified: true, hd: 'example.com' }) },
    settings: { googleAppsDomain: 'example.com' },
    accessToken: { kind: 'opaque' },
  },
  {
    name: 'Amazon Cognito',
    issuerPath: '/eu-west-1_AbCdEf123',
    idToken: { header: {}, claims: (c) => ({ ...c, token_use: 'id', 'cognito:username': 'alice', origin_jti: 'o1', event_id: 'e1' }) },
    settings: {},
    accessToken: {
      kind: 'jwt',
      // No typ and no aud: the client is in client_id, the kind in token_use.
      shape: (ctx) => ({ header: {}, claims: { ...without(rfc9068(ctx), 'aud'), token_use: 'access', username: 'alice', auth_time: ctx.now, origin_jti: 'o1' } }),
      settings: { audience: undefined, strictJwt: false },
      strictDefault: { reason: 'typ', setting: RELAX_BOTH },
    },
  },
  {
    name: 'Authentik',
    issuerPath: '/application/o/demo-app/',
    metadata: { token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'] },
    rawBasic: true,
    idToken: { header: { typ: 'JWT' }, claims: (c, ctx) => ({ ...c, azp: ctx.clientId, uid: 'u1', acr: 'goauthentik.io/providers/oauth2/default' }) },
    settings: {},
    accessToken: {
      kind: 'jwt',
      // aud is the client id; azp, no client_id, no jti.
      shape: (ctx) => ({ header: { typ: 'JWT' }, claims: { ...without(rfc9068(ctx), 'client_id', 'jti'), aud: ctx.clientId, azp: ctx.clientId, uid: 'u1' } }),
      settings: { strictJwt: false },
      strictDefault: { reason: 'typ', setting: RELAX_BOTH },
    },
    logoutToken: { shape: (ctx) => ({ header: { typ: 'logout+jwt' }, claims: logout(ctx) }), outcome: 'accepted' },
  },
  {
    name: 'Zitadel (JWT access tokens)',
    issuerPath: '',
    idToken: { header: { typ: 'JWT' }, claims: (c, ctx) => ({ ...c, client_id: ctx.clientId, azp: ctx.clientId, amr: ['password', 'pwd'] }) },
    settings: {},
    accessToken: {
      kind: 'jwt',
      // Every RFC 9068 claim but the typ; aud holds the project and the client; no scope claim.
      shape: (ctx) => ({ header: { typ: 'JWT' }, claims: { ...without(rfc9068(ctx), 'scope'), aud: [API, ctx.clientId], nbf: ctx.now } }),
      settings: { audience: API, strictJwt: { typ: false } },
      strictDefault: { reason: 'typ', setting: /strictJwt: \{ typ: false \}/ },
    },
    logoutToken: { shape: (ctx) => ({ header: { typ: 'logout+jwt' }, claims: logout(ctx, { exp: ctx.now + 300 }) }), outcome: 'accepted' },
  },
  {
    name: 'Dex',
    issuerPath: '/dex',
    idToken: { header: {}, claims: (c) => ({ ...c, email: 'alice@example.com', email_verified: true, name: 'Alice' }) },
    settings: {},
    accessToken: {
      kind: 'refused',
      // Dex's access token is an ID token (nonce, at_hash): never an access token here.
      shape: (ctx) => ({ header: {}, claims: { iss: ctx.issuer, sub: ctx.sub, aud: ctx.clientId, iat: ctx.now, exp: ctx.now + 300, nonce: 'n', at_hash: 'AAAAAAAAAAAAAAAAAAAAAA' } }),
      reason: 'id_token',
    },
  },
  {
    name: 'Glewlwyd',
    issuerPath: '/api/oidc',
    metadata: { token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'] },
    rawBasic: true,
    idToken: { header: { typ: 'JWT' }, claims: (c, ctx) => ({ ...c, azp: ctx.clientId, amr: ['password'] }) },
    settings: {},
    accessToken: {
      kind: 'jwt',
      // RFC 9068 to the letter when the login sends `resource` (else aud is the scope string).
      shape: (ctx) => ({ header: { typ: 'at+jwt' }, claims: { ...rfc9068(ctx), type: 'access_token', nbf: ctx.now } }),
      settings: { audience: API },
      strictDefault: 'accepted',
    },
    // Draft 06 of Back-Channel Logout: no exp, which the final specification requires.
    logoutToken: { shape: (ctx) => ({ header: { typ: 'JWT' }, claims: without(logout(ctx), 'exp') }), outcome: { reason: 'exp' } },
  },
  {
    name: 'node oidc-provider',
    issuerPath: '',
    idToken: { header: {}, claims: (c) => c },
    settings: {},
    accessToken: {
      kind: 'jwt',
      shape: (ctx) => ({ header: { typ: 'at+jwt' }, claims: rfc9068(ctx) }),
      settings: { audience: API },
      strictDefault: 'accepted',
    },
    logoutToken: { shape: (ctx) => ({ header: { typ: 'logout+jwt' }, claims: logout(ctx) }), outcome: 'accepted' },
  },
];
