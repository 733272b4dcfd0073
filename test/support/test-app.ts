/**
 * The test app on every adapter of the contract suite: Express 5, Express 4, Fastify, Hono, the
 * fetch adapter and the example `node:http` adapter (examples/node-http). Each maps the same route
 * data (test-routes.ts) onto its framework; the assertions stay the same for all.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5, { type RequestHandler } from 'express';
import express4 from 'express4';
import { guarded, listener, type NodeHandler } from '../../examples/node-http/adapter.ts';
import { OpenIDConnect, type ExpressOpenIDConnectOptions } from '../../src/express.ts';
import { OidcCore, type Guard, type OpenIDConnectOptions } from '../../src/index.ts';
import { fastifyApp, fetchApp, guardOf, honoApp, mounted } from './framework-apps.ts';
import { sendExpress, sendNode } from './test-answers.ts';
import { errorViewOption, type TestErrorView } from './test-hooks.ts';
import { STANDARD_ROUTES, type TestRoute } from './test-routes.ts';

/** The adapters the contract suite runs on. */
export type AdapterName = 'express5' | 'express4' | 'fastify' | 'hono' | 'hono-handler' | 'fetch' | 'node-http';
/** `hono-handler`: the Hono adapter's one-handler form (`oidc.routes()`, `oidc.handler(guards, fn)`). */
export const ADAPTERS: readonly AdapterName[] = ['express5', 'express4', 'fastify', 'hono', 'hono-handler', 'fetch', 'node-http'];
/** The adapters the package ships (every adapter but the node:http example, which has no callback API). */
export const PACKAGE_ADAPTERS: readonly AdapterName[] = ['express5', 'express4', 'fastify', 'hono', 'hono-handler', 'fetch'];
export type ExpressFlavor = 'express5' | 'express4';
export const EXPRESS_FLAVORS: readonly ExpressFlavor[] = ['express5', 'express4'];

/**
 * Whether an adapter is one of the Express ones (for the tests of Express's own API).
 *
 * @example
 * ```ts
 * if (isExpress(adapter)) expressOidc(bed.oidc).onCallback(handler);
 * ```
 */
export function isExpress(adapter: AdapterName): adapter is ExpressFlavor {
  return (EXPRESS_FLAVORS as readonly AdapterName[]).includes(adapter);
}

/** The Express app of a testbed (Express 4 or 5; their route APIs are the same here). */
export type TestApp = ReturnType<typeof express5>;
/** Routes an Express-only test adds in Express's own terms, before the standard ones. */
export type ExpressRoutes = (app: TestApp, oidc: OpenIDConnect) => void;

/** oidc-kit as a test bed holds it: an adapter's object, or the core for the node:http adapter. */
export type TestOidc = OpenIDConnect | ReturnType<typeof fastifyApp>['oidc'] | ReturnType<typeof honoApp>['oidc'] | ReturnType<typeof fetchApp>['oidc'] | OidcCore<IncomingMessage>;

/** A built test app: its oidc-kit object and the request listener to serve. */
export interface BuiltApp {
  readonly oidc: TestOidc;
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
}

/** What a test app is built with besides oidc-kit's options. */
export interface TestAppExtra {
  /** The test's own routes, as data (every adapter); a path declared here wins over a standard route's. */
  routes?: readonly TestRoute[];
  /** Routes in Express's own terms (Express adapters only). */
  expressRoutes?: ExpressRoutes | undefined;
  /** Whether the standard routes (test-routes.ts) follow; default true. An API-only app cannot have them (they need logins). */
  standardRoutes?: boolean;
  /** The error view, as data: set as each adapter's own `onError`. */
  errorView?: TestErrorView | undefined;
}

/**
 * Builds the test app on an adapter: oidc-kit with `options`, the test's routes (data, for every
 * adapter; or Express's own, for Express only), then the standard routes.
 *
 * @example
 * ```ts
 * const { oidc, listener } = buildTestApp('node-http', options, { routes: [get('/bye', [], () => ({ text: 'bye' }))] });
 * server.on('request', listener);
 * ```
 */
export function buildTestApp(adapter: AdapterName, options: ExpressOpenIDConnectOptions, extra: TestAppExtra = {}): BuiltApp {
  const routes = [...(extra.routes ?? []), ...(extra.standardRoutes === false ? [] : STANDARD_ROUTES)];
  const view = extra.errorView === undefined ? {} : errorViewOption(adapter, extra.errorView);
  if (adapter === 'express5' || adapter === 'express4') return expressApp(adapter, { ...options, ...view }, routes, extra.expressRoutes);
  if (extra.expressRoutes !== undefined) throw new TypeError('Express routes need an Express adapter; declare them as TestRoute data instead.');
  const { onError, ...coreOptions } = options;
  if (onError !== undefined) throw new TypeError('an Express error view needs an Express adapter; use errorView');
  if (adapter === 'fastify') return fastifyApp({ ...coreOptions, ...view }, routes);
  if (adapter === 'hono' || adapter === 'hono-handler') return honoApp({ ...coreOptions, ...view }, routes, adapter === 'hono' ? 'middleware' : 'handler');
  if (adapter === 'fetch') return fetchApp({ ...coreOptions, ...view }, routes);
  return nodeApp({ ...coreOptions, ...view }, routes);
}

/** A test app served on its own, without a provider of the testbed's (serveTestApp). */
export interface ServedApp {
  readonly url: string;
  readonly oidc: TestOidc;
  close(): Promise<void>;
}

/**
 * Serves the test app on an adapter on 127.0.0.1, for tests that bring their own provider (or none,
 * as test mode or a provider that is down); `options` sees the app's URL.
 *
 * @example
 * ```ts
 * const app = await serveTestApp('node-http', (url) => ({ baseUrl: url, secret, testMode: true }));
 * await fetch(`${app.url}/login`);
 * await app.close();
 * ```
 */
export async function serveTestApp(adapter: AdapterName, options: (url: string) => ExpressOpenIDConnectOptions, extra: TestAppExtra = {}): Promise<ServedApp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    const app = buildTestApp(adapter, options(url), extra);
    server.on('request', app.listener);
    return { url, oidc: app.oidc, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The oidc-kit object of a bed that runs on Express (for the tests that use Express's own API).
 *
 * @example
 * ```ts
 * expressOidc(bed.oidc).onCallback(handler);
 * ```
 */
export function expressOidc(oidc: TestOidc): OpenIDConnect {
  if (!(oidc instanceof OpenIDConnect)) throw new TypeError('this test needs an Express test bed');
  return oidc;
}

function expressApp(flavor: ExpressFlavor, options: ExpressOpenIDConnectOptions, routes: readonly TestRoute[], expressRoutes: ExpressRoutes | undefined): BuiltApp {
  const oidc = new OpenIDConnect(options);
  const app = (flavor === 'express4' ? express4 : express5)();
  app.use(oidc.middleware());
  expressRoutes?.(app, oidc);
  for (const route of routes.filter((r) => r.when?.(oidc.config) ?? true)) {
    const guards = (route.guards ?? []).map((spec) => guardOf<RequestHandler>(oidc, spec));
    const handler: RequestHandler = (req, res, next) => {
      Promise.resolve()
        .then(() => route.handle({
          oidc: req.oidc,
          method: req.method,
          query: new URL(req.originalUrl, 'http://test.invalid').searchParams,
          header: (name) => [req.headers[name] ?? []].flat().join(', ') || undefined,
        }))
        .then((answer) => sendExpress(res, answer), next);
    };
    if (route.method === 'GET') app.get(route.path, ...guards, handler);
    else app.post(route.path, ...guards, handler);
  }
  app.use(oidc.errorHandler());
  return { oidc, listener: app };
}

function nodeApp(coreOptions: OpenIDConnectOptions, routes: readonly TestRoute[]): BuiltApp {
  const core = new OidcCore<IncomingMessage>(coreOptions);
  const table = new Map<string, NodeHandler>();
  for (const route of mounted(routes, core.config)) {
    table.set(`${route.method} ${route.path}`, guarded((route.guards ?? []).map((spec) => guardOf<Guard>(core, spec)), async (req, res, oidc) => {
      const answer = await route.handle({
        oidc,
        method: req.method ?? 'GET',
        query: new URL(req.url ?? '/', 'http://test.invalid').searchParams,
        header: (name) => [req.headers[name] ?? []].flat().join(', ') || undefined,
      });
      sendNode(res, answer);
    }));
  }
  return {
    oidc: core,
    listener: (req, res) => void listener(core, (request, response, oidc) => {
      // HEAD is served as GET, as Express does.
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      const route = table.get(`${method} ${(request.url ?? '/').split('?')[0]}`);
      return route === undefined ? response.writeHead(404).end() : route(request, response, oidc);
    })(req, res),
  };
}
