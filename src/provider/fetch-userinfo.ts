import * as client from 'openid-client';
import type { DpopKey } from '../dpop-client/dpop-key.ts';
import { OidcError } from '../errors.ts';
import { parseProviderJson } from './provider-json.ts';
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
 * const claims = await fetchUserInfo(provider, accessToken, idTokenClaims.sub, session.dpopKey);
 * ```
 */
export async function fetchUserInfo(provider: ProviderClient, accessToken: string, expectedSub: string, dpopKey?: DpopKey): Promise<Record<string, unknown>> {
  const configuration = await provider.configuration();
  const signingAlg = provider.client.userInfoSigningAlg;
  try {
    const endpoint = configuration.serverMetadata().userinfo_endpoint;
    if (endpoint === undefined) throw new OidcError('provider_error', 'The provider has no UserInfo endpoint.');
    // A DPoP-bound token goes with a proof (`Authorization: DPoP`); openid-client answers a nonce challenge once.
    const dpop = dpopKey === undefined || provider.dpop === undefined ? undefined : { DPoP: await provider.dpop.handle(configuration, dpopKey) };
    const response = provider.settings.userInfoMethod === 'GET'
      ? await client.fetchProtectedResource(configuration, accessToken, new URL(endpoint), 'GET', null,
        new Headers({ accept: signingAlg === undefined ? 'application/json, application/jwt' : 'application/jwt' }), dpop)
      : await client.fetchProtectedResource(configuration, accessToken, new URL(endpoint), 'POST', new URLSearchParams(),
        new Headers({ accept: 'application/json' }), dpop);
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
      // I-JSON, as for every JWT: duplicate members, non-finite numbers or deep nesting are refused.
      claims = parseProviderJson(await response.text(), 'UserInfo answer', 'userinfo');
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
    provider.answered();
    return claims as Record<string, unknown>;
  } catch (error) {
    throw provider.failed(toOidcError(error, 'userinfo'));
  }
}

/**
 * Claims that mark another kind of JWT of the provider's — an ID token (`nonce`, hashes), a logout
 * token (`events`), an access token (`client_id`, `scope`), a bound token (`cnf`): not a UserInfo answer.
 */
const OTHER_KIND_CLAIMS = ['nonce', 'at_hash', 'c_hash', 's_hash', 'events', 'client_id', 'scope', 'cnf'];

/**
 * The claims of a signed UserInfo answer: its signature (only `algorithm`, the payload as signed),
 * `iss` exactly the issuer, `aud` naming the client (OIDC Core 5.3.2), times that hold, and not
 * another kind of JWT the provider signed (an ID, access or logout token) presented as one.
 */
async function verifiedUserInfoJwt(provider: ProviderClient, configuration: client.Configuration, jwt: string, algorithm: string): Promise<Record<string, unknown>> {
  // Its structure, types and `typ` (absent or JWT) are checked by verifyProviderJwt, before any key is fetched.
  const { claims } = await provider.verifyProviderJwt(jwt, algorithm, { code: 'provider_error', label: 'signed UserInfo answer', kind: 'userinfo' });
  const refuse = (reason: string, message: string): OidcError => new OidcError('provider_error', `The signed UserInfo answer ${message}.`, { reason });
  if (claims['iss'] !== configuration.serverMetadata().issuer) throw refuse('userinfo_iss', 'is from another issuer');
  const aud = claims['aud'];
  if (!(Array.isArray(aud) ? aud : [aud]).includes(provider.client.clientId)) throw refuse('userinfo_aud', 'is for another client');
  if (OTHER_KIND_CLAIMS.some((name) => name in claims)) {
    throw refuse('userinfo_type', 'is another kind of token');
  }
  const now = Math.floor(Date.now() / 1000);
  const tolerance = provider.settings.clockTolerance;
  if (typeof claims['exp'] === 'number' && claims['exp'] <= now - tolerance) throw refuse('userinfo_exp', 'has expired');
  if (typeof claims['iat'] === 'number' && claims['iat'] > now + tolerance) throw refuse('userinfo_iat', 'was issued in the future');
  if (typeof claims['nbf'] === 'number' && claims['nbf'] > now + tolerance) throw refuse('userinfo_nbf', 'is not valid yet');
  return { ...claims };
}
