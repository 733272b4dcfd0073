import { ConfigurationError } from '../errors.ts';
import { commonPath } from '../util/common-path.ts';
import { joinUrl } from '../util/join-url.ts';
import type { OpenIDConnectOptions } from './options.ts';
import { resolveOutbound } from './resolve-outbound.ts';
import { resolvePublicSites } from './public-sites.ts';
import { resolveProviders, type ProviderGlobals } from './resolve-provider.ts';
import { resolveResourceServer } from './resolve-resource-server.ts';
import { resolveSession } from './resolve-session.ts';
import { resolveTestMode } from './resolve-test-mode.ts';
import type { ResolvedConfig } from './resolved-config.ts';
import { entryCount, isLoopbackHttp, nonNegativeSeconds, positiveNumber, positiveSeconds, resolveSecrets, routePath } from './validate.ts';

/** The most `maxPendingLogins` accepts: see the option. */
const MAX_PENDING_LOGINS = 10;

/** In resource-server-only mode there are no cookies: these stand in so the rest of the configuration stays uniform. */
const RS_ONLY_BASE_URL = 'http://localhost/';

/**
 * Validates options and fills in defaults. Throws a {@link ConfigurationError} naming the option and
 * the fix, so that a misconfigured application fails at start-up rather than on a user's request.
 *
 * @example
 * ```ts
 * const config = resolveOptions({ baseUrl: 'http://localhost:3000', secret, issuer, clientId, clientSecret });
 * config.redirectUri; // 'http://localhost:3000/callback'
 * ```
 */
export function resolveOptions(options: OpenIDConnectOptions): ResolvedConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options', 'pass an object: new OpenIDConnect({ baseUrl, secret, issuer, clientId, clientSecret }).');
  }
  if (options.resourceServerOnly !== undefined && typeof options.resourceServerOnly !== 'boolean') {
    throw new ConfigurationError('resourceServerOnly', 'must be true (an API that only accepts bearer tokens) or false.');
  }
  const rsOnly = options.resourceServerOnly === true;
  if (rsOnly && options.testMode !== undefined && options.testMode !== false) {
    throw new ConfigurationError('testMode', 'has no meaning with `resourceServerOnly` (there are no logins); mint test tokens instead.');
  }
  const callback = routePath('routes.callback', options.routes?.callback ?? '/callback');
  const login = options.routes?.login === false ? undefined : routePath('routes.login', options.routes?.login ?? '/login');
  const logout = options.routes?.logout === false ? undefined : routePath('routes.logout', options.routes?.logout ?? '/logout');
  const postLogout = routePath('routes.postLogout', options.routes?.postLogout ?? '/logout/callback');
  const backchannelLogout = options.routes?.backchannelLogout === undefined || options.routes.backchannelLogout === false
    ? undefined
    : routePath('routes.backchannelLogout', options.routes.backchannelLogout);
  const paths = [callback, login, logout, postLogout, backchannelLogout].filter((p) => p !== undefined);
  if (new Set(paths).size !== paths.length) {
    throw new ConfigurationError('routes', `every route needs its own path (got ${paths.join(', ')}).`);
  }

  const publicSites = resolvePublicSites(options, rsOnly ? RS_ONLY_BASE_URL : undefined, { callback, postLogout });
  const { sites } = publicSites;
  const { baseUrl, redirectUri, postLogoutRedirect } = sites[0]!;

  // Nothing is ever encrypted without cookies: no secret means sealers without a key, which seal
  // nothing and open nothing. (No throwaway random secret either: a Worker may not draw random
  // numbers where the app is made, at module scope.)
  if (rsOnly && options.secret === undefined && options.resourceServer?.introspection?.store !== undefined) {
    throw new ConfigurationError('secret', 'is needed with resourceServer.introspection.store: answers shared between instances are sealed with it, so set the same secret (at least 32 characters) on every instance.');
  }
  const secrets = rsOnly && options.secret === undefined ? [] : resolveSecrets(options.secret);
  // Cookie attributes are the same on every site: without Secure only when every site is plain
  // http to this machine (Chrome and Firefox keep Secure cookies on http://localhost, so a list
  // mixing an https tunnel with localhost works there with the https default).
  const session = resolveSession(options.session, sites.every((site) => isLoopbackHttp(site.baseUrl)));
  const { cookieName, cookie: { domain: cookieDomain, secure, sameSite } } = session;

  const testMode = resolveTestMode(options);
  const globals: ProviderGlobals = {
    clockTolerance: nonNegativeSeconds('clockTolerance', options.clockTolerance ?? 60),
    httpTimeoutMs: positiveNumber('httpTimeout', options.httpTimeout ?? 5000, 'milliseconds'),
    postLogoutRedirectUri: sites[0]!.postLogoutRedirectUri,
    redirectUri,
    // One per client (the provider calls it server to server, by path): the first site's.
    backchannelLogoutUri: backchannelLogout === undefined ? undefined : joinUrl(baseUrl, backchannelLogout),
    // Resolved in test mode too, although no provider is called there: an app's own tests then
    // find what its production start would (`proxy: 'env'` without undici on Node, or on a Worker).
    fetch: resolveOutbound(options),
    sites,
  };
  const providers = resolveProviders(options, globals, testMode !== undefined, rsOnly);
  const defaultName = options.defaultProvider ?? providers.keys().next().value ?? 'default';
  const defaultProvider = providers.get(defaultName);
  if (defaultProvider === undefined) {
    throw new ConfigurationError('defaultProvider', `"${defaultName}" is not one of the providers (${[...providers.keys()].join(', ')}).`);
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new ConfigurationError('onError', 'must be a function (error, request) returning a response plan or undefined.');
  }
  if (options.onSession !== undefined && typeof options.onSession !== 'function') {
    throw new ConfigurationError('onSession', 'must be a function ({ claims, tokens, provider, isRefresh, previous }) returning the claims to keep (or a promise of them).');
  }
  if (options.logoutAtProvider !== undefined && typeof options.logoutAtProvider !== 'boolean') {
    throw new ConfigurationError('logoutAtProvider', 'must be true (default: log out at the provider too) or false (only here).');
  }

  const callbackPath = new URL(redirectUri).pathname;
  const transactionSameSite = sameSite === 'None' ? 'None' : 'Lax';
  // Where a login can start (any page under the session cookie, the login route) and where all
  // pending logins end (the logout route): the pending-login markers must reach each of them.
  const markerPath = commonPath([session.cookie.path, ...[login, logout].filter((p) => p !== undefined).map((p) => new URL(joinUrl(baseUrl, p)).pathname)]);
  return {
    baseUrl,
    ...publicSites,
    secrets,
    provider: defaultProvider,
    providers,
    routes: { login, callback, logout, postLogout, backchannelLogout },
    refreshBefore: nonNegativeSeconds('refreshBefore', options.refreshBefore ?? 60),
    silentReauthInterval: options.silentReauthInterval === undefined ? undefined : positiveSeconds('silentReauthInterval', options.silentReauthInterval),
    logoutAtProvider: options.logoutAtProvider ?? true,
    onError: options.onError,
    onSession: options.onSession,
    testMode,
    redirectUri,
    postLogoutRedirect,
    session,
    transaction: {
      cookiePrefix: `${cookieName}_tx.`,
      // The provider redirects back with a top-level GET, which SameSite=Lax allows.
      cookie: { path: callbackPath, domain: cookieDomain, httpOnly: true, secure, sameSite: transactionSameSite },
      ttl: positiveSeconds('transactionTtl', options.transactionTtl ?? 600),
      // More than 10 pending logins is no browser's normal use, and the markers ride on every request.
      maxPending: entryCount('maxPendingLogins', options.maxPendingLogins ?? 5, MAX_PENDING_LOGINS, 'pending logins'),
      markerPrefix: `${cookieName}_pending.`,
      markerCookie: { path: markerPath, domain: cookieDomain, httpOnly: true, secure, sameSite: transactionSameSite },
    },
    logoutTransaction: {
      cookieName: `${cookieName}_logout`,
      cookie: { path: postLogout === '/' ? '/' : new URL(joinUrl(baseUrl, postLogout)).pathname, domain: cookieDomain, httpOnly: true, secure, sameSite: sameSite === 'None' ? 'None' : 'Lax' },
    },
    logger: options.logger ?? {
      warn: (message, details) => console.warn(`oidc-kit: ${message}`, details ?? ''),
      info: (message) => console.info(`oidc-kit: ${message}`),
    },
    resourceServerOnly: rsOnly,
    resourceServer: resolveResourceServer(options, providers, defaultName, {
      sites,
      hasBaseUrl: !(rsOnly && options.baseUrl === undefined),
      hasSecret: secrets.length > 0,
      sessionStore: session.store,
    }),
  };
}
