import { setTimeout as sleep } from 'node:timers/promises';
import { OidcError } from '../errors.ts';
import type { LoadedSession, SessionBackend } from './session-backend.ts';

/** A backend that can lock and re-read sessions: the store backend. */
export type LockableBackend = SessionBackend & Required<Pick<SessionBackend, 'reload' | 'exclusive'>>;

/**
 * Whether sessions of this backend can be refreshed under a lock (server-side sessions).
 *
 * @example
 * ```ts
 * if (session.id !== undefined && isLockable(backend)) await refreshExclusively(backend, …);
 * ```
 */
export function isLockable(backend: SessionBackend): backend is LockableBackend {
  return typeof backend.reload === 'function' && typeof backend.exclusive === 'function';
}

/**
 * Refreshes a server-side session so that instances sharing the store never redeem the same
 * refresh token twice, which providers that rotate refresh tokens punish by revoking the grant:
 * the refresh (and the write of its result) runs under the session's lock in the store; an instance
 * that finds the lock taken waits for the holder's result to appear in the store and uses it; one
 * that gets the lock first re-reads the session, and uses what another instance already wrote.
 *
 * `refresh` gets the store's current copy and must save its result before it returns. Throws
 * `session_expired` (reason `ended`) when the session is gone from the store meanwhile (logged out
 * elsewhere), and 503 `provider_unavailable` (reason `refresh_lock`) when the other instance's
 * refresh does not show up within `waitMs`.
 *
 * @example
 * ```ts
 * state.session = await refreshExclusively(backend, session, async (current) => {
 *   const fresh = await refresher.refresh(current.envelope.data);
 *   return sessions.update(current, fresh, cookies, sink);
 * }, 15_000);
 * ```
 */
export async function refreshExclusively(
  backend: LockableBackend,
  session: LoadedSession & { id: string },
  refresh: (current: LoadedSession) => Promise<LoadedSession>,
  waitMs: number,
): Promise<LoadedSession> {
  const stale = session.envelope.data.accessToken;
  // The store's copy now; gone means logged out elsewhere meanwhile.
  const current = async (): Promise<LoadedSession> => {
    const loaded = await backend.reload(session.id);
    if (loaded === undefined) throw new OidcError('session_expired', 'Your session has ended; log in again.', { reason: 'ended' });
    return loaded;
  };
  const deadline = Date.now() + waitMs;
  for (;;) {
    // Someone else's refresh shows as a new access token in the store. The lock may come free just
    // after another instance's refresh: look before refreshing again.
    const attempt = await backend.exclusive(session.id, async () => {
      const copy = await current();
      return copy.envelope.data.accessToken === stale ? refresh(copy) : copy;
    });
    if (attempt.ran) return attempt.value;
    const copy = await current();
    if (copy.envelope.data.accessToken !== stale) return copy;
    if (Date.now() > deadline) {
      throw new OidcError('provider_unavailable', 'Another instance of this app is refreshing your session and has not finished; try again shortly.', { reason: 'refresh_lock' });
    }
    await sleep(50);
  }
}
