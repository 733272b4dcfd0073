/**
 * The small request view and response plan the core and the framework adapters speak. An adapter
 * reads its framework's request into a {@link RequestView} and writes a {@link ResponsePlan} back;
 * everything in between is decided by the core.
 */

/**
 * What the core needs to know about an incoming request.
 *
 * @example
 * ```ts
 * const view: RequestView = {
 *   method: req.method,
 *   url: req.originalUrl,
 *   header: (name) => { const v = req.headers[name]; return Array.isArray(v) ? v.join(', ') : v; },
 * };
 * ```
 */
export interface RequestView {
  /** The HTTP method, upper case. */
  readonly method: string;
  /** The path and query string as the application received it, e.g. `/callback?code=…&state=…`. */
  readonly url: string;
  /** A request header by lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined;
  /**
   * The host (and port) the client sent the request to, where it is not simply the `Host` header:
   * HTTP/2's `:authority`, or the host of a Web `Request`'s URL. Optional: without it the core reads
   * `header('host')`. Read only when `baseUrl` lists several URLs, to pick the one the request came to.
   */
  host?(): string | undefined;
  /**
   * How many times a header appears in the raw request. Optional: Node keeps only the first
   * `Authorization` header, and a request with two must be refused (RFC 6750 §3.1), not half-read.
   */
  headerCount?(name: string): number;
  /**
   * The request body as text, or `undefined` when it is longer than `maxBytes`. Only the
   * back-channel logout route and form-body bearer tokens (`allowFormToken`) read a body; an
   * adapter without it cannot serve those.
   */
  readBody?(maxBytes: number): Promise<string | undefined>;
}

/**
 * A complete answer the core asks the adapter to send.
 *
 * @example
 * ```ts
 * const plan: ResponsePlan = { status: 302, headers: { location: 'https://op.example/authorize?…' } };
 * ```
 */
export interface ResponsePlan {
  /** The HTTP status. */
  readonly status: number;
  /** Header names in lower case. `set-cookie` is never here: cookies go through {@link CookieSink}. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body (HTML or JSON text, as `content-type` says); none for a redirect. */
  readonly body?: string;
}

/**
 * Where the core appends `Set-Cookie` values for the current response. Adapters implement it by
 * appending a header (never replacing one the application set).
 *
 * @example
 * ```ts
 * const sink: CookieSink = (cookie) => res.appendHeader('set-cookie', cookie);
 * ```
 */
export type CookieSink = (serializedCookie: string) => void;

/**
 * Whether a request wants a machine answer (401 + JSON) rather than a redirect to the login page:
 * `X-Requested-With: XMLHttpRequest`, or an Accept header that asks for JSON and not HTML.
 *
 * @example
 * ```ts
 * wantsJson({ header: (n) => ({ accept: 'application/json' })[n] }); // true
 * ```
 */
export function wantsJson(request: Pick<RequestView, 'header'>): boolean {
  if (request.header('x-requested-with')?.toLowerCase() === 'xmlhttprequest') return true;
  const accept = request.header('accept');
  if (accept === undefined) return false;
  const lower = accept.toLowerCase();
  return lower.includes('json') && !lower.includes('text/html');
}

/**
 * The path part of a request URL (`/a/b?x=1` → `/a/b`), without allocating a URL object.
 *
 * @example
 * ```ts
 * pathOf('/callback?code=1'); // '/callback'
 * ```
 */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  const h = url.indexOf('#');
  const end = q === -1 ? (h === -1 ? url.length : h) : h === -1 ? q : Math.min(q, h);
  return url.slice(0, end);
}

/**
 * A 303 redirect that no cache keeps: how every oidc-kit route sends the browser on.
 *
 * @example
 * ```ts
 * seeOther('https://app.example/profile'); // { status: 303, headers: { location, 'cache-control': 'no-store' } }
 * ```
 */
export function seeOther(location: string): ResponsePlan {
  return { status: 303, headers: { location, 'cache-control': 'no-store' } };
}

/**
 * A GET or HEAD a browser navigates with (not an API call that wants JSON): it can follow a
 * redirect to the provider and come back.
 *
 * @example
 * ```ts
 * isBrowserNavigation({ method: 'GET', header: () => undefined }); // true
 * ```
 */
export function isBrowserNavigation(request: Pick<RequestView, 'method' | 'header'>): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && !wantsJson(request);
}
