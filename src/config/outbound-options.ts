/**
 * How oidc-kit's own HTTP calls reach the providers (`fetch` and `proxy` of `OpenIDConnectOptions`):
 * discovery, the signing keys, the token endpoint, UserInfo, introspection, registration.
 * Re-exported by options.ts.
 */

/**
 * The `fetch` oidc-kit makes every call to a provider with (see {@link OutboundHttpOptions.fetch}):
 * the URL as a string and the request as `fetch` takes it. `globalThis.fetch` is one.
 *
 * @example
 * ```ts
 * import { Agent } from 'undici';
 * // A provider whose certificate comes from the company's own CA (Node.js):
 * const dispatcher = new Agent({ connect: { ca: readFileSync('company-ca.pem', 'utf8') } });
 * const providerFetch: ProviderFetch = (url, init) => fetch(url, { ...init, dispatcher } as RequestInit);
 * ```
 */
export type ProviderFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * The options that decide how oidc-kit's calls to its providers go out. Both apply to every
 * provider, like `httpTimeout`; neither applies to the browser's redirects (login, RP-initiated
 * logout), which go from the user's browser, nor to back-channel logout, which the provider calls.
 *
 * @example
 * ```ts
 * // Behind a company proxy: HTTPS_PROXY=http://proxy.internal:3128 NO_PROXY=.internal
 * const options: OutboundHttpOptions = { proxy: 'env' };
 * ```
 */
export interface OutboundHttpOptions {
  /**
   * The `fetch` used for every call to a provider: discovery, WebFinger, its signing keys (JWKS),
   * the token endpoint (code exchange, refresh, client credentials), UserInfo, introspection and
   * dynamic registration. For a proxy of your own, a client certificate, a private CA, tracing.
   * oidc-kit's protections stay around it: the `httpTimeout` signal is passed in `init` and
   * enforced even if your fetch ignores it, answers are read at most to oidc-kit's size limits,
   * and a fetch that throws is the provider being unreachable (503). Pass `init` on unchanged
   * (`redirect: 'manual'` included). Default: the runtime's `fetch`, looked up at each call.
   *
   * @example
   * ```ts
   * fetch: (url, init) => {
   *   const started = performance.now();
   *   return fetch(url, init).finally(() => metrics.observe(new URL(url).pathname, performance.now() - started));
   * },
   * ```
   */
  fetch?: ProviderFetch;
  /**
   * `'env'`: calls to the providers go through the proxy named by `HTTPS_PROXY` (https URLs) or
   * `HTTP_PROXY` (http URLs), except for the hosts listed in `NO_PROXY` (lower-case names win, as
   * curl reads them). The variables are read when the app starts. On Node.js this uses Node's own
   * proxy support when it is on (`NODE_USE_ENV_PROXY=1` or `--use-env-proxy`, Node ≥ 22.21 or
   * ≥ 24.5), else the `undici` package (install it: an optional peer dependency); with neither, the
   * app fails at start-up saying so. Bun and Deno honour the variables in every `fetch` already, with
   * or without this option. On Cloudflare Workers, which have no proxy to configure, it is refused
   * at start-up. Cannot be combined with `fetch`. Default: none (the runtime's `fetch` as it is).
   *
   * @example
   * ```ts
   * new OpenIDConnect({ ...options, proxy: 'env' }); // HTTPS_PROXY=http://proxy.internal:3128
   * ```
   */
  proxy?: 'env';
}
