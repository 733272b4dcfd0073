import { ConfigurationError } from '../errors.ts';
import { ASYMMETRIC_ALGORITHMS } from '../jws-algorithms.ts';
import { audienceList } from '../util/audience-list.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { OpenIDConnectOptions } from './options.ts';
import { resolveDpop, resolveMetadata } from './resolve-dpop.ts';
import type { ProviderSettings, PublicSite, ResourceServerSettings } from './resolved-config.ts';
import { checkStore, entryCount, nonNegativeSeconds } from './validate.ts';

const INTROSPECTION_AUTH_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'bearer']);
/**
 * The most entries a token cache may be given. The JWT cache's admission filter stops at 2^20
 * slots, so past about this many a bigger cache would only hold tokens seen once.
 */
const MAX_CACHE_ENTRIES = 1_000_000;

/**
 * The `resourceServer` option: how bearer tokens are validated (audience, algorithms, JWT or
 * introspection, caches), checked against the providers already resolved, since it names the one
 * that issues the tokens.
 *
 * @example
 * ```ts
 * const rs = resolveResourceServer({ resourceServer: { audience: 'https://api.example.com' } }, providers, 'default');
 * rs.audience;   // ['https://api.example.com']
 * rs.strategy;   // 'auto'
 * rs.algorithms; // every asymmetric algorithm (ASYMMETRIC_ALGORITHMS)
 * ```
 */
export function resolveResourceServer(options: OpenIDConnectOptions, providers: ReadonlyMap<string, ProviderSettings>, defaultName: string, app: AppContext = DEFAULT_APP): ResourceServerSettings {
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
  for (const flag of ['allowFormToken', 'allowQueryToken'] as const) {
    if (rs[flag] !== undefined && typeof rs[flag] !== 'boolean') throw new ConfigurationError(`resourceServer.${flag}`, 'must be true or false.');
  }
  const realm = rs.realm ?? 'api';
  if (typeof realm !== 'string' || realm === '' || !/^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/.test(realm)) {
    throw new ConfigurationError('resourceServer.realm', 'must be a non-empty string of printable ASCII without `"` or `\\`.');
  }
  const cacheMaxEntries = entryCount('resourceServer.cacheMaxEntries', rs.cacheMaxEntries ?? 10_000, MAX_CACHE_ENTRIES);
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
    dpop: resolveDpop(options, app),
    metadata: resolveMetadata(options, app.sites, app.hasBaseUrl),
    audience,
    strategy,
    algorithms: algorithms as string[],
    strictJwt: strictJwtRules(rs.strictJwt),
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
      maxConcurrent: entryCount('resourceServer.introspection.maxConcurrent', introspection.maxConcurrent ?? 64, 10_000, 'calls'),
      store: sharedIntrospectionStore(introspection.store),
    },
  };
}

/**
 * What DPoP and the metadata document need to know of the rest of the app: its public URLs (and
 * whether they were given, or are API-only mode's placeholder), its session store and secret.
 */
interface AppContext {
  readonly sites: readonly PublicSite[];
  readonly hasBaseUrl: boolean;
  readonly hasSecret: boolean;
  readonly sessionStore: SessionStore | undefined;
}

const DEFAULT_APP: AppContext = {
  sites: [{ baseUrl: new URL('http://localhost/'), origin: 'http://localhost', redirectUri: '', postLogoutRedirectUri: '', postLogoutRedirect: '' }],
  hasBaseUrl: false,
  hasSecret: false,
  sessionStore: undefined,
};

/** `strictJwt` as the two rules it switches: `true` or absent is both, `false` neither, an object each. */
function strictJwtRules(given: unknown): { typ: boolean; claims: boolean } {
  if (given === undefined || typeof given === 'boolean') return { typ: given !== false, claims: given !== false };
  const fix = 'must be true (the default), false, or { typ?: boolean, claims?: boolean }.';
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new ConfigurationError('resourceServer.strictJwt', fix);
  const rules = given as Record<string, unknown>;
  for (const name of Object.keys(rules)) {
    if (name !== 'typ' && name !== 'claims') throw new ConfigurationError(`resourceServer.strictJwt.${name}`, `is not a rule; ${fix}`);
    if (typeof rules[name] !== 'boolean') throw new ConfigurationError(`resourceServer.strictJwt.${name}`, 'must be true or false.');
  }
  return { typ: rules['typ'] !== false, claims: rules['claims'] !== false };
}

/**
 * The store introspection answers are shared in: a store every instance reaches (Redis). An
 * in-process `MemoryStore` shares nothing the in-memory cache does not already hold, and when it is
 * also the session store, answers for made-up tokens would push the sessions out of it.
 */
function sharedIntrospectionStore(given: SessionStore | undefined): SessionStore | undefined {
  const store = checkStore('resourceServer.introspection.store', given);
  if (store?.inProcess === true) {
    throw new ConfigurationError('resourceServer.introspection.store', 'is a MemoryStore, which shares nothing between instances (the in-memory cache already keeps answers) and which answers for made-up tokens would fill; use a RedisStore, or leave the option out.');
  }
  return store;
}
