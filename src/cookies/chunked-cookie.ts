import { type CookieAttributes, clearCookie, serializeCookie } from './cookie-header.ts';

/**
 * A cookie value that may be larger than a browser accepts in one cookie (about 4 KB including
 * name and attributes) is split into `name.0`, `name.1`, … and joined again on read. Writing one
 * shape clears the other, and stale trailing chunks, so a session that shrinks leaves nothing behind.
 */

/** Browsers accept at least 4096 bytes per cookie, counting name, value and attributes. */
const BROWSER_COOKIE_LIMIT = 4096;

/**
 * The most chunks a value is ever split into (about 64 KB): four times what fits in Node's default
 * 16 KB of request headers, so no real session comes near it. The reader reads no more, and
 * clearing touches no more — a request carrying hundreds of `name.N` cookies gets at most this many
 * `Set-Cookie` lines back, not one per cookie it sent.
 */
export const MAX_COOKIE_CHUNKS = 16;

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
 * The largest value {@link writeChunkedCookie} stores under `name`: {@link MAX_COOKIE_CHUNKS} chunks.
 *
 * @example
 * ```ts
 * if (sealed.length > maxChunkedValueLength('oidc_session', attributes)) … // too large for cookies
 * ```
 */
export function maxChunkedValueLength(name: string, attributes: CookieAttributes): number {
  return maxCookieValueLength(`${name}.${MAX_COOKIE_CHUNKS - 1}`, attributes) * MAX_COOKIE_CHUNKS;
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
  for (let i = 1; i < MAX_COOKIE_CHUNKS; i++) {
    const next = cookies.get(`${name}.${i}`);
    if (next === undefined) return value;
    value += next;
  }
  return value;
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
  const chunkSize = maxCookieValueLength(`${name}.${MAX_COOKIE_CHUNKS - 1}`, attributes);
  if (value.length > maxChunkedValueLength(name, attributes)) {
    throw new TypeError(`oidc-kit: the cookie ${name} would need ${Math.ceil(value.length / chunkSize)} chunks of 4 KB, more than the ${MAX_COOKIE_CHUNKS} oidc-kit writes (browsers and servers refuse headers that large). Keep less in the session (fewer claims, userInfo: false) or use a session store (session.store).`);
  }
  let index = 0;
  for (let offset = 0; offset < value.length; offset += chunkSize, index++) {
    out.push(serializeCookie(`${name}.${index}`, value.slice(offset, offset + chunkSize), attributes));
  }
  if (requestCookies.has(name)) out.push(clearCookie(name, attributes));
  clearChunksFrom(name, index, attributes, requestCookies, out);
  return out;
}

/**
 * Set-Cookie values that delete `name` and every `name.N` chunk the request carried (only chunks
 * the writer could have written: `N` below {@link MAX_COOKIE_CHUNKS}).
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
    if (/^\d{1,2}$/.test(suffix) && Number(suffix) >= from && Number(suffix) < MAX_COOKIE_CHUNKS) out.push(clearCookie(cookieName, attributes));
  }
}
