/**
 * Whether a token's `aud` is right for a token issued to this client — an ID token or a logout
 * token (OIDC Core §3.1.3.7 step 3, Back-Channel Logout §2.6 step 4): it contains the client, and
 * every other audience is one the client trusts. By default it trusts none, so the token is this
 * client's alone.
 *
 * @example
 * ```ts
 * audienceAccepted('app', 'app', []);                          // true
 * audienceAccepted(['app', 'https://api.example'], 'app', []); // false
 * audienceAccepted(['app', 'https://api.example'], 'app', ['https://api.example']); // true
 * ```
 */
export function audienceAccepted(aud: unknown, clientId: string, trusted: readonly string[]): boolean {
  const audiences = Array.isArray(aud) ? aud as unknown[] : [aud];
  return audiences.includes(clientId) && audiences.every((a) => a === clientId || (typeof a === 'string' && trusted.includes(a)));
}
