// Checklist rows that do not apply to oidc-kit, each with the reason docs/CONFORMANCE.md shows.
// A row belongs here only when its feature is outside the library's design (checked against src/);
// a feature oidc-kit has but does not test yet is a gap, not "not applicable". Rows whose feature
// oidc-kit deliberately lacks say "Not supported:" and what happens instead.

/** Front-channel logout. */
const FRONT_CHANNEL = 'Not supported: oidc-kit has no front-channel logout route (its routes are login, callback, logout, post-logout and back-channel logout) and never registers a frontchannel_logout_uri; provider-initiated logout reaches it through Back-Channel Logout (BCT-*, BCL-*).';
/** Implicit and hybrid flows. */
const CODE_FLOW_ONLY = 'oidc-kit is code-flow only (no implicit or hybrid flow): it always sends response_type=code, reads only the code-flow parameters of the authorization response (an id_token or token in it is never used) and gets its tokens from the token endpoint.';
/** Request objects (request / request_uri). */
const NO_REQUEST_OBJECTS = 'Not supported: oidc-kit sends no request objects (neither request nor request_uri); every authorization parameter travels in the query of the authorization request.';

/**
 * Rows of the checklist that do not apply to oidc-kit, with the reason (shown in docs/CONFORMANCE.md).
 *
 * @example
 * ```ts
 * import { NOT_APPLICABLE } from './not-applicable.ts';
 * NOT_APPLICABLE['SES-01']; // 'Not supported: oidc-kit does not implement OpenID Connect Session Management …'
 * const open = CHECKLIST.filter((row) => NOT_APPLICABLE[row.id] === undefined);
 * ```
 */
export const NOT_APPLICABLE: Readonly<Record<string, string>> = {
  // Dynamic RP profile: request objects.
  'DYN-05': NO_REQUEST_OBJECTS,
  'DYN-06': NO_REQUEST_OBJECTS,

  // Logout profiles, Session RP, 3rd-party-initiated login.
  'FCT-01': FRONT_CHANNEL,
  'FCT-02': FRONT_CHANNEL,
  'FCL-01': FRONT_CHANNEL,
  'FCL-02': FRONT_CHANNEL,
  'SES-01': 'Not supported: oidc-kit does not implement OpenID Connect Session Management (no check_session_iframe, no postMessage polling, session_state is not used); a user logged out at the provider is caught by Back-Channel Logout or by silent re-authentication (silentReauthInterval, prompt=none).',
  'TPI-01': 'Not supported: oidc-kit has no initiate_login_uri endpoint: its login route starts a login only at a configured provider (?provider=<name>, never an iss taken from the request) and takes no target_link_uri; returnTo is limited to the application itself (BCP-14).',

  // Other RP tests: flows, claims and cryptography oidc-kit does not have.
  'EXT-06': `${CODE_FLOW_ONLY} c_hash exists only in hybrid-flow ID tokens; one that a code-flow ID token carries anyway is checked against the code (id-token-rules.test.ts).`,
  'EXT-08': `${CODE_FLOW_ONLY} A nonce is sent with every authorization request anyway (IDT-15, BAS-12).`,
  'EXT-09': 'Not supported: oidc-kit does not resolve aggregated claims. _claim_names and _claim_sources stay unresolved UserInfo members, no claims-provider JWT is verified or trusted, and sub (which must equal the ID token\'s) and the ID token\'s claims always win over UserInfo.',
  'EXT-10': 'Not supported: oidc-kit does not resolve distributed claims: it never calls a claims endpoint named in _claim_sources, so the access token goes to no endpoint but the provider\'s UserInfo.',
  'EXT-12': 'Not supported: oidc-kit has no mutual-TLS client authentication (tokenEndpointAuthMethod is client_secret_basic, client_secret_post or private_key_jwt), so it has no use for mtls_endpoint_aliases.',
  'EXT-20': 'Not supported: oidc-kit never registers or negotiates ID token encryption and cannot decrypt; an encrypted (JWE) ID token is refused and the login fails.',
  'EXT-21': 'Not supported: oidc-kit never registers UserInfo encryption and cannot decrypt; UserInfo must be JSON or a signed JWT (userInfoSigningAlg), and an encrypted answer fails the login.',
  'EXT-22': NO_REQUEST_OBJECTS,
  'EXT-23': `${NO_REQUEST_OBJECTS} Nothing is encrypted to the provider's keys, so its encryption-key rotation does not matter.`,
  'EXT-25': 'Not supported: client_secret_jwt is not one of oidc-kit\'s token endpoint authentication methods (client_secret_basic, client_secret_post, private_key_jwt), and a run-time registration that comes back with it is refused.',

  // RFC 9700 / RFC 9449 client rules.
  'BCP-22': 'oidc-kit has no client for calling resource servers: it hands access tokens to the application (req.oidc.accessToken(), clientCredentials()) and itself sends a user\'s access token nowhere but the provider\'s UserInfo endpoint named in its metadata. Audience-restricted tokens can be requested with clientCredentials({ resource }) or authorizationParams.',
  'BCP-23': 'oidc-kit implements no resource owner password credentials grant: its grants are authorization_code, refresh_token and client_credentials only.',

  // Resource server: encryption, signed introspection.
  'AT-12': 'Not supported: oidc-kit negotiates no access token encryption and cannot decrypt; a five-part (JWE) token is never verified locally: strategy "auto" sends it to introspection, strategy "jwt" refuses it as malformed.',
  'INT-13': 'Not supported: oidc-kit asks the introspection endpoint for JSON (Accept: application/json) and configures no signed introspection responses (RFC 9701); an answer that comes as a JWT anyway is refused (502, reason introspection_jwt), never trusted unverified.',

  // Logout and ID token encryption.
  'BCL-01': 'Not supported: oidc-kit negotiates no ID token (hence no logout token) encryption; an encrypted logout token is refused with 400 (reason malformed), like any token that is not a compact JWS.',
  'IDT-01': 'Not supported: oidc-kit never registers ID token encryption, so a plaintext ID token is always the expected kind; an encrypted one is refused (EXT-20).',
};
