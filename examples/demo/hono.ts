/**
 * The demo on Hono (`DEMO_FRAMEWORK=hono`), served by @hono/node-server: site.ts's routes mounted
 * with `oidc-kit/hono`. Only the wiring is here; the pages and routes are the same on every framework.
 */
import { getRequestListener } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { OpenIDConnect, type OidcEnv } from 'oidc-kit/hono';
import { type DemoRequest, DemoSite, type DemoWiring, FORM_TOO_LARGE, demoErrorPage, demoGuards, planToResponse, readForm } from './site.ts';

/**
 * The demo as a Hono app, around `OpenIDConnect` from oidc-kit/hono, as a `node:http` listener.
 *
 * @example
 * ```ts
 * const listener = await createDemo({ baseUrl, secret, issuer, clientId, clientSecret }, undefined);
 * createServer(listener).listen(3000);
 * ```
 */
export const createDemo: DemoWiring = (options, api) => {
  const oidc = new OpenIDConnect({
    ...options,
    // oidc-kit's errors for browsers (a cancelled login, the provider's error) on the demo's own
    // page; `undefined` keeps oidc-kit's answer (JSON for API clients).
    onError: (error, c) => {
      const plan = demoErrorPage(error, demoRequest(c));
      return plan === undefined ? undefined : planToResponse(plan);
    },
  });
  const site = new DemoSite(oidc.config, api);
  const guards = demoGuards(oidc);
  const app = new Hono<OidcEnv>();

  // Answers /login, /callback, /logout, /logout/callback and POST /backchannel-logout (when
  // configured), and sets c.var.oidc for every other request; the session's cookies are added to
  // the response after the route ran.
  app.use(oidc.middleware());

  for (const route of site.routes) {
    const handler = async (c: Context<OidcEnv>): Promise<Response> => {
      let form: URLSearchParams | undefined;
      if (route.form === true) {
        form = await readForm(c.req.raw);
        if (form === undefined) return planToResponse(FORM_TOO_LARGE);
      }
      return planToResponse(await route.handle({ ...demoRequest(c), ...(form === undefined ? {} : { form }) }));
    };
    if (route.guard === undefined) app.on(route.method, route.path, handler);
    else app.on(route.method, route.path, guards[route.guard], handler);
  }
  app.notFound((c) => planToResponse(site.notFound(demoRequest(c))));

  // oidc-kit's errors from the routes above: session_expired / unauthenticated send a browser to log
  // in again (JSON clients get 401); the others get the error view. Everything else: the fallback.
  app.onError(oidc.errorHandler((error, c) => planToResponse(site.serverError(demoRequest(c), error))));

  const listener = getRequestListener(app.fetch);
  return (req, res) => void listener(req, res);
};

/** The framework-neutral view of a Hono request. */
function demoRequest(c: Context): DemoRequest {
  // Any Context: the error view's is not typed with OidcEnv. Unset before the middleware ran.
  return { oidc: c.get('oidc') as DemoRequest['oidc'], path: c.req.path, query: new URL(c.req.url).searchParams, header: (name) => c.req.header(name) };
}
