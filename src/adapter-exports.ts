/**
 * What every adapter's entry point (`oidc-kit/express`, `/fastify`, `/hono`, `/fetch`) exports
 * beside its own class: the options of the guards, the results, the claim helpers and the error.
 *
 * @example
 * ```ts
 * import { claimIncludes, OidcError, type RequestContext } from 'oidc-kit/hono';
 * ```
 */
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
export type { ResponsePlan } from './http.ts';
export { OidcError } from './errors.ts';
