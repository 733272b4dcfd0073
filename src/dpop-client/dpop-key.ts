/**
 * A session's DPoP key pair (RFC 9449), as the session keeps it: a private JWK, which holds the
 * public members too. Made at login, kept sealed with the session, never shown to the browser.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { DpopAlgorithm } from '../config/sender-constraint-options.ts';

/**
 * One session's DPoP key: its algorithm and its private JWK.
 *
 * @example
 * ```ts
 * const key: DpopKey = await generateDpopKey('ES256');
 * session.data.dpopKey = key;
 * ```
 */
export interface DpopKey {
  /** The algorithm its proofs are signed with. */
  readonly alg: DpopAlgorithm;
  /** The private key as a JWK (its public members included): what the session keeps, sealed. */
  readonly jwk: JWK;
}

/**
 * A new key pair for one session: a fresh one per login, so that a token stolen from one session
 * is useless with the key of another, and a logout ends the key with the session.
 *
 * @example
 * ```ts
 * const key = await generateDpopKey('ES256'); // { alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x, y, d } }
 * ```
 */
export async function generateDpopKey(alg: DpopAlgorithm): Promise<DpopKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, jwk: await exportJWK(privateKey) };
}

/**
 * The key's RFC 7638 thumbprint (SHA-256): the `dpop_jkt` of an authorization request, and the
 * `cnf.jkt` the provider puts in the tokens it binds to the key.
 *
 * @example
 * ```ts
 * url.searchParams.set('dpop_jkt', await dpopThumbprint(key));
 * ```
 */
export function dpopThumbprint(key: DpopKey): Promise<string> {
  // Only the public members enter the thumbprint (RFC 7638 §3.2), so the private JWK gives the same.
  return calculateJwkThumbprint(key.jwk, 'sha256');
}
