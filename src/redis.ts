/**
 * oidc-kit on Redis: `oidc-kit/redis`. Import it only where Redis is wanted; it needs the `redis`
 * package (node-redis, an optional peer dependency of oidc-kit).
 */
import { createClient, type RedisClientOptions } from 'redis';
import type { Logger } from './config/options.ts';
import { RedisStore, throttledWarn } from './session/redis-store.ts';

export { RedisStore, RedisStoreError, type RedisClientLike, type RedisStoreOptions } from './session/redis-store.ts';

/**
 * The most commands the client created by {@link createRedisStore} holds unanswered (node-redis's
 * `commandsQueueMaxLength`): far above what a healthy Redis has pending, and a bound on what a
 * stuck one makes this process hold (a session write is a few KB).
 */
const COMMANDS_QUEUE_MAX_LENGTH = 10_000;

/**
 * Options of {@link createRedisStore}.
 *
 * @example
 * ```ts
 * const store = createRedisStore({ url: process.env.REDIS_URL, prefix: 'shop:', commandTimeout: 500 });
 * ```
 */
export interface CreateRedisStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://…` for TLS. Default `redis://localhost:6379`. */
  url?: string;
  /**
   * More node-redis client options (socket, TLS, credentials…), merged under `url`.
   * `commandsQueueMaxLength` defaults to 10 000 here (node-redis: unbounded).
   */
  clientOptions?: RedisClientOptions;
  /** Key prefix; see {@link RedisStore}. Default `oidc-kit:`. */
  prefix?: string;
  /** Milliseconds per command before the request gets 503. Default 1000. */
  commandTimeout?: number;
  /** Where connection errors go, at most one line every 30 seconds. Default: `console`. */
  logger?: Logger;
}

/**
 * A {@link RedisStore} with a client of its own; `close()` disconnects it.
 *
 * @example
 * ```ts
 * const store: OwnedRedisStore = createRedisStore({ url: process.env.REDIS_URL });
 * await store.ready(5000).catch(() => console.warn('Redis is not up yet: sessions answer 503 until it is'));
 * process.on('SIGTERM', () => void store.close());
 * ```
 */
export interface OwnedRedisStore extends RedisStore {
  /**
   * Resolves once the client is connected, so an app can wait for Redis before it starts listening
   * (requests that need the store get 503 until then). Rejects after `timeoutMs` (default 10 000)
   * without stopping the client, which keeps trying.
   */
  ready(timeoutMs?: number): Promise<void>;
  /** Disconnects the client (at shutdown). */
  close(): Promise<void>;
}

/**
 * Creates a node-redis client for `url` and a {@link RedisStore} on it. The client starts
 * connecting at once and keeps reconnecting (backing off to one attempt a second) for as long as
 * Redis is away; meanwhile commands fail at once (no offline queue), so requests that need the
 * store get 503 and the others are served. Connection errors are logged, not thrown: an outage
 * never crashes the app.
 *
 * @example
 * ```ts
 * import { createRedisStore } from 'oidc-kit/redis';
 * const store = createRedisStore({ url: process.env.REDIS_URL });
 * const oidc = new OpenIDConnect({ ...options, session: { store } });
 * await store.ready(); // optional: serve once Redis answers
 * process.on('SIGTERM', () => void store.close());
 * ```
 */
export function createRedisStore(options: CreateRedisStoreOptions = {}): OwnedRedisStore {
  const warn = throttledWarn(options.logger ?? console, 30_000);
  const client = createClient({
    ...options.clientOptions,
    url: options.url ?? options.clientOptions?.url ?? 'redis://localhost:6379',
    // Fail fast while disconnected: a queued command would hold its request until Redis returns.
    disableOfflineQueue: true,
    // While Redis is connected but not answering, RedisStore gives up on a command after
    // commandTimeout, but node-redis keeps it queued until a reply or the socket's death (minutes):
    // bounded, the queue refuses new commands at once ("The queue is full"), a RedisStoreError, 503.
    commandsQueueMaxLength: options.clientOptions?.commandsQueueMaxLength ?? COMMANDS_QUEUE_MAX_LENGTH,
    // RedisStore times its commands out itself (commandTimeout). node-redis's own default timeout
    // makes an AbortSignal.timeout per command, about 5 µs of CPU on every request of a store session.
    commandOptions: { timeout: 0, ...options.clientOptions?.commandOptions },
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 1000),
      ...options.clientOptions?.socket,
    },
  });
  // Without a listener, node-redis's 'error' events would crash the process.
  client.on('error', (error: unknown) => warn(`Redis connection problem (sessions answer 503 meanwhile): ${error instanceof Error ? error.message : String(error)}`));
  // Resolves at the first connection; failures until then are reported through 'error'.
  const connected = client.connect().then(() => undefined);
  connected.catch(() => undefined);
  const store = new RedisStore({
    client,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    ...(options.commandTimeout === undefined ? {} : { commandTimeout: options.commandTimeout }),
  }) as OwnedRedisStore;
  store.ready = async (timeoutMs = 10_000) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis at ${redactedUrl(options.url ?? 'redis://localhost:6379')} is not reachable after ${timeoutMs} ms; still trying.`)), timeoutMs);
    });
    try {
      await Promise.race([connected, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  store.close = async () => {
    client.destroy();
    await Promise.resolve();
  };
  return store;
}

/** The URL without its password, for messages. */
function redactedUrl(url: string): string {
  if (!URL.canParse(url)) return 'the configured URL';
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.href;
}
