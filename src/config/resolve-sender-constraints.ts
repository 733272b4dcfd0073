import { ConfigurationError } from '../errors.ts';
import type { ProviderOptions } from './provider-options.ts';
import type { DpopAlgorithm, PushedAuthorizationRequests, SecurityProfile } from './sender-constraint-options.ts';

/**
 * How a provider's logins bind and push, resolved.
 *
 * @example
 * ```ts
 * const settings: SenderConstraintSettings = { dpop: { algorithm: 'ES256' }, pushedAuthorizationRequests: 'required', profile: 'fapi2' };
 * ```
 */
export interface SenderConstraintSettings {
  /** DPoP for the session's tokens, with the algorithm of its keys; undefined: off. */
  readonly dpop: { readonly algorithm: DpopAlgorithm } | undefined;
  /** Whether logins push their authorization request (RFC 9126). */
  readonly pushedAuthorizationRequests: PushedAuthorizationRequests;
  /** The security profile followed, if any. */
  readonly profile: SecurityProfile | undefined;
}

const DPOP_ALGORITHMS: readonly DpopAlgorithm[] = ['ES256', 'EdDSA'];
/**
 * FAPI 2.0 Security Profile §5.4.1: the only JWS algorithms for signatures (EdDSA also by its
 * fully specified name, Ed25519).
 *
 * @example
 * ```ts
 * FAPI2_ALGORITHMS.includes('RS256'); // false
 * ```
 */
export const FAPI2_ALGORITHMS: readonly string[] = ['PS256', 'ES256', 'EdDSA', 'Ed25519'];

/**
 * The ID token algorithm when none is configured: RS256, the one every provider must support (OIDC
 * Core §15.1), or PS256 under FAPI 2.0, which forbids RS256.
 *
 * @example
 * ```ts
 * defaultIdTokenSigningAlg({ profile: 'fapi2' }); // 'PS256'
 * ```
 */
export function defaultIdTokenSigningAlg(options: ProviderOptions): string {
  return options.profile === 'fapi2' ? 'PS256' : 'RS256';
}

/**
 * What a profile is checked against: the provider's options as resolved elsewhere.
 *
 * @example
 * ```ts
 * const facts: ResolvedClientFacts = { authMethod: 'private_key_jwt', privateKey, idTokenSigningAlg: 'PS256', userInfoSigningAlg: undefined };
 * ```
 */
export interface ResolvedClientFacts {
  readonly authMethod: string;
  readonly privateKey: ProviderOptions['privateKey'];
  readonly idTokenSigningAlg: string;
  readonly userInfoSigningAlg: string | undefined;
}

/**
 * Resolves `dpop`, `pushedAuthorizationRequests` and `profile` for one provider. Under
 * `profile: 'fapi2'` what is unset is turned on, and what is set weaker than the profile allows is
 * refused with the option and the fix named: a FAPI 2.0 client that quietly is not one would be
 * worse than none.
 *
 * @example
 * ```ts
 * resolveSenderConstraints('', { dpop: true }, facts); // { dpop: { algorithm: 'ES256' }, pushedAuthorizationRequests: false, profile: undefined }
 * ```
 */
export function resolveSenderConstraints(prefix: string, options: ProviderOptions, facts: ResolvedClientFacts): SenderConstraintSettings {
  const profile = options.profile;
  if (profile !== undefined && profile !== 'fapi2') {
    throw new ConfigurationError(`${prefix}profile`, `"${String(profile)}" is not a profile oidc-kit knows; use "fapi2" (the FAPI 2.0 Security Profile) or leave it out.`);
  }
  const fapi2 = profile === 'fapi2';

  const par = options.pushedAuthorizationRequests ?? (fapi2 ? 'required' : false);
  if (par !== 'auto' && par !== 'required' && par !== false) {
    throw new ConfigurationError(`${prefix}pushedAuthorizationRequests`, 'use "auto" (when the provider offers it), "required", or false (default).');
  }
  if (fapi2 && par !== 'required') {
    throw new ConfigurationError(`${prefix}pushedAuthorizationRequests`, `profile "fapi2" requires pushed authorization requests (FAPI 2.0 §5.3.2.2); set it to "required" or leave it out.`);
  }

  const dpopOption = options.dpop ?? fapi2;
  if (typeof dpopOption !== 'boolean' && (typeof dpopOption !== 'object' || dpopOption === null)) {
    throw new ConfigurationError(`${prefix}dpop`, 'use true, false, or { algorithm: "ES256" | "EdDSA" }.');
  }
  if (fapi2 && dpopOption === false) {
    throw new ConfigurationError(`${prefix}dpop`, 'profile "fapi2" requires sender-constrained tokens (FAPI 2.0 §5.3.3); oidc-kit binds them with DPoP: set dpop to true or leave it out.');
  }
  let dpop: SenderConstraintSettings['dpop'];
  if (dpopOption !== false) {
    const algorithm = dpopOption === true ? 'ES256' : dpopOption.algorithm ?? 'ES256';
    if (!DPOP_ALGORITHMS.includes(algorithm)) {
      throw new ConfigurationError(`${prefix}dpop.algorithm`, `"${String(algorithm)}" is not offered; use "ES256" (default) or "EdDSA" (an RSA key per login would cost every login start tens of milliseconds).`);
    }
    dpop = { algorithm };
  }

  if (fapi2) checkFapi2Client(prefix, facts);
  return { dpop, pushedAuthorizationRequests: par, profile };
}

/** FAPI 2.0 §5.3.3 and §5.4 for the client's own settings: private_key_jwt, and no algorithm weaker than PS256/ES256/EdDSA. */
function checkFapi2Client(prefix: string, facts: ResolvedClientFacts): void {
  if (facts.authMethod !== 'private_key_jwt') {
    throw new ConfigurationError(`${prefix}tokenEndpointAuthMethod`, `profile "fapi2" requires "private_key_jwt" (FAPI 2.0 §5.3.3; oidc-kit does not do mTLS), not "${facts.authMethod}": set tokenEndpointAuthMethod to "private_key_jwt" and give privateKey.`);
  }
  if (!FAPI2_ALGORITHMS.includes(facts.idTokenSigningAlg)) {
    throw new ConfigurationError(`${prefix}idTokenSigningAlg`, `profile "fapi2" allows PS256, ES256 or EdDSA signatures only (FAPI 2.0 §5.4.1), not "${facts.idTokenSigningAlg}"; leave it out for PS256.`);
  }
  if (facts.userInfoSigningAlg !== undefined && !FAPI2_ALGORITHMS.includes(facts.userInfoSigningAlg)) {
    throw new ConfigurationError(`${prefix}userInfoSigningAlg`, `profile "fapi2" allows PS256, ES256 or EdDSA signatures only (FAPI 2.0 §5.4.1), not "${facts.userInfoSigningAlg}".`);
  }
  // private_key_jwt always comes with privateKey (resolveProvider requires it).
  if (facts.privateKey === undefined) return;
  const key = 'key' in facts.privateKey ? facts.privateKey.key : facts.privateKey;
  const algorithm = key.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  const allowed = algorithm.name === 'RSA-PSS' || algorithm.name === 'Ed25519' || (algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256');
  if (!allowed) {
    throw new ConfigurationError(`${prefix}privateKey`, `profile "fapi2" allows client assertions signed with PS256, ES256 or EdDSA only (FAPI 2.0 §5.4.1); this key is ${algorithm.name}${algorithm.namedCurve === undefined ? '' : ` ${algorithm.namedCurve}`}. Import it for one of those, e.g. importPKCS8(pem, 'PS256') or a P-256 key with 'ES256'.`);
  }
  if (algorithm.name === 'RSA-PSS' && (algorithm.modulusLength ?? 0) < 2048) {
    throw new ConfigurationError(`${prefix}privateKey`, `profile "fapi2" requires RSA keys of at least 2048 bits (FAPI 2.0 §5.4.1); this one has ${algorithm.modulusLength ?? 'fewer'}.`);
  }
}
