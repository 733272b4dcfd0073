/**
 * Where oidc-kit keeps server-side state: sessions (with `session.store`), back-channel logout
 * records and the replay cache of logout tokens, short per-session locks, the results of run-time
 * client registration, and (with `resourceServer.introspection.store`) introspection answers.
 * Sessions, registrations and introspection answers are sealed with the app's secret. Values are
 * JSON-serialisable; keys are namespaced by oidc-kit (`session:…`, `session-lock:…`, `logout:…`,
 * `registration:…`, `introspection:…`). For several instances, use `RedisStore` (`oidc-kit/redis`). Implement it for any database; oidc-kit ships
 * {@link MemoryStore} (one process, for development and tests). Methods may throw or reject when the
 * backend is down: oidc-kit then answers 503 and never treats the request as logged in. `add` and
 * `compareAndSet` are optional, so a store written for an older oidc-kit still fits; implement them
 * when the database can do them atomically.
 *
 * @example
 * ```ts
 * const store: SessionStore = {
 *   async get(key) { const v = await db.get(key); return v === null ? undefined : JSON.parse(v); },
 *   async set(key, value, ttl) { await db.set(key, JSON.stringify(value), { ttl }); },
 *   async delete(key) { await db.del(key); },
 *   async add(key, value, ttl) { return db.setIfAbsent(key, JSON.stringify(value), { ttl }); },
 *   async compareAndSet(key, expected, value, ttl) {
 *     return db.replaceIfEqual(key, JSON.stringify(expected), JSON.stringify(value), { ttl });
 *   },
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
   * Stores `value` under `key` only if `key` holds `expected` now (equal as JSON text to what `get`
   * returned), atomically, and says whether it did: `false` when the key is gone or holds anything
   * else. Optional: oidc-kit uses it, when present, to write a session back (a rolling touch, a
   * refresh) only if no logout deleted it and no other request changed it since this one read it, so
   * that a request still under way when the user logs out cannot bring the session back. Without it,
   * oidc-kit reads the record again just before writing, and a logout that lands between that read
   * and the write (one store round trip) is undone.
   */
  compareAndSet?(key: string, expected: unknown, value: unknown, ttlSeconds: number): Promise<boolean>;
  /**
   * `true` for a store that lives in this process and drops its oldest entries when full
   * (`MemoryStore`): not one to share introspection answers in, where made-up tokens would push
   * out what matters.
   */
  readonly inProcess?: boolean;
}
