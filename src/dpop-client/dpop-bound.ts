import { OidcError } from '../errors.ts';

/**
 * Refuses a token answer to a DPoP request that came back as a Bearer token (RFC 9449 §5): the
 * provider ignored the proof, so the tokens are not bound and anyone who steals them can use them.
 * The app asked for bound tokens (`dpop`), so unbound ones are a downgrade, not a detail.
 *
 * @example
 * ```ts
 * checkDpopBound(tokens.token_type); // throws OidcError provider_error, reason 'dpop_not_bound', for 'bearer'
 * ```
 */
export function checkDpopBound(tokenType: string | undefined): void {
  if (tokenType?.toLowerCase() === 'dpop') return;
  throw new OidcError('provider_error', `The provider answered a DPoP request with a ${tokenType ?? 'untyped'} token: it did not bind the token to the session's key. Turn DPoP on for this client at the provider, or drop the dpop option.`, { reason: 'dpop_not_bound' });
}
