/**
 * `oidc-kit/fetch`: the adapter for Web-standard fetch handlers (Next.js route handlers, Bun.serve,
 * Deno.serve, Cloudflare Workers) and what its users import with it.
 *
 * @example
 * ```ts
 * import { OpenIDConnect, respond } from 'oidc-kit/fetch';
 * ```
 */
export { OpenIDConnect, type ContextHandler, type FetchOpenIDConnectOptions } from './adapters/fetch/openid-connect.ts';
export { planResponse as respond } from './core/pending-writes.ts';
export type { WebCallbackHandler, WebErrorView } from './adapters/web/web-hooks.ts';
export * from './adapter-exports.ts';
