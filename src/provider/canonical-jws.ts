/**
 * Whether a compact JWS uses the one canonical base64url encoding in each of its three parts: only
 * base64url characters, and no stray bits in a part's last character. Decoders (jose's included)
 * accept many spellings of the same bytes, so a token could be re-spelled into a different string
 * that still verifies; refusing all but one keeps "this token" meaning one string (a classic JWT
 * encoding trick; found by fuzzing).
 *
 * @example
 * ```ts
 * isCanonicalCompactJws('eyJhbGciOiJFUzI1NiJ9.e30.c2ln'); // true
 * isCanonicalCompactJws('eyJhbGciOiJFUzI1NiJ9.e30.c2lo'); // false: the same bytes, re-spelled
 * ```
 */
export function isCanonicalCompactJws(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  return parts.every((part) => /^[A-Za-z0-9_-]*$/.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part);
}
