import { ConfigurationError } from '../errors.ts';
import { envProxyFetch, type RuntimeFacts } from '../platform/env-proxy-fetch.ts';
import type { OutboundHttpOptions, ProviderFetch } from './outbound-options.ts';

/**
 * The fetch every provider call goes out with, from the `fetch` and `proxy` options: the app's own,
 * one through the proxy of HTTPS_PROXY / HTTP_PROXY, or `undefined` for the runtime's `fetch`
 * (looked up at each call, so that what the app does to `globalThis.fetch` later still counts).
 * Decided here, at start-up, before any provider is called: discovery never goes out another way
 * than the calls after it. Throws a {@link ConfigurationError} naming the option and the fix.
 *
 * @example
 * ```ts
 * const providerFetch = resolveOutbound({ proxy: 'env' });
 * ```
 */
export function resolveOutbound(options: OutboundHttpOptions, runtime?: RuntimeFacts): ProviderFetch | undefined {
  const { fetch, proxy } = options;
  if (fetch !== undefined && typeof fetch !== 'function') {
    throw new ConfigurationError('fetch', 'must be a function (url, init) => Promise<Response>, such as `fetch` itself or one that wraps it.');
  }
  if (proxy === undefined) return fetch;
  if (proxy !== 'env') {
    throw new ConfigurationError('proxy', `use "env" (HTTPS_PROXY, HTTP_PROXY and NO_PROXY from the environment), or leave it out; got ${JSON.stringify(proxy)}. For another proxy, pass a \`fetch\` that goes through it.`);
  }
  if (fetch !== undefined) {
    throw new ConfigurationError('proxy', 'cannot be combined with `fetch`: your fetch makes the calls, so route it through the proxy yourself (on Node.js, e.g. with undici\'s EnvHttpProxyAgent as its dispatcher), or drop `fetch`.');
  }
  return envProxyFetch(runtime);
}
