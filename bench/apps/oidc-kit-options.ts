/**
 * The options every oidc-kit app of the bench gives its adapter, whatever the framework: the same
 * provider, client and secret, so that the frameworks' apps differ only in the framework.
 *
 * @example
 * ```ts
 * const oidc = new OpenIDConnect(sessionOptions(BASE_URL));         // a login app, session in a cookie
 * const api = new OpenIDConnect(bearerOptions(API_JWT));            // an API-only app (acceptToken)
 * ```
 */
import { CLIENT_ID, CLIENT_SECRET, ISSUER, SESSION_SECRET } from '../config.ts';

/**
 * A login app's options: the session in an encrypted cookie (add `session: { store }` for Redis).
 *
 * @example
 * ```ts
 * new OpenIDConnect({ ...sessionOptions(BASE_URL), session: { store } });
 * ```
 */
export function sessionOptions(baseUrl: string) {
  return {
    baseUrl,
    secret: SESSION_SECRET,
    issuer: ISSUER,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scope: 'openid email profile',
    // express-openid-connect does not call UserInfo at login; oidc-kit does by default (as
    // Flask-OIDC does). Off here, so that the cost of a login compares the same work;
    // BENCH_USERINFO=on measures the default (one more round trip to the provider per login).
    userInfo: process.env['BENCH_USERINFO'] === 'on',
  };
}

/**
 * An API-only app's options: bearer tokens for `audience` (JWTs verified locally and cached,
 * opaque tokens introspected and cached), no login.
 *
 * @example
 * ```ts
 * new OpenIDConnect(bearerOptions(API_OPAQUE));
 * ```
 */
export function bearerOptions(audience: string) {
  return {
    resourceServerOnly: true as const,
    issuer: ISSUER,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    resourceServer: { audience },
  };
}

/**
 * An API-only app that takes DPoP-bound tokens (RFC 9449): the bearer options plus the app's public
 * URL, which a proof's `htu` is checked against (never the request's Host header). The DPoP rules
 * are the library's defaults (ES256, PS256, EdDSA; `maxAge` 60 s; no nonce; used proofs kept in
 * process); the route asks for DPoP with `acceptToken({ dpop: 'required' })`.
 *
 * @example
 * ```ts
 * new OpenIDConnect(dpopOptions(API_JWT, BASE_URL));
 * ```
 */
export function dpopOptions(audience: string, baseUrl: string) {
  return { ...bearerOptions(audience), baseUrl };
}
