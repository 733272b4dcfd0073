import type { SessionEnvelope } from './session-data.ts';

/**
 * Where server-side sessions live. Implement it for any database; oidc-kit ships {@link MemoryStore}
 * (one process, for development and tests) and, later, a Redis store. Methods may throw or reject
 * when the backend is down: oidc-kit then answers 503 and never treats the request as logged in.
 *
 * @example
 * ```ts
 * const store: SessionStore = {
 *   async get(id) { const v = await db.get(id); return v ? JSON.parse(v) : undefined; },
 *   async set(id, session, ttl) { await db.set(id, JSON.stringify(session), { ttl }); },
 *   async delete(id) { await db.del(id); },
 * };
 * ```
 */
export interface SessionStore {
  /** The session stored under `id`, or `undefined` when there is none (or it expired). */
  get(id: string): Promise<SessionEnvelope | undefined>;
  /** Stores `session` under `id` for `ttlSeconds`, replacing what was there. */
  set(id: string, session: SessionEnvelope, ttlSeconds: number): Promise<void>;
  /** Removes the session; removing a missing one is not an error. */
  delete(id: string): Promise<void>;
}
