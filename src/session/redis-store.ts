import type { Logger } from '../config/options.ts';
import type { SessionStore } from './session-store.ts';

/**
 * The few commands {@link RedisStore} uses, as node-redis clients have them: `createClient()`,
 * `createCluster()` and `createSentinel()` all fit. Every command names one key, so Redis Cluster
 * needs no hash tags.
 *
 * @example
 * ```ts
 * import { createCluster } from 'redis';
 * const cluster = createCluster({ rootNodes: [{ url: 'redis://redis-1:6379' }] });
 * await cluster.connect();
 * const store = new RedisStore({ client: cluster });
 * ```
 */
export interface RedisClientLike {
  /** `GET key`: the string stored, or `null`. */
  get(key: string): Promise<unknown>;
  /** `SET key value EX seconds [NX]`: `'OK'`, or `null` when `NX` found the key taken. */
  set(key: string, value: string, options: { expiration: { type: 'EX'; value: number }; condition?: 'NX' }): Promise<unknown>;
  /** `DEL key`. */
  del(key: string): Promise<unknown>;
  /**
   * `EVAL script numkeys key… arg…`: the script's reply. Every node-redis client has it; a client
   * without it makes a {@link RedisStore} without `compareAndSet` (see `SessionStore.compareAndSet`).
   */
  eval?(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** node-redis: whether the connection is up; while it is not, commands fail at once instead of queueing. */
  readonly isReady?: boolean;
}

/**
 * Options of {@link RedisStore}.
 *
 * @example
 * ```ts
 * const store = new RedisStore({ client, prefix: 'shop:', commandTimeout: 500 });
 * ```
 */
export interface RedisStoreOptions {
  /**
   * A node-redis client the app already has (connected by the app, closed by the app): a client,
   * a cluster or a sentinel. Its connection settings (TLS, auth, Cluster, Sentinel) are the app's.
   */
  client: RedisClientLike;
  /** Prefix of every key oidc-kit writes, so several apps can share a database. Default `oidc-kit:`. */
  prefix?: string;
  /**
   * Milliseconds a command may take before the store gives up and the request gets 503; a slow
   * Redis must not hold requests. Default 1000.
   */
  commandTimeout?: number;
}

/**
 * The store did not answer; callers turn it into 503 `session_store_unavailable`.
 *
 * @example
 * ```ts
 * onError: (error, request) => {
 *   if (error.cause instanceof RedisStoreError) metrics.increment('redis_down');
 *   return undefined; // oidc-kit's 503 page
 * },
 * ```
 */
export class RedisStoreError extends Error {
  /** `'RedisStoreError'`. */
  override readonly name = 'RedisStoreError';
}

/**
 * A {@link SessionStore} on Redis: server-side sessions, back-channel logout records, run-time
 * client registrations and, if asked, introspection answers, shared by every instance of the app.
 * Values are JSON strings under `prefix + key`, each expiring with what it holds (`SET … EX`). An
 * atomic `SET NX` makes `add`, which the logout-token replay check and the cross-instance locks
 * (registration, token refresh) rely on; a short Lua script makes `compareAndSet`, with which a
 * session is written back only if no logout deleted it meanwhile.
 *
 * Faults fail closed: a command that errors, or takes longer than `commandTimeout`, rejects, and
 * the request that needed it gets 503 (never "logged in"); while the client is disconnected,
 * commands fail at once instead of queueing. A client's full command queue (node-redis
 * `commandsQueueMaxLength`, set by `createRedisStore`) fails a command at once too. The client
 * reconnects by itself; nothing is lost that Redis kept.
 *
 * Built on node-redis (the `redis` package): Redis's own client, maintained with the server,
 * typed, with Cluster and Sentinel support. `createRedisStore({ url })` from `oidc-kit/redis`
 * creates and connects one for you.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { RedisStore } from 'oidc-kit/redis';
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true, commandsQueueMaxLength: 10_000 });
 * client.on('error', (error) => console.warn('redis:', error.message));
 * await client.connect();
 * const oidc = new OpenIDConnect({ ...options, session: { store: new RedisStore({ client }) } });
 * ```
 */
export class RedisStore implements SessionStore {
  readonly #client: RedisClientLike;
  readonly #prefix: string;
  readonly #timeout: number;
  /**
   * Replaces a value only if it is still `expected` (`SessionStore.compareAndSet`): one `EVAL` of a
   * script that compares and writes, atomic in Redis. Absent when the client has no `eval`.
   */
  readonly compareAndSet?: (key: string, expected: unknown, value: unknown, ttlSeconds: number) => Promise<boolean>;

  constructor(options: RedisStoreOptions) {
    if (typeof options !== 'object' || options === null || typeof options.client?.get !== 'function' || typeof options.client.set !== 'function' || typeof options.client.del !== 'function') {
      throw new TypeError('RedisStore needs { client }: a node-redis client (createClient, createCluster or createSentinel), or use createRedisStore({ url }).');
    }
    const timeout = options.commandTimeout ?? 1000;
    if (!Number.isFinite(timeout) || timeout <= 0) throw new TypeError('RedisStore: commandTimeout must be a positive number of milliseconds.');
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'oidc-kit:';
    this.#timeout = timeout;
    const client = this.#client;
    if (typeof client.eval === 'function') {
      const evaluate = client.eval.bind(client);
      this.compareAndSet = (key, expected, value, ttlSeconds) => this.#run('EVAL (compare and set)', () => evaluate(COMPARE_AND_SET, {
        keys: [this.#prefix + key],
        arguments: [JSON.stringify(expected), JSON.stringify(value), String(seconds(ttlSeconds))],
      }), (reply) => reply === 1);
    }
  }

  get(key: string): Promise<unknown> {
    return this.#run('GET', () => this.#client.get(this.#prefix + key), parseReply);
  }

  set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    return this.#run('SET', () => this.#client.set(this.#prefix + key, JSON.stringify(value), { expiration: { type: 'EX', value: seconds(ttlSeconds) } }), () => undefined);
  }

  delete(key: string): Promise<void> {
    return this.#run('DEL', () => this.#client.del(this.#prefix + key), () => undefined);
  }

  add(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    return this.#run('SET NX', () =>
      this.#client.set(this.#prefix + key, JSON.stringify(value), { expiration: { type: 'EX', value: seconds(ttlSeconds) }, condition: 'NX' }),
    (reply) => reply === 'OK');
  }

  /**
   * Runs one command and turns its reply into the result (`settle`, which must not throw), failing
   * fast while disconnected and after `commandTimeout`. One timer and one promise per command (not
   * `Promise.race`, no async wrapper around it): this runs on every request of a store session
   * (bench/README.md, fixes 17 and 19).
   */
  #run<R>(command: string, call: () => Promise<unknown>, settle: (reply: unknown) => R): Promise<R> {
    if (this.#client.isReady === false) return Promise.reject(new RedisStoreError(`Redis is not connected (${command} not sent).`));
    return new Promise<R>((resolve, reject) => {
      const failed = (error: unknown): void => {
        clearTimeout(timer);
        reject(new RedisStoreError(`Redis ${command} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      };
      // After the timeout, a late answer or failure settles nothing: the request has had its 503.
      const timer = setTimeout(() => reject(new RedisStoreError(`Redis did not answer ${command} within ${this.#timeout} ms.`)), this.#timeout);
      let pending: Promise<unknown>;
      try {
        pending = call();
      } catch (error) {
        failed(error);
        return;
      }
      pending.then((reply) => {
        clearTimeout(timer);
        resolve(settle(reply));
      }, failed);
    });
  }
}

/**
 * `compareAndSet` in Redis: the comparison and the write in one script, which Redis runs with nothing
 * in between. Chosen over `WATCH`/`MULTI`: a watch belongs to a connection, and node-redis shares one
 * connection between every request of the app (two requests' watches would mix), where a script needs
 * no connection state, takes one round trip, names its one key (Redis Cluster routes it) and has been
 * in every Redis since 2.6. `EVAL` sends the script's text each time (Redis caches it compiled); it
 * runs only when a session is written back, not on every request. A missing key reads as `false`,
 * which equals no string: a session a logout deleted stays deleted.
 */
const COMPARE_AND_SET = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

/** A GET's reply as the stored value: a string by default, a Buffer if the client maps replies so; anything else, or text that is not JSON (another program wrote the key), is as good as absent. */
function parseReply(reply: unknown): unknown {
  const json = typeof reply === 'string' ? reply : Buffer.isBuffer(reply) ? reply.toString('utf8') : undefined;
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/** Redis wants whole seconds of at least 1. */
function seconds(ttl: number): number {
  return Math.max(1, Math.ceil(ttl));
}

/** Says a connection problem once, then at most every `intervalMs`, so an outage does not flood the log. */
export function throttledWarn(logger: Logger, intervalMs: number): (message: string) => void {
  let last = 0;
  return (message) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    logger.warn(message);
  };
}
