// oidc-kit on Fastify 5, as docs/fastify.md has it: requireLogin() as the route's preHandler with
// the session in an encrypted cookie (oidc-kit-session-fastify; the plugin opens request.oidc in
// onRequest), or acceptToken() in an API-only app (oidc-kit-bearer-jwt-fastify; no plugin: the
// guard opens the request's context, as the Express bearer app has no app-wide middleware).
import Fastify from 'fastify';
import { API_JWT } from '../config.ts';
import { BASE_URL, SPEC, listen } from './common.ts';
import { fastifyAdapter } from './library.ts';
import { bearerOptions, sessionOptions } from './oidc-kit-options.ts';

const { OpenIDConnect } = await fastifyAdapter();
const app = Fastify();
if (SPEC.credentials === 'oidc-kit-session') {
  const oidc = new OpenIDConnect(sessionOptions(BASE_URL));
  await app.register(oidc.plugin);
  app.get('/protected', { preHandler: oidc.requireLogin() }, (request, reply) => {
    reply.send({ sub: request.oidc.user?.sub, ok: true });
  });
} else {
  const oidc = new OpenIDConnect(bearerOptions(API_JWT));
  app.get('/protected', { preHandler: oidc.acceptToken() }, (request, reply) => {
    reply.send({ sub: request.oidc.token?.sub ?? request.oidc.token?.client_id, ok: true });
  });
}
await app.ready();
listen(app.server);
