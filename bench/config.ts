/** Ports, client and audiences of the benchmark. Everything listens on 127.0.0.1. */
export const HOST = '127.0.0.1';
export const OP_PORT = Number(process.env['OP_PORT'] ?? 4200);
export const OP_STATS_PORT = OP_PORT + 1;
export const ISSUER = `http://${HOST}:${OP_PORT}`;
/**
 * The same provider (another instance in the same process, same client) over HTTPS, for the apps
 * whose library refuses plain-http providers (`@hono/oidc-auth`, through oauth4webapi). Its
 * certificate is made by the runner (bench/tls-certificate.ts) and trusted by those apps only.
 *
 * @example
 * ```ts
 * initOidcAuthMiddleware({ OIDC_ISSUER: ISSUER_TLS }); // 'https://127.0.0.1:4202'
 * ```
 */
export const OP_TLS_PORT = OP_PORT + 2;
/** The HTTPS instance's issuer; see {@link OP_TLS_PORT}. */
export const ISSUER_TLS = `https://${HOST}:${OP_TLS_PORT}`;

export const CLIENT_ID = 'bench-client';
export const CLIENT_SECRET = 'bench-client-secret-0123456789abcdef0123456789abcdef';
/** The secret every oidc-kit app seals its cookies with. */
export const SESSION_SECRET = 'bench-session-secret-0123456789-abcdefghijklmnop';

/** RFC 8707 resources: JWT access tokens for the JWT apps, opaque ones for the introspection apps. */
export const API_JWT = `http://${HOST}:4300/api`;
export const API_OPAQUE = `http://${HOST}:4300/api-opaque`;

/**
 * The web frameworks the bench measures oidc-kit on. Each has its bare app, `bare-<framework>`, the
 * limit its apps are measured against; `fetch` is a plain `(request) => Response` handler served on
 * Node's HTTP server by `@hono/node-server`, as the Hono apps are.
 *
 * @example
 * ```ts
 * for (const framework of FRAMEWORKS) console.log(`bare-${framework}`);
 * ```
 */
export const FRAMEWORKS = ['express', 'fastify', 'hono', 'fetch'] as const;
export type Framework = typeof FRAMEWORKS[number];

/**
 * Credentials that are a browser session: got by a login through the provider's form.
 *
 * @example
 * ```ts
 * const kind: SessionCredentials = SESSION_CREDENTIALS[0]; // 'oidc-kit-session'
 * ```
 */
export const SESSION_CREDENTIALS = ['oidc-kit-session', 'eoc-session', 'hono-oidc-auth-session'] as const;
export type SessionCredentials = typeof SESSION_CREDENTIALS[number];
/**
 * Whether an app's credentials are a browser session (logged in through the provider's form).
 *
 * @example
 * ```ts
 * isSession(appSpec('hono-oidc-auth')!.credentials); // true
 * ```
 */
export const isSession = (credentials: string): credentials is SessionCredentials => (SESSION_CREDENTIALS as readonly string[]).includes(credentials);

/**
 * How each kind of session logs in and what a forged one looks like: where a login starts (the
 * library's login route, or for `@hono/oidc-auth`, which has none, the protected route that
 * redirects to the provider) and a Cookie header that must be refused.
 *
 * @example
 * ```ts
 * SESSION_LOGIN['hono-oidc-auth-session'].start; // '/protected'
 * ```
 */
export const SESSION_LOGIN: Readonly<Record<SessionCredentials, { readonly start: string; readonly forged: string }>> = {
  'oidc-kit-session': { start: '/login?returnTo=/protected', forged: 'oidc_session=garbage' },
  'eoc-session': { start: '/login?returnTo=/protected', forged: 'appSession=garbage' },
  'hono-oidc-auth-session': { start: '/protected', forged: 'oidc-auth=garbage' },
};

/**
 * One app under test: its port and file; `anchor` apps are the other libraries, for comparison;
 * `reference` apps are hand-written floors, the least a correct check does.
 */
export interface AppSpec {
  readonly port: number;
  readonly file: string;
  /** The framework it runs on; its bare app is `bare-<framework>`. */
  readonly framework: Framework;
  /**
   * Which credentials its requests carry. `dpop-jwt`: `Authorization: DPoP` with a JWT the provider
   * bound to the runner's key (`cnf.jkt`), and a fresh proof of that key on every request.
   */
  readonly credentials: 'none' | SessionCredentials | 'jwt' | 'jwt-unique' | 'opaque' | 'dpop-jwt';
  /** Logs in against the provider's HTTPS instance (ISSUER_TLS), whose certificate it trusts. */
  readonly providerTls?: boolean;
  readonly anchor?: boolean;
  /** A hand-written floor for the oidc-kit apps named (not a library). */
  readonly reference?: { readonly floorOf: readonly string[] };
  /** Needs a redis-server (skipped with a note when there is none). */
  readonly redis?: boolean;
  /** Runs the library as it was at `BASELINE` (an A/B run; see run.ts). */
  readonly baseline?: boolean;
}

export const APPS: Readonly<Record<string, AppSpec>> = {
  'bare-express': { port: 4301, file: 'apps/bare-express.ts', framework: 'express', credentials: 'none' },
  'oidc-kit-session': { port: 4302, file: 'apps/oidc-kit-session.ts', framework: 'express', credentials: 'oidc-kit-session' },
  'oidc-kit-session-redis': { port: 4303, file: 'apps/oidc-kit-session.ts', framework: 'express', credentials: 'oidc-kit-session', redis: true },
  'oidc-kit-bearer-jwt': { port: 4304, file: 'apps/oidc-kit-bearer.ts', framework: 'express', credentials: 'jwt' },
  'oidc-kit-bearer-jwt-unique': { port: 4305, file: 'apps/oidc-kit-bearer.ts', framework: 'express', credentials: 'jwt-unique' },
  'oidc-kit-introspection': { port: 4306, file: 'apps/oidc-kit-bearer.ts', framework: 'express', credentials: 'opaque' },
  'express-openid-connect': { port: 4307, file: 'apps/eoc-session.ts', framework: 'express', credentials: 'eoc-session', anchor: true },
  'express-oauth2-jwt-bearer': { port: 4308, file: 'apps/jwt-bearer.ts', framework: 'express', credentials: 'jwt', anchor: true },
  'jose-direct': { port: 4309, file: 'apps/jose-direct.ts', framework: 'express', credentials: 'jwt-unique', anchor: true },
  'introspection-uncached': { port: 4310, file: 'apps/introspection-uncached.ts', framework: 'express', credentials: 'opaque', anchor: true },
  // References, not libraries: the least a correct cached check does, written by hand (the second
  // also reads Redis on every request, as a session store does).
  'minimal-cached-check': { port: 4311, file: 'apps/minimal-cached-check.ts', framework: 'express', credentials: 'jwt', reference: { floorOf: ['oidc-kit-session', 'oidc-kit-bearer-jwt', 'oidc-kit-introspection', 'express-openid-connect', 'express-oauth2-jwt-bearer'] } },
  'minimal-cached-check-redis': { port: 4312, file: 'apps/minimal-cached-check.ts', framework: 'express', credentials: 'jwt', redis: true, reference: { floorOf: ['oidc-kit-session-redis'] } },
  // The other frameworks (issue 23): per framework its bare app, the same hand-written floor written
  // for it, and oidc-kit's cookie session and cached JWT apps; @hono/oidc-auth is Hono's anchor.
  'bare-fastify': { port: 4313, file: 'apps/bare-fastify.ts', framework: 'fastify', credentials: 'none' },
  'minimal-cached-check-fastify': { port: 4314, file: 'apps/minimal-cached-check-fastify.ts', framework: 'fastify', credentials: 'jwt', reference: { floorOf: ['oidc-kit-session-fastify', 'oidc-kit-bearer-jwt-fastify'] } },
  'oidc-kit-session-fastify': { port: 4315, file: 'apps/oidc-kit-fastify.ts', framework: 'fastify', credentials: 'oidc-kit-session' },
  'oidc-kit-bearer-jwt-fastify': { port: 4316, file: 'apps/oidc-kit-fastify.ts', framework: 'fastify', credentials: 'jwt' },
  'bare-hono': { port: 4317, file: 'apps/bare-hono.ts', framework: 'hono', credentials: 'none' },
  'minimal-cached-check-hono': { port: 4318, file: 'apps/minimal-cached-check-hono.ts', framework: 'hono', credentials: 'jwt', reference: { floorOf: ['oidc-kit-session-hono', 'oidc-kit-bearer-jwt-hono', 'oidc-kit-session-hono-middleware', 'oidc-kit-bearer-jwt-hono-middleware', 'hono-oidc-auth'] } },
  'oidc-kit-session-hono': { port: 4319, file: 'apps/oidc-kit-hono.ts', framework: 'hono', credentials: 'oidc-kit-session' },
  'oidc-kit-bearer-jwt-hono': { port: 4320, file: 'apps/oidc-kit-hono.ts', framework: 'hono', credentials: 'jwt' },
  // The same two in the middleware form (guards as route middleware), beside the one-handler form above.
  'oidc-kit-session-hono-middleware': { port: 4327, file: 'apps/oidc-kit-hono.ts', framework: 'hono', credentials: 'oidc-kit-session' },
  'oidc-kit-bearer-jwt-hono-middleware': { port: 4328, file: 'apps/oidc-kit-hono.ts', framework: 'hono', credentials: 'jwt' },
  // Not a floor: the Hono floor's check as a route middleware, to tell Hono's middleware composition
  // (which every guard on Hono goes through) from oidc-kit's own cost.
  'minimal-cached-check-hono-middleware': { port: 4326, file: 'apps/minimal-cached-check-hono.ts', framework: 'hono', credentials: 'jwt', reference: { floorOf: [] } },
  'hono-oidc-auth': { port: 4321, file: 'apps/hono-oidc-auth.ts', framework: 'hono', credentials: 'hono-oidc-auth-session', anchor: true, providerTls: true },
  'bare-fetch': { port: 4322, file: 'apps/bare-fetch.ts', framework: 'fetch', credentials: 'none' },
  'minimal-cached-check-fetch': { port: 4323, file: 'apps/minimal-cached-check-fetch.ts', framework: 'fetch', credentials: 'jwt', reference: { floorOf: ['oidc-kit-session-fetch', 'oidc-kit-bearer-jwt-fetch'] } },
  'oidc-kit-session-fetch': { port: 4324, file: 'apps/oidc-kit-fetch.ts', framework: 'fetch', credentials: 'oidc-kit-session' },
  'oidc-kit-bearer-jwt-fetch': { port: 4325, file: 'apps/oidc-kit-fetch.ts', framework: 'fetch', credentials: 'jwt' },
  // DPoP for APIs (issue 28): acceptToken({ dpop: 'required' }) with a DPoP-bound JWT and a fresh
  // proof on every request (each verified and recorded), beside the hand-written DPoP floor.
  'oidc-kit-dpop-jwt': { port: 4329, file: 'apps/oidc-kit-dpop.ts', framework: 'express', credentials: 'dpop-jwt' },
  'minimal-dpop-check': { port: 4330, file: 'apps/minimal-dpop-check.ts', framework: 'express', credentials: 'dpop-jwt', reference: { floorOf: ['oidc-kit-dpop-jwt'] } },
  // The same DPoP request on the other frameworks, each beside its Bearer JWT app (same file, with
  // baseUrl and acceptToken({ dpop: 'required' })) and the DPoP floor written for it (minimal-dpop.ts's check).
  'oidc-kit-dpop-jwt-fastify': { port: 4331, file: 'apps/oidc-kit-fastify.ts', framework: 'fastify', credentials: 'dpop-jwt' },
  'minimal-dpop-check-fastify': { port: 4332, file: 'apps/minimal-dpop-check-fastify.ts', framework: 'fastify', credentials: 'dpop-jwt', reference: { floorOf: ['oidc-kit-dpop-jwt-fastify'] } },
  'oidc-kit-dpop-jwt-hono': { port: 4333, file: 'apps/oidc-kit-hono.ts', framework: 'hono', credentials: 'dpop-jwt' },
  'minimal-dpop-check-hono': { port: 4334, file: 'apps/minimal-dpop-check-hono.ts', framework: 'hono', credentials: 'dpop-jwt', reference: { floorOf: ['oidc-kit-dpop-jwt-hono'] } },
  'oidc-kit-dpop-jwt-fetch': { port: 4335, file: 'apps/oidc-kit-fetch.ts', framework: 'fetch', credentials: 'dpop-jwt' },
  'minimal-dpop-check-fetch': { port: 4336, file: 'apps/minimal-dpop-check-fetch.ts', framework: 'fetch', credentials: 'dpop-jwt', reference: { floorOf: ['oidc-kit-dpop-jwt-fetch'] } },
};

/**
 * The bare app an app is measured against: its own framework's.
 *
 * @example
 * ```ts
 * bareOf('oidc-kit-session-hono'); // 'bare-hono'
 * bareOf('oidc-kit-session@baseline'); // 'bare-express'
 * ```
 */
export const bareOf = (name: string): string => `bare-${appSpec(name)!.framework}`;

/**
 * `BASELINE=<git ref> npm run bench` runs every oidc-kit app twice: as this checkout has it, and as
 * `<app>@baseline`, the same app file with the library as it was at the ref, on its own port.
 */
export const BASELINE_SUFFIX = '@baseline';
const BASELINE_PORT_OFFSET = 100;

/**
 * An app's spec by name, baseline variants included (undefined for an unknown name; anchors,
 * references and bare Express have no baseline variant: they do not use the library).
 *
 * @example
 * ```ts
 * appSpec('oidc-kit-session@baseline'); // { port: 4402, file: 'apps/oidc-kit-session.ts', …, baseline: true }
 * ```
 */
export function appSpec(name: string): AppSpec | undefined {
  if (!name.endsWith(BASELINE_SUFFIX)) return APPS[name];
  const spec = APPS[name.slice(0, -BASELINE_SUFFIX.length)];
  if (spec === undefined || spec.anchor === true || spec.reference !== undefined || spec.credentials === 'none') return undefined;
  return { ...spec, port: spec.port + BASELINE_PORT_OFFSET, baseline: true };
}

export const appUrl = (name: string): string => `http://${HOST}:${appSpec(name)!.port}`;
