import type { CookieSink } from '../http.ts';
import type { SessionEnvelope } from './session-data.ts';

/** A session as read from a request: its content and, for server-side sessions, its id. */
export interface LoadedSession {
  readonly envelope: SessionEnvelope;
  /** The store key, for server-side sessions. */
  readonly id?: string;
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
  /** Writes the session; `previous` is the one the request carried, replaced by this write. */
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
   */
  exclusive?<T>(id: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
}
