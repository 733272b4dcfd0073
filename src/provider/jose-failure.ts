import { errors as joseErrors } from 'jose';
import { OidcError } from '../errors.ts';
import { ProviderUnreachableError, ResponseTooLargeError } from './bounded-fetch.ts';

/** Why jose refused a token: a reason to report against the token, or a provider fault (its keys). */
export type JoseFailure = { readonly kind: 'token'; readonly reason: string } | { readonly kind: 'provider'; readonly error: OidcError };

/**
 * Sorts what `jwtVerify` with the provider's key set threw: problems of the token (a bad signature, an
 * unknown `kid`, a refused `alg`, an expired `exp`) become a short stable reason; an unreachable or
 * broken JWKS is the provider's fault (503/502), never the token's, so clients do not throw away
 * good tokens while the provider is down.
 *
 * @example
 * ```ts
 * try { await jwtVerify(token, keys, options); }
 * catch (error) { const failure = classifyJoseFailure(error); if (failure.kind === 'provider') throw failure.error; }
 * ```
 */
export function classifyJoseFailure(error: unknown): JoseFailure {
  // The key set (ProviderKeySet) says itself when the provider is at fault.
  if (error instanceof OidcError) return { kind: 'provider', error };
  if (error instanceof ResponseTooLargeError) {
    return { kind: 'provider', error: new OidcError('provider_error', 'The provider\'s key set is larger than oidc-kit reads.', { reason: 'jwks_size', cause: error }) };
  }
  if (error instanceof joseErrors.JWKSTimeout) {
    return { kind: 'provider', error: new OidcError('provider_unavailable', 'The provider\'s keys could not be fetched in time.', { cause: error }) };
  }
  if (error instanceof joseErrors.JWKSInvalid) {
    return { kind: 'provider', error: new OidcError('provider_error', 'The provider\'s key set is invalid.', { cause: error }) };
  }
  // jose reports a JWKS answer that is not 200 or not JSON with its generic error class.
  if (error instanceof joseErrors.JOSEError && error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(error.message)) {
    return { kind: 'provider', error: new OidcError('provider_error', 'The provider\'s key set could not be loaded.', { cause: error }) };
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return { kind: 'token', reason: 'alg' };
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) return { kind: 'token', reason: 'kid' };
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return { kind: 'token', reason: 'signature' };
  if (error instanceof joseErrors.JWTExpired) return { kind: 'token', reason: 'exp' };
  if (error instanceof joseErrors.JWTClaimValidationFailed) return { kind: 'token', reason: error.claim || 'claims' };
  if (error instanceof joseErrors.JOSEError) return { kind: 'token', reason: 'malformed' };
  if (error instanceof ProviderUnreachableError) {
    return { kind: 'provider', error: new OidcError('provider_unavailable', 'The provider\'s keys could not be fetched.', { cause: error }) };
  }
  // jose throws TypeErrors for keys that do not fit the algorithm (e.g. an RSA key under ES256).
  return { kind: 'token', reason: 'malformed' };
}
