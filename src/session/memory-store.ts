import type { SessionStore } from './session-store.ts';

/**
 * A {@link SessionStore} in this process's memory, with expiry and a size bound. Its content is lost
 * on restart and not shared between processes: use it for development, tests and single-instance
 * apps; use a shared store (Redis) behind a load balancer.
 *
 * @example
 * ```ts
 * const oidc = new OpenIDConnect({ ...options, session: { store: new MemoryStore() } });
 * ```
 */
export class MemoryStore implements SessionStore {
  readonly #entries = new Map<string, { json: string; expiresAt: number }>();
  readonly #maxEntries: number;
  readonly #whenFull: 'evict' | 'refuse';
  /** Lives in this process and drops entries when full: see {@link SessionStore.inProcess}. */
  readonly inProcess = true;
  /** When the next sweep of expired entries is due (ms): entries nobody reads again are dropped too. */
  #sweepAt = 0;
  /** When a full store may sweep again before it refuses or evicts (ms). */
  #fullSweepAt = 0;
  readonly #onFilling: ((size: number, maxEntries: number) => void) | undefined;

  /**
   * @param options.maxEntries the most entries kept. Default 10 000.
   * @param options.whenFull past `maxEntries`: `'evict'` (default) drops the oldest entry; `'refuse'`
   *   makes `set` reject instead, for records that must not be dropped early (back-channel logouts:
   *   dropping one would revive the sessions it ended), so the caller answers 503 and the writer retries.
   * @param options.onFilling called on every write that leaves the store at least 80 % full, and on
   *   every refused write (the caller rate-limits what it logs): room to warn before writes fail.
   */
  constructor(options: { maxEntries?: number; whenFull?: 'evict' | 'refuse'; onFilling?: (size: number, maxEntries: number) => void } = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#whenFull = options.whenFull ?? 'evict';
    this.#onFilling = options.onFilling;
  }

  get(key: string): Promise<unknown> {
    const entry = this.#live(key);
    // Stored as JSON so callers can never mutate what the store holds (as with a real backend).
    return Promise.resolve(entry === undefined ? undefined : JSON.parse(entry.json));
  }

  set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const now = Date.now();
    this.#sweep(now);
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(key)) {
      // Full: entries that expired since the last sweep still count. Sweep now (at most once a
      // second, so a full store under load stays cheap) before refusing or evicting a live entry.
      if (now >= this.#fullSweepAt) {
        this.#fullSweepAt = now + FULL_SWEEP_INTERVAL_MS;
        this.#dropExpired(now);
      }
      if (this.#whenFull === 'refuse' && this.#entries.size >= this.#maxEntries) {
        this.#onFilling?.(this.#entries.size, this.#maxEntries);
        return Promise.reject(new StoreFullError(this.#maxEntries));
      }
    }
    this.#entries.delete(key);
    this.#entries.set(key, { json: JSON.stringify(value), expiresAt: now + ttlSeconds * 1000 });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    if (this.#onFilling !== undefined && this.#entries.size * 5 >= this.#maxEntries * 4) this.#onFilling(this.#entries.size, this.#maxEntries);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
  }

  async add(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false;
    await this.set(key, value, ttlSeconds);
    return true;
  }

  /**
   * Replaces the value only if it is still `expected` (see {@link SessionStore.compareAndSet}).
   * Atomic: nothing runs between the comparison and the write (one thread, no await between them).
   */
  compareAndSet(key: string, expected: unknown, value: unknown, ttlSeconds: number): Promise<boolean> {
    const entry = this.#live(key);
    if (entry === undefined || entry.json !== JSON.stringify(expected)) return Promise.resolve(false);
    // The key is there, so a full store neither refuses nor evicts for this write.
    return this.set(key, value, ttlSeconds).then(() => true);
  }

  /** How many entries are held (expired ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Drops every expired entry, at most once a minute, on a write: a store that is only written to
   * (logout records nobody reads again) stays bounded by what is still valid. Linear, but amortized
   * over a minute of writes.
   */
  #sweep(now: number): void {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + SWEEP_INTERVAL_MS;
    this.#dropExpired(now);
  }

  #dropExpired(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  #live(key: string): { json: string; expiresAt: number } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > Date.now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }
}

/** How often (at most) a write sweeps out expired entries. */
const SWEEP_INTERVAL_MS = 60_000;
/** How often (at most) a full store sweeps before it refuses or evicts. */
const FULL_SWEEP_INTERVAL_MS = 1000;

/**
 * A {@link MemoryStore} made with `whenFull: 'refuse'` holds `maxEntries` live entries and was asked
 * for one more.
 *
 * @example
 * ```ts
 * await store.set(key, value, ttl).catch((error) => { if (error instanceof StoreFullError) … });
 * ```
 */
export class StoreFullError extends Error {
  override readonly name = 'StoreFullError';
  constructor(maxEntries: number) {
    super(`The in-memory store holds its limit of ${maxEntries} entries that have not expired.`);
  }
}
