import type { SessionEnvelope } from './session-data.ts';
import type { SessionStore } from './session-store.ts';

/**
 * A {@link SessionStore} in this process's memory, with expiry and a size bound. Sessions are lost
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

  /** @param options.maxEntries the most sessions kept; the oldest are dropped past it. Default 10 000. */
  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  get(id: string): Promise<SessionEnvelope | undefined> {
    const entry = this.#entries.get(id);
    if (entry === undefined) return Promise.resolve(undefined);
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(id);
      return Promise.resolve(undefined);
    }
    // Stored as JSON so callers can never mutate what the store holds (as with a real backend).
    return Promise.resolve(JSON.parse(entry.json) as SessionEnvelope);
  }

  set(id: string, session: SessionEnvelope, ttlSeconds: number): Promise<void> {
    this.#entries.delete(id);
    this.#entries.set(id, { json: JSON.stringify(session), expiresAt: Date.now() + ttlSeconds * 1000 });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return Promise.resolve();
  }

  delete(id: string): Promise<void> {
    this.#entries.delete(id);
    return Promise.resolve();
  }

  /** How many sessions are held (expired ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }
}
