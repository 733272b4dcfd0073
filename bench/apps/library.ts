/**
 * The library under test, for the oidc-kit apps: this checkout's src/, or — for an `@baseline` app
 * of an A/B run (`BASELINE=<git ref> npm run bench`) — the copy of src/ at that ref that the runner
 * extracted and named in BENCH_LIBRARY. Both are imported the same way, so the two apps differ only
 * in the library's code. Each entry point is loaded on demand, so an app loads no more of the
 * library (the Redis client, say) than it did with static imports.
 */
import type * as ExpressAdapter from '../../src/express.ts';
import type * as FastifyAdapter from '../../src/fastify.ts';
import type * as FetchAdapter from '../../src/fetch.ts';
import type * as HonoAdapter from '../../src/hono.ts';
import type * as RedisStore from '../../src/redis.ts';

const root = process.env['BENCH_LIBRARY'] ?? new URL('../../src/', import.meta.url).href;

/**
 * `oidc-kit/express`.
 *
 * @example
 * ```ts
 * const { OpenIDConnect } = await expressAdapter();
 * ```
 */
export const expressAdapter = async (): Promise<typeof ExpressAdapter> => await import(new URL('express.ts', root).href) as typeof ExpressAdapter;

/**
 * `oidc-kit/fastify`.
 *
 * @example
 * ```ts
 * const { OpenIDConnect } = await fastifyAdapter();
 * ```
 */
export const fastifyAdapter = async (): Promise<typeof FastifyAdapter> => await import(new URL('fastify.ts', root).href) as typeof FastifyAdapter;

/**
 * `oidc-kit/hono`.
 *
 * @example
 * ```ts
 * const { OpenIDConnect } = await honoAdapter();
 * ```
 */
export const honoAdapter = async (): Promise<typeof HonoAdapter> => await import(new URL('hono.ts', root).href) as typeof HonoAdapter;

/**
 * `oidc-kit/fetch`.
 *
 * @example
 * ```ts
 * const { OpenIDConnect } = await fetchAdapter();
 * ```
 */
export const fetchAdapter = async (): Promise<typeof FetchAdapter> => await import(new URL('fetch.ts', root).href) as typeof FetchAdapter;

/**
 * `oidc-kit/redis`.
 *
 * @example
 * ```ts
 * const store = (await redisStore()).createRedisStore({ url: process.env['REDIS_URL']! });
 * ```
 */
export const redisStore = async (): Promise<typeof RedisStore> => await import(new URL('redis.ts', root).href) as typeof RedisStore;
