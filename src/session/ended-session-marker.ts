/**
 * The browser's own note that a cookie session ended here: a request still under way when the user
 * logs out (a refresh at a slow provider, a slow page that touches the session) answers after the
 * logout, and its `Set-Cookie` puts the session cookie back in the browser. A session in a cookie
 * cannot be deleted on the server, so the logout leaves a second cookie, `<session cookie>_ended`,
 * that says "every session of this browser that logged in at or before T has ended"; a session
 * cookie it covers is refused when read, whenever it arrived.
 *
 * Why a cookie, and not a list of logged-out sessions kept by the server: the race is one browser's
 * (its own requests crossing), which is exactly a cookie's scope. It needs no server memory (nothing
 * to bound, nothing a flood of logouts can fill), holds on every instance that has the secret and
 * across restarts. It survives the late answer, which writes only the session cookie. What it does
 * not cover: a copy of the session cookie used elsewhere (a cookie session cannot be revoked; use a
 * store), and a browser that drops the marker (cookie limits, a user clearing some cookies).
 */
import { type CookieAttributes, serializeCookie } from '../cookies/cookie-header.ts';
import type { CookieSealer } from '../cookies/cookie-sealer.ts';
import { OpenedSealCache } from '../cookies/opened-seal-cache.ts';
import type { SessionEnvelope } from './session-data.ts';

/** Markers kept opened in memory (a browser sends its marker with every request until it expires). */
const OPENED_MARKERS = 1000;

/**
 * How far in the future (ms) a session's login may lie and still be marked: the session clock counts
 * whole seconds, and instances' clocks differ a little. The manager's own tolerance for sessions.
 */
const FUTURE_TOLERANCE_MS = 60_000;

/** What a marker says: sessions that logged in at or before `upTo` (ms) have ended; it lasts until `until` (ms). */
interface Marker {
  readonly upTo: number;
  readonly until: number;
}

/**
 * Reads and writes the ended-session marker of cookie sessions: sealed with the sessions' key and
 * bound to its own name (it cannot be forged, nor swapped with the session cookie), with the session
 * cookie's attributes, living until the last session it covers would have reached its absolute end.
 *
 * @example
 * ```ts
 * const marker = new EndedSessionMarker('oidc_session', attributes, sealer, 7 * 86400);
 * const cookie = marker.mark(session.envelope, cookies, Date.now()); // at logout, beside the cleared session cookie
 * marker.covers(cookies, envelope, Date.now()); // true for that session's cookie, whenever it comes back
 * ```
 */
export class EndedSessionMarker {
  readonly #name: string;
  readonly #attributes: CookieAttributes;
  readonly #sealer: CookieSealer;
  readonly #absoluteDuration: number;
  readonly #opened = new OpenedSealCache<Marker>(OPENED_MARKERS);

  /**
   * @param sessionCookieName the session cookie's name; the marker is `<name>_ended`.
   * @param absoluteDuration sessions' absolute lifetime (seconds): no session outlives it, nor does its marker.
   */
  constructor(sessionCookieName: string, attributes: CookieAttributes, sealer: CookieSealer, absoluteDuration: number) {
    this.#name = `${sessionCookieName}_ended`;
    this.#attributes = attributes;
    this.#sealer = sealer;
    this.#absoluteDuration = absoluteDuration;
  }

  /** Whether the request's marker says that this session has ended. */
  covers(cookies: ReadonlyMap<string, string>, envelope: SessionEnvelope, nowMs: number): boolean {
    const marker = this.#read(cookies, nowMs);
    return marker !== undefined && loggedInAt(envelope) <= marker.upTo;
  }

  /**
   * The `Set-Cookie` that marks this session ended in the browser, still covering what the request's
   * marker covered (an earlier logout's late answers); `undefined` when no copy of the session could
   * be valid anyway: past its absolute end, or logged in more than a minute "in the future" (the
   * manager refuses it as it is, and a marker from the future would refuse the next logins too).
   */
  mark(envelope: SessionEnvelope, cookies: ReadonlyMap<string, string>, nowMs: number): string | undefined {
    const at = loggedInAt(envelope);
    const end = (envelope.createdAt + this.#absoluteDuration) * 1000;
    if (end <= nowMs || at > nowMs + FUTURE_TOLERANCE_MS) return undefined;
    const before = this.#read(cookies, nowMs);
    const marker: Marker = { upTo: Math.max(at, before?.upTo ?? 0), until: Math.max(end, before?.until ?? 0) };
    return serializeCookie(this.#name, this.#sealer.seal(JSON.stringify(marker), this.#name), {
      ...this.#attributes,
      maxAge: Math.ceil((marker.until - nowMs) / 1000),
    });
  }

  /** The request's marker, if it carries a valid one (anything else is as good as none). */
  #read(cookies: ReadonlyMap<string, string>, nowMs: number): Marker | undefined {
    const sealed = cookies.get(this.#name);
    if (sealed === undefined) return undefined;
    const known = this.#opened.get(sealed, this.#name, nowMs);
    if (known !== undefined) return known;
    const value = this.#sealer.openJson(sealed, this.#name);
    if (typeof value !== 'object' || value === null) return undefined;
    const { upTo, until } = value as Record<string, unknown>;
    if (typeof upTo !== 'number' || typeof until !== 'number' || !Number.isFinite(upTo) || !Number.isFinite(until) || until <= nowMs) return undefined;
    const marker: Marker = { upTo, until };
    this.#opened.set(sealed, this.#name, marker, until);
    return marker;
  }
}

/** When the user logged in (ms), as back-channel logout records compare it too. */
function loggedInAt(envelope: SessionEnvelope): number {
  return envelope.createdAtMs ?? envelope.createdAt * 1000;
}
