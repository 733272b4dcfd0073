import { ExpiringCache } from '../util/expiring-cache.ts';

/**
 * How many trailing characters of a sealed value key the cache. The tail is the AES-GCM tag (16
 * random-looking bytes), so distinct values have distinct tails; a hit is still confirmed against
 * the whole value. Keying by the whole value would make V8 hash the full 3–4 KB string on every
 * request.
 */
const FINGERPRINT_LENGTH = 24;

/** One opened value: the whole sealed string and what it was bound to (to confirm a hit), and what it opened to. */
interface Opened<T> {
  readonly sealed: string;
  readonly associatedData: string;
  readonly value: T;
}

/**
 * Values a {@link CookieSealer} already opened, and what they opened to (bounded, oldest out
 * first). A sealed value is authenticated and sealed anew on every change, so the same string
 * opens to the same thing every time: a browser's repeated cookie skips base64, AES-GCM and
 * parsing. A hit must match the whole sealed string and the associated data it was opened with, so
 * a value moved under another name is opened (and refused) as if never seen.
 *
 * Keep only values that cannot change (frozen objects, strings): one of them serves many requests.
 * Each value is kept until it expires (the session it belongs to ends), so what a cookie opened to
 * does not outlive the session in memory.
 *
 * @example
 * ```ts
 * const opened = new OpenedSealCache<SessionEnvelope>(1000);
 * let envelope = opened.get(sealed, 'oidc_session', Date.now());
 * if (envelope === undefined) {
 *   envelope = deepFreeze(parse(sealer.openJson(sealed, 'oidc_session')));
 *   opened.set(sealed, 'oidc_session', envelope, sessionEndMs);
 * }
 * ```
 */
export class OpenedSealCache<T> {
  readonly #entries: ExpiringCache<Opened<T>>;

  /** @param maxEntries how many opened values to keep; the oldest go first past that. */
  constructor(maxEntries: number) {
    this.#entries = new ExpiringCache(maxEntries);
  }

  /** What `sealed` opened to with `associatedData`, if it was opened before and is still kept at `now` (ms). */
  get(sealed: string, associatedData: string, now: number): T | undefined {
    const opened = this.#entries.get(sealed.slice(-FINGERPRINT_LENGTH), now);
    return opened !== undefined && opened.sealed === sealed && opened.associatedData === associatedData ? opened.value : undefined;
  }

  /** Remembers what `sealed` opened to, until `expiresAt` (ms); call it only with a value that did open. */
  set(sealed: string, associatedData: string, value: T, expiresAt: number): void {
    this.#entries.set(sealed.slice(-FINGERPRINT_LENGTH), { sealed, associatedData, value }, expiresAt);
  }

  /** Forgets what `sealed` opened to (its session ended): it is no longer kept in memory. */
  delete(sealed: string): void {
    this.#entries.delete(sealed.slice(-FINGERPRINT_LENGTH));
  }
}
