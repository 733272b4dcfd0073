/**
 * The options of a login that binds its tokens to a key (DPoP), pushes its authorization request
 * (PAR) or follows the FAPI 2.0 Security Profile. Part of {@link ProviderOptions}: set them at the
 * top level for every provider, or per provider.
 */

/**
 * The algorithms a session's DPoP key may use: ES256 and EdDSA, which the FAPI 2.0 Security Profile
 * allows (§5.4). Not PS256, although FAPI allows it: a key pair is made at every login start,
 * which anyone can ask for, and an RSA key costs tens of milliseconds to make and 1.6 KB in the
 * session; an EC or Ed25519 key, a fraction of a millisecond and under 200 bytes.
 *
 * @example
 * ```ts
 * const algorithm: DpopAlgorithm = 'ES256';
 * ```
 */
export type DpopAlgorithm = 'ES256' | 'EdDSA';

/**
 * DPoP for logins (RFC 9449), in detail; `dpop: true` is `{ algorithm: 'ES256' }`.
 *
 * @example
 * ```ts
 * new OpenIDConnect({ ...options, dpop: { algorithm: 'EdDSA' } });
 * ```
 */
export interface DpopLoginOptions {
  /** The algorithm of each session's key pair: `ES256` (default) or `EdDSA`. */
  algorithm?: DpopAlgorithm;
}

/**
 * Whether a login pushes its authorization request to the provider first (RFC 9126) and sends the
 * browser there with only `client_id` and `request_uri`: `'auto'` when the provider publishes a
 * `pushed_authorization_request_endpoint` (or requires it), `'required'` always (a provider without
 * one is refused), `false` never (unless the provider says it requires it).
 *
 * @example
 * ```ts
 * new OpenIDConnect({ ...options, pushedAuthorizationRequests: 'auto' });
 * ```
 */
export type PushedAuthorizationRequests = 'auto' | 'required' | false;

/**
 * A security profile: one option that requires of this client, and of the provider's metadata,
 * what the profile requires. `'fapi2'`: the FAPI 2.0 Security Profile (docs/dpop-and-fapi.md).
 *
 * @example
 * ```ts
 * new OpenIDConnect({ ...options, profile: 'fapi2', tokenEndpointAuthMethod: 'private_key_jwt', privateKey });
 * ```
 */
export type SecurityProfile = 'fapi2';

/**
 * The provider options of sender-constrained and pushed logins; see {@link ProviderOptions}.
 *
 * @example
 * ```ts
 * const options: SenderConstraintOptions = { dpop: true, pushedAuthorizationRequests: 'required' };
 * ```
 */
export interface SenderConstraintOptions {
  /**
   * Bind the session's access and refresh tokens to a key pair (DPoP, RFC 9449): one per session,
   * made at login, kept with the session (encrypted in the session cookie, or in `session.store`),
   * never readable by the browser. The code exchange, every refresh and `req.oidc.fetch()` send a
   * fresh proof; a provider's `use_dpop_nonce` challenge is answered once. A provider that answers
   * with a Bearer token instead is refused (`dpop_not_bound`): the binding asked for did not happen.
   * Default `false`.
   */
  dpop?: boolean | DpopLoginOptions;
  /**
   * Push the authorization request first (RFC 9126); see {@link PushedAuthorizationRequests}.
   * Default `false`: one more call to the provider at each login start, and some providers publish
   * the endpoint without allowing it to every client. A provider whose metadata says
   * `require_pushed_authorization_requests` gets pushed requests whatever this says.
   */
  pushedAuthorizationRequests?: PushedAuthorizationRequests;
  /**
   * Follow a security profile: `'fapi2'` requires PAR, PKCE S256, `private_key_jwt`, DPoP, the
   * authorization response's `iss` (RFC 9207) and PS256, ES256 or EdDSA signatures, turns on what
   * is left unset and refuses weaker options at start-up, and a provider whose metadata lacks any of
   * it when its metadata arrives, naming the gap. Default: none.
   */
  profile?: SecurityProfile;
}
