/**
 * Typed errors. Every failure the library reports to a request carries a stable `code`, the HTTP
 * `status` it answers with, and a message that is safe to show (no tokens, no secrets). Start-up
 * problems are a {@link ConfigurationError} that names the option and the fix.
 */

/**
 * The stable error codes a request can fail with. They are part of the public API: match on them,
 * show them, log them; they do not change between minor versions.
 *
 * @example
 * ```ts
 * const messages: Partial<Record<OidcErrorCode, string>> = { op_error: 'The login was cancelled.', session_expired: 'Please log in again.' };
 * ```
 */
export type OidcErrorCode =
  /** The callback carried no `state` parameter. */
  | 'state_missing'
  /** The callback's `state` does not belong to a login started in this browser (unknown, replayed or tampered). */
  | 'state_mismatch'
  /** The callback arrived but this browser has no pending login at all (expired, already used, cookies blocked). */
  | 'no_pending_transaction'
  /** The login response came in another response mode than the one requested (e.g. a query when `form_post` was asked for: RFC 9700 §4.2). */
  | 'response_mode_mismatch'
  /** The provider answered the authorization request with an OAuth error (`access_denied`, `login_required`, …). */
  | 'op_error'
  /** The authorization response's `iss` parameter is not the provider's issuer (RFC 9207 mix-up defence). */
  | 'iss_mismatch'
  /** The provider advertises RFC 9207 but its authorization response has no `iss` parameter. */
  | 'iss_missing'
  /** The ID token failed validation; `reason` says which check (signature, iss, aud, nonce, exp, …). */
  | 'id_token_invalid'
  /** The token endpoint refused the authorization code (expired, already redeemed). */
  | 'invalid_grant'
  /** UserInfo returned a different `sub` than the ID token. */
  | 'userinfo_sub_mismatch'
  /** A claim required by the configuration is missing or wrong (`hd`, `email_verified`). */
  | 'claim_check_failed'
  /** The provider's discovery document names another issuer than the one configured. */
  | 'discovery_issuer_mismatch'
  /** The provider answered with something unusable (5xx, not JSON, malformed, refused our client). */
  | 'provider_error'
  /** The provider could not be reached in time (connection refused, DNS, timeout). */
  | 'provider_unavailable'
  /**
   * Dynamic client registration failed: the provider refused it (`oauthError` is its error, e.g.
   * `invalid_redirect_uri`, `invalid_client_metadata`, `invalid_token` for a wrong initial access
   * token), does not offer it, or returned a client weaker than asked for (`reason`).
   */
  | 'registration_failed'
  /** The session store did not answer; the request is refused rather than treated as logged in. */
  | 'session_store_unavailable'
  /**
   * The app's `onSession` hook failed at login (it threw, or returned no claims object, claims that
   * are not JSON, or another `sub`; `reason` says which): 503 with a "Try again" link.
   */
  | 'session_hook_failed'
  /** The route needs a logged-in user (or, on an API, a bearer token) and the request has none. */
  | 'unauthenticated'
  /**
   * The session ended because its tokens could not be kept valid; `reason`: `no_refresh_token`,
   * `invalid_grant` (refresh token expired or revoked), `id_token:<claim>` (the refreshed ID token
   * changed `iss`, `sub`, `aud`, `azp`, `auth_time` or `nonce`, or failed validation).
   * Browsers should log in again; APIs answer 401.
   */
  | 'session_expired'
  /** A login was asked for at a provider that is not configured (`?provider=`). */
  | 'provider_unknown'
  /** A back-channel logout request was refused; `reason` says why (`signature`, `aud`, `events`, `nonce`, `replayed`, …). */
  | 'logout_token_invalid'
  /** A state-changing request (logout) came from another site and was refused. */
  | 'cross_site_request'
  /**
   * With several `baseUrl` entries: the request's host (its `Host`, or with `trustProxy` its
   * `X-Forwarded-Host`) is none of them (`reason: 'host'`), `X-Forwarded-Proto` names another
   * scheme than the entry's (`'scheme'`), or a callback came to another of them than its login
   * started on (`'login_origin'`). Answered 400 and never redirected: oidc-kit sends nobody to an
   * address it was not configured with.
   */
  | 'origin_not_allowed'
  /**
   * RFC 6750 `invalid_request` (400): the bearer token was sent malformed (`Bearer` without a token,
   * characters outside the token syntax, two `Authorization` headers) or by two methods at once.
   * Also a login response that is neither a GET nor a form POST (reason `method`, `content_type`,
   * `body_size`), or that carries neither a code nor an error (reason `code_missing`).
   */
  | 'invalid_request'
  /**
   * RFC 6750 `invalid_token` (401): the bearer token is expired, revoked, malformed, badly signed,
   * for another audience or issuer, or not an access token; `reason` says which check.
   */
  | 'invalid_token'
  /**
   * RFC 6750 `insufficient_scope` (403): a valid token without the scopes (`reason: 'scope'`), claims
   * (`claim:<name>`) or role (`role`) the route needs.
   */
  | 'insufficient_scope'
  /**
   * RFC 9449 §7.1 `invalid_dpop_proof` (401): the DPoP proof of a request is missing, malformed,
   * badly signed, made for another method or URL (`htm`, `htu`), stale (`iat`), already used
   * (`replay`) or for another token (`ath`); `reason` says which. A sound proof by another key than
   * the token is bound to is the token's fault: `invalid_token` (reason `jkt`), "Invalid DPoP key
   * binding", as RFC 9449 §7.1 answers it.
   */
  | 'invalid_dpop_proof'
  /**
   * RFC 9449 §9 `use_dpop_nonce` (401): the API wants a server nonce in the DPoP proof and it is
   * missing (`reason: 'nonce_missing'`) or no longer valid (`'nonce'`); the answer's `DPoP-Nonce`
   * header carries the one to use.
   */
  | 'use_dpop_nonce';

/**
 * Options for {@link OidcError}.
 *
 * @example
 * ```ts
 * // A store of yours that cannot be reached: the request gets 503, never "logged in".
 * catch (error) { throw new OidcError('session_store_unavailable', 'The session database is down.', { cause: error, retryAfter: 10 }); }
 * ```
 */
export interface OidcErrorOptions {
  /** Which check failed, for codes that have sub-reasons (e.g. `id_token_invalid` → `'nonce'`). */
  reason?: string;
  /** The OAuth `error` value the provider sent, for `op_error`, `invalid_grant` and `provider_error`. */
  oauthError?: string;
  /** The provider's `error_description`, when it sent one. Untrusted text: escape before rendering. */
  oauthErrorDescription?: string;
  /** The underlying error, kept for logs; never rendered. */
  cause?: unknown;
  /** The `WWW-Authenticate` value of a bearer-token error (RFC 6750 §3), sent with it. */
  challenge?: string;
  /** For a 503: seconds after which the client may try again (`Retry-After`); 5 when not given. */
  retryAfter?: number;
  /** A URL of this app where the user can try again at once (see {@link OidcError.retryUrl}). */
  retryUrl?: string;
}

/** What a 503 asks clients to wait before trying again, unless the error says otherwise. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

const STATUS_BY_CODE: Record<OidcErrorCode, number> = {
  state_missing: 400,
  state_mismatch: 400,
  no_pending_transaction: 400,
  response_mode_mismatch: 400,
  op_error: 400,
  iss_mismatch: 400,
  iss_missing: 400,
  id_token_invalid: 400,
  invalid_grant: 400,
  userinfo_sub_mismatch: 400,
  claim_check_failed: 403,
  discovery_issuer_mismatch: 502,
  provider_error: 502,
  provider_unavailable: 503,
  registration_failed: 502,
  session_store_unavailable: 503,
  session_hook_failed: 503,
  unauthenticated: 401,
  session_expired: 401,
  provider_unknown: 400,
  logout_token_invalid: 400,
  cross_site_request: 403,
  origin_not_allowed: 400,
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
};

/**
 * An error a request ends with: a stable `code`, the HTTP `status` to answer with, and a message
 * that is safe to show to the user.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => {
 *   if (err instanceof OidcError) return res.status(err.status).json({ error: err.code, reason: err.reason });
 *   next(err);
 * });
 * ```
 */
export class OidcError extends Error {
  /** `'OidcError'`, or a subclass's own name (`'RegistrationError'`). */
  override readonly name: string = 'OidcError';
  /** What went wrong, stable across minor versions: match on it. */
  readonly code: OidcErrorCode;
  /** The HTTP status the error answers with (400, 401, 403, 502 or 503), fixed by `code`. */
  readonly status: number;
  /** Which check failed, for codes that have sub-reasons (e.g. `id_token_invalid` → `'nonce'`). */
  readonly reason: string | undefined;
  /** The OAuth `error` the provider sent (`op_error`, `invalid_grant`, `provider_error`, `registration_failed`), e.g. `access_denied`. */
  readonly oauthError: string | undefined;
  /** The provider's `error_description`, when it sent one. Untrusted text: escape it before rendering. */
  readonly oauthErrorDescription: string | undefined;
  /**
   * For errors of a bearer-token route: the `WWW-Authenticate` header value to answer with (RFC 6750
   * §3), e.g. `Bearer realm="api", error="invalid_token", error_description="The token has expired"`.
   */
  readonly challenge: string | undefined;
  /**
   * For a 503 (the fault is expected to pass): the seconds sent as `Retry-After` (RFC 9110 §10.2.3),
   * so that clients and load balancers back off instead of retrying at once. Undefined otherwise.
   */
  readonly retryAfter: number | undefined;
  /**
   * Set when trying again is likely to work and cannot be done by reloading: a login whose code
   * exchange failed because the provider was down or broken (its transaction is used). The login
   * route, with the page the login was for as `returnTo`; the default error page links to it
   * ("Try again") and JSON answers carry it as `retry_url`.
   */
  readonly retryUrl: string | undefined;

  constructor(code: OidcErrorCode, message: string, options: OidcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = STATUS_BY_CODE[code];
    this.reason = options.reason;
    this.oauthError = options.oauthError;
    this.oauthErrorDescription = options.oauthErrorDescription;
    this.challenge = options.challenge;
    this.retryAfter = this.status === 503 ? options.retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS : undefined;
    this.retryUrl = options.retryUrl;
  }
}

/**
 * Thrown at start-up when an option is missing or invalid. The message names the option and says
 * how to fix it, so a misconfigured app fails before it serves a single request.
 *
 * @example
 * ```ts
 * try { new OpenIDConnect({ ...options, secret: 'short' }); }
 * catch (e) { if (e instanceof ConfigurationError) console.error(e.option, e.message); }
 * ```
 */
export class ConfigurationError extends Error {
  /** `'ConfigurationError'`. */
  override readonly name = 'ConfigurationError';
  /** The option at fault, as a path (`'session.absoluteDuration'`). */
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`oidc-kit: invalid option \`${option}\`: ${problem}`);
    this.option = option;
  }
}
