import { setTimeout as sleep } from 'node:timers/promises';
import { OidcError, type OidcErrorCode } from '../errors.ts';
import { tokenFor } from './resource-tokens.ts';
import type { FailureSharing, LoadedSession, SessionBackend, SharedFailure } from './session-backend.ts';

/** A backend that can lock and re-read sessions: the store backend. */
export type LockableBackend = SessionBackend & Required<Pick<SessionBackend, 'reload' | 'exclusive' | 'recentFailure'>>;

/** How often a request waiting for another instance's refresh looks at the store (ms). */
const POLL_MS = 50;
/**
 * How long a failed refresh stays shared in the store (s): long enough for every request that
 * waited for it to take the lock in turn and see it. Requests that did not wait try again.
 */
const FAILURE_SHARED_SECONDS = 2;

/** Failures of the provider (502, 503) are shared; a session that ended is seen in the store itself. */
const SHARE_PROVIDER_FAULTS: FailureSharing = {
  seconds: FAILURE_SHARED_SECONDS,
  describe(error) {
    if (!(error instanceof OidcError) || (error.code !== 'provider_unavailable' && error.code !== 'provider_error')) return undefined;
    return error.reason === undefined ? { code: error.code, message: error.message } : { code: error.code, reason: error.reason, message: error.message };
  },
};

/**
 * Whether sessions of this backend can be refreshed under a lock (server-side sessions).
 *
 * @example
 * ```ts
 * if (session.id !== undefined && isLockable(backend)) await refreshes.run(session, refresh);
 * ```
 */
export function isLockable(backend: SessionBackend): backend is LockableBackend {
  return typeof backend.reload === 'function' && typeof backend.exclusive === 'function' && typeof backend.recentFailure === 'function';
}

/**
 * Refreshes server-side sessions so that instances sharing the store never redeem the same refresh
 * token twice, which providers that rotate refresh tokens punish by revoking the grant, and so that
 * a provider that hangs costs each request of a session at most one wait:
 *
 * - In this process, the requests of one session that carry the same tokens share one refresh,
 *   its result or its failure.
 * - Across instances, the refresh (and the write of its result) runs under the session's lock in the
 *   store. An instance that finds the lock taken waits for the holder's result to appear in the
 *   store and uses it; if the holder's refresh failed at the provider, the holder leaves the failure
 *   in the store for a moment and the waiters answer with it instead of trying again one after
 *   another. One that gets the lock first re-reads the session, and uses what another instance
 *   already wrote. A request that did not wait (it came after the failure) tries again.
 *
 * `refresh` gets the store's current copy and must save its result before it returns. Throws
 * `session_expired` (reason `ended`) when the session is gone from the store meanwhile (logged out
 * elsewhere); the shared failure (502/503) of another instance's refresh; and 503
 * `provider_unavailable` (reason `refresh_lock`) when another instance's refresh shows nothing
 * within `waitMs` (one provider timeout and a margin).
 *
 * @example
 * ```ts
 * const refreshes = new SessionRefreshes(backend, httpTimeoutMs + 1000);
 * state.session = await refreshes.run(session, async (current) => {
 *   const fresh = await refresher.refresh(current.envelope.data);
 *   return sessions.update(current, fresh, cookies, sink);
 * });
 * ```
 */
export class SessionRefreshes {
  readonly #backend: LockableBackend;
  readonly #waitMs: number;
  /** Refreshes under way here, by session id and the access token they replace. */
  readonly #inflight = new Map<string, Promise<LoadedSession>>();

  constructor(backend: LockableBackend, waitMs: number) {
    this.#backend = backend;
    this.#waitMs = waitMs;
  }

  /**
   * The session with fresh tokens: the login's own access token, or with `resource` the one for
   * that API (RFC 8707). See the class comment for what it throws.
   */
  run(session: LoadedSession & { id: string }, refresh: (current: LoadedSession) => Promise<LoadedSession>, resource?: string): Promise<LoadedSession> {
    const key = `${session.id}\u0000${resource ?? ''}\u0000${tokenFor(session.envelope.data, resource)}`;
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#refresh(session, refresh, resource).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #refresh(session: LoadedSession & { id: string }, refresh: (current: LoadedSession) => Promise<LoadedSession>, resource: string | undefined): Promise<LoadedSession> {
    const backend = this.#backend;
    const stale = tokenFor(session.envelope.data, resource);
    // The store's copy now; gone means logged out elsewhere meanwhile.
    const current = async (): Promise<LoadedSession> => {
      const loaded = await backend.reload(session.id);
      if (loaded === undefined) throw new OidcError('session_expired', 'Your session has ended; log in again.', { reason: 'ended' });
      return loaded;
    };
    const deadline = Date.now() + this.#waitMs;
    // Whether this request found another's refresh under way: its failure is then this request's too.
    let waited = false;
    for (;;) {
      // Someone else's refresh shows as a new access token (for this purpose) in the store. The lock may come free just
      // after another instance's refresh: look before refreshing again.
      const attempt = await backend.exclusive(session.id, async (): Promise<LoadedSession | SharedFailure> => {
        const copy = await current();
        if (tokenFor(copy.envelope.data, resource) !== stale) return copy;
        const failure = waited ? await backend.recentFailure(session.id) : undefined;
        return failure ?? refresh(copy);
      }, SHARE_PROVIDER_FAULTS);
      if (attempt.ran) {
        if ('envelope' in attempt.value) return attempt.value;
        throw failedElsewhere(attempt.value);
      }
      waited = true;
      const copy = await current();
      if (tokenFor(copy.envelope.data, resource) !== stale) return copy;
      if (Date.now() > deadline) {
        throw new OidcError('provider_unavailable', 'Another instance of this app is refreshing your session and has not finished; try again shortly.', { reason: 'refresh_lock' });
      }
      await sleep(POLL_MS);
    }
  }
}

/** The error another instance's refresh ended with, as this request's answer. */
function failedElsewhere(failure: SharedFailure): OidcError {
  const code: OidcErrorCode = failure.code === 'provider_error' ? 'provider_error' : 'provider_unavailable';
  return new OidcError(code, failure.message, failure.reason === undefined ? {} : { reason: failure.reason });
}
