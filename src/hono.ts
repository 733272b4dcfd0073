/**
 * `oidc-kit/hono`: the Hono adapter and what its users import with it.
 *
 * @example
 * ```ts
 * import { OpenIDConnect, type OidcEnv } from 'oidc-kit/hono';
 * ```
 */
export { OpenIDConnect, respond, type HonoOpenIDConnectOptions, type OidcEnv } from './adapters/hono/openid-connect.ts';
export type { WebCallbackHandler, WebErrorView } from './adapters/web/web-hooks.ts';
export * from './adapter-exports.ts';
