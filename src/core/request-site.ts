/**
 * Which of the application's public URLs (`baseUrl`, or an entry of its list) a request came to.
 * Every answer that builds a URL of the app from a request — the redirect URI of a login, where
 * logout and `returnTo` lead, the page an error links back to — asks here, so the rule lives once:
 * the request's host only picks among the configured sites, and the scheme comes from the site.
 */
import type { PublicSite, ResolvedConfig } from '../config/resolved-config.ts';
import { OidcError } from '../errors.ts';
import type { RequestView } from '../http.ts';

/** What a host may look like to be named in a message: a name or an IPv6 literal, and a port. */
const HOST_SYNTAX = /^(?:[a-z0-9_.-]{1,253}|\[[0-9a-f:.]{2,45}\])(?::[0-9]{1,5})?$/i;

/**
 * The site a request came to. With one `baseUrl` it is that one, whatever the request says: no
 * header is read. With several, the request's host (`Host`, HTTP/2's `:authority`; with
 * `trustProxy`, the proxy's `X-Forwarded-Host`) must be an entry's, and with `trustProxy` a
 * `X-Forwarded-Proto` must be that entry's scheme; otherwise an `OidcError` `origin_not_allowed`
 * (400), so that no redirect is ever built for a host the app was not configured with.
 *
 * @example
 * ```ts
 * const site = siteOf(services.config, state.request);
 * site.redirectUri; // 'https://preview.example.com/callback' for a request to preview.example.com
 * ```
 */
export function siteOf(config: ResolvedConfig, request: RequestView): PublicSite {
  const found = findSite(config, request);
  if (!('reason' in found)) return found;
  const named = found.host !== undefined && HOST_SYNTAX.test(found.host) ? ` (${found.host})` : '';
  throw new OidcError('origin_not_allowed', found.reason === 'scheme'
    ? `This address${named} is served over another scheme than the application's; open the application at its usual address.`
    : `This address${named} is not one of the application's (baseUrl); open the application at its usual address.`, { reason: found.reason });
}

/**
 * The site a request came to, or the first when it came to none: for what only links to the app
 * (an error page's "back to the start page"), which may name the app's own first URL but never
 * the request's host.
 *
 * @example
 * ```ts
 * errorResponse(error, false, siteOrFirst(config, request).baseUrl.href);
 * ```
 */
export function siteOrFirst(config: ResolvedConfig, request: RequestView): PublicSite {
  const found = findSite(config, request);
  return 'reason' in found ? config.sites[0]! : found;
}

function findSite(config: ResolvedConfig, request: RequestView): PublicSite | { reason: 'host' | 'scheme'; host: string | undefined } {
  const sites = config.sites;
  // One public URL (the common case): the answer for every request, and nothing of it is read.
  if (sites.length === 1) return sites[0]!;
  let host = request.host?.() ?? request.header('host');
  let scheme: string | undefined;
  if (config.trustProxy) {
    host = lastValue(request.header('x-forwarded-host')) ?? host;
    scheme = lastValue(request.header('x-forwarded-proto'))?.toLowerCase();
  }
  const site = host === undefined ? undefined : config.sitesByHost.get(host.toLowerCase());
  if (site === undefined) return { reason: 'host', host };
  if (scheme !== undefined && `${scheme}:` !== site.baseUrl.protocol) return { reason: 'scheme', host };
  return site;
}

/**
 * The last of a header's comma-separated values: the one the proxy nearest the app wrote (a proxy
 * that appends puts its own last; the first may be what the client sent). `undefined` when empty.
 */
function lastValue(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.slice(header.lastIndexOf(',') + 1).trim();
  return value === '' ? undefined : value;
}
