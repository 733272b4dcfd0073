/**
 * The Express adapter (Express 4 and 5): `import { OpenIDConnect } from 'oidc-kit/express'`.
 * It holds the core and translates between Express and it; every decision is the core's.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { OpenIDConnectOptions } from '../../config/options.ts';
import { checkFunctionArgument } from '../../core/check-functions.ts';
import type { Guard, Verdict } from '../../core/guards/guard.ts';
import type { LoginResult } from '../../core/login-result.ts';
import type { OidcCore } from '../../core/oidc-core.ts';
import type { OidcError } from '../../errors.ts';
import type { RequestContext } from '../../request-context.ts';
import { sendingCore } from '../node/sending-hooks.ts';
import { OidcAdapter } from '../oidc-adapter.ts';
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
export class OpenIDConnect extends OidcAdapter<RequestHandler, Request> {
  readonly #core: OidcCore<Request>;
  readonly #callback: { handler?: CallbackHandler };

  constructor(options: ExpressOpenIDConnectOptions) {
    const { core, callback } = sendingCore(options, (req: Request) => [req, req.res!] as const, '(error, req, res)');
    super(core);
    this.#core = core;
    this.#callback = callback;
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
    this.#callback.handler = handler;
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
   * A guard as Express middleware: go on, answer, or hand the error to `next`. An API-only app
   * needs no app-wide middleware: its bearer routes open their own context (one layer less).
   */
  protected wrap(guard: Guard): RequestHandler {
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
