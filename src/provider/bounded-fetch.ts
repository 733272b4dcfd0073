import * as client from 'openid-client';

/** The most bytes oidc-kit reads from a discovery, WebFinger or registration answer (Discovery §4.2 hardening). */
export const MAX_METADATA_BYTES = 512 * 1024;
/** The most bytes oidc-kit reads from any other answer of the provider (token, UserInfo, introspection). */
export const MAX_PROVIDER_ANSWER_BYTES = 1024 * 1024;

/**
 * A `fetch` for oauth4webapi's `customFetch` that refuses answers larger than `maxBytes` before
 * parsing them, so a hostile or broken provider cannot make the app buffer a huge document.
 *
 * @example
 * ```ts
 * await oauth.discoveryRequest(url, { [oauth.customFetch]: boundedFetch(MAX_METADATA_BYTES) });
 * ```
 */
export function boundedFetch(maxBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await reachingFetch(input, init);
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel();
      throw new ResponseTooLargeError(maxBytes);
    }
    if (response.body === null) return response;
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new ResponseTooLargeError(maxBytes);
      chunks.push(chunk);
    }
    // A fresh Response with the same status and headers, now backed by the bytes already read.
    return new Response(Buffer.concat(chunks), { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/**
 * The provider could not be reached: `fetch()` itself failed (refused, reset before an answer, DNS,
 * TLS), as opposed to an answer that was unusable. Runtimes word that failure their own way, and not
 * always as the Fetch standard's `TypeError`: a refused connection is "fetch failed" on Node and Deno,
 * "ECONNREFUSED: Unable to connect…" on Bun, a plain `Error` "Network connection lost." on workerd.
 * oidc-kit's fetches mark the failure with this class instead, so that one check means 503 on every
 * runtime. It is a `TypeError`, so that openid-client and jose pass it on unwrapped.
 *
 * @example
 * ```ts
 * if (error instanceof ProviderUnreachableError) return new OidcError('provider_unavailable', '…', { cause: error });
 * ```
 */
export class ProviderUnreachableError extends TypeError {
  override readonly name = 'ProviderUnreachableError';
  constructor(cause: unknown) {
    super(`The provider could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * `fetch`, with a network failure thrown as {@link ProviderUnreachableError}. A failure of the
 * caller's own signal (a timeout, an abort) is thrown as it is: openid-client and jose recognize it.
 * It reads nothing itself and so bounds nothing: every answer of the provider's goes through
 * {@link boundedFetch}, which uses this (jose's remote key set has no size limit of its own, which
 * is why oidc-kit fetches the JWKS itself: see ProviderKeySet).
 *
 * @example
 * ```ts
 * const response = await reachingFetch(url, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export async function reachingFetch(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (error) {
    if (init?.signal?.aborted === true) throw error;
    throw new ProviderUnreachableError(error);
  }
}

/** The provider's answer exceeded the size oidc-kit reads. */
export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  constructor(maxBytes: number) {
    super(`The provider's answer is larger than ${maxBytes} bytes.`);
  }
}

/**
 * Caps every answer an openid-client configuration reads (token, UserInfo, introspection) at
 * {@link MAX_PROVIDER_ANSWER_BYTES}; a larger one fails as the provider's error (502).
 *
 * @example
 * ```ts
 * capProviderAnswers(configuration);
 * ```
 */
export function capProviderAnswers(configuration: client.Configuration): void {
  const bounded = boundedFetch(MAX_PROVIDER_ANSWER_BYTES);
  configuration[client.customFetch] = (url, options) => bounded(url, options as RequestInit);
}
