import type { CookieSealer } from '../cookies/cookie-sealer.ts';
import type { Logger, TokenValidationStrategy } from '../config/options.ts';
import type { ResourceServerSettings } from '../config/resolved-config.ts';
import type { OidcError } from '../errors.ts';
import type { ProviderClient } from '../provider/provider-client.ts';
import { audienceList } from '../util/audience-list.ts';
import { audienceMatches } from './access-token-claims.ts';
import { bearerError } from './bearer-error.ts';
import { missingScopes } from './claim-checks.ts';
import { JwtAccessTokenVerifier } from './jwt-access-token-verifier.ts';
import { checkBinding } from './token-binding.ts';
import { TokenRejection } from './token-rejection.ts';
import { TokenIntrospector } from './token-introspector.ts';
import type { ValidatedToken } from './validated-token.ts';
import { secretKey } from '../util/secret-key.ts';

export type { ValidatedToken } from './validated-token.ts';

/**
 * Per-route token requirements, as `acceptToken()` and `validateToken()` take them.
 *
 * @example
 * ```ts
 * const result = await oidc.validateToken(token, { audience: 'https://api.example.com', scopes: ['events:read'] });
 * ```
 */
export interface TokenRequirements {
  /** Scopes the token must grant, all of them (a space-separated string or an array). */
  scopes?: string | readonly string[];
  /** Overrides `resourceServer.audience` for this route. */
  audience?: string | readonly string[];
  /** Which provider issued the token. Default: `resourceServer.provider`. */
  provider?: string;
  /** Overrides `resourceServer.strategy` for this route. */
  strategy?: TokenValidationStrategy;
}

/**
 * {@link TokenRequirements} checked and normalised once, when a route is declared.
 *
 * @example
 * ```ts
 * const policy: TokenPolicy = { provider: 'default', strategy: 'auto', audience: ['https://api.example.com'], scopes: ['read'] };
 * ```
 */
export interface TokenPolicy {
  /** The provider whose tokens are accepted. */
  readonly provider: string;
  /** How tokens are checked. */
  readonly strategy: TokenValidationStrategy;
  /** The audiences accepted, one of which the token must name; `undefined`: not checked. */
  readonly audience: readonly string[] | undefined;
  /** Scopes the token must grant, all of them; empty: none. */
  readonly scopes: readonly string[];
}

/** Tokens longer than this are refused before any work (a cost bound; real tokens are far smaller). */
export const MAX_TOKEN_LENGTH = 8192;

/**
 * The resource server's decision for one token: picks the strategy (a signed-JWT shape is checked
 * locally, anything else introspected, unless a strategy is forced), asks the cache first — a hit
 * is answered synchronously, with no I/O — then checks audience and scopes for the route. Failures
 * are RFC 6750 errors with their challenge; provider trouble stays a 502/503.
 *
 * @example
 * ```ts
 * const validator = new TokenValidator(providers, config.resourceServer, logger);
 * const policy = validator.policy({ scopes: 'read' });
 * const token = await validator.validate(rawToken, policy); // throws OidcError invalid_token / insufficient_scope / …
 * ```
 */
export class TokenValidator {
  readonly #providers: ReadonlyMap<string, ProviderClient>;
  readonly #settings: ResourceServerSettings;
  readonly #logger: Logger;
  readonly #jwt = new Map<string, JwtAccessTokenVerifier>();
  readonly #introspection = new Map<string, TokenIntrospector>();

  readonly #sealer: CookieSealer;

  /** @param sealer seals introspection answers shared through `introspection.store`. */
  constructor(providers: ReadonlyMap<string, ProviderClient>, settings: ResourceServerSettings, logger: Logger, sealer: CookieSealer) {
    this.#sealer = sealer;
    this.#providers = providers;
    this.#settings = settings;
    this.#logger = logger;
  }

  /** The client ids this app logs users in with (registered ones once known): the audience of its ID tokens. */
  #clientIds(): string[] {
    return [...this.#providers.values()].map((p) => p.client.clientId).filter((id) => id !== '');
  }

  /** The realm of this API's challenges. */
  get realm(): string {
    return this.#settings.realm;
  }

  /** Checks route requirements once; throws a `TypeError` naming the problem (at start-up, where routes are declared). */
  policy(requirements: TokenRequirements = {}): TokenPolicy {
    const provider = requirements.provider ?? this.#settings.provider;
    if (!this.#providers.has(provider)) {
      throw new TypeError(`oidc-kit: provider "${provider}" is not configured (${[...this.#providers.keys()].join(', ')}).`);
    }
    const strategy = requirements.strategy ?? this.#settings.strategy;
    if (!['auto', 'jwt', 'introspection'].includes(strategy)) throw new TypeError('oidc-kit: strategy must be "auto", "jwt" or "introspection".');
    let audience = this.#settings.audience;
    if (requirements.audience !== undefined) {
      try {
        audience = audienceList('audience', requirements.audience);
      } catch (error) {
        throw new TypeError((error as Error).message, { cause: error });
      }
    }
    return { provider, strategy, audience, scopes: scopeList(requirements.scopes) };
  }

  /**
   * Validates a token against a policy. Returns synchronously when the answer is cached; throws
   * (or rejects with) an `OidcError`: `invalid_token` 401, `insufficient_scope` 403, or the
   * provider's 502/503. `proofJkt` is the key thumbprint of a verified DPoP proof: a bound token is
   * accepted only with the proof of its key, never without one (token-binding.ts).
   */
  validate(token: string, policy: TokenPolicy, key?: string, proofJkt?: string): ValidatedToken | Promise<ValidatedToken> {
    if (token.length > MAX_TOKEN_LENGTH) throw this.#invalid(new TokenRejection('too_long', 'The access token is too long.'));
    key ??= secretKey(token);
    const found = this.#lookup(token, key, policy);
    if (typeof found === 'object') return this.#checkRoute(found, policy, proofJkt);
    const pending = found === 'jwt'
      ? this.#jwtVerifier(policy.provider).verify(token, key, (validated) => policy.audience === undefined || audienceMatches(validated.claims.aud, policy.audience))
      : this.#introspector(policy.provider).introspect(token, key);
    return pending.then((validated) => this.#checkRoute(validated, policy, proofJkt), (error: unknown) => {
      throw this.#failure(error);
    });
  }

  /**
   * The cached verdict on a token, if there is one — checked against the route's policy (audience,
   * scopes; those failures throw as in {@link validate}) — or `undefined` when it must be validated.
   * No I/O, no signature check, no syntax check: a token is only ever cached after it passed all
   * of them, so an exact match needs none again. Give {@link validate} the same `key` (from
   * {@link keyFor}) after a miss, so that a new token is hashed once.
   */
  recall(token: string, policy: TokenPolicy, key?: string, proofJkt?: string): ValidatedToken | undefined {
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    key ??= secretKey(token);
    const found = this.#lookup(token, key, policy);
    return typeof found === 'object' ? this.#checkRoute(found, policy, proofJkt) : undefined;
  }

  /** The token's cache key, or `undefined` for a token too long to be one (never hashed: it is refused). */
  keyFor(token: string): string | undefined {
    return token.length > MAX_TOKEN_LENGTH ? undefined : secretKey(token);
  }

  /** The token's cached verdict or — when none is cached — the strategy it gets. A cached refusal throws. */
  #lookup(token: string, key: string, policy: TokenPolicy): ValidatedToken | 'jwt' | 'introspection' {
    let strategy = policy.strategy;
    let cached: ValidatedToken | undefined;
    try {
      if (strategy === 'auto') {
        // A verified JWT is found in the JWT cache before its header is parsed again: the
        // three-segment shape is a cheap test; only tokens seen for the first time get the full one.
        const jwtShaped = hasThreeSegments(token);
        if (jwtShaped) cached = this.#jwtVerifier(policy.provider).cached(key);
        strategy = cached !== undefined || (jwtShaped && looksLikeSignedJwt(token)) ? 'jwt' : 'introspection';
        // Another JOSE object (a JWE, or a JSON header with the wrong number of parts) is no access
        // token this API can read: refused here, never relayed to the provider.
        if (strategy === 'introspection' && !jwtShaped) refuseOtherJose(token);
      }
      cached ??= strategy === 'jwt' ? this.#jwtVerifier(policy.provider).cached(key) : this.#introspector(policy.provider).cached(key);
    } catch (error) {
      throw this.#failure(error);
    }
    return cached ?? strategy;
  }

  /** `proofJkt`: the thumbprint of the request's DPoP proof key; undefined for a bearer token. */
  #checkRoute(validated: ValidatedToken, policy: TokenPolicy, proofJkt: string | undefined): ValidatedToken {
    const { claims, strategy, scopes } = validated;
    try {
      checkBinding(claims, proofJkt, this.#settings.realm);
    } catch (error) {
      throw this.#failure(error);
    }
    if (policy.audience !== undefined && !audienceMatches(claims.aud, policy.audience)) {
      throw this.#invalid(new TokenRejection('aud', 'The access token is not meant for this API (aud).'));
    }
    // Without an audience to check, an ID token issued to our own login client (whose audience is
    // that client) could pass for an access token even without nonce or hashes: a JWT addressed to
    // one of our clients that grants no scope and names no client is one.
    if (policy.audience === undefined && strategy === 'jwt' && audienceMatches(claims.aud, this.#clientIds()) &&
      claims['scope'] === undefined && claims['scp'] === undefined && claims.client_id === undefined) {
      throw this.#invalid(new TokenRejection('id_token', 'An ID token is not an access token.'));
    }
    if (policy.scopes.length > 0 && missingScopes(scopes, policy.scopes).length > 0) {
      throw bearerError('insufficient_scope', `The access token lacks the scope this needs: ${policy.scopes.join(' ')}.`, {
        realm: this.#settings.realm,
        reason: 'scope',
        scope: policy.scopes,
      });
    }
    return validated;
  }

  #failure(error: unknown): unknown {
    // Provider and store trouble (OidcError 502/503) and programming errors pass through as they are.
    return error instanceof TokenRejection ? this.#invalid(error) : error;
  }

  #invalid(rejection: TokenRejection): OidcError {
    return bearerError('invalid_token', rejection.message, { realm: this.#settings.realm, reason: rejection.reason });
  }

  #jwtVerifier(name: string): JwtAccessTokenVerifier {
    let verifier = this.#jwt.get(name);
    if (verifier === undefined) {
      verifier = new JwtAccessTokenVerifier(this.#provider(name), {
        provider: name,
        algorithms: this.#settings.algorithms,
        strict: this.#settings.strictJwt,
        cacheMaxEntries: this.#settings.cacheMaxEntries,
        logger: this.#logger,
      });
      this.#jwt.set(name, verifier);
    }
    return verifier;
  }

  #introspector(name: string): TokenIntrospector {
    let introspector = this.#introspection.get(name);
    if (introspector === undefined) {
      introspector = new TokenIntrospector(name, this.#provider(name), this.#settings, this.#logger, this.#sealer);
      this.#introspection.set(name, introspector);
    }
    return introspector;
  }

  #provider(name: string): ProviderClient {
    const provider = this.#providers.get(name);
    if (provider === undefined) throw new TypeError(`oidc-kit: provider "${name}" is not configured.`);
    return provider;
  }
}

/** Scopes given as a space-separated string or an array, as a list. */
export function scopeList(scopes: string | readonly string[] | undefined): readonly string[] {
  if (scopes === undefined) return [];
  const list = typeof scopes === 'string' ? scopes.split(/\s+/).filter((s) => s !== '') : [...scopes];
  if (list.some((s) => typeof s !== 'string' || s === '' || /\s/.test(s))) throw new TypeError('oidc-kit: scopes must be non-empty strings without spaces (or one space-separated string).');
  return list;
}

/** Three dot-separated segments, the first non-empty: the shape of a compact JWS (JWE has five). */
function hasThreeSegments(token: string): boolean {
  const first = token.indexOf('.');
  if (first <= 0) return false;
  const second = token.indexOf('.', first + 1);
  return second !== -1 && token.indexOf('.', second + 1) === -1;
}

/**
 * Throws for a token shaped like a JOSE object other than a compact JWS: dot-separated parts whose
 * first decodes to a JSON object. Five parts are a JWE (encrypted, which this API cannot read);
 * any other count is malformed. Opaque tokens (no dot, or a first part that is not JSON) pass.
 */
function refuseOtherJose(token: string): void {
  const first = token.indexOf('.');
  if (first <= 0) return;
  const start = Buffer.from(token.slice(0, Math.min(first, 16)), 'base64url').toString('utf8');
  if (!/^\ufeff?\s*\{/.test(start)) return;
  const parts = token.split('.', 6).length;
  if (parts === 5) throw new TokenRejection('jwe', 'The access token is encrypted (a JWE), which this API does not accept.');
  throw new TokenRejection('malformed', 'The access token is malformed.');
}

/**
 * A compact JWS: three segments, the first of which decodes to what a JOSE header starts with (a
 * `{`, perhaps behind a byte-order mark or whitespace). Such a token is the JWT verifier's to judge,
 * and refuse when its header is broken or hostile — never a reason to ask the provider's
 * introspection endpoint about it.
 */
function looksLikeSignedJwt(token: string): boolean {
  if (!hasThreeSegments(token)) return false;
  const first = token.indexOf('.');
  const start = Buffer.from(token.slice(0, Math.min(first, 16)), 'base64url').toString('utf8');
  return /^\ufeff?\s*\{/.test(start);
}
