/**
 * `oidc-kit/fastify`: the Fastify 5 adapter and what its users import with it.
 *
 * @example
 * ```ts
 * import { OpenIDConnect } from 'oidc-kit/fastify';
 * ```
 */
export {
  OpenIDConnect, type FastifyCallbackHandler, type FastifyErrorView, type FastifyOpenIDConnectOptions,
} from './adapters/fastify/openid-connect.ts';
export * from './adapter-exports.ts';
