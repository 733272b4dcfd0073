/**
 * `req.oidc.fetch()`: a call to an API with the session's access token, refreshed first when due,
 * as a Bearer token or, for a DPoP-bound session, with a fresh proof (RFC 9449 §7).
 */
import { isLoopbackHttp } from '../config/validate.ts';
import { OidcError } from '../errors.ts';
import type { ContextState } from '../request-context.ts';
import type { CoreServices } from './core-services.ts';
import { accessToken } from './session-refresh.ts';

/**
 * What `req.oidc.fetch()` takes: the `fetch` options, and `resource` for another API's token (RFC
 * 8707, as `req.oidc.accessToken({ resource })`).
 *
 * @example
 * ```ts
 * const init: SessionFetchInit = { method: 'POST', body: JSON.stringify(order), headers: { 'content-type': 'application/json' }, resource: 'https://orders.example' };
 * ```
 */
export interface SessionFetchInit extends RequestInit {
  /** Call with the token for this API (an RFC 8707 resource indicator) instead of the login's own. */
  resource?: string;
}

/** RFC 9449 §9: a resource server asking for a nonce answers 401 with this error in a DPoP challenge. */
const NONCE_CHALLENGE = /(?:^|,)\s*DPoP\b[^]*?\berror\s*=\s*"?use_dpop_nonce"?/i;

/**
 * Calls `input` with the session's token: refreshed first when due (one refresh however many ask),
 * sent as `Authorization: Bearer`, or for a DPoP-bound session as `Authorization: DPoP` with a proof
 * whose `htm`, `htu` and `ath` name this request. A `use_dpop_nonce` challenge with a new
 * `DPoP-Nonce` is answered once with a new proof, when the body can be sent again (not a stream).
 * Goes out through the `fetch`/`proxy` options, as the provider's calls do. The token is sent only
 * over https (http only to a loopback host): the URL must be absolute.
 *
 * @example
 * ```ts
 * const response = await sessionFetch(services, state, 'https://api.example/orders', { method: 'GET' });
 * ```
 */
export async function sessionFetch(services: CoreServices, state: ContextState, input: string | URL, init: SessionFetchInit = {}): Promise<Response> {
  const { resource, ...requestInit } = init;
  const url = apiUrl(input);
  const token = await accessToken(services, state, resource === undefined ? {} : { resource });
  const data = state.session?.envelope.data;
  if (data === undefined || token === undefined) throw new OidcError('unauthenticated', 'Nobody is logged in, or the session has no access token.');
  const provider = services.login.provider(data.provider);
  const tokenType = resource === undefined ? data.tokenType : data.resourceTokens?.[resource]?.tokenType;
  const signer = provider.dpop;
  const dpopKey = data.dpopKey;
  // Bound tokens are sent with a proof; a Bearer token (a session from before dpop was on) as it is.
  const bound = signer !== undefined && dpopKey !== undefined && tokenType?.toLowerCase() === 'dpop';
  const method = (requestInit.method ?? 'GET').toUpperCase();
  const send = async (): Promise<Response> => {
    const headers = new Headers(requestInit.headers);
    if (bound) {
      headers.set('authorization', `DPoP ${token}`);
      headers.set('dpop', await signer.proof(dpopKey, method, url, token));
    } else {
      headers.set('authorization', `Bearer ${token}`);
    }
    const outbound = provider.settings.fetch;
    return outbound === undefined ? fetch(url, { ...requestInit, method, headers }) : outbound(url.href, { ...requestInit, method, headers });
  };
  const response = await send();
  if (!bound) return response;
  const newNonce = signer.nonces.note(url, response.headers);
  if (response.status !== 401 || !newNonce || !NONCE_CHALLENGE.test(response.headers.get('www-authenticate') ?? '') || !resendable(requestInit.body)) {
    return response;
  }
  await response.body?.cancel().catch(() => undefined);
  const retried = await send();
  signer.nonces.note(url, retried.headers);
  return retried;
}

/** The API's URL: absolute, and https unless on this machine, so a token never crosses a network in clear. */
function apiUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new TypeError(`oidc-kit: req.oidc.fetch() needs an absolute URL, not ${JSON.stringify(String(input))}.`);
  }
  if (url.protocol !== 'https:' && !isLoopbackHttp(url)) {
    throw new TypeError(`oidc-kit: req.oidc.fetch() sends the access token only over https (http only to localhost); ${url.origin} is not.`);
  }
  return url;
}

/** Whether a body can be sent a second time: anything but a stream (read once). */
function resendable(body: RequestInit['body']): boolean {
  return !(body instanceof ReadableStream);
}
