import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { isCanonicalCompactJws } from '../provider/canonical-jws.ts';
import { OidcError } from '../errors.ts';
import { classifyJoseFailure } from '../provider/jose-failure.ts';
import type { ProviderClient } from '../provider/provider-client.ts';
import { claimTypeProblem } from '../claim-types.ts';

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

  constructor(providers: Iterable<ProviderClient>) {
    this.#providers = [...providers];
  }

  /** The provider that issued the token and its checked claims; throws `logout_token_invalid` (400) or a 502/503 provider error. */
  async verify(token: string): Promise<{ provider: ProviderClient; claims: LogoutTokenClaims }> {
    let unverified: JWTPayload;
    if (!isCanonicalCompactJws(token)) throw invalid('malformed');
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
    const keys = await provider.keys();

    let payload: JWTPayload;
    let typ: string | undefined;
    try {
      const verified = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        audience: provider.client.clientId,
        algorithms: [provider.client.idTokenSigningAlg],
        clockTolerance: settings.clockTolerance,
        requiredClaims: ['iat', 'exp', 'jti'],
      });
      payload = verified.payload;
      typ = verified.protectedHeader.typ;
    } catch (error) {
      const failure = classifyJoseFailure(error);
      throw failure.kind === 'provider' ? failure.error : invalid(failure.reason);
    }
    if (typ !== undefined && !ACCEPTED_TYP.has(typ.toLowerCase())) throw invalid('typ');
    // As for ID tokens (§2.6): the audience is this client alone — an extra, untrusted audience
    // means the token was minted for someone else too (OIDC Core §3.1.3.7 step 3).
    const audience = payload.aud;
    if (Array.isArray(audience) ? audience.length !== 1 || audience[0] !== provider.client.clientId : audience !== provider.client.clientId) throw invalid('aud');
    const now = Math.floor(Date.now() / 1000);
    // Strings and finite numbers only (1e400 parses to Infinity, which passes every comparison).
    const typeProblem = claimTypeProblem(payload);
    if (typeProblem !== undefined) throw invalid(typeProblem);
    const { iat, exp } = payload;
    if (typeof iat !== 'number' || iat > now + settings.clockTolerance) throw invalid('iat');
    if (typeof exp !== 'number') throw invalid('exp');
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
    return { provider, claims: { iss: settings.issuer, jti: payload.jti, iat, exp, sid, sub } };
  }
}
