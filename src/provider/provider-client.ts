import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import * as client from 'openid-client';
import type { ProviderSettings } from '../config/resolved-config.ts';
import { OidcError } from '../errors.ts';
import { toOidcError } from './provider-error.ts';

/**
 * One provider's openid-client `Configuration`, obtained once: discovered lazily on first use
 * (concurrent first requests share one discovery), or built from static metadata. A failed
 * discovery is not cached, so the next request tries again once the provider is back.
 *
 * @example
 * ```ts
 * const provider = new ProviderClient(settings);
 * const config = await provider.configuration(); // throws OidcError provider_unavailable / provider_error
 * ```
 */
export class ProviderClient {
  readonly settings: ProviderSettings;
  #pending: Promise<client.Configuration> | undefined;
  #keys: { uri: string; keys: JWTVerifyGetKey } | undefined;

  constructor(settings: ProviderSettings) {
    this.settings = settings;
  }

  /** The provider's configuration, discovering it if needed. Throws an `OidcError` (502/503) on failure. */
  configuration(): Promise<client.Configuration> {
    this.#pending ??= this.#create().catch((error: unknown) => {
      this.#pending = undefined;
      throw toOidcError(error, 'discovery');
    });
    return this.#pending;
  }

  /**
   * The provider's signing keys, from its `jwks_uri` only: one jose remote key set per provider,
   * shared by every verifier (logout tokens, access tokens). jose caches the keys for 10 minutes,
   * fetches once for any number of concurrent cold requests, and refetches on an unknown `kid` at
   * most every 30 s, so tokens with made-up kids cannot hammer the provider.
   */
  async keys(): Promise<JWTVerifyGetKey> {
    const configuration = await this.configuration();
    const uri = configuration.serverMetadata().jwks_uri;
    if (uri === undefined) throw new OidcError('provider_error', 'The provider publishes no jwks_uri, so its tokens cannot be verified.');
    if (this.#keys?.uri !== uri) {
      this.#keys = { uri, keys: createRemoteJWKSet(new URL(uri), { timeoutDuration: this.settings.httpTimeoutMs, cooldownDuration: 30_000 }) };
    }
    return this.#keys.keys;
  }

  /** The client id to build openid-client configurations with; a resource server without a client has none to send. */
  get #clientId(): string {
    return this.settings.clientId === '' ? 'oidc-kit-resource-server' : this.settings.clientId;
  }

  async #create(): Promise<client.Configuration> {
    const s = this.settings;
    const clientMetadata: Partial<client.ClientMetadata> = {
      id_token_signed_response_alg: s.idTokenSigningAlg,
      [client.clockTolerance]: s.clockTolerance,
    };
    if (s.clientSecret !== undefined) clientMetadata.client_secret = s.clientSecret;
    const timeout = s.httpTimeoutMs / 1000;
    let config: client.Configuration;
    if (s.discover) {
      config = await client.discovery(new URL(s.issuer), this.#clientId, clientMetadata, this.#clientAuth(), {
        timeout,
        execute: s.allowHttp ? [client.allowInsecureRequests] : [],
      });
      // openid-client compares issuers as normalised URLs; ID tokens are checked against the
      // discovered string, so require it to be exactly the one configured.
      const discovered = config.serverMetadata().issuer;
      if (discovered !== s.issuer) {
        throw new OidcError('discovery_issuer_mismatch', `The provider's issuer is "${discovered}", not "${s.issuer}" as configured; set the issuer option to exactly "${discovered}".`);
      }
      if (Object.keys(s.metadata).length > 1) {
        // Explicitly configured endpoints win over discovered ones.
        config = new client.Configuration({ ...config.serverMetadata(), ...s.metadata }, this.#clientId, clientMetadata, this.#clientAuth());
      }
    } else {
      config = new client.Configuration(s.metadata as client.ServerMetadata, this.#clientId, clientMetadata, this.#clientAuth());
    }
    config.timeout = timeout;
    if (s.allowHttp) client.allowInsecureRequests(config);
    // openid-client trusts TLS for ID tokens from the token endpoint; we verify their signatures anyway.
    client.enableNonRepudiationChecks(config);
    return config;
  }

  #clientAuth(): client.ClientAuth {
    const s = this.settings;
    switch (s.authMethod) {
      case 'client_secret_post':
        return client.ClientSecretPost(s.clientSecret);
      case 'private_key_jwt':
        if (s.privateKey === undefined) throw new Error('privateKey missing');
        return client.PrivateKeyJwt(s.privateKey);
      default:
        return client.ClientSecretBasic(s.clientSecret);
    }
  }
}
