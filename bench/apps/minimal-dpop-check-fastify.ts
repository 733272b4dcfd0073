// Reference: the hand-written DPoP floor (minimal-dpop.ts) on Fastify, inline in the route as the
// Express floor (minimal-dpop-check.ts) has it: a request whose token is cached is answered without
// a promise. The floor of oidc-kit-dpop-jwt-fastify.
import Fastify, { type FastifyReply } from 'fastify';
import type { JWTPayload } from 'jose';
import { BASE_URL, listen } from './common.ts';
import { checkDpop, DPOP_CHALLENGE, subOf } from './minimal-dpop.ts';

const HTU = `${BASE_URL}/protected`;
const answer = (reply: FastifyReply, claims: JWTPayload | undefined): void => {
  if (claims === undefined) reply.code(401).header('www-authenticate', DPOP_CHALLENGE).send({ error: 'invalid_token' });
  else reply.send({ sub: subOf(claims), ok: true });
};

const app = Fastify();
app.get('/protected', (request, reply) => {
  const dpop = request.headers.dpop;
  const checked = checkDpop('GET', HTU, request.headers.authorization, typeof dpop === 'string' ? dpop : undefined);
  if (checked instanceof Promise) checked.then((claims) => answer(reply, claims), () => answer(reply, undefined));
  else answer(reply, checked);
});
await app.ready();
listen(app.server);
