/**
 * A minimal Fastify app with oidc-kit: a public home page, a profile behind a login, logout here
 * and at the provider. docs/fastify.md explains it.
 *
 * ```sh
 * node examples/dev-provider/main.ts      # a development provider, in another terminal
 * node --env-file=examples/dev-provider/dev.env --conditions=oidc-kit-source examples/fastify/app.ts
 * ```
 *
 * Then open http://localhost:3000/profile and log in with any username and password.
 */
import Fastify from 'fastify';
import { OpenIDConnect } from 'oidc-kit/fastify';

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

const app = Fastify();

// Registers /login, /callback, /logout and /logout/callback, and sets request.oidc on every request.
await app.register(oidc.plugin);

app.get('/', async (request, reply) => {
  reply.type('text/html; charset=utf-8');
  if (!request.oidc.isAuthenticated) {
    return '<p>Not logged in. <a href="/login">Log in</a> or open <a href="/profile">your profile</a>.</p>';
  }
  const user = request.oidc.user!; // set whenever isAuthenticated is true
  const name = typeof user.name === 'string' ? user.name : user.sub;
  return `<p>Hello ${escapeHtml(name)}. <a href="/profile">Profile</a> · <a href="/logout">Log out</a></p>`;
});

// Anonymous browsers are sent to the provider and brought back here; JSON clients get a 401.
app.get('/profile', { preHandler: oidc.requireLogin() }, async (request) => ({
  user: request.oidc.user,
  email: await request.oidc.getField('email'),
  sessionExpiresAt: request.oidc.sessionExpiresAt,
}));

// A user whose session ended (say, the refresh token was revoked) is sent to log in again; API
// clients get a 401 that says why. Other errors go on to Fastify's default handler.
app.setErrorHandler(oidc.errorHandler());

const port = Number(process.env.PORT ?? 3000);
await app.listen({ port, host: 'localhost' });
console.log(`Listening on http://localhost:${port}`);
