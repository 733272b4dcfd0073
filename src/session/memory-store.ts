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

  /** @param options.maxEntries the most entries kept; the oldest are dropped past it. Default 10 000. */
  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  get(key: string): Promise<unknown> {
    const entry = this.#live(key);
    // Stored as JSON so callers can never mutate what the store holds (as with a real backend).
    return Promise.resolve(entry === undefined ? undefined : JSON.parse(entry.json));
  }

  set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.#entries.delete(key);
    this.#entries.set(key, { json: JSON.stringify(value), expiresAt: Date.now() + ttlSeconds * 1000 });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
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

  /** How many entries are held (expired ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }

  #live(key: string): { json: string; expiresAt: number } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > Date.now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }
}
