import { errors, type Configuration } from 'oidc-provider';

/**
 * The development provider's client credentials grant and resource indicators (RFC 8707): a token
 * request that names one of `audiences` as `resource` gets a JWT access token (RFC 9068) for it,
 * with `scopes`, which an API validates locally with the provider's keys. Any other resource is
 * refused (`invalid_target`).
 *
 * @example
 * ```ts
 * await startDevProvider({ clients, configuration: jwtApiResources(new Set(['http://localhost:3000/api']), 'api:read') });
 * ```
 */
export function jwtApiResources(audiences: ReadonlySet<string>, scopes: string): Partial<Configuration> {
  const features = {
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx: unknown, resource: string) => {
        if (!audiences.has(resource)) throw new errors.InvalidTarget();
        return { scope: scopes, audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  };
  return {
    scopes: ['openid', 'email', 'profile', 'offline_access', ...scopes.split(' ')],
    // The typings model features as a union that this literal cannot be checked against; oidc-provider validates it at start.
    features: features as Configuration['features'],
  };
}
