/**
 * `baseUrl` + an app path, keeping any path prefix of the base URL: an app mounted under
 * `https://host.example/app` has its `/callback` at `/app/callback`, which `new URL(path, base)`
 * would lose (an absolute path replaces the base's whole path).
 *
 * @example
 * ```ts
 * joinUrl(new URL('https://host.example/app/'), '/callback'); // 'https://host.example/app/callback'
 * joinUrl(new URL('https://app.example'), '/logout');         // 'https://app.example/logout'
 * ```
 */
export function joinUrl(baseUrl: URL, path: string): string {
  const prefix = baseUrl.pathname.endsWith('/') ? baseUrl.pathname.slice(0, -1) : baseUrl.pathname;
  return `${baseUrl.origin}${prefix}${path}`;
}
