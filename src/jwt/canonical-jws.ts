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
  // Checked on the string, without decoding: this runs on every token seen for the first time.
  if (!COMPACT_JWS.test(token)) return false;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  return canonicalPart(token, 0, first) && canonicalPart(token, first + 1, second) && canonicalPart(token, second + 1, token.length);
}

/** Three parts of base64url characters (no padding, nothing else). */
const COMPACT_JWS = /^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Whether the base64url part `token[start, end)` is the canonical spelling of its bytes. Unpadded base64url has three shapes by length mod 4: 0 (whole
 * groups, no spare bits), 2 (one byte: the last character carries 4 spare bits) and 3 (two bytes:
 * 2 spare bits). Length mod 4 = 1 encodes no whole byte and is never canonical. Canonical means
 * the spare bits are zero.
 */
function canonicalPart(token: string, start: number, end: number): boolean {
  switch ((end - start) % 4) {
    case 0:
      return true;
    case 2:
      return (ALPHABET.indexOf(token[end - 1]!) & 0b1111) === 0;
    case 3:
      return (ALPHABET.indexOf(token[end - 1]!) & 0b11) === 0;
    default:
      return false;
  }
}
