/**
 * Many distinct, valid sessions for the churn runs, made from one real login the way other
 * instances of the app would make them (same secret, same library code): no cache can help, as
 * each request of the run carries a session the app has not opened before.
 *
 * - Cookie sessions: the logged-in session sealed again, once per copy. AES-GCM's random IV makes
 *   every copy a different cookie value that the app must decrypt and parse.
 * - Store sessions: the logged-in session saved again under a new id in the app's Redis, as a new
 *   login on another instance would save it; each copy has its own record and its own cookie.
 *
 * @example
 * ```ts
 * const cookies = distinctCookieSessions(loginCookieHeader, 30_000); // Cookie header values
 * ```
 */
import { parseCookieHeader } from '../src/cookies/cookie-header.ts';
import { CookieSealer } from '../src/cookies/cookie-sealer.ts';
import { readChunkedCookie } from '../src/cookies/chunked-cookie.ts';
import { createRedisStore } from '../src/redis.ts';
import { StoreSessionBackend } from '../src/session/store-session-backend.ts';
import { SESSION_SECRET } from './config.ts';

/** The apps' session cookie (oidc-kit's default name). */
const COOKIE = 'oidc_session';
const ATTRIBUTES = { path: '/', httpOnly: true, secure: false, sameSite: 'Lax' as const };
/** The sealer every bench app uses for its session cookie (and its store records). */
const sealer = (): CookieSealer => new CookieSealer([SESSION_SECRET], 'session');

/**
 * The Cookie header `cookies` make, with the session cookie's value replaced by `sealed`, cut into
 * the same chunks as the original (same plaintext, so the same length).
 */
function withSessionValue(cookies: ReadonlyMap<string, string>, sealed: string): string {
  const out: string[] = [];
  let offset = 0;
  for (const [name, value] of cookies) {
    if (name === COOKIE || name.startsWith(`${COOKIE}.`)) {
      out.push(`${name}=${sealed.slice(offset, offset + value.length)}`);
      offset += value.length;
    } else {
      out.push(`${name}=${value}`);
    }
  }
  if (offset !== sealed.length) throw new Error('the new session value does not fit the cookie shape of the login');
  return out.join('; ');
}

/** `count` Cookie headers, each with the logged-in cookie session sealed anew. */
export function distinctCookieSessions(loginCookieHeader: string, count: number): string[] {
  const cookies = parseCookieHeader(loginCookieHeader);
  const sealed = readChunkedCookie(cookies, COOKIE);
  const json = sealed === undefined ? undefined : sealer().open(sealed, COOKIE);
  if (json === undefined) throw new Error(`the login left no ${COOKIE} cookie that opens with the bench secret`);
  const seal = sealer();
  return Array.from({ length: count }, () => withSessionValue(cookies, seal.seal(json, COOKIE)));
}

/** `count` Cookie headers, each with its own session saved in the app's Redis (under the app's prefix). */
export async function distinctStoreSessions(loginCookieHeader: string, count: number, redisUrl: string): Promise<string[]> {
  const store = createRedisStore({ url: redisUrl });
  try {
    await store.ready();
    // Only save and load are used, with the session's own maxAge: the lifetime only bounds what the
    // backend keeps opened in memory here.
    const lifetime = { absoluteDuration: 7 * 24 * 3600, rollingDuration: undefined, touchInterval: 900 };
    const backend = new StoreSessionBackend(COOKIE, ATTRIBUTES, sealer(), store, lifetime, () => Math.floor(Date.now() / 1000));
    const loaded = await backend.load(parseCookieHeader(loginCookieHeader));
    if (loaded === undefined) throw new Error('the login\'s session is not in Redis');
    const headers: string[] = [];
    // In batches: one Redis write per session, without 30 000 writes in flight at once.
    for (let start = 0; start < count; start += 500) {
      const batch = await Promise.all(Array.from({ length: Math.min(500, count - start) }, async () => {
        let setCookie = '';
        await backend.save(loaded.envelope, 3600, new Map(), (cookie) => { setCookie = cookie; }, undefined);
        return setCookie.slice(0, setCookie.indexOf(';'));
      }));
      headers.push(...batch);
    }
    return headers;
  } finally {
    await store.close();
  }
}
