/**
 * The hooks of the Web-standard adapters (fetch handlers, Hono): the application's callback
 * handler and error view answer with a `Response`, which the core takes back as a plan.
 */
import { checkFunctionOption } from '../../core/check-functions.ts';
import type { OpenIDConnectOptions } from '../../config/options.ts';
import type { CoreHooks } from '../../core/core-services.ts';
import type { LoginResult } from '../../core/login-result.ts';
import { OidcCore } from '../../core/oidc-core.ts';
import type { PendingWrites } from '../../core/pending-writes.ts';
import type { OidcError } from '../../errors.ts';
import type { ResponsePlan } from '../../http.ts';
import type { RequestContext } from '../../request-context.ts';

/**
 * What the core hands back to a Web adapter's hooks: the framework's own request or context, and
 * where this request's cookies wait.
 *
 * @example
 * ```ts
 * const exchange: WebExchange<Request> = { native: request, pending: new PendingWrites() };
 * ```
 */
export interface WebExchange<R> {
  readonly native: R;
  readonly pending: PendingWrites;
}

/**
 * A callback handler of a Web adapter, given the request (fetch) or Hono's context, the login's
 * result and the request's context with the new session: a `Response` replaces the default
 * redirect, `undefined` keeps it.
 *
 * @example
 * ```ts
 * const welcome: WebCallbackHandler<Request> = (_request, { state, returnTo }) =>
 *   state === 'sign-up' ? Response.redirect(new URL('/welcome', returnTo), 303) : undefined;
 * oidc.onCallback(welcome);
 * ```
 */
export type WebCallbackHandler<R> = (native: R, result: LoginResult, oidc: RequestContext) => Response | undefined | Promise<Response | undefined>;

/**
 * An error view of a Web adapter: a `Response` replaces oidc-kit's error page, `undefined`
 * keeps it.
 *
 * @example
 * ```ts
 * const view: WebErrorView<Request> = (error) =>
 *   error.code === 'op_error' ? new Response('You cancelled the login.', { status: 403 }) : undefined;
 * ```
 */
export type WebErrorView<R> = (error: OidcError, native: R) => Response | undefined | Promise<Response | undefined>;

/** The core hooks of a Web adapter. `callback` holds the handler that `onCallback()` registers later. */
function webHooks<R>(
  callback: { readonly handler?: WebCallbackHandler<R> },
  onError: WebErrorView<R> | undefined,
  errorViewArguments: string,
): CoreHooks<WebExchange<R>> {
  checkFunctionOption('onError', onError, errorViewArguments);
  return {
    onLoginComplete: async (context, result, exchange) => {
      const response = await callback.handler?.(exchange.native, result, context);
      return response === undefined ? undefined : planOf(response, exchange.pending);
    },
    ...(onError === undefined ? {} : {
      renderError: async (error, _context, exchange) => {
        const response = await onError(error, exchange.native);
        return response === undefined ? undefined : planOf(response, exchange.pending);
      },
    }),
  };
}

/**
 * The core of a Web adapter, built from its options (`onError` in the adapter's own terms), and
 * the holder of the callback handler that `onCallback()` sets later.
 *
 * @example
 * ```ts
 * const { core, callback } = webCore<Request>(options, '(error, request)');
 * ```
 */
export function webCore<R>(
  options: Omit<OpenIDConnectOptions, 'onError'> & { readonly onError?: WebErrorView<R> | undefined },
  errorViewArguments: string,
): { core: OidcCore<WebExchange<R>>; callback: { handler?: WebCallbackHandler<R> } } {
  const { onError, ...coreOptions } = options;
  const callback: { handler?: WebCallbackHandler<R> } = {};
  return { core: new OidcCore(coreOptions, webHooks(callback, onError, errorViewArguments)), callback };
}

/** A `Response` of the application's as a plan: its cookies join the request's pending ones. */
async function planOf(response: Response, pending: PendingWrites): Promise<ResponsePlan> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  for (const cookie of response.headers.getSetCookie()) pending.setCookie(cookie);
  return { status: response.status, headers, body: await response.text() };
}
