/**
 * The Hono adapter: `import { OpenIDConnect } from 'oidc-kit/hono'`, on every runtime Hono runs on
 * (Node with @hono/node-server, Bun, Deno, Workers). It translates between Hono and the core; the
 * core decides.
 */
import { type Context, type ErrorHandler, Hono, type MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import type { OpenIDConnectOptions } from '../../config/options.ts';
import { checkFunctionArgument } from '../../core/check-functions.ts';
import { FetchRequestView } from '../../core/fetch-request-view.ts';
import type { Guard } from '../../core/guards/guard.ts';
import type { OidcCore } from '../../core/oidc-core.ts';
import { PendingWrites, planResponse } from '../../core/pending-writes.ts';
import type { RequestContext } from '../../request-context.ts';
import { OidcAdapter } from '../oidc-adapter.ts';
import { answerGuarded, openAndAnswer } from '../web/guarded-answer.ts';
import { type WebCallbackHandler, type WebErrorView, type WebExchange, webCore } from '../web/web-hooks.ts';

/**
 * The Hono environment of an app that uses oidc-kit: `c.var.oidc` is the request's context.
 *
 * @example
 * ```ts
 * const app = new Hono<OidcEnv>();
 * app.get('/profile', oidc.requireLogin(), (c) => c.json(c.var.oidc.user));
 * ```
 */
export interface OidcEnv {
  /** What oidc-kit sets on Hono's context, read as `c.var`. */
  Variables: {
    /** The logged-in user and their tokens; set by `oidc.middleware()`. */
    oidc: RequestContext;
  };
}

/**
 * The core options, with an `onError` view that receives Hono's context and answers with a
 * `Response` (or `undefined` for oidc-kit's own error page).
 *
 * @example
 * ```ts
 * const options: HonoOpenIDConnectOptions = { baseUrl, secret, issuer, clientId, clientSecret, onError: (error, c) => c.json({ code: error.code }, 400) };
 * ```
 */
export interface HonoOpenIDConnectOptions extends Omit<OpenIDConnectOptions, 'onError'> {
  /** Your error view: receives the typed error and Hono's context. */
  onError?: WebErrorView<Context>;
}

/**
 * oidc-kit for Hono. `middleware()` answers the library's routes (login, callback, logout, …) and
 * sets `c.var.oidc` for every other request; guards are middleware; cookies the session writes are
 * added to the response after the handler ran. The public URL is always `baseUrl` (or, with a
 * list, the entry the request's host names).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { OpenIDConnect, type OidcEnv } from 'oidc-kit/hono';
 *
 * const oidc = new OpenIDConnect({ baseUrl: 'http://localhost:3000', secret, issuer, clientId, clientSecret });
 * const app = new Hono<OidcEnv>();
 * app.use(oidc.middleware());
 * app.get('/profile', oidc.requireLogin(), (c) => c.json(c.var.oidc.user));
 * app.onError(oidc.errorHandler());
 * ```
 */
export class OpenIDConnect extends OidcAdapter<MiddlewareHandler<OidcEnv>, WebExchange<Context>> {
  readonly #core: OidcCore<WebExchange<Context>>;
  readonly #callback: { handler?: WebCallbackHandler<Context> };
  /** The guard behind each middleware `wrap()` made, for `handler()`, which runs guards itself. */
  readonly #guards = new WeakMap<MiddlewareHandler<OidcEnv>, Guard>();

  constructor(options: HonoOpenIDConnectOptions) {
    const { core, callback } = webCore<Context>(options, '(error, c)');
    super(core);
    this.#core = core;
    this.#callback = callback;
  }

  /**
   * The middleware to `app.use()` before your routes: answers oidc-kit's routes and sets
   * `c.var.oidc` for everything else.
   *
   * @example
   * ```ts
   * app.use(oidc.middleware());
   * ```
   */
  middleware(): MiddlewareHandler<OidcEnv> {
    const core = this.#core;
    return createMiddleware<OidcEnv>(async (c, next) => {
      const view = new FetchRequestView(c.req.raw);
      const pending = new PendingWrites();
      const opened = core.open(view, pending, { native: c, pending });
      const context = opened instanceof Promise ? await opened : opened;
      c.set('oidc', context);
      const route = core.route(view);
      if (route !== undefined) return pending.toResponse(await core.answer(route, context));
      await next();
      flush(c, pending);
      return undefined;
    });
  }

  /**
   * oidc-kit's routes (login, callback, logout, …) as a Hono app to mount with `app.route('/', …)`,
   * for an app that gives each of its routes the context through `handler()` instead of
   * `app.use(oidc.middleware())`. Without app-wide middleware, a route with one handler keeps
   * Hono's fast path.
   *
   * @example
   * ```ts
   * app.route('/', oidc.routes());
   * app.get('/profile', oidc.handler([oidc.requireLogin()], (c) => c.json(c.var.oidc.user)));
   * ```
   */
  routes(): Hono<OidcEnv> {
    const core = this.#core;
    const routes = new Hono<OidcEnv>();
    for (const route of core.routes) {
      // Every method: a wrong one gets the core's 405 (back-channel logout: its 400).
      routes.all(route.path, async (c) => {
        const pending = new PendingWrites();
        const context = await core.open(new FetchRequestView(c.req.raw), pending, { native: c, pending });
        c.set('oidc', context);
        return pending.toResponse(await core.answer(route, context));
      });
    }
    return routes;
  }

  /**
   * Your handler behind guards (none, or `requireLogin()`, `acceptToken()`, …, checked in order)
   * as one Hono handler, so the route keeps Hono's fast path: `c.var.oidc` is the request's
   * context (opened here, or by `middleware()` if the app has it), cookies the session writes are
   * added to your response, a guard's refusal and an `OidcError` your handler throws are answered
   * here, and every other error goes on to `app.onError`. The faster form of
   * `app.get(path, oidc.requireLogin(), handler)`.
   *
   * @example
   * ```ts
   * app.get('/profile', oidc.handler([oidc.requireLogin()], (c) => c.json(c.var.oidc.user)));
   * ```
   */
  handler(guards: readonly MiddlewareHandler<OidcEnv>[], handler: (c: Context<OidcEnv>) => Response | Promise<Response>): (c: Context<OidcEnv>) => Response | Promise<Response> {
    checkFunctionArgument('handler', handler, '(c)');
    const core = this.#core;
    const chain = guards.map((guard) => this.#guardOf(guard));
    return (c) => {
      const present = c.get('oidc') as RequestContext | undefined;
      if (present !== undefined) return answerGuarded({ core, context: present, pending: undefined }, chain, () => handler(c));
      return openAndAnswer(core, c.req.raw, c, chain, (context) => {
        c.set('oidc', context);
        return handler(c);
      });
    };
  }

  /**
   * The error handler to give `app.onError()`: answers the `OidcError`s your handlers let through
   * (e.g. `session_expired` from `await c.var.oidc.accessToken()`) — browsers are sent to log in
   * again, API clients get 401 JSON, others the error view. Every other error goes to `fallback`
   * (default: an `HTTPException`'s own response, else a logged 500, as Hono does).
   *
   * @example
   * ```ts
   * app.onError(oidc.errorHandler());
   * ```
   */
  errorHandler(fallback?: ErrorHandler<OidcEnv>): ErrorHandler<OidcEnv> {
    const core = this.#core;
    return async (error, c) => {
      const context = c.get('oidc') as RequestContext | undefined;
      const answer = context === undefined ? undefined : core.recover(context, error);
      if (answer !== undefined) return planResponse(await answer);
      if (fallback !== undefined) return fallback(error, c);
      if (error instanceof HTTPException) return error.getResponse();
      console.error(error);
      return c.text('Internal Server Error', 500);
    };
  }

  /**
   * Registers your callback handler: after every successful login, a `Response` of yours replaces
   * the redirect to `result.returnTo` (`undefined` keeps it).
   *
   * @example
   * ```ts
   * oidc.onCallback((c, { state }) => c.redirect(`/cart/${(state as { cart: string }).cart}`));
   * ```
   */
  onCallback(handler: WebCallbackHandler<Context>): this {
    checkFunctionArgument('onCallback', handler, '(c, result)');
    this.#callback.handler = handler;
    return this;
  }

  /**
   * A guard as Hono middleware: go on, answer, or throw the error to `app.onError`. An API-only
   * app needs no app-wide middleware: its bearer routes open their own context.
   */
  protected wrap(guard: Guard): MiddlewareHandler<OidcEnv> {
    const core = this.#core;
    const middleware = createMiddleware<OidcEnv>(async (c, next) => {
      let context = c.get('oidc') as RequestContext | undefined;
      let pending: PendingWrites | undefined;
      if (context === undefined) {
        pending = new PendingWrites();
        context = core.openStandalone(new FetchRequestView(c.req.raw), pending, { native: c, pending });
        if (context !== undefined) c.set('oidc', context);
      }
      const checked = guard.check(context);
      const verdict = checked instanceof Promise ? await checked : checked;
      if (verdict !== undefined && 'respond' in verdict) return pending === undefined ? planResponse(verdict.respond) : pending.toResponse(verdict.respond);
      if (verdict !== undefined) throw verdict.fail;
      await next();
      if (pending !== undefined) flush(c, pending);
      return undefined;
    });
    this.#guards.set(middleware, guard);
    return middleware;
  }

  #guardOf(middleware: MiddlewareHandler<OidcEnv>): Guard {
    const guard = this.#guards.get(middleware);
    if (guard === undefined) throw new TypeError('oidc-kit: handler() takes the guards of this OpenIDConnect instance (oidc.requireLogin(), oidc.acceptToken(), …), not other middleware.');
    return guard;
  }
}

/**
 * The pending cookies and headers onto the response, through `c.header`: Hono copies a response
 * whose headers are immutable (one from `fetch()`) before writing.
 */
function flush(c: Context, pending: PendingWrites): void {
  if (pending.empty) return;
  pending.writeTo({
    has: (name) => c.res.headers.has(name),
    set: (name, value) => c.header(name, value),
    append: (name, value) => c.header(name, value, { append: true }),
  });
}

/**
 * A plan as a `Response`, for `c.var.oidc.login()` and `logout()`, which resolve to their plan.
 *
 * @example
 * ```ts
 * app.get('/checkout', async (c) => respond(await c.var.oidc.login({ returnTo: '/cart' })));
 * ```
 */
export const respond = planResponse;
