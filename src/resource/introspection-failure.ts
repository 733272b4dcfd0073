import * as client from 'openid-client';
import { ProviderUnreachableError } from '../provider/bounded-fetch.ts';

/**
 * What a failed introspection call means:
 * - `token`: the provider refused the request because of the token (a 400, or, when the token is
 *   itself the credential, a 401 or 403). The token is refused (401) and that answer is cached like
 *   an inactive one, so the same token does not reach the provider again at once.
 * - `client`: the provider refused this API's client (401, 403, `invalid_client`): a configuration
 *   problem (RFC 7662 §2.3), answered 502 and held for a moment, so that a misconfigured API does
 *   not pass every request on to the provider.
 * - `provider`: the endpoint answered with a status that says it is not there (404, 405, …): 502.
 * - `outage`: down, slow, 5xx, 408, 429: 503, nothing cached, the next request tries again.
 */
export type IntrospectionFailure =
  | { readonly kind: 'token'; readonly status: number; readonly oauthError: string | undefined }
  | { readonly kind: 'client' | 'provider'; readonly status: number; readonly oauthError: string | undefined }
  | { readonly kind: 'outage' };

/** HTTP statuses of an error answer that are the token's fault (RFC 9110: the request content). */
const TOKEN_STATUSES = new Set([400, 413, 414, 422]);
/** Statuses that say "later", not "never". */
const PASSING_STATUSES = new Set([408, 425, 429]);

/**
 * Sorts what openid-client's `tokenIntrospection` threw; see {@link IntrospectionFailure}.
 *
 * @example
 * ```ts
 * const failure = classifyIntrospectionFailure(error, 'client_secret_basic');
 * if (failure.kind === 'token') return inactive('introspection_refused');
 * ```
 */
export function classifyIntrospectionFailure(error: unknown, authMethod: string): IntrospectionFailure {
  const { status, oauthError } = statusOf(error);
  // No error status (unreachable, timed out, a 200 that is not JSON: RFC 7662 row INT-03), a 5xx, or "later".
  if (status === undefined || status < 400 || status >= 500 || PASSING_STATUSES.has(status)) return { kind: 'outage' };
  if (status === 401 || status === 403) {
    // With bearer authentication the token is the credential: its refusal is the token's.
    return { kind: authMethod === 'bearer' && oauthError !== 'invalid_client' ? 'token' : 'client', status, oauthError };
  }
  if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client') return { kind: 'client', status, oauthError };
  if (TOKEN_STATUSES.has(status)) return { kind: 'token', status, oauthError };
  return { kind: 'provider', status, oauthError };
}

/**
 * A log-safe description of an introspection failure: status and OAuth error, never the token.
 *
 * @example
 * ```ts
 * logger.warn(`token introspection failed: ${describeIntrospectionFailure(error)}`);
 * ```
 */
export function describeIntrospectionFailure(error: unknown): string {
  const { status, oauthError } = statusOf(error);
  if (error instanceof client.WWWAuthenticateChallengeError) return `the provider answered ${error.status} (our credentials were refused?)`;
  if (status !== undefined && status >= 400) return `the provider answered ${status}${oauthError === undefined ? '' : ` ${oauthError}`}`;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT') return 'timed out';
  if (error instanceof ProviderUnreachableError) return 'unreachable';
  if (typeof code === 'string') return code;
  return 'unusable answer';
}

/** The HTTP status and OAuth error of an error answer, when the failure was one. */
function statusOf(error: unknown): { status: number | undefined; oauthError: string | undefined } {
  if (error instanceof client.ResponseBodyError) return { status: error.status, oauthError: error.error };
  if (error instanceof client.WWWAuthenticateChallengeError) return { status: error.status, oauthError: error.cause[0]?.parameters.error };
  // An error answer without a JSON body: oauth4webapi keeps the Response as the cause.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Response) return { status: cause.status, oauthError: undefined };
  return { status: undefined, oauthError: undefined };
}
