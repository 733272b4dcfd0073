/**
 * `requireScopes()`, `requireClaims()`, `requireRole()`: rules checked on the verified claims of
 * what authenticated the request (the bearer token, else the login session).
 */
import { OidcError } from '../../errors.ts';
import { pathOf } from '../../http.ts';
import { bearerError } from '../../resource/bearer-error.ts';
import { type ClaimRequirements, failedClaim, hasRole, missingScopes, type VerifiedClaims } from '../../resource/claim-checks.ts';
import { scopeList } from '../../resource/token-validator.ts';
import type { ContextState } from '../../request-context.ts';
import type { CoreServices } from '../core-services.ts';
import { defaultErrorPlan } from '../error-answers.ts';
import type { AuthorizationRule, RequireRoleOptions } from '../guard-options.ts';
import { failWith, type Guard, stateOf, MIDDLEWARE } from './guard.ts';

/**
 * A rule of `requireScopes`, checked where the route is declared (at least one scope).
 *
 * @example
 * ```ts
 * scopesRule('items:delete'); // { scopes: ['items:delete'] }
 * ```
 */
export function scopesRule(scopes: string | readonly string[]): AuthorizationRule {
  const list = scopeList(scopes);
  if (list.length === 0) throw new TypeError('oidc-kit: requireScopes() needs at least one scope.');
  return { scopes: list };
}

/**
 * A rule of `requireClaims`, checked where the route is declared (an object of at least one rule).
 *
 * @example
 * ```ts
 * claimsRule({ email_verified: true });
 * ```
 */
export function claimsRule(requirements: ClaimRequirements): AuthorizationRule {
  if (typeof requirements !== 'object' || requirements === null || Object.keys(requirements).length === 0) {
    throw new TypeError('oidc-kit: requireClaims() needs an object of claim rules, e.g. { email_verified: true }.');
  }
  return { claims: requirements };
}

/**
 * A rule of `requireRole`, checked where the route is declared: role names, and where they are
 * (the `roles` claim by default).
 *
 * @example
 * ```ts
 * roleRule(['admin', 'owner'], {}); // { roles: ['admin', 'owner'], from: 'roles' }
 * ```
 */
export function roleRule(role: string | readonly string[], options: RequireRoleOptions): AuthorizationRule {
  const roles = typeof role === 'string' ? [role] : [...role];
  if (roles.length === 0 || roles.some((r) => typeof r !== 'string' || r === '')) throw new TypeError('oidc-kit: requireRole() needs a role name (or an array of them).');
  const from = options.from ?? 'roles';
  if (typeof from !== 'string' && typeof from !== 'function') throw new TypeError('oidc-kit: requireRole({ from }) must be a claim name or a function.');
  return { roles, from };
}

/**
 * The guard of an authorization rule: go on, or 403 `insufficient_scope` (401 when nothing
 * authenticated the request) — answered, or handed on with `render` false.
 *
 * @example
 * ```ts
 * const guard = authorizationGuard(services, scopesRule('admin'), true);
 * ```
 */
export function authorizationGuard(services: CoreServices, rule: AuthorizationRule, render: boolean): Guard {
  return {
    check(context) {
      if (context === undefined) return failWith(`oidc-kit: requireScopes/requireClaims/requireRole need ${MIDDLEWARE} and acceptToken() or accessControl() before them.`);
      const state = stateOf(services, context);
      const error = authorize(services, state, rule);
      if (error === undefined) return undefined;
      if (!render) return { fail: error };
      services.log.refusedQuietly('bearer token refused', error, { path: pathOf(state.request.url) });
      return { respond: defaultErrorPlan(services, error, state.request) };
    },
  };
}

/**
 * Checks a rule against the claims of what authenticated the request: the verified bearer token,
 * else the session's verified ID token (with UserInfo) and granted scopes. The error to answer, or
 * `undefined`.
 *
 * @example
 * ```ts
 * const error = authorize(services, state, { scopes: ['read'] });
 * ```
 */
export function authorize(services: CoreServices, state: ContextState, rule: AuthorizationRule): OidcError | undefined {
  const realm = services.config.resourceServer.realm;
  let claims: VerifiedClaims;
  let scopes: readonly string[];
  const bearer = state.token !== undefined;
  if (state.token !== undefined) {
    ({ claims, scopes } = state.token);
  } else if (state.session !== undefined && !state.tokenRoute) {
    const data = state.session.envelope.data;
    claims = { ...data.userinfo, ...state.context?.idTokenClaims };
    // A token response without `scope` granted what was asked for (RFC 6749 §5.1).
    scopes = scopeList(data.scope ?? services.config.providers.get(data.provider)?.scope);
  } else {
    return bearerError('unauthenticated', 'This needs a bearer token or a login.', { realm });
  }
  let reason: string | undefined;
  let message = '';
  let needed: readonly string[] | undefined;
  if ('scopes' in rule) {
    if (missingScopes(scopes, rule.scopes).length > 0) {
      reason = 'scope';
      needed = rule.scopes;
      message = `This needs the scope ${rule.scopes.join(' ')}.`;
    }
  } else if ('claims' in rule) {
    const failed = failedClaim(claims, rule.claims);
    if (failed !== undefined) {
      reason = `claim:${failed}`;
      message = `The ${failed} claim does not allow this.`;
    }
  } else if (!hasRole(claims, rule.roles, rule.from)) {
    reason = 'role';
    message = 'This needs a role that was not granted.';
  }
  if (reason === undefined) return undefined;
  return bearer
    ? bearerError('insufficient_scope', message, { realm, reason, ...(needed === undefined ? {} : { scope: needed }) })
    : new OidcError('insufficient_scope', message, { reason });
}
