import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { isCanonicalCompactJws } from '../provider/canonical-jws.ts';
import { classifyJoseFailure } from '../provider/jose-failure.ts';
import type { ProviderClient } from '../provider/provider-client.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { ExpiringCache } from '../util/expiring-cache.ts';
import { claimTypeProblem, claimTypeRule } from '../claim-types.ts';
import { type AccessTokenClaims, scopesOf } from './access-token-claims.ts';
import { AdmissionFilter } from './admission-filter.ts';
import { TokenRejection } from './token-rejection.ts';
import type { ValidatedToken } from './validated-token.ts';

/** How JWT access tokens are checked; see `ResourceServerOptions`. */
export interface JwtVerifierSettings {
  /** The name of the provider whose tokens these are (it goes into every {@link ValidatedToken}). */
  readonly provider: string;
  readonly algorithms: readonly string[];
  readonly strict: boolean;
  readonly cacheMaxEntries: number;
}

/** RFC 9068 §2.2: the claims a JWT access token must carry; required in strict mode. */
const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];
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
 * Validates JWT access tokens locally (RFC 9068 §4, RFC 8725): the signature with a key from the
 * provider's `jwks_uri` only, under an algorithm of the allow-list; `iss` exactly the provider's
 * issuer; `exp` required, `nbf` and `iat` checked with the clock tolerance. JWTs of other kinds
 * are refused: a `typ` other than `at+jwt` / `JWT` (only `at+jwt` in strict mode), an ID token
 * (`nonce`, `at_hash`, `c_hash`, `s_hash`), a logout token (`events`), a Keycloak ID or refresh
 * token (`typ` claim other than `Bearer`), and a sender-constrained token (`cnf`: DPoP or mTLS,
 * which a bearer presentation cannot prove).
 *
 * Verified tokens are kept by the hash of the token until `exp`, as a frozen {@link ValidatedToken}
 * that every later request with the token shares, so a repeated token costs a map lookup
 * ({@link cached}). A token is cached from its second verification on ({@link AdmissionFilter}):
 * one used once would only take an entry that is never read. Audience and scopes are checked per
 * route, after this.
 *
 * @example
 * ```ts
 * const verifier = new JwtAccessTokenVerifier(provider, { provider: 'default', algorithms: ['RS256'], strict: false, cacheMaxEntries: 10_000 });
 * const { claims } = verifier.cached(key) ?? await verifier.verify(token, key);
 * ```
 */
export class JwtAccessTokenVerifier {
  readonly #provider: ProviderClient;
  readonly #settings: JwtVerifierSettings;
  readonly #cache: ExpiringCache<ValidatedToken>;
  /** Which verified tokens are cached: those verified a second time, recently ({@link AdmissionFilter}). */
  readonly #admission: AdmissionFilter;

  /** jwtVerify's options, made once (they are the same for every token). */
  readonly #options: JWTVerifyOptions;

  constructor(provider: ProviderClient, settings: JwtVerifierSettings) {
    this.#provider = provider;
    this.#settings = settings;
    this.#cache = new ExpiringCache(settings.cacheMaxEntries);
    this.#admission = new AdmissionFilter(settings.cacheMaxEntries);
    this.#options = {
      issuer: provider.settings.issuer,
      algorithms: [...settings.algorithms],
      clockTolerance: provider.settings.clockTolerance,
      requiredClaims: settings.strict ? [...RFC9068_CLAIMS] : ['exp'],
    };
  }

  /** A token verified before and not yet expired, by its hash; no I/O, no crypto. */
  cached(key: string): ValidatedToken | undefined {
    return this.#cache.get(key, Date.now());
  }

  /**
   * Verifies a token and caches the result. Throws a {@link TokenRejection} for a bad token, an
   * `OidcError` (502/503) when the provider's metadata or keys cannot be had.
   */
  async verify(token: string, key: string): Promise<ValidatedToken> {
    const settings = this.#provider.settings;
    const tolerance = settings.clockTolerance;
    // The header is parsed once, by jwtVerify; its `typ` is checked right after (a token of the
    // wrong type is refused either way, and a forged one fails the signature first).
    if (!isCanonicalCompactJws(token)) throw new TokenRejection('malformed', 'The access token is not a well-formed JWT.');
    const keys = this.#provider.readyKeys ?? await this.#provider.keys();
    let payload: JWTPayload;
    let typ: unknown;
    try {
      ({ payload, protectedHeader: { typ } } = await jwtVerify(token, keys, this.#options));
    } catch (error) {
      if (error instanceof TokenRejection) throw error;
      const failure = classifyJoseFailure(error);
      if (failure.kind === 'provider') throw failure.error;
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.reason === 'missing' && this.#settings.strict) {
        throw new TokenRejection(failure.reason, `The access token has no "${error.claim}" claim, which RFC 9068 section 2.2 requires (resourceServer.strictJwt).`);
      }
      throw new TokenRejection(failure.reason, error instanceof joseErrors.JWTExpired ? 'The access token has expired.' : `The access token is invalid (${failure.reason}).`);
    }
    checkType(typ, this.#settings.strict);
    const claims = payload as AccessTokenClaims;
    const typeProblem = claimTypeProblem(claims);
    if (typeProblem !== undefined) throw new TokenRejection(typeProblem, `The access token's claim ${claimTypeRule(typeProblem, (claims as Record<string, unknown>)[typeProblem])}.`);
    const now = Math.floor(Date.now() / 1000);
    if (claims.iat !== undefined && claims.iat > now + tolerance) throw new TokenRejection('iat', 'The access token was issued in the future.');
    checkNotOtherKind(claims);
    if (!this.#settings.strict) checkAccessTokenMarks(claims);
    const exp = claims.exp;
    if (exp === undefined) throw new TokenRejection('exp', 'The access token has no expiry.');
    // Kept until it expires, but never longer than MAX_CACHE_SECONDS: a token with an absurd exp
    // must not sit in memory for ever.
    const validated: ValidatedToken = deepFreeze({ claims, scopes: scopesOf(claims), strategy: 'jwt', provider: this.#settings.provider });
    // Cached from its second use on: a token used once would only take an entry that is never read.
    if (this.#admission.admit(key)) this.#cache.set(key, validated, Math.min(exp + tolerance, now + MAX_CACHE_SECONDS) * 1000);
    return validated;
  }
}

/** RFC 9068 §4: `typ` compared as a media type (case-insensitive, `application/` optional). */
function checkType(typ: unknown, strict: boolean): void {
  if (typ === undefined && !strict) return;
  if (typeof typ !== 'string') throw new TokenRejection('typ', 'The token is not a JWT access token (typ).');
  const type = typ.toLowerCase().replace(/^application\//, '');
  if (type === 'at+jwt' || (!strict && type === 'jwt')) return;
  throw new TokenRejection('typ', 'The token is not a JWT access token (typ).');
}

/**
 * Without `strictJwt`, tokens need not say `typ: at+jwt`; they must then still look like an access
 * token — name a client or a scope — so that another JWT of the provider that happens to name this
 * API's audience (a signed UserInfo answer, say) is not taken for one.
 */
function checkAccessTokenMarks(claims: AccessTokenClaims): void {
  const record = claims as Record<string, unknown>;
  if (!ACCESS_TOKEN_MARKS.some((name) => record[name] !== undefined)) {
    throw new TokenRejection('token_type', 'The token names no client and no scope: not an access token.');
  }
}

/** Refuses ID tokens, logout tokens and sender-constrained tokens presented as bearer access tokens. */
function checkNotOtherKind(claims: AccessTokenClaims): void {
  if (ID_TOKEN_CLAIMS.some((name) => name in claims)) throw new TokenRejection('id_token', 'An ID token is not an access token.');
  if ('events' in claims) throw new TokenRejection('token_type', 'The token is not an access token.');
  // Keycloak marks its token kinds in a `typ` claim: Bearer, ID, Refresh, Logout.
  const kind = claims['typ'];
  if (typeof kind === 'string' && kind.toLowerCase() !== 'bearer') throw new TokenRejection('token_type', 'The token is not an access token.');
  if (claims['cnf'] !== undefined) {
    throw new TokenRejection('bound_token', 'The token is bound to a key (DPoP or mTLS) and cannot be used as a bearer token.');
  }
}
