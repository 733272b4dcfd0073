import type { Logger } from '../config/options.ts';

/** How long a kind of line stays quiet after it was logged at `warn` (ms). */
const WINDOW_MS = 60_000;
/** How many kinds get a count of their own; the rest share one. */
const MAX_KINDS = 64;

/** The count of one kind: since when (the time of its last `warn` line) and how many were held back since. */
interface KindCount {
  since: number;
  more: number;
}

/** Options of a {@link SummaryLog}; the defaults are for production, tests inject a clock. */
export interface SummaryLogOptions {
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
  /** At most one `warn` line per kind per this many ms. Default 60 000. */
  readonly windowMs?: number;
  /** Kinds counted apart; beyond them, every new kind is counted as "other". Default 64. */
  readonly maxKinds?: number;
}

/**
 * Log lines that any outsider can cause (a forged callback, a bad bearer or logout token), which
 * must not let them flood the log: each goes to `debug` in full when the logger has one, while
 * `warn` gets the first of each kind at once and then at most one summary per kind per minute,
 * with the count of what was held back. The summary is written by the next line of its kind once
 * the minute is over, not by a timer, so nothing keeps the process alive; a burst that is never
 * followed is counted but not summarised (the `debug` stream has it). Kinds are labels of ours;
 * their number is bounded anyway, so memory does not grow with what outsiders send.
 *
 * @example
 * ```ts
 * const log = new SummaryLog(logger);
 * log.note('login failed: state_mismatch', 'login failed: state_mismatch', { code: 'state_mismatch' });
 * ```
 */
export class SummaryLog {
  static readonly OTHER = 'other';
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #maxKinds: number;
  readonly #kinds = new Map<string, KindCount>();
  /** The shared count of every kind past `maxKinds`. */
  #other: KindCount | undefined;

  constructor(logger: Logger, options: SummaryLogOptions = {}) {
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
    this.#windowMs = options.windowMs ?? WINDOW_MS;
    this.#maxKinds = options.maxKinds ?? MAX_KINDS;
  }

  /**
   * One line of kind `kind` (a short label of ours, e.g. `login failed: state_mismatch`): to
   * `debug` always, to `warn` if it is the first of its kind in a window, or as the summary of the
   * window that just ended.
   */
  note(kind: string, message: string, details?: Record<string, unknown>): void {
    this.#logger.debug?.(message, details);
    const now = this.#now();
    let count = this.#kinds.get(kind);
    let other = false;
    if (count === undefined) {
      if (this.#kinds.size < this.#maxKinds) {
        this.#kinds.set(kind, { since: now, more: 0 });
        this.#logger.warn(message, details);
        return;
      }
      other = true;
      count = this.#other;
      if (count === undefined) {
        this.#other = { since: now, more: 0 };
        this.#logger.warn(message, details);
        return;
      }
    }
    if (now - count.since < this.#windowMs) {
      count.more += 1;
      return;
    }
    // The window is over: this line is logged, as itself after a quiet window, else as the summary.
    const more = count.more;
    const since = count.since;
    count.since = now;
    count.more = 0;
    if (more === 0) {
      this.#logger.warn(message, details);
      return;
    }
    // `more + 1`: the held-back lines and this one.
    const summary = `${message} (${more + 1} more ${other ? 'of other kinds' : 'like it'} since ${new Date(since).toISOString()})`;
    this.#logger.warn(summary, { ...details, count: more + 1, since: new Date(since).toISOString() });
  }
}
