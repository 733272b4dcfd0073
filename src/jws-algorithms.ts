/**
 * Every asymmetric JWS algorithm (RFC 7518 §3.1, EdDSA of RFC 8037, and the fully-specified
 * Ed25519): what oidc-kit accepts for access tokens by default, for signed UserInfo and for a
 * client that registers itself. Keys only ever come from the provider's JWKS, which holds public
 * keys: a symmetric algorithm (HS*) would have nothing secret to check against, and `none` checks
 * nothing, so neither is ever in this list.
 *
 * @example
 * ```ts
 * (ASYMMETRIC_ALGORITHMS as readonly string[]).includes('ES256'); // true
 * (ASYMMETRIC_ALGORITHMS as readonly string[]).includes('HS256'); // false
 * ```
 */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
