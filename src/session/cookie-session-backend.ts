import { OidcError } from '../errors.ts';
import { clearChunkedCookie, maxChunkedValueLength, readChunkedCookie, writeChunkedCookie } from '../cookies/chunked-cookie.ts';
import type { CookieAttributes } from '../cookies/cookie-header.ts';
import type { CookieSealer } from '../cookies/cookie-sealer.ts';
import type { Logger } from '../config/options.ts';
import type { CookieSink } from '../http.ts';
import type { LoadedSession, SessionBackend } from './session-backend.ts';
import { isSessionEnvelope, type SessionEnvelope, type SessionLifetime, sessionExpiresAt } from './session-data.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { OpenedSealCache } from '../cookies/opened-seal-cache.ts';
import { EndedSessionMarker } from './ended-session-marker.ts';

/** Past this many bytes a cookie session risks the 16 KB request-header limit of Node's HTTP server. */
const LARGE_SESSION = 12 * 1024;

/** Cookie values kept opened in memory: a few MB at most (a session cookie is a few KB). */
const OPENED_SESSIONS = 1000;

/**
 * Sessions kept entirely in an encrypted cookie (chunked past ~4 KB). Stateless: any instance with
 * the secret reads them, nothing to store or share. A session ended here (logout) leaves a marker
 * cookie, so that a late answer of a request that was under way cannot bring it back
 * (ended-session-marker.ts).
 *
 * @example
 * ```ts
 * const backend = new CookieSessionBackend('oidc_session', attributes, new CookieSealer([secret], 'session'), console, lifetime, now);
 * ```
 */
export class CookieSessionBackend implements SessionBackend {
  readonly #name: string;
  readonly #attributes: CookieAttributes;
  readonly #sealer: CookieSealer;
  readonly #logger: Logger;
  /** Recently opened cookie values → their frozen session, each kept until the session ends. */
  readonly #opened = new OpenedSealCache<SessionEnvelope>(OPENED_SESSIONS);
  readonly #lifetime: SessionLifetime;
  readonly #now: () => number;
  readonly #marker: EndedSessionMarker;

  /**
   * @param lifetime the sessions' lifetime: an opened cookie is not kept in memory past its session's end.
   * @param now the session clock (seconds), the {@link SessionManager}'s.
   */
  constructor(name: string, attributes: CookieAttributes, sealer: CookieSealer, logger: Logger, lifetime: SessionLifetime, now: () => number) {
    this.#name = name;
    this.#attributes = attributes;
    this.#sealer = sealer;
    this.#logger = logger;
    this.#lifetime = lifetime;
    this.#now = now;
    this.#marker = new EndedSessionMarker(name, attributes, sealer, lifetime.absoluteDuration);
  }

  load(cookies: ReadonlyMap<string, string>): Promise<LoadedSession | undefined> {
    return Promise.resolve(this.loadNow(cookies));
  }

  loadNow(cookies: ReadonlyMap<string, string>): LoadedSession | undefined {
    const sealed = readChunkedCookie(cookies, this.#name);
    if (sealed === undefined) return undefined;
    // The same cookie value opens to the same session every time (it is authenticated, and sealed
    // anew on every change): a browser's repeated requests skip the decryption and the parsing.
    const now = this.#now() * 1000;
    const opened = this.#opened.get(sealed, this.#name, now);
    if (opened !== undefined) return this.#unlessEnded(opened, cookies, now);
    const envelope = this.#sealer.openJson(sealed, this.#name);
    if (!isSessionEnvelope(envelope)) return undefined;
    // Frozen: one object now serves many requests, so nothing may change it in place. An ended
    // session is not kept (the manager refuses it; its tokens need not stay in memory).
    deepFreeze(envelope);
    const end = sessionExpiresAt(envelope, this.#lifetime) * 1000;
    if (end > now) this.#opened.set(sealed, this.#name, envelope, end);
    return this.#unlessEnded(envelope, cookies, now);
  }

  /** The session, unless this browser's marker says it was ended here (a late answer brought its cookie back). */
  #unlessEnded(envelope: SessionEnvelope, cookies: ReadonlyMap<string, string>, now: number): LoadedSession | undefined {
    return this.#marker.covers(cookies, envelope, now) ? undefined : { envelope };
  }

  save(envelope: SessionEnvelope, maxAge: number, cookies: ReadonlyMap<string, string>, sink: CookieSink): Promise<LoadedSession> {
    const sealed = this.#sealer.seal(JSON.stringify(envelope), this.#name);
    if (sealed.length > LARGE_SESSION) {
      this.#logger.warn(`the session cookie is ${sealed.length} bytes: browsers send it on every request, and Node servers refuse request headers over 16 KB by default; keep sessions server-side with session.store`, { bytes: sealed.length });
    }
    const attributes = { ...this.#attributes, maxAge };
    if (sealed.length > maxChunkedValueLength(this.#name, attributes)) {
      // What the provider sent about the user (claims, UserInfo) is more than cookies can carry: a
      // clear refusal, rather than cookies that every later request would fail on (431).
      return Promise.reject(new OidcError('provider_error', 'The login produced a session too large to keep in cookies; this site must keep sessions on the server (session.store).', { reason: 'session_too_large' }));
    }
    for (const cookie of writeChunkedCookie(this.#name, sealed, attributes, cookies)) sink(cookie);
    return Promise.resolve({ envelope });
  }

  destroy(session: LoadedSession | undefined, cookies: ReadonlyMap<string, string>, sink: CookieSink): Promise<void> {
    // The ended session's tokens leave memory now, not when newer cookies push them out.
    const sealed = readChunkedCookie(cookies, this.#name);
    if (sealed !== undefined) this.#opened.delete(sealed);
    for (const cookie of clearChunkedCookie(this.#name, this.#attributes, cookies)) sink(cookie);
    // A live session ended here (a logout) stays ended in this browser, whatever answers come after
    // this one. An expired one gets no marker: its cookie is refused by its own expiry.
    const now = this.#now() * 1000;
    if (session !== undefined && sessionExpiresAt(session.envelope, this.#lifetime) * 1000 > now) {
      const marker = this.#marker.mark(session.envelope, cookies, now);
      if (marker !== undefined) sink(marker);
    }
    return Promise.resolve();
  }
}
