// Reference: the hand-written floor (minimal-check.ts) on Hono, inline in the route as the Express
// floor has it: a cached token is answered without a promise.
import { Hono, type Context } from 'hono';
import { checkBearer } from './minimal-check.ts';
import { serveFetch } from './serve-fetch.ts';

const unauthorized = (c: Context): Response =>
  c.json({ error: 'invalid_token' }, 401, { 'www-authenticate': 'Bearer error="invalid_token"' });

const app = new Hono();
app.get('/protected', (c): Response | Promise<Response> => {
  const checked = checkBearer(c.req.header('authorization'));
  if (checked === undefined) return unauthorized(c);
  if (checked instanceof Promise) return checked.then((payload) => (payload === undefined ? unauthorized(c) : c.json({ sub: payload.sub, ok: true })));
  return c.json({ sub: checked.sub, ok: true });
});
serveFetch(app.fetch);
