import type { Claims } from '../claims.ts';

/**
 * What a completed login hands to your callback handler (Flask-OIDC: custom_callback).
 *
 * @example
 * ```ts
 * // The login was started with req.oidc.login({ state: { next: '/orders' } }).
 * oidc.onCallback((req, res, result) => {
 *   const next = (result.state as { next?: string } | undefined)?.next;
 *   res.redirect(next ?? result.returnTo);
 * });
 * ```
 */
export interface LoginResult {
  /** The value given to `login({ state })`, exactly as given (it travelled encrypted); `undefined` if none. */
  readonly state: unknown;
  /** Where the login would return to by default (an absolute URL of this app). */
  readonly returnTo: string;
  /** The provider the user logged in with. */
  readonly provider: string;
  /** The user's claims (as `req.oidc.user`). */
  readonly user: Claims;
}
