/**
 * The `htu` of a DPoP proof (RFC 9449 §4.2) compared with the URL a request came to. The expected
 * value is built from the configured public URL of the app (the site the request's host picked
 * among the `baseUrl` entries, or the only one) and the request's path: never from a raw `Host`
 * header, which the client writes and a proof made for another server would then match.
 */
import type { ResolvedConfig } from '../../config/resolved-config.ts';
import { pathOf, type RequestView } from '../../http.ts';
import { siteOf } from '../../core/request-site.ts';
import { joinUrl } from '../../util/join-url.ts';

/** RFC 3986 §2.3 unreserved characters: a percent-encoding of one of them is the character itself. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * A URL as RFC 9449 §4.3 compares `htu`: without query and fragment, after RFC 3986 §6.2.2
 * syntax-based normalisation (case of scheme and host, dot segments, percent-encodings of
 * unreserved characters decoded and the others' hex digits upper case) and §6.2.3 scheme-based
 * normalisation (default port dropped, empty path `/`). `undefined` for anything but an absolute
 * http(s) URL without credentials.
 *
 * @example
 * ```ts
 * normaliseHtu('HTTPS://API.example.com:443/a/../%7Eb?x=1'); // 'https://api.example.com/~b'
 * ```
 */
export function normaliseHtu(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return undefined;
  const path = url.pathname.replace(/%[0-9a-fA-F]{2}/g, (escape) => {
    const char = String.fromCharCode(Number.parseInt(escape.slice(1), 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * The normalised URL a request came to, as its proof must name it: the public site the request
 * is for (see `siteOf`: with several `baseUrl` entries its host must be one of them, else an
 * `origin_not_allowed` error) joined with the request's path.
 *
 * @example
 * ```ts
 * expectedHtu(config, view); // 'https://api.example.com/reports' for GET /reports?year=2025
 * ```
 */
export function expectedHtu(config: ResolvedConfig, request: RequestView): string | undefined {
  const site = siteOf(config, request);
  let path = pathOf(request.url);
  // An absolute-form request target (`GET http://other/path`): only its path is the app's.
  if (!path.startsWith('/')) {
    try {
      path = new URL(path).pathname;
    } catch {
      return undefined;
    }
  }
  return normaliseHtu(joinUrl(site.baseUrl, path));
}
