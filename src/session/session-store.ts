/**
 * Where oidc-kit keeps server-side state: sessions (with `session.store`), back-channel logout
 * records and the replay cache of logout tokens, short per-session locks, the results of run-time
 * client registration, and (with `resourceServer.introspection.store`) introspection answers.
 * Sessions, registrations and introspection answers are sealed with the app's secret. Values are
 * JSON-serialisable; keys are namespaced by oidc-kit (`session:…`, `session-lock:…`, `logout:…`,
 * `registration:…`, `introspection:…`). For several instances, use `RedisStore` (`oidc-kit/redis`). Implement it for any database; oidc-kit ships
 * {@link MemoryStore} (one process, for development and tests). Methods may throw or reject when the
 * backend is down: oidc-kit then answers 503 and never treats the request as logged in.
 *
 * @example
 * ```ts
 * const store: SessionStore = {
 *   async get(key) { const v = await db.get(key); return v === null ? undefined : JSON.parse(v); },
 *   async set(key, value, ttl) { await db.set(key, JSON.stringify(value), { ttl }); },
 *   async delete(key) { await db.del(key); },
 *   async add(key, value, ttl) { return db.setIfAbsent(key, JSON.stringify(value), { ttl }); },
 * };
 * ```
 */
export interface SessionStore {
  /** The value stored under `key`, or `undefined` when there is none (or it expired). */
  get(key: string): Promise<unknown>;
  /** Stores `value` under `key` for `ttlSeconds`, replacing what was there. */
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Removes the value; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Stores `value` only if `key` holds nothing, atomically, and says whether it did (Redis `SET NX`).
   * Optional: oidc-kit uses it, when present, to mark a logout token as used, and as the short locks
   * that let one instance at a time refresh or touch a session and register the app at a provider;
   * without it, `set`, and instances may race (each may refresh, or register its own client).
   */
  add?(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  /**
   * `true` for a store that lives in this process and drops its oldest entries when full
   * (`MemoryStore`): not one to share introspection answers in, where made-up tokens would push
   * out what matters.
   */
  readonly inProcess?: boolean;
}
