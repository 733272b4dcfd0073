/**
 * `accessControl()` (Flask-pyoidc: access_control): a bearer token if the request has one — judged
 * as by `acceptToken()`, with no fallback when it is bad — otherwise the login session, which must
 * grant the same scopes a token would.
 */
import { hasBearerCredentials } from '../../resource/read-bearer-token.ts';
import { scopeList } from '../../resource/token-validator.ts';
import type { RequestContext } from '../../request-context.ts';
import type { CoreServices } from '../core-services.ts';
import type { AccessControlOptions, RequireLoginOptions } from '../guard-options.ts';
import { acceptTokenGuard } from './accept-token.ts';
import { authorizationGuard } from './authorize.ts';
import { failWith, type Guard, respondWith, stateOf, type Verdict, MIDDLEWARE } from './guard.ts';
import { checkLogin, checkLoginOptions } from './require-login.ts';

/**
 * The guard of `accessControl()`. In API-only mode it is `acceptToken()`'s.
 *
 * @example
 * ```ts
 * const guard = accessControlGuard(services, { scopes: 'reports:read' });
 * ```
 */
export function accessControlGuard(services: CoreServices, options: AccessControlOptions): Guard {
  const { unauthenticated, provider, renderErrors, ...requirements } = options;
  const token = acceptTokenGuard(services, { ...requirements, ...(provider === undefined ? {} : { provider }), ...(renderErrors === undefined ? {} : { renderErrors }) });
  if (services.config.resourceServerOnly) return token;
  const login: RequireLoginOptions = { ...(unauthenticated === undefined ? {} : { unauthenticated }), ...(provider === undefined ? {} : { provider }) };
  checkLoginOptions(services, login);
  const scopes = scopeList(requirements.scopes);
  // A session must grant the same scopes as a token would.
  const scopeGuard = scopes.length === 0 ? undefined : authorizationGuard(services, { scopes }, renderErrors ?? true);
  const challenge = `Bearer realm="${services.config.resourceServer.realm}"`;

  const bySession = (context: RequestContext): Verdict | Promise<Verdict> => {
    const pending = checkLogin(services, stateOf(services, context), login);
    if (pending === undefined) return scopeGuard?.check(context);
    return pending.then((plan) => {
      if (plan === undefined) return scopeGuard?.check(context);
      // The route would accept a token as well, so its 401 carries the bearer challenge (RFC 9110 §11.6.1).
      return respondWith(plan.status === 401 ? { ...plan, headers: { ...plan.headers, 'www-authenticate': challenge } } : plan);
    });
  };
  return {
    check(context) {
      if (context === undefined) return failWith(`oidc-kit: accessControl() needs ${MIDDLEWARE} before the route.`);
      const hasToken = hasBearerCredentials(stateOf(services, context).request, services.transports);
      if (typeof hasToken === 'boolean') return hasToken ? token.check(context) : bySession(context);
      return hasToken.then((has) => (has ? token.check(context) : bySession(context)));
    },
  };
}
