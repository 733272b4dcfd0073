/**
 * The back-channel logout route (OpenID Connect Back-Channel Logout 1.0): the provider posts a
 * signed logout token, and the sessions it names end on their next request.
 */
import { OidcError } from '../errors.ts';
import { StoreFullError } from '../session/memory-store.ts';
import { isFormContentType, readForm } from '../form-body.ts';
import type { ResponsePlan } from '../http.ts';
import type { ContextState } from '../request-context.ts';
import type { CoreServices } from './core-services.ts';

/** Back-channel logout requests larger than this are refused (BCL-15): a logout token is a few hundred bytes. */
const MAX_LOGOUT_BODY_BYTES = 16 * 1024;

/**
 * Answers a back-channel logout request: 200 once the logout is recorded; 400 with an OAuth-style
 * JSON error for anything wrong with the request (§2.8: the caller is a server, not a person),
 * including a GET (BCL-12); 503 when the session store is down.
 *
 * @example
 * ```ts
 * const plan = await backchannelLogoutRoute(services, state);
 * ```
 */
export async function backchannelLogoutRoute(services: CoreServices, state: ContextState): Promise<ResponsePlan> {
  const records = services.logoutRecords;
  const { request } = state;
  try {
    if (records === undefined) throw new TypeError('back-channel logout is off');
    if (request.method !== 'POST') throw new OidcError('logout_token_invalid', 'Back-channel logout requests must be POSTs.', { reason: 'method' });
    if (!isFormContentType(request.header('content-type'))) {
      throw new OidcError('logout_token_invalid', 'Back-channel logout requests must be form-encoded.', { reason: 'content_type' });
    }
    const form = await readForm(request, MAX_LOGOUT_BODY_BYTES, 'back-channel logout');
    if (form === undefined) throw new OidcError('logout_token_invalid', 'The request body is too large.', { reason: 'too_large' });
    const tokens = form.getAll('logout_token');
    if (tokens.length !== 1 || tokens[0] === '') {
      throw new OidcError('logout_token_invalid', 'Send exactly one logout_token.', { reason: 'logout_token' });
    }
    const { provider, claims } = await services.logoutTokens.verify(tokens[0] ?? '');
    let replayed: boolean;
    try {
      // Record first, mark the jti after: a provider retrying after a store failure must not be
      // refused as a replay, and a replay must not move a logout record forward.
      replayed = await records.seen(claims);
      if (!replayed) {
        await records.record(provider.settings.name, claims);
        await records.markSeen(claims);
      }
    } catch (cause) {
      // A full in-process record store (session.maxLogoutRecords) is said as such: the provider retries later.
      const reason = cause instanceof StoreFullError ? 'store_full' : undefined;
      throw new OidcError('session_store_unavailable', 'The session store is unavailable; try again shortly.', { cause, ...(reason === undefined ? {} : { reason }) });
    }
    if (replayed) throw new OidcError('logout_token_invalid', 'This logout token was already used.', { reason: 'replayed' });
    return { status: 200, headers: { 'cache-control': 'no-store' } };
  } catch (error) {
    if (!(error instanceof OidcError)) throw error;
    services.log.failed('back-channel logout refused', error);
    const body: Record<string, string> = { error: error.status === 400 ? 'invalid_request' : 'temporarily_unavailable', error_description: error.message };
    if (error.reason !== undefined) body['reason'] = error.reason;
    const headers: Record<string, string> = { 'cache-control': 'no-store', 'content-type': 'application/json; charset=utf-8' };
    if (error.reason === 'method') headers['allow'] = 'POST';
    return { status: error.status, headers, body: JSON.stringify(body) };
  }
}
