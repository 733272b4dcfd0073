import type { Claims } from '../claims.ts';
import { startupNote } from '../config/startup-note.ts';
import type { OpenIDConnectOptions } from '../config/options.ts';
import { resolveOptions } from '../config/resolve-options.ts';
import type { ResolvedConfig } from '../config/resolved-config.ts';
import { OidcError } from '../errors.ts';
import { pathOf, type RequestView, type ResponsePlan } from '../http.ts';
import type { ContextHost, RequestContext, ResponseIO } from '../request-context.ts';
import type { ClientCredentialsOptions, ClientCredentialsToken } from '../grants/client-credentials.ts';
import type { ClaimRequirements } from '../resource/claim-checks.ts';
import { keycloakClientRoles } from '../resource/claim-checks.ts';
import type { TokenRequirements } from '../resource/token-validator.ts';
import type { TestSessionTokens } from '../testing/test-session-data.ts';
import { buildCoreServices, type CoreHooks, type CoreServices } from './core-services.ts';
import { recoverFrom } from './error-answers.ts';
import { FetchRequestView } from './fetch-request-view.ts';
import type { AcceptTokenOptions, AccessControlOptions, AuthorizationOptions, RequireLoginOptions, RequireRoleOptions } from './guard-options.ts';
import { acceptTokenGuard } from './guards/accept-token.ts';
import { accessControlGuard } from './guards/access-control.ts';
import { authorizationGuard, claimsRule, roleRule, scopesRule } from './guards/authorize.ts';
import { type Guard, stateOf } from './guards/guard.ts';
import { requireLoginGuard } from './guards/require-login.ts';
import { liveUserInfo } from './live-userinfo.ts';
import { sessionFetch } from './session-fetch.ts';
import { beginLogin, testData } from './login-flow.ts';
import { endSession } from './logout-flow.ts';
import { openContext, openContextNow } from './open-context.ts';
import { PendingWrites } from './pending-writes.ts';
import { answerRoute, buildRouteTable, type OidcRoute } from './route-table.ts';
import { accessToken } from './session-refresh.ts';
import type { TokenValidationResult } from './token-validation-result.ts';

/**
 * The framework-neutral core: configuration, providers, sessions, login, refresh and logout, and
 * the resource server. It decides everything and hands its answers out as values: a request is
 * opened into a context, the library's routes are a table ({@link routes}) answered with response
 * plans, and protections are {@link Guard}s that return verdicts. Framework adapters
 * (`oidc-kit/express`) hold one; use it directly to write an adapter of your own, or call
 * {@link handle} from a Web-standard fetch handler. Invalid options throw a `ConfigurationError`
 * here, at start-up. `N` is the framework's own request, handed back to the hooks untouched.
 *
 * @example
 * ```ts
 * import { OidcCore } from 'oidc-kit';
 * const core = new OidcCore({ baseUrl, secret, issuer, clientId, clientSecret });
 * export default { fetch: (request: Request) => core.handle(request) ?? new Response('not found', { status: 404 }) };
 * ```
 */
export class OidcCore<N = unknown> {
  /** The validated configuration, defaults filled in. */
  readonly config: ResolvedConfig;
  /** The library's own routes (login, callback, logout, post-logout, back-channel logout) for this configuration. */
  readonly routes: readonly OidcRoute[];
  readonly #services: CoreServices;
  readonly #host: ContextHost;
  readonly #routesByPath: ReadonlyMap<string, OidcRoute>;

  constructor(options: OpenIDConnectOptions, hooks: CoreHooks<N> = {}) {
    this.config = resolveOptions(options);
    const services = buildCoreServices(this.config, hooks);
    this.#services = services;
    this.routes = buildRouteTable(this.config);
    this.#routesByPath = new Map(this.routes.map((route) => [route.path, route]));
    this.#host = {
      sessionExpiresAt: (state) => (state.session ? services.sessions.expiresAt(state.session.envelope) : undefined),
      // `silent` is oidc-kit's own (prompt=none re-authentication), never the application's.
      login: async (state, options) => sent(state.io, await beginLogin(services, state, { ...options, silent: false })),
      logout: async (state, options) => sent(state.io, await endSession(services, state, options)),
      accessToken: (state, options) => accessToken(services, state, options),
      fetchUserInfo: (state) => liveUserInfo(services, state),
      fetch: (state, input, init) => sessionFetch(services, state, input, init),
      userInfoEnabled: (state) => this.config.providers.get(state.session?.envelope.data.provider ?? '')?.userInfo ?? this.config.provider.userInfo,
    };
    if (this.config.testMode !== undefined) {
      this.config.logger.warn('TEST MODE is on: logins are fake and no provider is contacted. Never enable it in production.');
    }
    const note = startupNote(this.config);
    if (note !== undefined) this.config.logger.info?.(note);
  }

  /**
   * Opens a request: reads its session and returns its context (`req.oidc`) — at once when nothing
   * needs awaiting (no cookie, a cached cookie session, API-only mode), else a promise. Never
   * rejects for bad cookies (they mean "not logged in"); a failing session store is remembered and
   * routes that need a login then answer 503. `io` receives the cookies and headers the core writes
   * for this request; `native` is handed back to the hooks.
   *
   * @example
   * ```ts
   * const opened = core.open(view, io, req);
   * const context = opened instanceof Promise ? await opened : opened;
   * ```
   */
  open(request: RequestView, io: ResponseIO, native?: N): RequestContext | Promise<RequestContext> {
    return openContextNow(this.#services, this.#host, request, io, native) ?? openContext(this.#services, this.#host, request, io, native);
  }

  /**
   * A request's context opened by a guard itself, where no middleware ran before it: only in
   * API-only mode (`resourceServerOnly`), where opening reads no cookie and awaits nothing.
   * `undefined` otherwise, and the guard then reports the missing middleware.
   *
   * @example
   * ```ts
   * const context = req.oidc ?? core.openStandalone(view, io, req);
   * ```
   */
  openStandalone(request: RequestView, io: ResponseIO, native?: N): RequestContext | undefined {
    return this.config.resourceServerOnly ? openContextNow(this.#services, this.#host, request, io, native) : undefined;
  }

  /**
   * The library route a request is for (by its path), or `undefined` for every other request.
   *
   * @example
   * ```ts
   * const route = core.route(view);
   * if (route === undefined) return next();
   * ```
   */
  route(request: Pick<RequestView, 'url'>): OidcRoute | undefined {
    return this.#routesByPath.size === 0 ? undefined : this.#routesByPath.get(pathOf(request.url));
  }

  /**
   * The answer of one of the library's routes: 405 with `Allow` for a method it does not serve,
   * otherwise what the route decides; errors become their status and page (a failed callback 400
   * with a stable code, an unreachable provider 503), through the error view when there is one.
   *
   * @example
   * ```ts
   * const plan = await core.answer(route, context);
   * ```
   */
  answer(route: OidcRoute, context: RequestContext): Promise<ResponsePlan> {
    return answerRoute(this.#services, route, stateOf(this.#services, context));
  }

  /**
   * The answer to an error the application's own code raised, or `undefined` when it is not an
   * `OidcError` (the framework handles it). `session_expired` and `unauthenticated` send a browser
   * to log in again and give API clients 401; every other code its status, through the error view.
   *
   * @example
   * ```ts
   * const plan = core.recover(req.oidc, error);
   * if (plan === undefined) return next(error);
   * send(await plan);
   * ```
   */
  recover(context: RequestContext, error: unknown): Promise<ResponsePlan> | undefined {
    if (!(error instanceof OidcError)) return undefined;
    return recoverFrom(this.#services, stateOf(this.#services, context), error);
  }

  /**
   * Answers the library's routes for a Web-standard runtime (Next.js route handlers, Bun, Deno,
   * Workers): a promise of the `Response`, with its cookies, for a request to one of them;
   * `undefined`, at once, for any other request (so the app's own answer need not wait for a
   * promise). The public URL is the configured `baseUrl` (with a list, the entry the request's
   * host names), never the request's host itself. `nativeOf`
   * makes what the hooks receive, from this request's pending writes (default: nothing).
   *
   * @example
   * ```ts
   * Bun.serve({ fetch: (request) => core.handle(request) ?? app(request) });
   * ```
   */
  handle(request: Request, nativeOf?: (pending: PendingWrites) => N): Promise<Response> | undefined {
    const view = new FetchRequestView(request);
    const route = this.route(view);
    return route === undefined ? undefined : this.#answerRoute(view, route, nativeOf);
  }

  async #answerRoute(view: FetchRequestView, route: OidcRoute, nativeOf: ((pending: PendingWrites) => N) | undefined): Promise<Response> {
    const pending = new PendingWrites();
    const context = await this.open(view, pending, nativeOf?.(pending));
    return pending.toResponse(await this.answer(route, context));
  }

  /**
   * The guard of a route that needs a login: see the adapters' `requireLogin()`. Options are
   * checked now (a provider that does not exist throws a `TypeError`).
   *
   * @example
   * ```ts
   * const guard = core.requireLogin({ unauthenticated: 'status' });
   * ```
   */
  requireLogin(options: RequireLoginOptions = {}): Guard {
    return requireLoginGuard(this.#services, options);
  }

  /**
   * The guard of an API route that needs a bearer token (RFC 6750): see the adapters' `acceptToken()`.
   *
   * @example
   * ```ts
   * const guard = core.acceptToken({ scopes: 'reports:read' });
   * ```
   */
  acceptToken(options: AcceptTokenOptions = {}): Guard {
    return acceptTokenGuard(this.#services, options);
  }

  /**
   * The guard of a route open to a bearer token or a login session: see the adapters' `accessControl()`.
   *
   * @example
   * ```ts
   * const guard = core.accessControl({ scopes: 'reports:read' });
   * ```
   */
  accessControl(options: AccessControlOptions = {}): Guard {
    return accessControlGuard(this.#services, options);
  }

  /**
   * The guard that requires scopes of the token (or, after `accessControl`, of the session).
   *
   * @example
   * ```ts
   * const guard = core.requireScopes('items:delete');
   * ```
   */
  requireScopes(scopes: string | readonly string[], options: AuthorizationOptions = {}): Guard {
    return authorizationGuard(this.#services, scopesRule(scopes), options.renderErrors ?? true);
  }

  /**
   * The guard that requires claims of the verified token (or session ID token).
   *
   * @example
   * ```ts
   * const guard = core.requireClaims({ tenant: 'acme' });
   * ```
   */
  requireClaims(requirements: ClaimRequirements, options: AuthorizationOptions = {}): Guard {
    return authorizationGuard(this.#services, claimsRule(requirements), options.renderErrors ?? true);
  }

  /**
   * The guard that requires a role (or one of several), by default from the `roles` claim.
   *
   * @example
   * ```ts
   * const guard = core.requireRole('admin', { from: keycloakRealmRoles });
   * ```
   */
  requireRole(role: string | readonly string[], options: RequireRoleOptions = {}): Guard {
    return authorizationGuard(this.#services, roleRule(role, options), options.renderErrors ?? true);
  }

  /**
   * Flask-OIDC's require_keycloak_role(client, role): the role must be one of `resource_access[client].roles`.
   *
   * @example
   * ```ts
   * const guard = core.requireKeycloakRole('my-api', 'editor');
   * ```
   */
  requireKeycloakRole(client: string, role: string, options: AuthorizationOptions = {}): Guard {
    return this.requireRole(role, { ...options, from: keycloakClientRoles(client) });
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
    const tokens = this.#services.tokens;
    const policy = tokens.policy(requirements);
    try {
      const validated = await tokens.validate(token, policy);
      return { valid: true, claims: validated.claims, scopes: validated.scopes, strategy: validated.strategy };
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      return { valid: false, code: error.code, reason: error.reason, status: error.status, error };
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
    const { grants, login } = this.#services;
    return await grants.get(login.provider(options.provider ?? this.config.provider.name), options);
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
    if (this.config.testMode === undefined) throw new TypeError('oidc-kit: createTestSession() needs the `testMode` option.');
    const cookies: string[] = [];
    await this.#services.sessions.create(await testData(this.#services, user, tokens), new Map(), (cookie) => cookies.push(cookie), undefined);
    return cookies.map((cookie) => cookie.split(';')[0]).join('; ');
  }
}

/** A plan, after sending it where the adapter sends at once (Express's `req.oidc.login()`). */
function sent(io: ResponseIO, plan: ResponsePlan): ResponsePlan {
  io.send?.(plan);
  return plan;
}
