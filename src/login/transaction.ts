import type { ResolvedConfig } from '../config/resolved-config.ts';
import { clearCookie, serializeCookie } from '../cookies/cookie-header.ts';
import type { CookieSealer } from '../cookies/cookie-sealer.ts';
import type { CookieSink } from '../http.ts';

/** What a started login must remember until its callback: one per attempt, keyed by `state`. */
export interface LoginTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Absolute URL on the app to return to. */
  returnTo: string;
  /** The provider the login started with; the callback is only ever exchanged there. */
  provider: string;
  /** Seconds since the epoch. */
  createdAt: number;
  /** The application's own state (`login({ state })`), JSON, returned to its callback handler. */
  appState?: unknown;
  /** A `prompt=none` re-authentication: `login_required` and its kin end the session quietly. */
  silent?: boolean;
  /** Set when the response was asked for as a form POST; the callback refuses it in a query. */
  responseMode?: 'form_post';
  /** The `max_age` sent, in seconds: the ID token must then carry a recent enough `auth_time` (OIDC Core §3.1.3.7 step 13). */
  maxAge?: number;
}

/** At most this many logins may be pending in one browser; older ones are dropped. */
const MAX_PENDING = 5;
/** How many pending-login cookies one login looks at (and may delete): beyond what a browser holds in normal use. */
const MAX_CONSIDERED = 4 * MAX_PENDING;
const STATE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Pending logins kept in the browser, each in its own encrypted cookie named after its `state`
 * (so parallel tabs each complete), scoped to the callback path, expiring after `transactionTtl`,
 * and deleted by the callback whatever its outcome (so a callback cannot be replayed).
 *
 * @example
 * ```ts
 * transactions.save(tx, requestCookies, sink);
 * const found = transactions.take(state, requestCookies, sink); // read and delete
 * ```
 */
export class TransactionCookies {
  readonly #config: ResolvedConfig['transaction'];
  readonly #sealer: CookieSealer;

  constructor(config: ResolvedConfig['transaction'], sealer: CookieSealer) {
    this.#config = config;
    this.#sealer = sealer;
  }

  save(transaction: LoginTransaction, cookies: ReadonlyMap<string, string>, sink: CookieSink): void {
    const name = this.#config.cookiePrefix + transaction.state;
    const prefix = this.#config.cookiePrefix;
    // Only names a login of ours could have written (prefix and a state's shape).
    const pending = [...cookies.keys()].filter((n) => n.startsWith(prefix) && STATE_PATTERN.test(n.slice(prefix.length)));
    if (pending.length >= MAX_PENDING) {
      // At most MAX_CONSIDERED are opened and deleted per answer: a request carrying hundreds of
      // such cookies costs a bounded amount of work and gets a bounded answer.
      const considered = pending.slice(0, MAX_CONSIDERED);
      const oldestFirst = considered
        .map((n) => ({ n, createdAt: this.#open(n, cookies.get(n) ?? '')?.createdAt ?? 0 }))
        .sort((a, b) => a.createdAt - b.createdAt);
      for (const { n } of oldestFirst.slice(0, pending.length - MAX_PENDING + 1)) sink(clearCookie(n, this.#config.cookie));
    }
    const sealed = this.#sealer.seal(JSON.stringify(transaction), name);
    // A form_post response is a cross-site POST, which carries no Lax cookie: SameSite=None, which
    // browsers accept only with Secure (https). Without https (loopback development) it stays Lax,
    // which works when the provider is on the same site (localhost) — see the responseMode docs.
    const sameSite = transaction.responseMode === 'form_post' && this.#config.cookie.secure ? 'None' : this.#config.cookie.sameSite;
    sink(serializeCookie(name, sealed, { ...this.#config.cookie, sameSite, maxAge: this.#config.ttl }));
  }

  /**
   * The pending login for `state`, deleted from the browser in the same response. `undefined` when
   * there is none, it was tampered with, or it expired.
   */
  take(state: string, cookies: ReadonlyMap<string, string>, sink: CookieSink, now: number): LoginTransaction | undefined {
    if (!STATE_PATTERN.test(state)) return undefined;
    const name = this.#config.cookiePrefix + state;
    const sealed = cookies.get(name);
    if (sealed === undefined) return undefined;
    sink(clearCookie(name, this.#config.cookie));
    const transaction = this.#open(name, sealed);
    if (transaction === undefined || transaction.state !== state) return undefined;
    if (now - transaction.createdAt > this.#config.ttl) return undefined;
    return transaction;
  }

  /** Whether the browser has any pending login (to tell "wrong state" from "no login started"). */
  hasAny(cookies: ReadonlyMap<string, string>): boolean {
    for (const name of cookies.keys()) if (name.startsWith(this.#config.cookiePrefix)) return true;
    return false;
  }

  #open(name: string, sealed: string): LoginTransaction | undefined {
    const json = this.#sealer.open(sealed, name);
    if (json === undefined) return undefined;
    try {
      const value = JSON.parse(json) as Partial<LoginTransaction>;
      if (typeof value.state !== 'string' || typeof value.nonce !== 'string' || typeof value.codeVerifier !== 'string' ||
          typeof value.returnTo !== 'string' || typeof value.provider !== 'string' || typeof value.createdAt !== 'number' ||
          (value.silent !== undefined && typeof value.silent !== 'boolean') ||
          (value.responseMode !== undefined && value.responseMode !== 'form_post') ||
          (value.maxAge !== undefined && typeof value.maxAge !== 'number')) {
        return undefined;
      }
      return value as LoginTransaction;
    } catch {
      return undefined;
    }
  }
}
