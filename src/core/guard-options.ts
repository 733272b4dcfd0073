/**
 * The options of the guards (`requireLogin`, `acceptToken`, `accessControl`, `requireScopes`,
 * `requireClaims`, `requireRole`): the same for every adapter.
 */
import type { ClaimRequirements, RoleSource } from '../resource/claim-checks.ts';
import type { DpopMode } from '../config/resource-server-options.ts';
import type { TokenRequirements } from '../resource/token-validator.ts';

/**
 * Options of `requireLogin`.
 *
 * @example
 * ```ts
 * app.get('/api/private', oidc.requireLogin({ unauthenticated: 'status' }), handler);
 * ```
 */
export interface RequireLoginOptions {
  /**
   * What an anonymous request gets: `'redirect'` to the provider (and back), `'status'` a 401 with
   * a JSON body, or `'auto'` (default): 401 for requests that want JSON (Accept: application/json,
   * X-Requested-With), a redirect for browsers.
   */
  unauthenticated?: 'auto' | 'redirect' | 'status';
  /**
   * Require a login at this provider (several providers; Flask-pyoidc: `oidc_auth('name')`). A
   * session from another provider counts as not logged in here.
   */
  provider?: string;
}

/**
 * Options of `acceptToken()` (Flask-OIDC: accept_token; Flask-pyoidc: token_auth).
 *
 * @example
 * ```ts
 * app.get('/api/reports', oidc.acceptToken({ scopes: 'reports:read' }), handler);
 * app.get('/api/public', oidc.acceptToken({ required: false }), handler); // anonymous allowed, bad tokens refused
 * ```
 */
export interface AcceptTokenOptions extends TokenRequirements {
  /** `false` lets requests without a token through (`req.oidc.token` is then undefined); a bad token is still refused. Default `true`. */
  required?: boolean;
  /** `false` hands the typed `OidcError` to your error handling instead of answering it. Default `true`. */
  renderErrors?: boolean;
  /**
   * DPoP (RFC 9449) on this route: `'off'` (Bearer only), `'allowed'` (DPoP or unbound Bearer) or
   * `'required'` (DPoP only). Default: `resourceServer.dpop`'s mode (`'off'` unless configured).
   */
  dpop?: DpopMode;
}

/**
 * Options of `accessControl()`: the token requirements of {@link AcceptTokenOptions} for requests
 * with a bearer token, the login behaviour of {@link RequireLoginOptions} for the others.
 *
 * @example
 * ```ts
 * app.get('/reports', oidc.accessControl({ scopes: 'reports:read', unauthenticated: 'status' }), handler);
 * ```
 */
export interface AccessControlOptions extends Omit<AcceptTokenOptions, 'required' | 'provider' | 'dpop'>, RequireLoginOptions {}

/**
 * Options of `requireScopes()`, `requireClaims()` and `requireRole()`.
 *
 * @example
 * ```ts
 * app.get('/api/x', oidc.acceptToken(), oidc.requireScopes('x:read', { renderErrors: false }), handler);
 * ```
 */
export interface AuthorizationOptions {
  /** `false` hands the typed `OidcError` (403 `insufficient_scope`) to your error handling. Default `true`. */
  renderErrors?: boolean;
}

/**
 * Options of `requireRole()`.
 *
 * @example
 * ```ts
 * app.get('/api/admin', oidc.acceptToken(), oidc.requireRole('admin', { from: keycloakRealmRoles }), handler);
 * ```
 */
export interface RequireRoleOptions extends AuthorizationOptions {
  /** Where the roles are: a claim name (default `roles`), `keycloakRealmRoles`, `keycloakClientRoles('client')`, or your function. */
  from?: RoleSource;
}

/**
 * An authorization rule of `requireScopes`, `requireClaims` or `requireRole`, checked on verified claims.
 *
 * @example
 * ```ts
 * const rule: AuthorizationRule = { roles: ['admin'], from: 'roles' };
 * ```
 */
export type AuthorizationRule =
  | {
    /** `requireScopes`: scopes the token must grant, all of them. */
    readonly scopes: readonly string[];
  }
  | {
    /** `requireClaims`: rules that must all hold. */
    readonly claims: ClaimRequirements;
  }
  | {
    /** `requireRole`: the claims must grant at least one of these roles. */
    readonly roles: readonly string[];
    /** Where the roles are. */
    readonly from: RoleSource;
  };
