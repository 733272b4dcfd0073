/**
 * Where the application is: its public URL, or the several URLs one deployment answers at, and
 * whether a reverse proxy's `X-Forwarded-*` headers may say which of them a request came to.
 */

/**
 * The options that say where the application is. Part of {@link OpenIDConnectOptions}.
 *
 * @example
 * ```ts
 * // One deployment reached at two domains, behind a proxy that rewrites Host:
 * const where: PublicUrlOptions = {
 *   baseUrl: ['https://app.example.com', 'https://app.example.org'],
 *   trustProxy: true, // the proxy sends the browser's host in X-Forwarded-Host
 * };
 * ```
 */
export interface PublicUrlOptions {
  /**
   * The application's public URL (scheme, host, optional path). Redirect URIs, the default
   * post-logout address, `returnTo` checks and cookie security derive from it. Alone, it is the
   * answer for every request: the `Host` and `X-Forwarded-*` headers are never read. Not needed
   * with `resourceServerOnly`.
   *
   * A list names every URL one deployment answers at (several domains, a preview URL, `localhost`
   * and `127.0.0.1`): a request's host (its `Host` header; with `trustProxy`, `X-Forwarded-Host`)
   * picks the entry, whose scheme is used, and a login comes back to the entry it started on. A
   * request whose host is in no entry gets 400 `origin_not_allowed` on every oidc-kit route (and on
   * `requireLogin()` when it would send the browser to log in), never a redirect. The entries may
   * differ in scheme, host and port only (one path, as the routes and cookie paths are shared),
   * each host once; register every entry's redirect URI and post-logout redirect URI at the
   * provider (the start-up line lists them). `redirectUri` and `postLogoutRedirectUri` cannot be
   * combined with a list, and `postLogoutRedirect` must then be a path.
   */
  baseUrl?: string | readonly string[];
  /**
   * With a `baseUrl` list: a reverse proxy in front of the app sets `X-Forwarded-Host` (the host
   * the browser asked for) and `X-Forwarded-Proto`, and oidc-kit may read them (the last value of
   * each, the one the proxy nearest the app wrote). The result must still be one of the entries,
   * so a forged header can at most pick another of the app's own URLs. `Forwarded` (RFC 7239) is
   * not read. Not needed when the proxy passes the browser's `Host` on; no effect with one
   * `baseUrl`. Default `false`.
   */
  trustProxy?: boolean;
}
