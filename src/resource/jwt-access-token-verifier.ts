import { compactVerify } from 'jose';
import type { Logger } from '../config/options.ts';
import { typeAccepted } from '../jwt/explicit-type.ts';
import { JwtRefusal, preflightJws } from '../jwt/preflight.ts';
import { checkTimeClaims } from '../jwt/time-claims.ts';
import { classifyJoseFailure } from '../provider/jose-failure.ts';
import type { ProviderClient } from '../provider/provider-client.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { ExpiringCache } from '../util/expiring-cache.ts';
import { scopesOf } from './access-token-claims.ts';
import { AdmissionFilter } from './admission-filter.ts';
import { TokenRejection } from './token-rejection.ts';
import type { ValidatedToken } from './validated-token.ts';

/** Which RFC 9068 rules are enforced; see `ResourceServerOptions.strictJwt`. */
export interface StrictJwtRules {
  /** `typ` must be `at+jwt` (RFC 9068 §4); when false, `JWT` or no `typ` is accepted too. */
  readonly typ: boolean;
  /** iss, exp, aud, sub, client_id, iat and jti are required (RFC 9068 §2.2); when false, exp and a client or scope mark. */
  readonly claims: boolean;
}

/** How JWT access tokens are checked; see `ResourceServerOptions`. */
export interface JwtVerifierSettings {
  /** The name of the provider whose tokens these are (it goes into every {@link ValidatedToken}). */
  readonly provider: string;
  readonly algorithms: readonly string[];
  readonly strict: StrictJwtRules;
  readonly cacheMaxEntries: number;
  /** Told once per rule when the provider's own tokens fail only on a strict rule, with the option that relaxes it. */
  readonly logger?: Logger;
}

/** RFC 9068 §2.2: the claims a JWT access token must carry; required unless `strictJwt.claims` is off. */
const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const;
/** How long a verified token is remembered at most, whatever its `exp`. */
const MAX_CACHE_SECONDS = 600;
/**
 * Claims by which providers mark an access token's client or grant (RFC 9068 `client_id` and
 * `scope`; Keycloak and Auth0 `azp`; Okta `cid` and `scp`; Microsoft `appid`, `scp` and `roles`).
 */
const ACCESS_TOKEN_MARKS = ['client_id', 'scope', 'azp', 'cid', 'scp', 'appid', 'roles'];
/** Claims only ID tokens carry (OIDC Core §2, §3.1.3.6, §3.3.2.11): their presence means "not an access token". */
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash', 's_hash'];

/**
 * Validates JWT access tokens locally (RFC 9068 §4, RFC 8725), in this order:
 *
 * 1. the structural rules every JWT passes (`preflightJws`: size, canonical encoding, strict JSON,
 *    header members, claim types and plausible dates);
 * 2. `iss` exactly the provider's issuer, `exp` required and in the future, `nbf` and `iat` with
 *    the clock tolerance, and not another kind of JWT: an ID token (`nonce`, `at_hash`, `c_hash`,
 *    `s_hash`, or an ID token's `typ`), a logout token (`events`), a Keycloak ID or refresh token
 *    (`typ` claim other than `Bearer`), a sender-constrained token (`cnf`);
 * 3. the signature, with a key from the provider's `jwks_uri` only, under an algorithm of the
 *    allow-list — only now is the provider asked for anything;
 * 4. RFC 9068's profile (`strictJwt`, on by default): `typ: at+jwt` and the §2.2 claims. A token
 *    of the provider's that fails only here is logged once per rule, naming the option that
 *    relaxes it, so that a provider issuing `typ: JWT` tokens is fixed in a minute.
 *
 * Verified tokens are kept by the hash of the token until `exp`, as a frozen {@link ValidatedToken}
 * that every later request with the token shares, so a repeated token costs a map lookup
 * ({@link cached}). A token is cached from its second verification on ({@link AdmissionFilter}):
 * one used once would only take an entry that is never read. Audience and scopes are checked per
 * route, after this.
 *
 * @example
 * ```ts
 * const verifier = new JwtAccessTokenVerifier(provider, { provider: 'default', algorithms: ['RS256'], strict: { typ: true, claims: true }, cacheMaxEntries: 10_000 });
 * const { claims } = verifier.cached(key) ?? await verifier.verify(token, key);
 * ```
 */
export class JwtAccessTokenVerifier {
  readonly #provider: ProviderClient;
  readonly #settings: JwtVerifierSettings;
  readonly #cache: ExpiringCache<ValidatedToken>;
  /** Which verified tokens are cached: those verified a second time, recently ({@link AdmissionFilter}). */
  readonly #admission: AdmissionFilter;
  /** The strict rules already named in the log (once each). */
  readonly #logged = new Set<string>();

  constructor(provider: ProviderClient, settings: JwtVerifierSettings) {
    this.#provider = provider;
    this.#settings = settings;
    this.#cache = new ExpiringCache(settings.cacheMaxEntries);
    this.#admission = new AdmissionFilter(settings.cacheMaxEntries);
  }

  /** A token verified before and not yet expired, by its hash; no I/O, no crypto. */
  cached(key: string): ValidatedToken | undefined {
    return this.#cache.get(key, Date.now());
  }

  /**
   * Verifies a token and caches the result when `worthKeeping` says the route takes it (its
   * audience): tokens the provider issued for other APIs are verified but never take a cache entry
   * (or an admission slot) from the tokens this API serves. Throws a {@link TokenRejection} for a
   * bad token, an `OidcError` (502/503) when the provider's metadata or keys cannot be had.
   */
  async verify(token: string, key: string, worthKeeping: (validated: ValidatedToken) => boolean = () => true): Promise<ValidatedToken> {
    const settings = this.#provider.settings;
    const tolerance = settings.clockTolerance;
    const now = Math.floor(Date.now() / 1000);
    let header: Readonly<Record<string, unknown>>;
    let claims: Record<string, unknown>;
    try {
      ({ header, claims } = preflightJws(token, 'access_token'));
      // Exact comparison: the issuer string as configured (RFC 9068 §4, RFC 8725 §3.8).
      if (claims['iss'] === undefined) throw new JwtRefusal('iss', 'The access token has no issuer ("iss").');
      if (claims['iss'] !== settings.issuer) throw new JwtRefusal('iss', 'The access token is from another issuer.');
      checkTimeClaims(claims, now, tolerance, { requireExp: true });
    } catch (error) {
      if (error instanceof JwtRefusal) throw new TokenRejection(error.reason, error.reason === 'exp' ? 'The access token has expired.' : `The access token is invalid: ${error.message}`);
      throw error;
    }
    checkNotOtherKind(claims);
    const algorithm = header['alg'] as string;
    if (!this.#settings.algorithms.includes(algorithm)) throw new TokenRejection('alg', `The access token is signed with ${algorithm}, which this API does not accept (resourceServer.algorithms).`);
    const keys = this.#provider.readyKeys ?? await this.#provider.keys();
    try {
      await compactVerify(token, keys, { algorithms: [algorithm] });
    } catch (error) {
      const failure = classifyJoseFailure(error);
      if (failure.kind === 'provider') throw failure.error;
      throw new TokenRejection(failure.reason, `The access token is invalid (${failure.reason}).`);
    }
    this.#checkProfile(header, claims);
    const exp = claims['exp'] as number;
    // Kept until it expires, but never longer than MAX_CACHE_SECONDS: a token with an absurd exp
    // must not sit in memory for ever.
    const validated: ValidatedToken = deepFreeze({ claims, scopes: scopesOf(claims), strategy: 'jwt', provider: this.#settings.provider });
    // Cached from its second use on: a token used once would only take an entry that is never read.
    if (worthKeeping(validated) && this.#admission.admit(key)) this.#cache.set(key, validated, Math.min(exp + tolerance, now + MAX_CACHE_SECONDS) * 1000);
    return validated;
  }

  /**
   * RFC 9068's profile, after the signature: `typ` and the §2.2 claims under `strictJwt`, or
   * without them, a client or scope mark. A signed token of the provider's that fails only on a
   * strict rule that has a relaxation is logged once per rule.
   */
  #checkProfile(header: Readonly<Record<string, unknown>>, claims: Record<string, unknown>): void {
    const strict = this.#settings.strict;
    const typ = header['typ'];
    const missing = strict.claims ? RFC9068_CLAIMS.find((name) => claims[name] === undefined) : undefined;
    if (!typeAccepted('access_token', typ, { genericAccessTokens: !strict.typ })) {
      // A generic type (JWT or none) is what the relaxation accepts; any other type is never an access token.
      const generic = typeAccepted('access_token', typ, { genericAccessTokens: true });
      // Both rules at once when both fail, so that one change of settings is enough.
      const fix = missing === undefined ? '{ typ: false }' : `{ typ: false, claims: false } (they also lack "${missing}", which RFC 9068 section 2.2 requires)`;
      if (generic) this.#tellOnce('typ', `sends access tokens with ${typ === undefined ? 'no "typ"' : `typ "${typ as string}"`}; RFC 9068 section 2.1 requires "at+jwt", so they are refused (invalid_token, reason typ). To accept them, set resourceServer.strictJwt: ${fix}.`);
      throw new TokenRejection('typ', generic ? 'The access token is not typed "at+jwt" (RFC 9068 section 2.1; resourceServer.strictJwt).' : 'The token is not a JWT access token (typ).');
    }
    if (strict.claims) {
      if (missing !== undefined) {
        this.#tellOnce(`claim:${missing}`, `sends access tokens without "${missing}"; RFC 9068 section 2.2 requires iss, exp, aud, sub, client_id, iat and jti, so they are refused (invalid_token, reason ${missing}). To accept them, set resourceServer.strictJwt: { claims: false }.`);
        throw new TokenRejection(missing, `The access token has no "${missing}" claim, which RFC 9068 section 2.2 requires (resourceServer.strictJwt).`);
      }
    } else {
      checkAccessTokenMarks(claims);
    }
  }

  #tellOnce(rule: string, message: string): void {
    if (this.#logged.has(rule)) return;
    this.#logged.add(rule);
    const settings = this.#provider.settings;
    this.#settings.logger?.warn(`provider "${this.#settings.provider}" (${settings.issuer}) ${message}`, { provider: this.#settings.provider, reason: rule });
  }
}

/**
 * Without `strictJwt.claims`, tokens need not carry RFC 9068's claims; they must then still look
 * like an access token — name a client or a scope — so that another JWT of the provider that
 * happens to name this API's audience (a signed UserInfo answer, say) is not taken for one.
 */
function checkAccessTokenMarks(claims: Readonly<Record<string, unknown>>): void {
  if (!ACCESS_TOKEN_MARKS.some((name) => claims[name] !== undefined)) {
    throw new TokenRejection('token_type', 'The token names no client and no scope: not an access token.');
  }
}

/**
 * Refuses ID tokens and logout tokens presented as access tokens. Sender-constrained tokens (`cnf`)
 * pass here and are judged per request (token-binding.ts): bound ones need their key's proof.
 */
function checkNotOtherKind(claims: Readonly<Record<string, unknown>>): void {
  if (ID_TOKEN_CLAIMS.some((name) => name in claims)) throw new TokenRejection('id_token', 'An ID token is not an access token.');
  if ('events' in claims) throw new TokenRejection('token_type', 'The token is not an access token.');
  // Keycloak marks its token kinds in a `typ` claim: Bearer, ID, Refresh, Logout.
  const kind = claims['typ'];
  if (typeof kind === 'string' && kind.toLowerCase() !== 'bearer') throw new TokenRejection('token_type', 'The token is not an access token.');
}
