/**
 * Keeping a login session's tokens fresh: when a refresh is due, the refresh itself (once per
 * request, under the session's lock for server-side sessions), and the access token a request asks for.
 */
import { OidcError } from '../errors.ts';
import { type RequestView, isBrowserNavigation } from '../http.ts';
import type { AccessTokenOptions, ContextState } from '../request-context.ts';
import type { LoadedSession } from '../session/session-backend.ts';
import type { SessionData } from '../session/session-data.ts';
import { type CoreServices, now } from './core-services.ts';

/** The refresh under way for a request's state: concurrent asks in one request share it. */
const refreshing = new WeakMap<ContextState, Promise<void>>();

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
  const session = state.session;
  if (session === undefined) return undefined;
  const data = session.envelope.data;
  if (services.config.testMode !== undefined) return data.accessToken;
  if (!accessTokenDue(services, data) && !options.forceRefresh) return data.accessToken;
  await refreshSession(services, state);
  return state.session?.envelope.data.accessToken;
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
export function refreshSession(services: CoreServices, state: ContextState): Promise<void> {
  let pending = refreshing.get(state);
  if (pending === undefined) {
    pending = doRefresh(services, state).then(() => {
      refreshing.delete(state);
    });
    refreshing.set(state, pending);
  }
  return pending;
}

async function doRefresh(services: CoreServices, state: ContextState): Promise<void> {
  const session = state.session;
  if (session === undefined) return;
  const refresh = async (current: LoadedSession): Promise<LoadedSession> => {
    const fresh = await services.refresher.refresh(current.envelope.data);
    return services.sessions.update(current, fresh, state.cookies, state.io.setCookie);
  };
  const refreshes = services.refreshes;
  try {
    // Server-side sessions are shared by every instance: refresh them under their lock.
    state.session = session.id === undefined || refreshes === undefined
      ? await refresh(session)
      : await refreshes.run({ ...session, id: session.id }, refresh);
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
