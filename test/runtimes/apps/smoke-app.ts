/**
 * The app every runtime smoke test serves, on the fetch adapter or on Hono: `/` says who is logged
 * in, `/profile` needs a login, `/api` a bearer token for `${baseUrl}/api`, and `/rs-api` the same
 * from an API-only instance made without a secret; oidc-kit's own routes (login, callback, logout)
 * beside them. Its configuration comes from the runtime's environment,
 * read on the first request where the runtime only has it then (Workers' `env`).
 */
import { Hono } from 'hono';
import { OpenIDConnect as FetchOpenIDConnect } from '../../../src/fetch.ts';
import { OpenIDConnect as HonoOpenIDConnect, type OidcEnv } from '../../../src/hono.ts';

/** What the app is started with (environment variables, or a Worker's bindings). */
export interface SmokeEnv {
  readonly BASE_URL: string;
  readonly OIDC_ISSUER: string;
  readonly OIDC_CLIENT_ID: string;
  readonly OIDC_CLIENT_SECRET: string;
  readonly SESSION_SECRET: string;
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
 * const app = smokeApp({ BASE_URL, OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, SESSION_SECRET, FRAMEWORK: 'hono' });
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
  if (env.FRAMEWORK === 'hono') {
    const oidc = new HonoOpenIDConnect(options);
    const app = new Hono<OidcEnv>();
    app.use(oidc.middleware());
    app.get('/', (c) => c.json({ authenticated: c.var.oidc.isAuthenticated, sub: c.var.oidc.user?.sub ?? null }));
    app.get('/profile', oidc.requireLogin(), (c) => c.json({ sub: c.var.oidc.user?.sub ?? null }));
    app.get('/api', oidc.acceptToken(), (c) => c.json({ sub: c.var.oidc.token?.sub ?? null }));

    app.onError(oidc.errorHandler());
    // The API-only instance in an app of its own: a context belongs to the instance that opened it.
    const rs = new HonoOpenIDConnect(apiOnly);
    const api = new Hono<OidcEnv>();
    api.get('/rs-api', rs.acceptToken(), (c) => c.json({ sub: c.var.oidc.token?.sub ?? null }));
    api.onError(rs.errorHandler());
    return async (request) => (new URL(request.url).pathname === '/rs-api' ? api.fetch(request) : app.fetch(request));
  }
  if (env.FRAMEWORK !== 'fetch') throw new Error(`FRAMEWORK must be fetch or hono, not ${env.FRAMEWORK}`);
  const oidc = new FetchOpenIDConnect(options);
  const rs = new FetchOpenIDConnect(apiOnly);
  const routes: Record<string, FetchHandler> = {
    '/': oidc.handler([], (_request, session) => Response.json({ authenticated: session.isAuthenticated, sub: session.user?.sub ?? null })),
    '/profile': oidc.handler([oidc.requireLogin()], (_request, session) => Response.json({ sub: session.user?.sub ?? null })),
    '/api': oidc.handler([oidc.acceptToken()], (_request, session) => Response.json({ sub: session.token?.sub ?? null })),
    '/rs-api': rs.handler([rs.acceptToken()], (_request, context) => Response.json({ sub: context.token?.sub ?? null })),
  };
  return async (request) => {
    const answered = await oidc.handle(request);
    if (answered !== undefined) return answered;
    const route = routes[new URL(request.url).pathname];
    return route === undefined ? new Response('not found', { status: 404 }) : route(request);
  };
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
    OIDC_CLIENT_SECRET: read('OIDC_CLIENT_SECRET'), SESSION_SECRET: read('SESSION_SECRET'), FRAMEWORK: read('FRAMEWORK'),
  };
}
