import { type CookieAttributes, clearCookie, serializeCookie } from './cookie-header.ts';

/**
 * A cookie value that may be larger than a browser accepts in one cookie (about 4 KB including
 * name and attributes) is split into `name.0`, `name.1`, … and joined again on read. Writing one
 * shape clears the other, and stale trailing chunks, so a session that shrinks leaves nothing behind.
 */

/** Browsers accept at least 4096 bytes per cookie, counting name, value and attributes. */
const BROWSER_COOKIE_LIMIT = 4096;

/**
 * The largest value that fits in one cookie named `name` with these attributes: the limit minus the
 * exact size of the serialised cookie around an empty value (accounting for the real attributes,
 * not an estimate).
 *
 * @example
 * ```ts
 * maxCookieValueLength('oidc_session.0', { path: '/', httpOnly: true, secure: true, sameSite: 'Lax', maxAge: 604800 });
 * ```
 */
export function maxCookieValueLength(name: string, attributes: CookieAttributes): number {
  return BROWSER_COOKIE_LIMIT - serializeCookie(name, '', attributes).length;
}

/**
 * Reads a possibly chunked cookie: `name` itself, or the concatenation of `name.0 … name.N`.
 * Returns `undefined` when neither is present or the chunk sequence has a gap.
 *
 * @example
 * ```ts
 * readChunkedCookie(new Map([['s.0', 'ab'], ['s.1', 'cd']]), 's'); // 'abcd'
 * ```
 */
export function readChunkedCookie(cookies: ReadonlyMap<string, string>, name: string): string | undefined {
  const whole = cookies.get(name);
  if (whole !== undefined) return whole;
  const first = cookies.get(`${name}.0`);
  if (first === undefined) return undefined;
  let value = first;
  for (let i = 1; ; i++) {
    const next = cookies.get(`${name}.${i}`);
    if (next === undefined) return value;
    value += next;
  }
}

/**
 * Set-Cookie values that store `value` under `name`, in one cookie when it fits or in numbered
 * chunks, and delete whichever cookies of the other shape the request carried.
 *
 * @example
 * ```ts
 * writeChunkedCookie('s', bigValue, attributes, requestCookies); // ['s.0=…', 's.1=…', 's=; Max-Age=0 …']
 * ```
 */
export function writeChunkedCookie(
  name: string,
  value: string,
  attributes: CookieAttributes,
  requestCookies: ReadonlyMap<string, string>,
): string[] {
  const out: string[] = [];
  const single = maxCookieValueLength(name, attributes);
  if (value.length <= single) {
    out.push(serializeCookie(name, value, attributes));
    clearChunksFrom(name, 0, attributes, requestCookies, out);
    return out;
  }
  // Chunk names are longer than the bare name; size chunks for the longest name we could write.
  const chunkSize = maxCookieValueLength(`${name}.99`, attributes);
  let index = 0;
  for (let offset = 0; offset < value.length; offset += chunkSize, index++) {
    out.push(serializeCookie(`${name}.${index}`, value.slice(offset, offset + chunkSize), attributes));
  }
  if (requestCookies.has(name)) out.push(clearCookie(name, attributes));
  clearChunksFrom(name, index, attributes, requestCookies, out);
  return out;
}

/**
 * Set-Cookie values that delete `name` and every `name.N` chunk the request carried.
 *
 * @example
 * ```ts
 * clearChunkedCookie('s', attributes, requestCookies);
 * ```
 */
export function clearChunkedCookie(
  name: string,
  attributes: CookieAttributes,
  requestCookies: ReadonlyMap<string, string>,
): string[] {
  const out: string[] = [];
  if (requestCookies.has(name)) out.push(clearCookie(name, attributes));
  clearChunksFrom(name, 0, attributes, requestCookies, out);
  return out;
}

function clearChunksFrom(
  name: string,
  from: number,
  attributes: CookieAttributes,
  requestCookies: ReadonlyMap<string, string>,
  out: string[],
): void {
  const prefix = `${name}.`;
  for (const cookieName of requestCookies.keys()) {
    if (!cookieName.startsWith(prefix)) continue;
    const suffix = cookieName.slice(prefix.length);
    if (/^\d+$/.test(suffix) && Number(suffix) >= from) out.push(clearCookie(cookieName, attributes));
  }
}
