// Reference: the hand-written floor (minimal-check.ts) on Fastify, inline in the route as the
// Express floor has it: a cached token is answered without a promise.
import Fastify, { type FastifyReply } from 'fastify';
import { checkBearer } from './minimal-check.ts';
import { listen } from './common.ts';

const unauthorized = (reply: FastifyReply): void => {
  reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'invalid_token' });
};

const app = Fastify();
app.get('/protected', (request, reply) => {
  const checked = checkBearer(request.headers.authorization);
  if (checked === undefined) return unauthorized(reply);
  if (checked instanceof Promise) {
    void checked.then((payload) => (payload === undefined ? unauthorized(reply) : reply.send({ sub: payload.sub, ok: true })));
    return;
  }
  reply.send({ sub: checked.sub, ok: true });
});
await app.ready();
listen(app.server);
