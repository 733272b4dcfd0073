/**
 * The Express adapter (Express 4 and 5): `import { OpenIDConnect } from 'oidc-kit/express'`.
 * It only translates between Express and the core; every decision is the core's.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { OpenIDConnectOptions } from './config/options.ts';
import { OidcError } from './errors.ts';
import type { ResponsePlan, RequestView } from './http.ts';
import { OpenIDConnect as CoreOpenIDConnect, type LoginResult, type RequireLoginOptions } from './openid-connect.ts';
import type { RequestContext, ResponseIO } from './request-context.ts';

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
  readonly #native = new WeakMap<RequestContext, { req: Request; res: Response }>();
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
      this.createContext(requestView(req), this.#responseIO(res))
        .then(async (context) => {
          req.oidc = context;
          this.#native.set(context, { req, res });
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
    const native = this.#native.get(context);
    if (this.#callbackHandler === undefined || native === undefined) return undefined;
    await this.#callbackHandler(native.req, native.res, result);
    return undefined; // if the handler sent nothing, the default redirect follows (writePlan skips sent responses)
  }

  protected override async renderError(context: RequestContext, error: OidcError): Promise<ResponsePlan | undefined> {
    const native = this.#native.get(context);
    if (this.#errorView === undefined || native === undefined) return undefined;
    await this.#errorView(error, native.req, native.res);
    return undefined;
  }

  #responseIO(res: Response): ResponseIO {
    return {
      setCookie: (cookie) => {
        if (!res.headersSent) res.appendHeader('set-cookie', cookie);
        else this.config.logger.warn('the session changed after the response was sent, so its cookie could not be updated; finish session work (e.g. await req.oidc.accessToken()) before sending');
      },
      send: (plan) => writePlan(res, plan),
    };
  }
}

export type { RequireLoginOptions, LoginResult } from './openid-connect.ts';
export type { RequestContext } from './request-context.ts';
export { OidcError } from './errors.ts';

function requestView(req: Request): RequestView {
  return {
    method: req.method,
    url: req.originalUrl,
    header(name) {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    readBody: (maxBytes) => readBody(req, maxBytes),
  };
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
      if (size <= maxBytes) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', reject);
  });
}

function writePlan(res: Response, plan: ResponsePlan): void {
  if (res.headersSent) return;
  res.statusCode = plan.status;
  for (const [name, value] of Object.entries(plan.headers)) res.setHeader(name, value);
  res.end(plan.body);
}
