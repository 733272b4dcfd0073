/**
 * The demo on Fastify (`DEMO_FRAMEWORK=fastify`): site.ts's routes registered with
 * `oidc-kit/fastify`. Only the wiring is here; the pages and routes are the same on every framework.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { ResponsePlan } from 'oidc-kit';
import { OpenIDConnect } from 'oidc-kit/fastify';
import { type DemoRequest, DemoSite, type DemoWiring, FORM_LIMIT, demoErrorPage, demoGuards } from './site.ts';

/**
 * The demo as a Fastify app, around `OpenIDConnect` from oidc-kit/fastify, as a `node:http` listener.
 *
 * @example
 * ```ts
 * const listener = await createDemo({ baseUrl, secret, issuer, clientId, clientSecret }, undefined);
 * createServer(listener).listen(3000);
 * ```
 */
export const createDemo: DemoWiring = async (options, api) => {
  const oidc = new OpenIDConnect({
    ...options,
    // oidc-kit's errors for browsers (a cancelled login, the provider's error) on the demo's own page.
    onError: async (error, request, reply) => {
      const plan = demoErrorPage(error, demoRequest(request));
      if (plan !== undefined) await send(reply, plan);
    },
  });
  const site = new DemoSite(oidc.config, api);
  const guards = demoGuards(oidc);
  const app = Fastify();

  // request.oidc on every request, and the routes /login, /callback, /logout, /logout/callback and
  // POST /backchannel-logout (when configured), with their own form parsing.
  await app.register(oidc.plugin);

  // The demo's routes in a context of their own: the form parser below is theirs alone.
  await app.register((scope, _options, done) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_request, body, done) => {
      done(null, new URLSearchParams(body as string));
    });
    for (const route of site.routes) {
      scope.route({
        method: route.method,
        url: route.path,
        ...(route.guard === undefined ? {} : { preHandler: guards[route.guard] }),
        handler: async (request, reply) => send(reply, await route.handle(demoRequest(request))),
      });
    }
    // oidc-kit's errors from the routes above: session_expired / unauthenticated send a browser to
    // log in again (JSON clients get 401); the others get the error view. Everything else is
    // thrown on to the demo's own handler below.
    scope.setErrorHandler(oidc.errorHandler());
    done();
  });
  app.setNotFoundHandler((request, reply) => send(reply, site.notFound(demoRequest(request))));
  app.setErrorHandler((error, request, reply) => send(reply, site.serverError(demoRequest(request), error)));

  await app.ready();
  // Fastify's request handler without its own server: main.ts owns the server (it listens before
  // the provider starts, so that PORT=0 gives the base URL).
  return (req, res) => app.routing(req, res);
};

/** The framework-neutral view of a Fastify request. */
function demoRequest(request: FastifyRequest): DemoRequest {
  return {
    oidc: (request as Partial<FastifyRequest>).oidc ?? undefined,
    path: new URL(request.url, 'http://localhost').pathname,
    query: new URL(request.url, 'http://localhost').searchParams,
    header: (name) => [request.headers[name]].flat()[0],
    ...(request.body instanceof URLSearchParams ? { form: request.body } : {}),
  };
}

/** Sends a plan, unless oidc-kit already answered (`request.oidc.logout()` sends its own answer on Fastify). */
async function send(reply: FastifyReply, plan: ResponsePlan): Promise<FastifyReply> {
  if (reply.sent) return reply;
  return reply.code(plan.status).headers(plan.headers).send(plan.body ?? '');
}
