/**
 * The record of DPoP proofs already used (RFC 9449 §11.1), so that none is accepted twice. Keyed
 * by the SHA-256 of the key's thumbprint and the proof's `jti` (never the proof), kept as long as
 * the proof could still pass the `iat` check. With a shared store (Redis), recorded with `add`
 * (SET NX): one instance wins, every other sees the proof as used. Without one, an in-process map
 * bounded in entries and time (docs/memory-bounds.md).
 */
import { hash } from 'node:crypto';
import { OidcError } from '../../errors.ts';
import type { SessionStore } from '../../session/session-store.ts';

/**
 * The most proofs the in-process cache remembers: about 85 bytes each (a 22-character key and an
 * expiry, measured), so about 85 MB at most. A proof is remembered for its window (about two minutes by
 * default), so this takes some 8 000 DPoP requests a second, sustained, on one instance — more
 * than one core verifies (each proof is a signature check of about 0.1 ms). With 100 000 it was
 * about 550 a second, which a busy API reaches (bench/README.md, finding 23).
 */
export const MAX_REPLAY_ENTRIES = 1_000_000;

/**
 * Records used proofs.
 *
 * @example
 * ```ts
 * const replay = new DpopReplayCache(redisStore);
 * if (!(await replay.claim(jkt, jti, 120))) throw new Error('replayed');
 * ```
 */
export class DpopReplayCache {
  readonly #store: SessionStore | undefined;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** Key → the time (ms) it may be forgotten; insertion order is nearly expiry order (proofs arrive soon after their iat). */
  readonly #memory = new Map<string, number>();

  constructor(store: SessionStore | undefined, maxEntries = MAX_REPLAY_ENTRIES, now: () => number = Date.now) {
    this.#store = store;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** Whether the store is shared by every instance (Redis) rather than this process's memory. */
  get shared(): boolean {
    return this.#store !== undefined;
  }

  /**
   * Marks the proof used and says whether it was new. Throws the 503 `session_store_unavailable`
   * (reason `dpop_replay`) when the store fails or the in-process cache is full of live proofs: a
   * proof that cannot be recorded is never accepted.
   */
  async claim(jkt: string, jti: string, ttlSeconds: number): Promise<boolean> {
    // 128 bits of the hash: no collision in any number of proofs a cache holds, in a string of its
    // own (a slice of the whole hash would keep the whole one alive): about 85 bytes an entry.
    const id = hash('sha256', `${jkt}\u0000${jti}`, 'buffer').subarray(0, 16).toString('base64url');
    const store = this.#store;
    if (store === undefined) return this.#claimInMemory(id, ttlSeconds);
    try {
      return await store.add!(`dpop-jti:${id}`, 1, Math.max(1, Math.ceil(ttlSeconds)));
    } catch (error) {
      throw new OidcError('session_store_unavailable', 'The store of used DPoP proofs did not answer; try again.', { reason: 'dpop_replay', cause: error });
    }
  }

  #claimInMemory(key: string, ttlSeconds: number): boolean {
    const now = this.#now();
    const until = this.#memory.get(key);
    if (until !== undefined && until > now) return false;
    // Entries arrive in about the order they expire: drop the expired ones from the front.
    for (const [old, expires] of this.#memory) {
      if (expires > now) break;
      this.#memory.delete(old);
    }
    if (this.#memory.size >= this.#maxEntries) {
      // Forgetting a live proof would let it be replayed: refuse (503) until room is made.
      throw new OidcError('session_store_unavailable', 'Too many DPoP proofs are in use at once; try again shortly.', { reason: 'dpop_replay_full', retryAfter: 1 });
    }
    this.#memory.delete(key);
    this.#memory.set(key, now + ttlSeconds * 1000);
    return true;
  }
}
