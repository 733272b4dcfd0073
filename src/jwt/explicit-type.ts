import { type JwtKind, mediaType } from './preflight.ts';

/**
 * The `typ` values each kind of JWT may carry (RFC 8725 §3.11 explicit typing), compared as media
 * types. A JWT typed as another kind is refused whatever else it holds (RFC 8725 §3.12): an access
 * token (`at+jwt`) is never an ID token, a logout token (`logout+jwt`) never a UserInfo answer.
 *
 * - ID tokens and signed UserInfo: absent or `JWT` (OIDC Core §2 names no type; `JWT` is RFC 7519's generic one).
 * - Logout tokens: `logout+jwt` (recommended, Back-Channel Logout §2.4), `JWT` or absent.
 * - Introspection answers: `token-introspection+jwt` only (RFC 9701 §5).
 * - Access tokens: `at+jwt` only (RFC 9068 §4); `JWT` or absent only with `genericAccessTokens`.
 *
 * @example
 * ```ts
 * typeAccepted('id_token', 'at+jwt');                   // false
 * typeAccepted('logout_token', 'application/logout+jwt'); // true
 * typeAccepted('access_token', 'JWT', { genericAccessTokens: true }); // true
 * ```
 */
export function typeAccepted(kind: JwtKind, typ: unknown, options: { readonly genericAccessTokens?: boolean } = {}): boolean {
  if (typ !== undefined && typeof typ !== 'string') return false;
  const type = typ === undefined ? undefined : mediaType(typ);
  switch (kind) {
    case 'id_token':
    case 'userinfo':
      return type === undefined || type === 'jwt';
    case 'logout_token':
      return type === undefined || type === 'jwt' || type === 'logout+jwt';
    case 'introspection':
      return type === 'token-introspection+jwt';
    case 'access_token':
      return type === 'at+jwt' || (options.genericAccessTokens === true && (type === undefined || type === 'jwt'));
  }
}
