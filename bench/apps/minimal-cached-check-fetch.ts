// Reference: the hand-written floor (minimal-check.ts) as a plain fetch handler, routed by path as
// bare-fetch is: a cached token is answered without a promise.
import { checkBearer } from './minimal-check.ts';
import { serveFetch } from './serve-fetch.ts';

const unauthorized = (): Response =>
  Response.json({ error: 'invalid_token' }, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });

serveFetch((request) => {
  if (new URL(request.url).pathname !== '/protected') return new Response('Not Found', { status: 404 });
  const checked = checkBearer(request.headers.get('authorization') ?? undefined);
  if (checked === undefined) return unauthorized();
  if (checked instanceof Promise) return checked.then((payload) => (payload === undefined ? unauthorized() : Response.json({ sub: payload.sub, ok: true })));
  return Response.json({ sub: checked.sub, ok: true });
});
