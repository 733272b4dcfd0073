import type { Logger } from '../config/options.ts';

/** At most one capacity warning per this long (ms). */
const WARN_INTERVAL_MS = 60_000;

/**
 * The warning an in-process logout record store gives as it fills (from 80 %) and when it refuses a
 * logout, at most once a minute: how full it is, what happens at the limit, the option and how to
 * size it. Made for `MemoryStore`'s `onFilling`.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ maxEntries, whenFull: 'refuse', onFilling: logoutRecordsCapacityWarning(logger, absoluteDuration) });
 * ```
 */
export function logoutRecordsCapacityWarning(logger: Logger, absoluteDuration: number): (size: number, maxEntries: number) => void {
  let warnedAt = -Infinity;
  return (size, maxEntries) => {
    const now = Date.now();
    if (now - warnedAt < WARN_INTERVAL_MS) return;
    warnedAt = now;
    const full = size >= maxEntries;
    const days = Math.round((absoluteDuration / 86_400) * 10) / 10;
    logger.warn(
      `back-channel logout records in this process: ${size} of ${maxEntries} (session.maxLogoutRecords)${full ? '; new logouts are refused with 503 until older records expire' : ''}. ` +
      `Each is kept session.absoluteDuration (${days} days): size the limit as logouts per absoluteDuration plus logouts per 10 minutes (about 230 bytes each), or share a session.store such as Redis`,
      { option: 'session.maxLogoutRecords', size, maxEntries, reason: full ? 'store_full' : 'filling' },
    );
  };
}
