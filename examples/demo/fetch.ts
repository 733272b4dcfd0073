/**
 * The demo on Web-standard fetch handlers (`DEMO_FRAMEWORK=fetch`): site.ts's routes as
 * `oidc-kit/fetch` handlers behind a small path router, served by Node's HTTP server through
 * examples/fetch/node-listener.ts. The same `fetch` function would run under Bun.serve, Deno.serve
 * or in a Worker. Only the wiring is here; the pages and routes are the same on every framework.
 */
import type { RequestContext } from 'oidc-kit';
import { OpenIDConnect } from 'oidc-kit/fetch';
import { toNodeListener } from '../fetch/node-listener.ts';
import { type DemoRequest, DemoSite, type DemoWiring, FORM_TOO_LARGE, demoErrorPage, demoGuards, planToResponse, readForm } from './site.ts';

/**
 * The demo as one `fetch(request)` function, around `OpenIDConnect` from oidc-kit/fetch, as a
 * `node:http` listener.
 *
 * @example
 * ```ts
 * const listener = await createDemo({ baseUrl, secret, issuer, clientId, clientSecret }, undefined);
 * createServer(listener).listen(3000);
 * ```
 */
export const createDemo: DemoWiring = (options, api) => {
  // The error view gets the request only; the context a handler saw is kept here for it, so that
  // the error page's header shows who is logged in, as on the other frameworks.
  const contexts = new WeakMap<Request, RequestContext>();
  const oidc = new OpenIDConnect({
    ...options,
    // oidc-kit's errors for browsers (a cancelled login, the provider's error) on the demo's own
    // page; `undefined` keeps oidc-kit's answer (JSON for API clients).
    onError: (error, request) => {
      const plan = demoErrorPage(error, demoRequest(request, contexts.get(request)));
      return plan === undefined ? undefined : planToResponse(plan);
    },
  });
  const site = new DemoSite(oidc.config, api);
  const guards = demoGuards(oidc);

  // Each route is a handler: oidc-kit opens the session, checks the guard, answers a refusal or an
  // OidcError the route throws (session_expired: log in again), and adds the session's cookies.
  const routes = new Map<string, (request: Request) => Response | Promise<Response>>();
  for (const route of site.routes) {
    routes.set(`${route.method} ${route.path}`, oidc.handler(route.guard === undefined ? [] : [guards[route.guard]], async (request, session) => {
      contexts.set(request, session);
      let form: URLSearchParams | undefined;
      if (route.form === true) {
        form = await readForm(request);
        if (form === undefined) return planToResponse(FORM_TOO_LARGE);
      }
      return planToResponse(await route.handle({ ...demoRequest(request, session), ...(form === undefined ? {} : { form }) }));
    }));
  }
  const notFound = oidc.handler([], (request, session) => Promise.resolve(planToResponse(site.notFound(demoRequest(request, session)))));

  const fetch = async (request: Request): Promise<Response> => {
    try {
      // /login, /callback, /logout, /logout/callback and POST /backchannel-logout; else undefined.
      const answered = await oidc.handle(request);
      if (answered !== undefined) return answered;
      const { pathname } = new URL(request.url);
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      return await (routes.get(`${method} ${pathname}`) ?? notFound)(request);
    } catch (error) {
      // Not an OidcError (those the handlers answered): the demo's own 500.
      return planToResponse(site.serverError(demoRequest(request, contexts.get(request)), error));
    }
  };
  return toNodeListener(fetch);
};

/** The framework-neutral view of a Web request. */
function demoRequest(request: Request, oidc: RequestContext | undefined): DemoRequest {
  return { oidc, path: new URL(request.url).pathname, query: new URL(request.url).searchParams, header: (name) => request.headers.get(name) ?? undefined };
}
