/**
 * Reading the Cookie header and writing Set-Cookie values. Hand-written on purpose: it runs on every
 * request, our own cookie values are base64url (no decoding needed), and names and attributes are
 * validated once at start-up.
 */

/** The attributes oidc-kit writes on its cookies. */
export interface CookieAttributes {
  path: string;
  domain?: string | undefined;
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'Lax' | 'Strict' | 'None';
  /** Seconds until the browser drops the cookie; omitted → a browser-session cookie. */
  maxAge?: number | undefined;
}

/**
 * Parses a Cookie header into a map, first occurrence of a name winning (as browsers send the most
 * specific path first). Values are not URL-decoded: oidc-kit's own values never need it.
 *
 * @example
 * ```ts
 * parseCookieHeader('a=1; b=2').get('b'); // '2'
 * ```
 */
export function parseCookieHeader(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end) {
      const name = header.slice(start, eq).trim();
      if (name && !cookies.has(name)) {
        let value = header.slice(eq + 1, end).trim();
        if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
        cookies.set(name, value);
      }
    }
    start = end + 1;
  }
  return cookies;
}

/**
 * Serialises one Set-Cookie value. A `maxAge` of 0 deletes the cookie (an `Expires` in the past is
 * added for old user agents).
 *
 * @example
 * ```ts
 * serializeCookie('sid', 'abc', { path: '/', httpOnly: true, secure: true, sameSite: 'Lax', maxAge: 60 });
 * // 'sid=abc; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax'
 * ```
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  let out = `${name}=${value}; Path=${attributes.path}`;
  if (attributes.domain) out += `; Domain=${attributes.domain}`;
  if (attributes.maxAge !== undefined) {
    const maxAge = Math.max(0, Math.floor(attributes.maxAge));
    out += `; Max-Age=${maxAge}`;
    if (maxAge === 0) out += '; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
  }
  if (attributes.httpOnly) out += '; HttpOnly';
  if (attributes.secure) out += '; Secure';
  out += `; SameSite=${attributes.sameSite}`;
  return out;
}

/**
 * A Set-Cookie value that deletes `name` for the given path and domain.
 *
 * @example
 * ```ts
 * clearCookie('sid', { path: '/', httpOnly: true, secure: false, sameSite: 'Lax' });
 * ```
 */
export function clearCookie(name: string, attributes: CookieAttributes): string {
  return serializeCookie(name, '', { ...attributes, maxAge: 0 });
}

/** RFC 6265 cookie-name characters (an HTTP token). */
export const COOKIE_NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
