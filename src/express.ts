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
export type {
  AcceptTokenOptions, AccessControlOptions, AuthorizationOptions, RequireLoginOptions, RequireRoleOptions,
} from './core/guard-options.ts';
export type { LoginResult } from './core/login-result.ts';
export type { TokenValidationResult } from './core/token-validation-result.ts';
export type { AccessTokenClaims } from './resource/access-token-claims.ts';
export type { ClaimRequirements, ClaimRule, RoleSource } from './resource/claim-checks.ts';
export { claimIncludes, keycloakClientRoles, keycloakRealmRoles } from './resource/claim-checks.ts';
export type { ClientCredentialsOptions, ClientCredentialsToken } from './grants/client-credentials.ts';
export type { RequestContext } from './request-context.ts';
export { OidcError } from './errors.ts';
