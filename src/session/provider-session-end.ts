import { OidcError } from '../errors.ts';

/** NumericDates beyond this (the year 2286) are not plausible: a `session_expiry` past it is ignored. */
const MAX_PLAUSIBLE_SECONDS = 9_999_999_999;

/**
 * When the user's session at the provider ends, as far as the ID token says (seconds since the
 * epoch): its `session_expiry` claim, and `auth_time` + `maxAuthenticationAge` when that option is
 * set; the earlier of the two, or undefined when neither applies. A session of this app must not
 * outlive it (issue 27: "the provider's session limit").
 *
 * Throws `id_token_invalid` (reason `session_expiry`) for a `session_expiry` that is not a
 * NumericDate, and (reason `session_ended`) when the end has already passed at `now`: a login that
 * would be over at once is refused rather than answered with a session that is not one.
 *
 * @example
 * ```ts
 * providerSessionEnd({ sub: 'alice', auth_time: 1_700_000_000 }, 3600, now); // 1_700_003_600
 * ```
 */
export function providerSessionEnd(claims: Readonly<Record<string, unknown>>, maxAuthenticationAge: number | undefined, now: number): number | undefined {
  let end: number | undefined;
  const sessionExpiry = claims['session_expiry'];
  if (sessionExpiry !== undefined) {
    if (typeof sessionExpiry !== 'number' || !Number.isFinite(sessionExpiry) || sessionExpiry <= 0) {
      throw new OidcError('id_token_invalid', 'The ID token\'s session_expiry is not a date.', { reason: 'session_expiry' });
    }
    if (sessionExpiry <= MAX_PLAUSIBLE_SECONDS) end = Math.floor(sessionExpiry);
  }
  const authTime = claims['auth_time'];
  if (maxAuthenticationAge !== undefined && typeof authTime === 'number' && Number.isFinite(authTime)) {
    end = Math.min(end ?? Infinity, Math.floor(authTime) + maxAuthenticationAge);
  }
  if (end !== undefined && end <= now) {
    throw new OidcError('id_token_invalid', 'Your session at the provider has already ended; log in again.', { reason: 'session_ended' });
  }
  return end;
}
