import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '../errors.ts';
import { ASYMMETRIC_ALGORITHMS } from '../jws-algorithms.ts';
import { COOKIE_NAME_PATTERN } from '../cookies/cookie-header.ts';
import { loadClientSecrets, type ClientSecretsEntry } from './client-secrets.ts';
import { resolveRegistration } from './resolve-registration.ts';
import type { OpenIDConnectOptions, ProviderOptions, TokenEndpointAuthMethod } from './options.ts';
import type { ProviderSettings, ResolvedConfig, ResourceServerSettings } from './resolved-config.ts';
import type { SessionStore } from '../session/session-store.ts';
import { audienceList } from '../util/audience-list.ts';
import { joinUrl } from '../util/join-url.ts';

const DAY = 24 * 60 * 60;
const MIN_SECRET_LENGTH = 32;
const AUTH_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
/** Metadata a provider needs for the code flow with verified ID tokens, without discovery. */
const REQUIRED_STATIC_METADATA = ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const;
/** Resource-server-only apps need no login metadata: keys and (optionally) introspection suffice. */
const REQUIRED_STATIC_METADATA_RS = ['issuer', 'jwks_uri'] as const;
const INTROSPECTION_AUTH_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'bearer']);
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
  const baseUrl = parseBaseUrl(rsOnly && options.baseUrl === undefined ? RS_ONLY_BASE_URL : options.baseUrl);
  const loopback = isLoopbackHttp(baseUrl);
  // Nothing is ever encrypted without cookies; a throwaway secret keeps the sealers constructible.
  if (rsOnly && options.secret === undefined && options.resourceServer?.introspection?.store !== undefined) {
    throw new ConfigurationError('secret', 'is needed with resourceServer.introspection.store: answers shared between instances are sealed with it, so set the same secret (at least 32 characters) on every instance.');
  }
  const secrets = rsOnly && options.secret === undefined ? [randomBytes(32).toString('base64url')] : resolveSecrets(options.secret);

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

  const redirectUri = options.redirectUri === undefined ? joinUrl(baseUrl, callback) : absoluteUrl('redirectUri', options.redirectUri);
  if (options.redirectUri !== undefined && new URL(redirectUri).protocol !== 'https:' && !isLoopbackHttp(new URL(redirectUri))) {
    throw new ConfigurationError('redirectUri', 'must be https (plain http is accepted only for localhost, 127.0.0.1 and [::1]).');
  }
  const postLogoutRedirect = resolveAppUrl('postLogoutRedirect', options.postLogoutRedirect ?? '/', baseUrl);

  const sessionOptions = options.session ?? {};
  const cookieName = sessionOptions.cookieName ?? 'oidc_session';
  if (!COOKIE_NAME_PATTERN.test(cookieName)) {
    throw new ConfigurationError('session.cookieName', `"${cookieName}" is not a valid cookie name (letters, digits and !#$%&'*+-.^_\`|~ only).`);
  }
  const sameSite = sessionOptions.sameSite ?? 'Lax';
  if (!['Lax', 'Strict', 'None'].includes(sameSite)) {
    throw new ConfigurationError('session.sameSite', 'use "Lax" (default), "Strict" or "None".');
  }
  const secure = sessionOptions.secure ?? !loopback;
  if (!secure && !loopback) {
    throw new ConfigurationError('session.secure', 'cookies without Secure are only allowed for an http://localhost, http://127.0.0.1 or http://[::1] baseUrl.');
  }
  if (sameSite === 'None' && !secure) {
    throw new ConfigurationError('session.sameSite', 'SameSite=None requires Secure cookies (an https baseUrl).');
  }
  const cookiePath = sessionOptions.cookiePath ?? '/';
  if (!cookiePath.startsWith('/') || /[;\s]/.test(cookiePath)) {
    throw new ConfigurationError('session.cookiePath', 'must be a path starting with "/", without ";" or spaces.');
  }
  const cookieDomain = sessionOptions.cookieDomain;
  if (cookieDomain !== undefined && !/^\.?[a-z0-9.-]+$/i.test(cookieDomain)) {
    throw new ConfigurationError('session.cookieDomain', 'must be a host name such as "example.com".');
  }
  const absoluteDuration = positiveSeconds('session.absoluteDuration', sessionOptions.absoluteDuration ?? 7 * DAY);
  const rollingDuration = sessionOptions.rollingDuration === false
    ? undefined
    : positiveSeconds('session.rollingDuration', sessionOptions.rollingDuration ?? DAY);
  const touchInterval = sessionOptions.touchInterval === undefined
    ? Math.min(15 * 60, Math.floor((rollingDuration ?? absoluteDuration) / 4))
    : nonNegativeSeconds('session.touchInterval', sessionOptions.touchInterval);
  if (rollingDuration !== undefined && touchInterval >= rollingDuration) {
    throw new ConfigurationError('session.touchInterval', `must be shorter than session.rollingDuration (${rollingDuration} s), or sessions would expire before they are ever extended.`);
  }
  const store = checkStore('session.store', sessionOptions.store);

  const testMode = resolveTestMode(options);
  const globals: ProviderGlobals = {
    clockTolerance: nonNegativeSeconds('clockTolerance', options.clockTolerance ?? 60),
    httpTimeoutMs: positiveNumber('httpTimeout', options.httpTimeout ?? 5000, 'milliseconds'),
    postLogoutRedirectUri: joinUrl(baseUrl, postLogout),
    redirectUri,
    backchannelLogoutUri: backchannelLogout === undefined ? undefined : joinUrl(baseUrl, backchannelLogout),
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
  if (options.logoutAtProvider !== undefined && typeof options.logoutAtProvider !== 'boolean') {
    throw new ConfigurationError('logoutAtProvider', 'must be true (default: log out at the provider too) or false (only here).');
  }

  const callbackPath = new URL(redirectUri).pathname;
  return {
    baseUrl,
    secrets,
    provider: defaultProvider,
    providers,
    routes: { login, callback, logout, postLogout, backchannelLogout },
    refreshBefore: nonNegativeSeconds('refreshBefore', options.refreshBefore ?? 60),
    silentReauthInterval: options.silentReauthInterval === undefined ? undefined : positiveSeconds('silentReauthInterval', options.silentReauthInterval),
    logoutAtProvider: options.logoutAtProvider ?? true,
    onError: options.onError,
    testMode,
    redirectUri,
    postLogoutRedirect,
    session: {
      cookieName,
      cookie: { path: cookiePath, domain: cookieDomain, httpOnly: true, secure, sameSite },
      absoluteDuration,
      rollingDuration,
      touchInterval,
      store,
    },
    transaction: {
      cookiePrefix: `${cookieName}_tx.`,
      // The provider redirects back with a top-level GET, which SameSite=Lax allows.
      cookie: { path: callbackPath, domain: cookieDomain, httpOnly: true, secure, sameSite: sameSite === 'None' ? 'None' : 'Lax' },
      ttl: positiveSeconds('transactionTtl', options.transactionTtl ?? 600),
    },
    logoutTransaction: {
      cookieName: `${cookieName}_logout`,
      cookie: { path: postLogout === '/' ? '/' : new URL(joinUrl(baseUrl, postLogout)).pathname, domain: cookieDomain, httpOnly: true, secure, sameSite: sameSite === 'None' ? 'None' : 'Lax' },
    },
    logger: options.logger ?? { warn: (message, details) => console.warn(`oidc-kit: ${message}`, details ?? '') },
    resourceServerOnly: rsOnly,
    resourceServer: resolveResourceServer(options, providers, defaultName),
  };
}

function resolveResourceServer(options: OpenIDConnectOptions, providers: ReadonlyMap<string, ProviderSettings>, defaultName: string): ResourceServerSettings {
  const rs = options.resourceServer ?? {};
  if (typeof rs !== 'object' || rs === null) {
    throw new ConfigurationError('resourceServer', 'must be an object such as { audience: "https://api.example.com" }.');
  }
  const audience = rs.audience === undefined ? undefined : audienceList('resourceServer.audience', rs.audience);
  const strategy = rs.strategy ?? 'auto';
  if (!['auto', 'jwt', 'introspection'].includes(strategy)) {
    throw new ConfigurationError('resourceServer.strategy', 'use "auto" (default), "jwt" or "introspection".');
  }
  const given: unknown = rs.algorithms;
  if (given !== undefined && (!Array.isArray(given) || given.length === 0)) {
    throw new ConfigurationError('resourceServer.algorithms', 'must be a non-empty array of JWS algorithms such as ["RS256"].');
  }
  const algorithms: unknown[] = given === undefined ? [...ASYMMETRIC_ALGORITHMS] : [...(given as unknown[])];
  for (const alg of algorithms) {
    if (typeof alg !== 'string' || !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new ConfigurationError('resourceServer.algorithms', `"${String(alg)}" is not accepted: access tokens are verified with the provider's public keys, so only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}) make sense; never "none" or HS*.`);
    }
  }
  for (const flag of ['strictJwt', 'allowFormToken', 'allowQueryToken'] as const) {
    if (rs[flag] !== undefined && typeof rs[flag] !== 'boolean') throw new ConfigurationError(`resourceServer.${flag}`, 'must be true or false.');
  }
  const realm = rs.realm ?? 'api';
  if (typeof realm !== 'string' || realm === '' || !/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/.test(realm)) {
    throw new ConfigurationError('resourceServer.realm', 'must be a non-empty string of printable ASCII without `"` or `\\`.');
  }
  const cacheMaxEntries = positiveNumber('resourceServer.cacheMaxEntries', rs.cacheMaxEntries ?? 10_000, 'entries');
  const provider = rs.provider ?? defaultName;
  if (!providers.has(provider)) {
    throw new ConfigurationError('resourceServer.provider', `"${provider}" is not one of the providers (${[...providers.keys()].join(', ')}).`);
  }
  const introspection = rs.introspection ?? {};
  if (introspection.authMethod !== undefined && !INTROSPECTION_AUTH_METHODS.has(introspection.authMethod)) {
    throw new ConfigurationError('resourceServer.introspection.authMethod', 'use "client_secret_basic", "client_secret_post" or "bearer" (the token itself as the credential).');
  }
  const hint = introspection.tokenTypeHint ?? 'access_token';
  if (hint !== false && (typeof hint !== 'string' || hint === '')) {
    throw new ConfigurationError('resourceServer.introspection.tokenTypeHint', 'must be a token type such as "access_token", or false to send none.');
  }
  if ((introspection.clientId === undefined) !== (introspection.clientSecret === undefined)) {
    throw new ConfigurationError(introspection.clientId === undefined ? 'resourceServer.introspection.clientId' : 'resourceServer.introspection.clientSecret', 'give both clientId and clientSecret of the client the API introspects as, or neither (to use the provider\'s).');
  }
  return {
    audience,
    strategy,
    algorithms: algorithms as string[],
    strictJwt: rs.strictJwt ?? false,
    allowFormToken: rs.allowFormToken ?? false,
    allowQueryToken: rs.allowQueryToken ?? false,
    realm,
    cacheMaxEntries,
    provider,
    introspection: {
      authMethod: introspection.authMethod,
      clientId: introspection.clientId,
      clientSecret: introspection.clientSecret,
      tokenTypeHint: hint === false ? undefined : hint,
      cacheTtl: nonNegativeSeconds('resourceServer.introspection.cacheTtl', introspection.cacheTtl ?? 60),
      inactiveCacheTtl: nonNegativeSeconds('resourceServer.introspection.inactiveCacheTtl', introspection.inactiveCacheTtl ?? 5),
      store: checkStore('resourceServer.introspection.store', introspection.store),
    },
  };
}

/** Settings that every provider shares, taken from the top level. */
interface ProviderGlobals {
  clockTolerance: number;
  httpTimeoutMs: number;
  postLogoutRedirectUri: string;
  redirectUri: string;
  backchannelLogoutUri: string | undefined;
}

/** Options that name a provider at the top level; they may not be mixed with `providers`. */
const TOP_LEVEL_PROVIDER_KEYS = ['issuer', 'providerMetadata', 'clientId', 'clientSecret', 'clientSecrets', 'registration'] as const;
/** Provider options that only make sense for one provider: with `providers` they belong in each. */
const PER_PROVIDER_ONLY_KEYS = [...TOP_LEVEL_PROVIDER_KEYS, 'privateKey', 'acceptedIssuers', 'googleAppsDomain', 'postLogoutRedirectUri'] as const;
const PROVIDER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function resolveProviders(options: OpenIDConnectOptions, globals: ProviderGlobals, testMode: boolean, rsOnly: boolean): Map<string, ProviderSettings> {
  const providers = new Map<string, ProviderSettings>();
  if (options.providers === undefined) {
    const configured = TOP_LEVEL_PROVIDER_KEYS.some((key) => options[key] !== undefined);
    // Test mode needs no provider: a placeholder keeps the rest of the library uniform.
    const source: ProviderOptions = testMode && !configured
      ? { issuer: 'https://test-mode.oidc-kit.invalid', clientId: 'test-mode', clientSecret: 'test-mode' }
      : options;
    providers.set('default', resolveProvider('default', '', source, globals, rsOnly));
    return providers;
  }
  if (typeof options.providers !== 'object' || options.providers === null || Object.keys(options.providers).length === 0) {
    throw new ConfigurationError('providers', 'must be an object of named providers: { google: { issuer, clientId, clientSecret }, … }.');
  }
  const mixed = PER_PROVIDER_ONLY_KEYS.find((key) => options[key] !== undefined);
  if (mixed !== undefined) {
    throw new ConfigurationError(mixed, 'cannot be combined with `providers`; move it into one of the named providers.');
  }
  for (const [name, providerOptions] of Object.entries(options.providers)) {
    if (!PROVIDER_NAME.test(name)) {
      throw new ConfigurationError(`providers.${name}`, 'provider names may contain letters, digits, "_" and "-" only (at most 64).');
    }
    providers.set(name, resolveProvider(name, `providers.${name}.`, { ...inheritedProviderOptions(options), ...providerOptions }, globals, rsOnly));
  }
  return providers;
}

/** Top-level provider-wide defaults (scope, algorithms, checks) that named providers inherit. */
function inheritedProviderOptions(options: OpenIDConnectOptions): ProviderOptions {
  const { scope, authorizationParams, responseMode, idTokenSigningAlg, userInfo, userInfoSigningAlg, tokenEndpointAuthMethod, requireVerifiedEmail } = options;
  const inherited: ProviderOptions = {};
  if (responseMode !== undefined) inherited.responseMode = responseMode;
  if (scope !== undefined) inherited.scope = scope;
  if (authorizationParams !== undefined) inherited.authorizationParams = authorizationParams;
  if (idTokenSigningAlg !== undefined) inherited.idTokenSigningAlg = idTokenSigningAlg;
  if (userInfo !== undefined) inherited.userInfo = userInfo;
  if (userInfoSigningAlg !== undefined) inherited.userInfoSigningAlg = userInfoSigningAlg;
  if (tokenEndpointAuthMethod !== undefined) inherited.tokenEndpointAuthMethod = tokenEndpointAuthMethod;
  if (requireVerifiedEmail !== undefined) inherited.requireVerifiedEmail = requireVerifiedEmail;
  return inherited;
}

function resolveTestMode(options: OpenIDConnectOptions): ResolvedConfig['testMode'] {
  const testMode = options.testMode;
  if (testMode === undefined || testMode === false) return undefined;
  if (process.env['NODE_ENV'] === 'production') {
    throw new ConfigurationError('testMode', 'refused because NODE_ENV is "production": test mode logs anyone in without a provider. Enable it only in your test setup.');
  }
  const settings = testMode === true ? {} : testMode;
  if (typeof settings !== 'object' || settings === null) {
    throw new ConfigurationError('testMode', 'must be true or { user, accessToken }.');
  }
  const user = settings.user ?? { sub: 'test-user' };
  if (typeof user.sub !== 'string' || user.sub === '') {
    throw new ConfigurationError('testMode.user', 'needs a non-empty string `sub`.');
  }
  return { user, accessToken: settings.accessToken ?? 'test-access-token' };
}

function resolveProvider(name: string, prefix: string, options: ProviderOptions, globals: ProviderGlobals, rsOnly: boolean): ProviderSettings {
  const file: ClientSecretsEntry | undefined = options.clientSecrets === undefined ? undefined : loadClientSecrets(options.clientSecrets);

  // A resource server validating JWTs locally needs no client; introspection and the client
  // credentials grant say so when they are used without one.
  // A client that registers itself (`registration`) learns its id and secret at run time.
  const registers = options.registration !== undefined;
  const clientId = options.clientId ?? file?.client_id ?? (rsOnly || registers ? '' : undefined);
  if (clientId === undefined || (clientId === '' && !rsOnly && !registers)) {
    throw new ConfigurationError(`${prefix}clientId`, 'required: the client id registered at your provider (or give `clientSecrets`, a client_secrets.json, or `registration` to register at run time).');
  }
  const clientSecret = options.clientSecret ?? file?.client_secret ?? undefined;

  // A client_secrets.json written by `oidc-kit register` says how its client was registered.
  const fileAuthMethod = typeof file?.['token_endpoint_auth_method'] === 'string' && AUTH_METHODS.has(file['token_endpoint_auth_method'])
    ? file['token_endpoint_auth_method'] as TokenEndpointAuthMethod
    : undefined;
  const authMethod = options.tokenEndpointAuthMethod ?? fileAuthMethod ?? 'client_secret_basic';
  if (!AUTH_METHODS.has(authMethod)) {
    throw new ConfigurationError(`${prefix}tokenEndpointAuthMethod`, 'use "client_secret_basic" (default), "client_secret_post" or "private_key_jwt".');
  }
  if (authMethod === 'private_key_jwt' && options.privateKey === undefined) {
    throw new ConfigurationError(`${prefix}privateKey`, 'required with tokenEndpointAuthMethod "private_key_jwt" (import a PEM with jose\'s importPKCS8).');
  }
  if (authMethod !== 'private_key_jwt' && !clientSecret && !rsOnly && !registers) {
    throw new ConfigurationError(`${prefix}clientSecret`, `required with tokenEndpointAuthMethod "${authMethod}": the secret your provider issued for ${clientId}.`);
  }

  // Endpoints from a client_secrets.json override discovered ones; then explicit providerMetadata wins.
  const metadata: Record<string, string> = {};
  if (file?.auth_uri) metadata['authorization_endpoint'] = file.auth_uri;
  if (file?.token_uri) metadata['token_endpoint'] = file.token_uri;
  if (file?.userinfo_uri) metadata['userinfo_endpoint'] = file.userinfo_uri;
  if (file?.token_introspection_uri) metadata['introspection_endpoint'] = file.token_introspection_uri;
  Object.assign(metadata, options.providerMetadata ?? {});

  const issuer = options.issuer ?? metadata['issuer'] ?? file?.issuer;
  if (!issuer) {
    throw new ConfigurationError(`${prefix}issuer`, 'required: your provider\'s issuer URL (e.g. https://accounts.example.com), used for discovery and to validate ID tokens. In a client_secrets.json, add "issuer" to the "web" entry.');
  }
  const issuerUrl = absoluteUrl(`${prefix}issuer`, issuer);
  const allowHttp = new URL(issuerUrl).protocol === 'http:' && isLoopbackHost(new URL(issuerUrl).hostname);
  if (new URL(issuerUrl).protocol !== 'https:' && !allowHttp) {
    throw new ConfigurationError(`${prefix}issuer`, 'must be an https URL (plain http is accepted only for a provider on localhost, 127.0.0.1 or [::1]).');
  }
  if (metadata['issuer'] !== undefined && metadata['issuer'] !== issuer) {
    throw new ConfigurationError(`${prefix}providerMetadata.issuer`, `"${metadata['issuer']}" differs from issuer "${issuer}"; they must be identical.`);
  }
  metadata['issuer'] = issuer;
  for (const [key, value] of Object.entries(metadata)) {
    if (key.endsWith('_endpoint') || key === 'jwks_uri') {
      const url = absoluteUrl(`${prefix}providerMetadata.${key}`, value);
      if (new URL(url).protocol !== 'https:' && !allowHttp) {
        throw new ConfigurationError(`${prefix}providerMetadata.${key}`, 'must be an https URL.');
      }
    }
  }
  const discover = !(rsOnly ? REQUIRED_STATIC_METADATA_RS : REQUIRED_STATIC_METADATA).every((key) => typeof metadata[key] === 'string');

  const scopes = typeof options.scope === 'string' ? options.scope.split(/\s+/).filter(Boolean) : [...(options.scope ?? ['openid', 'email'])];
  if (!scopes.includes('openid')) {
    throw new ConfigurationError(`${prefix}scope`, `must include "openid" (got "${scopes.join(' ')}").`);
  }
  const authorizationParams = { ...(options.authorizationParams ?? {}) };
  for (const reserved of ['state', 'nonce', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'response_type', 'client_id', 'scope']) {
    if (reserved in authorizationParams) {
      throw new ConfigurationError(`${prefix}authorizationParams.${reserved}`, `oidc-kit sets "${reserved}" itself${reserved === 'scope' ? '; use the `scope` option' : ''}.`);
    }
  }
  if (options.googleAppsDomain !== undefined) {
    if (!/^[a-z0-9.-]+$/i.test(options.googleAppsDomain)) {
      throw new ConfigurationError(`${prefix}googleAppsDomain`, 'must be a domain name such as "example.com".');
    }
    authorizationParams['hd'] = options.googleAppsDomain;
  }

  const responseMode = options.responseMode ?? 'query';
  if (responseMode !== 'query' && responseMode !== 'form_post') {
    throw new ConfigurationError(`${prefix}responseMode`, 'use "query" (default) or "form_post".');
  }
  if (authorizationParams['response_mode'] !== undefined) {
    throw new ConfigurationError(`${prefix}authorizationParams.response_mode`, `oidc-kit sets "response_mode" itself; use the responseMode option ("query" or "form_post"), which the callback then enforces.`);
  }

  const idTokenSigningAlg = options.idTokenSigningAlg ?? 'RS256';
  if (!/^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/.test(idTokenSigningAlg)) {
    throw new ConfigurationError(`${prefix}idTokenSigningAlg`, `"${idTokenSigningAlg}" is not an accepted asymmetric JWS algorithm (e.g. RS256, PS256, ES256, EdDSA).`);
  }
  const acceptedIssuers = options.acceptedIssuers;
  if (acceptedIssuers !== undefined && (!Array.isArray(acceptedIssuers) || acceptedIssuers.some((i) => typeof i !== 'string'))) {
    throw new ConfigurationError(`${prefix}acceptedIssuers`, 'must be an array of issuer strings (compared exactly).');
  }
  // ID tokens must come from the provider's own issuer (exact match), so a list that leaves it out
  // would refuse every login; unlike Flask-OIDC's OIDC_VALID_ISSUERS it cannot widen anything.
  if (acceptedIssuers !== undefined && !acceptedIssuers.includes(issuer)) {
    throw new ConfigurationError(`${prefix}acceptedIssuers`, `does not include the issuer "${issuer}", so every login would be refused; add it, or drop the option (the issuer is always checked exactly).`);
  }

  const userInfo = options.userInfo ?? true;
  if (![true, false, 'GET', 'POST'].includes(userInfo)) {
    throw new ConfigurationError(`${prefix}userInfo`, 'use true or "GET" (default), "POST", or false to never call UserInfo.');
  }
  const userInfoSigningAlg = options.userInfoSigningAlg;
  if (userInfoSigningAlg !== undefined && !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(userInfoSigningAlg)) {
    throw new ConfigurationError(`${prefix}userInfoSigningAlg`, `"${String(userInfoSigningAlg)}" is not an accepted asymmetric JWS algorithm (e.g. RS256, PS256, ES256, EdDSA).`);
  }
  if (userInfoSigningAlg !== undefined && userInfo === 'POST') {
    throw new ConfigurationError(`${prefix}userInfoSigningAlg`, 'signed UserInfo is fetched with GET; drop userInfo: "POST" or this option.');
  }
  const postLogoutRedirectUri = options.postLogoutRedirectUri === undefined
    ? globals.postLogoutRedirectUri
    : absoluteUrl(`${prefix}postLogoutRedirectUri`, options.postLogoutRedirectUri);
  const postLogoutUrl = new URL(postLogoutRedirectUri);
  if (postLogoutUrl.protocol !== 'https:' && !isLoopbackHttp(postLogoutUrl)) {
    throw new ConfigurationError(`${prefix}postLogoutRedirectUri`, 'must be https (plain http is accepted only for localhost, 127.0.0.1 and [::1]).');
  }

  const registration = resolveRegistration(options, {
    prefix,
    redirectUri: globals.redirectUri,
    postLogoutRedirectUri,
    backchannelLogoutUri: globals.backchannelLogoutUri,
    authMethod,
    idTokenSigningAlg,
    userInfoSigningAlg,
    rsOnly,
  });

  return {
    name,
    issuer,
    metadata,
    discover,
    clientId,
    clientSecret,
    authMethod,
    privateKey: options.privateKey,
    scope: scopes.join(' '),
    authorizationParams,
    responseMode,
    idTokenSigningAlg,
    clockTolerance: globals.clockTolerance,
    httpTimeoutMs: globals.httpTimeoutMs,
    userInfo: userInfo !== false,
    userInfoMethod: userInfo === 'POST' ? 'POST' : 'GET',
    userInfoSigningAlg,
    postLogoutRedirectUri,
    googleAppsDomain: options.googleAppsDomain,
    requireVerifiedEmail: options.requireVerifiedEmail ?? false,
    allowHttp,
    registration,
  };
}

function parseBaseUrl(value: unknown): URL {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError('baseUrl', 'required: the public URL of your app, e.g. "https://app.example.com" (or "http://localhost:3000" in development).');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError('baseUrl', `"${value}" is not an absolute URL; write it like "https://app.example.com".`);
  }
  if (url.protocol !== 'https:' && !isLoopbackHttp(url)) {
    throw new ConfigurationError('baseUrl', 'must be https (plain http is accepted only for localhost, 127.0.0.1 and [::1]).');
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigurationError('baseUrl', 'must not contain a query, fragment or credentials.');
  }
  return url;
}

function resolveSecrets(value: unknown): string[] {
  const secrets = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : undefined;
  const fix = 'generate one with `node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"`';
  if (!secrets || secrets.length === 0) {
    throw new ConfigurationError('secret', `required: a random string of at least ${MIN_SECRET_LENGTH} characters that encrypts the session cookie; ${fix}.`);
  }
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new ConfigurationError('secret', `each secret must be a string of at least ${MIN_SECRET_LENGTH} characters; ${fix}.`);
    }
  }
  return secrets as string[];
}

function routePath(option: string, value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || /[?#\s\\]/.test(value)) {
    throw new ConfigurationError(option, 'must be a path such as "/callback" (starting with one "/", no query, fragment or spaces).');
  }
  return value;
}

function absoluteUrl(option: string, value: unknown): string {
  if (typeof value !== 'string') throw new ConfigurationError(option, 'must be an absolute URL string.');
  try {
    new URL(value);
    return value;
  } catch {
    throw new ConfigurationError(option, `"${value}" is not an absolute URL.`);
  }
}

/** An app-local path or same-origin URL, made absolute against the base URL. */
function resolveAppUrl(option: string, value: string, baseUrl: URL): string {
  if (value.startsWith('/') && !value.startsWith('//') && !value.includes('\\')) return joinUrl(baseUrl, value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(option, 'must be a path such as "/" or a URL of this application.');
  }
  if (url.origin !== baseUrl.origin) throw new ConfigurationError(option, `must be on this application's origin (${baseUrl.origin}).`);
  return url.href;
}

function positiveSeconds(option: string, value: unknown): number {
  return positiveNumber(option, value, 'seconds');
}

function positiveNumber(option: string, value: unknown, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(option, `must be a positive number of ${unit} (got ${String(value)}).`);
  }
  return value;
}

function nonNegativeSeconds(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(option, `must be a number ≥ 0 (got ${String(value)}).`);
  }
  return value;
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/** A store option: undefined, or an object with the SessionStore methods. */
function checkStore(option: string, store: SessionStore | undefined): SessionStore | undefined {
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.delete !== 'function')) {
    throw new ConfigurationError(option, 'a store needs get(key), set(key, value, ttlSeconds) and delete(key) methods (and optionally add(key, value, ttlSeconds)), like MemoryStore or RedisStore.');
  }
  return store;
}
