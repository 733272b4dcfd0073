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
  | {
    /** The token is valid, and meets the requirements. */
    readonly valid: true;
    /** Its claims: the JWT's payload, or the introspection answer. */
    readonly claims: AccessTokenClaims;
    /** The scopes it grants (its `scope`, or `scp`, as a list). */
    readonly scopes: readonly string[];
    /** How it was checked: locally as a JWT, or by introspection at the provider. */
    readonly strategy: 'jwt' | 'introspection';
  }
  | {
    /** The token is refused, or the provider could not be asked (`status` 502 or 503). */
    readonly valid: false;
    /** The error's code, e.g. `invalid_token`, `insufficient_scope`, `provider_unavailable`. */
    readonly code: OidcError['code'];
    /** Which check failed (e.g. `exp`, `aud`, `scope`), for codes that have sub-reasons. */
    readonly reason: string | undefined;
    /** The HTTP status an API answers with: 401, 403, or 502/503 when the provider is at fault. */
    readonly status: number;
    /** The whole error, with its `challenge` for a `WWW-Authenticate` header. */
    readonly error: OidcError;
  };
