/**
 * A minimal Express app with oidc-kit: a public home page, a profile behind a login, logout here
 * and at the provider. docs/getting-started.md explains it line by line.
 *
 * ```sh
 * node examples/dev-provider/main.ts      # a development provider, in another terminal
 * node --env-file=examples/dev-provider/dev.env --conditions=oidc-kit-source examples/express/app.ts
 * ```
 *
 * Then open http://localhost:3000/profile and log in with any username and password.
 */
import express from 'express';
import { OpenIDConnect } from 'oidc-kit/express';

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

const app = express();

// Answers /login, /callback, /logout and /logout/callback, and sets req.oidc on every request.
app.use(oidc.middleware());

app.get('/', (req, res) => {
  if (!req.oidc.isAuthenticated) {
    res.send('<p>Not logged in. <a href="/login">Log in</a> or open <a href="/profile">your profile</a>.</p>');
    return;
  }
  const user = req.oidc.user!; // set whenever isAuthenticated is true
  const name = typeof user.name === 'string' ? user.name : user.sub;
  res.send(`<p>Hello ${escapeHtml(name)}. <a href="/profile">Profile</a> · <a href="/logout">Log out</a></p>`);
});

// Anonymous browsers are sent to the provider and brought back here; JSON clients get a 401.
app.get('/profile', oidc.requireLogin(), async (req, res) => {
  res.json({ user: req.oidc.user, email: await req.oidc.getField('email'), sessionExpiresAt: req.oidc.sessionExpiresAt });
});

// After your routes: a user whose session ended (say, the refresh token was revoked) is sent to log
// in again; API clients get a 401 that says why.
app.use(oidc.errorHandler());

const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => console.log(`Listening on http://localhost:${port}`));
