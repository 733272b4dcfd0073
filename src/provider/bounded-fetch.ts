/** The most bytes oidc-kit reads from a discovery, WebFinger or registration answer (Discovery §4.2 hardening). */
export const MAX_METADATA_BYTES = 512 * 1024;

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
