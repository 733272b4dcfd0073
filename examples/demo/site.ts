/**
 * The demo's routes, the same on every framework: a public home page, a profile page that needs a
 * login, a button that refreshes the access token, one that logs out of this app only, the
 * profile's "Call the API" buttons — and an API that accepts bearer tokens (`GET /api/me`,
 * `GET /api/admin`). oidc-kit answers `/login`, `/callback`, `/logout`, `/logout/callback` and the
 * back-channel logout route itself.
 *
 * Each route is data (method, path, guard, handler) and each answer a `ResponsePlan`
 * (`{ status, headers, body }`), so that the framework wiring (express.ts, fastify.ts, hono.ts,
 * fetch.ts) only mounts routes and writes plans; nothing here knows a framework.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AcceptTokenOptions, type OidcCore, OidcError, type OpenIDConnectOptions, type RequestContext, type ResponsePlan, wantsJson } from 'oidc-kit';
import { PageNotes, type PageNote } from './notes.ts';
import { type ApiGuide, type ApiResult, DEMO_SCRIPT, errorPage, homePage, messagePage, profilePage, type Viewer } from './pages.ts';

/** The options every framework's `OpenIDConnect` is built from (`onError` is each framework's own). */
export type DemoOptions = Omit<OpenIDConnectOptions, 'onError'>;

/** The resolved configuration of any adapter (`oidc.config`): the base URL and the providers. */
export type DemoConfig = OidcCore<unknown>['config'];

/** A `node:http` request listener: what main.ts serves, whatever the framework. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * What a framework module exports: the demo on that framework, as a `node:http` listener.
 *
 * @example
 * ```ts
 * const { createDemo } = await import('./express.ts');
 * const listener = await createDemo(options, apiGuide);
 * ```
 */
export type DemoWiring = (options: DemoOptions, api: ApiGuide | undefined) => NodeListener | Promise<NodeListener>;

/** The largest form body the demo's own POST routes read (they carry one short field). */
export const FORM_LIMIT = 1024;

/** What a route handler knows about its request, whatever the framework. */
export interface DemoRequest {
  /** The request's oidc-kit context (`req.oidc`, `request.oidc`, `c.var.oidc`, the handler's argument). */
  readonly oidc: RequestContext | undefined;
  /** The path, without the query. */
  readonly path: string;
  /** The query (the profile page reads `note`, left by one of its buttons). */
  readonly query?: URLSearchParams;
  header(name: string): string | undefined;
  /** The urlencoded body of a route with `form: true`, read by the wiring (at most {@link FORM_LIMIT} bytes). */
  readonly form?: URLSearchParams;
}

/** The guards the demo's routes use, by name; each wiring builds them with its own `OpenIDConnect`. */
export type DemoGuard = 'login' | 'token' | 'adminToken';

/** One of the demo's routes. */
export interface DemoRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly guard?: DemoGuard;
  /** The wiring reads an urlencoded body for this route (the app's own, not oidc-kit's). */
  readonly form?: boolean;
  readonly handle: (request: DemoRequest) => ResponsePlan | Promise<ResponsePlan>;
}

/**
 * The demo's guards on any adapter: every adapter's `requireLogin()` and `acceptToken()` have the
 * same names and options, and return the framework's own form of a guard.
 *
 * @example
 * ```ts
 * const guards = demoGuards(oidc); // guards.login is Express middleware for oidc-kit/express
 * ```
 */
export function demoGuards<H>(oidc: { requireLogin(): H; acceptToken(options?: AcceptTokenOptions): H }): Record<DemoGuard, H> {
  // The API: bearer tokens only (a session cookie does not count there). A JWT is checked locally
  // with the provider's keys, an opaque token by introspection; the audience is the
  // resourceServer.audience option. Failures are RFC 6750 answers: 401/403 with WWW-Authenticate.
  return { login: oidc.requireLogin(), token: oidc.acceptToken(), adminToken: oidc.acceptToken({ scopes: 'admin' }) };
}

/**
 * The demo's pages and API around an adapter's configuration.
 *
 * @example
 * ```ts
 * const site = new DemoSite(oidc.config, apiGuide);
 * for (const route of site.routes) app[route.method === 'GET' ? 'get' : 'post'](route.path, …);
 * ```
 */
export class DemoSite {
  readonly routes: readonly DemoRoute[];
  readonly #config: DemoConfig;
  readonly #csp: string;
  /** What the profile's buttons leave for the page they redirect to. */
  readonly #notes = new PageNotes();

  constructor(config: DemoConfig, api?: ApiGuide) {
    this.#config = config;
    this.#csp = contentSecurityPolicy(config);
    const html = (status: number, body: string): ResponsePlan => page(status, body, this.#csp);
    const origin = config.baseUrl.origin;
    this.routes = [
      { method: 'GET', path: '/', handle: (req) => html(200, homePage(viewerOf(req.oidc), api)) },
      {
        method: 'GET', path: '/api/me', guard: 'token',
        handle: ({ oidc }) => json(200, { claims: oidc?.token, scopes: oidc?.tokenScopes }),
      },
      {
        method: 'GET', path: '/api/admin', guard: 'adminToken',
        handle: ({ oidc }) => json(200, { admin: true, sub: oidc?.token?.sub, client_id: oidc?.token?.client_id }),
      },
      // The pages' one script: the expiry countdowns. Allowed by the CSP as 'self'.
      {
        method: 'GET', path: '/assets/demo.js',
        handle: () => ({
          status: 200,
          headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' },
          body: DEMO_SCRIPT,
        }),
      },
      // Anonymous browsers are sent to log in (and back here); JSON clients get a 401. requireLogin()
      // also refreshes the access token when it is about to expire.
      { method: 'GET', path: '/profile', guard: 'login', handle: (req) => this.#profile(req) },
      // The profile's "Call the API" buttons: the app calls its own API with the session's access
      // token (server to server: the token never reaches the browser) and shows what the API
      // answered, a refusal included (its status and WWW-Authenticate header say why).
      {
        method: 'POST', path: '/call-api', guard: 'login', form: true,
        handle: async (req) => {
          if (!fromThisApp(req, origin)) return html(403, messagePage('Refused', 'This request came from another site.', viewerOf(req.oidc)));
          const result = await this.#callApi(req, req.form?.get('api') === 'admin' ? '/api/admin' : '/api/me');
          // Redirect-after-POST: a reload of the page shows the answer again, it does not post again.
          return this.#noted(req, { kind: 'api', result });
        },
      },
      // The profile's "Refresh the access token" button: a refresh_token grant now, whatever the
      // access token's expiry; the new tokens are saved in the session (its cookie is rewritten).
      {
        method: 'POST', path: '/refresh',
        handle: async (req) => {
          if (!fromThisApp(req, origin)) return html(403, messagePage('Refused', 'This request came from another site.', viewerOf(req.oidc)));
          if (req.oidc?.isAuthenticated === true) {
            try {
              const current = await req.oidc.accessToken();
              const before = current === undefined ? undefined : fingerprint(current);
              const token = await req.oidc.accessToken({ forceRefresh: true });
              // The page then says what changed: the token, and when the new one expires.
              return this.#noted(req, { kind: 'refreshed', before, after: token === undefined ? undefined : fingerprint(token), expiresAt: req.oidc.accessTokenExpiresAt });
            } catch (error) {
              // The refresh token was refused (expired, revoked): the session has ended. The profile,
              // a GET, then sends the browser to log in again and back; any other error goes on to
              // oidc-kit's error handler (e.g. a 503 page while the provider is unreachable).
              if (!(error instanceof OidcError && error.code === 'session_expired')) throw error;
            }
          }
          return { status: 303, headers: { location: '/profile' } };
        },
      },
      // "Log out of this app only": ends the session here but not at the provider, so the next login
      // goes through without the provider's login form. (/logout, by default, logs out at both.)
      {
        method: 'POST', path: '/logout-local',
        handle: async (req) => {
          if (!fromThisApp(req, origin) || req.oidc === undefined) {
            return html(403, messagePage('Refused', 'This logout request came from another site.', viewerOf(req.oidc)));
          }
          // The plan oidc-kit answers with: Express and Fastify have sent it already, the wiring
          // sends it on Hono and fetch handlers.
          return req.oidc.logout({ atProvider: false });
        },
      },
    ];
  }

  /** The answer to a path no route serves. */
  notFound(req: DemoRequest): ResponsePlan {
    if (prefersJson(req)) return json(404, { error: 'not_found' });
    return page(404, messagePage('Not found', `There is no page at ${req.path}.`, viewerOf(req.oidc)), this.#csp);
  }

  /** The answer to an error no one else answered (oidc-kit's error handler passed it on): logged, then a 500. */
  serverError(req: DemoRequest, error: unknown): ResponsePlan {
    console.error('demo: request failed:', error);
    if (prefersJson(req)) return json(500, { error: 'server_error' });
    return page(500, messagePage('Something went wrong', 'The demo app failed; see its console.', undefined), this.#csp);
  }

  /** Keeps `note` for the page and redirects there (303): the page shows it, a reload does not post again. */
  #noted(req: DemoRequest, note: PageNote): ResponsePlan {
    const owner = req.oidc?.user?.sub;
    if (owner === undefined) return { status: 303, headers: { location: '/profile' } };
    return { status: 303, headers: { location: `/profile?note=${this.#notes.put(owner, note)}` } };
  }

  /** The profile page for the logged-in user, with what a button left for it (`?note=`). */
  async #profile(req: DemoRequest): Promise<ResponsePlan> {
    const oidc = req.oidc;
    const claims = oidc?.user;
    if (oidc === undefined || claims === undefined) throw new Error('requireLogin() let an anonymous request through');
    // Already fresh (requireLogin() saw to it), so no network call here. Should it have to be
    // refreshed and could not be, it throws `session_expired` and oidc-kit's error handler sends
    // the browser to log in again (a JSON client gets 401).
    const accessToken = await oidc.accessToken();
    const accessTokenFingerprint = accessToken === undefined ? undefined : fingerprint(accessToken);
    if (prefersJson(req)) {
      return json(200, {
        sub: claims.sub,
        claims,
        accessTokenFingerprint,
        accessTokenExpiresAt: oidc.accessTokenExpiresAt?.toISOString(),
        provider: oidc.provider,
      });
    }
    const provider = oidc.provider === undefined ? undefined : this.#config.providers.get(oidc.provider);
    const note = this.#notes.get(req.query?.get('note'), claims.sub);
    return page(200, profilePage({
      viewer: viewerOf(oidc)!,
      claims,
      accessTokenFingerprint,
      accessTokenExpiresAt: oidc.accessTokenExpiresAt,
      sessionExpiresAt: oidc.sessionExpiresAt,
      hasRefreshToken: oidc.refreshToken !== undefined,
      scope: oidc.scope,
      provider: provider === undefined ? undefined : { name: provider.name, issuer: provider.issuer },
      ...(note === undefined ? {} : { note }),
    }), this.#csp);
  }

  /** The demo API's answer to a call with the session's access token. */
  async #callApi(req: DemoRequest, path: string): Promise<ApiResult> {
    const oidc = req.oidc;
    const url = new URL(path, this.#config.baseUrl);
    const init = { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) };
    // DEMO_DPOP=1: the session's tokens are bound to its key, and req.oidc.fetch() sends them with a proof.
    const bound = oidc?.provider !== undefined && this.#config.providers.get(oidc.provider)?.dpop !== undefined;
    const accessToken = bound ? undefined : await oidc?.accessToken();
    try {
      const answer = bound && oidc !== undefined
        ? await oidc.fetch(url, init)
        : await fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${accessToken ?? ''}` } });
      const text = await answer.text();
      return { path, status: answer.status, challenge: answer.headers.get('www-authenticate') ?? undefined, body: prettyJson(text) };
    } catch (error) {
      return { path, status: 502, challenge: undefined, body: `The API could not be reached: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}

/**
 * The demo's error view (each framework's `onError` option calls it): oidc-kit's errors for
 * browsers — a cancelled login, the provider's error, an expired login attempt, an unreachable
 * provider — on a page in the demo's own look, with the stable error code. API clients (JSON,
 * bearer-token routes) keep oidc-kit's JSON answers: `undefined` lets them through.
 *
 * @example
 * ```ts
 * const plan = demoErrorPage(error, { oidc: req.oidc, path: req.path, header: (name) => req.get(name) });
 * ```
 */
export function demoErrorPage(error: OidcError, req: Omit<DemoRequest, 'form'>): ResponsePlan | undefined {
  if (error.challenge !== undefined || prefersJson(req)) return undefined;
  const csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; form-action 'self'; frame-ancestors 'none'";
  return page(error.status, errorPage(error, viewerOf(req.oidc)), csp);
}

/**
 * A `Response` with the plan's status, headers and body: how the Web-standard wirings (Hono, fetch)
 * answer.
 *
 * @example
 * ```ts
 * return planToResponse(site.notFound(request));
 * ```
 */
export function planToResponse(plan: ResponsePlan): Response {
  return new Response(plan.body ?? null, { status: plan.status, headers: plan.headers });
}

/**
 * The urlencoded form of a Web `Request`, for the Web-standard wirings (Hono, fetch); `undefined`
 * when it is larger than {@link FORM_LIMIT} (the wiring answers 413) — read no further than that.
 *
 * @example
 * ```ts
 * const form = await readForm(request);
 * ```
 */
export async function readForm(request: Request): Promise<URLSearchParams | undefined> {
  if (request.body === null) return new URLSearchParams();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > FORM_LIMIT) return undefined;
    text += decoder.decode(chunk, { stream: true });
  }
  return new URLSearchParams(text + decoder.decode());
}

/** The answer to a form larger than {@link FORM_LIMIT}. */
export const FORM_TOO_LARGE: ResponsePlan = { status: 413, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Payload Too Large' };

/**
 * JSON for requests that ask for it, by the same rule `requireLogin()` uses to answer 401 rather
 * than redirect (Accept asks for JSON and not HTML, or X-Requested-With: XMLHttpRequest).
 */
function prefersJson(req: Pick<DemoRequest, 'header'>): boolean {
  return wantsJson(req);
}

function viewerOf(oidc: RequestContext | undefined): Viewer | undefined {
  const user = oidc?.user;
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
function fromThisApp(req: DemoRequest, appOrigin: string): boolean {
  const site = req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = req.header('origin');
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
function contentSecurityPolicy(config: DemoConfig): string {
  const origins = new Set<string>();
  for (const provider of config.providers.values()) {
    const { authorization_endpoint: authorize, end_session_endpoint: endSession } = provider.metadata;
    for (const url of [provider.issuer, authorize, endSession]) {
      if (url !== undefined && URL.canParse(url)) origins.add(new URL(url).origin);
    }
  }
  const formAction = ["'self'", ...[...origins].filter((origin) => /^https?:\/\/[^\s;,']+$/.test(origin))].join(' ');
  return `default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; form-action ${formAction}; frame-ancestors 'none'`;
}

function page(status: number, html: string, csp: string): ResponsePlan {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      // Pages show personal data: never cache them, never run scripts or load anything.
      'cache-control': 'no-store',
      'content-security-policy': csp,
      // Full URLs stay on this site; other sites (the provider) get none. (With no-referrer, browsers
      // would send `Origin: null` on the pages' own forms.)
      'referrer-policy': 'same-origin',
      'x-content-type-options': 'nosniff',
    },
    body: html,
  };
}

function json(status: number, value: unknown): ResponsePlan {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(value) };
}

/** JSON re-indented for reading; anything else as it came. */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
