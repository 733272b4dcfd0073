// oidc-kit on Hono (on @hono/node-server), as docs/hono.md has it: oidc.middleware() in front and
// requireLogin() on the route, the session in an encrypted cookie (oidc-kit-session-hono), or
// acceptToken() in an API-only app (oidc-kit-bearer-jwt-hono; no app-wide middleware: the guard
// opens the request's context, as the Express bearer app does).
import { Hono } from 'hono';
import type { OidcEnv } from '../../src/hono.ts';
import { API_JWT } from '../config.ts';
import { BASE_URL, SPEC } from './common.ts';
import { honoAdapter } from './library.ts';
import { bearerOptions, sessionOptions } from './oidc-kit-options.ts';
import { serveFetch } from './serve-fetch.ts';

const { OpenIDConnect } = await honoAdapter();
const app = new Hono<OidcEnv>();
if (SPEC.credentials === 'oidc-kit-session') {
  const oidc = new OpenIDConnect(sessionOptions(BASE_URL));
  app.use(oidc.middleware());
  app.get('/protected', oidc.requireLogin(), (c) => c.json({ sub: c.var.oidc.user?.sub, ok: true }));
} else {
  const oidc = new OpenIDConnect(bearerOptions(API_JWT));
  app.get('/protected', oidc.acceptToken(), (c) => c.json({ sub: c.var.oidc.token?.sub ?? c.var.oidc.token?.client_id, ok: true }));
}
serveFetch(app.fetch);
