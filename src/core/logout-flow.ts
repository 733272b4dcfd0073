/**
 * Ending a session: the logout route (with its cross-site rules), RP-initiated logout at the
 * provider, and the route the provider sends the browser back to.
 */
import * as client from 'openid-client';
import type { PublicSite } from '../config/resolved-config.ts';
import { OidcError } from '../errors.ts';
import { type RequestView, type ResponsePlan, seeOther } from '../http.ts';
import { safeReturnTo } from '../login/return-to.ts';
import { logoutConfirmation } from '../render/logout-confirmation.ts';
import type { ContextState, LogoutOptions } from '../request-context.ts';
import { isSpeculativeRequest, speculativeRefusal } from '../speculative-request.ts';
import { type CoreServices, now } from './core-services.ts';
import { siteOf } from './request-site.ts';

/**
 * Ends the request's session here (cookies cleared, record deleted, pending logins cleared) and
 * answers with the redirect onward: to the provider's end-session endpoint when logging out there
 * too, else to `returnTo`.
 *
 * @example
 * ```ts
 * const plan = await endSession(services, state, { returnTo: '/bye' });
 * ```
 */
export async function endSession(services: CoreServices, state: ContextState, options: LogoutOptions): Promise<ResponsePlan> {
  const { config } = services;
  // The session could not be read (store down): it cannot be ended either, and answering as if it
  // had been would leave it alive in the store, valid again once the store is back.
  if (state.loadError) throw state.loadError;
  // The public URL the request came to (400 for a host that is none of them, before anything ends).
  const site = siteOf(config, state.request);
  const returnTo = safeReturnTo(options.returnTo, site.baseUrl, site.postLogoutRedirect);
  const session = state.session;
  state.session = undefined;
  await services.sessions.destroy(session, state.cookies, state.io.setCookie);
  // Logins started and never finished end with the session: none is left to a later user of the browser.
  services.login.transactions.clearAll(state.cookies, state.io.setCookie);
  const local: ResponsePlan = seeOther(returnTo);
  const atProvider = options.atProvider ?? config.logoutAtProvider;
  if (session === undefined || !atProvider || config.testMode !== undefined) return local;

  const provider = services.providers.get(session.envelope.data.provider);
  if (provider === undefined) return local;
  let configuration: client.Configuration;
  try {
    configuration = await provider.configuration();
  } catch (error) {
    // The local session is over either way; the provider's cannot be ended now.
    if (error instanceof OidcError) services.log.failed('logout at the provider skipped (its metadata is unavailable)', error);
    else config.logger.warn('logout at the provider skipped: its metadata is unavailable', { code: 'unknown' });
    return local;
  }
  if (configuration.serverMetadata().end_session_endpoint === undefined) return local;
  const logoutState = client.randomState();
  services.logoutTransactions.save({ state: logoutState, returnTo, createdAt: now() }, state.io.setCookie);
  const url = client.buildEndSessionUrl(configuration, {
    id_token_hint: session.envelope.data.idToken,
    // Back to the site the logout started on, where its state cookie is. With one site, the
    // provider's own postLogoutRedirectUri (an option refused with several sites).
    post_logout_redirect_uri: config.sites.length > 1 ? site.postLogoutRedirectUri : provider.settings.postLogoutRedirectUri,
    state: logoutState,
    client_id: provider.client.clientId,
  });
  return seeOther(url.href);
}

/**
 * The logout route. A POST logs out unless it comes from another site; a GET logs out only when
 * the browser vouches that it comes from this site (a link, a typed URL) — anything else gets a
 * button that POSTs, which a foreign page cannot forge (RPL-04). A prefetch or prerender ends
 * nothing ({@link speculativeRefusal}).
 *
 * @example
 * ```ts
 * const plan = await logoutRoute(services, state);
 * ```
 */
export async function logoutRoute(services: CoreServices, state: ContextState): Promise<ResponsePlan> {
  const { request } = state;
  const { config } = services;
  // A prefetch carries Sec-Fetch-Site: same-origin like the click it anticipates: it must not log out.
  if (isSpeculativeRequest(request)) return speculativeRefusal();
  if (state.loadError) throw state.loadError;
  const site = siteOf(config, request);
  const returnTo = queryOf(services, request).get('returnTo') ?? undefined;
  if (request.method === 'POST') {
    if (isCrossSite(request, site)) {
      throw new OidcError('cross_site_request', 'This logout request came from another site and was refused.', { reason: 'origin' });
    }
    return endSession(services, state, { returnTo });
  }
  const fetchSite = request.header('sec-fetch-site');
  const vouched = request.method === 'GET' && (fetchSite === 'same-origin' || fetchSite === 'none');
  if (state.session === undefined) {
    // No session to end, but the logins left pending end too; a foreign page may not cancel them.
    if (vouched) services.login.transactions.clearAll(state.cookies, state.io.setCookie);
    return seeOther(safeReturnTo(returnTo, site.baseUrl, site.postLogoutRedirect));
  }
  if (vouched) return endSession(services, state, { returnTo });
  return logoutConfirmation(request.url, site.baseUrl.href);
}

/**
 * Where the provider sends the browser after RP-initiated logout: only a matching state restores
 * `returnTo` (RPI-02/03); anything else shows the default page.
 *
 * @example
 * ```ts
 * const plan = postLogoutRoute(services, state);
 * ```
 */
export function postLogoutRoute(services: CoreServices, state: ContextState): ResponsePlan {
  const site = siteOf(services.config, state.request);
  const pending = services.logoutTransactions.take(state.cookies, state.io.setCookie, now());
  const returned = queryOf(services, state.request).get('state');
  let location = site.postLogoutRedirect;
  if (pending !== undefined && returned !== null && returned === pending.state) location = pending.returnTo;
  else {
    const reason = returned === null ? 'state_missing' : 'state_mismatch';
    services.log.note(`post-logout redirect: ${reason}`, 'post-logout redirect without a matching state; showing the default page', { reason });
  }
  return seeOther(location);
}

/**
 * Whether a state-changing request comes from another site. Fetch Metadata decides when the
 * browser sends it: a page with `Referrer-Policy: no-referrer` makes browsers send `Origin: null`
 * even on its own forms, so Origin alone would refuse them. Without Sec-Fetch-Site (older
 * browsers), Origin must be the site's the request came to when present (`null` included:
 * refused), as Sec-Fetch-Site must say `same-origin`: another of the app's sites is another origin.
 */
function isCrossSite(request: RequestView, site: PublicSite): boolean {
  const fetchSite = request.header('sec-fetch-site');
  if (fetchSite !== undefined) return fetchSite !== 'same-origin' && fetchSite !== 'none';
  const origin = request.header('origin');
  return origin !== undefined && origin !== site.origin;
}

/**
 * The query parameters of a request (parsed against the configured base URL, never the request's own host).
 *
 * @example
 * ```ts
 * queryOf(services, request).get('returnTo');
 * ```
 */
export function queryOf(services: CoreServices, request: RequestView): URLSearchParams {
  return new URL(request.url, services.config.baseUrl).searchParams;
}
