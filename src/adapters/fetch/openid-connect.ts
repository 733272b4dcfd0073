/**
 * The Web-standard adapter: `import { OpenIDConnect } from 'oidc-kit/fetch'`, for any
 * `(request: Request) => Response` handler — Next.js route handlers, Bun.serve, Deno.serve,
 * Cloudflare Workers. It translates between `Request`/`Response` and the core; the core decides.
 */
import type { OpenIDConnectOptions } from '../../config/options.ts';
import { checkFunctionArgument } from '../../core/check-functions.ts';
import type { Guard } from '../../core/guards/guard.ts';
import type { OidcCore } from '../../core/oidc-core.ts';
import type { RequestContext } from '../../request-context.ts';
import { OidcAdapter } from '../oidc-adapter.ts';
import { openAndAnswer } from '../web/guarded-answer.ts';
import { type WebCallbackHandler, type WebErrorView, type WebExchange, webCore } from '../web/web-hooks.ts';

/**
 * The core options, with an `onError` view that answers with a `Response` (or `undefined` for
 * oidc-kit's own error page).
 *
 * @example
 * ```ts
 * const options: FetchOpenIDConnectOptions = { baseUrl, secret, issuer, clientId, clientSecret, onError: (error) => Response.json({ code: error.code }, { status: error.status }) };
 * ```
 */
export interface FetchOpenIDConnectOptions extends Omit<OpenIDConnectOptions, 'onError'> {
  /** Your error view: receives the typed error and the request. */
  onError?: WebErrorView<Request>;
}

/**
 * An application handler that receives the request's context: the user, their tokens, `login()`
 * and `logout()`. Extra arguments (Next.js's `{ params }`, a Worker's `env` and `ctx`) follow.
 *
 * @example
 * ```ts
 * const profile: ContextHandler = (request, oidc) => Response.json({ sub: oidc.user?.sub });
 * ```
 */
export type ContextHandler<A extends unknown[] = []> = (request: Request, oidc: RequestContext, ...rest: A) => Response | Promise<Response>;

/**
 * oidc-kit for Web-standard fetch handlers. `handle(request)` answers the library's routes (login,
 * callback, logout, …); `handler(guards, fn)` gives your handler the request's context behind
 * guards and adds the session's cookies to its response. The public URL is always `baseUrl` (or,
 * with a list, the entry the request's host names), never the request's host itself. Nothing is
 * fetched and no random number is drawn until the first request, so it can be made at a Worker's
 * module scope.
 *
 * @example
 * ```ts
 * import { OpenIDConnect } from 'oidc-kit/fetch';
 *
 * const oidc = new OpenIDConnect({ baseUrl: 'http://localhost:3000', secret, issuer, clientId, clientSecret });
 * const profile = oidc.handler([oidc.requireLogin()], (request, session) => Response.json(session.user));
 * Bun.serve({ port: 3000, fetch: (request) => oidc.handle(request) ?? profile(request) });
 * ```
 */
export class OpenIDConnect extends OidcAdapter<Guard, WebExchange<Request>> {
  readonly #core: OidcCore<WebExchange<Request>>;
  readonly #callback: { handler?: WebCallbackHandler<Request> };

  constructor(options: FetchOpenIDConnectOptions) {
    const { core, callback } = webCore<Request>(options, '(error, request)');
    super(core);
    this.#core = core;
    this.#callback = callback;
  }

  /**
   * The answer to a request for one of the library's routes, with its cookies, as a promise;
   * `undefined`, at once, for every other request (`await oidc.handle(request)` works as well).
   *
   * @example
   * ```ts
   * export default { fetch: (request: Request) => oidc.handle(request) ?? new Response('not found', { status: 404 }) };
   * ```
   */
  handle(request: Request): Promise<Response> | undefined {
    return this.#core.handle(request, (pending) => ({ native: request, pending }));
  }

  /**
   * Your handler behind guards (none, or `requireLogin()`, `acceptToken()`, …, checked in order),
   * given the request's context. Cookies the session writes are added to its response. A guard's
   * refusal is answered here; an `OidcError` your handler throws (e.g. `session_expired` from
   * `await oidc.accessToken()`) too; every other error is thrown on. The answer is a `Response`
   * when nothing had to wait (a cached session or token and a handler that answers at once), else
   * a promise of one: every server that takes a fetch handler accepts both.
   *
   * @example
   * ```ts
   * export const GET = oidc.handler([oidc.acceptToken({ scopes: 'reports:read' })], (request, oidc) => Response.json(oidc.token));
   * ```
   */
  handler<A extends unknown[] = []>(guards: readonly Guard[], handler: ContextHandler<A>): (request: Request, ...rest: A) => Response | Promise<Response> {
    checkFunctionArgument('handler', handler, '(request, oidc)');
    const core = this.#core;
    const chain = [...guards];
    // A cached session or token answers at once: no promise unless something had to wait.
    return (request, ...rest) => openAndAnswer(core, request, request, chain, (context) => handler(request, context, ...rest));
  }

  /**
   * Registers your callback handler: after every successful login, a `Response` of yours replaces
   * the redirect to `result.returnTo` (`undefined` keeps it). Its third argument is the request's
   * context, with the new session.
   *
   * @example
   * ```ts
   * oidc.onCallback((request, { state }) => Response.redirect(new URL(`/cart/${(state as { cart: string }).cart}`, baseUrl), 303));
   * ```
   */
  onCallback(handler: WebCallbackHandler<Request>): this {
    checkFunctionArgument('onCallback', handler, '(request, result, oidc)');
    this.#callback.handler = handler;
    return this;
  }

  /** A guard is used as it is: `handler()` checks it. */
  protected wrap(guard: Guard): Guard {
    return guard;
  }
}
