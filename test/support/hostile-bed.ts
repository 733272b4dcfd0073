// An Express app using oidc-kit, wired over real HTTP to the hostile provider — the conformance
// suite's counterpart of testbed.ts (which wires it to the real oidc-provider).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ExpressOpenIDConnectOptions } from '../../src/express.ts';
import { TestBrowser, type NavigateResult } from './browser.ts';
import { startHostileProvider, type HostileProvider } from './hostile-provider.ts';
import { type AdapterName, buildTestApp, type TestOidc } from './test-app.ts';
import { SECRET, type TestbedOptions } from './testbed.ts';

/** What a hostile bed is started with. */
export interface HostileBedOptions {
  /** oidc-kit options over the defaults (issuer, client, baseUrl, secret); a function sees the URLs. */
  oidc?: Partial<ExpressOpenIDConnectOptions> | ((urls: { issuer: string; appUrl: string }) => Partial<ExpressOpenIDConnectOptions>);
  /** Options of the provider (its host, a path issuer). */
  provider?: Parameters<typeof startHostileProvider>[0];
  /** The adapter the app runs on (default Express 5). */
  adapter?: AdapterName;
  appRoutes?: TestbedOptions['appRoutes'];
  routes?: TestbedOptions['routes'];
}

/** A running hostile provider and an app on 127.0.0.1 logging into it. */
export interface HostileBed {
  appUrl: string;
  op: HostileProvider;
  oidc: TestOidc;
  /** Warnings oidc-kit logged (never printed). */
  warnings: Array<{ message: string; details: Record<string, unknown> | undefined }>;
  browser(): TestBrowser;
  /**
   * Logs a new browser in (GET /login?returnTo=…, through the provider, back to the app), stopping
   * before the callback when `stopAtCallback` (to tamper with it). Returns the browser and where it ended.
   */
  login(options?: { returnTo?: string; stopAtCallback?: boolean; browser?: TestBrowser }): Promise<NavigateResult & { browser: TestBrowser }>;
  /** Replaces the app (same port) with one built from new options. */
  reconfigure(oidc: HostileBedOptions['oidc']): void;
  close(): Promise<void>;
}

/**
 * Starts the hostile provider and an app on the chosen adapter (the standard test routes: /, /profile, /tokens, /api/token…)
 * whose oidc-kit logs into it with client_secret_basic. The provider only accepts the app's
 * /callback and its / and /logout/callback as post-logout targets.
 *
 * @example
 * ```ts
 * const bed = await startHostileBed();
 * bed.op.idToken = (claims) => ({ ...claims, aud: 'someone-else' });
 * const { response } = await bed.login();
 * assert.equal(response.status, 400);
 * assert.equal(bed.op.count('/userinfo'), 0);
 * ```
 */
export async function startHostileBed(options: HostileBedOptions = {}): Promise<HostileBed> {
  const op = await startHostileProvider(options.provider);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  op.client.redirectUris = [`${appUrl}/callback`];
  op.client.postLogoutRedirectUris = [`${appUrl}/`, `${appUrl}/logout/callback`];
  const warnings: HostileBed['warnings'] = [];
  const build = (oidcOptions: HostileBedOptions['oidc']): TestOidc => {
    const extra = typeof oidcOptions === 'function' ? oidcOptions({ issuer: op.issuer, appUrl }) : oidcOptions ?? {};
    const app = buildTestApp(options.adapter ?? 'express5', {
      baseUrl: appUrl,
      secret: SECRET,
      issuer: op.issuer,
      clientId: op.client.clientId,
      clientSecret: op.client.clientSecret,
      scope: 'openid email profile',
      logger: { warn: (message, details) => warnings.push({ message, details }) },
      ...extra,
    }, { routes: options.appRoutes ?? [], expressRoutes: options.routes });
    server.removeAllListeners('request');
    server.on('request', app.listener);
    return app.oidc;
  };
  const bed: HostileBed = {
    appUrl,
    op,
    oidc: build(options.oidc),
    warnings,
    browser: () => new TestBrowser(),
    async login({ returnTo = '/profile', stopAtCallback = false, browser = new TestBrowser() } = {}) {
      const result = await browser.navigate(`${appUrl}/login?returnTo=${encodeURIComponent(returnTo)}`, { headers: { accept: 'application/json' } }, {
        ...(stopAtCallback ? { stopWhen: (url: URL) => url.origin === appUrl && url.pathname === '/callback' } : {}),
      });
      return { ...result, browser };
    },
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

/** Where a login through a hostile bed ended: its status, oidc-kit's error code and reason, or the user. */
export interface Attempt {
  status: number;
  error: string | undefined;
  reason: string | undefined;
  sub: string | undefined;
  browser: TestBrowser;
}

/**
 * Logs in through the provider as a JSON client (a fresh browser) and reads where it ended.
 *
 * @example
 * ```ts
 * const result = await attempt(bed);
 * assert.equal(result.sub, 'alice');
 * ```
 */
export async function attempt(bed: HostileBed): Promise<Attempt> {
  const { response, browser } = await bed.login();
  const body = response.body.startsWith('{') ? (JSON.parse(response.body) as { error?: string; reason?: string; sub?: string }) : {};
  return { status: response.status, error: body.error, reason: body.reason, sub: body.sub, browser };
}

/**
 * Asserts that the browser has no session at the app.
 *
 * @example
 * ```ts
 * await assertNoSession(bed, result.browser);
 * ```
 */
export async function assertNoSession(bed: HostileBed, browser: TestBrowser): Promise<void> {
  const home = await browser.request(`${bed.appUrl}/`, { headers: { accept: 'application/json' } });
  assert.deepEqual(JSON.parse(home.body), { authenticated: false, sub: null }, 'no session');
}

/**
 * Asserts a refused login: 400 with the code (and reason), no UserInfo call, no session.
 *
 * @example
 * ```ts
 * await assertRefused(bed, await attempt(bed), 'id_token_invalid', 'aud');
 * ```
 */
export async function assertRefused(bed: HostileBed, result: Attempt, error: string, reason?: string): Promise<void> {
  assert.equal(result.status, 400, `refused with 400 (${result.error ?? ''} ${result.reason ?? ''})`);
  assert.equal(result.error, error);
  if (reason !== undefined) assert.equal(result.reason, reason);
  assert.equal(bed.op.count('/userinfo'), 0, 'no UserInfo call');
  await assertNoSession(bed, result.browser);
}

/**
 * `token` with every signature byte XOR 0x5A (the certification suite's "invalid signature" case).
 *
 * @example
 * ```ts
 * bed.op.signIdToken = async (claims) => flipSignature(await bed.op.sign(claims));
 * ```
 */
export function flipSignature(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  return `${h}.${p}.${Buffer.from(Buffer.from(s, 'base64url').map((b) => b ^ 0x5a)).toString('base64url')}`;
}
