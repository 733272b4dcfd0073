/**
 * Starting a login (interactive, silent or in test mode) and finishing one at the callback.
 */
import type { Claims } from '../claims.ts';
import type { PublicSite } from '../config/resolved-config.ts';
import { OidcError } from '../errors.ts';
import { type ResponsePlan, seeOther } from '../http.ts';
import { handleCallback } from '../login/handle-callback.ts';
import { safeReturnTo } from '../login/return-to.ts';
import type { LoginTransaction } from '../login/transaction.ts';
import { assertOwnParametersUntouched, checkAppState, type LoginOptions, startLogin } from '../login/start-login.ts';
import { toOidcError } from '../provider/provider-error.ts';
import type { ContextState } from '../request-context.ts';
import { isSpeculativeRequest, speculativeRefusal } from '../speculative-request.ts';
import type { SessionData } from '../session/session-data.ts';
import { hookTokens, runSessionHook, userClaimsOf } from '../session/session-hook.ts';
import { testSessionData, type TestSessionTokens } from '../testing/test-session-data.ts';
import { joinUrl } from '../util/join-url.ts';
import { type CoreServices, now } from './core-services.ts';
import { siteOf } from './request-site.ts';

/** Login options and oidc-kit's own `silent` (prompt=none re-authentication), never the application's. */
export type LoginRequest = LoginOptions & { silent?: boolean };

/**
 * The answer that starts a login: a redirect to the provider with the transaction cookie set (in
 * test mode, a session at once and a redirect back). Throws an `OidcError` when it cannot start.
 * A prefetch or prerender starts nothing and gets {@link speculativeRefusal}: every way a login
 * starts (the login route, `requireLogin()`, `req.oidc.login()`, a session that expired) comes here.
 *
 * @example
 * ```ts
 * const plan = await beginLogin(services, state, { returnTo: '/profile' });
 * ```
 */
export async function beginLogin(services: CoreServices, state: ContextState, options: LoginRequest): Promise<ResponsePlan> {
  const { config } = services;
  assertOwnParametersUntouched(options.authorizationParams);
  checkAppState(options.state);
  if (isSpeculativeRequest(state.request)) return speculativeRefusal();
  // The public URL the request came to (400 for a host that is none of them): the login comes back there.
  const site = siteOf(config, state.request);
  const returnTo = safeReturnTo(options.returnTo, site.baseUrl, site.baseUrl.href);
  if (options.provider !== undefined) services.login.provider(options.provider);
  if (config.testMode !== undefined) return testLogin(services, state, returnTo, options);
  try {
    return await startLogin(services.login, state.cookies, state.io.setCookie, returnTo, options, site);
  } catch (error) {
    throw toOidcError(error, 'discovery');
  }
}

/**
 * The callback route: checks the authorization response, makes the session, and answers with the
 * redirect back (or what the application's login hook returns). A failed silent re-authentication
 * ends the session and goes back to the page. A provider that failed during the code exchange is
 * the provider's error with a `retryUrl`: a new login for the same page.
 *
 * @example
 * ```ts
 * const plan = await finishLogin(services, state);
 * ```
 */
export async function finishLogin(services: CoreServices, state: ContextState): Promise<ResponsePlan> {
  if (state.loadError) throw state.loadError;
  // A callback to a host that is none of the app's is refused before its login is touched.
  const site = siteOf(services.config, state.request);
  const outcome = await handleCallback(services.login, state.request, state.cookies, state.io.setCookie, state.session, site);
  if (outcome.kind === 'silent_failed') {
    // The provider needs the user (logged out there, consent…): end this session cleanly and go
    // back to the page, which starts an interactive login if it needs one.
    // Summarised under one kind: the provider's error is in the line, but it must not multiply the kinds.
    services.log.note(
      'silent re-authentication ended the session',
      `silent re-authentication ended the session: ${outcome.error.oauthError ?? ''}`,
      { code: outcome.error.code, oauthError: outcome.error.oauthError },
    );
    const session = state.session;
    state.session = undefined;
    await services.sessions.destroy(session, state.cookies, state.io.setCookie);
    return seeOther(outcome.transaction.returnTo);
  }
  if (outcome.kind === 'provider_failed') throw withRetry(services, outcome.error, outcome.transaction, site);
  state.session = outcome.session;
  const { transaction } = outcome;
  return afterLogin(services, state, transaction.appState, transaction.returnTo, transaction.provider, outcome.plan);
}

/**
 * A callback's provider failure, with where to start the login again: the login route with the
 * login's own `returnTo` (and its provider, when there are several). The used transaction makes
 * reloading the callback useless; this link works at once. Without a login route, the error as it is.
 */
function withRetry(services: CoreServices, error: OidcError, transaction: LoginTransaction, site: PublicSite): OidcError {
  const { config } = services;
  if (config.routes.login === undefined) return error;
  const retry = new URL(joinUrl(site.baseUrl, config.routes.login));
  retry.searchParams.set('returnTo', transaction.returnTo);
  if (config.providers.size > 1) retry.searchParams.set('provider', transaction.provider);
  return new OidcError(error.code, error.message, {
    reason: error.reason,
    oauthError: error.oauthError,
    oauthErrorDescription: error.oauthErrorDescription,
    // The provider's error itself: the log knows it as an outage already said (FaultLog).
    cause: error,
    retryUrl: retry.href,
  });
}

async function afterLogin(services: CoreServices, state: ContextState, appState: unknown, returnTo: string, provider: string, plan: ResponsePlan): Promise<ResponsePlan> {
  const context = state.context;
  const user = context?.user;
  const hook = services.hooks.onLoginComplete;
  if (context === undefined || user === undefined || hook === undefined) return plan;
  // `native` is what the adapter passed to open(): its own request type.
  const custom = await hook(context, { state: appState, returnTo, provider, user }, state.native as never);
  return custom ?? plan;
}

async function testLogin(services: CoreServices, state: ContextState, returnTo: string, options: LoginOptions): Promise<ResponsePlan> {
  const { testMode } = services.config;
  if (testMode === undefined) throw new TypeError('test mode is off');
  const provider = options.provider ?? services.config.provider.name;
  const previous = state.session;
  state.session = await services.sessions.create(await testData(services, testMode.user, {}, provider), state.cookies, state.io.setCookie, previous);
  return afterLogin(services, state, options.state, returnTo, provider, seeOther(returnTo));
}

/**
 * Test mode's session data for `user` at a provider (the default one unless named), through the
 * `onSession` hook as a real login goes: the app's tests see the claims its users get.
 *
 * @example
 * ```ts
 * const data = await testData(services, { sub: 'alice' }, {});
 * ```
 */
export async function testData(services: CoreServices, user: Claims, tokens: TestSessionTokens, provider = services.config.provider.name): Promise<SessionData> {
  const { testMode, onSession } = services.config;
  if (testMode === undefined) throw new TypeError('test mode is off');
  const settings = services.config.providers.get(provider) ?? services.config.provider;
  const data = testSessionData(user, provider, settings.clientId, now(), { ...tokens, accessToken: tokens.accessToken ?? testMode.accessToken });
  if (onSession === undefined) return data;
  const claims = await runSessionHook(onSession, { claims: userClaimsOf(user, undefined), tokens: hookTokens(data), provider, isRefresh: false, previous: undefined });
  return { ...data, claims, userinfo: undefined };
}
