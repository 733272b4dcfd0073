import { JwtRefusal } from './preflight.ts';

/**
 * The time rules every JWT obeys (RFC 7519 §4.1.4-6), with the clock tolerance: `exp` in the
 * future, `nbf` and `iat` not in the future. Their types and plausible range were checked by
 * `preflightJws`; this is the comparison with the clock. Throws a {@link JwtRefusal} with reason
 * `exp`, `nbf` or `iat`.
 *
 * @example
 * ```ts
 * checkTimeClaims(claims, Math.floor(Date.now() / 1000), 30, { requireExp: true });
 * ```
 */
export function checkTimeClaims(claims: Readonly<Record<string, unknown>>, now: number, tolerance: number, options: { readonly requireExp: boolean }): void {
  const { exp, nbf, iat } = claims as { exp?: number; nbf?: number; iat?: number };
  if (exp === undefined) {
    if (options.requireExp) throw new JwtRefusal('exp', 'The token has no expiry ("exp").');
  } else if (exp + tolerance <= now) {
    throw new JwtRefusal('exp', 'The token has expired.');
  }
  if (nbf !== undefined && nbf > now + tolerance) throw new JwtRefusal('nbf', 'The token is not valid yet ("nbf").');
  if (iat !== undefined && iat > now + tolerance) throw new JwtRefusal('iat', 'The token was issued in the future ("iat").');
}
