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
import type { ErrorView, OpenIDConnect } from 'oidc-kit/express';
import { type ApiGuide, type ApiResult, DEMO_SCRIPT, errorPage, homePage, messagePage, profilePage, type Viewer } from './pages.ts';

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

  // The pages' one script: the expiry countdowns. Allowed by the CSP as 'self'.
  app.get('/assets/demo.js', (_req, res) => {
    res.set({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' }).send(DEMO_SCRIPT);
  });

  /** The profile page for the logged-in user, with the API's answer when a button asked for one. */
  const sendProfile = async (req: Request, res: Response, apiResult?: ApiResult): Promise<void> => {
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
        provider: req.oidc.provider,
      });
      return;
    }
    const providerName = req.oidc.provider;
    const provider = providerName === undefined ? undefined : oidc.config.providers.get(providerName);
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
        provider: provider === undefined ? undefined : { name: provider.name, issuer: provider.issuer },
        ...(apiResult === undefined ? {} : { apiResult }),
      }),
    );
  };

  // Anonymous browsers are sent to log in (and back here); JSON clients get a 401. requireLogin()
  // also refreshes the access token when it is about to expire.
  app.get('/profile', oidc.requireLogin(), (req, res) => sendProfile(req, res));

  // The profile's "Call the API" buttons: the app calls its own API with the session's access token
  // (server to server: the token never reaches the browser) and shows what the API answered, a
  // refusal included (its status and WWW-Authenticate header say why).
  app.post('/call-api', oidc.requireLogin(), express.urlencoded({ extended: false, limit: '1kb' }), async (req, res) => {
    if (!fromThisApp(req, appOrigin)) {
      sendHtml(res, 403, messagePage('Refused', 'This request came from another site.', viewerOf(req)));
      return;
    }
    const path = (req.body as Record<string, unknown> | undefined)?.['api'] === 'admin' ? '/api/admin' : '/api/me';
    const accessToken = await req.oidc.accessToken();
    let apiResult: ApiResult;
    try {
      const answer = await fetch(new URL(path, oidc.config.baseUrl), {
        headers: { authorization: `Bearer ${accessToken ?? ''}`, accept: 'application/json' },
        signal: AbortSignal.timeout(5000),
      });
      const text = await answer.text();
      apiResult = { path, status: answer.status, challenge: answer.headers.get('www-authenticate') ?? undefined, body: prettyJson(text) };
    } catch (error) {
      apiResult = { path, status: 502, challenge: undefined, body: `The API could not be reached: ${error instanceof Error ? error.message : String(error)}` };
    }
    await sendProfile(req, res, apiResult);
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
 * Whether a POST comes from this app's own pages, by the same rule oidc-kit's `/logout` uses:
 * Sec-Fetch-Site `same-origin` or `none` when the browser sends it, else no foreign Origin. The
 * session cookie is SameSite=Lax, so cross-site POSTs carry no session anyway; this also refuses
 * other sites of the same host (another port of localhost).
 */
function fromThisApp(req: Request, appOrigin: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = req.get('origin');
  return origin === undefined || origin === appOrigin;
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
  return `default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; form-action ${formAction}; frame-ancestors 'none'`;
}

function sendPage(res: Response, status: number, html: string, csp: string): void {
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      // Pages show personal data: never cache them, never run scripts or load anything.
      'cache-control': 'no-store',
      'content-security-policy': csp,
      // Full URLs stay on this site; other sites (the provider) get none. (With no-referrer, browsers
      // would send `Origin: null` on the pages' own forms.)
      'referrer-policy': 'same-origin',
      'x-content-type-options': 'nosniff',
    })
    .send(html);
}

/** JSON re-indented for reading; anything else as it came. */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * The demo's error view (the `onError` option): oidc-kit's errors for browsers — a cancelled login,
 * the provider's error, an expired login attempt, an unreachable provider — on a page in the demo's
 * own look, with the stable error code. API clients (JSON, bearer-token routes) keep oidc-kit's JSON
 * answers: sending nothing lets them through.
 *
 * @example
 * ```ts
 * const oidc = new OpenIDConnect({ ...options, onError: demoErrorView });
 * ```
 */
export const demoErrorView: ErrorView = (error, req, res) => {
  if (error.challenge !== undefined || prefersJson(req)) return;
  const csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; form-action 'self'; frame-ancestors 'none'";
  sendPage(res, error.status, errorPage(error, viewerOf(req)), csp);
};
