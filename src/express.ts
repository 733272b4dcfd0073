/**
 * The Express adapter (Express 4 and 5): `import { OpenIDConnect } from 'oidc-kit/express'`.
 * It only translates between Express and the core; every decision is the core's.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger, OpenIDConnectOptions } from './config/options.ts';
import { OidcError } from './errors.ts';
import type { CookieSink, ResponsePlan, RequestView } from './http.ts';
import {
  type AcceptTokenOptions, type AuthorizationRule, OpenIDConnect as CoreOpenIDConnect, type LoginResult, type RequireLoginOptions,
} from './openid-connect.ts';
import { RequestContext, type ResponseIO } from './request-context.ts';
import type { ClaimRequirements, RoleSource } from './resource/claim-checks.ts';
import { keycloakClientRoles } from './resource/claim-checks.ts';
import { scopeList } from './resource/token-validator.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The logged-in user and their tokens; set by `oidc.middleware()`. */
      oidc: RequestContext;
    }
  }
}

/**
 * Your callback handler (Flask-OIDC: custom_callback): runs after a successful login, with the
 * session already in `req.oidc`, and sends the response. If it sends nothing, the default redirect
 * to `result.returnTo` follows.
 */
export type CallbackHandler = (req: Request, res: Response, result: LoginResult) => void | Promise<void>;

/**
 * Your error view (Flask-pyoidc: error_view): gets the typed error (`code`, `reason`, and the
 * provider's `oauthError` / `oauthErrorDescription`, untrusted text to escape) and sends a response.
 * If it sends nothing, oidc-kit's default page follows.
 */
export type ErrorView = (error: OidcError, req: Request, res: Response) => void | Promise<void>;

/**
 * Options of `accessControl()`: the token requirements of {@link AcceptTokenOptions} for requests
 * with a bearer token, the login behaviour of {@link RequireLoginOptions} for the others.
 */
export interface AccessControlOptions extends Omit<AcceptTokenOptions, 'required' | 'provider'>, RequireLoginOptions {}

/** Options of `requireScopes()`, `requireClaims()` and `requireRole()`. */
export interface AuthorizationOptions {
  /** `false` hands the typed `OidcError` (403 `insufficient_scope`) to your error handling. Default `true`. */
  renderErrors?: boolean;
}

/** Options of `requireRole()`. */
export interface RequireRoleOptions extends AuthorizationOptions {
  /** Where the roles are: a claim name (default `roles`), `keycloakRealmRoles`, `keycloakClientRoles('client')`, or your function. */
  from?: RoleSource;
}

/** The core options, with an `onError` view that receives Express's request and response. */
export interface ExpressOpenIDConnectOptions extends Omit<OpenIDConnectOptions, 'onError'> {
  /** See {@link ErrorView}. */
  onError?: ErrorView;
}

/**
 * oidc-kit for Express. `middleware()` mounts the login, callback and logout routes and puts
 * `req.oidc` on every request; `requireLogin()` protects a route.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { OpenIDConnect } from 'oidc-kit/express';
 *
 * const oidc = new OpenIDConnect({
 *   baseUrl: 'http://localhost:3000',
 *   secret: process.env.SESSION_SECRET!,
 *   issuer: 'https://accounts.example.com',
 *   clientId: 'my-app',
 *   clientSecret: process.env.OIDC_CLIENT_SECRET!,
 * });
 * const app = express();
 * app.use(oidc.middleware());
 * app.get('/profile', oidc.requireLogin(), (req, res) => res.json(req.oidc.user));
 * app.use(oidc.errorHandler());
 * ```
 */
export class OpenIDConnect extends CoreOpenIDConnect {
  readonly #errorView: ErrorView | undefined;
  #callbackHandler: CallbackHandler | undefined;

  constructor(options: ExpressOpenIDConnectOptions) {
    const { onError, ...core } = options;
    super(core);
    if (onError !== undefined && typeof onError !== 'function') {
      throw new TypeError('oidc-kit: invalid option `onError`: must be a function (error, req, res).');
    }
    this.#errorView = onError;
  }

  /**
   * The middleware to `app.use()` before your routes: answers `/login`, `/callback`, `/logout` and
   * the other oidc-kit routes (paths configurable) and sets `req.oidc` for everything else.
   */
  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction): void => {
      const view = requestView(req);
      const io = this.#responseIO(res);
      // The common case without promises: an API request, or one without cookies, to a route of the app.
      const owned = this.ownsRoute(view);
      const ready = owned ? undefined : this.contextNow(view, io);
      if (ready !== undefined) {
        attach(req, ready);
        next();
        return;
      }
      if (!owned) {
        // A route of the app whose session must be awaited (a store, a touch): one step, no more.
        this.createContext(view, io).then((context) => {
          attach(req, context);
          next();
        }, next);
        return;
      }
      this.createContext(view, io)
        .then(async (context) => {
          attach(req, context);
          const plan = await this.handleRoute(context);
          if (plan === undefined) next();
          else writePlan(res, plan);
        })
        .catch(next);
    };
  }

  /**
   * Protects a route: a logged-in request goes on (its access token refreshed first when it is
   * due); a browser is sent to log in and brought back to the page it asked for; a request that
   * wants JSON gets 401 (see {@link RequireLoginOptions}).
   *
   * @example
   * ```ts
   * app.get('/api/private', oidc.requireLogin({ unauthenticated: 'status' }), handler);
   * app.get('/partners', oidc.requireLogin({ provider: 'partner-idp' }), handler);
   * ```
   */
  requireLogin(options: RequireLoginOptions = {}): RequestHandler {
    if (this.config.resourceServerOnly) {
      throw new TypeError('oidc-kit: requireLogin() has no meaning with `resourceServerOnly` (there are no logins); use acceptToken().');
    }
    if (options.provider !== undefined && !this.config.providers.has(options.provider)) {
      throw new TypeError(`oidc-kit: requireLogin({ provider: "${options.provider}" }) names no configured provider (${[...this.config.providers.keys()].join(', ')}).`);
    }
    return (req: Request, res: Response, next: NextFunction): void => {
      if (!(req as Partial<Request>).oidc) {
        next(new Error('oidc-kit: requireLogin() needs app.use(oidc.middleware()) before the route.'));
        return;
      }
      const pending = this.guardLogin(req.oidc, options);
      if (pending === undefined) {
        next();
        return;
      }
      pending.then((plan) => (plan === undefined ? next() : writePlan(res, plan)), next);
    };
  }

  /**
   * Protects an API route with a bearer token (RFC 6750; Flask-OIDC: accept_token, Flask-pyoidc:
   * token_auth): from the `Authorization: Bearer` header (a form body or the query string only when
   * `resourceServer.allowFormToken` / `allowQueryToken` say so). A JWT is verified locally with the
   * provider's keys, an opaque token by (cached) introspection. The claims are then on
   * `req.oidc.token`. Without a token: 401 with `WWW-Authenticate: Bearer realm="…"` (or on, with
   * `required: false`); a bad token 401 `invalid_token`; missing scopes 403 `insufficient_scope`;
   * a malformed request 400 `invalid_request`; the provider down 503. With `renderErrors: false`
   * the `OidcError` (its `challenge` holds the `WWW-Authenticate` value) goes to `next(error)`.
   *
   * @example
   * ```ts
   * app.get('/api/me', oidc.acceptToken(), (req, res) => res.json(req.oidc.token));
   * app.post('/api/admin', oidc.acceptToken({ scopes: 'admin', audience: 'https://api.example.com' }), handler);
   * ```
   */
  acceptToken(options: AcceptTokenOptions = {}): RequestHandler {
    const policy = this.tokenPolicy(options);
    this.#warnWithoutAudience(policy.audience);
    const required = options.required ?? true;
    const render = options.renderErrors ?? true;
    return (req: Request, res: Response, next: NextFunction): void => {
      if (!(req as Partial<Request>).oidc) {
        // An API-only app needs no app-wide middleware: the route makes its own context (one
        // Express layer less per request). Elsewhere the middleware reads the session first.
        if (!this.config.resourceServerOnly) {
          next(new Error('oidc-kit: acceptToken() needs app.use(oidc.middleware()) before the route (or resourceServerOnly: true).'));
          return;
        }
        attach(req, this.contextNow(requestView(req), this.#responseIO(res))!);
      }
      // An API route: every answer is JSON, whatever the Accept header says.
      this.#finish(this.guardToken(req.oidc, policy, required), req, res, next, render, true);
    };
  }

  /**
   * A bearer token if the request has one — judged as by `acceptToken()`, with no fallback when it
   * is bad — otherwise the login session, as `requireLogin()` (Flask-pyoidc: access_control). The
   * route then finds `req.oidc.authenticatedBy` set to `'token'` or `'session'`.
   *
   * @example
   * ```ts
   * app.get('/reports', oidc.accessControl({ scopes: 'reports:read' }), (req, res) => res.json({ by: req.oidc.authenticatedBy }));
   * ```
   */
  accessControl(options: AccessControlOptions = {}): RequestHandler {
    const { unauthenticated, provider, renderErrors, ...requirements } = options;
    const tokenCheck = this.acceptToken({ ...requirements, ...(provider === undefined ? {} : { provider }), ...(renderErrors === undefined ? {} : { renderErrors }) });
    if (this.config.resourceServerOnly) return tokenCheck;
    const loginOptions: RequireLoginOptions = { ...(unauthenticated === undefined ? {} : { unauthenticated }), ...(provider === undefined ? {} : { provider }) };
    this.requireLogin(loginOptions); // checks the provider name now, at declaration
    const scopes = scopeList(requirements.scopes);
    const scopeCheck = scopes.length === 0 ? undefined : this.#authorization({ scopes }, renderErrors ?? true);
    return (req: Request, res: Response, next: NextFunction): void => {
      if (!(req as Partial<Request>).oidc) {
        next(new Error('oidc-kit: accessControl() needs app.use(oidc.middleware()) before the route.'));
        return;
      }
      const bySession = (): void => {
        // A session must grant the same scopes as a token would.
        const goOn = (): void => {
          if (scopeCheck === undefined) next();
          else scopeCheck(req, res, next);
        };
        const pending = this.guardSessionOrToken(req.oidc, loginOptions);
        if (pending === undefined) goOn();
        else pending.then((plan) => (plan === undefined ? goOn() : writePlan(res, plan)), next);
      };
      const decide = (hasToken: boolean): void => {
        if (hasToken) void tokenCheck(req, res, next);
        else bySession();
      };
      const hasToken = this.hasBearerToken(req.oidc);
      if (typeof hasToken === 'boolean') decide(hasToken);
      else hasToken.then(decide, next);
    };
  }

  /**
   * Requires scopes (all of them) of the token — or, after `accessControl()`, of the login
   * session: 403 `insufficient_scope` otherwise. Put it after `acceptToken()` or `accessControl()`.
   *
   * @example
   * ```ts
   * app.delete('/api/items/:id', oidc.acceptToken(), oidc.requireScopes('items:delete'), handler);
   * ```
   */
  requireScopes(scopes: string | readonly string[], options: AuthorizationOptions = {}): RequestHandler {
    const list = scopeList(scopes);
    if (list.length === 0) throw new TypeError('oidc-kit: requireScopes() needs at least one scope.');
    return this.#authorization({ scopes: list }, options.renderErrors ?? true);
  }

  /**
   * Requires claims of the verified token (or session ID token): a value to equal, or a predicate
   * such as `claimIncludes('admins')`. 403 `insufficient_scope` (reason `claim:<name>`) otherwise.
   *
   * @example
   * ```ts
   * app.get('/api/acme', oidc.acceptToken(), oidc.requireClaims({ tenant: 'acme', groups: claimIncludes('staff') }), handler);
   * ```
   */
  requireClaims(requirements: ClaimRequirements, options: AuthorizationOptions = {}): RequestHandler {
    if (typeof requirements !== 'object' || requirements === null || Object.keys(requirements).length === 0) {
      throw new TypeError('oidc-kit: requireClaims() needs an object of claim rules, e.g. { email_verified: true }.');
    }
    return this.#authorization({ claims: requirements }, options.renderErrors ?? true);
  }

  /**
   * Requires a role (or one of several) in the verified token (or session ID token): by default
   * from the `roles` claim; `from: keycloakRealmRoles` or `keycloakClientRoles('client')` for
   * Keycloak. 403 `insufficient_scope` (reason `role`) otherwise.
   *
   * @example
   * ```ts
   * app.get('/api/admin', oidc.acceptToken(), oidc.requireRole('admin', { from: keycloakRealmRoles }), handler);
   * ```
   */
  requireRole(role: string | readonly string[], options: RequireRoleOptions = {}): RequestHandler {
    const roles = typeof role === 'string' ? [role] : [...role];
    if (roles.length === 0 || roles.some((r) => typeof r !== 'string' || r === '')) throw new TypeError('oidc-kit: requireRole() needs a role name (or an array of them).');
    const from = options.from ?? 'roles';
    if (typeof from !== 'string' && typeof from !== 'function') throw new TypeError('oidc-kit: requireRole({ from }) must be a claim name or a function.');
    return this.#authorization({ roles, from }, options.renderErrors ?? true);
  }

  /**
   * Flask-OIDC's require_keycloak_role(client, role), done on the verified token: the role must
   * be one of `resource_access[client].roles`.
   *
   * @example
   * ```ts
   * app.get('/api/edit', oidc.acceptToken(), oidc.requireKeycloakRole('my-api', 'editor'), handler);
   * ```
   */
  requireKeycloakRole(client: string, role: string, options: AuthorizationOptions = {}): RequestHandler {
    return this.requireRole(role, { ...options, from: keycloakClientRoles(client) });
  }

  /**
   * Registers your callback handler (Flask-OIDC: custom_callback): it receives the state given to
   * `req.oidc.login({ state })` and builds the response after every successful login.
   *
   * @example
   * ```ts
   * app.get('/checkout', (req, res, next) => req.oidc.login({ state: { cart: req.query.cart } }).catch(next));
   * oidc.onCallback((req, res, { state }) => res.redirect(`/cart/${(state as { cart: string }).cart}`));
   * ```
   */
  onCallback(handler: CallbackHandler): this {
    if (typeof handler !== 'function') throw new TypeError('oidc-kit: onCallback() needs a function (req, res, result).');
    this.#callbackHandler = handler;
    return this;
  }

  /**
   * Error middleware to `app.use()` after your routes: answers the `OidcError`s your handlers let
   * through (e.g. `session_expired` from `await req.oidc.accessToken()`) — browsers are sent to log
   * in again, API clients get 401 JSON, others the error view — and passes every other error on.
   *
   * @example
   * ```ts
   * app.use(oidc.errorHandler());
   * ```
   */
  errorHandler(): ErrorRequestHandler {
    return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
      const context = (req as Partial<Request>).oidc;
      if (!(error instanceof OidcError) || context === undefined || res.headersSent) {
        next(error);
        return;
      }
      this.respondToError(context, error).then((plan) => writePlan(res, plan), next);
    };
  }

  protected override async onLoginComplete(context: RequestContext, result: LoginResult): Promise<ResponsePlan | undefined> {
    const native = nativeOf(context);
    if (this.#callbackHandler === undefined || native === undefined) return undefined;
    await this.#callbackHandler(native.req, native.res, result);
    return undefined; // if the handler sent nothing, the default redirect follows (writePlan skips sent responses)
  }

  protected override async renderError(context: RequestContext, error: OidcError): Promise<ResponsePlan | undefined> {
    const native = nativeOf(context);
    if (this.#errorView === undefined || native === undefined) return undefined;
    await this.#errorView(error, native.req, native.res);
    return undefined;
  }

  #authorization(rule: AuthorizationRule, render: boolean): RequestHandler {
    return (req: Request, res: Response, next: NextFunction): void => {
      if (!(req as Partial<Request>).oidc) {
        next(new Error('oidc-kit: requireScopes/requireClaims/requireRole need app.use(oidc.middleware()) and acceptToken() or accessControl() before them.'));
        return;
      }
      this.#finish(this.authorize(req.oidc, rule), req, res, next, render);
    };
  }

  /** Sends a guard's error (or passes it to `next`), or lets the request on. */
  #finish(outcome: OidcError | undefined | Promise<OidcError | undefined>, req: Request, res: Response, next: NextFunction, render: boolean, json?: boolean): void {
    if (outcome === undefined) {
      next();
      return;
    }
    const settle = (error: OidcError | undefined): void => {
      if (error === undefined) next();
      else if (!render) next(error);
      else {
        const view = requestView(req);
        writePlan(res, json === undefined ? this.errorResponse(error, view) : this.errorResponse(error, view, json));
      }
    };
    if (outcome instanceof Promise) outcome.then(settle, next);
    else settle(outcome);
  }

  #warnedAudience = false;

  #warnWithoutAudience(audience: readonly string[] | undefined): void {
    if (audience !== undefined || this.#warnedAudience) return;
    this.#warnedAudience = true;
    this.config.logger.warn('acceptToken() without an audience accepts tokens the provider issued for any API; set resourceServer.audience', { option: 'resourceServer.audience' });
  }

  #responseIO(res: Response): ResponseIO {
    return new ExpressResponseIO(res, this.config.logger);
  }
}

export type { AcceptTokenOptions, RequireLoginOptions, LoginResult, TokenValidationResult } from './openid-connect.ts';
export type { AccessTokenClaims } from './resource/access-token-claims.ts';
export type { ClaimRequirements, ClaimRule, RoleSource } from './resource/claim-checks.ts';
export { claimIncludes, keycloakClientRoles, keycloakRealmRoles } from './resource/claim-checks.ts';
export type { ClientCredentialsOptions, ClientCredentialsToken } from './grants/client-credentials.ts';
export type { RequestContext } from './request-context.ts';
export { OidcError } from './errors.ts';

/** Express's request and response, kept with the context by the middleware. */
interface NativeRequest {
  req: Request;
  res: Response;
}

/** Puts the context on the request, and the request on the context (for the adapter's own use). */
function attach(req: Request, context: RequestContext): void {
  req.oidc = context;
  // Only req: Express links the response to it (req.res), one object less per request.
  RequestContext.stateOf(context).native = req;
}

function nativeOf(context: RequestContext): NativeRequest | undefined {
  const req = RequestContext.stateOf(context).native as Request | undefined;
  return req === undefined ? undefined : { req, res: req.res! };
}

function requestView(req: Request): RequestView {
  return new ExpressRequestView(req);
}

/**
 * The core's view of an Express request. A class rather than an object of closures: one small
 * allocation per request on the hot path.
 */
class ExpressRequestView implements RequestView {
  readonly #req: Request;

  constructor(req: Request) {
    this.#req = req;
  }

  get method(): string {
    return this.#req.method;
  }

  get url(): string {
    return this.#req.originalUrl;
  }

  header(name: string): string | undefined {
    const value = this.#req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  headerCount(name: string): number {
    const raw = this.#req.rawHeaders;
    let count = 0;
    // Lengths first: most headers are skipped without making a lower-case copy of their name.
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) count += 1;
    return count;
  }

  readBody(maxBytes: number): Promise<string | undefined> {
    return readBody(this.#req, maxBytes);
  }
}

/** How the core writes to an Express response; one object per request, like {@link ExpressRequestView}. */
class ExpressResponseIO implements ResponseIO {
  readonly #res: Response;
  readonly #logger: Logger;
  #sink: CookieSink | undefined;

  constructor(res: Response, logger: Logger) {
    this.#res = res;
    this.#logger = logger;
  }

  /**
   * A function (the core passes it on as a sink), made on first use: most requests set no cookie.
   * A bound method, not an arrow function: with a per-request closure kept in this field, V8 began
   * to allocate request objects straight in the old generation (allocation-site pretenuring) once
   * requests waited on a session store, and every request's objects then outlived the young
   * generation's collections (bench/README.md, fix 17).
   */
  get setCookie(): CookieSink {
    this.#sink ??= this.#appendCookie.bind(this);
    return this.#sink;
  }

  #appendCookie(cookie: string): void {
    if (!this.#res.headersSent) this.#res.appendHeader('set-cookie', cookie);
    else this.#logger.warn('the session changed after the response was sent, so its cookie could not be updated; finish session work (e.g. await req.oidc.accessToken()) before sending');
  }

  send(plan: ResponsePlan): void {
    writePlan(this.#res, plan);
  }

  setHeader(name: string, value: string): void {
    if (!this.#res.headersSent) this.#res.setHeader(name, value);
  }
}

/**
 * The request body as text. When a body parser already consumed it, its result is turned back
 * into a form string (express.urlencoded) or taken as is (express.text / express.raw).
 */
function readBody(req: Request, maxBytes: number): Promise<string | undefined> {
  const parsed: unknown = req.body;
  if (typeof parsed === 'string') return Promise.resolve(Buffer.byteLength(parsed) > maxBytes ? undefined : parsed);
  if (Buffer.isBuffer(parsed)) return Promise.resolve(parsed.length > maxBytes ? undefined : parsed.toString('utf8'));
  if (typeof parsed === 'object' && parsed !== null && (req.readableEnded || Object.keys(parsed).length > 0)) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      for (const item of Array.isArray(value) ? value : [value]) form.append(name, typeof item === 'string' ? item : JSON.stringify(item));
    }
    return Promise.resolve(form.toString());
  }
  if (req.readableEnded) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.resume(); // drain the rest without keeping it
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (size > maxBytes) return;
      const text = Buffer.concat(chunks).toString('utf8');
      keepParsedForm(req, text);
      resolve(text);
    });
    req.once('error', reject);
  });
}

/**
 * The body stream can be read once: after oidc-kit read a form body (a form-body bearer token, a
 * logout token), later body parsers would find nothing. Like body-parser, leave the parsed form
 * in `req.body` and mark it read (`_body`), which express.urlencoded() respects.
 */
function keepParsedForm(req: Request, text: string): void {
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return;
  const form = Object.create(null) as Record<string, string | string[]>; // no prototype: a field named __proto__ stays a field
  for (const [name, value] of new URLSearchParams(text)) {
    const existing = form[name];
    form[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  const target = req as Request & { _body?: boolean };
  target.body = form;
  target._body = true;
}

function writePlan(res: Response, plan: ResponsePlan): void {
  if (res.headersSent) return;
  res.statusCode = plan.status;
  for (const [name, value] of Object.entries(plan.headers)) res.setHeader(name, value);
  res.end(plan.body);
}
