import { ConfigurationError } from '../errors.ts';
import type { ClientRegistrationMetadata } from '../registration/register-client.ts';
import type { ProviderOptions } from './options.ts';
import type { RegistrationSettings } from './resolved-config.ts';

/** What the rest of the configuration decides about a registration: URIs, methods, algorithms. */
export interface RegistrationContext {
  prefix: string;
  /** Every redirect URI a login may send (one per public site). */
  redirectUris: readonly string[];
  /** Every post-logout redirect URI (one per public site, or the provider's own). */
  postLogoutRedirectUris: readonly string[];
  backchannelLogoutUri: string | undefined;
  authMethod: string;
  idTokenSigningAlg: string;
  userInfoSigningAlg: string | undefined;
  rsOnly: boolean;
}

/** Client metadata oidc-kit decides itself: registering other values would break logins. */
const MANAGED_MEMBERS = ['redirect_uris', 'client_id', 'client_secret'] as const;

/**
 * Checks a provider's `registration` option and builds the registration request from the rest of
 * the configuration, so a misconfiguration fails at start-up, not at the first login.
 *
 * @example
 * ```ts
 * resolveRegistration(options, { prefix: '', redirectUris: [redirectUri], postLogoutRedirectUris: [postLogoutRedirectUri], backchannelLogoutUri: undefined, authMethod: 'client_secret_basic', idTokenSigningAlg: 'RS256', userInfoSigningAlg: undefined, rsOnly: false });
 * ```
 */
export function resolveRegistration(options: ProviderOptions, context: RegistrationContext): RegistrationSettings | undefined {
  const registration = options.registration;
  if (registration === undefined) return undefined;
  const option = `${context.prefix}registration`;
  if (typeof registration !== 'object' || registration === null) {
    throw new ConfigurationError(option, 'must be an object: { metadata?: { client_name, contacts, … }, initialAccessToken? }.');
  }
  for (const key of ['clientId', 'clientSecret', 'clientSecrets'] as const) {
    if (options[key] !== undefined) {
      throw new ConfigurationError(`${context.prefix}${key}`, 'cannot be combined with `registration`: the client registers itself and gets its id and secret from the provider. Drop one of them.');
    }
  }
  if (context.rsOnly) {
    throw new ConfigurationError(option, 'is not available with `resourceServerOnly`; register the API\'s client once with `npx oidc-kit register` and give `clientSecrets`.');
  }
  if (context.authMethod === 'private_key_jwt') {
    throw new ConfigurationError(option, 'registers clients that authenticate with a secret; use tokenEndpointAuthMethod "client_secret_basic" or "client_secret_post", or register a private_key_jwt client by hand.');
  }
  if (registration.initialAccessToken !== undefined && (typeof registration.initialAccessToken !== 'string' || registration.initialAccessToken === '')) {
    throw new ConfigurationError(`${option}.initialAccessToken`, 'must be the non-empty token the provider issued for registration.');
  }
  const extra = registration.metadata ?? {};
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
    throw new ConfigurationError(`${option}.metadata`, 'must be an object of client metadata, e.g. { client_name: "My app" }.');
  }
  for (const member of MANAGED_MEMBERS) {
    if (member in extra) {
      throw new ConfigurationError(`${option}.metadata.${member}`, member === 'redirect_uris'
        ? 'is set by oidc-kit from baseUrl and routes.callback (or redirectUri); set those instead.'
        : 'is assigned by the provider.');
    }
  }
  // Overrides of what the login code relies on are checked now, not at the first registration.
  if (extra.token_endpoint_auth_method !== undefined && extra.token_endpoint_auth_method !== 'client_secret_basic' && extra.token_endpoint_auth_method !== 'client_secret_post') {
    throw new ConfigurationError(`${option}.metadata.token_endpoint_auth_method`, 'must be "client_secret_basic" or "client_secret_post" (or set tokenEndpointAuthMethod instead).');
  }
  if (extra.application_type !== undefined && extra.application_type !== 'web' && extra.application_type !== 'native') {
    throw new ConfigurationError(`${option}.metadata.application_type`, 'must be "web" (the default for a server-side app) or "native".');
  }
  if (extra.grant_types !== undefined && (!Array.isArray(extra.grant_types) || !extra.grant_types.includes('authorization_code'))) {
    throw new ConfigurationError(`${option}.metadata.grant_types`, 'must be a list that includes "authorization_code", which logins use (add "refresh_token" to keep sessions fresh, "client_credentials" for clientCredentials()).');
  }
  for (const member of ['id_token_signed_response_alg', 'userinfo_signed_response_alg'] as const) {
    if (extra[member] !== undefined) {
      throw new ConfigurationError(`${option}.metadata.${member}`, `is set from ${member === 'id_token_signed_response_alg' ? 'idTokenSigningAlg' : 'userInfoSigningAlg'}; set that option instead, so the app verifies what it registers.`);
    }
  }
  const metadata: ClientRegistrationMetadata = {
    application_type: 'web',
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: context.authMethod,
    id_token_signed_response_alg: context.idTokenSigningAlg,
    post_logout_redirect_uris: [...context.postLogoutRedirectUris],
    ...(context.backchannelLogoutUri === undefined ? {} : { backchannel_logout_uri: context.backchannelLogoutUri }),
    ...(context.userInfoSigningAlg === undefined ? {} : { userinfo_signed_response_alg: context.userInfoSigningAlg }),
    ...extra,
  };
  return { redirectUris: [...context.redirectUris], metadata, initialAccessToken: registration.initialAccessToken };
}
