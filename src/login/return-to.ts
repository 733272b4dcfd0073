import { joinUrl } from '../util/join-url.ts';

/**
 * Where a user may be sent after login or logout: only this application. A path (`/profile`) is a
 * path of the app, as the app sees it, and is placed under the base URL (with its path prefix, if
 * any); an absolute URL must be under the base URL already. Anything else — other hosts,
 * `//evil.example`, `/\evil.example`, `javascript:`, control characters — falls back to the
 * default. The result is always an absolute URL, so no browser can reinterpret it as another host.
 *
 * @example
 * ```ts
 * const base = new URL('https://app.example');
 * safeReturnTo('/profile?tab=1', base, 'https://app.example/'); // 'https://app.example/profile?tab=1'
 * safeReturnTo('//evil.example', base, 'https://app.example/'); // 'https://app.example/'
 * safeReturnTo('/profile', new URL('https://host.example/app'), 'F'); // 'https://host.example/app/profile'
 * ```
 */
export function safeReturnTo(candidate: unknown, baseUrl: URL, fallback: string): string {
  if (typeof candidate !== 'string' || candidate === '' || candidate.length > 2048) return fallback;
  // Control characters and backslashes are how parsers are tricked into seeing another host.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(candidate)) return fallback;
  if (candidate.startsWith('//')) return fallback;
  let url: URL;
  try {
    url = candidate.startsWith('/') ? new URL(joinUrl(baseUrl, candidate)) : new URL(candidate, baseUrl);
  } catch {
    return fallback;
  }
  if (url.origin !== baseUrl.origin || url.username || url.password) return fallback;
  const prefix = baseUrl.pathname.endsWith('/') ? baseUrl.pathname : `${baseUrl.pathname}/`;
  if (url.pathname !== baseUrl.pathname && !url.pathname.startsWith(prefix)) return fallback;
  return url.href;
}
