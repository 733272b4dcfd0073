/**
 * The demo's Express application: a public home page, a profile page that needs a login, a button
 * that refreshes the access token and one that logs out of this app only — and an API that accepts
 * bearer tokens (`GET /api/me`, `GET /api/admin`). oidc-kit answers
 * `/login`, `/callback`, `/logout`, `/logout/callback` and the back-channel logout route itself
 * (mounted by `oidc.middleware()`).
 */
import { createHash } from 'node:crypto';
import express from 'express';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { OidcError, wantsJson } from 'oidc-kit';
import type { OpenIDConnect } from 'oidc-kit/express';
import { type ApiGuide, homePage, messagePage, profilePage, type Viewer } from './pages.ts';

/**
 * Builds the demo app around a configured `OpenIDConnect`.
 *
 * @example
 * ```ts
 * const app = createDemoApp(new OpenIDConnect({ baseUrl, secret, issuer, clientId, clientSecret }));
 * app.listen(3000);
 * ```
 */
export function createDemoApp(oidc: OpenIDConnect, api?: ApiGuide): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const appOrigin = oidc.config.baseUrl.origin;
  const csp = contentSecurityPolicy(oidc);
  const sendHtml = (res: Response, status: number, html: string): void => sendPage(res, status, html, csp);

  // Answers /login, /callback, /logout, /logout/callback and POST /backchannel-logout (when
  // configured), and sets req.oidc for every other request.
  app.use(oidc.middleware());

  app.get('/', (req, res) => {
    sendHtml(res, 200, homePage(viewerOf(req), api));
  });

  // The API: bearer tokens only (a session cookie does not count here). A JWT is checked locally
  // with the provider's keys, an opaque token by introspection; the audience is the
  // resourceServer.audience option. Failures are RFC 6750 answers: 401/403 with WWW-Authenticate.
  app.get('/api/me', oidc.acceptToken(), (req, res) => {
    res.set('cache-control', 'no-store').json({ claims: req.oidc.token, scopes: req.oidc.tokenScopes });
  });
  app.get('/api/admin', oidc.acceptToken({ scopes: 'admin' }), (req, res) => {
    res.set('cache-control', 'no-store').json({ admin: true, sub: req.oidc.token?.sub, client_id: req.oidc.token?.client_id });
  });

  // Anonymous browsers are sent to log in (and back here); JSON clients get a 401. requireLogin()
  // also refreshes the access token when it is about to expire.
  app.get('/profile', oidc.requireLogin(), async (req, res) => {
    const claims = req.oidc.user;
    if (claims === undefined) throw new Error('requireLogin() let an anonymous request through');
    // Already fresh (requireLogin() saw to it), so no network call here. Should it have to be
    // refreshed and could not be, it throws `session_expired` and oidc.errorHandler() below sends the
    // browser to log in again (a JSON client gets 401).
    const accessToken = await req.oidc.accessToken();
    const accessTokenFingerprint = accessToken === undefined ? undefined : fingerprint(accessToken);
    if (prefersJson(req)) {
      res.set('cache-control', 'no-store').json({
        sub: claims.sub,
        claims,
        accessTokenFingerprint,
        accessTokenExpiresAt: req.oidc.accessTokenExpiresAt?.toISOString(),
      });
      return;
    }
    sendHtml(
      res,
      200,
      profilePage({
        viewer: viewerOf(req)!,
        claims,
        accessTokenFingerprint,
        accessTokenExpiresAt: req.oidc.accessTokenExpiresAt,
        sessionExpiresAt: req.oidc.sessionExpiresAt,
        hasRefreshToken: req.oidc.refreshToken !== undefined,
        scope: req.oidc.scope,
      }),
    );
  });

  // The profile's "Refresh the access token" button: a refresh_token grant now, whatever the
  // access token's expiry; the new tokens are saved in the session (its cookie is rewritten).
  app.post('/refresh', async (req, res) => {
    if (!fromThisApp(req, appOrigin)) {
      sendHtml(res, 403, messagePage('Refused', 'This request came from another site.', viewerOf(req)));
      return;
    }
    if (req.oidc.isAuthenticated) {
      try {
        await req.oidc.accessToken({ forceRefresh: true });
      } catch (error) {
        // The refresh token was refused (expired, revoked): the session has ended. The profile,
        // a GET, then sends the browser to log in again and back; any other error goes on to
        // oidc.errorHandler() (e.g. a 503 page while the provider is unreachable).
        if (!(error instanceof OidcError && error.code === 'session_expired')) throw error;
      }
    }
    res.redirect(303, '/profile');
  });

  // "Log out of this app only": ends the session here but not at the provider, so the next login
  // goes through without the provider's login form. (/logout, by default, logs out at both.)
  app.post('/logout-local', async (req, res) => {
    if (!fromThisApp(req, appOrigin)) {
      sendHtml(res, 403, messagePage('Refused', 'This logout request came from another site.', viewerOf(req)));
      return;
    }
    await req.oidc.logout({ atProvider: false });
  });

  app.use((req, res) => {
    if (prefersJson(req)) res.status(404).json({ error: 'not_found' });
    else sendHtml(res, 404, messagePage('Not found', `There is no page at ${req.path}.`, viewerOf(req)));
  });

  // oidc-kit's errors from the routes above: session_expired / unauthenticated send a browser to log
  // in again (JSON clients get 401); the others get oidc-kit's error page. Everything else goes on.
  app.use(oidc.errorHandler());

  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    console.error('demo: request failed:', error);
    if (res.headersSent) return;
    if (prefersJson(req)) res.status(500).json({ error: 'server_error' });
    else sendHtml(res, 500, messagePage('Something went wrong', 'The demo app failed; see its console.', undefined));
  };
  app.use(onError);

  return app;
}

/**
 * JSON for requests that ask for it, by the same rule `requireLogin()` uses to answer 401 rather
 * than redirect (Accept asks for JSON and not HTML, or X-Requested-With: XMLHttpRequest).
 */
function prefersJson(req: Request): boolean {
  return wantsJson({ header: (name) => req.get(name) });
}

function viewerOf(req: Request): Viewer | undefined {
  const user = (req as Partial<Request>).oidc?.user;
  if (user === undefined) return undefined;
  const name = [user.name, user.preferred_username, user.sub].find((v) => typeof v === 'string' && v !== '');
  return {
    displayName: typeof name === 'string' ? name : '(unnamed)',
    email: typeof user.email === 'string' ? user.email : undefined,
  };
}

/**
 * Whether a POST comes from this app's own pages, by the same rule oidc-kit's `/logout` uses: no
 * foreign Origin, and Sec-Fetch-Site (when the browser sends it) `same-origin` or `none`. The
 * session cookie is SameSite=Lax, so cross-site POSTs carry no session anyway; this also refuses
 * other sites of the same host (another port of localhost).
 */
function fromThisApp(req: Request, appOrigin: string): boolean {
  const origin = req.get('origin');
  if (origin !== undefined && origin !== appOrigin) return false;
  const site = req.get('sec-fetch-site');
  return site === undefined || site === 'same-origin' || site === 'none';
}

/** A short, non-reversible name for an access token: enough to see that a refresh replaced it. */
function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 12);
}

/**
 * The pages' Content-Security-Policy. `form-action` also applies to the redirects that follow a
 * form's submission, and the logout button's POST is redirected to the provider's end-session
 * endpoint (a refresh that ended the session, to its login page): so the provider's origins are
 * allowed besides this app's — its issuer's and those of any endpoints configured statically.
 */
function contentSecurityPolicy(oidc: OpenIDConnect): string {
  const origins = new Set<string>();
  for (const provider of oidc.config.providers.values()) {
    const { authorization_endpoint: authorize, end_session_endpoint: endSession } = provider.metadata;
    for (const url of [provider.issuer, authorize, endSession]) {
      if (url !== undefined && URL.canParse(url)) origins.add(new URL(url).origin);
    }
  }
  const formAction = ["'self'", ...[...origins].filter((origin) => /^https?:\/\/[^\s;,']+$/.test(origin))].join(' ');
  return `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'`;
}

function sendPage(res: Response, status: number, html: string, csp: string): void {
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      // Pages show personal data: never cache them, never run scripts or load anything.
      'cache-control': 'no-store',
      'content-security-policy': csp,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    })
    .send(html);
}
