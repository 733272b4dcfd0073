/**
 * The claims of a verified access token: a JWT's payload, or an introspection answer (RFC 7662 §2.2).
 * Only `exp` is guaranteed for JWTs; everything else depends on the provider.
 *
 * @example
 * ```ts
 * app.get('/api/me', oidc.acceptToken(), (req, res) => res.json({ sub: req.oidc.token?.sub, scope: req.oidc.token?.scope }));
 * ```
 */
export interface AccessTokenClaims {
  /** The issuer: the provider that issued the token. */
  readonly iss?: string;
  /** The resource owner, or the client itself for client-credentials tokens. */
  readonly sub?: string;
  /** The audience: the API or APIs the token is for (checked against `resourceServer.audience`). */
  readonly aud?: string | readonly string[];
  /** When it expires, in seconds since the epoch. */
  readonly exp?: number;
  /** When it was issued, in seconds since the epoch. */
  readonly iat?: number;
  /** Not valid before this time, in seconds since the epoch. */
  readonly nbf?: number;
  /** The token's unique identifier. */
  readonly jti?: string;
  /** The client the token was issued to (RFC 9068 §2.2, RFC 7662 §2.2). */
  readonly client_id?: string;
  /** Space-separated scopes (RFC 9068 §2.2.3). Some providers use `scp` instead; see {@link scopesOf}. */
  readonly scope?: string;
  readonly [claim: string]: unknown;
}

/**
 * The scopes a token grants: its `scope` claim split on spaces (RFC 9068 §2.2.3, RFC 7662), or —
 * for providers that use it instead (Okta, Entra ID) — `scp`, a string or an array. Case-sensitive.
 *
 * @example
 * ```ts
 * scopesOf({ scope: 'read write' }); // ['read', 'write']
 * scopesOf({ scp: ['read'] });       // ['read']
 * ```
 */
export function scopesOf(claims: Readonly<Record<string, unknown>>): readonly string[] {
  const scope = claims['scope'] ?? claims['scp'];
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s !== '');
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}

/**
 * Whether `aud` (a string or an array) contains one of the expected audiences, compared exactly.
 *
 * @example
 * ```ts
 * audienceMatches(['https://api.example', 'other'], ['https://api.example']); // true
 * ```
 */
export function audienceMatches(aud: unknown, expected: readonly string[]): boolean {
  if (typeof aud === 'string') return expected.includes(aud);
  if (Array.isArray(aud)) return aud.some((a) => typeof a === 'string' && expected.includes(a));
  return false;
}
