/**
 * Server nonces for DPoP proofs (RFC 9449 §9), stateless: a nonce is an HMAC, under the app's
 * secret, of the number of the time window it was issued in. Any instance that shares the secret
 * accepts any other's nonce without a store; the current and the previous window's are accepted,
 * so a nonce lives between one and two windows, and a client that sent the previous one is handed
 * the current one (rotation) on its next answer.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a proof's nonce compares: `current`, `previous` (accepted, but a new one should be sent),
 * or `invalid` (another secret, a window long gone, or made up).
 *
 * @example
 * ```ts
 * const verdict: NonceVerdict = nonces.check(claims.nonce);
 * ```
 */
export type NonceVerdict = 'current' | 'previous' | 'invalid';

/**
 * Issues and checks DPoP nonces for one app.
 *
 * @example
 * ```ts
 * const nonces = new DpopNonces(config.secrets, 300);
 * response.headers.set('DPoP-Nonce', nonces.current());
 * nonces.check(proofNonce); // 'current'
 * ```
 */
export class DpopNonces {
  readonly #secrets: readonly string[];
  readonly #lifetimeMs: number;
  readonly #now: () => number;
  #cached: { window: number; value: string } | undefined;

  /** @param secrets the app's secrets (the first issues, all are accepted: rotation). */
  constructor(secrets: readonly string[], lifetimeSeconds: number, now: () => number = Date.now) {
    this.#secrets = secrets;
    this.#lifetimeMs = lifetimeSeconds * 1000;
    this.#now = now;
  }

  /** The nonce to hand out now. */
  current(): string {
    const window = this.#window();
    if (this.#cached?.window !== window) this.#cached = { window, value: nonceFor(this.#secrets[0]!, window) };
    return this.#cached.value;
  }

  /** Whether `nonce` was issued in this window or the previous one, under any of the secrets. */
  check(nonce: string): NonceVerdict {
    const window = this.#window();
    const given = Buffer.from(nonce);
    for (const [verdict, w] of [['current', window], ['previous', window - 1]] as const) {
      for (const secret of this.#secrets) {
        const expected = Buffer.from(nonceFor(secret, w));
        if (expected.length === given.length && timingSafeEqual(expected, given)) return verdict;
      }
    }
    return 'invalid';
  }

  #window(): number {
    return Math.floor(this.#now() / this.#lifetimeMs);
  }
}

/** 128 bits of HMAC-SHA-256 over the window number, in a label of its own (no other MAC of the secret collides). */
function nonceFor(secret: string, window: number): string {
  return createHmac('sha256', secret).update(`oidc-kit dpop-nonce ${window}`).digest().subarray(0, 16).toString('base64url');
}
