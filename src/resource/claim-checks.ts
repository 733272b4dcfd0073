/**
 * Authorization rules on verified claims: scopes, claim values and roles. They only ever see the
 * claims of a token oidc-kit verified (or of the login session's verified ID token), never a
 * decoded-but-unverified token as Flask-OIDC's require_keycloak_role did.
 */

/**
 * Claims as the checks see them.
 *
 * @example
 * ```ts
 * const verifiedStaff = (value: unknown, claims: VerifiedClaims) => value === 'staff' && claims['email_verified'] === true;
 * app.get('/internal', oidc.acceptToken(), oidc.requireClaims({ employee_type: verifiedStaff }), handler);
 * ```
 */
export type VerifiedClaims = Readonly<Record<string, unknown>>;

/**
 * What a claim must be: a primitive it must equal exactly, or a predicate (see
 * {@link claimIncludes}). A predicate that throws counts as not satisfied.
 *
 * @example
 * ```ts
 * const rules: ClaimRequirements = { email_verified: true, tenant: (value) => value === 'acme', groups: claimIncludes('staff') };
 * ```
 */
export type ClaimRule = string | number | boolean | null | ((value: unknown, claims: VerifiedClaims) => boolean);

/**
 * Claim name → rule; every rule must hold.
 *
 * @example
 * ```ts
 * const admins: ClaimRequirements = { email_verified: true, groups: claimIncludes('admins') };
 * app.get('/admin', oidc.requireLogin(), oidc.requireClaims(admins), handler);
 * ```
 */
export type ClaimRequirements = Readonly<Record<string, ClaimRule>>;

/**
 * Where a token's roles are: a claim name (default `roles`, as Entra ID and many others put them)
 * or a function that finds them (see {@link keycloakRealmRoles}, {@link keycloakClientRoles}).
 *
 * @example
 * ```ts
 * oidc.requireRole('admin', { from: 'groups' });                        // a claim name
 * oidc.requireRole('admin', { from: (claims) => claims['app_roles'] }); // or a function
 * ```
 */
export type RoleSource = string | ((claims: VerifiedClaims) => unknown);

/**
 * A rule for {@link ClaimRequirements}: the claim — an array, or a space-separated string such as
 * `scope` — contains every one of `values`.
 *
 * @example
 * ```ts
 * oidc.requireClaims({ groups: claimIncludes('admins') });
 * ```
 */
export function claimIncludes(...values: readonly unknown[]): (value: unknown) => boolean {
  return (value) => {
    const items: readonly unknown[] = Array.isArray(value) ? value : typeof value === 'string' ? value.split(' ') : [];
    return values.every((wanted) => items.includes(wanted));
  };
}

/**
 * Keycloak realm roles: `realm_access.roles`.
 *
 * @example
 * ```ts
 * oidc.requireRole('admin', { from: keycloakRealmRoles });
 * ```
 */
export const keycloakRealmRoles: RoleSource = (claims) => objectField(claims['realm_access'], 'roles');

/**
 * Keycloak client roles of one client: `resource_access[clientId].roles`.
 *
 * @example
 * ```ts
 * oidc.requireRole('editor', { from: keycloakClientRoles('my-api') });
 * ```
 */
export function keycloakClientRoles(clientId: string): RoleSource {
  return (claims) => objectField(objectField(claims['resource_access'], clientId), 'roles');
}

/** The scopes of `required` that `granted` lacks. */
export function missingScopes(granted: readonly string[], required: readonly string[]): readonly string[] {
  return required.filter((scope) => !granted.includes(scope));
}

/** The name of the first claim whose rule does not hold, or `undefined` when all hold. */
export function failedClaim(claims: VerifiedClaims, requirements: ClaimRequirements): string | undefined {
  for (const [name, rule] of Object.entries(requirements)) {
    const value = Object.hasOwn(claims, name) ? claims[name] : undefined;
    let holds: boolean;
    try {
      holds = typeof rule === 'function' ? rule(value, claims) === true : value === rule;
    } catch {
      holds = false;
    }
    if (!holds) return name;
  }
  return undefined;
}

/** Whether the claims grant at least one of `roles`, found through `from`. */
export function hasRole(claims: VerifiedClaims, roles: readonly string[], from: RoleSource): boolean {
  let found: unknown;
  try {
    found = typeof from === 'function' ? from(claims) : Object.hasOwn(claims, from) ? claims[from] : undefined;
  } catch {
    return false;
  }
  const granted: readonly unknown[] = Array.isArray(found) ? found : typeof found === 'string' ? [found] : [];
  return roles.some((role) => granted.includes(role));
}

function objectField(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, name)) return undefined;
  return (value as Record<string, unknown>)[name];
}
