/**
 * `requireLogin()`: a route that needs a login session (refreshed first when its access token is
 * due; a silent re-authentication when one is due), and `accessControl()`'s session half.
 */
import { OidcError } from '../../errors.ts';
import { type ResponsePlan, wantsJson } from '../../http.ts';
import type { LoginOptions } from '../../login/start-login.ts';
import type { ContextState } from '../../request-context.ts';
import type { CoreServices } from '../core-services.ts';
import { failure } from '../error-answers.ts';
import type { RequireLoginOptions } from '../guard-options.ts';
import { beginLogin } from '../login-flow.ts';
import { refreshDue, refreshSession, silentReauthDue } from '../session-refresh.ts';
import { failWith, type Guard, respondWith, stateOf, MIDDLEWARE } from './guard.ts';

/**
 * Checks `requireLogin` options where the route is declared: there are logins, and the named
 * provider exists. Throws a `TypeError` naming the mistake otherwise.
 *
 * @example
 * ```ts
 * checkLoginOptions(services, { provider: 'partner-idp' });
 * ```
 */
export function checkLoginOptions(services: CoreServices, options: RequireLoginOptions): void {
  const { config } = services;
  if (config.resourceServerOnly) {
    throw new TypeError('oidc-kit: requireLogin() has no meaning with `resourceServerOnly` (there are no logins); use acceptToken().');
  }
  if (options.provider !== undefined && !config.providers.has(options.provider)) {
    throw new TypeError(`oidc-kit: requireLogin({ provider: "${options.provider}" }) names no configured provider (${[...config.providers.keys()].join(', ')}).`);
  }
}

/**
 * The guard of `requireLogin()`: a logged-in request goes on at once; a due refresh is done first;
 * a browser without a session is sent to log in (and back); a request that wants JSON gets 401; a
 * session store that is down gives 503.
 *
 * @example
 * ```ts
 * const guard = requireLoginGuard(services, { unauthenticated: 'status' });
 * ```
 */
export function requireLoginGuard(services: CoreServices, options: RequireLoginOptions): Guard {
  checkLoginOptions(services, options);
  return {
    check(context) {
      if (context === undefined) return failWith(`oidc-kit: requireLogin() needs ${MIDDLEWARE} before the route.`);
      const pending = checkLogin(services, stateOf(services, context), options);
      return pending === undefined ? undefined : pending.then(respondWith);
    },
  };
}

/**
 * Whether a request may reach a route that needs a login. `undefined` at once (no promise) when it
 * may and nothing is due; otherwise a promise of the answer to send instead — a redirect to the
 * provider, a 401, a 503 — or of `undefined` once a due token refresh has been done.
 *
 * @example
 * ```ts
 * const pending = checkLogin(services, state, {});
 * if (pending === undefined) next();
 * ```
 */
export function checkLogin(services: CoreServices, state: ContextState, options: RequireLoginOptions): Promise<ResponsePlan | undefined> | undefined {
  const session = state.session;
  if (session !== undefined && (options.provider === undefined || session.envelope.data.provider === options.provider)) {
    const refresh = refreshDue(services, session);
    const reauth = silentReauthDue(services, session, state.request);
    if (!refresh && !reauth) return undefined;
    return dueWork(services, state, options, reauth);
  }
  return refuse(services, state, options);
}

function refuse(services: CoreServices, state: ContextState, options: RequireLoginOptions, reason?: OidcError): Promise<ResponsePlan | undefined> {
  if (state.loadError) return failure(services, state.loadError, state, 'session unavailable');
  const mode = options.unauthenticated ?? 'auto';
  if (mode === 'status' || (mode === 'auto' && wantsJson(state.request))) {
    return failure(services, reason ?? new OidcError('unauthenticated', 'Log in to use this resource.'), state, undefined);
  }
  const provider = options.provider ?? state.endedProvider;
  const loginOptions: LoginOptions = { returnTo: state.request.url, ...(provider === undefined ? {} : { provider }) };
  return beginLogin(services, state, loginOptions).catch((error: unknown) => failure(services, error, state, 'login could not start'));
}

async function dueWork(services: CoreServices, state: ContextState, options: RequireLoginOptions, reauth: boolean): Promise<ResponsePlan | undefined> {
  if (reauth) {
    const provider = state.session?.envelope.data.provider;
    try {
      return await beginLogin(services, state, { returnTo: state.request.url, silent: true, ...(provider === undefined ? {} : { provider }) });
    } catch (error) {
      return failure(services, error, state, 'silent re-authentication could not start');
    }
  }
  try {
    await refreshSession(services, state);
    return undefined;
  } catch (error) {
    if (error instanceof OidcError && error.code === 'session_expired') return refuse(services, state, options, error);
    if (error instanceof OidcError && error.code !== 'session_store_unavailable') {
      // The provider is down or broken: the session itself is still valid, so let the request in;
      // accessToken() will report the problem if the route needs a fresh token.
      services.log.failed('token refresh failed', error);
      return undefined;
    }
    return failure(services, error, state, 'token refresh failed');
  }
}
