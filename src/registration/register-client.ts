import * as oauth from 'oauth4webapi';
import type { ProviderFetch } from '../config/outbound-options.ts';
import { boundedFetch, MAX_METADATA_BYTES } from '../provider/bounded-fetch.ts';
import { isLoopback, type ProviderMetadata } from '../provider/discover.ts';
import { toOidcError } from '../provider/provider-error.ts';
import { checkRedirectUris, redirectUriKind, type ClientType } from './check-redirect-uris.ts';
import { RegistrationError } from './registration-error.ts';

/**
 * Client metadata to register (OpenID Connect Dynamic Client Registration 1.0 §2), beside the
 * redirect URIs. Every member is optional; unknown members are sent as given.
 *
 * @example
 * ```ts
 * const metadata: ClientRegistrationMetadata = { client_name: 'My app', contacts: ['ops@example.com'], logo_uri: 'https://app.example.com/logo.png' };
 * await registerClient(provider, ['https://app.example.com/callback'], metadata);
 * ```
 */
export interface ClientRegistrationMetadata {
  /** The name shown to users, e.g. on the provider's consent page. */
  client_name?: string;
  /** E-mail addresses of the people responsible for the client; some providers require one. */
  contacts?: string[];
  /** `web` or `native`; default: deduced from the redirect URIs by {@link checkRedirectUris}. Given, it is sent as is. */
  application_type?: ClientType;
  /** Default `client_secret_basic`. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | (string & {});
  /** The algorithm the provider must sign ID tokens with. Default: the provider's (RS256). */
  id_token_signed_response_alg?: string;
  /** Default `['code']`. */
  response_types?: string[];
  /** Default `['authorization_code', 'refresh_token']`. */
  grant_types?: string[];
  /** Where the provider may send the user after logout (RP-Initiated Logout). */
  post_logout_redirect_uris?: string[];
  /** Where the provider POSTs logout tokens (Back-Channel Logout). */
  backchannel_logout_uri?: string;
  /** Whether logout tokens must carry a `sid` (Back-Channel Logout). */
  backchannel_logout_session_required?: boolean;
  /** The client's logo, shown to users. */
  logo_uri?: string;
  /** The client's home page. */
  client_uri?: string;
  /** The client's privacy policy, shown to users. */
  policy_uri?: string;
  /** The client's terms of service, shown to users. */
  tos_uri?: string;
  /** Where the client publishes its public keys (for `private_key_jwt`). */
  jwks_uri?: string;
  /** Scopes the client may ask for, space-separated (RFC 7591 §2). */
  scope?: string;
  [member: string]: unknown;
}

/**
 * What the provider registered (Registration §3.2): its values, which may differ from those
 * asked for.
 *
 * @example
 * ```ts
 * const registered: RegisteredClient = await registerClient(provider, ['https://app.example.com/callback']);
 * if (registered.client_secret_expires_at) console.log('secret expires', new Date(registered.client_secret_expires_at * 1000));
 * ```
 */
export interface RegisteredClient {
  /** The client id the provider assigned. */
  client_id: string;
  /** Absent for clients that authenticate without a secret (`private_key_jwt`). */
  client_secret?: string;
  /** When the secret expires, in seconds since the epoch; 0 or absent: never. */
  client_secret_expires_at?: number;
  /** When the client id was issued, in seconds since the epoch. */
  client_id_issued_at?: number;
  /** For reading or updating the registration later (RFC 7592); a secret: keep it like one. */
  registration_access_token?: string;
  /** Kept only when it is on the registration endpoint's origin. */
  registration_client_uri?: string;
  /** The redirect URIs registered. */
  redirect_uris: string[];
  /** How the client authenticates at the token endpoint, as registered. */
  token_endpoint_auth_method: string;
  /** The algorithm the provider signs this client's ID tokens with, as registered. */
  id_token_signed_response_alg?: string;
  [member: string]: unknown;
}

/**
 * Options of {@link registerClient}.
 *
 * @example
 * ```ts
 * const options: RegisterClientOptions = { initialAccessToken: process.env.OIDC_INITIAL_ACCESS_TOKEN, timeout: 10_000 };
 * await registerClient(provider, ['https://app.example.com/callback'], { client_name: 'My app' }, options);
 * ```
 */
export interface RegisterClientOptions {
  /** An initial access token, if the provider requires one to register (sent as `Authorization: Bearer`). */
  initialAccessToken?: string;
  /** Milliseconds to wait for the provider. Default 5000. */
  timeout?: number;
  /** Allow a plain-http registration endpoint on a loopback host (development). Default true; http elsewhere is always refused. */
  allowHttp?: boolean;
  /** The `fetch` the registration request is made with (a proxy's, a private CA's). Default: the runtime's `fetch`. */
  fetch?: ProviderFetch;
}

const URI_MEMBERS = ['logo_uri', 'client_uri', 'policy_uri', 'tos_uri', 'jwks_uri', 'backchannel_logout_uri', 'initiate_login_uri', 'sector_identifier_uri'] as const;
const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

/**
 * Registers a client at an OpenID Provider with OpenID Connect Dynamic Client Registration 1.0
 * (Flask-OIDC: `register_client`): checks the redirect URIs ({@link checkRedirectUris}) and the
 * metadata, POSTs them as JSON to the provider's `registration_endpoint` (with the initial access
 * token, if given), and returns what the provider registered: use its values, not those asked for.
 *
 * Rejects with a {@link RegistrationError} when the provider refuses (its `error` and
 * `errorDescription`), offers no registration, or returns a weaker client than asked for (an
 * unsigned ID token algorithm, no client authentication); with an {@link OidcError}
 * `provider_unavailable` when it cannot be reached. Invalid arguments throw a `TypeError`.
 *
 * @example
 * ```ts
 * const metadata = await discover('https://accounts.example.com');
 * const registered = await registerClient(metadata, ['https://app.example.com/callback'], { client_name: 'My app' });
 * registered.client_id; registered.client_secret;
 * ```
 */
export async function registerClient(
  provider: ProviderMetadata,
  redirectUris: readonly string[],
  metadata: ClientRegistrationMetadata = {},
  options: RegisterClientOptions = {},
): Promise<RegisteredClient> {
  // An explicit application_type wins (a web app in development has http://localhost redirect URIs);
  // otherwise it is deduced from the URIs as Flask-OIDC does.
  if (Array.isArray(redirectUris)) redirectUris.forEach(redirectUriKind);
  const applicationType = metadata.application_type ?? checkRedirectUris(redirectUris);
  const request = registrationRequest(redirectUris, applicationType, metadata);
  const endpoint = provider.registration_endpoint;
  if (endpoint === undefined) {
    throw new RegistrationError(`The provider ${provider.issuer} does not offer dynamic client registration (its metadata has no registration_endpoint); register the client by hand in its console.`, { reason: 'no_registration_endpoint' });
  }
  const allowHttp = (options.allowHttp ?? true) && isLoopback(new URL(endpoint));
  let registered: Record<string, unknown>;
  try {
    const response = await oauth.dynamicClientRegistrationRequest(provider, request as Partial<oauth.Client>, {
      ...(options.initialAccessToken === undefined ? {} : { initialAccessToken: options.initialAccessToken }),
      signal: AbortSignal.timeout(options.timeout ?? 5000),
      [oauth.customFetch]: boundedFetch(MAX_METADATA_BYTES, options.fetch),
      [oauth.allowInsecureRequests]: allowHttp,
    });
    registered = await oauth.processDynamicClientRegistrationResponse(response);
  } catch (error) {
    throw refusal(error);
  }
  return checkRegistered(registered, request, endpoint);
}

/** The JSON body of the registration request, with defaults, checked for consistency (Registration §2). */
function registrationRequest(redirectUris: readonly string[], applicationType: ClientType, metadata: ClientRegistrationMetadata): ClientRegistrationMetadata {
  const request: ClientRegistrationMetadata = {
    application_type: applicationType,
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...metadata,
    redirect_uris: [...redirectUris],
  };
  for (const member of URI_MEMBERS) {
    const value = request[member];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !URL.canParse(value)) throw new TypeError(`Client metadata "${member}" must be an absolute URL.`);
  }
  // URIs the provider fetches or trusts for the client's keys and redirect URIs (Registration §2, DCR-07).
  const fetched = [request.jwks_uri, request['sector_identifier_uri'], request['initiate_login_uri'], ...(Array.isArray(request['request_uris']) ? request['request_uris'] as unknown[] : [])];
  for (const uri of fetched) {
    if (uri === undefined) continue;
    const url = typeof uri === 'string' && URL.canParse(uri) ? new URL(uri) : undefined;
    if (url === undefined || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url)))) {
      throw new TypeError(`Client metadata URI ${JSON.stringify(uri)} must be https (jwks_uri, sector_identifier_uri, initiate_login_uri and request_uris are fetched or trusted by the provider).`);
    }
  }
  if (request.jwks_uri !== undefined && request['jwks'] !== undefined) throw new TypeError('Client metadata may have "jwks" or "jwks_uri", not both.');
  for (const member of Object.keys(request)) {
    const match = /^(.*)_encrypted_response_enc$|^(.*)_encryption_enc$/.exec(member);
    if (match === null) continue;
    const alg = match[1] !== undefined ? `${match[1]}_encrypted_response_alg` : `${match[2]}_encryption_alg`;
    if (request[alg] === undefined) throw new TypeError(`Client metadata "${member}" needs "${alg}" too.`);
  }
  if (request.response_types?.includes('code') === true && request.grant_types?.includes('authorization_code') !== true) {
    throw new TypeError('Client metadata: response type "code" needs the grant type "authorization_code".');
  }
  return request;
}

/**
 * Refuses a registration that came back weaker than asked for (Registration §3.2: the provider may
 * change values; oidc-kit uses what it returns, but not an unsigned ID token or a confidential
 * client without authentication), and drops a `registration_client_uri` on another origin.
 */
function checkRegistered(registered: Record<string, unknown>, request: ClientRegistrationMetadata, endpoint: string): RegisteredClient {
  const client = { ...registered } as RegisteredClient;
  client.redirect_uris = Array.isArray(registered['redirect_uris']) ? registered['redirect_uris'] as string[] : [...(request['redirect_uris'] as string[])];
  client.token_endpoint_auth_method = typeof registered['token_endpoint_auth_method'] === 'string'
    ? registered['token_endpoint_auth_method']
    : 'client_secret_basic'; // Registration §2's default when the provider omits it
  const weaker = (reason: string, message: string): RegistrationError =>
    new RegistrationError(`The provider registered client ${client.client_id} ${message}; oidc-kit will not use it.`, { reason });
  if (client.id_token_signed_response_alg === 'none') throw weaker('id_token_signed_response_alg', 'with unsigned ID tokens (id_token_signed_response_alg "none")');
  const asked = request.token_endpoint_auth_method ?? 'client_secret_basic';
  if (client.token_endpoint_auth_method === 'none' && asked !== 'none') throw weaker('token_endpoint_auth_method', 'as a public client (token_endpoint_auth_method "none")');
  if (SECRET_METHODS.has(client.token_endpoint_auth_method) && typeof client.client_secret !== 'string') {
    throw weaker('client_secret', `without a client secret although it authenticates with ${client.token_endpoint_auth_method}`);
  }
  if (client.registration_client_uri !== undefined) {
    let sameOrigin = false;
    try {
      sameOrigin = new URL(client.registration_client_uri).origin === new URL(endpoint).origin;
    } catch { /* not a URL: dropped below */ }
    if (!sameOrigin) delete client.registration_client_uri;
  }
  return client;
}

function refusal(error: unknown): Error {
  if (error instanceof oauth.ResponseBodyError) {
    return new RegistrationError(`The provider refused the registration: ${error.error}${error.error_description === undefined ? '' : ` (${error.error_description})`}.`, {
      error: error.error,
      ...(error.error_description === undefined ? {} : { errorDescription: error.error_description }),
      httpStatus: error.status,
      cause: error,
    });
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    const code = parameters?.error ?? 'invalid_token';
    return new RegistrationError(`The provider refused the registration: ${code} (check the initial access token).`, {
      error: code,
      ...(parameters?.error_description === undefined ? {} : { errorDescription: parameters.error_description }),
      httpStatus: error.status,
      cause: error,
    });
  }
  return toOidcError(error, 'registration');
}
