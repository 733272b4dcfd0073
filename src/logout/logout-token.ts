import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { OidcError } from '../errors.ts';
import type { ProviderClient } from '../provider/provider-client.ts';

/** The event a logout token must carry (OIDC Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** The claims of a verified logout token that oidc-kit acts on. */
export interface LogoutTokenClaims {
  readonly iss: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  /** The provider session that ended; when absent, every session of `sub` ends. */
  readonly sid: string | undefined;
  readonly sub: string | undefined;
}

/** `typ` values a logout token may carry: the recommended one, and the generic ones (§2.4: do not require it). */
const ACCEPTED_TYP = new Set(['logout+jwt', 'application/logout+jwt', 'jwt']);

function invalid(reason: string, message = 'The logout token is invalid.'): OidcError {
  return new OidcError('logout_token_invalid', `${message} (${reason})`, { reason });
}

/**
 * Validates back-channel logout tokens (OIDC Back-Channel Logout 1.0 §2.6): the issuer picks the
 * provider (exact string match), the signature must verify with that provider's JWKS under its
 * pinned ID token algorithm (never `none`, never "whatever the key allows"), `aud` must be our
 * client, `iat`, `exp` and `jti` are required, `events` must hold the back-channel logout member
 * as an object, `sid` or `sub` must be present and `nonce` absent (which tells it apart from an ID
 * token). `typ: logout+jwt` is accepted, not required. Unknown claims are ignored.
 *
 * @example
 * ```ts
 * const verifier = new LogoutTokenVerifier(providers);
 * const { provider, claims } = await verifier.verify(body.get('logout_token')!);
 * ```
 */
export class LogoutTokenVerifier {
  readonly #providers: readonly ProviderClient[];
  readonly #keySets = new Map<string, { uri: string; keys: JWTVerifyGetKey }>();

  constructor(providers: Iterable<ProviderClient>) {
    this.#providers = [...providers];
  }

  /** The provider that issued the token and its checked claims; throws `logout_token_invalid` (400) or a 502/503 provider error. */
  async verify(token: string): Promise<{ provider: ProviderClient; claims: LogoutTokenClaims }> {
    let unverified: JWTPayload;
    try {
      decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      throw invalid('malformed');
    }
    // Exact comparison: a provider is only ever matched by the very string it is configured with.
    const provider = this.#providers.find((p) => p.settings.issuer === unverified.iss);
    if (provider === undefined) throw invalid('iss');
    const settings = provider.settings;
    const configuration = await provider.configuration();
    const jwksUri = configuration.serverMetadata().jwks_uri;
    if (jwksUri === undefined) throw new OidcError('provider_error', 'The provider publishes no jwks_uri to verify logout tokens with.');

    let payload: JWTPayload;
    let typ: string | undefined;
    try {
      const verified = await jwtVerify(token, this.#keys(settings.name, jwksUri, settings.httpTimeoutMs), {
        issuer: settings.issuer,
        audience: settings.clientId,
        algorithms: [settings.idTokenSigningAlg],
        clockTolerance: settings.clockTolerance,
        requiredClaims: ['iat', 'exp', 'jti'],
      });
      payload = verified.payload;
      typ = verified.protectedHeader.typ;
    } catch (error) {
      throw verificationFailure(error);
    }
    if (typ !== undefined && !ACCEPTED_TYP.has(typ.toLowerCase())) throw invalid('typ');
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat !== 'number' || payload.iat > now + settings.clockTolerance) throw invalid('iat');
    if (typeof payload.exp !== 'number') throw invalid('exp');
    if (typeof payload.jti !== 'string' || payload.jti === '') throw invalid('jti');
    const events = payload['events'];
    const event = typeof events === 'object' && events !== null && !Array.isArray(events)
      ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT]
      : undefined;
    if (typeof event !== 'object' || event === null || Array.isArray(event)) throw invalid('events');
    if ('nonce' in payload) throw invalid('nonce');
    const sid = payload['sid'];
    const sub = payload.sub;
    if (sid !== undefined && (typeof sid !== 'string' || sid === '')) throw invalid('sid');
    if (sub !== undefined && (typeof sub !== 'string' || sub === '')) throw invalid('sub');
    if (sid === undefined && sub === undefined) throw invalid('sid_or_sub');
    return { provider, claims: { iss: settings.issuer, jti: payload.jti, iat: payload.iat, exp: payload.exp, sid, sub } };
  }

  /** One cached key set per provider: jose refetches it on an unknown `kid`, at most every 30 s. */
  #keys(name: string, uri: string, timeoutMs: number): JWTVerifyGetKey {
    const cached = this.#keySets.get(name);
    if (cached !== undefined && cached.uri === uri) return cached.keys;
    const keys = createRemoteJWKSet(new URL(uri), { timeoutDuration: timeoutMs, cooldownDuration: 30_000 });
    this.#keySets.set(name, { uri, keys });
    return keys;
  }
}

/** jose's failure → a stable reason; an unreachable JWKS is the provider's fault (503), not the token's. */
function verificationFailure(error: unknown): OidcError {
  if (error instanceof joseErrors.JWKSTimeout) {
    return new OidcError('provider_unavailable', 'The provider\'s keys could not be fetched in time.', { cause: error });
  }
  if (error instanceof joseErrors.JWKSInvalid) {
    return new OidcError('provider_error', 'The provider\'s key set is invalid.', { cause: error });
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return invalid('alg');
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) return invalid('kid');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return invalid('signature');
  if (error instanceof joseErrors.JWTExpired) return invalid('exp');
  if (error instanceof joseErrors.JWTClaimValidationFailed) return invalid(error.claim || 'claims');
  if (error instanceof joseErrors.JOSEError) return invalid('malformed');
  if (error instanceof TypeError) {
    return new OidcError('provider_unavailable', 'The provider\'s keys could not be fetched.', { cause: error });
  }
  return invalid('malformed');
}
