import { randomBytes } from 'node:crypto';
import { clearChunkedCookie, readChunkedCookie } from '../cookies/chunked-cookie.ts';
import { type CookieAttributes, serializeCookie } from '../cookies/cookie-header.ts';
import type { CookieSealer } from '../cookies/cookie-sealer.ts';
import { OidcError } from '../errors.ts';
import { OpenedSealCache } from '../cookies/opened-seal-cache.ts';
import { deepFreeze } from '../deep-freeze.ts';
import type { CookieSink } from '../http.ts';
import { ExpiringCache } from '../util/expiring-cache.ts';
import { SessionWriteConflict } from './conditional-write.ts';
import type { ExclusiveOutcome, FailureSharing, LoadedSession, SessionBackend, SharedFailure } from './session-backend.ts';
import { isSessionEnvelope, type SessionEnvelope, type SessionLifetime, sessionExpiresAt } from './session-data.ts';
import type { SessionStore } from './session-store.ts';
import type { FaultSubject } from '../core/fault-log.ts';

/** Store keys of sessions: `session:<id>`, beside the other records oidc-kit keeps in the same store. */
export const SESSION_KEY_PREFIX = 'session:';
/** Store keys of the per-session locks: `session-lock:<id>`. */
const LOCK_KEY_PREFIX = 'session-lock:';
/** Store keys of a failure shared by work under a session's lock (a refresh): `session-failure:<id>`. */
const FAILURE_KEY_PREFIX = 'session-failure:';
/** Session cookies and store records kept opened in memory: a few MB for typical sessions (bytes: see the next). */
const OPENED_SESSIONS = 1000;
/**
 * A store record longer than this (characters of its sealed form, ASCII) is opened for every
 * request, never kept opened: a record is not limited by cookie size (UserInfo and tokens may come
 * to MBs), so the opened records are bounded in bytes too — twice this per entry at most, sealed and opened.
 */
const MAX_OPENED_RECORD = 64 * 1024;
/** What loading a request without a session cookie gives: one settled promise, shared. */
const NO_SESSION: Promise<undefined> = Promise.resolve(undefined);

/**
 * Sessions kept server-side in a {@link SessionStore}; the cookie holds only the session id,
 * encrypted and bound to the cookie name. The record in the store is encrypted too (AES-256-GCM
 * with the app's secret, bound to its key), so a store dump reveals no tokens and write access to
 * the store cannot forge a session. A store that fails answers 503 (fail closed).
 *
 * @example
 * ```ts
 * const backend = new StoreSessionBackend('oidc_session', attributes, sealer, new MemoryStore(), lifetime, now);
 * ```
 */
export class StoreSessionBackend implements SessionBackend {
  readonly #name: string;
  readonly #attributes: CookieAttributes;
  readonly #sealer: CookieSealer;
  readonly #store: SessionStore;

  readonly #lockSeconds: number;
  readonly #lifetime: SessionLifetime;
  readonly #now: () => number;
  readonly #health: FaultSubject | undefined;
  /** Session cookie values → the session id they hold, kept until that session ends. */
  readonly #openedIds = new OpenedSealCache<string>(OPENED_SESSIONS);
  /**
   * Store keys → the record last read there and its frozen session, kept until the session ends
   * (or it is destroyed here). The store is still read on every request (a session deleted or
   * changed by another instance is seen at once); only an unchanged record skips the decryption and
   * the parsing. By key, so a session written anew replaces its entry.
   */
  readonly #openedRecords = new ExpiringCache<{ readonly record: string; readonly envelope: SessionEnvelope }>(OPENED_SESSIONS);

  /**
   * @param lifetime the sessions' lifetime: nothing opened is kept in memory past its session's end.
   * @param now the session clock (seconds), the {@link SessionManager}'s.
   * @param lockSeconds how long a session's lock lasts if its holder dies (longer than a refresh may take).
   * @param health where the store's answers and outages are reported: logged once when it goes
   *   down and once when it is back, not once per request.
   */
  constructor(name: string, attributes: CookieAttributes, sealer: CookieSealer, store: SessionStore, lifetime: SessionLifetime, now: () => number, lockSeconds = 15, health?: FaultSubject) {
    this.#health = health;
    this.#name = name;
    this.#attributes = attributes;
    this.#sealer = sealer;
    this.#store = store;
    this.#lifetime = lifetime;
    this.#now = now;
    this.#lockSeconds = lockSeconds;
  }

  // load and reload are plain functions returning the store's promise with one step after it, not
  // async functions awaiting one another: every request of a store session goes through them, and
  // each async layer is one more promise and microtask turn (bench/README.md, fix 19).
  load(cookies: ReadonlyMap<string, string>): Promise<LoadedSession | undefined> {
    const sealed = readChunkedCookie(cookies, this.#name);
    if (sealed === undefined) return NO_SESSION;
    const known = this.#openedIds.get(sealed, this.#name, this.#now() * 1000);
    if (known !== undefined) return this.reload(known);
    const id = this.#sealer.open(sealed, this.#name);
    if (id === undefined) return NO_SESSION;
    const key = SESSION_KEY_PREFIX + id;
    // The id is kept opened as long as its session lasts, known once its record is read (in the
    // same step as the read: no extra promise).
    return this.#call(() => this.#store.get(key), (record) => {
      const loaded = this.#open(record, key, id);
      const end = loaded === undefined ? 0 : this.#endMs(loaded.envelope);
      if (end > this.#now() * 1000) this.#openedIds.set(sealed, this.#name, id, end);
      return loaded;
    });
  }

  async save(
    envelope: SessionEnvelope,
    maxAge: number,
    cookies: ReadonlyMap<string, string>,
    sink: CookieSink,
    previous: LoadedSession | undefined,
  ): Promise<LoadedSession> {
    // A login (no previous id) always gets a fresh id, so a planted id cannot be fixed on a user.
    const id = previous?.id ?? randomBytes(32).toString('base64url');
    const key = SESSION_KEY_PREFIX + id;
    const record = this.#sealer.seal(JSON.stringify(envelope), key);
    const ttl = Math.ceil(maxAge);
    // A write back (a touch, a refresh) goes over the record the request read, or not at all: a
    // logout that deleted it meanwhile, here or on another instance, stays a logout. The caller
    // decides what then (conditional-write.ts); no cookie is written.
    if (previous?.version === undefined) await this.#call(() => this.#store.set(key, record, ttl), () => undefined);
    else if (!(await this.#replace(key, previous.version, record, ttl))) throw new SessionWriteConflict(await this.reload(id));
    sink(serializeCookie(this.#name, this.#sealer.seal(id, this.#name), { ...this.#attributes, maxAge }));
    return { envelope, id, version: record };
  }

  /**
   * Writes `record` if the store still holds `expected` under `key`, and says whether it did: atomic
   * with a store that has `compareAndSet`. Without it, the record is read again just before the
   * write; a logout between the two (one store round trip) is undone, where without the read the
   * whole request (a refresh at a slow provider) would be the window.
   */
  #replace(key: string, expected: string, record: string, ttl: number): Promise<boolean> {
    const compareAndSet = this.#store.compareAndSet?.bind(this.#store);
    if (compareAndSet !== undefined) return this.#call(() => compareAndSet(key, expected, record, ttl), (written) => written);
    return this.#call(() => this.#store.get(key), (current) => current === expected)
      .then((unchanged) => unchanged && this.#call(() => this.#store.set(key, record, ttl), () => true));
  }

  async destroy(session: LoadedSession | undefined, cookies: ReadonlyMap<string, string>, sink: CookieSink): Promise<void> {
    // What this session opened to leaves memory now, not when newer sessions push it out.
    const sealed = readChunkedCookie(cookies, this.#name);
    if (sealed !== undefined) this.#openedIds.delete(sealed);
    for (const cookie of clearChunkedCookie(this.#name, this.#attributes, cookies)) sink(cookie);
    const id = session?.id;
    if (id === undefined) return;
    this.#openedRecords.delete(SESSION_KEY_PREFIX + id);
    await this.#call(() => this.#store.delete(SESSION_KEY_PREFIX + id), () => undefined);
  }

  reload(id: string): Promise<LoadedSession | undefined> {
    const key = SESSION_KEY_PREFIX + id;
    return this.#call(() => this.#store.get(key), (record) => this.#open(record, key, id));
  }

  /** A store record as the session it holds, or `undefined` if it holds none of ours. */
  #open(record: unknown, key: string, id: string): LoadedSession | undefined {
    if (typeof record !== 'string') return undefined;
    const now = this.#now() * 1000;
    const opened = this.#openedRecords.get(key, now);
    // The whole record must match: the one opened before, unchanged since.
    if (opened !== undefined && opened.record === record) return { envelope: opened.envelope, id, version: record };
    // Sealed and bound to its key: whoever can write to the store still cannot forge or move a session.
    const envelope = this.#sealer.openJson(record, key);
    if (!isSessionEnvelope(envelope)) return undefined;
    // Frozen: one object now serves every request that reads this record, so nothing may change it
    // in place. Not kept once its session has ended, nor when it is too big to keep.
    deepFreeze(envelope);
    const end = this.#endMs(envelope);
    if (end > now && record.length <= MAX_OPENED_RECORD) this.#openedRecords.set(key, { record, envelope }, end);
    return { envelope, id, version: record };
  }

  /** When the session ends, in ms (the caches' unit). */
  #endMs(envelope: SessionEnvelope): number {
    return sessionExpiresAt(envelope, this.#lifetime) * 1000;
  }

  async exclusive<T>(id: string, work: () => Promise<T>, share?: FailureSharing): Promise<ExclusiveOutcome<T>> {
    const add = this.#store.add?.bind(this.#store);
    // A store without `add` cannot lock: the work runs, as it did before locks existed.
    if (add === undefined) return { ran: true, value: await work() };
    const lock = `${LOCK_KEY_PREFIX}${id}`;
    if (!(await this.#call(() => add(lock, { at: Date.now() }, this.#lockSeconds), (added) => added))) return { ran: false };
    try {
      return { ran: true, value: await work() };
    } catch (error) {
      const failure = share?.describe(error);
      // Written before the lock is released, so that whoever waited for this work and takes the
      // lock next finds it. Best effort: without it, a waiter tries the work itself.
      if (failure !== undefined && share !== undefined) await this.#store.set(`${FAILURE_KEY_PREFIX}${id}`, failure, share.seconds).catch(() => undefined);
      throw error;
    } finally {
      // If this fails, the lock expires by itself after lockSeconds.
      await this.#store.delete(lock).catch(() => undefined);
    }
  }

  recentFailure(id: string): Promise<SharedFailure | undefined> {
    return this.#call(() => this.#store.get(`${FAILURE_KEY_PREFIX}${id}`), sharedFailureOf);
  }

  /**
   * Runs a store operation and `then` on its result, in one step; a store that throws or rejects
   * becomes 503 `session_store_unavailable`. Errors of `then` itself pass unchanged.
   */
  #call<T, R>(operation: () => Promise<T>, then: (value: T) => R): Promise<R> {
    let pending: Promise<T>;
    try {
      pending = operation();
    } catch (cause) {
      return Promise.reject(this.#unavailable(cause));
    }
    // One closure per call, as before (the failure handler is made once): this is every request's path.
    return pending.then((value) => {
      this.#health?.answered();
      return then(value);
    }, this.#failed);
  }

  /** A failed store call: 503, and the store's outage reported (logged once, not per request). */
  readonly #failed = (cause: unknown): never => {
    throw this.#unavailable(cause);
  };

  #unavailable(cause: unknown): OidcError {
    const error = storeUnavailable(cause);
    this.#health?.failed(error);
    return error;
  }
}

/** The shared failure a store record holds, if it holds one of ours. */
function sharedFailureOf(record: unknown): SharedFailure | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const { code, reason, message } = record as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return typeof reason === 'string' ? { code, reason, message } : { code, message };
}

function storeUnavailable(cause: unknown): OidcError {
  return new OidcError('session_store_unavailable', 'The session store is unavailable; try again shortly.', { cause });
}
