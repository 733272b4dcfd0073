/**
 * An embedded development OpenID Provider, built on `oidc-provider` and `node:http`.
 *
 * FOR DEVELOPMENT AND TESTS ONLY. It is what `oidc-kit dev-provider` serves to any app, what the
 * demo app (`npm run demo`) uses, and the real provider the integration tests run in their process.
 * It deliberately makes everything easy:
 *
 * - any username logs in with any password, on pages of its own that need no network
 *   (dev-interactions.ts; oidc-provider's built-in ones load a font from Google);
 * - consent is granted automatically for every client and every requested OIDC scope and claim,
 *   even when the request says `prompt=consent`;
 * - PKCE (S256) is required for every client, public or confidential;
 * - it listens on plain http (or https, with `tls`) on 127.0.0.1, accepts loopback http redirect URIs and lets back-channel
 *   logout requests reach loopback addresses;
 * - accounts exist for any id and have made-up claims; signing and cookie keys are generated at
 *   start, so nothing survives a restart; all state is in memory.
 *
 * Never expose it on a network or use it to protect anything real.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import Provider from 'oidc-provider';
import type { ClientMetadata, Configuration } from 'oidc-provider';
import { answerInteraction } from './dev-interactions.ts';
import { devProviderConfiguration } from './provider-configuration.ts';

/**
 * Options for {@link startDevProvider}.
 *
 * @example
 * const options: DevProviderOptions = {
 *   clients: [devClient('http://127.0.0.1:3000/callback')],
 *   accountClaims: (id) => (id === 'admin' ? { groups: ['admins'] } : {}),
 *   configuration: { ttl: { AccessToken: 5 } },
 * };
 */
export interface DevProviderOptions {
  /** Port to listen on; 0 (default) picks a free one. Host is always 127.0.0.1. */
  port?: number;
  /** Registered clients (oidc-provider ClientMetadata). */
  clients: ClientMetadata[];
  /**
   * Extra claims for an account, merged over the default claims (`sub`, `email`, `email_verified`,
   * `name`, `preferred_username`); lets tests make huge ID tokens etc. Extra claims are released
   * with scope `profile`, in the ID token as well as from userinfo.
   *
   * oidc-provider needs the claim names up front: the standard OIDC profile claims plus `groups` and
   * `roles` are always supported, and the names returned by one call `accountClaims('dev-provider-probe')`
   * made at start are added to them. For other names, pass `configuration.claims`.
   */
  accountClaims?: (accountId: string) => Record<string, unknown>;
  /**
   * Shallow-merged over the built-in oidc-provider Configuration (tests use it to turn features on).
   * Exception: `features` and `ttl` are merged one level deeper, so `{ features: { deviceFlow: { enabled: true } } }`
   * adds a feature without turning off the built-in ones, and `{ ttl: { AccessToken: 5 } }` keeps the other TTLs.
   */
  configuration?: Partial<Configuration>;
  /**
   * Serve HTTPS with this key and certificate (PEM) instead of plain http; the issuer is then
   * `https://127.0.0.1:PORT`. For clients that refuse plain-http providers (oauth4webapi's own
   * users, such as `@hono/oidc-auth` in the benchmark); the client must trust the certificate.
   */
  tls?: { key: string; cert: string };
  /**
   * Sees every request before oidc-provider does and decides when it goes on: `pass()` hands it to
   * oidc-provider (now or later: a slow provider), or the hook answers it itself (a failing or
   * hanging endpoint). For tests of provider faults.
   */
  intercept?: (req: IncomingMessage, res: ServerResponse, pass: () => void) => void;
}

/**
 * A running development provider, returned by {@link startDevProvider}.
 *
 * @example
 * const op = await startDevProvider({ clients: [devClient('http://127.0.0.1:3000/callback')] });
 * console.log(`${op.issuer}/.well-known/openid-configuration`);
 * op.provider.on('end_session.success', () => console.log('signed out'));
 * await op.close();
 */
export interface DevProvider {
  /** The issuer identifier, e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  issuer: string;
  /** The oidc-provider instance. */
  provider: Provider;
  /**
   * Every request the provider received, oldest first (method, path, headers): lets a test assert
   * what a client did — or did not — send. Clear it with `requests.length = 0`.
   */
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>;
  /** Closes the server and all its open sockets (keep-alive included) promptly. */
  close(): Promise<void>;
}


/**
 * A confidential client registration that suits the dev provider: code flow, refresh tokens,
 * `client_secret_basic`, one redirect URI and a post-logout redirect URI at the redirect URI's origin (`origin + '/'`).
 *
 * @example
 * const client = devClient('http://127.0.0.1:3000/callback', {
 *   backchannel_logout_uri: 'http://127.0.0.1:3000/backchannel-logout',
 * });
 * // client.client_id === 'demo-client'
 */
export function devClient(redirectUri: string, overrides: Partial<ClientMetadata> = {}): ClientMetadata {
  return {
    client_id: 'demo-client',
    client_secret: 'demo-secret-for-development-only-0123456789',
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [`${new URL(redirectUri).origin}/`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...overrides,
  };
}

/**
 * Starts a development OpenID Provider on 127.0.0.1.
 *
 * @example
 * const op = await startDevProvider({
 *   clients: [devClient('http://127.0.0.1:3000/callback')],
 *   accountClaims: () => ({ groups: ['staff'] }),
 * });
 * // op.issuer === 'http://127.0.0.1:54321'; any username + any password logs in.
 * await op.close();
 */
export async function startDevProvider(options: DevProviderOptions): Promise<DevProvider> {
  // The issuer contains the port, so listen first and plug oidc-provider in once it exists.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const requests: DevProvider['requests'] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push({ method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://x').pathname, headers: req.headers });
    if (options.intercept === undefined) handler(req, res);
    else options.intercept(req, res, () => handler(req, res));
  };
  const server = options.tls === undefined ? createServer(listener) : createHttpsServer(options.tls, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const issuer = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  try {
    const provider = new Provider(issuer, await devProviderConfiguration(options));
    const callback = provider.callback();
    // Koa handles its own errors; answerInteraction answers its own (never rejects).
    handler = (req, res) => {
      void answerInteraction(provider, req, res).then((answered) => {
        if (!answered) void callback(req, res);
      });
    };
    return { issuer, provider, requests, close };
  } catch (error) {
    await close();
    throw error;
  }
}

