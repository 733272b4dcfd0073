import * as client from 'openid-client';
import type { ProviderFetch } from '../config/outbound-options.ts';

/** The most bytes oidc-kit reads from a discovery, WebFinger or registration answer (Discovery §4.2 hardening). */
export const MAX_METADATA_BYTES = 512 * 1024;
/** The most bytes oidc-kit reads from any other answer of the provider (token, UserInfo, introspection). */
export const MAX_PROVIDER_ANSWER_BYTES = 1024 * 1024;

/**
 * A `fetch` for oauth4webapi's `customFetch` that refuses answers larger than `maxBytes` before
 * parsing them, so a hostile or broken provider cannot make the app buffer a huge document. It
 * calls the provider with `base` (the `fetch` / `proxy` options; default the runtime's `fetch`)
 * through {@link reachingFetch}, and reads the answer within the caller's signal even when `base`
 * ignores it. What it returns is always the runtime's own `Response`.
 *
 * @example
 * ```ts
 * await oauth.discoveryRequest(url, { [oauth.customFetch]: boundedFetch(MAX_METADATA_BYTES, settings.fetch) });
 * ```
 */
export function boundedFetch(maxBytes: number, base?: ProviderFetch): (input: string | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const signal = init?.signal ?? undefined;
    const response = await reachingFetch(input, init, base);
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(maxBytes);
    }
    const headers = new Headers(response.headers);
    if (response.body === null) return new Response(null, { status: response.status, statusText: response.statusText, headers });
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await untilAborted(reader.read(), signal);
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) throw new ResponseTooLargeError(maxBytes);
        chunks.push(value);
      }
    } catch (error) {
      void reader.cancel().catch(() => undefined);
      throw error;
    }
    // A fresh Response with the same status and headers, now backed by the bytes already read.
    return new Response(Buffer.concat(chunks), { status: response.status, statusText: response.statusText, headers });
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
 * `fetch` (or `base`, the app's own: the `fetch` / `proxy` options), with a network failure thrown
 * as {@link ProviderUnreachableError}. A failure of the caller's own signal (a timeout, an abort) is
 * thrown as it is: openid-client and jose recognize it. The signal is enforced here too, so that a
 * `base` that ignores it cannot make a call outlast `httpTimeout`; a `base` that throws, or resolves
 * to something that is not a `Response`, is the provider being unreachable (503).
 * It reads nothing itself and so bounds nothing: every answer of the provider's goes through
 * {@link boundedFetch}, which uses this (jose's remote key set has no size limit of its own, which
 * is why oidc-kit fetches the JWKS itself: see ProviderKeySet).
 *
 * @example
 * ```ts
 * const response = await reachingFetch(url, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export async function reachingFetch(input: string | URL, init?: RequestInit, base?: ProviderFetch): Promise<Response> {
  const signal = init?.signal ?? undefined;
  let response: unknown;
  try {
    const call = base === undefined ? fetch(input, init) : base(typeof input === 'string' ? input : input.href, init ?? {});
    response = await untilAborted(call, signal, (late) => void (late as Response | undefined)?.body?.cancel().catch(() => undefined));
  } catch (error) {
    if (signal?.aborted === true) throw error;
    throw new ProviderUnreachableError(error);
  }
  if (!isResponse(response)) throw new ProviderUnreachableError(new TypeError('the `fetch` option resolved to something that is not a Response'));
  return response;
}

/**
 * `work`, or the signal's reason as soon as it aborts, whichever comes first; `late` gets what
 * `work` resolves to after that (to release it).
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, late?: (value: T) => void): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      // What fetch itself rejects with: the signal's reason (a TimeoutError DOMException for httpTimeout).
      reject(signal.reason as Error);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (aborted) late?.(value);
        else resolve(value);
      },
      // Passed on as it came (reachingFetch sorts it out).
      (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A Response of this runtime's or of another fetch implementation's (undici's own, a polyfill). */
function isResponse(value: unknown): value is Response {
  if (value instanceof Response) return true;
  const candidate = value as Partial<Response> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.status === 'number' && typeof candidate.headers?.get === 'function' && 'body' in candidate;
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
 * {@link MAX_PROVIDER_ANSWER_BYTES}; a larger one fails as the provider's error (502). Its calls go
 * out with `base` (the `fetch` / `proxy` options) when given.
 *
 * @example
 * ```ts
 * capProviderAnswers(configuration, settings.fetch);
 * ```
 */
export function capProviderAnswers(configuration: client.Configuration, base?: ProviderFetch): void {
  const bounded = boundedFetch(MAX_PROVIDER_ANSWER_BYTES, base);
  configuration[client.customFetch] = (url, options) => bounded(url, options as RequestInit);
}
