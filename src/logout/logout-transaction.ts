import { clearCookie, type CookieAttributes, serializeCookie } from '../cookies/cookie-header.ts';
import type { CookieSealer } from '../cookies/cookie-sealer.ts';
import type { CookieSink } from '../http.ts';

/** What an RP-initiated logout remembers until the provider sends the browser back. */
export interface LogoutTransaction {
  /** The `state` sent to the end-session endpoint. */
  state: string;
  /** Absolute URL on the app to land on once the provider is done. */
  returnTo: string;
  /** Seconds since the epoch. */
  createdAt: number;
}

/**
 * The one pending RP-initiated logout of a browser, in an encrypted cookie scoped to the
 * post-logout route. Its `state` binds the provider's redirect back to this browser (RP-Initiated
 * Logout §2): only a matching state restores the `returnTo`; the cookie is deleted when read.
 *
 * @example
 * ```ts
 * pending.save({ state, returnTo, createdAt: now }, sink);
 * const tx = pending.take(cookies, sink, now); // then compare tx.state with the query's state
 * ```
 */
export class LogoutTransactionCookie {
  readonly #name: string;
  readonly #attributes: CookieAttributes;
  readonly #sealer: CookieSealer;
  readonly #ttl: number;

  constructor(name: string, attributes: CookieAttributes, sealer: CookieSealer, ttl: number) {
    this.#name = name;
    this.#attributes = attributes;
    this.#sealer = sealer;
    this.#ttl = ttl;
  }

  save(transaction: LogoutTransaction, sink: CookieSink): void {
    sink(serializeCookie(this.#name, this.#sealer.seal(JSON.stringify(transaction), this.#name), { ...this.#attributes, maxAge: this.#ttl }));
  }

  /** The pending logout, deleted from the browser in the same response; `undefined` if none, tampered or expired. */
  take(cookies: ReadonlyMap<string, string>, sink: CookieSink, now: number): LogoutTransaction | undefined {
    const sealed = cookies.get(this.#name);
    if (sealed === undefined) return undefined;
    sink(clearCookie(this.#name, this.#attributes));
    const json = this.#sealer.open(sealed, this.#name);
    if (json === undefined) return undefined;
    try {
      const value = JSON.parse(json) as Partial<LogoutTransaction>;
      if (typeof value.state !== 'string' || typeof value.returnTo !== 'string' || typeof value.createdAt !== 'number') return undefined;
      if (now - value.createdAt > this.#ttl) return undefined;
      return value as LogoutTransaction;
    } catch {
      return undefined;
    }
  }
}
