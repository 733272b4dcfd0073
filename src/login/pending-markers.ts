import type { ResolvedConfig } from '../config/resolved-config.ts';
import { clearCookie, serializeCookie } from '../cookies/cookie-header.ts';
import type { CookieSink } from '../http.ts';

/** What a marker says of one pending login: when it started and how big its transaction cookie is. */
export interface PendingMark {
  /** Seconds since the epoch. */
  readonly issuedAt: number;
  /** Bytes the transaction cookie adds to the callback's Cookie header (`name=value; `). */
  readonly bytes: number;
}

const MARK_VALUE = /^(\d{1,12})\.(\d{1,6})$/;
/** The longest value {@link MARK_VALUE} accepts: what a marker can add to a Cookie header, at most. */
export const MAX_MARK_VALUE_LENGTH = 12 + 1 + 6;

/**
 * The small cookies that list a browser's pending logins where logins start and end. A transaction
 * cookie is scoped to the callback path, so the login route, a guarded page and the logout route
 * never see it: without these, none of them could count, drop or clear pending logins. One marker per
 * login, named after its `state` like the transaction (so two tabs never overwrite each other's),
 * holding only the issue time and the transaction's size in clear — nothing secret, about 80 bytes —
 * for the transaction's lifetime. A browser may forge them: it can only make its own logins fail.
 *
 * @example
 * ```ts
 * markers.mark('state…', { issuedAt: now, bytes: 480 }, sink);
 * markers.stateOf('oidc_session_pending.state…'); // 'state…'
 * markers.unmark('state…', sink);
 * ```
 */
export class PendingMarkers {
  readonly #config: ResolvedConfig['transaction'];

  constructor(config: ResolvedConfig['transaction']) {
    this.#config = config;
  }

  /** The state a cookie name marks, or `undefined` when it is not a marker's name. */
  stateOf(cookieName: string): string | undefined {
    return cookieName.startsWith(this.#config.markerPrefix) ? cookieName.slice(this.#config.markerPrefix.length) : undefined;
  }

  /** What the request's marker of `state` says: `undefined` without one; issued at 0 (the oldest) and of no size when its value is not ours. */
  read(cookies: ReadonlyMap<string, string>, state: string): PendingMark | undefined {
    const value = cookies.get(this.#config.markerPrefix + state);
    if (value === undefined) return undefined;
    const match = MARK_VALUE.exec(value);
    return match ? { issuedAt: Number(match[1]), bytes: Number(match[2]) } : { issuedAt: 0, bytes: 0 };
  }

  /** Sets the marker of a login started now. */
  mark(state: string, mark: PendingMark, sink: CookieSink): void {
    sink(serializeCookie(this.#config.markerPrefix + state, `${mark.issuedAt}.${mark.bytes}`, { ...this.#config.markerCookie, maxAge: this.#config.ttl }));
  }

  /** Deletes the marker of `state`, whether or not this request carried it. */
  unmark(state: string, sink: CookieSink): void {
    sink(clearCookie(this.#config.markerPrefix + state, this.#config.markerCookie));
  }
}
