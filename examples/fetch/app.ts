/**
 * A minimal app of Web-standard fetch handlers with oidc-kit: a public home page, a profile behind
 * a login, logout here and at the provider. `handle(request)` is what Bun.serve, Deno.serve, a
 * Cloudflare Worker or a Next.js route handler would call; on Node, node-listener.ts serves it.
 * docs/fetch.md explains it and shows it on each of those.
 *
 * ```sh
 * node examples/dev-provider/main.ts      # a development provider, in another terminal
 * node --env-file=examples/dev-provider/dev.env --conditions=oidc-kit-source examples/fetch/app.ts
 * ```
 *
 * Then open http://localhost:3000/profile and log in with any username and password.
 */
import { createServer } from 'node:http';
import { OpenIDConnect } from 'oidc-kit/fetch';
import { toNodeListener } from './node-listener.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set the ${name} environment variable.`);
  return value;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const html = (body: string): Response => new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8' } });

const oidc = new OpenIDConnect({
  baseUrl: process.env.BASE_URL ?? 'http://localhost:3000',
  secret: required('SESSION_SECRET'),
  issuer: required('OIDC_ISSUER'),
  clientId: required('OIDC_CLIENT_ID'),
  clientSecret: required('OIDC_CLIENT_SECRET'),
  scope: ['openid', 'email', 'profile'],
});

// Handlers get the request's context (the session) as their second argument; oidc-kit adds the
// session's cookies to the Response they return.
const home = oidc.handler([], (_request, session) => {
  if (!session.isAuthenticated) {
    return html('<p>Not logged in. <a href="/login">Log in</a> or open <a href="/profile">your profile</a>.</p>');
  }
  const user = session.user!; // set whenever isAuthenticated is true
  const name = typeof user.name === 'string' ? user.name : user.sub;
  return html(`<p>Hello ${escapeHtml(name)}. <a href="/profile">Profile</a> · <a href="/logout">Log out</a></p>`);
});

// Anonymous browsers are sent to the provider and brought back here; JSON clients get a 401.
const profile = oidc.handler([oidc.requireLogin()], async (_request, session) => Response.json({
  user: session.user,
  email: await session.getField('email'),
  sessionExpiresAt: session.sessionExpiresAt,
}));

/** The whole app: oidc-kit's routes (/login, /callback, /logout, /logout/callback), then ours. */
async function handle(request: Request): Promise<Response> {
  const answered = await oidc.handle(request);
  if (answered !== undefined) return answered;
  switch (new URL(request.url).pathname) {
    case '/': return home(request);
    case '/profile': return profile(request);
    default: return new Response('Not found', { status: 404 });
  }
}

const port = Number(process.env.PORT ?? 3000);
createServer(toNodeListener(handle)).listen(port, () => console.log(`Listening on http://localhost:${port}`));
