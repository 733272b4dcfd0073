import type { CookieSink } from '../http.ts';
import type { SessionEnvelope } from './session-data.ts';

/** A session as read from a request: its content and, for server-side sessions, its id. */
export interface LoadedSession {
  readonly envelope: SessionEnvelope;
  /** The store key, for server-side sessions. */
  readonly id?: string;
  /**
   * Server-side sessions: the store's record as this request read (or wrote) it. A write back names
   * it, and the store takes the write only while the record is still this one (compare-and-set): a
   * logout meanwhile deleted it, another request changed it.
   */
  readonly version?: string;
}

/**
 * Where a session is kept between requests: in the cookie itself, or in a store behind a cookie
 * that holds only an id. The {@link SessionManager} decides when to read, write and delete; a
 * backend only knows how.
 */
export interface SessionBackend {
  load(cookies: ReadonlyMap<string, string>): Promise<LoadedSession | undefined>;
  /**
   * Cookie sessions only: {@link load} without a promise, for the hot path (the session is in the
   * request itself, and a repeated cookie is already open).
   */
  loadNow?(cookies: ReadonlyMap<string, string>): LoadedSession | undefined;
  /**
   * Writes the session; `previous` is the one the request carried, replaced by this write. A
   * server-side session is written over `previous.version` only: when the store holds anything else
   * by then, nothing is written and this rejects with a `SessionWriteConflict` (conditional-write.ts).
   */
  save(envelope: SessionEnvelope, maxAge: number, cookies: ReadonlyMap<string, string>, sink: CookieSink, previous: LoadedSession | undefined): Promise<LoadedSession>;
  destroy(session: LoadedSession | undefined, cookies: ReadonlyMap<string, string>, sink: CookieSink): Promise<void>;
  /**
   * Server-side sessions only: the session as the store holds it now (another instance may have
   * written it since this request read it), or `undefined` if it is gone.
   */
  reload?(id: string): Promise<LoadedSession | undefined>;
  /**
   * Server-side sessions only: runs `work` while this instance holds the session's short lock in the
   * store, so that instances sharing the store do not overwrite each other's writes (a refresh, a
   * rolling touch). Resolves `{ ran: false }` when another instance holds it.
   *
   * With `share`: when `work` fails and `share` makes a {@link SharedFailure} of the error, that
   * failure is kept in the store for `share.seconds` (before the lock is released), for
   * {@link recentFailure}: the requests that waited for this work can answer with its failure
   * instead of each trying the work again.
   */
  exclusive?<T>(id: string, work: () => Promise<T>, share?: FailureSharing): Promise<ExclusiveOutcome<T>>;
  /** Server-side sessions only: the failure that work under the session's lock shared lately, if any. */
  recentFailure?(id: string): Promise<SharedFailure | undefined>;
}

/**
 * What {@link SessionBackend.exclusive} resolves: the work's value, or that another holds the lock.
 *
 * @example
 * ```ts
 * const outcome = await backend.exclusive(id, work);
 * if (outcome.ran) return outcome.value;
 * ```
 */
export type ExclusiveOutcome<T> = { readonly ran: true; readonly value: T } | { readonly ran: false };

/**
 * A failure of work done under a session's lock, as other instances see it: an error code and
 * reason of oidc-kit's, and a message safe to show (never a token).
 *
 * @example
 * ```ts
 * const failure: SharedFailure = { code: 'provider_unavailable', reason: 'timeout', message: 'The provider did not answer in time.' };
 * ```
 */
export interface SharedFailure {
  readonly code: string;
  readonly reason?: string;
  readonly message: string;
}

/**
 * How a failure under a session's lock is shared: `describe` turns the error into what others see
 * (`undefined`: not shared), kept `seconds` in the store.
 *
 * @example
 * ```ts
 * const share: FailureSharing = { seconds: 2, describe: (error) => error instanceof OidcError ? { code: error.code, message: error.message } : undefined };
 * ```
 */
export interface FailureSharing {
  readonly seconds: number;
  describe(error: unknown): SharedFailure | undefined;
}
