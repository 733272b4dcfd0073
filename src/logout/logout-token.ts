import { compactVerify } from 'jose';
import { OidcError } from '../errors.ts';
import { audienceAccepted } from '../jwt/audience-rule.ts';
import { typeAccepted } from '../jwt/explicit-type.ts';
import { JwtRefusal, preflightJws } from '../jwt/preflight.ts';
import { checkTimeClaims } from '../jwt/time-claims.ts';
import { classifyJoseFailure } from '../provider/jose-failure.ts';
import type { ProviderClient } from '../provider/provider-client.ts';

/** The event a logout token must carry (OIDC Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** The claims of a verified logout token that oidc-kit acts on. */
export interface LogoutTokenClaims {
  readonly iss: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  /** Until when (seconds) this token could be accepted — by `exp` and by its age — so its `jti` is remembered that long. */
  readonly acceptedUntil: number;
  /** The provider session that ended; when absent, every session of `sub` ends. */
  readonly sid: string | undefined;
  readonly sub: string | undefined;
}

/**
 * How old (seconds, by its `iat`) a logout token may be: as for ID tokens (§2.6 step 4 validates
 * `iat` "in the same way"). It also bounds how long a `jti` must be remembered, whatever `exp` says.
 */
export const MAX_LOGOUT_TOKEN_AGE = 10 * 60;

function invalid(reason: string, message = 'The logout token is invalid.'): OidcError {
  return new OidcError('logout_token_invalid', `${message} (${reason})`, { reason });
}

/**
 * Validates back-channel logout tokens (OIDC Back-Channel Logout 1.0 §2.4, §2.6). First, with no
 * provider call: the rules every JWT obeys (`preflightJws`); the issuer picks the provider (exact
 * string match). Then, with the provider's configuration (cached; it names a registered client):
 * `typ` absent, `JWT` or `logout+jwt` (recommended, not required); `alg` the pinned
 * ID token algorithm (never `none`, never "whatever the key allows"); `aud` our client, beside
 * only `trustedAudiences`; `iat`, `exp` and `jti` required, `exp` in the future and `iat` at most
 * ten minutes old, as for ID tokens; `events` holding the back-channel logout member as an object;
 * `sid` or `sub` present (non-empty) and `nonce` absent (which tells it apart from an ID token).
 * Then the signature, with that provider's keys. Unknown claims are ignored.
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
    let header: Readonly<Record<string, unknown>>;
    let payload: Record<string, unknown>;
    let provider: ProviderClient;
    try {
      // The rules every JWT obeys, and the issuer: no provider call for a token refused here.
      ({ header, claims: payload } = preflightJws(token, 'logout_token'));
      // Exact comparison: a provider is only ever matched by the very string it is configured with.
      const found = this.#providers.find((p) => p.settings.issuer === payload['iss']);
      if (found === undefined) throw new JwtRefusal('iss', 'The logout token is from an unknown issuer.');
      provider = found;
    } catch (error) {
      if (error instanceof JwtRefusal) throw invalid(error.reason);
      throw error;
    }
    // The client as the provider knows it (a registered client's id and algorithm come with the
    // configuration; cached after the first request), then this kind's claims, before any key.
    await provider.configuration();
    try {
      checkLogoutClaims(header, payload, provider);
    } catch (error) {
      if (error instanceof JwtRefusal) throw invalid(error.reason);
      throw error;
    }
    const keys = await provider.keys();
    try {
      await compactVerify(token, keys, { algorithms: [provider.client.idTokenSigningAlg] });
    } catch (error) {
      const failure = classifyJoseFailure(error);
      throw failure.kind === 'provider' ? failure.error : invalid(failure.reason);
    }
    const settings = provider.settings;
    const iat = payload['iat'] as number;
    const exp = payload['exp'] as number;
    return {
      provider,
      claims: {
        iss: settings.issuer,
        jti: payload['jti'] as string,
        iat,
        exp,
        acceptedUntil: Math.ceil(Math.min(exp, iat + MAX_LOGOUT_TOKEN_AGE) + settings.clockTolerance),
        sid: payload['sid'] as string | undefined,
        sub: payload['sub'] as string | undefined,
      },
    };
  }
}

/** §2.4 and §2.6 steps 3-7 on a preflighted token: throws a JwtRefusal naming the claim at fault. */
function checkLogoutClaims(header: Readonly<Record<string, unknown>>, payload: Readonly<Record<string, unknown>>, provider: ProviderClient): void {
  const settings = provider.settings;
  if (!typeAccepted('logout_token', header['typ'])) throw new JwtRefusal('typ', 'The token is typed as another kind of JWT.');
  // Pinned: the ID token algorithm, never "whatever the key allows" (§2.6 step 3).
  if (header['alg'] !== provider.client.idTokenSigningAlg) throw new JwtRefusal('alg', 'The logout token is signed with another algorithm.');
  for (const name of ['iat', 'exp', 'jti'] as const) {
    if (payload[name] === undefined) throw new JwtRefusal(name, `The logout token has no "${name}".`);
  }
  // As for ID tokens (§2.6): the audience is this client, with only audiences it trusts beside it.
  if (!audienceAccepted(payload['aud'], provider.client.clientId, settings.trustedAudiences)) throw new JwtRefusal('aud', 'The logout token is for another audience.');
  const now = Math.floor(Date.now() / 1000);
  checkTimeClaims(payload, now, settings.clockTolerance, { requireExp: true });
  if ((payload['iat'] as number) < now - MAX_LOGOUT_TOKEN_AGE - settings.clockTolerance) throw new JwtRefusal('iat', 'The logout token is too old.');
  const events = payload['events'];
  const event = typeof events === 'object' && events !== null && !Array.isArray(events)
    ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT]
    : undefined;
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new JwtRefusal('events', 'The logout token has no back-channel logout event.');
  // A nonce would make it an ID token (§2.6 step 7).
  if ('nonce' in payload) throw new JwtRefusal('nonce', 'A logout token has no nonce.');
  if (payload['sid'] === undefined && payload['sub'] === undefined) throw new JwtRefusal('sid_or_sub', 'The logout token names neither a session nor a subject.');
}
