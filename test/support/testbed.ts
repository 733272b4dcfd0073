import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientMetadata, Configuration } from 'oidc-provider';
import { devClient, startDevProvider, type DevProvider } from '../../src/dev-provider/dev-provider.ts';

import type { ExpressOpenIDConnectOptions } from '../../src/express.ts';
import { TestBrowser } from './browser.ts';
import { type AdapterName, buildTestApp, type ExpressRoutes, type TestOidc } from './test-app.ts';
import type { TestErrorView } from './test-hooks.ts';
import type { TestRoute } from './test-routes.ts';

export { ADAPTERS, EXPRESS_FLAVORS, PACKAGE_ADAPTERS, expressOidc, type AdapterName, type ExpressFlavor, type TestApp, type TestOidc } from './test-app.ts';
export { setCallback } from './test-hooks.ts';
export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const CLIENT_SECRET = 'test-client-secret-0123456789-abcdefgh';

/** What a testbed is started with. */
export interface TestbedOptions {
  /** The adapter the app runs on (default Express 5). */
  adapter?: AdapterName;
  /** oidc-kit options over the defaults (issuer, client, baseUrl, secret); a function sees the URLs. */
  oidc?: Partial<ExpressOpenIDConnectOptions> | ((urls: { issuer: string; appUrl: string }) => Partial<ExpressOpenIDConnectOptions>);
  accountClaims?: (accountId: string) => Record<string, unknown>;
  providerConfiguration?: Partial<Configuration>;
  /** Client registration overrides; a function sees the app's URL. */
  client?: Partial<ClientMetadata> | ((urls: { appUrl: string }) => Partial<ClientMetadata>);
  /** Extra routes for one test file, as data (every adapter), mounted before the standard test routes. */
  appRoutes?: readonly TestRoute[];
  /** Extra routes in Express's own terms (Express adapters only), mounted after the middleware. */
  routes?: ExpressRoutes;
  /** The error view, as data (every adapter, each in its own terms). */
  errorView?: TestErrorView;
  /** Sees every request to the provider first (the dev provider's `intercept`): e.g. holds token requests. */
  intercept?: (req: IncomingMessage, res: ServerResponse, pass: () => void) => void;
}

/** A running provider and app on 127.0.0.1, with the standard test routes (test-routes.ts). */
export interface Testbed {
  appUrl: string;
  op: DevProvider;
  /** oidc-kit: the Express object (`expressOidc(bed.oidc)` for Express's own API), or the core (node-http). */
  oidc: TestOidc;
  /** Warnings oidc-kit logged (never printed). */
  warnings: Array<{ message: string; details: Record<string, unknown> | undefined }>;
  /** Lines oidc-kit logged at debug (every refused request, in full). */
  debug: Array<{ message: string; details: Record<string, unknown> | undefined }>;
  browser(): TestBrowser;
  /** Replaces the app (same port) with one built from new options, e.g. a rotated secret. */
  reconfigure(oidc: TestbedOptions['oidc']): void;
  close(): Promise<void>;
}

/**
 * Starts the dev provider and an app using oidc-kit on the chosen adapter, wired to each other over real HTTP.
 *
 * @example
 * ```ts
 * const bed = await startTestbed({ adapter: 'node-http' });
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
    ...(options.intercept ? { intercept: options.intercept } : {}),
  });
  const warnings: Testbed['warnings'] = [];
  const debug: Testbed['debug'] = [];
  const build = (oidcOptions: TestbedOptions['oidc']): TestOidc => {
    const extra = typeof oidcOptions === 'function' ? oidcOptions({ issuer: op.issuer, appUrl }) : oidcOptions ?? {};
    const app = buildTestApp(options.adapter ?? 'express5', {
      baseUrl: appUrl,
      secret: SECRET,
      issuer: op.issuer,
      clientId: 'demo-client',
      clientSecret: CLIENT_SECRET,
      scope: 'openid email profile',
      logger: { warn: (message, details) => warnings.push({ message, details }), debug: (message, details) => debug.push({ message, details }) },
      ...extra,
    }, { routes: options.appRoutes ?? [], expressRoutes: options.routes, errorView: options.errorView });
    mount(server, app.listener);
    return app.oidc;
  };
  const bed: Testbed = {
    appUrl,
    op,
    oidc: build(options.oidc),
    warnings,
    debug,
    browser: () => new TestBrowser(),
    reconfigure(oidcOptions) {
      bed.oidc = build(oidcOptions);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await op.close();
    },
  };
  return bed;
}

function mount(server: Server, app: (req: IncomingMessage, res: ServerResponse) => void): void {
  server.removeAllListeners('request');
  server.on('request', app);
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
