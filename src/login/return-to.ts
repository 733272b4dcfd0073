/**
 * Where a user may be sent after login or logout: only this application's own origin (and path
 * prefix). Anything else — other hosts, `//evil.example`, `/\evil.example`, `javascript:`, control
 * characters — falls back to the default. The result is always an absolute URL on the app's
 * origin, so no browser can reinterpret it as another host.
 *
 * @example
 * ```ts
 * const base = new URL('https://app.example');
 * safeReturnTo('/profile?tab=1', base, 'https://app.example/'); // 'https://app.example/profile?tab=1'
 * safeReturnTo('//evil.example', base, 'https://app.example/'); // 'https://app.example/'
 * ```
 */
export function safeReturnTo(candidate: unknown, baseUrl: URL, fallback: string): string {
  if (typeof candidate !== 'string' || candidate === '' || candidate.length > 2048) return fallback;
  // Control characters and backslashes are how parsers are tricked into seeing another host.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(candidate)) return fallback;
  let url: URL;
  try {
    url = new URL(candidate, baseUrl);
  } catch {
    return fallback;
  }
  if (url.origin !== baseUrl.origin || url.username || url.password) return fallback;
  const prefix = baseUrl.pathname.endsWith('/') ? baseUrl.pathname : `${baseUrl.pathname}/`;
  if (url.pathname !== baseUrl.pathname && !url.pathname.startsWith(prefix)) return fallback;
  return url.href;
}
