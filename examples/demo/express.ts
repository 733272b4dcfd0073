/**
 * The demo on Express (`DEMO_FRAMEWORK=express`, the default): site.ts's routes mounted with
 * `oidc-kit/express`. Only the wiring is here; the pages and routes are the same on every framework.
 */
import express from 'express';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { ResponsePlan } from 'oidc-kit';
import { OpenIDConnect } from 'oidc-kit/express';
import { type DemoRequest, DemoSite, type DemoWiring, FORM_LIMIT, demoErrorPage, demoGuards } from './site.ts';

/**
 * The demo as an Express app, around `OpenIDConnect` from oidc-kit/express.
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
    // oidc-kit's errors for browsers (a cancelled login, the provider's error) on the demo's own page.
    onError: (error, req, res) => {
      const plan = demoErrorPage(error, demoRequest(req));
      if (plan !== undefined) send(res, plan);
    },
  });
  const site = new DemoSite(oidc.config, api);
  const guards = demoGuards(oidc);
  const app = express();
  app.disable('x-powered-by');

  // Answers /login, /callback, /logout, /logout/callback and POST /backchannel-logout (when
  // configured), and sets req.oidc for every other request.
  app.use(oidc.middleware());

  // The demo's forms only: a string body, parsed by the route (oidc-kit reads its own routes' bodies).
  const formBody = express.text({ type: 'application/x-www-form-urlencoded', limit: FORM_LIMIT });
  for (const route of site.routes) {
    const handlers: RequestHandler[] = [];
    if (route.guard !== undefined) handlers.push(guards[route.guard]);
    if (route.form === true) handlers.push(formBody);
    // Express 5 passes a rejected promise to the error handlers below.
    handlers.push(async (req, res) => send(res, await route.handle(demoRequest(req))));
    if (route.method === 'GET') app.get(route.path, ...handlers);
    else app.post(route.path, ...handlers);
  }
  app.use((req, res) => send(res, site.notFound(demoRequest(req))));

  // oidc-kit's errors from the routes above: session_expired / unauthenticated send a browser to log
  // in again (JSON clients get 401); the others get the error view. Everything else goes on.
  app.use(oidc.errorHandler());
  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    if (!res.headersSent) send(res, site.serverError(demoRequest(req), error));
  };
  app.use(onError);
  return app;
};

/** The framework-neutral view of an Express request. */
function demoRequest(req: Request): DemoRequest {
  return {
    oidc: (req as Partial<Request>).oidc,
    path: req.path,
    query: new URL(req.originalUrl, 'http://localhost').searchParams,
    header: (name) => req.get(name),
    ...(typeof req.body === 'string' ? { form: new URLSearchParams(req.body) } : {}),
  };
}

/** Writes a plan, unless oidc-kit already answered (`req.oidc.logout()` sends its own answer on Express). */
function send(res: Response, plan: ResponsePlan): void {
  if (!res.headersSent) res.status(plan.status).set(plan.headers).send(plan.body);
}
