/**
 * A minimal Hono app with oidc-kit, on Node with @hono/node-server: a public home page, a profile
 * behind a login, logout here and at the provider. docs/hono.md explains it, and how to run the
 * same app on Bun, Deno or Cloudflare Workers.
 *
 * ```sh
 * node examples/dev-provider/main.ts      # a development provider, in another terminal
 * node --env-file=examples/dev-provider/dev.env --conditions=oidc-kit-source examples/hono/app.ts
 * ```
 *
 * Then open http://localhost:3000/profile and log in with any username and password.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { OpenIDConnect, type OidcEnv } from 'oidc-kit/hono';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set the ${name} environment variable.`);
  return value;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const oidc = new OpenIDConnect({
  baseUrl: process.env.BASE_URL ?? 'http://localhost:3000',
  secret: required('SESSION_SECRET'),
  issuer: required('OIDC_ISSUER'),
  clientId: required('OIDC_CLIENT_ID'),
  clientSecret: required('OIDC_CLIENT_SECRET'),
  scope: ['openid', 'email', 'profile'],
});

// OidcEnv types c.var.oidc.
const app = new Hono<OidcEnv>();

// Answers /login, /callback, /logout and /logout/callback, and sets c.var.oidc on every request.
app.use(oidc.middleware());

app.get('/', (c) => {
  if (!c.var.oidc.isAuthenticated) {
    return c.html('<p>Not logged in. <a href="/login">Log in</a> or open <a href="/profile">your profile</a>.</p>');
  }
  const user = c.var.oidc.user!; // set whenever isAuthenticated is true
  const name = typeof user.name === 'string' ? user.name : user.sub;
  return c.html(`<p>Hello ${escapeHtml(name)}. <a href="/profile">Profile</a> · <a href="/logout">Log out</a></p>`);
});

// Anonymous browsers are sent to the provider and brought back here; JSON clients get a 401.
app.get('/profile', oidc.requireLogin(), async (c) => c.json({
  user: c.var.oidc.user,
  email: await c.var.oidc.getField('email'),
  sessionExpiresAt: c.var.oidc.sessionExpiresAt,
}));

// A user whose session ended (say, the refresh token was revoked) is sent to log in again; API
// clients get a 401 that says why. Other errors: an HTTPException's response, else a 500.
app.onError(oidc.errorHandler());

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, port }, () => console.log(`Listening on http://localhost:${port}`));
