// Reference: the hand-written DPoP floor (minimal-dpop.ts) on Hono, inline in the route's one handler
// as the Express floor (minimal-dpop-check.ts) has it: Hono's fast path, and a request whose token
// is cached answered without a promise. The floor of oidc-kit-dpop-jwt-hono.
import { Hono, type Context } from 'hono';
import type { JWTPayload } from 'jose';
import { BASE_URL } from './common.ts';
import { checkDpop, DPOP_CHALLENGE, subOf } from './minimal-dpop.ts';
import { serveFetch } from './serve-fetch.ts';

const HTU = `${BASE_URL}/protected`;
const answer = (c: Context, claims: JWTPayload | undefined): Response => claims === undefined
  ? c.json({ error: 'invalid_token' }, 401, { 'www-authenticate': DPOP_CHALLENGE })
  : c.json({ sub: subOf(claims), ok: true });

const app = new Hono();
app.get('/protected', (c): Response | Promise<Response> => {
  const checked = checkDpop('GET', HTU, c.req.header('authorization'), c.req.header('dpop'));
  if (checked instanceof Promise) return checked.then((claims) => answer(c, claims), () => answer(c, undefined));
  return answer(c, checked);
});
serveFetch(app.fetch);
