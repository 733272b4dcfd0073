/**
 * Serves a fetch handler (`(request) => Response`) on Node's HTTP server with `@hono/node-server`,
 * as the Hono and fetch-adapter apps are run on Node: its `createAdaptorServer` makes a plain
 * `node:http` server around any `fetch` function, with its default settings (its lighter global
 * `Request` and `Response` included). Kept out of common.ts so that the Express and Fastify apps
 * do not load it.
 *
 * @example
 * ```ts
 * serveFetch((request) => Response.json({ ok: true }));
 * serveFetch(app.fetch); // a Hono app
 * ```
 */
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { listen } from './common.ts';

/**
 * Listens on the app's port with `fetch` as the request handler.
 *
 * @example
 * ```ts
 * serveFetch(async (request) => (await oidc.handle(request)) ?? route(request));
 * ```
 */
export function serveFetch(fetch: (request: Request) => Response | Promise<Response>): void {
  // Without http2 or https options, createAdaptorServer makes a node:http Server.
  listen(createAdaptorServer({ fetch }) as Server);
}
