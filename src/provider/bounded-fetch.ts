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
    const response = await fetch(input, init);
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
