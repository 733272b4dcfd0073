import type { ServerMetadata } from 'openid-client';
import { ConfigurationError } from '../errors.ts';
import { checkProviderCapabilities } from '../provider/provider-capabilities.ts';
import { checkResource } from '../session/resource-tokens.ts';
import { ASYMMETRIC_ALGORITHMS } from '../jws-algorithms.ts';
import { loadClientSecrets, type ClientSecretsEntry } from './client-secrets.ts';
import type { OpenIDConnectOptions, ProviderFetch, ProviderOptions, TokenEndpointAuthMethod } from './options.ts';
import { resolveRegistration } from './resolve-registration.ts';
import { defaultIdTokenSigningAlg, resolveSenderConstraints } from './resolve-sender-constraints.ts';
import type { ProviderSettings, PublicSite } from './resolved-config.ts';
import { absoluteUrl, isLoopbackHost, isLoopbackHttp, nonNegativeSeconds } from './validate.ts';

const AUTH_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
/** Metadata a provider needs for the code flow with verified ID tokens, without discovery. */
const REQUIRED_STATIC_METADATA = ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const;
/** Resource-server-only apps need no login metadata: keys and (optionally) introspection suffice. */
const REQUIRED_STATIC_METADATA_RS = ['issuer', 'jwks_uri'] as const;

/**
 * Settings that every provider shares, taken from the top level (and resolved there, since the
 * redirect and logout URIs derive from the base URL and routes).
 *
 * @example
 * ```ts
 * const globals: ProviderGlobals = {
 *   clockTolerance: 60,
 *   httpTimeoutMs: 5000,
 *   postLogoutRedirectUri: 'https://app.example/logout/callback',
 *   redirectUri: 'https://app.example/callback',
 *   backchannelLogoutUri: undefined,
 *   fetch: undefined,
 *   sites: [],
 * };
 * ```
 */
export interface ProviderGlobals {
  clockTolerance: number;
  httpTimeoutMs: number;
  /** The first site's. */
  postLogoutRedirectUri: string;
  /** The first site's. */
  redirectUri: string;
  backchannelLogoutUri: string | undefined;
  /** What every provider call goes out with (`fetch` / `proxy`); undefined: the runtime's `fetch`. */
  fetch: ProviderFetch | undefined;
  /** Every public site (several when `baseUrl` is a list): their URIs are all registered. */
  sites: readonly PublicSite[];
}

/** Options that name a provider at the top level; they may not be mixed with `providers`. */
const TOP_LEVEL_PROVIDER_KEYS = ['issuer', 'providerMetadata', 'clientId', 'clientSecret', 'clientSecrets', 'registration'] as const;
/** Provider options that only make sense for one provider: with `providers` they belong in each. */
const PER_PROVIDER_ONLY_KEYS = [...TOP_LEVEL_PROVIDER_KEYS, 'privateKey', 'acceptedIssuers', 'googleAppsDomain', 'postLogoutRedirectUri', 'trustedAudiences'] as const;
/** Provider options that are defaults for every provider: set at the top level, each of `providers` inherits them. */
const INHERITED_PROVIDER_KEYS = ['responseMode', 'scope', 'authorizationParams', 'resource', 'idTokenSigningAlg', 'userInfo', 'userInfoSigningAlg', 'tokenEndpointAuthMethod', 'requireVerifiedEmail', 'jwksMaxStaleness', 'dpop', 'pushedAuthorizationRequests', 'profile'] as const;
const PROVIDER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** A day: a provider outage overnight does not stop the APIs, and a withdrawn key is dropped as soon as the provider answers again. */
const DEFAULT_JWKS_MAX_STALENESS = 24 * 3600;
/** Longer is most likely milliseconds given for seconds. */
const MAX_JWKS_MAX_STALENESS = 30 * 24 * 3600;

/**
 * Every provider, by name: the top-level one as `default`, or each of `providers` (which inherit
 * the top level's provider-wide defaults). In test mode without a configured provider, a
 * placeholder stands in.
 *
 * @example
 * ```ts
 * const providers = resolveProviders({ providers: { google: { issuer, clientId, clientSecret } } }, globals, false, false);
 * providers.get('google')?.scope; // 'openid email'
 * ```
 */
export function resolveProviders(options: OpenIDConnectOptions, globals: ProviderGlobals, testMode: boolean, rsOnly: boolean): Map<string, ProviderSettings> {
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
  const inherited: ProviderOptions = {};
  // A generic step keeps each key's value type tied to its key, which a plain loop over the union loses.
  const inherit = <K extends (typeof INHERITED_PROVIDER_KEYS)[number]>(key: K): void => {
    const value = options[key];
    if (value !== undefined) inherited[key] = value;
  };
  for (const key of INHERITED_PROVIDER_KEYS) inherit(key);
  return inherited;
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
  // The discovery document's own URL is a common slip: the issuer is what comes before it.
  const wellKnown = /^(.*?)\/?\.well-known\/openid-configuration\/?$/.exec(issuer);
  if (wellKnown !== null) {
    throw new ConfigurationError(`${prefix}issuer`, `"${issuer}" is the URL of the discovery document, not the issuer; set ${prefix}issuer to "${wellKnown[1]}" (oidc-kit adds /.well-known/openid-configuration itself, and ID tokens name the issuer without it).`);
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
  for (const reserved of ['state', 'nonce', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'response_type', 'client_id', 'scope', 'dpop_jkt', 'request_uri', 'request']) {
    if (reserved in authorizationParams) {
      throw new ConfigurationError(`${prefix}authorizationParams.${reserved}`, `oidc-kit sets "${reserved}" itself${reserved === 'scope' ? '; use the `scope` option' : ''}.`);
    }
  }
  const resources = loginResources(`${prefix}resource`, options.resource);
  if (resources.length > 0 && 'resource' in authorizationParams) {
    throw new ConfigurationError(`${prefix}authorizationParams.resource`, 'use the `resource` option instead (it takes several).');
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

  const idTokenSigningAlg = options.idTokenSigningAlg ?? defaultIdTokenSigningAlg(options);
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

  const trustedAudiences: unknown = options.trustedAudiences ?? [];
  if (!Array.isArray(trustedAudiences) || trustedAudiences.some((a) => typeof a !== 'string' || a === '')) {
    throw new ConfigurationError(`${prefix}trustedAudiences`, 'must be an array of audience strings (compared exactly), such as ["https://api.example.com"].');
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
  if (options.postLogoutRedirectUri !== undefined && globals.sites.length > 1) {
    throw new ConfigurationError(`${prefix}postLogoutRedirectUri`, 'names one absolute URL, which cannot serve the several URLs of baseUrl; drop it and set routes.postLogout: each entry\'s post-logout redirect URI is that entry + routes.postLogout.');
  }
  const postLogoutRedirectUri = options.postLogoutRedirectUri === undefined
    ? globals.postLogoutRedirectUri
    : absoluteUrl(`${prefix}postLogoutRedirectUri`, options.postLogoutRedirectUri);
  const postLogoutUrl = new URL(postLogoutRedirectUri);
  if (postLogoutUrl.protocol !== 'https:' && !isLoopbackHttp(postLogoutUrl)) {
    throw new ConfigurationError(`${prefix}postLogoutRedirectUri`, 'must be https (plain http is accepted only for localhost, 127.0.0.1 and [::1]).');
  }

  const jwksMaxStaleness = nonNegativeSeconds(`${prefix}jwksMaxStaleness`, options.jwksMaxStaleness ?? DEFAULT_JWKS_MAX_STALENESS);
  if (jwksMaxStaleness > MAX_JWKS_MAX_STALENESS) {
    throw new ConfigurationError(`${prefix}jwksMaxStaleness`, `is in seconds and at most ${MAX_JWKS_MAX_STALENESS} (30 days); got ${jwksMaxStaleness}. The default, 86400, is a day.`);
  }

  if (rsOnly && options.profile !== undefined) {
    throw new ConfigurationError(`${prefix}profile`, 'is about logins, and this app only accepts tokens (resourceServerOnly); for an API, require bound tokens with acceptToken({ dpop: "required" }).');
  }
  const senderConstraints = resolveSenderConstraints(prefix, options, { authMethod, privateKey: options.privateKey, idTokenSigningAlg, userInfoSigningAlg });

  const several = globals.sites.length > 1;
  const registration = resolveRegistration(options, {
    prefix,
    // Every site's: the provider must know each redirect URI a login may send.
    redirectUris: several ? globals.sites.map((site) => site.redirectUri) : [globals.redirectUri],
    postLogoutRedirectUris: several ? globals.sites.map((site) => site.postLogoutRedirectUri) : [postLogoutRedirectUri],
    backchannelLogoutUri: globals.backchannelLogoutUri,
    authMethod,
    idTokenSigningAlg,
    userInfoSigningAlg,
    rsOnly,
  });

  const settings: ProviderSettings = {
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
    resources,
    responseMode,
    idTokenSigningAlg,
    clockTolerance: globals.clockTolerance,
    httpTimeoutMs: globals.httpTimeoutMs,
    fetch: globals.fetch,
    jwksMaxStalenessMs: jwksMaxStaleness * 1000,
    userInfo: userInfo !== false,
    userInfoMethod: userInfo === 'POST' ? 'POST' : 'GET',
    userInfoSigningAlg,
    postLogoutRedirectUri,
    googleAppsDomain: options.googleAppsDomain,
    requireVerifiedEmail: options.requireVerifiedEmail ?? false,
    trustedAudiences: trustedAudiences as string[],
    allowHttp,
    registration,
    ...senderConstraints,
  };
  // Static metadata is all there is: what the options require of the provider is checked now.
  if (!discover && !rsOnly) {
    try {
      checkProviderCapabilities(metadata as unknown as ServerMetadata, settings);
    } catch (error) {
      throw new ConfigurationError(`${prefix}providerMetadata`, (error as Error).message);
    }
  }
  return settings;
}

/** The `resource` option: absolute URIs without a fragment (RFC 8707 §2), at most ten. */
function loginResources(option: string, value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  const list: readonly unknown[] = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length > 10) throw new ConfigurationError(option, 'must be an absolute URI or a list of at most ten (RFC 8707 resource indicators).');
  for (const resource of list) {
    try {
      checkResource(resource, option);
    } catch {
      throw new ConfigurationError(option, `${JSON.stringify(resource)} is not an absolute URI without a fragment (RFC 8707), e.g. "https://api.example.com".`);
    }
  }
  return list as readonly string[];
}
