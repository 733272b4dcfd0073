import { createHash } from 'node:crypto';
import type { SessionStore } from '../session/session-store.ts';
import type { LogoutTokenClaims } from './logout-token.ts';

/** A logout the provider announced: sessions created at or before `at` (milliseconds) are over. */
interface LogoutRecord {
  at: number;
}

function key(kind: 'sid' | 'sub' | 'jti', ...parts: string[]): string {
  // Hashed: the parts are the provider's strings, of any length and alphabet.
  return `logout:${kind}:${createHash('sha256').update(parts.join('\u0000')).digest('base64url')}`;
}

function isRecord(value: unknown): value is LogoutRecord {
  return typeof value === 'object' && value !== null && typeof (value as LogoutRecord).at === 'number';
}

/**
 * What back-channel logouts leave behind in the store, so that the sessions they name end on their
 * next request wherever they live (in a cookie included) and on every instance sharing the store:
 * one record per provider session (`sid`), or per user (`sub`) when the token names no session,
 * kept as long as a session can live; and the `jti` of each token until it expires, so a token
 * cannot be replayed.
 *
 * @example
 * ```ts
 * const records = new LogoutRecords(store, 7 * 86400, now);
 * await records.record('default', claims);
 * await records.hasEnded('default', session.createdAtMs, idTokenClaims.sid, idTokenClaims.sub); // true
 * ```
 */
export class LogoutRecords {
  readonly #store: SessionStore;
  readonly #sessionMaxAge: number;
  readonly #now: () => number;

  constructor(store: SessionStore, sessionMaxAge: number, now: () => number) {
    this.#store = store;
    this.#sessionMaxAge = sessionMaxAge;
    this.#now = now;
  }

  /** Whether this token's `jti` was already acted on (a replay). */
  async seen(claims: LogoutTokenClaims): Promise<boolean> {
    return (await this.#store.get(key('jti', claims.iss, claims.jti))) !== undefined;
  }

  /**
   * Marks the token's `jti` as acted on for as long as the token could be accepted (its `exp`, or
   * its age limit if that comes first: a hostile `exp` cannot make the record last for ever). Called after {@link record}
   * succeeded, so that a provider retrying after a store failure is not refused as a replay.
   */
  async markSeen(claims: LogoutTokenClaims): Promise<void> {
    const k = key('jti', claims.iss, claims.jti);
    const ttl = Math.max(1, claims.acceptedUntil - this.#now());
    if (this.#store.add) await this.#store.add(k, { at: Date.now() }, ttl);
    else await this.#store.set(k, { at: Date.now() }, ttl);
  }

  /** Records the logout: of the session `sid` when the token names one, else of every session of `sub` (§2.7). */
  async record(provider: string, claims: LogoutTokenClaims): Promise<void> {
    const record: LogoutRecord = { at: Date.now() };
    if (claims.sid !== undefined) await this.#store.set(key('sid', provider, claims.sid), record, this.#sessionMaxAge);
    else if (claims.sub !== undefined) await this.#store.set(key('sub', provider, claims.sub), record, this.#sessionMaxAge);
  }

  /** Whether a session (logged in at `createdAtMs` with this `sid`/`sub`) was ended by a back-channel logout. */
  async hasEnded(provider: string, createdAtMs: number, sid: unknown, sub: string): Promise<boolean> {
    const [bySid, bySub] = await Promise.all([
      typeof sid === 'string' ? this.#store.get(key('sid', provider, sid)) : undefined,
      this.#store.get(key('sub', provider, sub)),
    ]);
    return (isRecord(bySid) && createdAtMs <= bySid.at) || (isRecord(bySub) && createdAtMs <= bySub.at);
  }
}
