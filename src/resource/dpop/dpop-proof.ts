/**
 * The DPoP proof of a request (RFC 9449 §4.3), checked: structure first (size, canonical compact
 * JWS, strict JSON — the same preflight as every JWT oidc-kit reads), then the header (`typ`,
 * `alg` from the allow-list, a public `jwk`), the signature with that key, and the claims (`jti`,
 * `htm`, `htu`, `iat`, `ath`). The nonce, the replay record and the token's binding are the
 * caller's: they need the app's state.
 */
import { hash } from 'node:crypto';
import { calculateJwkThumbprint, errors, importJWK, type JWK, jwtVerify } from 'jose';
import { JwtRefusal, mediaType, preflightJws } from '../../jwt/preflight.ts';
import { normaliseHtu } from './htu.ts';

/** A proof is a few hundred bytes (a P-256 key, five claims); 8 KiB leaves room for an RSA-4096 key and is refused before parsing. */
export const MAX_PROOF_LENGTH = 8192;
/** JWK members that only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * Why a proof is refused: a stable `reason` and a message safe to show, answered as
 * `invalid_dpop_proof` (RFC 9449 §7.1).
 *
 * @example
 * ```ts
 * throw new DpopRejection('htm', 'The DPoP proof was made for another HTTP method (htm).');
 * ```
 */
export class DpopRejection extends Error {
  override readonly name = 'DpopRejection';
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * What a request's proof must match.
 *
 * @example
 * ```ts
 * const expected: ProofExpectations = { method: 'GET', htu: 'https://api.example.com/reports', accessToken };
 * ```
 */
export interface ProofExpectations {
  /** The request's method, upper case. */
  readonly method: string;
  /** The request's URL, normalised (`expectedHtu`). */
  readonly htu: string;
  /** The access token the proof must name (`ath`). */
  readonly accessToken: string;
  readonly algorithms: readonly string[];
  /** Seconds a proof is good for after its `iat`. */
  readonly maxAge: number;
  /** Seconds of clock difference forgiven either way. */
  readonly clockTolerance: number;
}

/**
 * A proof that passed: the thumbprint of its key (RFC 7638), its `jti`, `iat` and `nonce`.
 *
 * @example
 * ```ts
 * const { jkt, jti } = await verifyDpopProof(proof, expected);
 * ```
 */
export interface VerifiedProof {
  readonly jkt: string;
  readonly jti: string;
  readonly iat: number;
  readonly nonce: string | undefined;
}

/**
 * Checks a DPoP proof against the request; throws a {@link DpopRejection} (reasons: `too_long`,
 * the preflight's structural reasons, `typ`, `alg`, `jwk`, `signature`, `jti`, `htm`, `htu`,
 * `iat`, `ath`).
 *
 * @example
 * ```ts
 * const proof = await verifyDpopProof(request.header('dpop')!, { method: 'GET', htu, accessToken, algorithms: ['ES256'], maxAge: 60, clockTolerance: 5 });
 * ```
 */
export async function verifyDpopProof(proof: string, expected: ProofExpectations): Promise<VerifiedProof> {
  if (proof.length > MAX_PROOF_LENGTH) throw new DpopRejection('too_long', `The DPoP proof is longer than ${MAX_PROOF_LENGTH} characters.`);
  let header: Readonly<Record<string, unknown>>;
  try {
    ({ header } = preflightJws(proof, 'access_token'));
  } catch (error) {
    if (error instanceof JwtRefusal) throw new DpopRejection(error.reason, `The DPoP proof is refused: ${error.message.replace(/^The token's /, 'its ').replace(/^The token /, 'it ')}`);
    throw error;
  }
  if (typeof header['typ'] !== 'string' || mediaType(header['typ']) !== 'dpop+jwt') throw new DpopRejection('typ', 'The DPoP proof is not typed "dpop+jwt" (RFC 9449 section 4.2).');
  if (!expected.algorithms.includes(header['alg'] as string)) {
    throw new DpopRejection('alg', `The DPoP proof's algorithm is not accepted here (use one of ${expected.algorithms.join(', ')}).`);
  }
  const jwk = header['jwk'];
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new DpopRejection('jwk', 'The DPoP proof carries no public key (jwk) in its header.');
  if (PRIVATE_MEMBERS.some((name) => name in jwk)) throw new DpopRejection('jwk', 'The DPoP proof\'s jwk holds private key material; send the public key only.');
  let payload: Record<string, unknown>;
  let key: ProofKey;
  try {
    key = await proofKey(proof.slice(0, proof.indexOf('.')), jwk, header['alg'] as string);
    ({ payload } = await jwtVerify(proof, key.key, { algorithms: [...expected.algorithms], typ: 'dpop+jwt' }));
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) throw new DpopRejection('signature', 'The DPoP proof\'s signature does not verify with its jwk.');
    if (error instanceof errors.JOSEError || error instanceof TypeError) throw new DpopRejection('jwk', 'The DPoP proof\'s jwk is not a usable public key for its algorithm.');
    throw error;
  }
  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (typeof jti !== 'string' || jti === '' || jti.length > 512) throw new DpopRejection('jti', 'The DPoP proof has no jti (a unique identifier of 1 to 512 characters).');
  if (htm !== expected.method) throw new DpopRejection('htm', 'The DPoP proof was made for another HTTP method (htm).');
  if (typeof htu !== 'string' || normaliseHtu(htu) !== expected.htu) throw new DpopRejection('htu', 'The DPoP proof was made for another URL (htu).');
  const now = Math.floor(Date.now() / 1000);
  if (typeof iat !== 'number') throw new DpopRejection('iat', 'The DPoP proof has no iat.');
  if (iat > now + expected.clockTolerance) throw new DpopRejection('iat', 'The DPoP proof was issued in the future (iat); check the client\'s clock.');
  if (iat < now - expected.maxAge - expected.clockTolerance) throw new DpopRejection('iat', 'The DPoP proof is too old (iat); make a new one for each request.');
  if (typeof ath !== 'string') throw new DpopRejection('ath', 'The DPoP proof has no ath (the hash of the access token it goes with).');
  if (ath !== hash('sha256', expected.accessToken, 'base64url')) throw new DpopRejection('ath', 'The DPoP proof was made for another access token (ath).');
  if (nonce !== undefined && (typeof nonce !== 'string' || nonce === '')) throw new DpopRejection('nonce', 'The DPoP proof\'s nonce must be a non-empty string.');
  return { jkt: key.jkt, jti, iat, nonce };
}

/** A proof's public key, imported, and its RFC 7638 thumbprint. */
interface ProofKey {
  readonly key: CryptoKey | Uint8Array;
  readonly jkt: string;
}

/** At most this many clients' proof keys are kept imported; the least recently used goes. */
const MAX_PROOF_KEYS = 1000;
/** Imported proof keys by the proof's protected header (base64url): a client signs all its proofs with one key and one header. */
const proofKeys = new Map<string, Promise<ProofKey>>();

/**
 * The key that signed a proof, imported once per client rather than per request: importing a JWK
 * and hashing its thumbprint cost about 85 µs, a third of a proof check (bench/README.md, finding
 * 23). Keyed by the header as sent, so the algorithm and the key are those the signature is checked
 * with; a key that fails to import is not kept.
 */
function proofKey(headerSegment: string, jwk: JWK, alg: string): Promise<ProofKey> {
  const cached = proofKeys.get(headerSegment);
  if (cached !== undefined) {
    proofKeys.delete(headerSegment);
    proofKeys.set(headerSegment, cached);
    return cached;
  }
  const made = Promise.all([importJWK(jwk, alg), calculateJwkThumbprint(jwk, 'sha256')]).then(([key, jkt]) => ({ key, jkt }));
  made.catch(() => proofKeys.delete(headerSegment));
  if (proofKeys.size >= MAX_PROOF_KEYS) {
    const oldest = proofKeys.keys().next().value;
    if (oldest !== undefined) proofKeys.delete(oldest);
  }
  proofKeys.set(headerSegment, made);
  return made;
}
