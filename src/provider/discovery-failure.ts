import * as oauth from 'oauth4webapi';
import { OidcError } from '../errors.ts';
import { ProviderUnreachableError, ResponseTooLargeError } from './bounded-fetch.ts';

/**
 * A failed discovery, said for the operator: the error keeps its code and the message users see,
 * and gains a cause that names the discovery URL, what happened (unreachable, timed out, an HTTP
 * status, not JSON, too large) and what to check. The log's outage line carries the cause, so the
 * server log says all three, while the error page says no more than before.
 *
 * @example
 * ```ts
 * catch (error) { throw explainDiscoveryFailure(toOidcError(error, 'discovery'), url, error, 5000); }
 * // cause: "discovery at https://op.example/.well-known/openid-configuration: HTTP 404; check that the issuer option is the provider's issuer"
 * ```
 */
export function explainDiscoveryFailure(failure: OidcError, url: URL, error: unknown, timeoutMs: number): OidcError {
  // An issuer mismatch already names both issuers and the fix.
  if (failure.code === 'discovery_issuer_mismatch') return failure;
  const where = `discovery at ${discoveryUrl(url)}`;
  const explanation = new Error(`${where}: ${whatHappened(error, timeoutMs)}; ${fixFor(error)}`, { cause: error });
  return new OidcError(failure.code, failure.message, {
    ...(failure.reason === undefined ? {} : { reason: failure.reason }),
    ...(failure.oauthError === undefined ? {} : { oauthError: failure.oauthError }),
    ...(failure.oauthErrorDescription === undefined ? {} : { oauthErrorDescription: failure.oauthErrorDescription }),
    cause: explanation,
  });
}

/** The URL oauth4webapi asks: the issuer with `/.well-known/openid-configuration` after its path. */
function discoveryUrl(issuer: URL): string {
  return `${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

function whatHappened(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: unknown } | null)?.name;
  const code = (error as { code?: unknown } | null)?.code;
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT') return `no answer within ${timeoutMs} ms (httpTimeout)`;
  if (error instanceof ProviderUnreachableError) {
    const cause = error.cause instanceof Error && error.cause.cause instanceof Error ? error.cause.cause.message : error.message;
    return `the provider could not be reached (${cause})`;
  }
  if (error instanceof ResponseTooLargeError) return 'the answer is larger than 512 KiB';
  const response = error instanceof Error && error.cause instanceof Response ? error.cause : undefined;
  if (response !== undefined && code === oauth.RESPONSE_IS_NOT_CONFORM) return `HTTP ${response.status}`;
  if (response !== undefined && code === oauth.RESPONSE_IS_NOT_JSON) return `not JSON (content-type ${response.headers.get('content-type') ?? 'none'})`;
  return error instanceof Error ? error.message : String(error);
}

function fixFor(error: unknown): string {
  if (error instanceof ProviderUnreachableError || (error as { name?: unknown } | null)?.name === 'TimeoutError') {
    return 'check the issuer option, and that this server reaches the provider (DNS, firewall, proxy)';
  }
  return 'check that the issuer option is the provider\'s issuer (its discovery document lives at the URL above)';
}
