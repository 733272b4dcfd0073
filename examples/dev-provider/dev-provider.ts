/**
 * An embedded development OpenID Provider, built on `oidc-provider` and `node:http`.
 *
 * FOR DEVELOPMENT AND TESTS ONLY. It is used by the demo app (`npm run demo`) and by the integration
 * tests, which run a real provider inside the test process. It deliberately makes everything easy:
 *
 * - any username logs in with any password (oidc-provider's built-in `devInteractions` login form);
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
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import { exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import Provider, { interactionPolicy } from 'oidc-provider';
import type { Account, ClientMetadata, Configuration, Grant, KoaContextWithOIDC } from 'oidc-provider';

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

/** Standard OIDC profile claims, plus two common extras; all released with scope `profile`. */
const PROFILE_CLAIMS = [
  'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile',
  'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at', 'groups', 'roles',
];
const EMAIL_CLAIMS = ['email', 'email_verified'];
const PROBE_ACCOUNT_ID = 'dev-provider-probe';

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
    const provider = new Provider(issuer, await buildConfiguration(options));
    const callback = provider.callback();
    handler = (req, res) => void callback(req, res); // Koa handles its own errors
    return { issuer, provider, requests, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function buildConfiguration(options: DevProviderOptions): Promise<Configuration> {
  const accountClaims = options.accountClaims ?? (() => ({}));
  const probed = Object.keys(accountClaims(PROBE_ACCOUNT_ID)).filter(
    (name) => name !== 'sub' && !EMAIL_CLAIMS.includes(name),
  );

  // Consent is automatic: the consent prompt must not be forced by `prompt=consent` (needed to get
  // `offline_access`) nor by native clients; the grant itself comes from loadExistingGrant below.
  const policy = interactionPolicy.base();
  policy.get('consent')?.checks.remove('consent_prompt');
  policy.get('consent')?.checks.remove('native_client_prompt');

  const { features, ttl, ...rest } = options.configuration ?? {};
  const builtInFeatures: Configuration['features'] = {
    devInteractions: { enabled: true },
    revocation: { enabled: true, allowedPolicy: sameClientPolicy },
    introspection: { enabled: true, allowedPolicy: sameClientPolicy },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    backchannelLogout: { enabled: true },
  };
  const base: Configuration = {
    clients: options.clients,
    jwks: { keys: [await signingKey('RS256'), await signingKey('ES256')] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    claims: {
      openid: ['sub'],
      email: EMAIL_CLAIMS,
      profile: [...new Set([...PROFILE_CLAIMS, ...probed])],
    },
    // Release scope claims in the ID token too, not only from userinfo.
    conformIdTokenClaims: false,
    findAccount: (_ctx, sub): Account => ({
      accountId: sub,
      claims: () => ({
        sub,
        email: `${sub}@example.com`,
        email_verified: true,
        name: sub,
        preferred_username: sub,
        ...accountClaims(sub),
      }),
    }),
    interactions: { policy },
    loadExistingGrant,
    // Any client allowed the refresh_token grant gets one (bound to the session unless offline_access was granted).
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    pkce: { required: () => true },
    // The typings model features as a union (RAR / OpenID4VCI / introspection combinations) that a
    // spread of caller-supplied features cannot be checked against; oidc-provider validates it at runtime.
    features: { ...builtInFeatures, ...features } as Configuration['features'],
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      ...ttl,
    },
    clientBasedCORS: () => true,
    renderError,
    // oidc-provider 9 refuses outgoing requests (back-channel logout, jwks_uri…) to special-use IP
    // addresses such as 127.0.0.1 by passing its own undici dispatcher; drop it so loopback works.
    fetch: (input, init) => {
      const plain: RequestInit & { dispatcher?: unknown } = { ...init };
      delete plain.dispatcher;
      return fetch(input, plain);
    },
  };
  return { ...base, ...rest };
}

async function signingKey(alg: 'RS256' | 'ES256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `dev-${alg.toLowerCase()}-${randomBytes(6).toString('hex')}`, use: 'sig', alg };
}

/** Automatic consent: the grant always covers the OIDC scopes and claims being requested. */
async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant> {
  const { oidc } = ctx;
  const clientId = oidc.client!.clientId;
  const accountId = oidc.session!.accountId!;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(clientId);
  let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!grant || grant.accountId !== accountId || grant.clientId !== clientId) {
    grant = new oidc.provider.Grant({ accountId, clientId });
  }
  const scopes = [...oidc.requestParamOIDCScopes].join(' ');
  if (scopes) grant.addOIDCScope(scopes);
  if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
  await grant.save();
  return grant;
}

/** Revocation and introspection: a client may only act on its own tokens. */
function sameClientPolicy(_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string | undefined }): boolean {
  return token.clientId === client.clientId;
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
}

function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The logout confirmation page: one form (oidc-provider's, with its xsrf field) that signs out when
 * submitted as is; submitting it with `logout=''` keeps the session ("stay signed in").
 */
function logoutSource(ctx: KoaContextWithOIDC, form: string): void {
  const withChoice = form.replace(
    '</form>',
    '<input type="hidden" name="logout" value="yes"/><button type="submit">Sign out</button></form>',
  );
  ctx.body = page('Sign out', withChoice);
}

function postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
  ctx.body = page('Signed out', '<p>You are signed out.</p>');
}

function renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string | undefined }): void {
  ctx.type = 'html';
  ctx.body = page(
    'Error',
    `<p id="error">${escapeHtml(out.error)}</p><p id="error_description">${escapeHtml(out.error_description ?? '')}</p>`,
  );
}
