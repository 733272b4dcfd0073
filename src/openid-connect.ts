import * as client from 'openid-client';
import { decodeVerifiedJwtPayload } from './claims.ts';
import type { OpenIDConnectOptions } from './config/options.ts';
import { resolveOptions } from './config/resolve-options.ts';
import type { ResolvedConfig } from './config/resolved-config.ts';
import { parseCookieHeader } from './cookies/cookie-header.ts';
import { CookieSealer } from './cookies/cookie-sealer.ts';
import { OidcError } from './errors.ts';
import { pathOf, wantsJson, type RequestView, type ResponsePlan } from './http.ts';
import { handleCallback } from './login/handle-callback.ts';
import type { LoginDependencies } from './login/login-dependencies.ts';
import { safeReturnTo } from './login/return-to.ts';
import { assertOwnParametersUntouched, type LoginOptions, startLogin } from './login/start-login.ts';
import { TransactionCookies } from './login/transaction.ts';
import { ProviderClient } from './provider/provider-client.ts';
import { toOidcError } from './provider/provider-error.ts';
import { errorResponse } from './render/error-response.ts';
import { type ContextHost, type ContextState, type LogoutOptions, RequestContext, type ResponseIO } from './request-context.ts';
import { CookieSessionBackend } from './session/cookie-session-backend.ts';
import type { SessionData } from './session/session-data.ts';
import { SessionManager } from './session/session-manager.ts';
import { StoreSessionBackend } from './session/store-session-backend.ts';

/** Options of `requireLogin`. */
export interface RequireLoginOptions {
  /**
   * What an anonymous request gets: `'redirect'` to the provider (and back), `'status'` a 401 with
   * a JSON body, or `'auto'` (default): 401 for requests that want JSON (Accept: application/json,
   * X-Requested-With), a redirect for browsers.
   */
  unauthenticated?: 'auto' | 'redirect' | 'status';
}

const now = (): number => Math.floor(Date.now() / 1000);

/**
 * The framework-neutral core: configuration, provider, sessions and the login flow. Framework
 * adapters (`oidc-kit/express`) wrap it; use it directly only to write an adapter of your own.
 * Invalid options throw a `ConfigurationError` here, at start-up.
 *
 * @example
 * ```ts
 * import { OpenIDConnect } from 'oidc-kit';
 * const core = new OpenIDConnect({ baseUrl, secret, issuer, clientId, clientSecret });
 * const context = await core.createContext(requestView, { setCookie, send });
 * const answer = await core.handleRoute(context); // login, callback, logout — or undefined
 * ```
 */
export class OpenIDConnect {
  /** The validated configuration, defaults filled in. */
  readonly config: ResolvedConfig;
  readonly #provider: ProviderClient;
  readonly #sessions: SessionManager;
  readonly #deps: LoginDependencies;
  readonly #states = new WeakMap<RequestContext, ContextState>();
  readonly #host: ContextHost;

  constructor(options: OpenIDConnectOptions) {
    this.config = resolveOptions(options);
    const { session, secrets } = this.config;
    const sessionSealer = new CookieSealer(secrets, 'session');
    const backend = session.store === undefined
      ? new CookieSessionBackend(session.cookieName, session.cookie, sessionSealer, this.config.logger)
      : new StoreSessionBackend(session.cookieName, session.cookie, sessionSealer, session.store);
    this.#sessions = new SessionManager(backend, session, now);
    this.#provider = new ProviderClient(this.config.provider);
    this.#deps = {
      config: this.config,
      provider: this.#provider,
      sessions: this.#sessions,
      transactions: new TransactionCookies(this.config.transaction, new CookieSealer(secrets, 'transaction')),
      now,
    };
    this.#host = {
      sessionExpiresAt: (state) => (state.session ? this.#sessions.expiresAt(state.session.envelope) : undefined),
      login: async (state, loginOptions) => state.io.send(await this.#login(state, loginOptions)),
      logout: async (state, logoutOptions) => state.io.send(await this.#logout(state, logoutOptions)),
      fetchUserInfo: (data) => this.#fetchUserInfo(data),
      userInfoEnabled: this.config.provider.userInfo,
    };
  }

  /**
   * Reads the request's session and returns its context (`req.oidc`). Never throws for bad
   * cookies (they mean "not logged in"); a failing session store is remembered, and routes that
   * need a login then answer 503.
   */
  async createContext(request: RequestView, io: ResponseIO): Promise<RequestContext> {
    const cookies = parseCookieHeader(request.header('cookie'));
    let session;
    let loadError: OidcError | undefined;
    try {
      session = await this.#sessions.read(cookies, io.setCookie);
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      loadError = error;
    }
    const state: ContextState = { request, cookies, io, session, loadError };
    const context = new RequestContext(this.#host, state);
    this.#states.set(context, state);
    return context;
  }

  /**
   * Answers oidc-kit's own routes (login, callback, logout) and returns `undefined` for every other
   * request. Errors become their status and page: a failed callback is a 400 with a stable code,
   * an unreachable provider a 503.
   */
  async handleRoute(context: RequestContext): Promise<ResponsePlan | undefined> {
    const state = this.#state(context);
    const { routes } = this.config;
    const path = pathOf(state.request.url);
    if (path !== routes.callback && path !== routes.login && path !== routes.logout) return undefined;
    try {
      if (path === routes.callback) {
        if (state.loadError) throw state.loadError;
        return await handleCallback(this.#deps, state.request, state.cookies, state.io.setCookie, state.session);
      }
      const query = new URL(state.request.url, this.config.baseUrl).searchParams;
      const returnTo = query.get('returnTo') ?? undefined;
      if (path === routes.login) return await this.#login(state, { returnTo });
      return await this.#logout(state, { returnTo });
    } catch (error) {
      return this.#failure(error, state, path === routes.callback ? 'login failed' : 'request failed');
    }
  }

  /**
   * Decides whether a request may reach a route that needs a login. Returns `undefined` at once
   * (no promise, nothing to await) when it may; otherwise a promise of the answer to send instead:
   * a redirect to the provider, a 401, or a 503 when the session store is down.
   */
  guardLogin(context: RequestContext, options: RequireLoginOptions = {}): Promise<ResponsePlan> | undefined {
    const state = this.#state(context);
    if (state.session !== undefined) return undefined;
    if (state.loadError) return Promise.resolve(this.errorResponse(state.loadError, state.request));
    const mode = options.unauthenticated ?? 'auto';
    if (mode === 'status' || (mode === 'auto' && wantsJson(state.request))) {
      return Promise.resolve(this.errorResponse(new OidcError('unauthenticated', 'Log in to use this resource.'), state.request, true));
    }
    return this.#login(state, { returnTo: state.request.url }).catch((error: unknown) => this.#failure(error, state, 'login could not start'));
  }

  /**
   * The default answer for an error: JSON for clients that want it, otherwise an escaped HTML page.
   */
  errorResponse(error: OidcError, request: RequestView, json = wantsJson(request)): ResponsePlan {
    return errorResponse(error, json, this.config.baseUrl.href);
  }

  #state(context: RequestContext): ContextState {
    const state = this.#states.get(context);
    if (state === undefined) throw new TypeError('oidc-kit: this RequestContext was not created by this OpenIDConnect instance.');
    return state;
  }

  async #login(state: ContextState, options: LoginOptions): Promise<ResponsePlan> {
    const fallback = this.config.baseUrl.href;
    const returnTo = safeReturnTo(options.returnTo, this.config.baseUrl, fallback);
    assertOwnParametersUntouched(options.authorizationParams);
    try {
      return await startLogin(this.#deps, state.cookies, state.io.setCookie, returnTo, options);
    } catch (error) {
      throw toOidcError(error, 'discovery');
    }
  }

  async #logout(state: ContextState, options: LogoutOptions): Promise<ResponsePlan> {
    const returnTo = safeReturnTo(options.returnTo, this.config.baseUrl, this.config.postLogoutRedirect);
    const session = state.session;
    state.session = undefined;
    await this.#sessions.destroy(session, state.cookies, state.io.setCookie);
    return { status: 303, headers: { location: returnTo, 'cache-control': 'no-store' } };
  }

  async #fetchUserInfo(data: SessionData): Promise<Record<string, unknown>> {
    if (data.accessToken === undefined) {
      throw new OidcError('provider_error', 'The session has no access token to call UserInfo with.');
    }
    const configuration = await this.#provider.configuration();
    try {
      return await client.fetchUserInfo(configuration, data.accessToken, decodeVerifiedJwtPayload(data.idToken).sub);
    } catch (error) {
      throw toOidcError(error, 'userinfo');
    }
  }

  #failure(error: unknown, state: ContextState, what: string): ResponsePlan {
    if (!(error instanceof OidcError)) throw error;
    this.config.logger.warn(`${what}: ${error.code}${error.reason ? `:${error.reason}` : ''}`, {
      code: error.code,
      reason: error.reason,
      oauthError: error.oauthError,
      path: pathOf(state.request.url),
    });
    return this.errorResponse(error, state.request);
  }
}
