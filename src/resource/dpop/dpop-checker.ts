/**
 * The resource server's DPoP checks for one request (RFC 9449 §7): the `DPoP` header, the proof
 * (dpop-proof.ts), the server nonce (dpop-nonces.ts) and — once the token is known to be bound to
 * the proof's key — the replay record (replay-cache.ts). One per app, shared by every route.
 */
import type { ResolvedConfig } from '../../config/resolved-config.ts';
import type { DpopSettings } from '../../config/resolve-dpop.ts';
import type { OidcError } from '../../errors.ts';
import type { RequestView } from '../../http.ts';
import { dpopError } from './challenges.ts';
import { DpopNonces } from './dpop-nonces.ts';
import { DpopRejection, verifyDpopProof, type VerifiedProof } from './dpop-proof.ts';
import { expectedHtu } from './htu.ts';
import { DpopReplayCache } from './replay-cache.ts';

/**
 * Checks DPoP proofs for the app's token routes.
 *
 * @example
 * ```ts
 * const checker = new DpopChecker(config);
 * const proof = await checker.proof(request, accessToken, (nonce) => io.setHeader?.('dpop-nonce', nonce));
 * // … the token validated with proof.jkt …
 * await checker.claim(proof); // throws invalid_dpop_proof (replay) for a proof seen before
 * ```
 */
export class DpopChecker {
  readonly settings: DpopSettings;
  readonly #config: ResolvedConfig;
  readonly #realm: string;
  readonly #clockTolerance: number;
  readonly #nonces: DpopNonces | undefined;
  readonly #replay: DpopReplayCache;

  constructor(config: ResolvedConfig) {
    const rs = config.resourceServer;
    this.#config = config;
    this.settings = rs.dpop;
    this.#realm = rs.realm;
    this.#clockTolerance = config.providers.get(rs.provider)?.clockTolerance ?? 60;
    this.#nonces = config.secrets.length > 0 ? new DpopNonces(config.secrets, rs.dpop.nonceLifetime) : undefined;
    this.#replay = new DpopReplayCache(rs.dpop.replayStore);
  }

  /** The nonce to hand out now (`DPoP-Nonce`), or `undefined` when nonces are not required. */
  nonce(): string | undefined {
    return this.settings.requireNonce ? this.#nonces?.current() : undefined;
  }

  /**
   * The request's proof, checked against the request and `accessToken`. Throws the `OidcError` to
   * answer: `invalid_dpop_proof` (no or several `DPoP` headers, or a proof that fails a check) or
   * `use_dpop_nonce`. `rotate` is called with a fresh nonce when the proof's is the previous one.
   */
  async proof(request: RequestView, accessToken: string, rotate: (nonce: string) => void): Promise<VerifiedProof> {
    const header = request.header('dpop');
    if (header === undefined) throw this.#invalid('proof_missing', 'The request has no DPoP header with a proof of possession (RFC 9449 section 4).');
    // Two headers arrive joined with a comma, which no compact JWS contains (RFC 9449 §4.3 check 1).
    if ((request.headerCount?.('dpop') ?? 1) > 1 || header.includes(',')) throw this.#invalid('proofs', 'Send exactly one DPoP header.');
    const htu = expectedHtu(this.#config, request);
    if (htu === undefined) throw this.#invalid('htu', 'The request URL cannot be matched with a DPoP proof.');
    let proof: VerifiedProof;
    try {
      proof = await verifyDpopProof(header.trim(), {
        method: request.method,
        htu,
        accessToken,
        algorithms: this.settings.algorithms,
        maxAge: this.settings.maxAge,
        clockTolerance: this.#clockTolerance,
      });
    } catch (error) {
      if (error instanceof DpopRejection) throw this.#invalid(error.reason, error.message);
      throw error;
    }
    if (this.settings.requireNonce && this.#nonces !== undefined) {
      if (proof.nonce === undefined) throw dpopError('use_dpop_nonce', 'This API requires a server nonce in the DPoP proof: use the one in the DPoP-Nonce header.', this.#realm, 'nonce_missing');
      const verdict = this.#nonces.check(proof.nonce);
      if (verdict === 'invalid') throw dpopError('use_dpop_nonce', 'The DPoP proof\'s nonce is not (or no longer) valid: use the one in the DPoP-Nonce header.', this.#realm, 'nonce');
      if (verdict === 'previous') rotate(this.#nonces.current());
    }
    return proof;
  }

  /**
   * Records the proof as used; throws `invalid_dpop_proof` (reason `replay`) when it was used
   * before, on this instance or (with a shared store) any other, and the 503 of the replay cache.
   */
  async claim(proof: VerifiedProof): Promise<void> {
    // Kept exactly as long as its iat would still pass the check (iat + maxAge + tolerance), and no
    // longer: the window, not the moment it was used, decides.
    const ttl = proof.iat + this.settings.maxAge + this.#clockTolerance + 1 - Math.floor(Date.now() / 1000);
    if (!(await this.#replay.claim(proof.jkt, proof.jti, ttl))) {
      throw this.#invalid('replay', 'This DPoP proof was used before; make a new one for each request (RFC 9449 section 11.1).');
    }
  }

  #invalid(reason: string, message: string): OidcError {
    return dpopError('invalid_dpop_proof', message, this.#realm, reason);
  }
}
