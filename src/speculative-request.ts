/**
 * Requests a browser or a router makes ahead of a click (prefetch, prerender), and the answer
 * oidc-kit gives them where they would change state: starting a login (a transaction cookie and a
 * redirect to the provider) or ending a session. Decided once, in the core, for every adapter.
 */
import type { RequestView, ResponsePlan } from './http.ts';

/**
 * Whether a request is speculative: made because the user might follow a link, not because they
 * did. The signals, each sent only on such requests:
 * - `Sec-Purpose: prefetch` (Fetch, HTML speculative loading: `<link rel=prefetch>`, Speculation
 *   Rules prefetch) and `Sec-Purpose: prefetch;prerender` (Speculation Rules prerender); Chromium
 *   adds parameters (`prefetch;anonymous-client-ip`), so only the first item is compared;
 * - `Purpose: prefetch` (Chromium's legacy header, still sent next to `Sec-Purpose`; Next.js's
 *   Pages Router sends it on its data prefetches), `X-Purpose: preview` / `prefetch` (old Safari
 *   and Chromium), `X-Moz: prefetch` (Firefox before `Sec-Purpose`);
 * - `Next-Router-Prefetch` (Next.js App Router: `1` for a `<Link>` prefetch, `2` for a runtime
 *   prefetch; any value but `0`) and `X-Middleware-Prefetch: 1` (Next.js Pages Router).
 *
 * `Sec-Fetch-Mode` and `RSC: 1` are deliberately not signals: a `fetch()` and a Next.js client-side
 * navigation carry them too, and treating those as prefetches would refuse real clicks.
 *
 * @example
 * ```ts
 * isSpeculativeRequest({ header: (n) => ({ 'sec-purpose': 'prefetch;prerender' })[n] }); // true
 * isSpeculativeRequest({ header: () => undefined });                                    // false
 * ```
 */
export function isSpeculativeRequest(request: Pick<RequestView, 'header'>): boolean {
  const secPurpose = request.header('sec-purpose');
  if (secPurpose !== undefined && firstItem(secPurpose) === 'prefetch') return true;
  if (request.header('purpose')?.trim().toLowerCase() === 'prefetch') return true;
  const xPurpose = request.header('x-purpose')?.trim().toLowerCase();
  if (xPurpose === 'preview' || xPurpose === 'prefetch') return true;
  if (request.header('x-moz')?.trim().toLowerCase() === 'prefetch') return true;
  const routerPrefetch = request.header('next-router-prefetch')?.trim();
  if (routerPrefetch !== undefined && routerPrefetch !== '' && routerPrefetch !== '0') return true;
  return request.header('x-middleware-prefetch')?.trim() === '1';
}

/** The first item of a Structured Field list, without its parameters: `prefetch;prerender` → `prefetch`. */
function firstItem(value: string): string {
  return (value.split(',')[0] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * The answer to a speculative request that would start a login or end a session: 403 with a short
 * text, stored by no cache. Why 403, and not what a prefetch might take for a page:
 * - not 2xx: a browser keeps a 2xx prefetch and serves it when the link is followed (Chromium
 *   discards only statuses outside 200–299), and a navigation answered 204 leaves the user where
 *   they are: the click on "Log in" would do nothing;
 * - not 3xx: it is followed, to the provider, which is the cookie the refusal avoids;
 * - not 401: it asks for credentials (and requires a `WWW-Authenticate` challenge, RFC 9110 §11.6.1),
 *   while the login is precisely what must wait;
 * - not 503: monitoring counts it as an outage, and with `Retry-After` Chromium stops every
 *   speculative load of the whole origin for that long;
 * - 403 says what happens (RFC 9110 §15.5.4: understood, and refused). Any non-2xx status also
 *   cancels a prerender. The refused prefetch is dropped; the click then makes the real request,
 *   which starts the login at once.
 *
 * @example
 * ```ts
 * if (isSpeculativeRequest(request)) return speculativeRefusal(); // { status: 403, … }
 * ```
 */
export function speculativeRefusal(): ResponsePlan {
  return {
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body: 'Not started by a prefetch or prerender: follow the link to continue.\n',
  };
}
