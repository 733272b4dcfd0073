// oidc-kit on Fastify 5, as docs/fastify.md has it: requireLogin() as the route's preHandler with
// the session in an encrypted cookie (oidc-kit-session-fastify; the plugin opens request.oidc in
// onRequest), or acceptToken() in an API-only app (oidc-kit-bearer-jwt-fastify; no plugin: the
// guard opens the request's context, as the Express bearer app has no app-wide middleware). As
// oidc-kit-dpop-jwt-fastify, the same API-only app with `baseUrl` (a proof's htu is checked against
// it) and acceptToken({ dpop: 'required' }): a DPoP-bound JWT and a fresh proof on every request.
import Fastify from 'fastify';
import { API_JWT } from '../config.ts';
import { BASE_URL, SPEC, listen } from './common.ts';
import { fastifyAdapter } from './library.ts';
import { bearerOptions, dpopOptions, sessionOptions } from './oidc-kit-options.ts';

const { OpenIDConnect } = await fastifyAdapter();
const app = Fastify();
if (SPEC.credentials === 'oidc-kit-session') {
  const oidc = new OpenIDConnect(sessionOptions(BASE_URL));
  await app.register(oidc.plugin);
  app.get('/protected', { preHandler: oidc.requireLogin() }, (request, reply) => {
    reply.send({ sub: request.oidc.user?.sub, ok: true });
  });
} else {
  const dpop = SPEC.credentials === 'dpop-jwt';
  const oidc = new OpenIDConnect(dpop ? dpopOptions(API_JWT, BASE_URL) : bearerOptions(API_JWT));
  app.get('/protected', { preHandler: oidc.acceptToken(dpop ? { dpop: 'required' } : {}) }, (request, reply) => {
    reply.send({ sub: request.oidc.token?.sub ?? request.oidc.token?.client_id, ok: true });
  });
}
await app.ready();
listen(app.server);
