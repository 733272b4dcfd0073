import type { AccessTokenClaims } from './access-token-claims.ts';

/**
 * A token that passed every check. Frozen: the caches hand the same object to every request that
 * carries the token.
 *
 * @example
 * ```ts
 * const { claims, scopes, strategy } = validated; // strategy: 'jwt' | 'introspection'
 * ```
 */
export interface ValidatedToken {
  readonly claims: AccessTokenClaims;
  readonly scopes: readonly string[];
  /** How it was checked. */
  readonly strategy: 'jwt' | 'introspection';
  /** The provider that issued it. */
  readonly provider: string;
}
