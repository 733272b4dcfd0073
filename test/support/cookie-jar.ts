/**
 * A minimal cookie jar for the scripted test browser (see browser.ts): cookies are kept per
 * host:port (host-only, `Domain` ignored, fine for loopback), honour `Path`, `Max-Age` and `Expires`,
 * and keep `Secure`/`HttpOnly`/`SameSite` without enforcing them.
 */

/** One stored cookie. */
export interface StoredCookie {
  name: string;
  value: string;
  path: string;
  /** Epoch milliseconds; undefined for a session cookie. */
  expires?: number;
  secure: boolean;
  httpOnly: boolean;
  sameSite?: string;
}

/**
 * Cookies per host:port.
 *
 * @example
 * const jar = new CookieJar();
 * jar.store('http://127.0.0.1:3000/login', ['sid=abc; Path=/; HttpOnly']);
 * jar.header('http://127.0.0.1:3000/profile'); // 'sid=abc'
 */
export class CookieJar {
  readonly #hosts = new Map<string, StoredCookie[]>();

  /** Stores the Set-Cookie header values of a response to `url`. */
  store(url: string | URL, setCookies: readonly string[]): void {
    const target = new URL(url);
    for (const header of setCookies) {
      const cookie = parseSetCookie(header, target);
      if (cookie) this.put(target, cookie);
    }
  }

  /** Adds or replaces a cookie (same name and path), or deletes it when it is already expired. */
  put(url: string | URL, cookie: StoredCookie): void {
    const host = new URL(url).host;
    const kept = (this.#hosts.get(host) ?? []).filter((c) => c.name !== cookie.name || c.path !== cookie.path);
    if (cookie.expires === undefined || cookie.expires > Date.now()) kept.push(cookie);
    this.#hosts.set(host, kept);
  }

  /** Deletes every cookie called `name` for the host of `url`, whatever its path. */
  delete(url: string | URL, name: string): void {
    const host = new URL(url).host;
    this.#hosts.set(host, (this.#hosts.get(host) ?? []).filter((c) => c.name !== name));
  }

  /** The cookies that would be sent to `url`, most specific path first. */
  matching(url: string | URL): StoredCookie[] {
    const target = new URL(url);
    const now = Date.now();
    return (this.#hosts.get(target.host) ?? [])
      .filter((c) => (c.expires === undefined || c.expires > now) && pathMatches(target.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length);
  }

  /**
   * The Cookie request header for `url`, or undefined when no cookie matches. With `crossSite`, as a
   * browser does: no `SameSite=Strict` cookie, and `Lax` ones (the default) only on GET/HEAD.
   */
  header(url: string | URL, crossSite?: { method: string }): string | undefined {
    const safe = crossSite === undefined || crossSite.method === 'GET' || crossSite.method === 'HEAD';
    const cookies = this.matching(url).filter((c) => {
      if (crossSite === undefined) return true;
      const sameSite = (c.sameSite ?? 'lax').toLowerCase();
      return sameSite === 'none' || (sameSite === 'lax' && safe);
    });
    return cookies.length ? cookies.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  /** An independent copy. */
  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [host, cookies] of this.#hosts) copy.#hosts.set(host, cookies.map((c) => ({ ...c })));
    return copy;
  }
}

/** Parses one Set-Cookie header value received from `url`; undefined when it is malformed. */
export function parseSetCookie(header: string, url: URL): StoredCookie | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq < 0) return undefined;
  const name = pair.slice(0, eq).trim();
  if (!name) return undefined;
  const cookie: StoredCookie = {
    name,
    value: pair.slice(eq + 1).trim(),
    path: defaultPath(url),
    secure: false,
    httpOnly: false,
  };
  let maxAge: number | undefined;
  for (const attribute of attributes) {
    const at = attribute.indexOf('=');
    const key = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
    const value = at < 0 ? '' : attribute.slice(at + 1).trim();
    if (key === 'path' && value.startsWith('/')) cookie.path = value;
    else if (key === 'max-age' && /^-?\d+$/.test(value)) maxAge = Number(value);
    else if (key === 'expires' && !Number.isNaN(Date.parse(value))) cookie.expires = Date.parse(value);
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'samesite') cookie.sameSite = value;
  }
  // Max-Age wins over Expires; zero or negative means "delete now".
  if (maxAge !== undefined) cookie.expires = maxAge <= 0 ? 0 : Date.now() + maxAge * 1000;
  return cookie;
}

/** RFC 6265 default-path: the request path up to, not including, its last '/'. */
function defaultPath(url: URL): string {
  const last = url.pathname.lastIndexOf('/');
  return last <= 0 ? '/' : url.pathname.slice(0, last);
}

/** RFC 6265 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}
