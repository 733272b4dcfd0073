import { createHash } from 'node:crypto';
import type { ProviderSettings } from '../config/resolved-config.ts';
import { OidcError } from '../errors.ts';
import { audienceAccepted } from '../jwt/audience-rule.ts';

/** How old (seconds, by its `iat`) an ID token may be when it arrives from the token endpoint. */
export const MAX_ID_TOKEN_AGE = 10 * 60;

/**
 * The ID token rules oidc-kit applies itself, at login and at every refresh alike (OIDC Core
 * §3.1.3.7, §12.2), on a token that `preflightJws` and the signature already passed (types,
 * plausible dates, non-empty identifiers, `typ`), and that openid-client checked for `iss`,
 * presence of `aud`/`exp`/`iat`/`sub`, `exp`, nonce and `max_age`:
 *
 * - `iat` within ten minutes of now: a token fresh from the token endpoint was just issued (step
 *   10; at refresh §12.2 says `iat` is the new issue time);
 * - `aud` holds the client, and only audiences in `trustedAudiences` beside it (step 3); several
 *   audiences need `azp` (step 4), and `azp`, when present, must be the client (step 5);
 * - not another kind of JWT: no `events` (a logout or security event token; RFC 8725 §3.12).
 *
 * Throws `id_token_invalid` with the claim as reason.
 *
 * @example
 * ```ts
 * checkIdTokenClaims(provider.settings, provider.client.clientId, verified.claims, Math.floor(Date.now() / 1000));
 * ```
 */
export function checkIdTokenClaims(settings: ProviderSettings, clientId: string, claims: Readonly<Record<string, unknown>>, now: number): void {
  const iat = claims['iat'];
  if (typeof iat !== 'number' || iat < now - MAX_ID_TOKEN_AGE - settings.clockTolerance || iat > now + settings.clockTolerance) throw invalidIdToken('iat');
  const aud = claims['aud'];
  if (!audienceAccepted(aud, clientId, settings.trustedAudiences)) throw invalidIdToken('aud');
  const azp = claims['azp'];
  if (Array.isArray(aud) && aud.length > 1 && azp === undefined) throw invalidIdToken('azp');
  if (azp !== undefined && azp !== clientId) throw invalidIdToken('azp');
  if ('events' in claims) throw invalidIdToken('token_type');
}

/**
 * OIDC Core §3.1.3.8 and §3.3.2.11: when the ID token carries `at_hash` (or `c_hash`), it must be
 * the left half of the hash of the access token (or code), with the hash of the token's `alg`
 * (SHA-256 for *256, SHA-384 for *384, SHA-512 for *512 and EdDSA), base64url. Checked whenever
 * present, although the code flow makes it optional: a mismatch means the tokens were not issued
 * together. Throws `id_token_invalid` with the claim as reason.
 *
 * @example
 * ```ts
 * checkTokenHash(claims, 'at_hash', tokens.access_token, header.alg);
 * ```
 */
export function checkTokenHash(claims: Readonly<Record<string, unknown>>, claim: 'at_hash' | 'c_hash', value: string | undefined, alg: unknown): void {
  const given = claims[claim];
  if (given === undefined) return;
  const digest = typeof alg === 'string' ? HASH_OF_ALG[alg] : undefined;
  if (typeof given !== 'string' || value === undefined || digest === undefined) throw invalidIdToken(claim);
  const hash = createHash(digest).update(value, 'ascii').digest();
  if (given !== hash.subarray(0, hash.length / 2).toString('base64url')) throw invalidIdToken(claim);
}

/** The hash of each signing algorithm for at_hash and c_hash (OIDC Core §3.1.3.6; EdDSA: OIDC Core errata, as oauth4webapi). */
const HASH_OF_ALG: Readonly<Record<string, string>> = {
  RS256: 'sha256', PS256: 'sha256', ES256: 'sha256',
  RS384: 'sha384', PS384: 'sha384', ES384: 'sha384',
  RS512: 'sha512', PS512: 'sha512', ES512: 'sha512', EdDSA: 'sha512', Ed25519: 'sha512',
};

function invalidIdToken(reason: string): OidcError {
  return new OidcError('id_token_invalid', `The ID token is invalid (${reason}).`, { reason });
}
