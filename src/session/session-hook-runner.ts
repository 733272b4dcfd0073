import { decodeVerifiedJwtPayload } from '../claims.ts';
import type { Logger } from '../config/options.ts';
import { OidcError } from '../errors.ts';
import type { SessionData } from './session-data.ts';
import { hookTokens, runSessionHook, type SessionHook, userClaimsOf } from './session-hook.ts';

/**
 * The `onSession` hook after a refresh. The provider has already rotated the tokens, so a failing
 * hook must not lose them: it keeps the claims from before (and is logged), unless it throws
 * `session_expired`, which ends the session on purpose (the user lost access, say).
 *
 * @example
 * ```ts
 * const runner = new SessionHookRunner(config.onSession, config.logger);
 * const fresh = await runner.afterRefresh(before, refreshed); // refreshed.claims set by the hook
 * ```
 */
export class SessionHookRunner {
  readonly #hook: SessionHook;
  readonly #logger: Logger;

  constructor(hook: SessionHook, logger: Logger) {
    this.#hook = hook;
    this.#logger = logger;
  }

  /** `fresh` with the claims the hook keeps; see the class comment for its failures. */
  async afterRefresh(before: SessionData, fresh: SessionData): Promise<SessionData> {
    const kept = before.claims ?? userClaimsOf(decodeVerifiedJwtPayload(before.idToken), before.userinfo);
    // A new ID token's user claims are the provider's latest word; the rest stays as kept.
    const claims = fresh.idToken === before.idToken ? kept : { ...kept, ...userClaimsOf(decodeVerifiedJwtPayload(fresh.idToken), undefined) };
    const previous = before.claims === undefined ? undefined : { ...kept };
    try {
      const hooked = await runSessionHook(this.#hook, { claims: { ...claims, sub: kept.sub }, tokens: hookTokens(fresh), provider: fresh.provider, isRefresh: true, previous });
      return { ...fresh, claims: hooked, userinfo: undefined };
    } catch (error) {
      if (error instanceof OidcError && error.code === 'session_expired') throw error;
      const reason = error instanceof OidcError ? `${error.code}${error.reason === undefined ? '' : ` (${error.reason})`}` : 'it threw';
      const cause = error instanceof OidcError ? error.cause : error;
      this.#logger.warn(`onSession failed after a refresh: ${reason}; the session keeps the claims it had, with the new tokens`, {
        cause: cause instanceof Error ? cause.message : String(cause),
      });
      return { ...fresh, claims: { ...kept }, userinfo: undefined };
    }
  }
}
