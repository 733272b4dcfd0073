/**
 * oidc-kit: OpenID Connect for TypeScript web servers. This entry point is the framework-neutral
 * core; applications import their framework's adapter, e.g. `oidc-kit/express`.
 */
export { OidcCore } from './core/oidc-core.ts';
export type { CoreHooks } from './core/core-services.ts';
export type { Guard, Verdict } from './core/guards/guard.ts';
export type { OidcRoute, OidcRouteName } from './core/route-table.ts';
export { PendingWrites } from './core/pending-writes.ts';
export { FetchRequestView } from './core/fetch-request-view.ts';
export type {
  RequireLoginOptions, AcceptTokenOptions, AccessControlOptions, AuthorizationOptions, RequireRoleOptions, AuthorizationRule,
} from './core/guard-options.ts';
export type { LoginResult } from './core/login-result.ts';
export type { TokenValidationResult } from './core/token-validation-result.ts';
export type {
  OpenIDConnectOptions, ProviderOptions, SessionOptions, RouteOptions, TokenEndpointAuthMethod, Logger, TestModeOptions,
  ResourceServerOptions, StrictJwtOptions, IntrospectionOptions, IntrospectionAuthMethod, TokenValidationStrategy, ClientRegistrationOptions,
  DpopMode, DpopOptions, ProtectedResourceMetadataOptions,
  OutboundHttpOptions, ProviderFetch, PublicUrlOptions, DpopAlgorithm, DpopLoginOptions, PushedAuthorizationRequests, SecurityProfile, SenderConstraintOptions,
} from './config/options.ts';
export { type AccessTokenClaims, scopesOf } from './resource/access-token-claims.ts';
export type { TokenRequirements, TokenPolicy } from './resource/token-validator.ts';
export {
  claimIncludes, keycloakClientRoles, keycloakRealmRoles, type ClaimRequirements, type ClaimRule, type RoleSource, type VerifiedClaims,
} from './resource/claim-checks.ts';
export type { ClientCredentialsOptions, ClientCredentialsToken } from './grants/client-credentials.ts';
export { fromFlaskSettings, type FlaskOidcSettings } from './config/from-flask-settings.ts';
export { loadClientSecrets, clientSecretsFor, type ClientSecretsEntry, type ClientSecretsFile } from './config/client-secrets.ts';
export { discover, checkMetadata, type ProviderMetadata, type DiscoverOptions } from './provider/discover.ts';
export { findIssuer } from './provider/find-issuer.ts';
export { registerClient, type ClientRegistrationMetadata, type RegisteredClient, type RegisterClientOptions } from './registration/register-client.ts';
export { checkRedirectUris, type ClientType } from './registration/check-redirect-uris.ts';
export { RegistrationError } from './registration/registration-error.ts';
export { OidcError, ConfigurationError, type OidcErrorCode, type OidcErrorOptions } from './errors.ts';
export { RequestContext, type ResponseIO, type LogoutOptions, type UserInfoOptions, type AccessTokenOptions } from './request-context.ts';
export type { TestSessionTokens } from './testing/test-session-data.ts';
export type { LoginOptions } from './login/start-login.ts';
export type { SessionFetchInit } from './core/session-fetch.ts';
export type { Claims } from './claims.ts';
export type { RequestView, ResponsePlan, CookieSink } from './http.ts';
export { wantsJson, isBrowserNavigation } from './http.ts';
export { isSpeculativeRequest } from './speculative-request.ts';
export type { SessionStore } from './session/session-store.ts';
export type { ResourceToken, SessionData, SessionEnvelope } from './session/session-data.ts';
export type { DpopKey } from './dpop-client/dpop-key.ts';
export type { SessionHook, SessionHookEvent } from './session/session-hook.ts';
export { MemoryStore } from './session/memory-store.ts';
