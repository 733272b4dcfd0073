/**
 * The test app's routes, declared once as data and mounted by every adapter of the contract suite
 * (test-app.ts maps them): a method and path, the guards in front (by name and arguments, as every
 * adapter's oidc object and the core spell them), and a handler that sees only the request's
 * context and query and returns its answer.
 */
import type { OidcCore, RequestContext, ResponsePlan } from '../../src/index.ts';

/** The guards a route can declare; the names of the methods on every adapter's object and on the core. */
export type GuardName = 'requireLogin' | 'acceptToken' | 'accessControl' | 'requireScopes' | 'requireClaims' | 'requireRole' | 'requireKeycloakRole';

/** A guard and the arguments it is declared with, e.g. `['requireLogin', { unauthenticated: 'status' }]`. */
export type GuardSpec = { [K in GuardName]: readonly [K, ...Parameters<OidcCore[K]>] }[GuardName];

/** What a route's handler gets: the request's context (`req.oidc`), its method, query and headers. */
export interface TestExchange {
  readonly oidc: RequestContext;
  readonly method: string;
  readonly query: URLSearchParams;
  /** A request header by lower-case name (repeated headers joined with `, `). */
  header(name: string): string | undefined;
}

/** What a route's handler answers: JSON, text, or a plan (what `oidc.login()` / `oidc.logout()` resolve to). */
export type TestAnswer =
  | ResponsePlan
  | { readonly json: unknown; readonly status?: number; readonly headers?: Readonly<Record<string, string>> }
  | { readonly text: string; readonly status?: number; readonly headers?: Readonly<Record<string, string>> };

/** One route of the test app. */
export interface TestRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly guards?: readonly GuardSpec[];
  /** Its answer; a thrown error goes to the adapter's error handling (oidc-kit's recovery, else 500). */
  readonly handle: (x: TestExchange) => TestAnswer | Promise<TestAnswer>;
  /** Mounted only when this holds for the app's configuration, e.g. a guard naming a provider that a reconfigured app may not have. */
  readonly when?: (config: OidcCore['config']) => boolean;
}

/**
 * A GET route, in short.
 *
 * @example
 * ```ts
 * get('/bye', [], () => ({ text: 'bye' }));
 * ```
 */
export function get(path: string, guards: readonly GuardSpec[], handle: TestRoute['handle']): TestRoute {
  return { method: 'GET', path, guards, handle };
}

/**
 * A POST route, in short.
 *
 * @example
 * ```ts
 * post('/form', [['accessControl', { unauthenticated: 'status' }]], ({ oidc }) => ({ json: { by: oidc.authenticatedBy } }));
 * ```
 */
export function post(path: string, guards: readonly GuardSpec[], handle: TestRoute['handle']): TestRoute {
  return { method: 'POST', path, guards, handle };
}

/**
 * The routes every test bed serves after the test's own: /, /profile, /tokens, /live, /api/strict,
 * /always-redirect, /custom-login, /bad-login, /custom-logout, /api/token.
 */
export const STANDARD_ROUTES: readonly TestRoute[] = [
  get('/', [], ({ oidc }) => ({ json: { authenticated: oidc.isAuthenticated, sub: oidc.user?.sub ?? null } })),
  get('/profile', [['requireLogin']], async ({ oidc }) => ({ json: { sub: oidc.user?.sub, claims: oidc.user, email: await oidc.getField('email') } })),
  get('/tokens', [['requireLogin']], async ({ oidc }) => ({
    json: {
      idToken: oidc.idToken,
      accessToken: await oidc.accessToken(),
      refreshToken: oidc.refreshToken ?? null,
      accessTokenExpiresAt: oidc.accessTokenExpiresAt?.toISOString() ?? null,
      sessionExpiresAt: oidc.sessionExpiresAt?.toISOString() ?? null,
      scope: oidc.scope ?? null,
      provider: oidc.provider ?? null,
    },
  })),
  get('/live', [['requireLogin']], async ({ oidc }) => ({ json: await oidc.getInfo(['email', 'name', 'missing_claim'], { live: true }) })),
  get('/api/strict', [['requireLogin', { unauthenticated: 'status' }]], ({ oidc }) => ({ json: { sub: oidc.user?.sub } })),
  get('/always-redirect', [['requireLogin', { unauthenticated: 'redirect' }]], () => ({ text: 'ok' })),
  get('/custom-login', [], ({ oidc }) => oidc.login({ returnTo: '/profile', authorizationParams: { login_hint: 'hinted-user' } })),
  get('/bad-login', [], async ({ oidc }) => {
    try {
      return await oidc.login({ authorizationParams: { state: 'chosen-by-the-app' } });
    } catch (error) {
      return { status: 500, json: { name: (error as Error).name, message: (error as Error).message } };
    }
  }),
  get('/custom-logout', [], ({ oidc }) => oidc.logout({ returnTo: '/bye' })),
  // A route that needs a valid access token: refreshes it when due, 401/redirect when it cannot.
  get('/api/token', [['requireLogin']], async ({ oidc, query }) => ({
    json: { accessToken: await oidc.accessToken({ forceRefresh: query.get('force') === '1' }), refreshToken: oidc.refreshToken ?? null },
  })),
];
