// Reference: the hand-written floor (minimal-check.ts) on Hono, inline in the route as the Express
// floor has it: a cached token is answered without a promise, and a route with one handler takes
// Hono's fast path (no middleware composition). As `minimal-cached-check-hono-middleware`, the
// same check is a route middleware in front of the handler, as any guard on Hono is (oidc-kit's
// included): not a floor, but what the middleware composition costs on its own (fix 21).
import { Hono, type Context, type Next } from 'hono';
import { NAME } from './common.ts';
import { checkBearer } from './minimal-check.ts';
import { serveFetch } from './serve-fetch.ts';

type Env = { Variables: { sub: string | undefined } };
const unauthorized = (c: Context): Response =>
  c.json({ error: 'invalid_token' }, 401, { 'www-authenticate': 'Bearer error="invalid_token"' });

const app = new Hono<Env>();
if (NAME.endsWith('-middleware')) {
  // Not async, and next() returned as it is: the least a middleware adds.
  const check = (c: Context<Env>, next: Next): Promise<void | Response> | Response => {
    const checked = checkBearer(c.req.header('authorization'));
    if (checked === undefined) return unauthorized(c);
    if (checked instanceof Promise) {
      return checked.then<void | Response>((payload) => {
        if (payload === undefined) return unauthorized(c);
        c.set('sub', payload.sub);
        return next();
      });
    }
    c.set('sub', checked.sub);
    return next();
  };
  app.get('/protected', check, (c) => c.json({ sub: c.var.sub, ok: true }));
} else {
  app.get('/protected', (c): Response | Promise<Response> => {
    const checked = checkBearer(c.req.header('authorization'));
    if (checked === undefined) return unauthorized(c);
    if (checked instanceof Promise) return checked.then((payload) => (payload === undefined ? unauthorized(c) : c.json({ sub: payload.sub, ok: true })));
    return c.json({ sub: checked.sub, ok: true });
  });
}
serveFetch(app.fetch);
