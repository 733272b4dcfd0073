import type { Logger } from '../config/options.ts';
import type { OidcError } from '../errors.ts';

/** While a fault lasts, one reminder line per this many ms. */
const REMINDER_MS = 10 * 60_000;
/** The longest cause written in a line (characters): enough for an error chain with its explanation (a failed discovery names its URL and what to check), no more. */
const MAX_CAUSE_LENGTH = 600;

/** Options of a {@link FaultLog}; the defaults are for production, tests inject a clock. */
export interface FaultLogOptions {
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
  /** One reminder line per this many ms while a fault lasts. Default 10 minutes. */
  readonly reminderMs?: number;
}

/**
 * Whether an error is the fault of the provider or of the session store, rather than of the
 * request or of the configuration: those are logged once when they start and once when they end.
 * A provider refusing this app's client (or sending UserInfo unsigned against `userInfoSigningAlg`)
 * is a configuration problem, summarised as such.
 *
 * @example
 * ```ts
 * isFault(new OidcError('provider_unavailable', 'down')); // true
 * ```
 */
export function isFault(error: OidcError): boolean {
  return error.code === 'provider_unavailable' || error.code === 'session_store_unavailable' || (error.code === 'provider_error' && !CONFIGURATION_REASONS.has(error.reason ?? ''));
}

/** Reasons of `provider_error` that are a mismatch between this app's configuration and the provider's, not an outage. */
const CONFIGURATION_REASONS: ReadonlySet<string> = new Set(['client_refused', 'userinfo_unsigned']);

/**
 * Outages of what the core depends on (each provider, the session store), logged once per change
 * of state: "… is down: <cause>" when the first call fails, "… is back after N s, K requests failed
 * meanwhile" when one succeeds again, and a reminder every 10 minutes in between; not one line per
 * failed request. Each dependency reports to its own {@link FaultSubject}; the core's error answers
 * ask {@link FaultLog.requestFailed} whether a request's error is an outage already said.
 *
 * @example
 * ```ts
 * const faults = new FaultLog(logger);
 * const store = faults.subject('the session store');
 * store.failed(error);  // "the session store is down: …", once
 * store.answered();     // "the session store is back after 12 s, 40 requests failed meanwhile"
 * ```
 */
export class FaultLog {
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #reminderMs: number;
  /** Which subject reported an error: its requests are counted there, not logged again. */
  readonly #reported = new WeakMap<object, FaultSubject>();

  constructor(logger: Logger, options: FaultLogOptions = {}) {
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
    this.#reminderMs = options.reminderMs ?? REMINDER_MS;
  }

  /** The tracker of one dependency, named as the log lines name it (e.g. `provider "default"`). */
  subject(name: string): FaultSubject {
    return new FaultSubject(name, this.#logger, this.#now, this.#reminderMs, (error, subject) => this.#reported.set(error, subject));
  }

  /**
   * A request ended with `error`: true when that error is an outage a subject already logged (the
   * request is counted there), false when the caller still has to log it.
   */
  requestFailed(error: OidcError): boolean {
    // An error may be the reported one said again with more to it (a failed callback's retry link).
    const subject = this.#reported.get(error) ?? (error.cause instanceof Error ? this.#reported.get(error.cause) : undefined);
    if (subject === undefined) return false;
    subject.countRequest();
    return true;
  }
}

/** An outage in progress: since when, what caused it, and how many requests it failed. */
interface Outage {
  readonly since: number;
  readonly cause: string;
  lastLine: number;
  requests: number;
}

/**
 * One dependency's state as the log knows it. Its owner reports every call: {@link answered} on
 * success (a boolean check while nothing is down, so it costs nothing on the hot path) and
 * {@link failed} with the error of a failed call.
 *
 * @example
 * ```ts
 * try { value = await store.get(key); subject.answered(); } catch (e) { subject.failed(toStoreError(e)); throw e; }
 * ```
 */
export class FaultSubject {
  readonly name: string;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #reminderMs: number;
  readonly #reported: (error: OidcError, subject: FaultSubject) => void;
  #outage: Outage | undefined;

  /** @internal Made by {@link FaultLog.subject}. */
  constructor(name: string, logger: Logger, now: () => number, reminderMs: number, reported: (error: OidcError, subject: FaultSubject) => void) {
    this.name = name;
    this.#logger = logger;
    this.#now = now;
    this.#reminderMs = reminderMs;
    this.#reported = reported;
  }

  /** A call succeeded: ends the outage, if there is one, with its "back" line. */
  answered(): void {
    if (this.#outage === undefined) return;
    const outage = this.#outage;
    this.#outage = undefined;
    const seconds = Math.round((this.#now() - outage.since) / 1000);
    this.#logger.warn(`${this.name} is back after ${seconds} s, ${outage.requests} request(s) failed meanwhile`, {
      subject: this.name,
      downSeconds: seconds,
      failedRequests: outage.requests,
    });
  }

  /**
   * A call failed with `error`: an outage (see {@link isFault}) starts with its "down" line, or goes
   * on (a reminder every 10 minutes). Other errors (a refused token, a bad answer to one request)
   * are not the dependency's state and are left to the caller.
   */
  failed(error: OidcError): void {
    if (!isFault(error)) return;
    this.#reported(error, this);
    const now = this.#now();
    const details = { subject: this.name, code: error.code, reason: error.reason };
    if (this.#outage === undefined) {
      const cause = describeCause(error);
      this.#outage = { since: now, cause, lastLine: now, requests: 0 };
      this.#logger.warn(`${this.name} is down: ${cause}`, details);
      return;
    }
    const outage = this.#outage;
    if (now - outage.lastLine < this.#reminderMs) return;
    outage.lastLine = now;
    const seconds = Math.round((now - outage.since) / 1000);
    this.#logger.warn(`${this.name} is still down after ${seconds} s, ${outage.requests} request(s) failed so far: ${describeCause(error)}`, details);
  }

  /** @internal A request ended with an error this subject reported. */
  countRequest(): void {
    if (this.#outage !== undefined) this.#outage.requests += 1;
  }
}

/**
 * What caused an outage, for the operator: the code and reason, our message, and the messages of
 * the error's causes (e.g. `connect ECONNREFUSED 127.0.0.1:6379`). Causes are network and library
 * errors, which name addresses and conditions, never a token; the line is bounded anyway.
 */
function describeCause(error: OidcError): string {
  const causes: string[] = [];
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 3 && cause instanceof Error; depth++) {
    const message = cause.message;
    // Wrappers often repeat their cause's words: each is said once.
    if (message !== '' && message !== error.message && !causes.some((said) => said.includes(message))) causes.push(message);
    cause = cause.cause;
  }
  const own = `${error.code}${error.reason === undefined ? '' : `:${error.reason}`}: ${error.message}`;
  const text = (causes.length === 0 ? own : `${own} (${causes.join(': ')})`).replace(/\s+/g, ' ');
  return text.length > MAX_CAUSE_LENGTH ? `${text.slice(0, MAX_CAUSE_LENGTH)}…` : text;
}
