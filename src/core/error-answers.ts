/**
 * How the core answers an `OidcError`, once for every adapter: the log line, the application's
 * error view (a hook or the `onError` option), and otherwise the default page or JSON.
 */
import { OidcError } from '../errors.ts';
import { isBrowserNavigation, pathOf, type RequestView, type ResponsePlan, wantsJson } from '../http.ts';
import { errorResponse } from '../render/error-response.ts';
import type { ContextState } from '../request-context.ts';
import type { CoreServices } from './core-services.ts';
import { beginLogin } from './login-flow.ts';
import { siteOrFirst } from './request-site.ts';

/**
 * The default answer for an error: JSON for clients that want it (and always in API-only mode),
 * otherwise an escaped HTML page.
 *
 * @example
 * ```ts
 * const plan = defaultErrorPlan(services, new OidcError('unauthenticated', 'Log in.'), request);
 * ```
 */
export function defaultErrorPlan(services: CoreServices, error: OidcError, request: RequestView, json = wantsJson(request) || services.config.resourceServerOnly): ResponsePlan {
  // The start page an HTML error links to: the site the request came to, else the first (never the
  // request's host). JSON has no link: bearer-token refusals, which floods are made of, look nothing up.
  return errorResponse(error, json, json ? undefined : siteOrFirst(services.config, request).baseUrl.href);
}

/**
 * The answer to an error of a route or a guard: logged (`what` says what failed; refusals
 * summarised, outages once per change of state: see FailureLog), then the application's view,
 * else the default page. Anything that is not an
 * `OidcError` is a programming error and is rethrown.
 *
 * @example
 * ```ts
 * return failure(services, error, state, 'login failed');
 * ```
 */
export async function failure(services: CoreServices, error: unknown, state: ContextState, what: string | undefined): Promise<ResponsePlan> {
  if (!(error instanceof OidcError)) throw error;
  if (what !== undefined) services.log.failed(what, error, { path: pathOf(state.request.url) });
  const custom = await renderError(services, error, state);
  return custom ?? defaultErrorPlan(services, error, state.request);
}

function renderError(services: CoreServices, error: OidcError, state: ContextState): Promise<ResponsePlan | undefined> | ResponsePlan | undefined {
  const hook = services.hooks.renderError;
  if (hook !== undefined && state.context !== undefined) return hook(error, state.context, state.native as never);
  return services.config.onError?.(error, state.request);
}

/**
 * The answer to an `OidcError` the application's own code raised (e.g. `session_expired` from
 * `accessToken()`): a browser navigating is sent to log in again (at the provider whose session
 * just ended); API clients get 401; everything else its status and page.
 *
 * @example
 * ```ts
 * const plan = await recoverFrom(services, state, error);
 * ```
 */
export async function recoverFrom(services: CoreServices, state: ContextState, error: OidcError): Promise<ResponsePlan> {
  const relogin = (error.code === 'session_expired' || error.code === 'unauthenticated') && error.challenge === undefined;
  if (relogin && !services.config.resourceServerOnly && isBrowserNavigation(state.request)) {
    const provider = state.endedProvider;
    try {
      return await beginLogin(services, state, { returnTo: state.request.url, ...(provider === undefined ? {} : { provider }) });
    } catch (loginError) {
      return failure(services, loginError, state, 'login could not start');
    }
  }
  return failure(services, error, state, 'request failed');
}
