import type { CryptoKey, ServerMetadata } from 'openid-client';
import type { SessionHook } from '../session/session-hook.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { ClientSecretsFile } from './client-secrets.ts';
import type { ClientRegistrationMetadata } from '../registration/register-client.ts';
import type { Claims } from '../claims.ts';
import type { OidcError } from '../errors.ts';
import type { RequestView, ResponsePlan } from '../http.ts';
import type { PublicUrlOptions } from './public-url-options.ts';
import type { ResourceServerOptions } from './resource-server-options.ts';
import type { OutboundHttpOptions } from './outbound-options.ts';

export type { OutboundHttpOptions, ProviderFetch } from './outbound-options.ts';
export type { PublicUrlOptions } from './public-url-options.ts';
export type { IntrospectionAuthMethod, IntrospectionOptions, ResourceServerOptions, StrictJwtOptions, TokenValidationStrategy } from './resource-server-options.ts';

/**
 * How the client authenticates at the token endpoint. Made explicit because providers differ and a
 * silent default is a classic source of `invalid_client`.
 *
 * @example
 * ```ts
 * // A client registered for client_secret_post (as Flask-OIDC 1.x registered them):
 * new OpenIDConnect({ ...options, tokenEndpointAuthMethod: 'client_secret_post' });
 * ```
 */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/**
 * Where log lines go. Messages never contain tokens or secrets. `warn` gets what an operator must
 * see: configuration problems, outages (once when they start, once when they end), and refusals of
 * requests as rate-limited summaries, so that outsiders cannot flood it. `debug`, when given, gets
 * every refused request in full; `info`, when given, one line at start-up with the URIs to register.
 *
 * @example
 * ```ts
 * const logger: Logger = { warn: (m, d) => pino.warn(d, m), info: (m, d) => pino.info(d, m), debug: (m, d) => pino.debug(d, m) };
 * ```
 */
export interface Logger {
  /** What an operator must see: configuration problems, outages, summaries of refused requests. */
  warn(message: string, details?: Record<string, unknown>): void;
  /** At start-up, the redirect URIs oidc-kit will send (register exactly those). Optional. */
  info?(message: string, details?: Record<string, unknown>): void;
  /** Every refused request (bad callback, bad bearer or logout token…), one line each. Optional. */
  debug?(message: string, details?: Record<string, unknown>): void;
}

/**
 * Cookie and lifetime settings of the login session.
 *
 * @example
 * ```ts
 * const session: SessionOptions = {
 *   absoluteDuration: 8 * 3600, // a working day at most
 *   rollingDuration: 30 * 60,   // logged out after 30 idle minutes
 *   store: createRedisStore({ url: process.env.REDIS_URL }),
 * };
 * ```
 */
export interface SessionOptions {
  /** Cookie name; chunks are `name.0`, `name.1`, …; login transactions use `name_tx.<state>`, their markers `name_pending.<state>`. Default `oidc_session` (Flask-OIDC: OIDC_ID_TOKEN_COOKIE_NAME). */
  cookieName?: string;
  /** Cookie path. Default `/` (Flask-OIDC: OIDC_ID_TOKEN_COOKIE_PATH). */
  cookiePath?: string;
  /** Cookie domain. Default: none (host-only cookie). */
  cookieDomain?: string;
  /** SameSite attribute. Default `Lax`, which the login redirect needs; `None` requires https. */
  sameSite?: 'Lax' | 'Strict' | 'None';
  /** Secure attribute. Default `true`, except for an `http://localhost` or `http://127.0.0.1` base URL (every entry of a `baseUrl` list) (Flask-OIDC: OIDC_COOKIE_SECURE). */
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
   * With `routes.backchannelLogout` and no shared store (cookie sessions, or a `MemoryStore`): the
   * most back-channel logouts this process remembers at once. Each is kept `absoluteDuration` (a
   * session it ends could live that long); past the limit a logout is refused with 503 and the
   * provider should retry. A warning comes at 80 %. Size it as logouts per `absoluteDuration` plus
   * logouts per 10 minutes, about 230 bytes each. Default 100 000.
   */
  maxLogoutRecords?: number;
  /**
   * Seconds after the user signed in at the provider (the ID token's `auth_time`) that a session
   * ends, refreshes included. Also sent as `max_age`, so the provider returns `auth_time` and asks a
   * user whose sign-in is older to sign in again. An ID token's `session_expiry` ends the session
   * too, with or without this option. Default: none.
   */
  maxAuthenticationAge?: number;
  /**
   * Keep sessions server-side in this store; the cookie then holds only an encrypted session id.
   * Default: none (the whole session lives in an encrypted, chunked cookie).
   */
  store?: SessionStore;
}

/**
 * Paths of the routes oidc-kit answers, as the application sees them.
 *
 * @example
 * ```ts
 * // Keep Flask-OIDC's redirect URI, and let the provider end sessions through the back channel:
 * const routes: RouteOptions = { callback: '/oidc_callback', backchannelLogout: '/backchannel-logout' };
 * ```
 */
export interface RouteOptions {
  /** Starts a login; takes `?returnTo=/path` and, with several providers, `?provider=name`. `false` to not mount it. Default `/login`. */
  login?: string | false;
  /** Where the provider sends the user back. Default `/callback` (Flask-OIDC: OIDC_CALLBACK_ROUTE, default there `/oidc_callback`). */
  callback?: string;
  /**
   * Ends the session (and, by default, the provider's: see `logoutAtProvider`), then redirects to
   * `postLogoutRedirect` or `?returnTo`. POST logs out; GET logs out when the browser says the
   * request comes from this site (`Sec-Fetch-Site`), and otherwise shows a one-button confirmation,
   * so a foreign page cannot log users out. `false` to not mount it. Default `/logout`.
   */
  logout?: string | false;
  /** Where the provider sends the user back after RP-initiated logout; its `state` is checked. Default `/logout/callback`. */
  postLogout?: string;
  /**
   * The OpenID Connect Back-Channel Logout endpoint (POST, called by the provider); register
   * `baseUrl` + this path as the client's `backchannel_logout_uri`. Default `false` (not mounted):
   * while it is mounted, every request checks the session against the logout records.
   */
  backchannelLogout?: string | false;
}

/**
 * One OpenID Provider and this app's client registration there. The top level of
 * {@link OpenIDConnectOptions} takes these for a single provider; `providers` takes several, by name.
 *
 * @example
 * ```ts
 * const google: ProviderOptions = {
 *   issuer: 'https://accounts.google.com',
 *   clientId: process.env.GOOGLE_CLIENT_ID!,
 *   clientSecret: process.env.GOOGLE_CLIENT_SECRET!,
 *   scope: 'openid email profile',
 * };
 * ```
 */
export interface ProviderOptions {
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
  /**
   * Register this app at the provider by itself, on first use, with OpenID Connect Dynamic Client
   * Registration (Flask-pyoidc: `ClientRegistrationInfo`), instead of giving `clientId` and
   * `clientSecret`. The result is kept, encrypted with `secret`, in `session.store` (else in this
   * process), so every instance sharing the store uses one registration, and it survives restarts
   * when the store does.
   */
  registration?: ClientRegistrationOptions;
  /** Token endpoint authentication. Default: the client_secrets.json's `token_endpoint_auth_method` if it has one, else `client_secret_basic`. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** The private key for `private_key_jwt` (import a PEM with jose's `importPKCS8`). */
  privateKey?: CryptoKey | {
    /** The private key. */
    key: CryptoKey;
    /** The key id sent in the assertion's header, for a provider that picks the public key by `kid`. */
    kid?: string;
  };

  /** Scopes to request; must include `openid`. Default `['openid', 'email']` (Flask-OIDC: OIDC_SCOPES). With `offline_access`, `prompt=consent` is sent unless you set `prompt` (OIDC Core §11). */
  scope?: string | readonly string[];
  /** Extra authorization request parameters: `prompt`, `acr_values`, `login_hint`, `ui_locales`, … (Flask-OIDC: OIDC_EXTRA_REQUEST_AUTH_PARAMS). */
  authorizationParams?: Readonly<Record<string, string>>;
  /**
   * RFC 8707 resource indicators sent with every login: the APIs whose tokens the session may get
   * later with `req.oidc.accessToken({ resource })` (providers that restrict refresh tokens to the
   * resources of the login, as oidc-provider does, need them here). Default: none.
   */
  resource?: string | readonly string[];
  /**
   * How the provider returns the login response: `'query'` (default, a redirect with `?code=…&state=…`)
   * or `'form_post'` (OAuth 2.0 Form Post Response Mode: the provider's page POSTs it to the callback,
   * so the code never appears in a URL, browser history or a Referer). With `form_post` the
   * pending-login cookie is sent `SameSite=None; Secure` (an https `baseUrl`), because a cross-site
   * POST carries no `Lax` cookie; a response arriving in the other mode is refused
   * (`response_mode_mismatch`). Flask-pyoidc: `response_mode`.
   */
  responseMode?: 'query' | 'form_post';
  /** The only algorithm accepted for ID token (and logout token) signatures. Default `RS256`. */
  idTokenSigningAlg?: string;
  /**
   * UserInfo: `'GET'` (or `true`, the default) fetches it after login with GET and merges it into
   * `req.oidc.user`; `'POST'` uses POST (Flask-pyoidc: userinfo_http_method); `false` never calls it
   * (Flask-OIDC: OIDC_USER_INFO_ENABLED).
   */
  userInfo?: boolean | 'GET' | 'POST';
  /**
   * Require UserInfo answers signed with this algorithm (a JWT, `Content-Type: application/jwt`,
   * whose signature, `iss` and `aud` are checked) and refuse plain JSON; with `registration`, it is
   * registered as `userinfo_signed_response_alg`. Needs `userInfo` GET. Default: none (JSON is
   * accepted; a signed answer is still verified).
   */
  userInfoSigningAlg?: string;
  /**
   * Issuers accepted in ID tokens, compared exactly (Flask-OIDC: OIDC_VALID_ISSUERS). The ID token's
   * `iss` must always equal the provider's issuer, so the list must include it: kept so Flask-OIDC
   * configurations carry over; it cannot widen what is accepted.
   */
  acceptedIssuers?: readonly string[];
  /**
   * Audiences besides the client that this app trusts in ID tokens and logout tokens (OIDC Core
   * §3.1.3.7 step 3: the client may accept audiences it trusts). Default: none — a token that also
   * names another audience was minted for someone else too, and is refused. An ID token with several
   * audiences must still carry `azp` naming this client.
   *
   * @example
   * ```ts
   * trustedAudiences: ['https://api.example.com'] // the provider adds the API to the ID token's aud
   * ```
   */
  trustedAudiences?: readonly string[];
  /** Google Workspace domain: sends `hd` and requires the ID token's `hd` claim to equal it (Flask-OIDC: OIDC_GOOGLE_APPS_DOMAIN). */
  googleAppsDomain?: string;
  /** Refuse logins whose ID token does not say `email_verified: true` (Flask-OIDC: OIDC_REQUIRE_VERIFIED_EMAIL). */
  requireVerifiedEmail?: boolean;
  /**
   * The `post_logout_redirect_uri` sent to this provider's end-session endpoint; it must be
   * registered there exactly. Default: `baseUrl` + `routes.postLogout` (`/logout/callback`). Not with a `baseUrl` list.
   */
  postLogoutRedirectUri?: string;
  /**
   * Seconds the provider's signing keys keep verifying tokens after their 10 fresh minutes while
   * its `jwks_uri` cannot be fetched again (an outage), so APIs and back-channel logout keep working;
   * a token with an unknown `kid` still makes oidc-kit ask the provider (at most every 30 s).
   * `0`: keys older than 10 minutes are never used. Default 86400 (a day); at most 30 days.
   */
  jwksMaxStaleness?: number;
}

/**
 * Dynamic registration at run time; see {@link ProviderOptions.registration}. oidc-kit registers
 * `baseUrl` + `routes.callback` (or `redirectUri`) as the redirect URI, the post-logout redirect URI,
 * the back-channel logout URI when that route is mounted, `application_type: web`, the code flow
 * with refresh tokens, `tokenEndpointAuthMethod` and `idTokenSigningAlg`.
 *
 * @example
 * ```ts
 * const registration: ClientRegistrationOptions = {
 *   metadata: { client_name: 'My app', contacts: ['ops@example.com'] },
 *   initialAccessToken: process.env.OIDC_INITIAL_ACCESS_TOKEN,
 * };
 * ```
 */
export interface ClientRegistrationOptions {
  /** More client metadata to register (`client_name`, `contacts`, `logo_uri`, …); it overrides oidc-kit's. */
  metadata?: ClientRegistrationMetadata;
  /** The initial access token the provider requires for registration, if any. */
  initialAccessToken?: string;
}

/**
 * Options of the test mode; see {@link OpenIDConnectOptions.testMode}.
 *
 * @example
 * ```ts
 * const oidc = new OpenIDConnect({
 *   baseUrl: 'http://localhost:3000',
 *   secret: 'a test secret, at least 32 characters long',
 *   testMode: { user: { sub: 'alice', email: 'alice@example.com' } },
 * });
 * ```
 */
export interface TestModeOptions {
  /** Who `/login` logs in, at once and without a provider. Default `{ sub: 'test-user' }`. */
  user?: Claims;
  /** The access token test sessions carry. Default `'test-access-token'`. */
  accessToken?: string;
}

/**
 * Everything `new OpenIDConnect(options)` accepts. Only `baseUrl`, `secret` and a provider
 * (`issuer` + `clientId` + `clientSecret`, or `clientSecrets`; or several under `providers`) are required.
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
export interface OpenIDConnectOptions extends ProviderOptions, OutboundHttpOptions, PublicUrlOptions {
  /**
   * Secret for cookie encryption, at least 32 characters; an array rotates secrets (first
   * encrypts, all decrypt). Flask: SECRET_KEY. Not needed with `resourceServerOnly`.
   */
  secret?: string | readonly string[];
  /**
   * An API that only accepts bearer tokens (Flask-OIDC: OIDC_RESOURCE_SERVER_ONLY): no login,
   * callback or logout routes, no cookies read or written, no `baseUrl` or `secret` needed, and
   * `clientId` only for introspection or the client credentials grant. Default `false`.
   */
  resourceServerOnly?: boolean;
  /** How bearer tokens are validated; see {@link ResourceServerOptions}. */
  resourceServer?: ResourceServerOptions;

  /**
   * Several named providers instead of the top-level provider options (Flask-pyoidc's
   * `OIDCAuthentication({ name: ProviderConfiguration })`). Log in at one with `/login?provider=name`,
   * `req.oidc.login({ provider })` or `requireLogin({ provider })`.
   */
  providers?: Readonly<Record<string, ProviderOptions>>;
  /** With `providers`: the one used when none is named. Default: the first. */
  defaultProvider?: string;

  /** Seconds of clock difference tolerated on exp/iat/nbf. Default 60 (Flask-OIDC: OIDC_CLOCK_SKEW). */
  clockTolerance?: number;
  /** Milliseconds to wait for the provider on each request to it (the `fetch` option's too). Default 5000. */
  httpTimeout?: number;
  /**
   * An access token this close to expiry (seconds) counts as expired: it is refreshed before use, so
   * an API never receives one that expires in flight. Default 60.
   */
  refreshBefore?: number;
  /**
   * Re-authenticate silently (`prompt=none`) when a browser session is older than this many seconds,
   * so that a user logged out at the provider is logged out here too (Flask-pyoidc:
   * session_refresh_interval_seconds). Default: off.
   */
  silentReauthInterval?: number;
  /**
   * Where the logout route and `req.oidc.logout()` end the user's session: `true` (default) also at
   * the provider, when it has an `end_session_endpoint` (RP-initiated logout); `false` only here.
   */
  logoutAtProvider?: boolean;

  /** Route paths. */
  routes?: RouteOptions;
  /** The full redirect URI sent to the provider, when it is not `baseUrl` + `routes.callback` (Flask-OIDC: OVERWRITE_REDIRECT_URI). Not with a `baseUrl` list. */
  redirectUri?: string;
  /** Where logout sends the user by default: a path or a URL of this app (a path, with a `baseUrl` list). Default `/`. */
  postLogoutRedirect?: string;
  /** Session cookie and lifetime. */
  session?: SessionOptions;
  /** Seconds a started login may take before its transaction expires. Default 600. */
  transactionTtl?: number;
  /**
   * Most logins pending at once in one browser (tabs mid-login, abandoned attempts): starting one
   * more drops the oldest. 1 to 10; default 5. See docs/getting-started.md, "Pending logins".
   */
  maxPendingLogins?: number;
  /** Where log lines go (refusals, outages, configuration problems; never tokens); see {@link Logger}. Default: `console` (warn only). */
  logger?: Logger;
  /**
   * Your error view (Flask-pyoidc: error_view): called with every error oidc-kit would otherwise
   * answer with its own page (a failed login, the provider's OAuth error, a store outage). Return
   * a response to send, or `undefined` for the default page. Framework adapters offer a variant
   * with their own request and response objects.
   */
  onError?: (error: OidcError, request: RequestView) => ResponsePlan | undefined | Promise<ResponsePlan | undefined>;
  /**
   * Decides which claims a session keeps (`req.oidc.user`), after each login and each refresh:
   * add the app's own (roles from your database) or drop big ones (keep the cookie small). See
   * {@link SessionHook} for what it is told, what it returns and what its errors do.
   */
  onSession?: SessionHook;
  /**
   * Test mode, for your application's own tests: no provider is contacted; `/login` logs in
   * `testMode.user` at once, and `oidc.createTestSession(user)` gives the cookie of a session for
   * any user. Refused at start-up when `NODE_ENV` is `production`. Never set it from user input.
   */
  testMode?: boolean | TestModeOptions;
}
