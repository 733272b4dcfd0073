/**
 * The app every runtime smoke test serves, on the fetch adapter or on Hono. Two login sites, each an
 * oidc-kit instance with its own routes: at the root with the session in its cookie, and under
 * `/store` with the session in a {@link MemoryStore} behind a sealed id. On each, `/` says who is
 * logged in, `/profile` needs a login, and `/refresh` refreshes the session's tokens in the
 * application's own handler (so the new session rides on the application's response). Beside them,
 * `/api` needs a bearer token for `${baseUrl}/api`, `/rs-api` the same from an API-only instance made
 * without a secret, and `/down-api` a token of a second provider that the test takes down at will.
 * Its configuration comes from the runtime's environment (Bun, Deno) or a Worker's `env`.
 */
import { Hono } from 'hono';
import { MemoryStore, type OpenIDConnectOptions, type RequestContext } from '../../../src/index.ts';
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
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** The path prefixes of the login sites: '' (cookie sessions) and '/store' (store sessions). */
export const SITE_PREFIXES = ['', '/store'] as const;

/** The core's options, which every adapter takes (without an adapter's own `onError` view). */
type Options = Omit<OpenIDConnectOptions, 'onError'>;

/**
 * The smoke app on the chosen adapter.
 *
 * @example
 * ```ts
 * const app = smokeApp({ BASE_URL, OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, SESSION_SECRET, DOWN_ISSUER, FRAMEWORK: 'hono' });
 * ```
 */
export function smokeApp(env: SmokeEnv): FetchHandler {
  const resourceServer = { audience: `${env.BASE_URL}/api` };
  const site = (prefix: string): Options => ({
    baseUrl: env.BASE_URL,
    secret: env.SESSION_SECRET,
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET,
    scope: 'openid email profile',
    resourceServer,
    ...(prefix === '' ? {} : {
      session: { cookieName: 'oidc_store_session', store: new MemoryStore() },
      routes: { login: `${prefix}/login`, callback: `${prefix}/callback`, logout: `${prefix}/logout`, postLogout: `${prefix}/logout/callback` },
      postLogoutRedirect: `${prefix}/`,
    }),
  });
  const apiOnly = { resourceServerOnly: true, issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET, resourceServer };
  const downOnly = { resourceServerOnly: true, issuer: env.DOWN_ISSUER, clientId: 'down-client', resourceServer: { audience: `${env.BASE_URL}/down-api` } };
  if (env.FRAMEWORK === 'hono') {
    // Each instance in an app of its own: a context belongs to the instance that opened it.
    const apps = new Map([
      ['/rs-api', honoApi('/rs-api', apiOnly)],
      ['/down-api', honoApi('/down-api', downOnly)],
      ['/store', honoSite('/store', site('/store'))],
    ]);
    const root = honoSite('', site(''));
    return async (request) => {
      const path = new URL(request.url).pathname;
      return (apps.get(path) ?? apps.get(path.slice(0, path.indexOf('/', 1))) ?? root).fetch(request);
    };
  }
  if (env.FRAMEWORK !== 'fetch') throw new Error(`FRAMEWORK must be fetch or hono, not ${env.FRAMEWORK}`);
  const sites = SITE_PREFIXES.map((prefix) => fetchSite(prefix, site(prefix)));
  const rs = new FetchOpenIDConnect(apiOnly);
  const down = new FetchOpenIDConnect(downOnly);
  const routes: Record<string, FetchHandler> = Object.assign({}, ...sites.map((s) => s.routes), {
    '/rs-api': rs.handler([rs.acceptToken()], (_request, context) => Response.json({ sub: context.token?.sub ?? null })),
    '/down-api': down.handler([down.acceptToken()], (_request, context) => Response.json({ sub: context.token?.sub ?? null })),
  }) as Record<string, FetchHandler>;
  return async (request) => {
    for (const { oidc } of sites) {
      const answered = await oidc.handle(request);
      if (answered !== undefined) return answered;
    }
    const route = routes[new URL(request.url).pathname];
    return route === undefined ? new Response('not found', { status: 404 }) : route(request);
  };
}

/**
 * A login site on Hono: `/`, `/profile`, `/refresh` (and `/api` at the root) under `prefix`. The
 * root site has the instance's middleware and guards as middleware; the store site (`/store`) the
 * one-handler form, `app.route('/', oidc.routes())` and `oidc.handler(guards, fn)`.
 */
function honoSite(prefix: string, options: Options): Hono<OidcEnv> {
  const oidc = new HonoOpenIDConnect(options);
  const app = new Hono<OidcEnv>();
  if (prefix !== '') {
    app.route('/', oidc.routes());
    app.get(`${prefix}/`, oidc.handler([], (c) => c.json({ authenticated: c.var.oidc.isAuthenticated, sub: c.var.oidc.user?.sub ?? null })));
    app.get(`${prefix}/profile`, oidc.handler([oidc.requireLogin()], (c) => c.json({ sub: c.var.oidc.user?.sub ?? null })));
    app.post(`${prefix}/refresh`, oidc.handler([oidc.requireLogin()], async (c) => c.json(await refreshed(c.var.oidc))));
    app.onError(oidc.errorHandler());
    return app;
  }
  app.use(oidc.middleware());
  app.get(`${prefix}/`, (c) => c.json({ authenticated: c.var.oidc.isAuthenticated, sub: c.var.oidc.user?.sub ?? null }));
  app.get(`${prefix}/profile`, oidc.requireLogin(), (c) => c.json({ sub: c.var.oidc.user?.sub ?? null }));
  app.post(`${prefix}/refresh`, oidc.requireLogin(), async (c) => c.json(await refreshed(c.var.oidc)));
  if (prefix === '') app.get('/api', oidc.acceptToken(), (c) => c.json({ sub: c.var.oidc.token?.sub ?? null }));
  app.onError(oidc.errorHandler());
  return app;
}

/** A login site on the fetch adapter: the instance, and its handlers by path. */
function fetchSite(prefix: string, options: Options): { oidc: FetchOpenIDConnect; routes: Record<string, FetchHandler> } {
  const oidc = new FetchOpenIDConnect(options);
  const routes: Record<string, FetchHandler> = {
    [`${prefix}/`]: oidc.handler([], (_request, session) => Response.json({ authenticated: session.isAuthenticated, sub: session.user?.sub ?? null })),
    [`${prefix}/profile`]: oidc.handler([oidc.requireLogin()], (_request, session) => Response.json({ sub: session.user?.sub ?? null })),
    [`${prefix}/refresh`]: oidc.handler([oidc.requireLogin()], async (_request, session) => Response.json(await refreshed(session))),
  };
  if (prefix === '') routes['/api'] = oidc.handler([oidc.acceptToken()], (_request, session) => Response.json({ sub: session.token?.sub ?? null }));
  return { oidc, routes };
}

/** An API-only instance on Hono: `path` takes a bearer token and answers its subject. */
function honoApi(path: string, options: Options): Hono<OidcEnv> {
  const rs = new HonoOpenIDConnect(options);
  const api = new Hono<OidcEnv>();
  api.get(path, rs.acceptToken(), (c) => c.json({ sub: c.var.oidc.token?.sub ?? null }));
  api.onError(rs.errorHandler());
  return api;
}

/**
 * A forced refresh of the session's tokens: the ends of the access token before and after (enough to
 * tell them apart, and for the next refresh to show that this one's token was kept).
 */
async function refreshed(session: RequestContext): Promise<{ sub: string | null; was: string | null; now: string | null }> {
  const before = await session.accessToken();
  const after = await session.accessToken({ forceRefresh: true });
  return { sub: session.user?.sub ?? null, was: before?.slice(-12) ?? null, now: after?.slice(-12) ?? null };
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
