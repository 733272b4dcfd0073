/**
 * The Express adapter (Express 4 and 5): `import { OpenIDConnect } from 'oidc-kit/express'`.
 * It holds the core and translates between Express and it; every decision is the core's.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Claims } from '../../claims.ts';
import type { OpenIDConnectOptions } from '../../config/options.ts';
import type { ResolvedConfig } from '../../config/resolved-config.ts';
import { checkFunctionArgument, checkFunctionOption } from '../../core/check-functions.ts';
import type {
  AcceptTokenOptions, AccessControlOptions, AuthorizationOptions, RequireLoginOptions, RequireRoleOptions,
} from '../../core/guard-options.ts';
import type { Guard, Verdict } from '../../core/guards/guard.ts';
import type { LoginResult } from '../../core/login-result.ts';
import { OidcCore } from '../../core/oidc-core.ts';
import type { TokenValidationResult } from '../../core/token-validation-result.ts';
import type { OidcError } from '../../errors.ts';
import type { ClientCredentialsOptions, ClientCredentialsToken } from '../../grants/client-credentials.ts';
import type { RequestContext } from '../../request-context.ts';
import type { ClaimRequirements } from '../../resource/claim-checks.ts';
import type { TokenRequirements } from '../../resource/token-validator.ts';
import type { TestSessionTokens } from '../../testing/test-session-data.ts';
import { ExpressRequestView } from './express-request-view.ts';
import { ExpressResponseIO, writePlan } from './express-response.ts';

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
 *
 * @example
 * ```ts
 * const handler: CallbackHandler = (req, res, { returnTo }) => res.redirect(returnTo);
 * ```
 */
export type CallbackHandler = (req: Request, res: Response, result: LoginResult) => void | Promise<void>;

/**
 * Your error view (Flask-pyoidc: error_view): gets the typed error (`code`, `reason`, and the
 * provider's `oauthError` / `oauthErrorDescription`, untrusted text to escape) and sends a response.
 * If it sends nothing, oidc-kit's default page follows.
 *
 * @example
 * ```ts
 * const view: ErrorView = (error, req, res) => res.status(error.status).render('error', { code: error.code });
 * ```
 */
export type ErrorView = (error: OidcError, req: Request, res: Response) => void | Promise<void>;

/**
 * The core options, with an `onError` view that receives Express's request and response.
 *
 * @example
 * ```ts
 * const options: ExpressOpenIDConnectOptions = { baseUrl, secret, issuer, clientId, clientSecret, onError: view };
 * ```
 */
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
export class OpenIDConnect {
  readonly #core: OidcCore<Request>;
  #callbackHandler: CallbackHandler | undefined;

  constructor(options: ExpressOpenIDConnectOptions) {
    const { onError, ...core } = options;
    checkFunctionOption('onError', onError, '(error, req, res)');
    this.#core = new OidcCore<Request>(core, {
      onLoginComplete: async (_context, result, req) => {
        await this.#callbackHandler?.(req, req.res!, result);
        return undefined; // if the handler sent nothing, the default redirect follows (writePlan skips sent responses)
      },
      ...(onError === undefined ? {} : {
        renderError: async (error: OidcError, _context: RequestContext, req: Request) => {
          await onError(error, req, req.res!);
          return undefined; // if the view sent nothing, the default page follows
        },
      }),
    });
  }

  /** The validated configuration, defaults filled in. */
  get config(): ResolvedConfig {
    return this.#core.config;
  }

  /**
   * The middleware to `app.use()` before your routes: answers `/login`, `/callback`, `/logout` and
   * the other oidc-kit routes (paths configurable) and sets `req.oidc` for everything else.
   *
   * @example
   * ```ts
   * app.use(oidc.middleware());
   * ```
   */
  middleware(): RequestHandler {
    const core = this.#core;
    const logger = this.config.logger;
    return (req: Request, res: Response, next: NextFunction): void => {
      const view = new ExpressRequestView(req);
      const route = core.route(view);
      const opened = core.open(view, new ExpressResponseIO(res, logger), req);
      if (route === undefined) {
        // A route of the app: at once when nothing needs awaiting, else one step, no more.
        if (!(opened instanceof Promise)) {
          req.oidc = opened;
          next();
          return;
        }
        opened.then((context) => {
          req.oidc = context;
          next();
        }, next);
        return;
      }
      Promise.resolve(opened)
        .then((context) => {
          req.oidc = context;
          return core.answer(route, context);
        })
        .then((plan) => writePlan(res, plan), next);
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
    return this.#handler(this.#core.requireLogin(options));
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
    return this.#handler(this.#core.acceptToken(options));
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
    return this.#handler(this.#core.accessControl(options));
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
    return this.#handler(this.#core.requireScopes(scopes, options));
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
    return this.#handler(this.#core.requireClaims(requirements, options));
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
    return this.#handler(this.#core.requireRole(role, options));
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
    return this.#handler(this.#core.requireKeycloakRole(client, role, options));
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
    checkFunctionArgument('onCallback', handler, '(req, res, result)');
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
      const answer = context === undefined || res.headersSent ? undefined : this.#core.recover(context, error);
      if (answer === undefined) next(error);
      else answer.then((plan) => writePlan(res, plan), next);
    };
  }

  /**
   * Validates a token the application got some other way (Flask-OIDC: validate_token): the same
   * checks as `acceptToken()`, as a typed result.
   *
   * @example
   * ```ts
   * const result = await oidc.validateToken(message.token, { audience: 'https://api.example', scopes: 'events:read' });
   * if (result.valid) subscribe(result.claims.sub);
   * ```
   */
  validateToken(token: string, requirements: TokenRequirements = {}): Promise<TokenValidationResult> {
    return this.#core.validateToken(token, requirements);
  }

  /**
   * An access token for calling another API as this application itself (RFC 6749 §4.4), cached
   * until shortly before it expires.
   *
   * @example
   * ```ts
   * const { accessToken } = await oidc.clientCredentials({ scope: 'reports:read' });
   * ```
   */
  clientCredentials(options: ClientCredentialsOptions = {}): Promise<ClientCredentialsToken> {
    return this.#core.clientCredentials(options);
  }

  /**
   * Test mode only: the `Cookie` header of a session for `user`, for your tests' requests.
   *
   * @example
   * ```ts
   * const cookie = await oidc.createTestSession({ sub: 'alice' });
   * ```
   */
  createTestSession(user: Claims, tokens: TestSessionTokens = {}): Promise<string> {
    return this.#core.createTestSession(user, tokens);
  }

  /**
   * A guard as Express middleware: go on, answer, or hand the error to `next`. An API-only app
   * needs no app-wide middleware: its bearer routes open their own context (one layer less).
   */
  #handler(guard: Guard): RequestHandler {
    const core = this.#core;
    const logger = this.config.logger;
    return (req: Request, res: Response, next: NextFunction): void => {
      let context = (req as Partial<Request>).oidc;
      if (context === undefined) {
        context = core.openStandalone(new ExpressRequestView(req), new ExpressResponseIO(res, logger), req);
        if (context !== undefined) req.oidc = context;
      }
      const verdict = guard.check(context);
      if (verdict === undefined) next();
      else if (verdict instanceof Promise) verdict.then((settled) => settle(settled, res, next), next);
      else settle(verdict, res, next);
    };
  }
}

function settle(verdict: Verdict, res: Response, next: NextFunction): void {
  if (verdict === undefined) next();
  else if ('respond' in verdict) writePlan(res, verdict.respond);
  else next(verdict.fail);
}
