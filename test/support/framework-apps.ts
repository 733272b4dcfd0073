/**
 * The contract suite's test app on Fastify, Hono and the fetch adapter: the same route data
 * (test-routes.ts) mounted in each framework's own terms. Hono and fetch apps are served on Node by
 * @hono/node-server, as users serve fetch handlers on Node.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import Fastify from 'fastify';
import { type Context, Hono } from 'hono';
import { OpenIDConnect as FastifyOpenIDConnect, type FastifyOpenIDConnectOptions } from '../../src/fastify.ts';
import { OpenIDConnect as FetchOpenIDConnect, type FetchOpenIDConnectOptions } from '../../src/fetch.ts';
import { OpenIDConnect as HonoOpenIDConnect, type HonoOpenIDConnectOptions, type OidcEnv } from '../../src/hono.ts';
import type { RequestContext } from '../../src/index.ts';
import { sendFastify, webAnswer } from './test-answers.ts';
import type { GuardSpec, TestRoute } from './test-routes.ts';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** A guard of the spec, from an adapter's object: their methods share names and arguments. */
export function guardOf<T>(oidc: object, [name, ...args]: GuardSpec): T {
  const make = (oidc as Record<string, (...a: unknown[]) => T>)[name]!;
  return make.apply(oidc, args);
}

/** The routes an app mounts: those its configuration allows, the first declaration of a method and path winning. */
export function mounted(routes: readonly TestRoute[], config: FetchOpenIDConnect['config']): TestRoute[] {
  const seen = new Set<string>();
  return routes.filter((route) => {
    const key = `${route.method} ${route.path}`;
    if (!(route.when?.(config) ?? true) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The test app on Fastify 5: the plugin, the routes with their guards as `preHandler` hooks, a
 * urlencoded parser for the app's own routes (form-body tokens) and oidc-kit's error handler.
 */
export function fastifyApp(options: FastifyOpenIDConnectOptions, routes: readonly TestRoute[]): { oidc: FastifyOpenIDConnect; listener: Listener } {
  const oidc = new FastifyOpenIDConnect(options);
  let route: Listener | undefined;
  const app = Fastify({
    serverFactory: (handler) => {
      route = handler;
      return createServer();
    },
  });
  // The app's own parsers: forms (for form-body tokens) and, as text, any other type (a multipart
  // body must reach the guard, which refuses it as a credential, rather than Fastify's 415).
  app.addContentTypeParser(['application/x-www-form-urlencoded', '*'], { parseAs: 'string' }, (_request, body, done) => done(null, body));
  void app.register(oidc.plugin);
  for (const test of mounted(routes, oidc.config)) {
    app.route({
      method: test.method,
      url: test.path,
      preHandler: (test.guards ?? []).map((spec) => guardOf<ReturnType<FastifyOpenIDConnect['requireLogin']>>(oidc, spec)),
      handler: async (request, reply) => {
        const answer = await test.handle({
          oidc: request.oidc,
          method: request.method,
          query: new URL(request.url, 'http://test.invalid').searchParams,
          header: (name) => [request.headers[name] ?? []].flat().join(', ') || undefined,
        });
        return reply.sent ? reply : sendFastify(reply, answer);
      },
    });
  }
  app.setErrorHandler(oidc.errorHandler());
  const ready = app.ready();
  return { oidc, listener: (req, res) => void ready.then(() => route!(req, res)) };
}

/**
 * The test app on Hono, in either form the adapter documents: `middleware` (app.use(oidc.middleware()),
 * the guards as route middleware) or `handler` (app.route('/', oidc.routes()), each route one
 * `oidc.handler(guards, fn)`); oidc-kit's error handler in both.
 */
export function honoApp(options: HonoOpenIDConnectOptions, routes: readonly TestRoute[], form: 'middleware' | 'handler' = 'middleware'): { oidc: HonoOpenIDConnect; listener: Listener } {
  const oidc = new HonoOpenIDConnect(options);
  const app = new Hono<OidcEnv>();
  if (form === 'middleware') app.use(oidc.middleware());
  else app.route('/', oidc.routes());
  for (const test of mounted(routes, oidc.config)) {
    const guards = (test.guards ?? []).map((spec) => guardOf<ReturnType<HonoOpenIDConnect['requireLogin']>>(oidc, spec));
    const handler = async (c: Context<OidcEnv>): Promise<Response> => webAnswer(await test.handle(exchangeOf(c.req.raw, c.var.oidc)));
    if (form === 'middleware') app.on([test.method], [test.path], ...guards, handler);
    else app.on([test.method], [test.path], oidc.handler(guards, handler));
  }
  app.onError(oidc.errorHandler());
  return { oidc, listener: served(app.fetch) };
}

/** The test app on the fetch adapter: `handle()` for oidc-kit's routes, `handler()` for each route of the app. */
export function fetchApp(options: FetchOpenIDConnectOptions, routes: readonly TestRoute[]): { oidc: FetchOpenIDConnect; listener: Listener } {
  const oidc = new FetchOpenIDConnect(options);
  const table = new Map<string, (request: Request) => Response | Promise<Response>>();
  for (const test of mounted(routes, oidc.config)) {
    const guards = (test.guards ?? []).map((spec) => guardOf<ReturnType<FetchOpenIDConnect['requireLogin']>>(oidc, spec));
    table.set(`${test.method} ${test.path}`, oidc.handler(guards, async (request, context) => webAnswer(await test.handle(exchangeOf(request, context)))));
  }
  const serve = async (request: Request): Promise<Response> => {
    const answer = await oidc.handle(request);
    if (answer !== undefined) return answer;
    // HEAD is served as GET, as the frameworks do.
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const handler = table.get(`${method} ${new URL(request.url).pathname}`);
    return handler === undefined ? new Response(null, { status: 404 }) : handler(request);
  };
  return { oidc, listener: served(serve) };
}

/** A fetch handler on Node's HTTP server, as @hono/node-server serves it. */
function served(fetch: (request: Request) => Response | Promise<Response>): Listener {
  const listener = getRequestListener(fetch);
  return (req, res) => void listener(req, res);
}

function exchangeOf(request: Request, oidc: RequestContext) {
  return {
    oidc,
    method: request.method,
    query: new URL(request.url).searchParams,
    header: (name: string) => request.headers.get(name) ?? undefined,
  };
}
