// Reference: the hand-written DPoP floor (minimal-dpop.ts) as a plain fetch handler, routed by path
// as bare-fetch is: a request whose token is cached is answered without a promise. The floor of
// oidc-kit-dpop-jwt-fetch.
import type { JWTPayload } from 'jose';
import { BASE_URL } from './common.ts';
import { checkDpop, DPOP_CHALLENGE, subOf } from './minimal-dpop.ts';
import { serveFetch } from './serve-fetch.ts';

const HTU = `${BASE_URL}/protected`;
const answer = (claims: JWTPayload | undefined): Response => claims === undefined
  ? Response.json({ error: 'invalid_token' }, { status: 401, headers: { 'www-authenticate': DPOP_CHALLENGE } })
  : Response.json({ sub: subOf(claims), ok: true });

serveFetch((request) => {
  if (new URL(request.url).pathname !== '/protected') return new Response('Not Found', { status: 404 });
  const checked = checkDpop('GET', HTU, request.headers.get('authorization') ?? undefined, request.headers.get('dpop') ?? undefined);
  if (checked instanceof Promise) return checked.then(answer, () => answer(undefined));
  return answer(checked);
});
