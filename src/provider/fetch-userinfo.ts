import * as client from 'openid-client';
import { OidcError } from '../errors.ts';
import type { ProviderClient } from './provider-client.ts';
import { toOidcError } from './provider-error.ts';

/**
 * Calls the provider's UserInfo endpoint with the configured method and checks that its `sub` is
 * the ID token's (OIDC Core 5.3.4). GET goes through openid-client (signed UserInfo included); POST
 * sends the token in the Authorization header of an empty form POST (OIDC Core 5.3.1), for
 * providers that only allow POST (Flask-pyoidc: userinfo_http_method).
 *
 * @example
 * ```ts
 * const claims = await fetchUserInfo(provider, accessToken, idTokenClaims.sub);
 * ```
 */
export async function fetchUserInfo(provider: ProviderClient, accessToken: string, expectedSub: string): Promise<Record<string, unknown>> {
  const configuration = await provider.configuration();
  try {
    if (provider.settings.userInfoMethod === 'GET') {
      return await client.fetchUserInfo(configuration, accessToken, expectedSub);
    }
    const endpoint = configuration.serverMetadata().userinfo_endpoint;
    if (endpoint === undefined) throw new OidcError('provider_error', 'The provider has no UserInfo endpoint.');
    const response = await client.fetchProtectedResource(configuration, accessToken, new URL(endpoint), 'POST', new URLSearchParams(),
      new Headers({ accept: 'application/json' }));
    if (response.status !== 200) {
      throw new OidcError('provider_error', `The provider's UserInfo endpoint answered ${response.status}.`);
    }
    if (!/^application\/json\b/i.test(response.headers.get('content-type') ?? '')) {
      throw new OidcError('provider_error', 'The provider\'s UserInfo answer is not JSON.');
    }
    const claims: unknown = await response.json();
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
      throw new OidcError('provider_error', 'The provider\'s UserInfo answer is not a JSON object.');
    }
    if ((claims as Record<string, unknown>)['sub'] !== expectedSub) {
      throw new OidcError('userinfo_sub_mismatch', 'UserInfo returned a different subject than the ID token.');
    }
    return claims as Record<string, unknown>;
  } catch (error) {
    throw toOidcError(error, 'userinfo');
  }
}
