// Anchor for Hono: @hono/oidc-auth, its session in a signed (HS256) JWT cookie, on the protected
// route as its README has it (oidcAuthMiddleware in front, getAuth in the route). It reaches the
// provider through oauth4webapi, which refuses plain-http providers, so it logs in against the
// provider's HTTPS instance (ISSUER_TLS), whose certificate the runner makes it trust
// (NODE_EXTRA_CA_CERTS). On a logged-in request it makes no provider call either way.
import { getAuth, initOidcAuthMiddleware, oidcAuthMiddleware } from '@hono/oidc-auth';
import { Hono } from 'hono';
import { CLIENT_ID, CLIENT_SECRET, ISSUER_TLS, SESSION_SECRET } from '../config.ts';
import { serveFetch } from './serve-fetch.ts';

const app = new Hono();
app.use(initOidcAuthMiddleware({
  OIDC_ISSUER: ISSUER_TLS,
  OIDC_CLIENT_ID: CLIENT_ID,
  OIDC_CLIENT_SECRET: CLIENT_SECRET,
  OIDC_AUTH_SECRET: SESSION_SECRET,
  // The scopes the other session apps ask for (its default is every scope the provider supports).
  OIDC_SCOPES: 'openid email profile',
  // It refreshes the session at the provider every 15 minutes by default and then sets a new
  // cookie, which the load generator, replaying one Cookie header, would never send: every
  // request after that would refresh again. A full run lasts longer than 15 minutes, so the
  // refresh interval is its session lifetime (its default, one day), and none falls in the run.
  OIDC_AUTH_REFRESH_INTERVAL: String(24 * 3600),
}));
app.use(oidcAuthMiddleware());
app.get('/protected', async (c) => {
  const auth = await getAuth(c);
  return c.json({ sub: auth?.sub, ok: true });
});
serveFetch(app.fetch);
