import type { SessionHook } from '../session/session-hook.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { Claims } from '../claims.ts';
import type { OidcError } from '../errors.ts';
import type { RequestView, ResponsePlan } from '../http.ts';
import type { PublicUrlOptions } from './public-url-options.ts';
import type { ResourceServerOptions } from './resource-server-options.ts';
import type { OutboundHttpOptions } from './outbound-options.ts';
import type { ProviderOptions } from './provider-options.ts';

export type { OutboundHttpOptions, ProviderFetch } from './outbound-options.ts';
export type { ClientRegistrationOptions, ProviderOptions, TokenEndpointAuthMethod } from './provider-options.ts';
export type { PublicUrlOptions } from './public-url-options.ts';
export type { DpopAlgorithm, DpopLoginOptions, PushedAuthorizationRequests, SecurityProfile, SenderConstraintOptions } from './sender-constraint-options.ts';
export type { DpopMode, DpopOptions, IntrospectionAuthMethod, IntrospectionOptions, ProtectedResourceMetadataOptions, ResourceServerOptions, StrictJwtOptions, TokenValidationStrategy } from './resource-server-options.ts';

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
