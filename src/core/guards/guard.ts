/**
 * Guards: the checks a route declares (a login, a bearer token, scopes, claims, roles), built and
 * checked once where the route is declared, and asked per request for a {@link Verdict}. Every
 * adapter turns any guard into its framework's handler with one small function.
 */
import type { OidcError } from '../../errors.ts';
import type { ResponsePlan } from '../../http.ts';
import { type ContextState, RequestContext } from '../../request-context.ts';
import type { CoreServices } from '../core-services.ts';

/**
 * What a guard decides for one request: `undefined` to go on to the route's handler (no object,
 * no promise on the hot path); `{ respond }` to answer with this plan instead; `{ fail }` to hand
 * the error to the framework's error handling (`renderErrors: false`, or a programming error such
 * as a missing middleware).
 *
 * @example
 * ```ts
 * const verdict = await guard.check(context);
 * if (verdict === undefined) return handler();
 * if ('respond' in verdict) return send(verdict.respond);
 * throw verdict.fail;
 * ```
 */
export type Verdict =
  | undefined
  | {
    /** Answer the request with this plan instead of running the handler. */
    readonly respond: ResponsePlan;
  }
  | {
    /** Hand this error to the framework's error handling. */
    readonly fail: OidcError | Error;
  };

/**
 * A check of a route, made by `requireLogin()`, `acceptToken()`, `accessControl()`,
 * `requireScopes()`, `requireClaims()` or `requireRole()`. `check` answers synchronously when the
 * session or token is already verified (and cached), and with a promise only when it must wait.
 *
 * @example
 * ```ts
 * const guard = core.requireLogin();
 * const verdict = guard.check(context); // undefined: go on
 * ```
 */
export interface Guard {
  /** The verdict for the request whose context this is (`undefined` context: the middleware did not run). */
  check(context: RequestContext | undefined): Verdict | Promise<Verdict>;
}

/**
 * What each adapter calls its app-wide part, for the messages of a guard that finds none.
 *
 * @example
 * ```ts
 * failWith(`oidc-kit: requireLogin() needs ${MIDDLEWARE} before the route.`);
 * ```
 */
export const MIDDLEWARE = 'oidc-kit\'s middleware (Express, Hono: app.use(oidc.middleware()); Fastify: app.register(oidc.plugin); fetch: oidc.handler())';

/**
 * The state behind a context, checked to belong to this core (a context of another instance is a
 * programming error). @internal
 *
 * @example
 * ```ts
 * const state = stateOf(services, context);
 * ```
 */
export function stateOf(services: CoreServices, context: RequestContext): ContextState {
  const state = context instanceof RequestContext ? RequestContext.stateOf(context) : undefined;
  if (state?.owner !== services) throw new TypeError('oidc-kit: this RequestContext was not created by this OpenIDConnect instance.');
  return state;
}

/**
 * The verdict for a plan that may not exist: `undefined` (go on) or `{ respond: plan }`.
 *
 * @example
 * ```ts
 * pending.then(respondWith); // Promise<ResponsePlan | undefined> → Promise<Verdict>
 * ```
 */
export function respondWith(plan: ResponsePlan | undefined): Verdict {
  return plan === undefined ? undefined : { respond: plan };
}

/**
 * The verdict that hands a programming error to the framework (e.g. the middleware is missing).
 *
 * @example
 * ```ts
 * if (context === undefined) return failWith(`oidc-kit: requireLogin() needs ${MIDDLEWARE} before the route.`);
 * ```
 */
export function failWith(message: string): Verdict {
  return { fail: new Error(message) };
}
