import type { CryptoKey, ServerMetadata } from 'openid-client';
import type { SessionStore } from '../session/session-store.ts';
import type { ClientSecretsFile } from './client-secrets.ts';

/**
 * How the client authenticates at the token endpoint. Made explicit because providers differ and a
 * silent default is a classic source of `invalid_client`.
 */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** Where log lines go. Messages never contain tokens or secrets. */
export interface Logger {
  warn(message: string, details?: Record<string, unknown>): void;
}

/** Cookie and lifetime settings of the login session. */
export interface SessionOptions {
  /** Cookie name; chunks are `name.0`, `name.1`, …; login transactions use `name_tx.<state>`. Default `oidc_session` (Flask-OIDC: OIDC_ID_TOKEN_COOKIE_NAME). */
  cookieName?: string;
  /** Cookie path. Default `/` (Flask-OIDC: OIDC_ID_TOKEN_COOKIE_PATH). */
  cookiePath?: string;
  /** Cookie domain. Default: none (host-only cookie). */
  cookieDomain?: string;
  /** SameSite attribute. Default `Lax`, which the login redirect needs; `None` requires https. */
  sameSite?: 'Lax' | 'Strict' | 'None';
  /** Secure attribute. Default `true`, except for an `http://localhost` or `http://127.0.0.1` base URL (Flask-OIDC: OIDC_COOKIE_SECURE). */
  secure?: boolean;
  /** Longest a session lives after login, in seconds, whatever the activity. Default 7 days (Flask-OIDC: OIDC_ID_TOKEN_COOKIE_TTL). */
  absoluteDuration?: number;
  /** Idle timeout in seconds: a session unused this long ends. `false` turns it off. Default 1 day. */
  rollingDuration?: number | false;
  /**
   * How often (seconds) an active session's rolling expiry is pushed forward, which rewrites the
   * cookie. Requests in between carry no Set-Cookie. Default: a quarter of `rollingDuration`, at most 15 minutes.
   */
  touchInterval?: number;
  /**
   * Keep sessions server-side in this store; the cookie then holds only an encrypted session id.
   * Default: none (the whole session lives in an encrypted, chunked cookie).
   */
  store?: SessionStore;
}

/** Paths of the routes oidc-kit answers, as the application sees them. */
export interface RouteOptions {
  /** Starts a login; takes `?returnTo=/path`. `false` to not mount it. Default `/login`. */
  login?: string | false;
  /** Where the provider sends the user back. Default `/callback` (Flask-OIDC: OIDC_CALLBACK_ROUTE, default there `/oidc_callback`). */
  callback?: string;
  /** Ends the session and redirects to `postLogoutRedirect` or `?returnTo`. `false` to not mount it. Default `/logout`. */
  logout?: string | false;
}

/**
 * Everything `new OpenIDConnect(options)` accepts. Only `baseUrl`, `secret` and a provider
 * (`issuer` + `clientId` + `clientSecret`, or `clientSecrets`) are required.
 *
 * @example
 * ```ts
 * const options: OpenIDConnectOptions = {
 *   baseUrl: 'https://app.example.com',
 *   secret: process.env.SESSION_SECRET!,
 *   issuer: 'https://accounts.example.com',
 *   clientId: 'my-app',
 *   clientSecret: process.env.OIDC_CLIENT_SECRET!,
 *   scope: ['openid', 'email', 'profile'],
 * };
 * ```
 */
export interface OpenIDConnectOptions {
  /** The application's public URL (scheme, host, optional path). Redirect URIs and cookie security derive from it; the Host header is never trusted. */
  baseUrl: string;
  /** Secret for cookie encryption, at least 32 characters; an array rotates secrets (first encrypts, all decrypt). Flask: SECRET_KEY. */
  secret: string | readonly string[];

  /** The provider's issuer URL; its metadata is discovered (lazily, cached). */
  issuer?: string;
  /** Static provider metadata instead of (or on top of) discovery: `issuer`, `authorization_endpoint`, `token_endpoint` and `jwks_uri` at least. */
  providerMetadata?: Partial<ServerMetadata>;
  /** The client id registered at the provider. */
  clientId?: string;
  /** The client secret (not needed with `private_key_jwt`). */
  clientSecret?: string;
  /** A Flask-OIDC `client_secrets.json`: a path or its parsed content (`{ "web": { client_id, client_secret, issuer, … } }`). Flask-OIDC: OIDC_CLIENT_SECRETS. */
  clientSecrets?: string | ClientSecretsFile;
  /** Token endpoint authentication. Default `client_secret_basic`. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** The private key for `private_key_jwt` (import a PEM with jose's `importPKCS8`). */
  privateKey?: CryptoKey | { key: CryptoKey; kid?: string };

  /** Scopes to request; must include `openid`. Default `['openid', 'email']` (Flask-OIDC: OIDC_SCOPES). */
  scope?: string | readonly string[];
  /** Extra authorization request parameters: `prompt`, `acr_values`, `login_hint`, `ui_locales`, … (Flask-OIDC: OIDC_EXTRA_REQUEST_AUTH_PARAMS). */
  authorizationParams?: Readonly<Record<string, string>>;
  /** The only algorithm accepted for ID token signatures. Default `RS256`. */
  idTokenSigningAlg?: string;
  /** Seconds of clock difference tolerated on exp/iat/nbf. Default 60 (Flask-OIDC: OIDC_CLOCK_SKEW). */
  clockTolerance?: number;
  /** Milliseconds to wait for the provider on each request to it. Default 5000. */
  httpTimeout?: number;
  /** Fetch UserInfo after login and merge it into `req.oidc.user`. Default `true` (Flask-OIDC: OIDC_USER_INFO_ENABLED). */
  userInfo?: boolean;
  /**
   * Issuers accepted in ID tokens, compared exactly (Flask-OIDC: OIDC_VALID_ISSUERS). The ID token's
   * `iss` must always equal the provider's issuer, so the list must include it: kept so Flask-OIDC
   * configurations carry over; it cannot widen what is accepted.
   */
  acceptedIssuers?: readonly string[];
  /** Google Workspace domain: sends `hd` and requires the ID token's `hd` claim to equal it (Flask-OIDC: OIDC_GOOGLE_APPS_DOMAIN). */
  googleAppsDomain?: string;
  /** Refuse logins whose ID token does not say `email_verified: true` (Flask-OIDC: OIDC_REQUIRE_VERIFIED_EMAIL). */
  requireVerifiedEmail?: boolean;

  /** Route paths. */
  routes?: RouteOptions;
  /** The full redirect URI sent to the provider, when it is not `baseUrl` + `routes.callback` (Flask-OIDC: OVERWRITE_REDIRECT_URI). */
  redirectUri?: string;
  /** Where `/logout` sends the user by default: a path or a URL of this app. Default `/`. */
  postLogoutRedirect?: string;
  /** Session cookie and lifetime. */
  session?: SessionOptions;
  /** Seconds a started login may take before its transaction expires. Default 600. */
  transactionTtl?: number;
  /** Where warnings go (failed logins with their code and reason; never tokens). Default: `console`. */
  logger?: Logger;
}
