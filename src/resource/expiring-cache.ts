/**
 * A bounded map whose entries expire: what the token caches are built on. Expired entries are
 * dropped when read; when full, the oldest entry is evicted first, so memory stays bounded however
 * many distinct tokens arrive. Times are in milliseconds.
 *
 * @example
 * ```ts
 * const cache = new ExpiringCache<string>(1000);
 * cache.set('key', 'value', Date.now() + 60_000);
 * cache.get('key', Date.now()); // 'value'
 * ```
 */
export class ExpiringCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    this.#entries.delete(key);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
