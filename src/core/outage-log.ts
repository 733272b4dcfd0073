/**
 * Rate limit for the log lines of outages: while the session store or the provider is down, every
 * request fails the same way, and one line per request would drown the log. Other failures (a bad
 * callback, a refused token) are about one request and are always logged.
 *
 * @example
 * ```ts
 * const outages = new OutageLog(30_000);
 * if (outages.shouldLog(error.code)) logger.warn(`request failed: ${error.code}`);
 * ```
 */
export class OutageLog {
  static readonly CODES: ReadonlySet<string> = new Set(['session_store_unavailable', 'provider_unavailable']);
  readonly #intervalMs: number;
  readonly #last = new Map<string, number>();

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** Whether a failure with this code is logged now (always, unless it is an outage logged within the interval). */
  shouldLog(code: string): boolean {
    if (!OutageLog.CODES.has(code)) return true;
    const now = Date.now();
    if (now - (this.#last.get(code) ?? -Infinity) < this.#intervalMs) return false;
    this.#last.set(code, now);
    return true;
  }
}
