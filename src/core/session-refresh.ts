/**
 * Keeping a login session's tokens fresh: when a refresh is due, the refresh itself (once per
 * request, under the session's lock for server-side sessions), and the access token a request asks for.
 */
import { OidcError } from '../errors.ts';
import { type RequestView, isBrowserNavigation } from '../http.ts';
import type { AccessTokenOptions, ContextState } from '../request-context.ts';
import type { LoadedSession } from '../session/session-backend.ts';
import { checkResource, tokenFor } from '../session/resource-tokens.ts';
import type { SessionData } from '../session/session-data.ts';
import { type CoreServices, now } from './core-services.ts';

/** The refreshes under way for a request's state, by purpose (`''` the login's own token, else an API): concurrent asks in one request share them. */
const refreshing = new WeakMap<ContextState, Map<string, Promise<void>>>();

/**
 * Whether the access token has expired or expires within `refreshBefore` (never, when the
 * provider gave no expiry).
 *
 * @example
 * ```ts
 * if (accessTokenDue(services, data)) await refreshSession(services, state);
 * ```
 */
export function accessTokenDue(services: CoreServices, data: SessionData): boolean {
  return data.accessTokenExpiresAt !== undefined && data.accessTokenExpiresAt - services.config.refreshBefore <= now();
}

/**
 * Whether `requireLogin` should refresh first: the access token is due and can be refreshed.
 *
 * @example
 * ```ts
 * if (refreshDue(services, session)) await refreshSession(services, state);
 * ```
 */
export function refreshDue(services: CoreServices, session: LoadedSession): boolean {
  const data = session.envelope.data;
  return services.config.testMode === undefined && data.refreshToken !== undefined && accessTokenDue(services, data);
}

/**
 * Whether the session is old enough for a silent re-authentication (`prompt=none`) and the
 * request can take one (a browser navigating).
 *
 * @example
 * ```ts
 * if (silentReauthDue(services, session, request)) return startSilentLogin();
 * ```
 */
export function silentReauthDue(services: CoreServices, session: LoadedSession, request: RequestView): boolean {
  const interval = services.config.silentReauthInterval;
  return interval !== undefined &&
    services.config.testMode === undefined &&
    now() - session.envelope.createdAt >= interval &&
    isBrowserNavigation(request);
}

/**
 * A valid access token for the request's session, refreshed first when it is due (or when
 * `forceRefresh`); `undefined` without a session. Throws `session_expired` when it cannot be kept valid.
 *
 * @example
 * ```ts
 * const token = await accessToken(services, state, { forceRefresh: false });
 * ```
 */
export async function accessToken(services: CoreServices, state: ContextState, options: AccessTokenOptions): Promise<string | undefined> {
  const resource = options.resource === undefined ? undefined : checkResource(options.resource, 'accessToken({ resource })');
  const session = state.session;
  if (session === undefined) return undefined;
  const data = session.envelope.data;
  if (services.config.testMode !== undefined) return data.accessToken;
  if (resource !== undefined) return resourceAccessToken(services, state, data, resource, options.forceRefresh === true);
  if (!accessTokenDue(services, data) && !options.forceRefresh) return data.accessToken;
  await refreshSession(services, state);
  return state.session?.envelope.data.accessToken;
}

/**
 * An access token for another API, got with the session's refresh token the first time and
 * whenever it is due, on its own clock; kept in the session beside the login's own.
 */
async function resourceAccessToken(services: CoreServices, state: ContextState, data: SessionData, resource: string, force: boolean): Promise<string | undefined> {
  const kept = data.resourceTokens?.[resource];
  const due = kept === undefined || (kept.expiresAt !== undefined && kept.expiresAt - services.config.refreshBefore <= now());
  if (!due && !force) return kept.accessToken;
  if (data.refreshToken === undefined) {
    // The app's setup, not the user's: without a refresh token (scope offline_access, or a provider
    // that issues none to this client) there is nothing to get another API's token with.
    throw new TypeError(`oidc-kit: accessToken({ resource }) needs the session's refresh token, and the provider issued none (ask for the offline_access scope, or allow the refresh_token grant for this client).`);
  }
  await refreshSession(services, state, resource);
  return state.session === undefined ? undefined : tokenFor(state.session.envelope.data, resource);
}

/**
 * Refreshes the request's session; concurrent asks share one refresh. A failure is kept for the
 * rest of the request, so a broken provider is asked once per request, not once per ask.
 *
 * @example
 * ```ts
 * await refreshSession(services, state); // state.session now holds the new tokens
 * ```
 */
export function refreshSession(services: CoreServices, state: ContextState, resource?: string): Promise<void> {
  let byPurpose = refreshing.get(state);
  if (byPurpose === undefined) refreshing.set(state, (byPurpose = new Map<string, Promise<void>>()));
  const purpose = resource ?? '';
  let pending = byPurpose.get(purpose);
  if (pending === undefined) {
    pending = doRefresh(services, state, resource).then(() => {
      byPurpose.delete(purpose);
    });
    byPurpose.set(purpose, pending);
  }
  return pending;
}

async function doRefresh(services: CoreServices, state: ContextState, resource: string | undefined): Promise<void> {
  const session = state.session;
  if (session === undefined) return;
  const refresh = async (current: LoadedSession): Promise<LoadedSession> => {
    const fresh = await services.refresher.refresh(current.envelope.data, resource);
    return services.sessions.update(current, fresh, state.cookies, state.io.setCookie);
  };
  const refreshes = services.refreshes;
  try {
    // Server-side sessions are shared by every instance: refresh them under their lock.
    state.session = session.id === undefined || refreshes === undefined
      ? await refresh(session)
      : await refreshes.run({ ...session, id: session.id }, refresh, resource);
  } catch (error) {
    if (error instanceof OidcError && error.code === 'session_expired') {
      services.log.failed('session ended', error);
      state.session = undefined;
      state.endedProvider = session.envelope.data.provider;
      await services.sessions.destroy(session, state.cookies, state.io.setCookie);
    }
    throw error;
  }
}
