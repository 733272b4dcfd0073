import type { CookieSink } from '../http.ts';
import type { LoadedSession, SessionBackend } from './session-backend.ts';
import { sessionEnded, writeOver } from './conditional-write.ts';
import { type SessionData, type SessionEnvelope, type SessionLifetime, sessionExpiresAt } from './session-data.ts';

/**
 * What {@link SessionManager.readNow} answers when the session cannot be read without awaiting
 * (a store, an expired session to clear, a rolling touch due).
 *
 * @example
 * ```ts
 * const now = sessions.readNow(cookies);
 * const session = now === NEEDS_AWAIT ? await sessions.read(cookies, sink) : now;
 * ```
 */
export const NEEDS_AWAIT: unique symbol = Symbol('needs await');

/**
 * Session lifecycle on top of a backend: expiry (absolute and rolling), the rolling touch (written
 * at most once per `touchInterval`, so most requests carry no Set-Cookie), login and logout.
 *
 * @example
 * ```ts
 * const manager = new SessionManager(backend, { absoluteDuration: 604800, rollingDuration: 86400, touchInterval: 900 });
 * const session = await manager.read(cookies, sink);
 * ```
 */
export class SessionManager {
  readonly #backend: SessionBackend;
  readonly #lifetime: SessionLifetime;
  readonly #now: () => number;

  constructor(backend: SessionBackend, lifetime: SessionLifetime, now: () => number = () => Math.floor(Date.now() / 1000)) {
    this.#backend = backend;
    this.#lifetime = lifetime;
    this.#now = now;
  }

  /**
   * The request's live session, or `undefined`. An expired session's cookies are cleared; a session
   * due for a rolling touch is rewritten with a later expiry.
   */
  async read(cookies: ReadonlyMap<string, string>, sink: CookieSink): Promise<LoadedSession | undefined> {
    const loaded = await this.#backend.load(cookies);
    if (loaded === undefined) return undefined;
    const now = this.#now();
    const { envelope } = loaded;
    if (sessionExpiresAt(envelope, this.#lifetime) <= now || envelope.createdAt > now + 60) {
      await this.#backend.destroy(loaded, cookies, sink);
      return undefined;
    }
    if (this.#lifetime.rollingDuration !== undefined && now - envelope.touchedAt >= this.#lifetime.touchInterval) {
      return this.#touch(loaded, now, cookies, sink);
    }
    return loaded;
  }

  /**
   * {@link read} without a promise, when nothing needs awaiting: a cookie session (no store) that
   * is neither expired nor due for a rolling touch. `NEEDS_AWAIT` otherwise: call {@link read}.
   */
  readNow(cookies: ReadonlyMap<string, string>): LoadedSession | undefined | typeof NEEDS_AWAIT {
    if (this.#backend.loadNow === undefined) return NEEDS_AWAIT;
    const loaded = this.#backend.loadNow(cookies);
    if (loaded === undefined) return undefined;
    const now = this.#now();
    const { envelope } = loaded;
    if (sessionExpiresAt(envelope, this.#lifetime) <= now || envelope.createdAt > now + 60) return NEEDS_AWAIT;
    if (this.#lifetime.rollingDuration !== undefined && now - envelope.touchedAt >= this.#lifetime.touchInterval) return NEEDS_AWAIT;
    return loaded;
  }

  /** Starts a new session for a login, replacing (and deleting) any session the request carried. */
  async create(data: SessionData, cookies: ReadonlyMap<string, string>, sink: CookieSink, previous: LoadedSession | undefined): Promise<LoadedSession> {
    // A server-side session being replaced is deleted from the store; its cookie is overwritten below.
    if (previous?.id !== undefined) await this.#backend.destroy(previous, new Map(), () => undefined);
    const now = this.#now();
    return this.#write({ v: 1, createdAt: now, createdAtMs: Date.now(), touchedAt: now, data }, cookies, sink, undefined);
  }

  /**
   * Saves new data (fresh tokens) into the current session: same id and lifetime, cookie rewritten.
   * A server-side session is written only over the record `session` was read from
   * (conditional-write.ts): if another request refreshed it meanwhile, its tokens are kept; if a
   * logout deleted it, this throws `session_expired` (reason `ended`) and writes nothing.
   */
  async update(session: LoadedSession, data: SessionData, cookies: ReadonlyMap<string, string>, sink: CookieSink): Promise<LoadedSession> {
    const stale = session.envelope.data.accessToken;
    const written = await writeOver(session, (copy) => (copy.envelope.data.accessToken === stale ? { ...copy.envelope, data } : undefined), this.#writer(cookies, sink));
    if (written === undefined) throw sessionEnded();
    return written;
  }

  /** Ends the session: cookies cleared, server-side record deleted. */
  async destroy(session: LoadedSession | undefined, cookies: ReadonlyMap<string, string>, sink: CookieSink): Promise<void> {
    await this.#backend.destroy(session, cookies, sink);
  }

  /** When the session ends, in seconds since the epoch. */
  expiresAt(envelope: SessionEnvelope): number {
    return sessionExpiresAt(envelope, this.#lifetime);
  }

  /**
   * Pushes the rolling expiry forward. A server-side session is touched under its lock and from the
   * store's current copy, so that a touch never writes back tokens another instance has just
   * refreshed (the refresh token in this request's copy may be spent); when another instance holds
   * the lock, this request skips the touch and a later one does it.
   */
  async #touch(loaded: LoadedSession, now: number, cookies: ReadonlyMap<string, string>, sink: CookieSink): Promise<LoadedSession | undefined> {
    const { id } = loaded;
    if (id === undefined || this.#backend.exclusive === undefined || this.#backend.reload === undefined) {
      return this.#write({ ...loaded.envelope, touchedAt: now }, cookies, sink, loaded);
    }
    const reload = this.#backend.reload.bind(this.#backend);
    const touched = await this.#backend.exclusive(id, async () => {
      const current = await reload(id);
      // Written over this copy only: a logout that deletes it before the write wins (undefined).
      return current === undefined ? undefined : writeOver(current, (copy) => ({ ...copy.envelope, touchedAt: now }), this.#writer(cookies, sink));
    });
    return touched.ran ? touched.value : loaded;
  }

  #writer(cookies: ReadonlyMap<string, string>, sink: CookieSink): (envelope: SessionEnvelope, previous: LoadedSession) => Promise<LoadedSession> {
    return (envelope, previous) => this.#write(envelope, cookies, sink, previous);
  }

  #write(envelope: SessionEnvelope, cookies: ReadonlyMap<string, string>, sink: CookieSink, previous: LoadedSession | undefined): Promise<LoadedSession> {
    const maxAge = sessionExpiresAt(envelope, this.#lifetime) - this.#now();
    return this.#backend.save(envelope, maxAge, cookies, sink, previous);
  }
}
