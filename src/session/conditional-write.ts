/**
 * Writing a server-side session back (a rolling touch, a refresh's new tokens) only over the copy
 * the request read: a request still under way when the user logs out must not bring the session
 * back, on this instance or any other sharing the store (the "resurrection" of nextjs-auth0 #2335).
 * The store backend writes with compare-and-set (`SessionStore.compareAndSet`) and reports a changed
 * or deleted record as a {@link SessionWriteConflict}; {@link writeOver} decides what then.
 */
import { OidcError } from '../errors.ts';
import type { LoadedSession } from './session-backend.ts';
import type { SessionEnvelope } from './session-data.ts';

/**
 * How many times a change is made anew over a copy that other requests changed meanwhile, before
 * the store's copy is kept as it is. Under the session's lock no other write comes between (only a
 * logout, which deletes): a second attempt is already rare.
 */
const ATTEMPTS = 3;

/**
 * A session write refused by the store: the record is no longer the one the request read.
 *
 * @example
 * ```ts
 * try { await backend.save(envelope, maxAge, cookies, sink, previous); }
 * catch (error) { if (error instanceof SessionWriteConflict && error.current === undefined) … } // logged out meanwhile
 * ```
 */
export class SessionWriteConflict extends Error {
  override readonly name = 'SessionWriteConflict';
  /** The session as the store holds it now; `undefined` when it is gone (a logout deleted it). */
  readonly current: LoadedSession | undefined;

  constructor(current: LoadedSession | undefined) {
    super('The session changed in the store since this request read it; nothing was written.');
    this.current = current;
  }
}

/**
 * Writes `change(session)` over `session`. When the store's copy changed meanwhile, the change is
 * made anew over the current copy (`change` answers `undefined` to keep that copy as it is), at most
 * {@link ATTEMPTS} times. Resolves the session as written (or kept), or `undefined` when it is gone
 * from the store: a logout came first, and nothing was written.
 *
 * @example
 * ```ts
 * const touched = await writeOver(session, (copy) => ({ ...copy.envelope, touchedAt: now }), (envelope, previous) => backend.save(envelope, maxAge, cookies, sink, previous));
 * if (touched === undefined) … // logged out meanwhile
 * ```
 */
export async function writeOver(
  session: LoadedSession,
  change: (copy: LoadedSession) => SessionEnvelope | undefined,
  write: (envelope: SessionEnvelope, previous: LoadedSession) => Promise<LoadedSession>,
): Promise<LoadedSession | undefined> {
  let copy = session;
  for (let attempt = 1; ; attempt++) {
    const envelope = change(copy);
    if (envelope === undefined) return copy;
    try {
      return await write(envelope, copy);
    } catch (error) {
      if (!(error instanceof SessionWriteConflict)) throw error;
      if (error.current === undefined || attempt >= ATTEMPTS) return error.current;
      copy = error.current;
    }
  }
}

/**
 * What a refresh answers when the session was deleted while it ran (a logout, here or on another
 * instance): the session has ended, and the request goes on as not logged in.
 *
 * @example
 * ```ts
 * if (written === undefined) throw sessionEnded();
 * ```
 */
export function sessionEnded(): OidcError {
  return new OidcError('session_expired', 'Your session has ended; log in again.', { reason: 'ended' });
}
