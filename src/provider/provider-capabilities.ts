import type { ServerMetadata } from 'openid-client';
import type { Logger } from '../config/options.ts';
import type { ProviderSettings } from '../config/resolved-config.ts';
import { FAPI2_ALGORITHMS } from '../config/resolve-sender-constraints.ts';
import { OidcError } from '../errors.ts';

/**
 * Checks that a provider's metadata offers what this app's options require of it — PAR when it is
 * `required`, the DPoP algorithm, and under `profile: 'fapi2'` everything the FAPI 2.0 Security
 * Profile needs — when the metadata arrives (discovery, or at start-up for static metadata). A gap
 * is a `provider_error` (502) whose message names what is missing and the option that asks for it;
 * as every failed discovery, it is not cached, so a provider that is fixed is used at once.
 *
 * @example
 * ```ts
 * checkProviderCapabilities(metadata, settings, logger); // throws OidcError provider_error, reason 'par_unsupported'
 * ```
 */
export function checkProviderCapabilities(metadata: ServerMetadata, settings: ProviderSettings, logger?: Logger): void {
  const gap = (reason: string, message: string): OidcError =>
    new OidcError('provider_error', `The provider ${settings.issuer} ${message}`, { reason });
  const fapi2 = settings.profile === 'fapi2';
  const option = fapi2 ? 'profile "fapi2"' : undefined;

  if (settings.pushedAuthorizationRequests === 'required' && metadata.pushed_authorization_request_endpoint === undefined) {
    throw gap('par_unsupported', `publishes no pushed_authorization_request_endpoint, which ${option ?? 'pushedAuthorizationRequests "required"'} needs (RFC 9126); enable PAR at the provider${option === undefined ? ', or set pushedAuthorizationRequests to "auto"' : ''}.`);
  }

  const dpop = settings.dpop;
  if (dpop !== undefined) {
    const algorithms = metadata.dpop_signing_alg_values_supported;
    if (algorithms === undefined) {
      if (fapi2) throw gap('dpop_unsupported', 'publishes no dpop_signing_alg_values_supported: it does not say it binds tokens with DPoP, which profile "fapi2" needs (RFC 9449 §5.1).');
      // Many providers bind without saying so; each token answer shows whether it did (token_type DPoP).
      logger?.warn(`${settings.issuer} does not publish dpop_signing_alg_values_supported; oidc-kit sends DPoP proofs (dpop) and refuses tokens that come back unbound`, { provider: settings.name });
    } else if (!algorithms.includes(dpop.algorithm)) {
      throw gap('dpop_alg_unsupported', `accepts DPoP proofs signed with ${algorithms.join(', ') || 'nothing'}, not ${dpop.algorithm}; set dpop: { algorithm } to one of those (ES256 or EdDSA).`);
    }
  }

  if (!fapi2) return;
  if (metadata.authorization_response_iss_parameter_supported !== true) {
    throw gap('iss_parameter_unsupported', 'does not say authorization_response_iss_parameter_supported: true, which profile "fapi2" needs (RFC 9207, FAPI 2.0 §5.3.2.2).');
  }
  if (!(metadata.code_challenge_methods_supported ?? []).includes('S256')) {
    throw gap('pkce_unsupported', 'does not list S256 in code_challenge_methods_supported, which profile "fapi2" needs (FAPI 2.0 §5.3.2.2).');
  }
  // RFC 8414 §2: absent means client_secret_basic only.
  if (!(metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic']).includes('private_key_jwt')) {
    throw gap('private_key_jwt_unsupported', 'does not list private_key_jwt in token_endpoint_auth_methods_supported, which profile "fapi2" needs (FAPI 2.0 §5.3.3).');
  }
  const idTokenAlgorithms = metadata.id_token_signing_alg_values_supported ?? [];
  if (!idTokenAlgorithms.includes(settings.idTokenSigningAlg)) {
    const usable = idTokenAlgorithms.filter((alg) => FAPI2_ALGORITHMS.includes(alg));
    throw gap('id_token_alg_unsupported', `does not sign ID tokens with ${settings.idTokenSigningAlg} (it lists ${idTokenAlgorithms.join(', ') || 'nothing'}); ${usable.length > 0 ? `set idTokenSigningAlg to ${usable.join(' or ')}` : 'profile "fapi2" allows PS256, ES256 or EdDSA only'}.`);
  }
}
