/**
 * The resource server's options (`resourceServer` of `OpenIDConnectOptions`): how APIs accept
 * bearer tokens, by JWT validation or introspection. Re-exported by options.ts.
 */
import type { SessionStore } from '../session/session-store.ts';

/**
 * How the resource server authenticates at the introspection endpoint (Flask-OIDC:
 * OIDC_INTROSPECTION_AUTH_METHOD).
 *
 * @example
 * ```ts
 * resourceServer: { introspection: { authMethod: 'client_secret_post' } } // what Flask-OIDC used
 * ```
 */
export type IntrospectionAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'bearer';

/**
 * How a bearer token is validated: `'jwt'` locally, `'introspection'` at the provider, `'auto'` by
 * its shape.
 *
 * @example
 * ```ts
 * // A revoked token is refused at once on this route, not when it expires:
 * app.delete('/api/account', oidc.acceptToken({ strategy: 'introspection' }), handler);
 * ```
 */
export type TokenValidationStrategy = 'auto' | 'jwt' | 'introspection';

/**
 * The RFC 9068 rules `resourceServer.strictJwt` can relax one by one; each defaults to `true`.
 *
 * @example
 * ```ts
 * const strictJwt: StrictJwtOptions = { typ: false }; // the provider's access tokens say `typ: JWT`
 * ```
 */
export interface StrictJwtOptions {
  /** `typ` must be `at+jwt`. `false`: `JWT` or no `typ` is accepted too. */
  typ?: boolean;
  /** `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and `jti` are required. `false`: `iss` and `exp`, plus a client or scope claim. */
  claims?: boolean;
}

/**
 * Settings of the resource server: how `acceptToken()`, `accessControl()` and `validateToken()`
 * check bearer tokens. Every field has a default; set `audience` at least.
 *
 * @example
 * ```ts
 * const resourceServer: ResourceServerOptions = {
 *   audience: 'https://api.example.com',
 *   introspection: { cacheTtl: 30 },
 * };
 * ```
 */
export interface ResourceServerOptions {
  /**
   * The audience this API must find in a token's `aud` (RFC 9068 §4; one match of several suffices).
   * Strongly recommended: without it a token the provider issued for any other API of yours is
   * accepted here. Flask-OIDC's OIDC_RESOURCE_CHECK_AUD is `audience: clientId`.
   */
  audience?: string | readonly string[];
  /**
   * `'auto'` (default): a token shaped like a signed JWT is validated locally with the provider's
   * keys, any other (opaque, encrypted) token by introspection. `'jwt'` or `'introspection'` force one.
   */
  strategy?: TokenValidationStrategy;
  /** JWS algorithms accepted on JWT access tokens. Default: every asymmetric one (RS*, PS*, ES*, EdDSA); never `none` or HS*. */
  algorithms?: readonly string[];
  /**
   * RFC 9068, to the letter (default `true`): JWT access tokens must have `typ: at+jwt` and the
   * claims `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and `jti`. Many providers still issue
   * `typ: JWT` tokens or leave claims out (docs/providers.md says which); when the provider's own
   * signed tokens fail only on one of these rules, the log says so once and names the setting.
   * Relax one rule with `{ typ: false }` (accept `JWT` or no `typ`) or `{ claims: false }` (require
   * only `iss` and `exp`, plus a client or scope claim), or both with `false`. ID tokens, logout
   * tokens and bound tokens are refused either way.
   *
   * @example
   * ```ts
   * resourceServer: { audience: 'https://api.example.com', strictJwt: { typ: false } } // Keycloak, Auth0, Okta
   * ```
   */
  strictJwt?: boolean | StrictJwtOptions;
  /** Also accept the token as `access_token` in a form-encoded POST body (RFC 6750 §2.2). Default `false`. */
  allowFormToken?: boolean;
  /**
   * Also accept the token as `?access_token=` in the query string (RFC 6750 §2.3). Default `false`:
   * URLs end up in logs and browser history, so the token leaks. While off, a request that puts
   * one there gets a 400 that says to use the Authorization header.
   */
  allowQueryToken?: boolean;
  /** The `realm` of `WWW-Authenticate: Bearer realm="…"`. Default `"api"`. */
  realm?: string;
  /** Token introspection (RFC 7662), for opaque tokens. */
  introspection?: IntrospectionOptions;
  /** Most verified tokens and introspection answers kept in memory (each cache): a whole number from 1 to 1 000 000. Default 10 000. */
  cacheMaxEntries?: number;
  /** Which provider issues the tokens, when there are several. Default: the default provider. */
  provider?: string;
  /**
   * DPoP (RFC 9449) sender-constrained tokens: `'off'` (default: only Bearer tokens, bound ones
   * refused), `'allowed'` (`Authorization: DPoP` with a proof, and unbound Bearer tokens), or
   * `'required'` (DPoP only); or an object with the mode and the proof rules. The default of every
   * `acceptToken()` route, which may set its own `dpop` mode.
   */
  dpop?: DpopMode | DpopOptions;
  /**
   * RFC 9728 protected-resource metadata at `/.well-known/oauth-protected-resource` (path-inserted
   * when the resource identifier has a path), named in every challenge of `acceptToken()` as
   * `resource_metadata`. Default `false` (off): `true` publishes it for the first `baseUrl`, an
   * object names the resource and what to publish.
   */
  metadata?: boolean | ProtectedResourceMetadataOptions;
}

/**
 * Whether a route accepts DPoP-bound tokens (RFC 9449): `'off'` — Bearer only, bound tokens
 * refused; `'allowed'` — DPoP or unbound Bearer; `'required'` — DPoP only.
 *
 * @example
 * ```ts
 * app.get('/api/payments', oidc.acceptToken({ dpop: 'required' }), handler);
 * ```
 */
export type DpopMode = 'off' | 'allowed' | 'required';

/**
 * How DPoP proofs are checked; see {@link ResourceServerOptions.dpop} and docs/dpop-and-fapi.md.
 *
 * @example
 * ```ts
 * resourceServer: { dpop: { mode: 'required', requireNonce: true, algorithms: ['ES256'] } }
 * ```
 */
export interface DpopOptions {
  /** The default mode of `acceptToken()` routes. Default `'allowed'` when this object is given. */
  mode?: DpopMode;
  /**
   * JWS algorithms a proof may be signed with: asymmetric only. Default `['ES256', 'PS256', 'EdDSA', 'Ed25519']`
   * (FAPI 2.0's set; RS256 on request).
   */
  algorithms?: readonly string[];
  /** Seconds a proof is good for after its `iat` (plus `clockTolerance` either way). Default 60. */
  maxAge?: number;
  /** Require a server nonce (RFC 9449 §9) in every proof: `use_dpop_nonce` with a `DPoP-Nonce` otherwise. Default `false`. */
  requireNonce?: boolean;
  /** Seconds a nonce is issued for; the previous one is accepted for as long again. Default 300. */
  nonceLifetime?: number;
  /**
   * Where used proofs (`jti`) are remembered, so that none is accepted twice: a store with `add`
   * (Redis `SET NX`) that every instance shares. Default: `session.store` when it is shared and has
   * `add`; otherwise an in-process cache (100 000 proofs at most; one instance only).
   */
  replayStore?: SessionStore;
}

/**
 * What the RFC 9728 metadata document says; see {@link ResourceServerOptions.metadata}.
 *
 * @example
 * ```ts
 * resourceServer: { metadata: { resource: 'https://api.example.com', scopes: ['reports:read'] } }
 * ```
 */
export interface ProtectedResourceMetadataOptions {
  /** The resource identifier (RFC 9728 §1.2): an https URL of this app. Default: the first `baseUrl`. */
  resource?: string;
  /** `authorization_servers`: issuers whose tokens are accepted. Default: the resource server's provider's issuer. */
  authorizationServers?: readonly string[];
  /** `scopes_supported`. Default: none published. */
  scopes?: readonly string[];
  /** `resource_name`, for people. Default: none. */
  resourceName?: string;
}

/**
 * Settings of token introspection; see {@link ResourceServerOptions.introspection}.
 *
 * @example
 * ```ts
 * const introspection: IntrospectionOptions = {
 *   clientId: 'reports-api', // the API's own client at the provider
 *   clientSecret: process.env.INTROSPECTION_SECRET!,
 *   cacheTtl: 30,
 * };
 * ```
 */
export interface IntrospectionOptions {
  /** Default: the provider's `tokenEndpointAuthMethod` when that is basic or post, else `client_secret_basic`. */
  authMethod?: IntrospectionAuthMethod;
  /** The client the API introspects as, when it has its own registration. Default: the provider's `clientId`. */
  clientId?: string;
  /** That client's secret. Default: the provider's `clientSecret`. */
  clientSecret?: string;
  /** `token_type_hint` sent with each request; `false` sends none (some Keycloak versions refuse it). Default `'access_token'`. */
  tokenTypeHint?: string | false;
  /** Seconds an active answer is reused, never beyond the token's `exp` (RFC 7662 §4). Default 60; 0 turns caching off. */
  cacheTtl?: number;
  /** Seconds an inactive answer is reused, so a flood of one bad token costs one call. Default 5; 0 turns it off. */
  inactiveCacheTtl?: number;
  /**
   * The most introspection calls in flight at once, per provider (an integer, 1 to 10 000). A request
   * over it waits up to a second for a free slot, then gets 503 with `Retry-After` without calling
   * the provider: a flood of made-up tokens cannot turn the API into a relay. Default 64.
   */
  maxConcurrent?: number;
  /**
   * Also keep answers in this store (e.g. the `RedisStore` of `oidc-kit/redis`), shared by every
   * instance of the API, so a token is introspected once per cache lifetime in all, not once per
   * instance. Each instance keeps its in-memory cache in front of it. Keys are the SHA-256 of the
   * token, never the token; answers are sealed with `secret` (which an API-only app must then set,
   * the same on every instance), so write access to the store cannot make a token valid. A store
   * that fails is skipped (the provider is asked). Default: none.
   */
  store?: SessionStore;
}
