import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

/**
 * Authenticated encryption for cookie values: AES-256-GCM with a random 96-bit IV, keys derived once
 * (HKDF-SHA256) from the application's secrets, the cookie's name as associated data (so a value
 * cannot be moved to another cookie), and every secret tried on open so that secrets can be rotated
 * without logging anyone out. Sealing always uses the first secret.
 *
 * Wire format: base64url( version(1) | iv(12) | ciphertext | tag(16) ).
 */

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The smallest valid sealed value: version, IV and tag around an empty plaintext. */
const MIN_SEALED_BYTES = 1 + IV_BYTES + TAG_BYTES;

/**
 * Seals and opens cookie values with keys derived from one or more secrets.
 *
 * @example
 * ```ts
 * const sealer = new CookieSealer(['a-long-random-secret-of-32-characters-or-more'], 'session');
 * const sealed = sealer.seal('{"sub":"alice"}', 'oidc_session');
 * sealer.open(sealed, 'oidc_session'); // '{"sub":"alice"}'
 * sealer.open(sealed, 'other_cookie'); // undefined: bound to its name
 * ```
 */
export class CookieSealer {
  /** KeyObjects, made once: with a raw Buffer, Node rebuilds a key object on every cipher (about 3× the cost of an open). */
  readonly #keys: KeyObject[];

  /**
   * @param secrets the current secret first, then older ones still accepted
   * @param purpose separates keys for different uses of the same secret (session, transaction, …)
   */
  constructor(secrets: readonly string[], purpose: string) {
    this.#keys = secrets.map((secret) =>
      createSecretKey(Buffer.from(hkdfSync('sha256', secret, 'oidc-kit', `oidc-kit ${purpose} v1`, 32))),
    );
  }

  /** Encrypts `plaintext`, binding it to `associatedData` (the cookie name). */
  seal(plaintext: string, associatedData: string): string {
    const key = this.#keys[0];
    if (!key) throw new Error('CookieSealer has no key');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
  }

  /**
   * Decrypts a sealed value, or returns `undefined` when it is malformed, tampered, bound to another
   * name, or sealed with a secret no longer configured. Never throws on bad input.
   */
  open(sealed: string, associatedData: string): string | undefined {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < MIN_SEALED_BYTES || bytes[0] !== VERSION) return undefined;
    // Node's decoder skips characters outside the alphabet and ignores a last character's spare
    // bits, so many strings decode to the same bytes. Only the canonical encoding is accepted: one
    // sealed value, one string (found by fuzzing).
    if (bytes.toString('base64url') !== sealed) return undefined;
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    const ciphertext = bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES);
    const aad = Buffer.from(associatedData);
    for (const key of this.#keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // Wrong key or tampered: try the next secret.
      }
    }
    return undefined;
  }

  /**
   * Opens a sealed JSON value (as {@link seal}ed from `JSON.stringify`): the parsed value, or
   * `undefined` when `sealed` is not a string, does not open, or is not JSON. Never throws.
   */
  openJson(sealed: unknown, associatedData: string): unknown {
    const json = typeof sealed === 'string' ? this.open(sealed, associatedData) : undefined;
    if (json === undefined) return undefined;
    try {
      return JSON.parse(json) as unknown;
    } catch {
      return undefined;
    }
  }
}
