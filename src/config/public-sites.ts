/**
 * The `baseUrl` option — one public URL, or the list of URLs one deployment answers at — and the
 * options that derive from it (`redirectUri`, `postLogoutRedirect`, `trustProxy`), resolved into
 * the application's public sites: each entry with its own redirect URI and post-logout addresses.
 */
import { ConfigurationError } from '../errors.ts';
import { joinUrl } from '../util/join-url.ts';
import type { OpenIDConnectOptions } from './options.ts';
import type { PublicSite, ResolvedConfig } from './resolved-config.ts';
import { absoluteUrl, isLoopbackHttp, parseBaseUrl, resolveAppUrl } from './validate.ts';

/** The port a URL without one is served on: a request may name it (`Host: app.example:443`). */
const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/** The route paths the sites' URLs are made of. */
export interface SitePaths {
  readonly callback: string;
  readonly postLogout: string;
}

/**
 * The public sites of `options` (the first is `baseUrl`, or the first of its list), every host
 * each may be named with, and `trustProxy`. Throws a {@link ConfigurationError} naming the option
 * and the fix. `fallback` stands in for a missing `baseUrl` (API-only apps, which have no logins).
 *
 * @example
 * ```ts
 * const { sites } = resolvePublicSites({ baseUrl: ['https://a.example', 'https://b.example'] }, undefined, { callback: '/callback', postLogout: '/logout/callback' });
 * sites[1]?.redirectUri; // 'https://b.example/callback'
 * ```
 */
export function resolvePublicSites(
  options: OpenIDConnectOptions,
  fallback: string | undefined,
  paths: SitePaths,
): Pick<ResolvedConfig, 'sites' | 'sitesByHost' | 'trustProxy'> {
  const urls = parseBaseUrls(options.baseUrl ?? fallback);
  const several = urls.length > 1;
  if (options.trustProxy !== undefined && typeof options.trustProxy !== 'boolean') {
    throw new ConfigurationError('trustProxy', 'must be true (a reverse proxy in front of the app sets X-Forwarded-Host and X-Forwarded-Proto) or false (the default: only the Host header picks among the baseUrl entries).');
  }
  // These name one absolute URL, which cannot be right on every origin; a path can.
  if (several && options.redirectUri !== undefined) {
    throw new ConfigurationError('redirectUri', 'names one absolute URL, which cannot serve the several URLs of baseUrl; drop it and set routes.callback: each entry\'s redirect URI is that entry + routes.callback.');
  }
  const postLogoutRedirect = options.postLogoutRedirect ?? '/';
  if (several && !(typeof postLogoutRedirect === 'string' && postLogoutRedirect.startsWith('/'))) {
    throw new ConfigurationError('postLogoutRedirect', 'must be a path (such as "/") when baseUrl lists several URLs: logout then sends users to that path on the URL they are on.');
  }
  const redirectUri = options.redirectUri === undefined ? undefined : absoluteUrl('redirectUri', options.redirectUri);
  if (redirectUri !== undefined && new URL(redirectUri).protocol !== 'https:' && !isLoopbackHttp(new URL(redirectUri))) {
    throw new ConfigurationError('redirectUri', 'must be https (plain http is accepted only for localhost, 127.0.0.1 and [::1]).');
  }
  const sites: PublicSite[] = urls.map((url) => ({
    baseUrl: url,
    origin: url.origin,
    redirectUri: redirectUri ?? joinUrl(url, paths.callback),
    postLogoutRedirectUri: joinUrl(url, paths.postLogout),
    postLogoutRedirect: resolveAppUrl('postLogoutRedirect', postLogoutRedirect, url),
  }));
  return { sites, sitesByHost: several ? hostsOf(sites) : new Map(), trustProxy: options.trustProxy ?? false };
}

/**
 * `baseUrl` as a list of URLs, each checked as one `baseUrl` is. A list's entries may differ in
 * scheme, host and port only: the routes, and so the paths of the login and logout cookies, are
 * the same on all of them. Each host appears once, because a request names its host but not (unless
 * a trusted proxy says so) its scheme. An entry named twice counts once: lists built from
 * environment variables (a production URL, a preview URL that may equal it) do that.
 */
function parseBaseUrls(value: unknown): URL[] {
  if (!Array.isArray(value)) return [parseBaseUrl(value)];
  if (value.length === 0) {
    throw new ConfigurationError('baseUrl', 'is an empty list; give the public URL of your app, or every URL it answers at, e.g. ["https://app.example.com", "https://www.example.com"].');
  }
  const urls: URL[] = [];
  (value as unknown[]).forEach((entry, index) => {
    const option = `baseUrl[${index}]`;
    const url = parseBaseUrl(entry, option);
    const first = urls[0];
    if (first !== undefined && pathOf(first) !== pathOf(url)) {
      throw new ConfigurationError(option, `has the path "${pathOf(url) || '/'}" where baseUrl[0] has "${pathOf(first) || '/'}"; the entries may differ in scheme, host and port only, because oidc-kit's routes and cookie paths are the same on every one of them.`);
    }
    const sameHost = urls.find((other) => other.host === url.host);
    if (sameHost === undefined) urls.push(url);
    else if (sameHost.origin !== url.origin) {
      throw new ConfigurationError(option, `has the host ${url.host} of another entry with another scheme; a request names its host but not its scheme, so each host may appear once (keep the https one).`);
    }
  });
  return urls;
}

/** A base URL's path without its trailing slash (`https://a.example/` and `https://b.example` share ''). */
function pathOf(url: URL): string {
  return url.pathname.replace(/\/$/, '');
}

/** Each site by the hosts a request may name it with: `host[:port]` as the URL writes it, and with the scheme's default port spelt out. */
function hostsOf(sites: readonly PublicSite[]): Map<string, PublicSite> {
  const hosts = new Map<string, PublicSite>();
  for (const site of sites) {
    const { host, hostname, port, protocol } = site.baseUrl;
    hosts.set(host, site);
    if (port === '') hosts.set(`${hostname}:${DEFAULT_PORTS[protocol] ?? ''}`, site);
  }
  return hosts;
}
