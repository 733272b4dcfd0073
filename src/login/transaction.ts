import type { ResolvedConfig } from '../config/resolved-config.ts';
import type { DpopKey } from '../dpop-client/dpop-key.ts';
import { clearCookie, serializeCookie } from '../cookies/cookie-header.ts';
import type { CookieSealer } from '../cookies/cookie-sealer.ts';
import type { CookieSink } from '../http.ts';
import { MAX_MARK_VALUE_LENGTH, PendingMarkers } from './pending-markers.ts';

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
  /** With several public URLs, the origin the login started on (absent: the first's); its callback must come back there. */
  origin?: string;
  /** With `dpop`, the session's key pair, made at the login's start: the code is bound to it. */
  dpopKey?: DpopKey;
}

/** How many pending logins one request looks at (and may delete): beyond what a browser holds in normal use (issue 25). */
const MAX_CONSIDERED = 20;
/**
 * The most bytes pending logins (transaction cookies and markers) may add to the callback's Cookie
 * header, whatever their size (a `returnTo` up to 2 KB, app state up to 1 KB): half of Node's
 * default 16 KiB limit on a request's headers, leaving the other half for the session cookie, the
 * application's cookies and the rest. Past it, the oldest are dropped even below
 * `maxPendingLogins`; the newest is always kept.
 */
const MAX_PENDING_BYTES = 8 * 1024;
const STATE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/** One pending login a request shows: its state, when it started, and what it adds to the callback's Cookie header. */
interface Pending {
  readonly state: string;
  readonly issuedAt: number;
  readonly bytes: number;
}

/**
 * Pending logins kept in the browser, each in its own encrypted cookie named after its `state`
 * (so parallel tabs each complete), scoped to the callback path, expiring after `transactionTtl`,
 * and deleted by the callback whatever its outcome (so a callback cannot be replayed). Each has a
 * small marker where logins start and end ({@link PendingMarkers}): a new login drops the oldest
 * beyond `maxPendingLogins` (or beyond {@link MAX_PENDING_BYTES}), and logout clears them all, so
 * abandoned logins can never pile up into a callback request that Node refuses (431).
 *
 * @example
 * ```ts
 * transactions.save(tx, requestCookies, sink);
 * const found = transactions.take(state, requestCookies, sink); // read and delete
 * transactions.clearAll(requestCookies, sink);                  // at logout
 * ```
 */
export class TransactionCookies {
  readonly #config: ResolvedConfig['transaction'];
  readonly #sealer: CookieSealer;
  readonly #markers: PendingMarkers;

  constructor(config: ResolvedConfig['transaction'], sealer: CookieSealer) {
    this.#config = config;
    this.#sealer = sealer;
    this.#markers = new PendingMarkers(config);
  }

  save(transaction: LoginTransaction, cookies: ReadonlyMap<string, string>, sink: CookieSink): void {
    const name = this.#config.cookiePrefix + transaction.state;
    const sealed = this.#sealer.seal(JSON.stringify(transaction), name);
    const bytes = name.length + 1 + sealed.length + 2;
    this.#dropOldest(cookies, sink, bytes + this.#markerBytes(transaction.state));
    // A form_post response is a cross-site POST, which carries no Lax cookie: SameSite=None, which
    // browsers accept only with Secure (https). Without https (loopback development) it stays Lax,
    // which works when the provider is on the same site (localhost) — see the responseMode docs.
    const sameSite = transaction.responseMode === 'form_post' && this.#config.cookie.secure ? 'None' : this.#config.cookie.sameSite;
    sink(serializeCookie(name, sealed, { ...this.#config.cookie, sameSite, maxAge: this.#config.ttl }));
    this.#markers.mark(transaction.state, { issuedAt: transaction.createdAt, bytes }, sink);
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
    this.#clear(state, sink);
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

  /**
   * Clears every pending login the request shows (at logout): at most {@link MAX_CONSIDERED}, so a
   * request carrying hundreds of such cookies gets a bounded answer.
   */
  clearAll(cookies: ReadonlyMap<string, string>, sink: CookieSink): void {
    for (const { state } of this.#pending(cookies)) this.#clear(state, sink);
  }

  /**
   * Makes room for a login of `incoming` bytes: keeps the newest pending logins while they stay
   * under `maxPendingLogins` and {@link MAX_PENDING_BYTES} with it, and drops the rest.
   */
  #dropOldest(cookies: ReadonlyMap<string, string>, sink: CookieSink, incoming: number): void {
    let count = 1;
    let bytes = incoming;
    let full = false;
    for (const pending of this.#pending(cookies)) {
      if (!full && count < this.#config.maxPending && bytes + pending.bytes <= MAX_PENDING_BYTES) {
        count++;
        bytes += pending.bytes;
        continue;
      }
      // Everything older than the first that does not fit goes too: the oldest are the ones dropped.
      full = true;
      this.#clear(pending.state, sink);
    }
  }

  /**
   * The pending logins a request shows, newest first: its markers (where logins start and end) and
   * any transaction cookie it carries (at the callback, or sent by hand), by state. At most
   * {@link MAX_CONSIDERED}, and only names a login of ours could have written (prefix and a state's
   * shape), so a request carrying hundreds costs a bounded amount of work.
   */
  #pending(cookies: ReadonlyMap<string, string>): Pending[] {
    const states: string[] = [];
    for (const name of cookies.keys()) {
      if (states.length === MAX_CONSIDERED) break;
      const state = name.startsWith(this.#config.cookiePrefix) ? name.slice(this.#config.cookiePrefix.length) : this.#markers.stateOf(name);
      if (state !== undefined && STATE_PATTERN.test(state) && !states.includes(state)) states.push(state);
    }
    const pending = states.map((state, index) => {
      const name = this.#config.cookiePrefix + state;
      const sealed = cookies.get(name);
      const mark = this.#markers.read(cookies, state);
      // Without a marker (a transaction written before markers existed), its own time; 0 if unreadable.
      const issuedAt = mark?.issuedAt ?? (sealed === undefined ? 0 : this.#open(name, sealed)?.createdAt ?? 0);
      const bytes = (sealed === undefined ? mark?.bytes ?? 0 : name.length + 1 + sealed.length + 2) + this.#markerBytes(state);
      return { state, issuedAt, bytes, index };
    });
    // Newest first; on the same second, the later in the header (browsers list older cookies first).
    return pending.sort((a, b) => b.issuedAt - a.issuedAt || b.index - a.index);
  }

  /** The most a marker adds to a Cookie header (its value at its longest), which the callback receives too when under the markers' path. */
  #markerBytes(state: string): number {
    return this.#config.markerPrefix.length + state.length + 1 + MAX_MARK_VALUE_LENGTH + 2;
  }

  /** Deletes a pending login: its transaction cookie and its marker. */
  #clear(state: string, sink: CookieSink): void {
    sink(clearCookie(this.#config.cookiePrefix + state, this.#config.cookie));
    this.#markers.unmark(state, sink);
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
          (value.maxAge !== undefined && typeof value.maxAge !== 'number') ||
          (value.origin !== undefined && typeof value.origin !== 'string')) {
        return undefined;
      }
      return value as LoginTransaction;
    } catch {
      return undefined;
    }
  }
}
