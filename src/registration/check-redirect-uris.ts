import { isLoopback } from '../provider/discover.ts';

/**
 * The kind of client a set of redirect URIs belongs to (Registration §2 `application_type`).
 *
 * @example
 * ```ts
 * const type: ClientType = checkRedirectUris(['http://localhost:3000/callback']); // 'native'
 * ```
 */
export type ClientType = 'web' | 'native';

/**
 * Checks the redirect URIs a client is about to register and deduces its type, as Flask-OIDC's
 * `check_redirect_uris` does: all `https://` → `'web'`; all `http://` on a loopback host
 * (localhost, 127.0.0.1, [::1]) or `urn:ietf:wg:oauth:2.0:oob` → `'native'`. Throws a `TypeError`
 * with a clear message for an empty list, a URI that is not absolute, has a fragment, uses plain http
 * elsewhere, a mixture of both kinds, or a type other than the one expected.
 *
 * @example
 * ```ts
 * checkRedirectUris(['https://app.example.com/callback']);  // 'web'
 * checkRedirectUris(['http://localhost:3000/callback']);    // 'native'
 * checkRedirectUris(['http://localhost:3000/callback'], 'web'); // throws: they make a native client
 * ```
 */
export function checkRedirectUris(uris: readonly string[], clientType?: ClientType): ClientType {
  if (!Array.isArray(uris) || uris.length === 0) throw new TypeError('Give at least one redirect URI, e.g. https://app.example.com/callback.');
  if (clientType !== undefined && clientType !== 'web' && clientType !== 'native') {
    throw new TypeError(`The client type must be "web" or "native", not "${String(clientType)}".`);
  }
  const kinds = new Set(uris.map(redirectUriKind));
  if (kinds.size > 1) {
    throw new TypeError('The redirect URIs mix https ones (a web client) with localhost or out-of-band ones (a native client); register them as two clients.');
  }
  const deduced = [...kinds][0]!;
  if (clientType !== undefined && clientType !== deduced) {
    throw new TypeError(`These redirect URIs make a ${deduced} client, not a ${clientType} one (https → web; http://localhost → native).`);
  }
  return deduced;
}

/**
 * Checks one redirect URI and says which kind of client it belongs to: `'web'` (https) or
 * `'native'` (http on a loopback host, or the out-of-band URN). Throws a `TypeError` for anything
 * else (not absolute, a fragment, plain http elsewhere, another scheme).
 *
 * @example
 * ```ts
 * redirectUriKind('http://127.0.0.1:3000/callback'); // 'native'
 * ```
 */
export function redirectUriKind(uri: string): ClientType {
  if (typeof uri !== 'string') throw new TypeError('Every redirect URI must be a string.');
  if (uri === 'urn:ietf:wg:oauth:2.0:oob') return 'native';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TypeError(`"${uri}" is not an absolute URL; a redirect URI looks like https://app.example.com/callback.`);
  }
  if (url.hash !== '' || uri.includes('#')) throw new TypeError(`"${uri}" has a fragment (#…), which redirect URIs must not have.`);
  if (url.protocol === 'https:') return 'web';
  if (url.protocol === 'http:' && isLoopback(url)) return 'native';
  if (url.protocol === 'http:') throw new TypeError(`"${uri}" uses plain http on a host other than localhost; use https.`);
  throw new TypeError(`"${uri}" is neither https nor http on localhost.`);
}
