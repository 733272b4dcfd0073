/**
 * The DPoP nonces servers gave (RFC 9449 §8, §9), by origin, shared by every session of one
 * provider: a server's nonce is not tied to a key, so the next session's proof carries it at once
 * instead of paying a `use_dpop_nonce` round trip of its own.
 */

/** At most this many origins are remembered (the provider's endpoints and the APIs the app calls); the least recently used goes. */
const MAX_ORIGINS = 100;
/** The longest nonce kept: real ones are tens of characters; a server sending more is not believed. */
const MAX_NONCE_LENGTH = 1024;
/** RFC 9449 §8.1: `nonce = 1*NQCHAR` (printable ASCII but `"` and `\`). */
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The latest nonce each server sent, bounded in origins and in length.
 *
 * @example
 * ```ts
 * const nonces = new DpopNonceBook();
 * nonces.note('https://op.example/token', response.headers);
 * nonces.get('https://op.example/token'); // the nonce to put in the next proof
 * ```
 */
export class DpopNonceBook {
  readonly #byOrigin = new Map<string, string>();

  /** The nonce to send to `url`'s origin, if its server gave one. */
  get(url: string | URL): string | undefined {
    const origin = new URL(url).origin;
    const nonce = this.#byOrigin.get(origin);
    if (nonce !== undefined) {
      // Least recently used last: the origin the app talks to stays.
      this.#byOrigin.delete(origin);
      this.#byOrigin.set(origin, nonce);
    }
    return nonce;
  }

  /** Keeps the `DPoP-Nonce` an answer from `url` carries, if any; says whether it carried a new one. */
  note(url: string | URL, headers: Headers): boolean {
    const nonce = headers.get('dpop-nonce');
    if (nonce === null || nonce.length > MAX_NONCE_LENGTH || !NONCE.test(nonce)) return false;
    const origin = new URL(url).origin;
    const previous = this.#byOrigin.get(origin);
    this.#byOrigin.delete(origin);
    if (this.#byOrigin.size >= MAX_ORIGINS) {
      const oldest = this.#byOrigin.keys().next().value;
      if (oldest !== undefined) this.#byOrigin.delete(oldest);
    }
    this.#byOrigin.set(origin, nonce);
    return nonce !== previous;
  }

  /** How many origins are remembered: for tests of the bound. */
  get size(): number {
    return this.#byOrigin.size;
  }
}
