/**
 * The app every runtime smoke test serves, on the fetch adapter or on Hono: `/` says who is logged
 * in, `/profile` needs a login, `/refresh` refreshes the session's tokens in the application's own
 * handler (so the new session cookie rides on the application's response), `/api` needs a bearer
 * token for `${baseUrl}/api`, `/rs-api` the same from an API-only instance made without a secret,
 * and `/down-api` a token of a second provider that the test takes down at will; oidc-kit's own
 * routes (login, callback, logout) beside them. Its configuration comes from the runtime's
 * environment (Bun, Deno) or a Worker's `env`.
 */
import { Hono } from 'hono';
import type { RequestContext } from '../../../src/index.ts';
import { OpenIDConnect as FetchOpenIDConnect } from '../../../src/fetch.ts';
import { OpenIDConnect as HonoOpenIDConnect, type OidcEnv } from '../../../src/hono.ts';

/** What the app is started with (environment variables, or a Worker's bindings). */
export interface SmokeEnv {
  readonly BASE_URL: string;
  readonly OIDC_ISSUER: string;
  readonly OIDC_CLIENT_ID: string;
  readonly OIDC_CLIENT_SECRET: string;
  readonly SESSION_SECRET: string;
  /** The issuer of a second provider whose faults the test sets (`/down-api` accepts its tokens). */
  readonly DOWN_ISSUER: string;
  /** `fetch` or `hono`. */
  readonly FRAMEWORK: string;
}

/** A fetch handler: what Bun.serve, Deno.serve and a Worker call. */
export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * The smoke app on the chosen adapter.
 *
 * @example
 * ```ts
 * const app = smokeApp({ BASE_URL, OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, SESSION_SECRET, DOWN_ISSUER, FRAMEWORK: 'hono' });
 * ```
 */
export function smokeApp(env: SmokeEnv): FetchHandler {
  const options = {
    baseUrl: env.BASE_URL,
    secret: env.SESSION_SECRET,
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET,
    scope: 'openid email profile',
    resourceServer: { audience: `${env.BASE_URL}/api` },
  };
  const apiOnly = { resourceServerOnly: true, issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET, resourceServer: options.resourceServer };
  const downOnly = { resourceServerOnly: true, issuer: env.DOWN_ISSUER, clientId: 'down-client', resourceServer: { audience: `${env.BASE_URL}/down-api` } };
  if (env.FRAMEWORK === 'hono') {
    const oidc = new HonoOpenIDConnect(options);
    const app = new Hono<OidcEnv>();
    app.use(oidc.middleware());
    app.get('/', (c) => c.json({ authenticated: c.var.oidc.isAuthenticated, sub: c.var.oidc.user?.sub ?? null }));
    app.get('/profile', oidc.requireLogin(), (c) => c.json({ sub: c.var.oidc.user?.sub ?? null }));
    app.post('/refresh', oidc.requireLogin(), async (c) => c.json(await refreshed(c.var.oidc)));
    app.get('/api', oidc.acceptToken(), (c) => c.json({ sub: c.var.oidc.token?.sub ?? null }));

    app.onError(oidc.errorHandler());
    // The API-only instances in apps of their own: a context belongs to the instance that opened it.
    const apis = new Map([['/rs-api', honoApi('/rs-api', apiOnly)], ['/down-api', honoApi('/down-api', downOnly)]]);
    return async (request) => (apis.get(new URL(request.url).pathname) ?? app).fetch(request);
  }
  if (env.FRAMEWORK !== 'fetch') throw new Error(`FRAMEWORK must be fetch or hono, not ${env.FRAMEWORK}`);
  const oidc = new FetchOpenIDConnect(options);
  const rs = new FetchOpenIDConnect(apiOnly);
  const down = new FetchOpenIDConnect(downOnly);
  const routes: Record<string, FetchHandler> = {
    '/': oidc.handler([], (_request, session) => Response.json({ authenticated: session.isAuthenticated, sub: session.user?.sub ?? null })),
    '/profile': oidc.handler([oidc.requireLogin()], (_request, session) => Response.json({ sub: session.user?.sub ?? null })),
    '/refresh': oidc.handler([oidc.requireLogin()], async (_request, session) => Response.json(await refreshed(session))),
    '/api': oidc.handler([oidc.acceptToken()], (_request, session) => Response.json({ sub: session.token?.sub ?? null })),
    '/rs-api': rs.handler([rs.acceptToken()], (_request, context) => Response.json({ sub: context.token?.sub ?? null })),
    '/down-api': down.handler([down.acceptToken()], (_request, context) => Response.json({ sub: context.token?.sub ?? null })),
  };
  return async (request) => {
    const answered = await oidc.handle(request);
    if (answered !== undefined) return answered;
    const route = routes[new URL(request.url).pathname];
    return route === undefined ? new Response('not found', { status: 404 }) : route(request);
  };
}

/** An API-only instance on Hono: `path` takes a bearer token and answers its subject. */
function honoApi(path: string, options: ConstructorParameters<typeof HonoOpenIDConnect>[0]): Hono<OidcEnv> {
  const rs = new HonoOpenIDConnect(options);
  const api = new Hono<OidcEnv>();
  api.get(path, rs.acceptToken(), (c) => c.json({ sub: c.var.oidc.token?.sub ?? null }));
  api.onError(rs.errorHandler());
  return api;
}

/** What a session's forced refresh changed: the provider's new access token must differ from the old one. */
async function refreshed(session: RequestContext): Promise<{ sub: string | null; changed: boolean }> {
  const before = await session.accessToken();
  const after = await session.accessToken({ forceRefresh: true });
  return { sub: session.user?.sub ?? null, changed: after !== undefined && after !== before };
}

/**
 * The environment from a `get(name)` function (Bun's and Deno's environment variables).
 *
 * @example
 * ```ts
 * const env = smokeEnv((name) => process.env[name]);
 * ```
 */
export function smokeEnv(get: (name: string) => string | undefined): SmokeEnv {
  const read = (name: keyof SmokeEnv): string => {
    const value = get(name);
    if (value === undefined) throw new Error(`the smoke app needs ${name}`);
    return value;
  };
  return {
    BASE_URL: read('BASE_URL'), OIDC_ISSUER: read('OIDC_ISSUER'), OIDC_CLIENT_ID: read('OIDC_CLIENT_ID'),
    OIDC_CLIENT_SECRET: read('OIDC_CLIENT_SECRET'), SESSION_SECRET: read('SESSION_SECRET'), DOWN_ISSUER: read('DOWN_ISSUER'), FRAMEWORK: read('FRAMEWORK'),
  };
}
