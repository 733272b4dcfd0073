// The limit for the Fastify apps: bare Fastify 5, the same route and answer as the others.
import Fastify from 'fastify';
import { listen } from './common.ts';

const app = Fastify();
app.get('/protected', (_request, reply) => {
  reply.send({ sub: 'bench-user', ok: true });
});
// Fastify routes the server's requests once it is ready; the bench's listen() reports readiness.
await app.ready();
listen(app.server);
