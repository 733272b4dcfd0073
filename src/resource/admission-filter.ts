/** The most slots a filter takes (4 MB): a window of a million sightings is plenty. */
const MAX_SLOTS = 2 ** 20;

/**
 * Which verified JWTs go into the cache: those verified before, recently. A token is admitted on
 * its second verification, if no more than about `window` other new tokens were verified in
 * between. The verifier gives the cache's size as the window, so that the filter remembers about
 * as many tokens as the cache holds; a token reused later than that is verified once more, as it
 * would be once it had left the cache.
 *
 * Why not cache every token: tokens used once (a client that mints one per call, a flood of fresh
 * tokens, a cycle through more tokens than the cache holds) would each take an entry that is never
 * read, push out tokens that are read, and cost the garbage collector (an entry outlives V8's
 * young-generation collections, and V8 grows its young generation for such survivors). This is
 * the "doorkeeper" of TinyLFU-style caches.
 *
 * A direct-mapped table of 32-bit fingerprints in an `Int32Array`: fixed memory (4 bytes a slot,
 * at most 4 MB), nothing for the garbage collector to trace, no allocation per token. A collision
 * only moves the moment a token is cached: a forgotten sighting costs one more verification, a
 * fingerprint that matches by chance caches a token one verification early. The filter never
 * decides whether a token is valid; every token it sees was verified in full.
 *
 * @example
 * ```ts
 * const admission = new AdmissionFilter(10_000);
 * admission.admit(key); // false: first sighting, remembered
 * admission.admit(key); // true: seen before, cache it
 * ```
 */
export class AdmissionFilter {
  readonly #slots: Int32Array;
  readonly #mask: number;

  /** `window`: about how many other keys a sighting is remembered across (rounded up to a power of two, 64 to 2^20). */
  constructor(window: number) {
    const size = Math.min(MAX_SLOTS, 2 ** Math.ceil(Math.log2(Math.max(64, window))));
    this.#slots = new Int32Array(size);
    this.#mask = size - 1;
  }

  /** Records a sighting of `key` (a token's hash); `true` when it was seen recently, and should be cached. */
  admit(key: string): boolean {
    // FNV-1a: the keys are SHA-256 digests already, so this only has to fold them to 32 bits.
    let fingerprint = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) fingerprint = Math.imul(fingerprint ^ key.charCodeAt(i), 0x01000193);
    const slot = fingerprint & this.#mask;
    if (this.#slots[slot] === fingerprint) return true;
    this.#slots[slot] = fingerprint;
    return false;
  }
}
