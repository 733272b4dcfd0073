import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import express4 from 'express4';
import type { ClientMetadata, Configuration } from 'oidc-provider';
import { devClient, startDevProvider, type DevProvider } from '../../examples/dev-provider/dev-provider.ts';

import { OpenIDConnect, type ExpressOpenIDConnectOptions } from '../../src/express.ts';
import { TestBrowser } from './browser.ts';

export type ExpressFlavor = 'express5' | 'express4';
export const EXPRESS_FLAVORS: ExpressFlavor[] = ['express5', 'express4'];
export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const CLIENT_SECRET = 'test-client-secret-0123456789-abcdefgh';

/** What a testbed is started with. */
export interface TestbedOptions {
  express?: ExpressFlavor;
  /** oidc-kit options over the defaults (issuer, client, baseUrl, secret); a function sees the URLs. */
  oidc?: Partial<ExpressOpenIDConnectOptions> | ((urls: { issuer: string; appUrl: string }) => Partial<ExpressOpenIDConnectOptions>);
  accountClaims?: (accountId: string) => Record<string, unknown>;
  providerConfiguration?: Partial<Configuration>;
  /** Client registration overrides; a function sees the app's URL. */
  client?: Partial<ClientMetadata> | ((urls: { appUrl: string }) => Partial<ClientMetadata>);
  /** Extra routes for one test file, mounted after the middleware and before the built-in test routes. */
  routes?: (app: TestApp, oidc: OpenIDConnect) => void;
}

/** The Express app of a testbed (Express 4 or 5; their route APIs are the same here). */
export type TestApp = ReturnType<typeof express5>;

/** A running provider and Express app on 127.0.0.1, with the test routes below. */
export interface Testbed {
  appUrl: string;
  op: DevProvider;
  oidc: OpenIDConnect;
  /** Warnings oidc-kit logged (never printed). */
  warnings: Array<{ message: string; details: Record<string, unknown> | undefined }>;
  browser(): TestBrowser;
  /** Replaces the app (same port) with one built from new options, e.g. a rotated secret. */
  reconfigure(oidc: TestbedOptions['oidc']): void;
  close(): Promise<void>;
}

/**
 * Starts the dev provider and an Express app using oidc-kit, wired to each other over real HTTP.
 *
 * @example
 * ```ts
 * const bed = await startTestbed({ express: 'express4' });
 * const { response } = await loginThroughProvider(bed.browser(), `${bed.appUrl}/profile`, 'alice');
 * ```
 */
export async function startTestbed(options: TestbedOptions = {}): Promise<Testbed> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const op = await startDevProvider({
    // Also registered: /oidc_callback, Flask-OIDC's default, for the tests of a custom callback path.
    clients: [{
      ...devClient(`${appUrl}/callback`),
      redirect_uris: [`${appUrl}/callback`, `${appUrl}/oidc_callback`],
      post_logout_redirect_uris: [`${appUrl}/logout/callback`, `${appUrl}/`],
      backchannel_logout_uri: `${appUrl}/backchannel-logout`,
      backchannel_logout_session_required: true,
      client_secret: CLIENT_SECRET,
      ...(typeof options.client === 'function' ? options.client({ appUrl }) : options.client),
    }],
    ...(options.accountClaims ? { accountClaims: options.accountClaims } : {}),
    ...(options.providerConfiguration ? { configuration: options.providerConfiguration } : {}),
  });
  const warnings: Testbed['warnings'] = [];
  const build = (oidcOptions: TestbedOptions['oidc']): OpenIDConnect => {
    const extra = typeof oidcOptions === 'function' ? oidcOptions({ issuer: op.issuer, appUrl }) : oidcOptions ?? {};
    return new OpenIDConnect({
      baseUrl: appUrl,
      secret: SECRET,
      issuer: op.issuer,
      clientId: 'demo-client',
      clientSecret: CLIENT_SECRET,
      scope: 'openid email profile',
      logger: { warn: (message, details) => warnings.push({ message, details }) },
      ...extra,
    });
  };
  const bed: Testbed = {
    appUrl,
    op,
    oidc: build(options.oidc),
    warnings,
    browser: () => new TestBrowser(),
    reconfigure(oidcOptions) {
      bed.oidc = build(oidcOptions);
      mount(server, testApp(bed.oidc, options.express ?? 'express5', options.routes));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await op.close();
    },
  };
  mount(server, testApp(bed.oidc, options.express ?? 'express5', options.routes));
  return bed;
}

function mount(server: Server, app: (req: IncomingMessage, res: ServerResponse) => void): void {
  server.removeAllListeners('request');
  server.on('request', app);
}

/**
 * The application the integration tests log into: oidc-kit's middleware, the test's own routes, and
 * /, /profile, /tokens, /live, /api/strict, /always-redirect, /custom-login, /bad-login,
 * /custom-logout, /api/token, then the error handler.
 *
 * @example
 * ```ts
 * server.on('request', testApp(new OpenIDConnect(options), 'express5', undefined));
 * ```
 */
export function testApp(oidc: OpenIDConnect, flavor: ExpressFlavor, routes: TestbedOptions['routes']) {
  const express = flavor === 'express4' ? express4 : express5;
  const app = express();
  app.use(oidc.middleware());
  routes?.(app, oidc);
  app.get('/', (req, res) => {
    res.json({ authenticated: req.oidc.isAuthenticated, sub: req.oidc.user?.sub ?? null });
  });
  app.get('/profile', oidc.requireLogin(), async (req, res, next) => {
    try {
      res.json({ sub: req.oidc.user?.sub, claims: req.oidc.user, email: await req.oidc.getField('email') });
    } catch (error) {
      next(error);
    }
  });
  app.get('/tokens', oidc.requireLogin(), async (req, res) => {
    res.json({
      idToken: req.oidc.idToken,
      accessToken: await req.oidc.accessToken(),
      refreshToken: req.oidc.refreshToken ?? null,
      accessTokenExpiresAt: req.oidc.accessTokenExpiresAt?.toISOString() ?? null,
      sessionExpiresAt: req.oidc.sessionExpiresAt?.toISOString() ?? null,
      scope: req.oidc.scope ?? null,
      provider: req.oidc.provider ?? null,
    });
  });
  app.get('/live', oidc.requireLogin(), async (req, res, next) => {
    try {
      res.json(await req.oidc.getInfo(['email', 'name', 'missing_claim'], { live: true }));
    } catch (error) {
      next(error);
    }
  });
  app.get('/api/strict', oidc.requireLogin({ unauthenticated: 'status' }), (req, res) => {
    res.json({ sub: req.oidc.user?.sub });
  });
  app.get('/always-redirect', oidc.requireLogin({ unauthenticated: 'redirect' }), (_req, res) => {
    res.send('ok');
  });
  app.get('/custom-login', (req, res, next) => {
    req.oidc.login({ returnTo: '/profile', authorizationParams: { login_hint: 'hinted-user' } }).catch(next);
  });
  app.get('/bad-login', (req, res) => {
    req.oidc.login({ authorizationParams: { state: 'chosen-by-the-app' } }).catch((error: unknown) => {
      res.status(500).json({ name: (error as Error).name, message: (error as Error).message });
    });
  });
  app.get('/custom-logout', (req, res, next) => {
    req.oidc.logout({ returnTo: '/bye' }).catch(next);
  });
  // A route that needs a valid access token: refreshes it when due, 401/redirect when it cannot.
  app.get('/api/token', oidc.requireLogin(), async (req, res, next) => {
    try {
      res.json({ accessToken: await req.oidc.accessToken({ forceRefresh: req.query['force'] === '1' }), refreshToken: req.oidc.refreshToken ?? null });
    } catch (error) {
      next(error);
    }
  });
  app.use(oidc.errorHandler());
  return app;
}

/**
 * Runs `test` against a fresh testbed and always closes it, whatever the test does.
 *
 * @example
 * ```ts
 * await withTestbed({ oidc: { requireVerifiedEmail: true } }, async (bed) => { … });
 * ```
 */
export async function withTestbed(options: TestbedOptions, test: (bed: Testbed) => Promise<void>): Promise<void> {
  const bed = await startTestbed(options);
  try {
    await test(bed);
  } finally {
    await bed.close();
  }
}
