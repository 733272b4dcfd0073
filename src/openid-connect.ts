import * as client from 'openid-client';
import { type Claims, decodeVerifiedJwtPayload } from './claims.ts';
import type { OpenIDConnectOptions } from './config/options.ts';
import { resolveOptions } from './config/resolve-options.ts';
import type { ResolvedConfig } from './config/resolved-config.ts';
import { parseCookieHeader } from './cookies/cookie-header.ts';
import { CookieSealer } from './cookies/cookie-sealer.ts';
import { OidcError } from './errors.ts';
import { pathOf, seeOther, wantsJson, type RequestView, type ResponsePlan } from './http.ts';
import { handleCallback } from './login/handle-callback.ts';
import type { LoginDependencies } from './login/login-dependencies.ts';
import { safeReturnTo } from './login/return-to.ts';
import { assertOwnParametersUntouched, checkAppState, type LoginOptions, startLogin } from './login/start-login.ts';
import { TransactionCookies } from './login/transaction.ts';
import { LogoutRecords } from './logout/logout-records.ts';
import { LogoutTokenVerifier } from './logout/logout-token.ts';
import { LogoutTransactionCookie } from './logout/logout-transaction.ts';
import { fetchUserInfo } from './provider/fetch-userinfo.ts';
import { ProviderClient } from './provider/provider-client.ts';
import { toOidcError } from './provider/provider-error.ts';
import { errorResponse } from './render/error-response.ts';
import { logoutConfirmation } from './render/logout-confirmation.ts';
import {
  type AccessTokenOptions, type ContextHost, type ContextState, type LogoutOptions, RequestContext, type ResponseIO,
} from './request-context.ts';
import { CookieSessionBackend } from './session/cookie-session-backend.ts';
import { MemoryStore } from './session/memory-store.ts';
import { SharedRegistration } from './registration/shared-registration.ts';
import type { LoadedSession, SessionBackend } from './session/session-backend.ts';
import { isLockable, refreshExclusively } from './session/shared-refresh.ts';
import type { SessionData } from './session/session-data.ts';
import { NEEDS_AWAIT, SessionManager } from './session/session-manager.ts';
import { StoreSessionBackend } from './session/store-session-backend.ts';
import { TokenRefresher } from './session/token-refresher.ts';
import { ClientCredentialsGrants, type ClientCredentialsOptions, type ClientCredentialsToken } from './grants/client-credentials.ts';
import type { AccessTokenClaims } from './resource/access-token-claims.ts';
import { bearerError } from './resource/bearer-error.ts';
import { type ClaimRequirements, failedClaim, hasRole, missingScopes, type RoleSource, type VerifiedClaims } from './resource/claim-checks.ts';
import { type BearerToken, checkBearerSyntax, hasBearerCredentials, readBearerToken, type TokenTransports } from './resource/read-bearer-token.ts';
import { scopeList, type TokenPolicy, type TokenRequirements, TokenValidator } from './resource/token-validator.ts';
import { testSessionData, type TestSessionTokens } from './testing/test-session-data.ts';

/** Options of `requireLogin`. */
export interface RequireLoginOptions {
  /**
   * What an anonymous request gets: `'redirect'` to the provider (and back), `'status'` a 401 with
   * a JSON body, or `'auto'` (default): 401 for requests that want JSON (Accept: application/json,
   * X-Requested-With), a redirect for browsers.
   */
  unauthenticated?: 'auto' | 'redirect' | 'status';
  /**
   * Require a login at this provider (several providers; Flask-pyoidc: `oidc_auth('name')`). A
   * session from another provider counts as not logged in here.
   */
  provider?: string;
}

/**
 * What a completed login hands to your callback handler (Flask-OIDC: custom_callback).
 *
 * @example
 * ```ts
 * oidc.onCallback((req, res, result) => res.redirect(result.state?.next ?? result.returnTo));
 * ```
 */
export interface LoginResult {
  /** The value given to `login({ state })`, exactly as given (it travelled encrypted); `undefined` if none. */
  readonly state: unknown;
  /** Where the login would return to by default (an absolute URL of this app). */
  readonly returnTo: string;
  /** The provider the user logged in with. */
  readonly provider: string;
  /** The user's claims (as `req.oidc.user`). */
  readonly user: Claims;
}

/**
 * Options of `acceptToken()` (Flask-OIDC: accept_token; Flask-pyoidc: token_auth).
 *
 * @example
 * ```ts
 * app.get('/api/reports', oidc.acceptToken({ scopes: 'reports:read' }), handler);
 * app.get('/api/public', oidc.acceptToken({ required: false }), handler); // anonymous allowed, bad tokens refused
 * ```
 */
export interface AcceptTokenOptions extends TokenRequirements {
  /** `false` lets requests without a token through (`req.oidc.token` is then undefined); a bad token is still refused. Default `true`. */
  required?: boolean;
  /** `false` hands the typed `OidcError` to your error handling instead of answering it. Default `true`. */
  renderErrors?: boolean;
}

/**
 * The outcome of `validateToken()` (Flask-OIDC: validate_token): valid with the claims, or invalid
 * with the error — never a truthy string.
 *
 * @example
 * ```ts
 * const result = await oidc.validateToken(token, { scopes: 'read' });
 * if (!result.valid) console.log(result.code, result.reason); // 'invalid_token', 'exp'
 * ```
 */
export type TokenValidationResult =
  | { readonly valid: true; readonly claims: AccessTokenClaims; readonly scopes: readonly string[]; readonly strategy: 'jwt' | 'introspection' }
  | { readonly valid: false; readonly code: OidcError['code']; readonly reason: string | undefined; readonly status: number; readonly error: OidcError };

/** An authorization rule of `requireScopes`, `requireClaims` or `requireRole`, checked on verified claims. */
export type AuthorizationRule =
  | { readonly scopes: readonly string[] }
  | { readonly claims: ClaimRequirements }
  | { readonly roles: readonly string[]; readonly from: RoleSource };

/** Back-channel logout requests larger than this are refused (BCL-15): a logout token is a few hundred bytes. */
const MAX_LOGOUT_BODY_BYTES = 16 * 1024;

const now = (): number => Math.floor(Date.now() / 1000);

/** The cookies of a request that has none (or whose cookies do not matter: API-only mode). Never written to. */
const NO_COOKIES: ReadonlyMap<string, string> = new Map();

/** An `OidcError` as it is; anything else (a programming error) is rethrown. */
function asOidcError(error: unknown): OidcError {
  if (error instanceof OidcError) return error;
  throw error;
}

/**
 * The framework-neutral core: configuration, providers, sessions, login, refresh and logout, and
 * the resource server (bearer tokens, scopes and claims, the client credentials grant).
 * Framework adapters (`oidc-kit/express`) wrap it; use it directly only to write an adapter of
 * your own. Invalid options throw a `ConfigurationError` here, at start-up.
 *
 * @example
 * ```ts
 * import { OpenIDConnect } from 'oidc-kit';
 * const core = new OpenIDConnect({ baseUrl, secret, issuer, clientId, clientSecret });
 * const context = await core.createContext(requestView, { setCookie, send });
 * const answer = await core.handleRoute(context); // login, callback, logout… — or undefined
 * ```
 */
export class OpenIDConnect {
  /** The validated configuration, defaults filled in. */
  readonly config: ResolvedConfig;
  readonly #providers: ReadonlyMap<string, ProviderClient>;
  readonly #sessions: SessionManager;
  readonly #deps: LoginDependencies;
  readonly #host: ContextHost;
  readonly #refresher: TokenRefresher;
  /** Outages (store, provider) are logged once per 30 s, not once per refused request. */
  readonly #outageLog = new OutageLog(30_000);
  readonly #backend: SessionBackend;
  /** How long a request waits for another instance's refresh of its session. */
  readonly #refreshWaitMs: number;
  readonly #refreshing = new WeakMap<ContextState, Promise<void>>();
  readonly #logoutTransactions: LogoutTransactionCookie;
  /** Present while the back-channel logout route is mounted. */
  readonly #logoutRecords: LogoutRecords | undefined;
  readonly #logoutTokens: LogoutTokenVerifier;
  readonly #tokens: TokenValidator;
  readonly #transports: TokenTransports;
  readonly #grants: ClientCredentialsGrants;

  constructor(options: OpenIDConnectOptions) {
    this.config = resolveOptions(options);
    const { session, secrets } = this.config;
    const sessionSealer = new CookieSealer(secrets, 'session');
    const transactionSealer = new CookieSealer(secrets, 'transaction');
    // A session's lock outlives the longest refresh (a few provider calls); waiters give up a bit later.
    const lockSeconds = Math.ceil((3 * this.config.provider.httpTimeoutMs) / 1000) + 1;
    this.#refreshWaitMs = lockSeconds * 1000 + 1000;
    const backend = session.store === undefined
      ? new CookieSessionBackend(session.cookieName, session.cookie, sessionSealer, this.config.logger)
      : new StoreSessionBackend(session.cookieName, session.cookie, sessionSealer, session.store, lockSeconds);
    this.#backend = backend;
    this.#sessions = new SessionManager(backend, session, now);
    // Run-time registrations live in the session store, so that every instance shares one client;
    // without a store, in this process.
    const registrationStore = session.store ?? new MemoryStore();
    const registrationSealer = new CookieSealer(secrets, 'registration');
    this.#providers = new Map([...this.config.providers].map(([name, settings]) => [
      name,
      new ProviderClient(
        settings,
        settings.registration === undefined ? undefined : new SharedRegistration(settings, registrationStore, registrationSealer, this.config.logger),
        this.config.logger,
      ),
    ]));
    const provider = (name: string): ProviderClient => {
      const found = this.#providers.get(name);
      if (found === undefined) throw new OidcError('provider_unknown', 'There is no such identity provider here.', { reason: 'provider' });
      return found;
    };
    this.#deps = {
      config: this.config,
      provider,
      sessions: this.#sessions,
      transactions: new TransactionCookies(this.config.transaction, transactionSealer),
      now,
    };
    this.#refresher = new TokenRefresher(provider, now);
    this.#logoutTransactions = new LogoutTransactionCookie(
      this.config.logoutTransaction.cookieName, this.config.logoutTransaction.cookie, transactionSealer, this.config.transaction.ttl,
    );
    // Cookie sessions have no store of their own: their logout records then live in this process,
    // never evicted (dropping one would revive the sessions it ended; only the provider can add
    // them). The same for an in-process MemoryStore, whose size bound evicts the oldest entries.
    this.#logoutRecords = this.config.routes.backchannelLogout === undefined
      ? undefined
      : new LogoutRecords(
        session.store === undefined || session.store instanceof MemoryStore ? new MemoryStore({ maxEntries: Number.POSITIVE_INFINITY }) : session.store,
        session.absoluteDuration,
        now,
      );
    this.#logoutTokens = new LogoutTokenVerifier(this.#providers.values());
    const rs = this.config.resourceServer;
    this.#tokens = new TokenValidator(this.#providers, rs, this.config.logger, new CookieSealer(secrets, 'introspection'));
    this.#transports = { form: rs.allowFormToken, query: rs.allowQueryToken, realm: rs.realm };
    this.#grants = new ClientCredentialsGrants(this.config.refreshBefore);
    this.#host = {
      sessionExpiresAt: (state) => (state.session ? this.#sessions.expiresAt(state.session.envelope) : undefined),
      // `silent` is oidc-kit's own (prompt=none re-authentication), never the application's.
      login: async (state, loginOptions) => state.io.send(await this.#login(state, { ...loginOptions, silent: false })),
      logout: async (state, logoutOptions) => state.io.send(await this.#logout(state, logoutOptions)),
      accessToken: (state, tokenOptions) => this.#accessToken(state, tokenOptions),
      fetchUserInfo: (state) => this.#fetchUserInfo(state),
      userInfoEnabled: (state) => this.config.providers.get(state.session?.envelope.data.provider ?? '')?.userInfo ?? this.config.provider.userInfo,
    };
    if (this.config.testMode !== undefined) {
      this.config.logger.warn('TEST MODE is on: logins are fake and no provider is contacted. Never enable it in production.');
    }
  }

  /**
   * Reads the request's session and returns its context (`req.oidc`). Never throws for bad
   * cookies (they mean "not logged in"); a failing session store is remembered, and routes that
   * need a login then answer 503. A session ended by a back-channel logout is removed here.
   */
  async createContext(request: RequestView, io: ResponseIO): Promise<RequestContext> {
    if (this.config.resourceServerOnly) return this.#context(request, NO_COOKIES, io, undefined, undefined);
    const cookies = parseCookieHeader(request.header('cookie'));
    let session: LoadedSession | undefined;
    let loadError: OidcError | undefined;
    try {
      session = await this.#sessions.read(cookies, io.setCookie);
      // Only with the back-channel route mounted does a session need a store lookup per request.
      if (session !== undefined && (!this.#providers.has(session.envelope.data.provider) || (this.#logoutRecords !== undefined && (await this.#hasEnded(session))))) {
        await this.#sessions.destroy(session, cookies, io.setCookie);
        session = undefined;
      }
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      session = undefined;
      loadError = error;
    }
    return this.#context(request, cookies, io, session, loadError);
  }

  /**
   * The request's context at once, when building it needs nothing awaited: in API-only mode, for a
   * request without cookies (no session to read), or with a cookie session that is live and not
   * due for a rolling touch. `undefined` otherwise: use
   * {@link createContext}. Adapters use it to keep the hot path free of promises.
   *
   * @example
   * ```ts
   * const context = oidc.contextNow(view, io) ?? await oidc.createContext(view, io);
   * ```
   */
  contextNow(request: RequestView, io: ResponseIO): RequestContext | undefined {
    const header = this.config.resourceServerOnly ? undefined : request.header('cookie');
    if (header === undefined) return this.#context(request, NO_COOKIES, io, undefined, undefined);
    // A cookie session that is open already, live and not due for a touch: nothing to await. (With
    // the back-channel route, every session needs a store lookup: the async path.)
    if (this.#logoutRecords !== undefined) return undefined;
    const cookies = parseCookieHeader(header);
    const session = this.#sessions.readNow(cookies);
    if (session === NEEDS_AWAIT || (session !== undefined && !this.#providers.has(session.envelope.data.provider))) return undefined;
    return this.#context(request, cookies, io, session, undefined);
  }

  /**
   * Whether {@link handleRoute} answers this request (one of oidc-kit's own routes: login, callback,
   * logout, post-logout, back-channel logout). Adapters skip `handleRoute` for the others.
   *
   * @example
   * ```ts
   * if (!oidc.ownsRoute(view)) return next();
   * ```
   */
  ownsRoute(request: RequestView): boolean {
    if (this.config.resourceServerOnly) return false;
    const { routes } = this.config;
    const path = pathOf(request.url);
    return path === routes.callback || path === routes.login || path === routes.logout || path === routes.postLogout || path === routes.backchannelLogout;
  }

  #context(request: RequestView, cookies: ReadonlyMap<string, string>, io: ResponseIO, session: LoadedSession | undefined, loadError: OidcError | undefined): RequestContext {
    // Every field from the start (no spread, no fields added later): one object shape for V8.
    const state: ContextState = {
      request, cookies, io, session, loadError, owner: this,
      endedProvider: undefined, token: undefined, tokenRoute: undefined, context: undefined, native: undefined,
    };
    return new RequestContext(this.#host, state);
  }

  /**
   * Answers oidc-kit's own routes (login, callback, logout, post-logout, back-channel logout) and
   * returns `undefined` for every other request. Errors become their status and page: a failed
   * callback is a 400 with a stable code, an unreachable provider a 503.
   */
  async handleRoute(context: RequestContext): Promise<ResponsePlan | undefined> {
    if (this.config.resourceServerOnly) return undefined;
    const state = this.#state(context);
    const { routes } = this.config;
    const path = pathOf(state.request.url);
    try {
      switch (path) {
        case routes.callback:
          return noReferrer(await this.#callbackRoute(context, state));
        case routes.login: {
          const query = this.#query(state);
          const provider = query.get('provider') ?? undefined;
          return await this.#login(state, { returnTo: query.get('returnTo') ?? undefined, ...(provider === undefined ? {} : { provider }) });
        }
        case routes.logout:
          return await this.#logoutRoute(state);
        case routes.postLogout:
          return this.#postLogoutRoute(state);
        case routes.backchannelLogout:
          return await this.#backchannelLogoutRoute(state);
        default:
          return undefined;
      }
    } catch (error) {
      if (path === routes.callback) return noReferrer(await this.#failure(error, context, state, 'login failed'));
      return this.#failure(error, context, state, 'request failed');
    }
  }

  /**
   * Decides whether a request may reach a route that needs a login. Returns `undefined` at once
   * (no promise, nothing to await) when it may and nothing is due; otherwise a promise of the answer
   * to send instead — a redirect to the provider, a 401, a 503 when the session store is down — or
   * of `undefined` once a due token refresh has been done.
   */
  guardLogin(context: RequestContext, options: RequireLoginOptions = {}): Promise<ResponsePlan | undefined> | undefined {
    if (this.config.resourceServerOnly) throw new TypeError('oidc-kit: there are no logins with `resourceServerOnly`; protect routes with acceptToken().');
    const state = this.#state(context);
    const session = state.session;
    if (session !== undefined && (options.provider === undefined || session.envelope.data.provider === options.provider)) {
      const refreshDue = this.#refreshDue(session);
      const reauthDue = this.#silentReauthDue(session, state.request);
      if (!refreshDue && !reauthDue) return undefined;
      return this.#guardDue(context, state, options, reauthDue);
    }
    return this.#refuse(context, state, options);
  }

  /**
   * The default answer for an error: JSON for clients that want it, otherwise an escaped HTML page.
   */
  errorResponse(error: OidcError, request: RequestView, json = wantsJson(request) || this.config.resourceServerOnly): ResponsePlan {
    return errorResponse(error, json, this.config.baseUrl.href);
  }

  /**
   * The answer to an error, through the `onError` view when there is one. Adapters use it for
   * errors raised in application code (`oidc.errorHandler()` in Express): `session_expired` and
   * `unauthenticated` send browsers to log in again and give API clients a 401.
   */
  async respondToError(context: RequestContext, error: OidcError): Promise<ResponsePlan> {
    const state = this.#state(context);
    if ((error.code === 'session_expired' || error.code === 'unauthenticated') && error.challenge === undefined && !this.config.resourceServerOnly && this.#isBrowserNavigation(state.request)) {
      const provider = state.endedProvider;
      try {
        return await this.#login(state, { returnTo: state.request.url, ...(provider === undefined ? {} : { provider }) });
      } catch (loginError) {
        return this.#failure(loginError, context, state, 'login could not start');
      }
    }
    return this.#failure(error, context, state, 'request failed');
  }

  /**
   * Checks route requirements for `acceptToken()` once, where the route is declared: the provider
   * must exist, scopes must be well-formed. Throws a `TypeError` otherwise.
   */
  tokenPolicy(requirements: TokenRequirements = {}): TokenPolicy {
    return this.#tokens.policy(requirements);
  }

  /**
   * Authenticates a request by its bearer token (RFC 6750). Returns `undefined` when it may go on —
   * synchronously when the token's verification is cached — with the claims on `context.token`;
   * otherwise the `OidcError` to answer (`unauthenticated` 401 without a token when `required`,
   * `invalid_request` 400, `invalid_token` 401, `insufficient_scope` 403, the provider's 502/503).
   */
  guardToken(context: RequestContext, policy: TokenPolicy, required = true): OidcError | undefined | Promise<OidcError | undefined> {
    const state = this.#state(context);
    // A bearer route: the session cookie does not count here, not even for later claim checks.
    state.tokenRoute = true;
    let token: BearerToken | undefined | Promise<BearerToken | undefined>;
    try {
      token = readBearerToken(state.request, this.#transports);
    } catch (error) {
      return asOidcError(error);
    }
    if (token instanceof Promise) return token.then((t) => this.#checkToken(state, t, policy, required), asOidcError);
    return this.#checkToken(state, token, policy, required);
  }

  /**
   * `accessControl()`'s session half: `guardLogin()`, whose 401 also carries the bearer challenge,
   * since the route would accept a token as well (RFC 9110 §11.6.1: a 401 carries a challenge).
   */
  guardSessionOrToken(context: RequestContext, options: RequireLoginOptions = {}): Promise<ResponsePlan | undefined> | undefined {
    const pending = this.guardLogin(context, options);
    if (pending === undefined) return undefined;
    const challenge = `Bearer realm="${this.config.resourceServer.realm}"`;
    return pending.then((plan) => (plan?.status === 401 ? { ...plan, headers: { ...plan.headers, 'www-authenticate': challenge } } : plan));
  }

  /** Whether the request carries bearer credentials (`accessControl()` then judges them and never falls back to the session). */
  hasBearerToken(context: RequestContext): boolean | Promise<boolean> {
    return hasBearerCredentials(this.#state(context).request, this.#transports);
  }

  /**
   * Checks a rule of `requireScopes` / `requireClaims` / `requireRole` against the claims of what
   * authenticated the request: the verified bearer token, else the session's verified ID token
   * (with UserInfo) and granted scopes. Returns the error to answer, or `undefined`.
   */
  authorize(context: RequestContext, rule: AuthorizationRule): OidcError | undefined {
    const state = this.#state(context);
    const realm = this.config.resourceServer.realm;
    let claims: VerifiedClaims;
    let scopes: readonly string[];
    const bearer = state.token !== undefined;
    if (state.token !== undefined) {
      ({ claims, scopes } = state.token);
    } else if (state.session !== undefined && !state.tokenRoute) {
      const data = state.session.envelope.data;
      claims = { ...data.userinfo, ...context.idTokenClaims };
      // A token response without `scope` granted what was asked for (RFC 6749 §5.1).
      scopes = scopeList(data.scope ?? this.config.providers.get(data.provider)?.scope);
    } else {
      return bearerError('unauthenticated', 'This needs a bearer token or a login.', { realm });
    }
    let reason: string | undefined;
    let message = '';
    let needed: readonly string[] | undefined;
    if ('scopes' in rule) {
      if (missingScopes(scopes, rule.scopes).length > 0) {
        reason = 'scope';
        needed = rule.scopes;
        message = `This needs the scope ${rule.scopes.join(' ')}.`;
      }
    } else if ('claims' in rule) {
      const failed = failedClaim(claims, rule.claims);
      if (failed !== undefined) {
        reason = `claim:${failed}`;
        message = `The ${failed} claim does not allow this.`;
      }
    } else if (!hasRole(claims, rule.roles, rule.from)) {
      reason = 'role';
      message = 'This needs a role that was not granted.';
    }
    if (reason === undefined) return undefined;
    return bearer
      ? bearerError('insufficient_scope', message, { realm, reason, ...(needed === undefined ? {} : { scope: needed }) })
      : new OidcError('insufficient_scope', message, { reason });
  }

  /**
   * Validates a token the application got some other way (Flask-OIDC: validate_token): the same
   * checks as `acceptToken()`, as a typed result. Provider trouble is an invalid result with
   * status 502/503, not a verdict on the token.
   *
   * @example
   * ```ts
   * const result = await oidc.validateToken(message.token, { audience: 'https://api.example', scopes: 'events:read' });
   * if (result.valid) subscribe(result.claims.sub);
   * ```
   */
  async validateToken(token: string, requirements: TokenRequirements = {}): Promise<TokenValidationResult> {
    if (typeof token !== 'string') throw new TypeError('oidc-kit: validateToken() needs the token as a string.');
    const policy = this.#tokens.policy(requirements);
    try {
      const validated = await this.#tokens.validate(token, policy);
      return { valid: true, claims: validated.claims, scopes: validated.scopes, strategy: validated.strategy };
    } catch (error) {
      const failure = asOidcError(error);
      return { valid: false, code: failure.code, reason: failure.reason, status: failure.status, error: failure };
    }
  }

  /**
   * An access token for calling another API as this application itself (RFC 6749 §4.4; Flask-pyoidc:
   * client_credentials_grant). Cached until shortly (`refreshBefore`) before it expires;
   * concurrent callers share one request. Throws an `OidcError` (502 with the provider's
   * `oauthError`, or 503).
   *
   * @example
   * ```ts
   * const { accessToken } = await oidc.clientCredentials({ scope: 'reports:read', resource: 'https://reports.example' });
   * ```
   */
  async clientCredentials(options: ClientCredentialsOptions = {}): Promise<ClientCredentialsToken> {
    return this.#grants.get(this.#deps.provider(options.provider ?? this.config.provider.name), options);
  }

  #checkToken(state: ContextState, found: BearerToken | undefined, policy: TokenPolicy, required: boolean): OidcError | undefined | Promise<OidcError | undefined> {
    if (found === undefined) {
      return required ? bearerError('unauthenticated', 'This API needs a bearer token.', { realm: this.config.resourceServer.realm }) : undefined;
    }
    // RFC 6750 §2.3: an answer to a URL that carries a token must not be kept by shared caches.
    if (found.source === 'query') state.io.setHeader?.('cache-control', 'private');
    let validated;
    try {
      // A token seen before: its cached verdict, with no syntax check, crypto or I/O again.
      const key = this.#tokens.keyFor(found.token);
      validated = this.#tokens.recall(found.token, policy, key);
      if (validated === undefined) {
        checkBearerSyntax(found, this.config.resourceServer.realm);
        validated = this.#tokens.validate(found.token, policy, key);
      }
    } catch (error) {
      return asOidcError(error);
    }
    if (validated instanceof Promise) {
      return validated.then((result) => {
        state.token = result;
        return undefined;
      }, asOidcError);
    }
    state.token = validated;
    return undefined;
  }

  /**
   * Test mode only: the `Cookie` header of a session for `user`, for your tests' requests.
   * Throws a `TypeError` when test mode is off.
   *
   * @example
   * ```ts
   * const cookie = await oidc.createTestSession({ sub: 'alice', email: 'alice@example.com' });
   * await fetch(`${appUrl}/profile`, { headers: { cookie } });
   * ```
   */
  async createTestSession(user: Claims, tokens: TestSessionTokens = {}): Promise<string> {
    const testMode = this.config.testMode;
    if (testMode === undefined) throw new TypeError('oidc-kit: createTestSession() needs the `testMode` option.');
    const cookies: string[] = [];
    await this.#sessions.create(this.#testData(user, tokens), new Map(), (cookie) => cookies.push(cookie), undefined);
    return cookies.map((cookie) => cookie.split(';')[0]).join('; ');
  }

  /**
   * Called after a successful login, before the default redirect. Adapters override it to run the
   * application's callback handler; a returned plan replaces the redirect.
   */
  protected onLoginComplete(_context: RequestContext, _result: LoginResult): Promise<ResponsePlan | undefined> {
    return Promise.resolve(undefined);
  }

  /**
   * Called with every error before the default page is built. The default runs the `onError`
   * option; adapters override it to call the application's view with their own request/response.
   */
  protected renderError(context: RequestContext, error: OidcError): Promise<ResponsePlan | undefined> | ResponsePlan | undefined {
    return this.config.onError?.(error, this.#state(context).request);
  }

  #state(context: RequestContext): ContextState {
    const state = context instanceof RequestContext ? RequestContext.stateOf(context) : undefined;
    if (state?.owner !== this) throw new TypeError('oidc-kit: this RequestContext was not created by this OpenIDConnect instance.');
    return state;
  }

  #query(state: ContextState): URLSearchParams {
    return new URL(state.request.url, this.config.baseUrl).searchParams;
  }

  async #hasEnded(session: LoadedSession): Promise<boolean> {
    const data = session.envelope.data;
    if (this.#logoutRecords === undefined) return false;
    const claims = decodeVerifiedJwtPayload(data.idToken);
    try {
      const { createdAt, createdAtMs } = session.envelope;
      return await this.#logoutRecords.hasEnded(data.provider, createdAtMs ?? createdAt * 1000, claims['sid'], claims.sub);
    } catch (cause) {
      throw new OidcError('session_store_unavailable', 'The session store is unavailable; try again shortly.', { cause });
    }
  }

  #refuse(context: RequestContext, state: ContextState, options: RequireLoginOptions, reason?: OidcError): Promise<ResponsePlan | undefined> {
    if (state.loadError) return this.#failure(state.loadError, context, state, 'session unavailable');
    const mode = options.unauthenticated ?? 'auto';
    if (mode === 'status' || (mode === 'auto' && wantsJson(state.request))) {
      return this.#failure(reason ?? new OidcError('unauthenticated', 'Log in to use this resource.'), context, state, undefined);
    }
    const provider = options.provider ?? state.endedProvider;
    const loginOptions: LoginOptions = { returnTo: state.request.url, ...(provider === undefined ? {} : { provider }) };
    return this.#login(state, loginOptions).catch((error: unknown) => this.#failure(error, context, state, 'login could not start'));
  }

  async #guardDue(context: RequestContext, state: ContextState, options: RequireLoginOptions, reauth: boolean): Promise<ResponsePlan | undefined> {
    if (reauth) {
      const provider = state.session?.envelope.data.provider;
      try {
        return await this.#login(state, { returnTo: state.request.url, silent: true, ...(provider === undefined ? {} : { provider }) });
      } catch (error) {
        return this.#failure(error, context, state, 'silent re-authentication could not start');
      }
    }
    try {
      await this.#refreshSession(state);
      return undefined;
    } catch (error) {
      if (error instanceof OidcError && error.code === 'session_expired') return this.#refuse(context, state, options, error);
      if (error instanceof OidcError && error.code !== 'session_store_unavailable') {
        // The provider is down or broken: the session itself is still valid, so let the request in;
        // accessToken() will report the problem if the route needs a fresh token.
        this.config.logger.warn(`token refresh failed: ${error.code}`, { code: error.code, reason: error.reason });
        return undefined;
      }
      return this.#failure(error, context, state, 'token refresh failed');
    }
  }

  /** Whether requireLogin should refresh first: the access token is due and can be refreshed. */
  #refreshDue(session: LoadedSession): boolean {
    const data = session.envelope.data;
    return this.config.testMode === undefined && data.refreshToken !== undefined && this.#accessTokenDue(data);
  }

  /** Whether the access token has expired or expires within `refreshBefore` (never, when the provider gave no expiry). */
  #accessTokenDue(data: SessionData): boolean {
    return data.accessTokenExpiresAt !== undefined && data.accessTokenExpiresAt - this.config.refreshBefore <= now();
  }

  #silentReauthDue(session: LoadedSession, request: RequestView): boolean {
    const interval = this.config.silentReauthInterval;
    return interval !== undefined &&
      this.config.testMode === undefined &&
      now() - session.envelope.createdAt >= interval &&
      this.#isBrowserNavigation(request);
  }

  /** A GET a browser navigates with: it can follow a redirect to the provider and come back. */
  #isBrowserNavigation(request: RequestView): boolean {
    return (request.method === 'GET' || request.method === 'HEAD') && !wantsJson(request);
  }

  async #accessToken(state: ContextState, options: AccessTokenOptions): Promise<string | undefined> {
    const session = state.session;
    if (session === undefined) return undefined;
    const data = session.envelope.data;
    if (this.config.testMode !== undefined) return data.accessToken;
    if (!this.#accessTokenDue(data) && !options.forceRefresh) return data.accessToken;
    await this.#refreshSession(state);
    return state.session?.envelope.data.accessToken;
  }

  /**
   * Refreshes the request's session; concurrent asks share one refresh. A failure is kept for the
   * rest of the request, so a broken provider is asked once per request, not once per ask.
   */
  #refreshSession(state: ContextState): Promise<void> {
    let pending = this.#refreshing.get(state);
    if (pending === undefined) {
      pending = this.#doRefresh(state).then(() => {
        this.#refreshing.delete(state);
      });
      this.#refreshing.set(state, pending);
    }
    return pending;
  }

  async #doRefresh(state: ContextState): Promise<void> {
    const session = state.session;
    if (session === undefined) return;
    const refresh = async (current: LoadedSession): Promise<LoadedSession> => {
      const fresh = await this.#refresher.refresh(current.envelope.data);
      return this.#sessions.update(current, fresh, state.cookies, state.io.setCookie);
    };
    const backend = this.#backend;
    try {
      // Server-side sessions are shared by every instance: refresh them under their lock.
      state.session = session.id === undefined || !isLockable(backend)
        ? await refresh(session)
        : await refreshExclusively(backend, { ...session, id: session.id }, refresh, this.#refreshWaitMs);
    } catch (error) {
      if (error instanceof OidcError && error.code === 'session_expired') {
        this.config.logger.warn(`session ended: ${error.code}:${error.reason ?? ''}`, { code: error.code, reason: error.reason });
        state.session = undefined;
        state.endedProvider = session.envelope.data.provider;
        await this.#sessions.destroy(session, state.cookies, state.io.setCookie);
      }
      throw error;
    }
  }

  async #login(state: ContextState, options: LoginOptions & { silent?: boolean }): Promise<ResponsePlan> {
    const returnTo = safeReturnTo(options.returnTo, this.config.baseUrl, this.config.baseUrl.href);
    assertOwnParametersUntouched(options.authorizationParams);
    checkAppState(options.state);
    if (options.provider !== undefined) this.#deps.provider(options.provider);
    if (this.config.testMode !== undefined) return this.#testLogin(state, returnTo, options);
    try {
      return await startLogin(this.#deps, state.cookies, state.io.setCookie, returnTo, options);
    } catch (error) {
      throw toOidcError(error, 'discovery');
    }
  }

  async #callbackRoute(context: RequestContext, state: ContextState): Promise<ResponsePlan> {
    if (state.loadError) throw state.loadError;
    const outcome = await handleCallback(this.#deps, state.request, state.cookies, state.io.setCookie, state.session);
    if (outcome.kind === 'silent_failed') {
      // The provider needs the user (logged out there, consent…): end this session cleanly and go
      // back to the page, which starts an interactive login if it needs one.
      this.config.logger.warn(`silent re-authentication ended the session: ${outcome.error.oauthError ?? ''}`, { code: outcome.error.code, oauthError: outcome.error.oauthError });
      const session = state.session;
      state.session = undefined;
      await this.#sessions.destroy(session, state.cookies, state.io.setCookie);
      return seeOther(outcome.transaction.returnTo);
    }
    state.session = outcome.session;
    return this.#afterLogin(context, outcome.transaction.appState, outcome.transaction.returnTo, outcome.transaction.provider, outcome.plan);
  }

  async #afterLogin(context: RequestContext, appState: unknown, returnTo: string, provider: string, plan: ResponsePlan): Promise<ResponsePlan> {
    const user = context.user;
    if (user === undefined) return plan;
    const custom = await this.onLoginComplete(context, { state: appState, returnTo, provider, user });
    return custom ?? plan;
  }

  async #testLogin(state: ContextState, returnTo: string, options: LoginOptions): Promise<ResponsePlan> {
    const testMode = this.config.testMode;
    if (testMode === undefined) throw new TypeError('test mode is off');
    const provider = options.provider ?? this.config.provider.name;
    const previous = state.session;
    state.session = await this.#sessions.create(this.#testData(testMode.user, {}, provider), state.cookies, state.io.setCookie, previous);
    const plan: ResponsePlan = seeOther(returnTo);
    const context = state.context;
    return context === undefined ? plan : this.#afterLogin(context, options.state, returnTo, provider, plan);
  }

  #testData(user: Claims, tokens: TestSessionTokens, provider = this.config.provider.name) {
    const testMode = this.config.testMode;
    if (testMode === undefined) throw new TypeError('test mode is off');
    const settings = this.config.providers.get(provider) ?? this.config.provider;
    return testSessionData(user, provider, settings.clientId, now(), { ...tokens, accessToken: tokens.accessToken ?? testMode.accessToken });
  }

  async #logoutRoute(state: ContextState): Promise<ResponsePlan> {
    const { request } = state;
    // The session could not be read (store down): it cannot be ended either, and answering as if it
    // had been would leave it alive in the store, valid again once the store is back.
    if (state.loadError) throw state.loadError;
    const returnTo = this.#query(state).get('returnTo') ?? undefined;
    if (request.method === 'POST') {
      if (this.#isCrossSite(request)) {
        throw new OidcError('cross_site_request', 'This logout request came from another site and was refused.', { reason: 'origin' });
      }
      return this.#logout(state, { returnTo });
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return { status: 405, headers: { allow: 'GET, POST', 'cache-control': 'no-store' } };
    }
    if (state.session === undefined) {
      return seeOther(safeReturnTo(returnTo, this.config.baseUrl, this.config.postLogoutRedirect));
    }
    // A GET logs out only when the browser vouches that it comes from this site (a link, a typed
    // URL); anything else gets a button that POSTs, which a foreign page cannot forge (RPL-04).
    const site = request.header('sec-fetch-site');
    if (request.method === 'GET' && (site === 'same-origin' || site === 'none')) return this.#logout(state, { returnTo });
    return logoutConfirmation(request.url, this.config.baseUrl.href);
  }

  /**
   * Whether a state-changing request comes from another site. Fetch Metadata decides when the
   * browser sends it: a page with `Referrer-Policy: no-referrer` makes browsers send `Origin: null`
   * even on its own forms, so Origin alone would refuse them. Without Sec-Fetch-Site (older
   * browsers), Origin must be this app's when present (`null` included: refused).
   */
  #isCrossSite(request: RequestView): boolean {
    const site = request.header('sec-fetch-site');
    if (site !== undefined) return site !== 'same-origin' && site !== 'none';
    const origin = request.header('origin');
    return origin !== undefined && origin !== this.config.baseUrl.origin;
  }

  async #logout(state: ContextState, options: LogoutOptions): Promise<ResponsePlan> {
    if (state.loadError) throw state.loadError;
    const returnTo = safeReturnTo(options.returnTo, this.config.baseUrl, this.config.postLogoutRedirect);
    const session = state.session;
    state.session = undefined;
    await this.#sessions.destroy(session, state.cookies, state.io.setCookie);
    const local: ResponsePlan = seeOther(returnTo);
    const atProvider = options.atProvider ?? this.config.logoutAtProvider;
    if (session === undefined || !atProvider || this.config.testMode !== undefined) return local;

    const provider = this.#providers.get(session.envelope.data.provider);
    if (provider === undefined) return local;
    let configuration: client.Configuration;
    try {
      configuration = await provider.configuration();
    } catch (error) {
      // The local session is over either way; the provider's cannot be ended now.
      this.config.logger.warn('logout at the provider skipped: its metadata is unavailable', { code: error instanceof OidcError ? error.code : 'unknown' });
      return local;
    }
    if (configuration.serverMetadata().end_session_endpoint === undefined) return local;
    const logoutState = client.randomState();
    this.#logoutTransactions.save({ state: logoutState, returnTo, createdAt: now() }, state.io.setCookie);
    const url = client.buildEndSessionUrl(configuration, {
      id_token_hint: session.envelope.data.idToken,
      post_logout_redirect_uri: provider.settings.postLogoutRedirectUri,
      state: logoutState,
      client_id: provider.client.clientId,
    });
    return seeOther(url.href);
  }

  /** Where the provider sends the browser after RP-initiated logout: only a matching state restores `returnTo` (RPI-02/03). */
  #postLogoutRoute(state: ContextState): ResponsePlan {
    const pending = this.#logoutTransactions.take(state.cookies, state.io.setCookie, now());
    const returned = this.#query(state).get('state');
    let location = this.config.postLogoutRedirect;
    if (pending !== undefined && returned !== null && returned === pending.state) location = pending.returnTo;
    else this.config.logger.warn('post-logout redirect without a matching state; showing the default page', { reason: returned === null ? 'state_missing' : 'state_mismatch' });
    return seeOther(location);
  }

  async #backchannelLogoutRoute(state: ContextState): Promise<ResponsePlan> {
    const records = this.#logoutRecords;
    const { request } = state;
    try {
      if (records === undefined) throw new TypeError('back-channel logout is off');
      if (request.method !== 'POST') throw new OidcError('logout_token_invalid', 'Back-channel logout requests must be POSTs.', { reason: 'method' });
      if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.header('content-type') ?? '')) {
        throw new OidcError('logout_token_invalid', 'Back-channel logout requests must be form-encoded.', { reason: 'content_type' });
      }
      if (request.readBody === undefined) throw new TypeError('oidc-kit: this adapter cannot read request bodies, which back-channel logout needs.');
      const body = await request.readBody(MAX_LOGOUT_BODY_BYTES);
      if (body === undefined) throw new OidcError('logout_token_invalid', 'The request body is too large.', { reason: 'too_large' });
      const tokens = new URLSearchParams(body).getAll('logout_token');
      if (tokens.length !== 1 || tokens[0] === '') {
        throw new OidcError('logout_token_invalid', 'Send exactly one logout_token.', { reason: 'logout_token' });
      }
      const { provider, claims } = await this.#logoutTokens.verify(tokens[0] ?? '');
      let replayed: boolean;
      try {
        // Record first, mark the jti after: a provider retrying after a store failure must not be
        // refused as a replay, and a replay must not move a logout record forward.
        replayed = await records.seen(claims);
        if (!replayed) {
          await records.record(provider.settings.name, claims);
          await records.markSeen(claims, provider.settings.clockTolerance);
        }
      } catch (cause) {
        throw new OidcError('session_store_unavailable', 'The session store is unavailable; try again shortly.', { cause });
      }
      if (replayed) throw new OidcError('logout_token_invalid', 'This logout token was already used.', { reason: 'replayed' });
      return { status: 200, headers: { 'cache-control': 'no-store' } };
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      this.config.logger.warn(`back-channel logout refused: ${error.code}${error.reason ? `:${error.reason}` : ''}`, { code: error.code, reason: error.reason });
      // §2.8: 400 with an OAuth-style JSON error; the provider is a server, not a person.
      const body: Record<string, string> = { error: error.status === 400 ? 'invalid_request' : 'temporarily_unavailable', error_description: error.message };
      if (error.reason !== undefined) body['reason'] = error.reason;
      return { status: error.status, headers: { 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
    }
  }

  async #fetchUserInfo(state: ContextState): Promise<Record<string, unknown>> {
    const accessToken = await this.#accessToken(state, {});
    const data = state.session?.envelope.data;
    if (data === undefined) throw new OidcError('unauthenticated', 'Nobody is logged in.');
    if (accessToken === undefined) throw new OidcError('provider_error', 'The session has no access token to call UserInfo with.');
    if (this.config.testMode !== undefined) return { ...decodeVerifiedJwtPayload(data.idToken), ...data.userinfo };
    return fetchUserInfo(this.#deps.provider(data.provider), accessToken, decodeVerifiedJwtPayload(data.idToken).sub);
  }

  async #failure(error: unknown, context: RequestContext, state: ContextState, what: string | undefined): Promise<ResponsePlan> {
    if (!(error instanceof OidcError)) throw error;
    if (what !== undefined && this.#outageLog.shouldLog(error.code)) {
      this.config.logger.warn(`${what}: ${error.code}${error.reason ? `:${error.reason}` : ''}`, {
        code: error.code,
        reason: error.reason,
        oauthError: error.oauthError,
        path: pathOf(state.request.url),
      });
    }
    const custom = await this.renderError(context, error);
    return custom ?? this.errorResponse(error, state.request);
  }
}

/**
 * Rate limit for the log lines of outages: while the session store or the provider is down, every
 * request fails the same way, and one line per request would drown the log. Other failures (a bad
 * callback, a refused token) are about one request and are always logged.
 */
class OutageLog {
  static readonly CODES: ReadonlySet<string> = new Set(['session_store_unavailable', 'provider_unavailable']);
  readonly #intervalMs: number;
  readonly #last = new Map<string, number>();

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  shouldLog(code: string): boolean {
    if (!OutageLog.CODES.has(code)) return true;
    const now = Date.now();
    if (now - (this.#last.get(code) ?? -Infinity) < this.#intervalMs) return false;
    this.#last.set(code, now);
    return true;
  }
}

/** The callback's answers never leak its URL (code, state) in a Referer (RFC 9700 §4.2.4, BCP-17). */
function noReferrer(plan: ResponsePlan): ResponsePlan {
  return { ...plan, headers: { ...plan.headers, 'referrer-policy': 'no-referrer' } };
}
