import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { OidcError } from '../errors.ts';
import type { ProviderClient } from './provider-client.ts';
import { toOidcError } from './provider-error.ts';

/**
 * Calls the provider's UserInfo endpoint with the configured method and checks that its `sub` is
 * the ID token's (OIDC Core 5.3.4). GET (the default) accepts JSON or a signed JWT; with
 * `userInfoSigningAlg` only a JWT signed with that algorithm (DYN-07). A JWT's signature is checked
 * against the provider's keys, its `iss` must be the issuer and its `aud` contain the client (OIDC
 * Core 5.3.2). POST sends the token in the Authorization header of an empty form POST (OIDC Core
 * 5.3.1), for providers that only allow POST (Flask-pyoidc: userinfo_http_method).
 *
 * @example
 * ```ts
 * const claims = await fetchUserInfo(provider, accessToken, idTokenClaims.sub);
 * ```
 */
export async function fetchUserInfo(provider: ProviderClient, accessToken: string, expectedSub: string): Promise<Record<string, unknown>> {
  const configuration = await provider.configuration();
  const signingAlg = provider.client.userInfoSigningAlg;
  try {
    const endpoint = configuration.serverMetadata().userinfo_endpoint;
    if (endpoint === undefined) throw new OidcError('provider_error', 'The provider has no UserInfo endpoint.');
    const response = provider.settings.userInfoMethod === 'GET'
      ? await client.fetchProtectedResource(configuration, accessToken, new URL(endpoint), 'GET', null,
        new Headers({ accept: signingAlg === undefined ? 'application/json, application/jwt' : 'application/jwt' }))
      : await client.fetchProtectedResource(configuration, accessToken, new URL(endpoint), 'POST', new URLSearchParams(),
        new Headers({ accept: 'application/json' }));
    if (response.status !== 200) {
      throw new OidcError('provider_error', `The provider's UserInfo endpoint answered ${response.status}.`);
    }
    const type = response.headers.get('content-type') ?? '';
    let claims: unknown;
    if (/^application\/jwt\b/i.test(type)) {
      claims = await verifiedUserInfoJwt(provider, configuration, (await response.text()).trim(), signingAlg ?? provider.client.idTokenSigningAlg);
    } else if (/^application\/json\b/i.test(type)) {
      if (signingAlg !== undefined) {
        throw new OidcError('provider_error', 'The provider\'s UserInfo answer is not signed, although signed answers are required (userInfoSigningAlg).', { reason: 'userinfo_unsigned' });
      }
      claims = await response.json();
    } else {
      throw new OidcError('provider_error', 'The provider\'s UserInfo answer is not JSON.');
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
      throw new OidcError('provider_error', 'The provider\'s UserInfo answer is not a JSON object.');
    }
    const sub = (claims as Record<string, unknown>)['sub'];
    if (typeof sub !== 'string' || sub === '') {
      throw new OidcError('provider_error', 'The provider\'s UserInfo answer has no subject (sub).', { reason: 'userinfo_sub' });
    }
    if (sub !== expectedSub) {
      throw new OidcError('userinfo_sub_mismatch', 'UserInfo returned a different subject than the ID token.');
    }
    return claims as Record<string, unknown>;
  } catch (error) {
    throw toOidcError(error, 'userinfo');
  }
}

/** The claims of a signed UserInfo answer: its signature (only `algorithm`), `iss` and `aud` checked. */
async function verifiedUserInfoJwt(provider: ProviderClient, configuration: client.Configuration, jwt: string, algorithm: string): Promise<Record<string, unknown>> {
  await provider.verifyProviderJwt(jwt, algorithm, { code: 'provider_error', label: 'signed UserInfo answer' });
  const claims = decodeJwt(jwt);
  if (claims.iss !== configuration.serverMetadata().issuer) {
    throw new OidcError('provider_error', 'The signed UserInfo answer is from another issuer.', { reason: 'userinfo_iss' });
  }
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audience.includes(provider.client.clientId)) {
    throw new OidcError('provider_error', 'The signed UserInfo answer is for another client.', { reason: 'userinfo_aud' });
  }
  return claims;
}
