import type { Logger } from '../config/options.ts';
import type { OidcError } from '../errors.ts';
import { FaultLog } from './fault-log.ts';
import { SummaryLog } from './summary-log.ts';

/** Options of a {@link FailureLog}: a clock for tests. */
export interface FailureLogOptions {
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * How the core logs a request that failed, so that no one can flood the log: an outage a provider
 * or the store already reported ({@link FaultLog}) is counted there, not logged again; everything
 * else (refusals caused by the request, configuration problems) is summarised per kind at `warn`
 * ({@link SummaryLog}). Every line goes to `debug` in full when the logger has one.
 *
 * @example
 * ```ts
 * const log = new FailureLog(logger);
 * log.failed('login failed', error, { path: '/callback' });
 * ```
 */
export class FailureLog {
  readonly faults: FaultLog;
  readonly #logger: Logger;
  readonly #summaries: SummaryLog;

  constructor(logger: Logger, options: FailureLogOptions = {}) {
    this.#logger = logger;
    const clock = options.now === undefined ? {} : { now: options.now };
    this.faults = new FaultLog(logger, clock);
    this.#summaries = new SummaryLog(logger, clock);
  }

  /**
   * A request failed with `error`; `what` says what failed (a label of ours, e.g. `login failed`).
   * The line is `what: code:reason`, with the error's details (never a token).
   */
  failed(what: string, error: OidcError, details: Record<string, unknown> = {}): void {
    const kind = `${what}: ${error.code}${error.reason === undefined ? '' : `:${error.reason}`}`;
    const full = {
      code: error.code,
      reason: error.reason,
      oauthError: error.oauthError,
      // The provider's own words (never a token or a secret): what an operator needs to fix a refusal.
      oauthErrorDescription: error.oauthErrorDescription,
      message: error.message,
      // The app's own onSession hook failed: its error is the cause the operator needs (ours says
      // only that it failed), and it is the app's text, not a token.
      ...(error.code === 'session_hook_failed' ? { cause: hookCause(error) } : {}),
      ...details,
    };
    if (this.faults.requestFailed(error)) {
      this.#logger.debug?.(kind, full);
      return;
    }
    this.#summaries.note(kind, kind, full);
  }

  /**
   * A refusal the guard answered itself, which `warn` has never carried (e.g. a refused bearer
   * token, said to the client in its challenge): to `debug` only; an outage's request is counted.
   */
  refusedQuietly(what: string, error: OidcError, details: Record<string, unknown> = {}): void {
    this.faults.requestFailed(error);
    this.#logger.debug?.(`${what}: ${error.code}${error.reason === undefined ? '' : `:${error.reason}`}`, {
      code: error.code,
      reason: error.reason,
      message: error.message,
      ...details,
    });
  }

  /** A refusal that is no `OidcError` (e.g. a post-logout redirect without its state): summarised under `kind`. */
  note(kind: string, message: string, details?: Record<string, unknown>): void {
    this.#summaries.note(kind, message, details);
  }
}

/** The app's own error under a `session_hook_failed` (which may be wrapped, e.g. with a retry link). */
function hookCause(error: OidcError): string | undefined {
  let cause: unknown = error.cause;
  while (cause instanceof Error && cause.name === 'OidcError' && cause.cause !== undefined) cause = cause.cause;
  if (cause === undefined || (cause instanceof Error && cause.name === 'OidcError')) return undefined;
  return cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : 'a value that is not an Error';
}
