/**
 * The library's own routes as data (path, methods, whether they read a form body), and the one
 * place that answers them: frameworks with routers mount each entry as a real route; the others
 * look a request's path up in the table.
 */
import type { ResolvedConfig } from '../config/resolved-config.ts';
import type { ResponsePlan } from '../http.ts';
import type { ContextState } from '../request-context.ts';
import { backchannelLogoutRoute } from './backchannel-route.ts';
import { protectedResourceMetadata } from './protected-resource-route.ts';
import type { CoreServices } from './core-services.ts';
import { failure } from './error-answers.ts';
import { beginLogin, finishLogin } from './login-flow.ts';
import { logoutRoute, postLogoutRoute, queryOf } from './logout-flow.ts';

/**
 * The names of oidc-kit's own routes (their paths are options: `routes.login`, …).
 *
 * @example
 * ```ts
 * const name: OidcRouteName = 'postLogout';
 * core.routes.find((route) => route.name === name)?.path; // '/logout/callback'
 * ```
 */
export type OidcRouteName = 'login' | 'callback' | 'logout' | 'postLogout' | 'backchannelLogout' | 'protectedResourceMetadata';

/**
 * One of oidc-kit's own routes.
 *
 * @example
 * ```ts
 * for (const route of oidc.routes) router.on(route.methods, route.path, handler);
 * ```
 */
export interface OidcRoute {
  /** Which route it is; its path is the option of that name (`routes.login`, …). */
  readonly name: OidcRouteName;
  /** The path, as configured (e.g. `/callback`). */
  readonly path: string;
  /** The methods it serves; any other gets 405 with `Allow` (back-channel logout: 400, as its spec asks). */
  readonly methods: readonly string[];
  /** Whether it reads an `application/x-www-form-urlencoded` body (form_post callback, back-channel logout). */
  readonly formBody: boolean;
}

const READ = ['GET', 'HEAD'] as const;

/**
 * The routes the configuration mounts, in a fixed order: RFC 9728 metadata when
 * `resourceServer.metadata` is on (in API-only mode, the only one); the login, logout and
 * back-channel logout routes only when their paths are set.
 *
 * @example
 * ```ts
 * buildRouteTable(config).map((route) => route.path); // ['/login', '/callback', '/logout', '/logout/callback', …]
 * ```
 */
export function buildRouteTable(config: ResolvedConfig): readonly OidcRoute[] {
  const table: OidcRoute[] = [];
  // RFC 9728 metadata is the API's, so it is served in API-only mode too.
  const metadata = config.resourceServer.metadata;
  if (metadata !== undefined) table.push({ name: 'protectedResourceMetadata', path: metadata.path, methods: READ, formBody: false });
  if (config.resourceServerOnly) return freeze(table);
  const { routes } = config;
  if (routes.login !== undefined) table.push({ name: 'login', path: routes.login, methods: READ, formBody: false });
  // POST: the form_post response mode.
  table.push({ name: 'callback', path: routes.callback, methods: [...READ, 'POST'], formBody: true });
  if (routes.logout !== undefined) table.push({ name: 'logout', path: routes.logout, methods: [...READ, 'POST'], formBody: false });
  table.push({ name: 'postLogout', path: routes.postLogout, methods: READ, formBody: false });
  if (routes.backchannelLogout !== undefined) table.push({ name: 'backchannelLogout', path: routes.backchannelLogout, methods: ['POST'], formBody: true });
  return freeze(table);
}

function freeze(table: readonly OidcRoute[]): readonly OidcRoute[] {
  return Object.freeze(table.map((route) => Object.freeze({ ...route, methods: Object.freeze([...route.methods]) })));
}

/**
 * The answer of one of the library's routes for a request: a 405 for a method it does not serve,
 * otherwise what the route decides, with errors turned into their status and page.
 *
 * @example
 * ```ts
 * const plan = await answerRoute(services, route, state);
 * ```
 */
export async function answerRoute(services: CoreServices, route: OidcRoute, state: ContextState): Promise<ResponsePlan> {
  const method = state.request.method;
  // Back-channel logout answers every refusal itself: its spec asks for 400 (BCL-12).
  if (!route.methods.includes(method) && route.name !== 'backchannelLogout') {
    return { status: 405, headers: { allow: route.methods.join(', '), 'cache-control': 'no-store' } };
  }
  try {
    switch (route.name) {
      case 'callback':
        return noReferrer(await finishLogin(services, state));
      case 'login': {
        const query = queryOf(services, state.request);
        const provider = query.get('provider') ?? undefined;
        return await beginLogin(services, state, { returnTo: query.get('returnTo') ?? undefined, silent: false, ...(provider === undefined ? {} : { provider }) });
      }
      case 'logout':
        return await logoutRoute(services, state);
      case 'postLogout':
        return postLogoutRoute(services, state);
      case 'backchannelLogout':
        return await backchannelLogoutRoute(services, state);
      case 'protectedResourceMetadata':
        return protectedResourceMetadata(services);
    }
  } catch (error) {
    if (route.name === 'callback') return noReferrer(await failure(services, error, state, 'login failed'));
    return failure(services, error, state, 'request failed');
  }
}

/** The callback's answers never leak its URL (code, state) in a Referer (RFC 9700 §4.2.4, BCP-17). */
function noReferrer(plan: ResponsePlan): ResponsePlan {
  return { ...plan, headers: { ...plan.headers, 'referrer-policy': 'no-referrer' } };
}
