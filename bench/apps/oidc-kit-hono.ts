// oidc-kit on Hono (on @hono/node-server), as docs/hono.md has it, the session in an encrypted
// cookie (oidc-kit-session-hono) or a cached JWT in an API-only app (oidc-kit-bearer-jwt-hono). By
// default in the one-handler form: `app.route('/', oidc.routes())` and the route one
// `oidc.handler([guard], fn)`, which keeps Hono's fast path. As `…-middleware`, in the middleware
// form: `app.use(oidc.middleware())` (the session app) and the guard as route middleware, which
// goes through Hono's middleware composition (fix 21). The bearer apps have no library routes. As
// oidc-kit-dpop-jwt-hono, the bearer app in the one-handler form with `baseUrl` (a proof's htu is
// checked against it) and acceptToken({ dpop: 'required' }): a DPoP-bound JWT, a fresh proof each time.
import { Hono } from 'hono';
import type { OidcEnv } from '../../src/hono.ts';
import { API_JWT } from '../config.ts';
import { BASE_URL, NAME, SPEC } from './common.ts';
import { honoAdapter } from './library.ts';
import { bearerOptions, dpopOptions, sessionOptions } from './oidc-kit-options.ts';
import { serveFetch } from './serve-fetch.ts';

const { OpenIDConnect } = await honoAdapter();
const middlewareForm = NAME.endsWith('-middleware');
const app = new Hono<OidcEnv>();
if (SPEC.credentials === 'oidc-kit-session') {
  const oidc = new OpenIDConnect(sessionOptions(BASE_URL));
  if (middlewareForm) {
    app.use(oidc.middleware());
    app.get('/protected', oidc.requireLogin(), (c) => c.json({ sub: c.var.oidc.user?.sub, ok: true }));
  } else {
    app.route('/', oidc.routes());
    app.get('/protected', oidc.handler([oidc.requireLogin()], (c) => c.json({ sub: c.var.oidc.user?.sub, ok: true })));
  }
} else {
  const dpop = SPEC.credentials === 'dpop-jwt';
  const oidc = new OpenIDConnect(dpop ? dpopOptions(API_JWT, BASE_URL) : bearerOptions(API_JWT));
  const guard = oidc.acceptToken(dpop ? { dpop: 'required' } : {});
  const answer = (c: { json: (body: unknown) => Response; var: OidcEnv['Variables'] }): Response => c.json({ sub: c.var.oidc.token?.sub ?? c.var.oidc.token?.client_id, ok: true });
  if (middlewareForm) app.get('/protected', guard, answer);
  else app.get('/protected', oidc.handler([guard], answer));
}
serveFetch(app.fetch);
