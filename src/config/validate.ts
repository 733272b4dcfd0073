/**
 * Checks of single option values, shared by the resolvers of the options' parts. Each takes the
 * option's name as a path (`session.absoluteDuration`) so that its {@link ConfigurationError} names
 * the option to fix.
 */
import { ConfigurationError } from '../errors.ts';
import type { SessionStore } from '../session/session-store.ts';
import { joinUrl } from '../util/join-url.ts';

/** What the error messages ask for: 32 random base64url characters carry 192 bits, beyond guessing. */
const MIN_SECRET_LENGTH = 32;

/**
 * The `baseUrl` option (or, as `option`, one entry of a list: `baseUrl[1]`) as a URL: absolute,
 * https (or http on a loopback host, for development), and without query, fragment or credentials,
 * since every route and cookie path is derived from it.
 *
 * @example
 * ```ts
 * parseBaseUrl('https://app.example.com').origin; // 'https://app.example.com'
 * parseBaseUrl('http://app.example.com');         // throws ConfigurationError (http off loopback)
 * ```
 */
export function parseBaseUrl(value: unknown, option = 'baseUrl'): URL {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError(option, 'required: the public URL of your app, e.g. "https://app.example.com" (or "http://localhost:3000" in development).');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(option, `"${value}" is not an absolute URL; write it like "https://app.example.com".`);
  }
  // "localhost:3000" parses, as the scheme "localhost:": what is missing is the scheme, not https.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(option, `"${value}" is not an absolute URL (it has no http:// or https://); write it like "http://localhost:3000" or "https://app.example.com".`);
  }
  if (url.protocol !== 'https:' && !isLoopbackHttp(url)) {
    throw new ConfigurationError(option, 'must be https (plain http is accepted only for localhost, 127.0.0.1 and [::1]).');
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigurationError(option, 'must not contain a query, fragment or credentials.');
  }
  return url;
}

/**
 * The `secret` option as a list: one string, or several for rotation (the first seals, all open).
 * Each must be long enough that the cookie key cannot be guessed.
 *
 * @example
 * ```ts
 * resolveSecrets(process.env.SESSION_SECRET);   // [the secret]
 * resolveSecrets([newSecret, previousSecret]);  // both, newest first
 * resolveSecrets('short');                      // throws ConfigurationError
 * ```
 */
export function resolveSecrets(value: unknown): string[] {
  const secrets = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : undefined;
  const fix = 'generate one with `node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"`';
  if (!secrets || secrets.length === 0) {
    throw new ConfigurationError('secret', `required: a random string of at least ${MIN_SECRET_LENGTH} characters that encrypts the session cookie; ${fix}.`);
  }
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new ConfigurationError('secret', `each secret must be a string of at least ${MIN_SECRET_LENGTH} characters; ${fix}.`);
    }
  }
  return secrets as string[];
}

/**
 * A route option: a path of this app starting with exactly one "/" (a leading "//" would be read as
 * another host), without query, fragment, spaces or backslashes.
 *
 * @example
 * ```ts
 * routePath('routes.callback', '/auth/callback'); // '/auth/callback'
 * routePath('routes.callback', '//evil.example'); // throws ConfigurationError
 * ```
 */
export function routePath(option: string, value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || /[?#\s\\]/.test(value)) {
    throw new ConfigurationError(option, 'must be a path such as "/callback" (starting with one "/", no query, fragment or spaces).');
  }
  return value;
}

/**
 * An option that must be an absolute URL, returned as given (not normalised by `URL`), because
 * issuers and redirect URIs are compared character by character.
 *
 * @example
 * ```ts
 * absoluteUrl('redirectUri', 'https://app.example/callback'); // 'https://app.example/callback'
 * absoluteUrl('redirectUri', '/callback');                    // throws ConfigurationError
 * ```
 */
export function absoluteUrl(option: string, value: unknown): string {
  if (typeof value !== 'string') throw new ConfigurationError(option, 'must be an absolute URL string.');
  try {
    new URL(value);
    return value;
  } catch {
    throw new ConfigurationError(option, `"${value}" is not an absolute URL.`);
  }
}

/**
 * An app-local path or same-origin URL, made absolute against the base URL, so that a redirect
 * option can never send users to another site.
 *
 * @example
 * ```ts
 * resolveAppUrl('postLogoutRedirect', '/bye', new URL('https://app.example/app')); // 'https://app.example/app/bye'
 * resolveAppUrl('postLogoutRedirect', 'https://evil.example/', new URL('https://app.example')); // throws ConfigurationError
 * ```
 */
export function resolveAppUrl(option: string, value: string, baseUrl: URL): string {
  if (value.startsWith('/') && !value.startsWith('//') && !value.includes('\\')) return joinUrl(baseUrl, value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(option, 'must be a path such as "/" or a URL of this application.');
  }
  if (url.origin !== baseUrl.origin) throw new ConfigurationError(option, `must be on this application's origin (${baseUrl.origin}).`);
  return url.href;
}

/**
 * A duration option in seconds that must be more than zero (a zero lifetime would expire at once).
 *
 * @example
 * ```ts
 * positiveSeconds('transactionTtl', 600); // 600
 * positiveSeconds('transactionTtl', 0);   // throws ConfigurationError
 * ```
 */
export function positiveSeconds(option: string, value: unknown): number {
  return positiveNumber(option, value, 'seconds');
}

/**
 * A numeric option that must be finite and more than zero; `unit` only words the error message.
 *
 * @example
 * ```ts
 * positiveNumber('httpTimeout', 5000, 'milliseconds'); // 5000
 * positiveNumber('httpTimeout', -1, 'milliseconds');   // throws ConfigurationError
 * ```
 */
export function positiveNumber(option: string, value: unknown, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(option, `must be a positive number of ${unit} (got ${String(value)}).`);
  }
  return value;
}

/**
 * A count option (how many entries a cache holds, how many calls may run): a whole number from 1 to `max`, in `unit`. A fraction means
 * nothing as a count, and a count far past what the cache can use is no bound at all.
 *
 * @example
 * ```ts
 * entryCount('resourceServer.cacheMaxEntries', 10_000, 1_000_000); // 10000
 * entryCount('resourceServer.cacheMaxEntries', 0.5, 1_000_000);    // throws ConfigurationError
 * ```
 */
export function entryCount(option: string, value: unknown, max: number, unit = 'entries'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigurationError(option, `must be a whole number of ${unit} from 1 to ${String(max).replace(/\B(?=(\d{3})+$)/g, ' ')} (got ${String(value)}).`);
  }
  return value;
}

/**
 * A duration option in seconds where zero is meaningful (no tolerance, no caching), but a negative
 * or non-finite value is not.
 *
 * @example
 * ```ts
 * nonNegativeSeconds('clockTolerance', 0);  // 0
 * nonNegativeSeconds('clockTolerance', -5); // throws ConfigurationError
 * ```
 */
export function nonNegativeSeconds(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(option, `must be a number ≥ 0 (got ${String(value)}).`);
  }
  return value;
}

/**
 * Whether a host name is this machine: the only hosts where plain http is accepted, since traffic
 * to them never crosses a network.
 *
 * @example
 * ```ts
 * isLoopbackHost('127.0.0.1');   // true
 * isLoopbackHost('example.com'); // false
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/**
 * Whether a URL is plain http to a loopback host: the development setup that may go without TLS.
 *
 * @example
 * ```ts
 * isLoopbackHttp(new URL('http://localhost:3000'));  // true
 * isLoopbackHttp(new URL('https://localhost:3000')); // false (not plain http)
 * ```
 */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/**
 * A store option: undefined, or an object with the SessionStore methods. Checked at start-up so a
 * wrong object fails here rather than on the first request that uses it.
 *
 * @example
 * ```ts
 * checkStore('session.store', new MemoryStore()); // the store
 * checkStore('session.store', undefined);         // undefined (none configured)
 * checkStore('session.store', {} as SessionStore); // throws ConfigurationError
 * ```
 */
export function checkStore(option: string, store: SessionStore | undefined): SessionStore | undefined {
  if (store === undefined) return store;
  const optional = (type: string): boolean => type === 'undefined' || type === 'function';
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.delete !== 'function' || !optional(typeof store.add) || !optional(typeof store.compareAndSet)) {
    throw new ConfigurationError(option, 'a store needs get(key), set(key, value, ttlSeconds) and delete(key) methods (and optionally add(key, value, ttlSeconds) and compareAndSet(key, expected, value, ttlSeconds)), like MemoryStore or RedisStore.');
  }
  return store;
}
