import { COOKIE_NAME_PATTERN } from '../cookies/cookie-header.ts';
import { ConfigurationError } from '../errors.ts';
import type { SessionOptions } from './options.ts';
import type { ResolvedConfig } from './resolved-config.ts';
import { checkStore, entryCount, nonNegativeSeconds, positiveSeconds } from './validate.ts';

const DAY = 24 * 60 * 60;

/**
 * The `session` option: the session cookie's name and attributes, the session's lifetimes and its
 * store. `loopback` says whether the base URL is plain http to this machine: only there may cookies
 * go without Secure (the default there, as some browsers would not send them back over http).
 *
 * @example
 * ```ts
 * const session = resolveSession({ rollingDuration: 3600 }, false);
 * session.cookie;        // { path: '/', domain: undefined, httpOnly: true, secure: true, sameSite: 'Lax' }
 * session.touchInterval; // 900: a quarter of the rolling duration, at most 15 minutes
 * ```
 */
export function resolveSession(session: SessionOptions | undefined, loopback: boolean): ResolvedConfig['session'] {
  const sessionOptions = session ?? {};
  const cookieName = sessionOptions.cookieName ?? 'oidc_session';
  if (!COOKIE_NAME_PATTERN.test(cookieName)) {
    throw new ConfigurationError('session.cookieName', `"${cookieName}" is not a valid cookie name (letters, digits and !#$%&'*+-.^_\`|~ only).`);
  }
  const sameSite = sessionOptions.sameSite ?? 'Lax';
  if (!['Lax', 'Strict', 'None'].includes(sameSite)) {
    throw new ConfigurationError('session.sameSite', 'use "Lax" (default), "Strict" or "None".');
  }
  const secure = sessionOptions.secure ?? !loopback;
  if (!secure && !loopback) {
    throw new ConfigurationError('session.secure', 'cookies without Secure are only allowed for an http://localhost, http://127.0.0.1 or http://[::1] baseUrl.');
  }
  if (sameSite === 'None' && !secure) {
    throw new ConfigurationError('session.sameSite', 'SameSite=None requires Secure cookies (an https baseUrl).');
  }
  const cookiePath = sessionOptions.cookiePath ?? '/';
  if (!cookiePath.startsWith('/') || /[;\s]/.test(cookiePath)) {
    throw new ConfigurationError('session.cookiePath', 'must be a path starting with "/", without ";" or spaces.');
  }
  const cookieDomain = sessionOptions.cookieDomain;
  if (cookieDomain !== undefined && !/^\.?[a-z0-9.-]+$/i.test(cookieDomain)) {
    throw new ConfigurationError('session.cookieDomain', 'must be a host name such as "example.com".');
  }
  const absoluteDuration = positiveSeconds('session.absoluteDuration', sessionOptions.absoluteDuration ?? 7 * DAY);
  const rollingDuration = sessionOptions.rollingDuration === false
    ? undefined
    : positiveSeconds('session.rollingDuration', sessionOptions.rollingDuration ?? DAY);
  const touchInterval = sessionOptions.touchInterval === undefined
    ? Math.min(15 * 60, Math.floor((rollingDuration ?? absoluteDuration) / 4))
    : nonNegativeSeconds('session.touchInterval', sessionOptions.touchInterval);
  if (rollingDuration !== undefined && touchInterval >= rollingDuration) {
    throw new ConfigurationError('session.touchInterval', `must be shorter than session.rollingDuration (${rollingDuration} s), or sessions would expire before they are ever extended.`);
  }
  const store = checkStore('session.store', sessionOptions.store);

  return {
    cookieName,
    cookie: { path: cookiePath, domain: cookieDomain, httpOnly: true, secure, sameSite },
    absoluteDuration,
    rollingDuration,
    touchInterval,
    store,
    maxLogoutRecords: entryCount('session.maxLogoutRecords', sessionOptions.maxLogoutRecords ?? 100_000, 100_000_000, 'records'),
    maxAuthenticationAge: wholeSeconds('session.maxAuthenticationAge', sessionOptions.maxAuthenticationAge),
  };
}

/** An optional whole number of seconds (`max_age` is an integer on the wire). */
function wholeSeconds(option: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = positiveSeconds(option, value);
  if (!Number.isInteger(seconds)) throw new ConfigurationError(option, `must be a whole number of seconds (got ${seconds}).`);
  return seconds;
}
