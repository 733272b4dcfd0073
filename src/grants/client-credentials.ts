import * as client from 'openid-client';
import { ConfigurationError, OidcError } from '../errors.ts';
import type { ProviderClient } from '../provider/provider-client.ts';
import { toOidcError } from '../provider/provider-error.ts';
import { secretKey } from '../util/secret-key.ts';

/**
 * What to ask the provider for in a client credentials grant (Flask-pyoidc: client_credentials_grant).
 *
 * @example
 * ```ts
 * const request: ClientCredentialsOptions = { scope: 'reports:read', resource: 'https://reports.example' };
 * ```
 */
export interface ClientCredentialsOptions {
  /** Scopes, space-separated or as an array. */
  scope?: string | readonly string[];
  /** The `audience` parameter some providers (Auth0) use to name the API. */
  audience?: string;
  /** RFC 8707 resource indicator(s): the API the token is for. */
  resource?: string | readonly string[];
  /** Any other token request parameters. */
  extra?: Readonly<Record<string, string>>;
  /** Which provider, when there are several. Default: the default provider. */
  provider?: string;
  /** Ask the provider even if a cached token is still good. */
  forceRefresh?: boolean;
}

/**
 * An access token from the client credentials grant.
 *
 * @example
 * ```ts
 * const { accessToken } = await oidc.clientCredentials({ scope: 'reports:read' });
 * await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
 * ```
 */
export interface ClientCredentialsToken {
  /** The access token, to send as `Authorization: Bearer …`. */
  readonly accessToken: string;
  /** The token type, lower-cased as openid-client reports it: usually `bearer`. */
  readonly tokenType: string;
  /** When it expires, if the provider said. */
  readonly expiresAt: Date | undefined;
  /** The granted scopes, if the provider said. */
  readonly scope: string | undefined;
}

/** Most distinct requests (scope/audience/resource combinations) whose tokens are kept. */
const MAX_CACHED = 1000;

/**
 * The client credentials grant (RFC 6749 §4.4) with a cache: a token is reused until `margin`
 * seconds before it expires, and concurrent callers asking for the same thing share one request.
 * A token without `expires_in` is not cached. Failures are `OidcError`s: `provider_error` (502,
 * with the provider's `oauthError`, e.g. `invalid_client` or `invalid_scope`) or
 * `provider_unavailable` (503); nothing failed is cached.
 *
 * The parameters must come from the application, never from request input: each distinct set costs
 * a token request and a cache entry (at most 1 000, oldest out), so callers who choose them could
 * make the app hammer the provider and push its own tokens out. Entries are keyed by a hash, so a
 * long parameter costs 43 characters of key, and a stale token is dropped when it is next asked for.
 *
 * @example
 * ```ts
 * const grants = new ClientCredentialsGrants(60);
 * const token = await grants.get(provider, { scope: 'read' });
 * ```
 */
export class ClientCredentialsGrants {
  readonly #margin: number;
  readonly #cache = new Map<string, ClientCredentialsToken>();
  readonly #pending = new Map<string, Promise<ClientCredentialsToken>>();

  /** @param margin Seconds before expiry at which a cached token is no longer handed out. */
  constructor(margin: number) {
    this.#margin = margin;
  }

  get(provider: ProviderClient, options: ClientCredentialsOptions = {}): Promise<ClientCredentialsToken> {
    const parameters = grantParameters(options);
    // Hashed: the key's length does not grow with the parameters' (an `extra` value may be long).
    const key = secretKey(JSON.stringify([provider.settings.name, [...parameters.entries()].sort()]));
    const cached = this.#cache.get(key);
    if (cached !== undefined && !options.forceRefresh) {
      if (this.#fresh(cached)) return Promise.resolve(cached);
      // Stale: never handed out again, so not kept until a fresh token replaces it (the request
      // below may fail, or bring a token too short-lived to cache).
      this.#cache.delete(key);
    }
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = this.#request(provider, parameters, key).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  /** How many tokens are cached (for tests and diagnostics: entries are bounded, and stale ones go). */
  get size(): number {
    return this.#cache.size;
  }

  #fresh(token: ClientCredentialsToken): boolean {
    return token.expiresAt !== undefined && token.expiresAt.getTime() - this.#margin * 1000 > Date.now();
  }

  async #request(provider: ProviderClient, parameters: URLSearchParams, key: string): Promise<ClientCredentialsToken> {
    if (provider.settings.clientId === '' && provider.settings.registration === undefined) {
      throw new ConfigurationError('clientId', 'clientCredentials() needs a client: set clientId and clientSecret (resource-server-only apps may leave them out otherwise).');
    }
    let response: client.TokenEndpointResponse;
    try {
      response = await client.clientCredentialsGrant(await provider.configuration(), parameters);
      provider.answered();
    } catch (error) {
      const failure = provider.failed(toOidcError(error, 'grant'));
      if (failure.oauthError === 'invalid_client') await provider.clientRejected();
      throw failure;
    }
    if (typeof response.access_token !== 'string' || response.access_token === '') {
      throw new OidcError('provider_error', 'The provider\'s token response has no access token.');
    }
    const expiresIn = response.expires_in;
    const token: ClientCredentialsToken = {
      accessToken: response.access_token,
      tokenType: response.token_type,
      expiresAt: typeof expiresIn === 'number' ? new Date(Date.now() + expiresIn * 1000) : undefined,
      scope: response.scope,
    };
    if (this.#fresh(token)) {
      this.#cache.delete(key);
      if (this.#cache.size >= MAX_CACHED) {
        const oldest = this.#cache.keys().next();
        if (oldest.done !== true) this.#cache.delete(oldest.value);
      }
      this.#cache.set(key, token);
    }
    return token;
  }
}

function grantParameters(options: ClientCredentialsOptions): URLSearchParams {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(options.extra ?? {})) {
    if (['grant_type', 'client_id', 'client_secret', 'client_assertion', 'client_assertion_type'].includes(name)) {
      throw new TypeError(`oidc-kit: clientCredentials({ extra }) cannot set "${name}"; oidc-kit sends it.`);
    }
    if (typeof value !== 'string') throw new TypeError(`oidc-kit: clientCredentials({ extra: { ${name} } }) must be a string.`);
    parameters.set(name, value);
  }
  if (options.scope !== undefined) {
    const scope = typeof options.scope === 'string' ? options.scope : options.scope.join(' ');
    if (scope.trim() !== '') parameters.set('scope', scope.trim());
  }
  if (options.audience !== undefined) parameters.set('audience', options.audience);
  const resources = options.resource === undefined ? [] : typeof options.resource === 'string' ? [options.resource] : options.resource;
  for (const resource of resources) {
    try {
      new URL(resource);
    } catch {
      throw new TypeError(`oidc-kit: clientCredentials({ resource }) must be absolute URIs (RFC 8707); got "${resource}".`);
    }
    parameters.append('resource', resource);
  }
  return parameters;
}
