import type { CryptoKey, ServerMetadata } from 'openid-client';
import type { ClientRegistrationMetadata } from '../registration/register-client.ts';
import type { ClientSecretsFile } from './client-secrets.ts';
import type { SenderConstraintOptions } from './sender-constraint-options.ts';

/**
 * How the client authenticates at the token endpoint. Made explicit because providers differ and a
 * silent default is a classic source of `invalid_client`.
 *
 * @example
 * ```ts
 * // A client registered for client_secret_post (as Flask-OIDC 1.x registered them):
 * new OpenIDConnect({ ...options, tokenEndpointAuthMethod: 'client_secret_post' });
 * ```
 */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/**
 * One OpenID Provider and this app's client registration there. The top level of
 * {@link OpenIDConnectOptions} takes these for a single provider; `providers` takes several, by name.
 *
 * @example
 * ```ts
 * const google: ProviderOptions = {
 *   issuer: 'https://accounts.google.com',
 *   clientId: process.env.GOOGLE_CLIENT_ID!,
 *   clientSecret: process.env.GOOGLE_CLIENT_SECRET!,
 *   scope: 'openid email profile',
 * };
 * ```
 */
export interface ProviderOptions extends SenderConstraintOptions {
  /** The provider's issuer URL; its metadata is discovered (lazily, cached). */
  issuer?: string;
  /** Static provider metadata instead of (or on top of) discovery: `issuer`, `authorization_endpoint`, `token_endpoint` and `jwks_uri` at least. */
  providerMetadata?: Partial<ServerMetadata>;
  /** The client id registered at the provider. */
  clientId?: string;
  /** The client secret (not needed with `private_key_jwt`). */
  clientSecret?: string;
  /** A Flask-OIDC `client_secrets.json`: a path or its parsed content (`{ "web": { client_id, client_secret, issuer, … } }`). Flask-OIDC: OIDC_CLIENT_SECRETS. */
  clientSecrets?: string | ClientSecretsFile;
  /**
   * Register this app at the provider by itself, on first use, with OpenID Connect Dynamic Client
   * Registration (Flask-pyoidc: `ClientRegistrationInfo`), instead of giving `clientId` and
   * `clientSecret`. The result is kept, encrypted with `secret`, in `session.store` (else in this
   * process), so every instance sharing the store uses one registration, and it survives restarts
   * when the store does.
   */
  registration?: ClientRegistrationOptions;
  /** Token endpoint authentication. Default: the client_secrets.json's `token_endpoint_auth_method` if it has one, else `client_secret_basic`. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** The private key for `private_key_jwt` (import a PEM with jose's `importPKCS8`). */
  privateKey?: CryptoKey | {
    /** The private key. */
    key: CryptoKey;
    /** The key id sent in the assertion's header, for a provider that picks the public key by `kid`. */
    kid?: string;
  };

  /** Scopes to request; must include `openid`. Default `['openid', 'email']` (Flask-OIDC: OIDC_SCOPES). With `offline_access`, `prompt=consent` is sent unless you set `prompt` (OIDC Core §11). */
  scope?: string | readonly string[];
  /** Extra authorization request parameters: `prompt`, `acr_values`, `login_hint`, `ui_locales`, … (Flask-OIDC: OIDC_EXTRA_REQUEST_AUTH_PARAMS). */
  authorizationParams?: Readonly<Record<string, string>>;
  /**
   * RFC 8707 resource indicators sent with every login: the APIs whose tokens the session may get
   * later with `req.oidc.accessToken({ resource })` (providers that restrict refresh tokens to the
   * resources of the login, as oidc-provider does, need them here). Default: none.
   */
  resource?: string | readonly string[];
  /**
   * How the provider returns the login response: `'query'` (default, a redirect with `?code=…&state=…`)
   * or `'form_post'` (OAuth 2.0 Form Post Response Mode: the provider's page POSTs it to the callback,
   * so the code never appears in a URL, browser history or a Referer). With `form_post` the
   * pending-login cookie is sent `SameSite=None; Secure` (an https `baseUrl`), because a cross-site
   * POST carries no `Lax` cookie; a response arriving in the other mode is refused
   * (`response_mode_mismatch`). Flask-pyoidc: `response_mode`.
   */
  responseMode?: 'query' | 'form_post';
  /** The only algorithm accepted for ID token (and logout token) signatures. Default `RS256`. */
  idTokenSigningAlg?: string;
  /**
   * UserInfo: `'GET'` (or `true`, the default) fetches it after login with GET and merges it into
   * `req.oidc.user`; `'POST'` uses POST (Flask-pyoidc: userinfo_http_method); `false` never calls it
   * (Flask-OIDC: OIDC_USER_INFO_ENABLED).
   */
  userInfo?: boolean | 'GET' | 'POST';
  /**
   * Require UserInfo answers signed with this algorithm (a JWT, `Content-Type: application/jwt`,
   * whose signature, `iss` and `aud` are checked) and refuse plain JSON; with `registration`, it is
   * registered as `userinfo_signed_response_alg`. Needs `userInfo` GET. Default: none (JSON is
   * accepted; a signed answer is still verified).
   */
  userInfoSigningAlg?: string;
  /**
   * Issuers accepted in ID tokens, compared exactly (Flask-OIDC: OIDC_VALID_ISSUERS). The ID token's
   * `iss` must always equal the provider's issuer, so the list must include it: kept so Flask-OIDC
   * configurations carry over; it cannot widen what is accepted.
   */
  acceptedIssuers?: readonly string[];
  /**
   * Audiences besides the client that this app trusts in ID tokens and logout tokens (OIDC Core
   * §3.1.3.7 step 3: the client may accept audiences it trusts). Default: none — a token that also
   * names another audience was minted for someone else too, and is refused. An ID token with several
   * audiences must still carry `azp` naming this client.
   *
   * @example
   * ```ts
   * trustedAudiences: ['https://api.example.com'] // the provider adds the API to the ID token's aud
   * ```
   */
  trustedAudiences?: readonly string[];
  /** Google Workspace domain: sends `hd` and requires the ID token's `hd` claim to equal it (Flask-OIDC: OIDC_GOOGLE_APPS_DOMAIN). */
  googleAppsDomain?: string;
  /** Refuse logins whose ID token does not say `email_verified: true` (Flask-OIDC: OIDC_REQUIRE_VERIFIED_EMAIL). */
  requireVerifiedEmail?: boolean;
  /**
   * The `post_logout_redirect_uri` sent to this provider's end-session endpoint; it must be
   * registered there exactly. Default: `baseUrl` + `routes.postLogout` (`/logout/callback`). Not with a `baseUrl` list.
   */
  postLogoutRedirectUri?: string;
  /**
   * Seconds the provider's signing keys keep verifying tokens after their 10 fresh minutes while
   * its `jwks_uri` cannot be fetched again (an outage), so APIs and back-channel logout keep working;
   * a token with an unknown `kid` still makes oidc-kit ask the provider (at most every 30 s).
   * `0`: keys older than 10 minutes are never used. Default 86400 (a day); at most 30 days.
   */
  jwksMaxStaleness?: number;
}

/**
 * Dynamic registration at run time; see {@link ProviderOptions.registration}. oidc-kit registers
 * `baseUrl` + `routes.callback` (or `redirectUri`) as the redirect URI, the post-logout redirect URI,
 * the back-channel logout URI when that route is mounted, `application_type: web`, the code flow
 * with refresh tokens, `tokenEndpointAuthMethod` and `idTokenSigningAlg`.
 *
 * @example
 * ```ts
 * const registration: ClientRegistrationOptions = {
 *   metadata: { client_name: 'My app', contacts: ['ops@example.com'] },
 *   initialAccessToken: process.env.OIDC_INITIAL_ACCESS_TOKEN,
 * };
 * ```
 */
export interface ClientRegistrationOptions {
  /** More client metadata to register (`client_name`, `contacts`, `logo_uri`, …); it overrides oidc-kit's. */
  metadata?: ClientRegistrationMetadata;
  /** The initial access token the provider requires for registration, if any. */
  initialAccessToken?: string;
}
