/**
 * `npm run demo`: the oidc-kit demo app, with an embedded development OpenID provider unless
 * `OIDC_ISSUER` points it at a real one. The same pages and routes (site.ts) on each framework.
 *
 * Environment:
 * - `DEMO_FRAMEWORK`: `express` (default), `fastify`, `hono` (on @hono/node-server) or `fetch`
 *   (oidc-kit/fetch's handlers on Node's HTTP server).
 * - `PORT`: port of the app (default 3000; 0 picks a free one).
 * - `BASE_URL`: public URL of the app (default `http://localhost:<port>`).
 * - `OIDC_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`: an external provider and this app's
 *   client there. Without `OIDC_ISSUER`, the embedded dev provider starts (any username logs in).
 *   Register at the external provider, for this app's base URL: the redirect URI `/callback`, the
 *   post-logout redirect URI `/logout/callback` and, if it does back-channel logout, the back-channel
 *   logout URI `/backchannel-logout` (all printed at start).
 * - `OIDC_API_AUDIENCE`: the audience the demo's API (`GET /api/me`, `GET /api/admin`) requires in
 *   bearer tokens (default `<base URL>/api`; the embedded provider issues JWT access tokens for it).
 * - `SESSION_SECRET`: encrypts the session cookie, at least 32 characters (default: random per run).
 * - `REDIS_URL`: keep sessions in Redis (`redis://host:port`), as several instances of an app would
 *   (default: in an encrypted cookie). With SESSION_SECRET set too, sessions survive a restart.
 * - `DEV_PROVIDER_PORT`: port of the embedded provider on 127.0.0.1 (default 0, a free one).
 * - `DEMO_DPOP=1`: DPoP (RFC 9449): each session's tokens are bound to a key of its own (`dpop`),
 *   the profile page calls the API with `req.oidc.fetch()` (a proof per call), and the API accepts
 *   DPoP-bound tokens beside Bearer ones (`resourceServer.dpop: 'allowed'`). The provider must do DPoP.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError } from 'oidc-kit';
import type { ClientMetadata } from 'oidc-provider';
import { createRedisStore } from 'oidc-kit/redis';
import { jwtApiResources } from '../../src/dev-provider/api-resources.ts';
import { devClient, startDevProvider, type DevProvider } from '../../src/dev-provider/dev-provider.ts';
import { type ApiGuide, clientCredentialsCommand } from './pages.ts';
import type { DemoWiring } from './site.ts';

const SCOPE = 'openid email profile offline_access';
/** oidc-kit's default post-logout route, where the provider sends the browser after logging out there. */
const POST_LOGOUT_PATH = '/logout/callback';
/** Where the provider POSTs its back-channel logout tokens (oidc-kit mounts it: `routes.backchannelLogout`). */
const BACKCHANNEL_LOGOUT_PATH = '/backchannel-logout';
/** The embedded provider's machine client: gets tokens for the demo API with the client credentials grant. */
const API_CLIENT = { id: 'demo-api-client', secret: 'demo-api-secret-for-development-only-0123456789' };
/** Scopes the embedded provider grants for the demo API. */
const API_SCOPES = 'read admin';

/**
 * The frameworks the demo runs on, each wiring loaded only when chosen: a framework is an optional
 * peer dependency of oidc-kit, so the others need not be installed.
 */
const FRAMEWORKS = {
  express: async () => (await import('./express.ts')).createDemo,
  fastify: async () => (await import('./fastify.ts')).createDemo,
  hono: async () => (await import('./hono.ts')).createDemo,
  fetch: async () => (await import('./fetch.ts')).createDemo,
} satisfies Record<string, () => Promise<DemoWiring>>;
type Framework = keyof typeof FRAMEWORKS;

/** The demo's settings, read from the environment. */
interface DemoSettings {
  framework: Framework;
  port: number;
  baseUrl: string | undefined;
  devProviderPort: number;
  /** Set when an external provider is used. */
  external: { issuer: string; clientId: string; clientSecret: string } | undefined;
  apiAudience: string | undefined;
  sessionSecret: string | undefined;
  redisUrl: string | undefined;
  /** DEMO_DPOP=1: sessions' tokens bound to a key (DPoP), and the API accepting them. */
  dpop: boolean;
}

/** A start-up problem, reported as one line without a stack trace. */
class StartupError extends Error {}

function readSettings(env: NodeJS.ProcessEnv): DemoSettings {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };

  const framework = value('DEMO_FRAMEWORK') ?? 'express';
  if (!Object.hasOwn(FRAMEWORKS, framework)) {
    throw new StartupError(`DEMO_FRAMEWORK must be one of ${Object.keys(FRAMEWORKS).join(', ')} (got "${framework}").`);
  }

  const issuer = value('OIDC_ISSUER');
  let external: DemoSettings['external'];
  if (issuer !== undefined) {
    const clientId = value('OIDC_CLIENT_ID');
    const clientSecret = value('OIDC_CLIENT_SECRET');
    const missing = [clientId === undefined ? 'OIDC_CLIENT_ID' : '', clientSecret === undefined ? 'OIDC_CLIENT_SECRET' : ''].filter(Boolean);
    if (clientId === undefined || clientSecret === undefined) {
      throw new StartupError(`OIDC_ISSUER is set, so ${missing.join(' and ')} must be set too (this app's client at ${issuer}).`);
    }
    external = { issuer, clientId, clientSecret };
  }

  const baseUrl = value('BASE_URL');
  if (baseUrl !== undefined && !URL.canParse(baseUrl)) {
    throw new StartupError(`BASE_URL "${baseUrl}" is not an absolute URL; write it like http://localhost:3000.`);
  }
  const redisUrl = value('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:$/.test(URL.canParse(redisUrl) ? new URL(redisUrl).protocol : '')) {
    throw new StartupError('REDIS_URL must look like redis://localhost:6379 (or rediss:// for TLS).');
  }
  const dpop = value('DEMO_DPOP') ?? '0';
  if (dpop !== '0' && dpop !== '1') throw new StartupError(`DEMO_DPOP must be 1 (DPoP-bound tokens) or 0 (got "${dpop}").`);
  return {
    framework: framework as Framework,
    port: portFrom('PORT', value('PORT'), 3000),
    baseUrl: baseUrl?.replace(/\/+$/, ''),
    devProviderPort: portFrom('DEV_PROVIDER_PORT', value('DEV_PROVIDER_PORT'), 0),
    external,
    apiAudience: value('OIDC_API_AUDIENCE'),
    sessionSecret: value('SESSION_SECRET'),
    redisUrl,
    dpop: dpop === '1',
  };
}

/** The URL without its password, for printing. */
function redactedUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.href;
}

function portFrom(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new StartupError(`${name} must be a port number from 0 to 65535 (got "${text}").`);
  return port;
}

function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(error.code === 'EADDRINUSE' ? new StartupError(`port ${port} is already in use; set PORT to another one (0 picks a free port).`) : error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  // Load the framework first: a missing package is a one-line start-up error, before anything listens.
  const createDemo = await loadFramework(settings.framework);

  // Listen first: with PORT=0 the base URL (and so the redirect URI) depends on the port we get.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end('Starting…');
  };
  const server = createServer((req, res) => handler(req, res));
  let provider: DevProvider | undefined;
  // Sessions in Redis when REDIS_URL is set; the store connects in the background and reconnects by itself.
  const store = settings.redisUrl === undefined ? undefined : createRedisStore({ url: settings.redisUrl });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 3000).unref(); // should a close hang
    void Promise.all([closeServer(server), provider?.close(), store?.close()]).finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  try {
    const port = await listen(server, settings.port);
    const baseUrl = settings.baseUrl ?? `http://localhost:${port}`;
    const redirectUri = `${baseUrl}/callback`;
    const postLogoutRedirectUri = `${baseUrl}${POST_LOGOUT_PATH}`;
    const backchannelLogoutUri = `${baseUrl}${BACKCHANNEL_LOGOUT_PATH}`;

    const apiAudience = settings.apiAudience ?? `${baseUrl}/api`;

    let issuer: string;
    let clientId: string;
    let clientSecret: string;
    let apiGuide: ApiGuide;
    if (settings.external) {
      ({ issuer, clientId, clientSecret } = settings.external);
      apiGuide = { appUrl: baseUrl, audience: apiAudience, clientCredentials: undefined };
    } else {
      const client = devClient(redirectUri, {
        post_logout_redirect_uris: [postLogoutRedirectUri, `${baseUrl}/`],
        backchannel_logout_uri: backchannelLogoutUri,
        backchannel_logout_session_required: true,
      });
      provider = await startDevProvider({
        port: settings.devProviderPort,
        clients: [client, apiClient()],
        // The demo API's tokens: JWTs for its audience, from the client credentials grant.
        configuration: jwtApiResources(new Set([apiAudience]), API_SCOPES),
      });
      reportBackchannelLogouts(provider);
      issuer = provider.issuer;
      clientId = client.client_id;
      clientSecret = client.client_secret!;
      apiGuide = {
        appUrl: baseUrl,
        audience: apiAudience,
        clientCredentials: { tokenEndpoint: `${issuer}/token`, clientId: API_CLIENT.id, clientSecret: API_CLIENT.secret, scope: API_SCOPES },
      };
    }

    const listener = await createDemo({
      baseUrl,
      secret: settings.sessionSecret ?? randomBytes(32).toString('base64url'),
      issuer,
      clientId,
      clientSecret,
      scope: SCOPE,
      // `/logout` ends the session here and at the provider (logoutAtProvider, default true), which
      // sends the browser back to `/logout/callback` and tells every app of that session over the back channel.
      routes: { postLogout: POST_LOGOUT_PATH, backchannelLogout: BACKCHANNEL_LOGOUT_PATH },
      // GET /api/me and /api/admin accept bearer tokens issued for this audience only; with
      // DEMO_DPOP=1 also DPoP-bound ones, each call with its proof.
      resourceServer: { audience: apiAudience, ...(settings.dpop ? { dpop: 'allowed' as const } : {}) },
      // DEMO_DPOP=1: each session's tokens are bound to a key of its own.
      ...(settings.dpop ? { dpop: true } : {}),
      ...(store === undefined ? {} : { session: { store } }),
      // The embedded provider issues the login's access token for the demo API (RFC 8707 resource
      // indicator), so the profile page's "Call the API" buttons work with it. Such a token is not
      // for UserInfo, and the embedded provider puts the claims in the ID token anyway.
      ...(provider === undefined ? {} : { authorizationParams: { resource: apiAudience }, userInfo: false }),
    }, apiGuide);
    // Sessions need Redis: wait for it (a little) before serving, and say so if it is not there yet.
    await store?.ready(5000).catch((error: unknown) => process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`));
    handler = listener;

    const lines = [
      '',
      `oidc-kit demo on ${FRAMEWORK_NAMES[settings.framework]}`,
      `Demo app listening on ${baseUrl}`,
      `  home:     ${baseUrl}/`,
      `  log in:   ${baseUrl}/login?returnTo=/profile`,
      `  profile:  ${baseUrl}/profile (JSON with "Accept: application/json")`,
      provider
        ? `Embedded dev provider (development only): issuer ${issuer}\n  log in with any username and password`
        : `OpenID provider: ${issuer}`,
      `  client id: ${clientId}; redirect URI: ${redirectUri}; scope: ${SCOPE}`,
      `  post-logout redirect URI: ${postLogoutRedirectUri}; back-channel logout URI: ${backchannelLogoutUri}`,
      `API: ${baseUrl}/api/me and ${baseUrl}/api/admin (bearer tokens for audience ${apiAudience})`,
      ...(settings.dpop ? ['DPoP: each session\'s tokens are bound to its own key; the profile page calls the API with a proof (DEMO_DPOP=1).'] : []),
      ...(apiGuide.clientCredentials
        ? [`  get a token: ${clientCredentialsCommand(apiGuide.clientCredentials, apiAudience)}`]
        : []),
      store === undefined
        ? 'Sessions: in an encrypted cookie (set REDIS_URL to keep them in Redis).'
        : `Sessions: in Redis at ${redactedUrl(settings.redisUrl ?? '')}.`,
      settings.sessionSecret
        ? 'Session secret: from SESSION_SECRET.'
        : 'Session secret: generated at random for this run, so sessions won\'t survive a restart (set SESSION_SECRET to keep them).',
      'Press Ctrl+C to stop.',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } catch (error) {
    await Promise.all([closeServer(server), provider?.close(), store?.close()]);
    throw error;
  }
}

/** How the start-up lines name each framework. */
const FRAMEWORK_NAMES: Record<Framework, string> = {
  express: 'Express (oidc-kit/express)',
  fastify: 'Fastify (oidc-kit/fastify)',
  hono: 'Hono on @hono/node-server (oidc-kit/hono)',
  fetch: 'fetch handlers on node:http (oidc-kit/fetch)',
};

/** The framework's wiring; a framework that is not installed is a start-up error that says what to install. */
async function loadFramework(framework: Framework): Promise<DemoWiring> {
  try {
    return await FRAMEWORKS[framework]();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new StartupError(`DEMO_FRAMEWORK=${framework} needs a package that is not installed (${(error as Error).message.split('\n')[0]}); run npm ci.`);
  }
}

/** The embedded provider's machine client for the demo API (development only: its secret is public). */
function apiClient(): ClientMetadata {
  return {
    client_id: API_CLIENT.id,
    client_secret: API_CLIENT.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: API_SCOPES,
  };
}

/**
 * Prints the embedded provider's back-channel logout calls to the app, so that one can watch the
 * provider tell the app that a session ended (oidc-provider counts only 200 and 204 as delivered).
 */
function reportBackchannelLogouts(devProvider: DevProvider): void {
  devProvider.provider.on('backchannel.success', (_ctx, client) => {
    console.log(`dev provider: back-channel logout delivered to ${client.clientId} (${client.backchannelLogoutUri ?? ''})`);
  });
  devProvider.provider.on('backchannel.error', (_ctx, error, client) => {
    console.error(`dev provider: back-channel logout to ${client.clientId} failed: ${error.message}`);
  });
}

main().catch((error: unknown) => {
  if (error instanceof StartupError || error instanceof ConfigurationError) {
    console.error(`demo: ${error.message}`);
  } else {
    console.error('demo: could not start:', error);
  }
  process.exit(1);
});
