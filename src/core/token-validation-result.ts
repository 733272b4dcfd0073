import type { OidcError } from '../errors.ts';
import type { AccessTokenClaims } from '../resource/access-token-claims.ts';

/**
 * The outcome of `validateToken()` (Flask-OIDC: validate_token): valid with the claims, or invalid
 * with the error — never a truthy string.
 *
 * @example
 * ```ts
 * const result = await oidc.validateToken(token, { scopes: 'read' });
 * if (!result.valid) console.log(result.code, result.reason); // 'invalid_token', 'exp'
 * ```
 */
export type TokenValidationResult =
  | { readonly valid: true; readonly claims: AccessTokenClaims; readonly scopes: readonly string[]; readonly strategy: 'jwt' | 'introspection' }
  | { readonly valid: false; readonly code: OidcError['code']; readonly reason: string | undefined; readonly status: number; readonly error: OidcError };
