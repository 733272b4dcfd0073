/**
 * `oidc-kit/express`: the Express adapter (Express 4 and 5) and what its users import with it.
 *
 * @example
 * ```ts
 * import { OpenIDConnect } from 'oidc-kit/express';
 * ```
 */
export {
  OpenIDConnect, type CallbackHandler, type ErrorView, type ExpressOpenIDConnectOptions,
} from './adapters/express/openid-connect.ts';
export * from './adapter-exports.ts';
