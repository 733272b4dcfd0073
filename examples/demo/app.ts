/**
 * The demo's Express application: a public home page and a profile page that needs a login.
 * oidc-kit answers `/login`, `/callback` and `/logout` itself (mounted by `oidc.middleware()`).
 */
import express from 'express';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { wantsJson } from 'oidc-kit';
import type { OpenIDConnect } from 'oidc-kit/express';
import { homePage, messagePage, profilePage, type Viewer } from './pages.ts';

/**
 * Builds the demo app around a configured `OpenIDConnect`.
 *
 * @example
 * ```ts
 * const app = createDemoApp(new OpenIDConnect({ baseUrl, secret, issuer, clientId, clientSecret }));
 * app.listen(3000);
 * ```
 */
export function createDemoApp(oidc: OpenIDConnect): express.Express {
  const app = express();
  app.disable('x-powered-by');

  // Answers /login, /callback and /logout, and sets req.oidc for every other request.
  app.use(oidc.middleware());

  app.get('/', (req, res) => {
    sendHtml(res, 200, homePage(viewerOf(req)));
  });

  // Anonymous browsers are sent to log in (and back here); JSON clients get a 401.
  app.get('/profile', oidc.requireLogin(), (req, res) => {
    const claims = req.oidc.user;
    if (claims === undefined) throw new Error('requireLogin() let an anonymous request through');
    if (prefersJson(req)) {
      res.set('cache-control', 'no-store').json({ sub: claims.sub, claims });
      return;
    }
    sendHtml(
      res,
      200,
      profilePage({
        viewer: viewerOf(req)!,
        claims,
        accessTokenExpiresAt: req.oidc.accessTokenExpiresAt,
        sessionExpiresAt: req.oidc.sessionExpiresAt,
        hasRefreshToken: req.oidc.refreshToken !== undefined,
        scope: req.oidc.scope,
      }),
    );
  });

  app.use((req, res) => {
    if (prefersJson(req)) res.status(404).json({ error: 'not_found' });
    else sendHtml(res, 404, messagePage('Not found', `There is no page at ${req.path}.`, viewerOf(req)));
  });

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

function sendHtml(res: Response, status: number, html: string): void {
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      // Pages show personal data: never cache them, never run scripts or load anything.
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    })
    .send(html);
}
