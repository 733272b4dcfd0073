/**
 * What every framework adapter offers besides its framework's wiring: the guards (each in the
 * framework's own form), token validation, the client credentials grant and test sessions. One
 * class, so that the adapters hold their framework's translation only and say the rest once.
 */
import type { Claims } from '../claims.ts';
import type { ResolvedConfig } from '../config/resolved-config.ts';
import type {
  AcceptTokenOptions, AccessControlOptions, AuthorizationOptions, RequireLoginOptions, RequireRoleOptions,
} from '../core/guard-options.ts';
import type { Guard } from '../core/guards/guard.ts';
import type { OidcCore } from '../core/oidc-core.ts';
import type { TokenValidationResult } from '../core/token-validation-result.ts';
import type { ClientCredentialsOptions, ClientCredentialsToken } from '../grants/client-credentials.ts';
import type { ClaimRequirements } from '../resource/claim-checks.ts';
import type { TokenRequirements } from '../resource/token-validator.ts';
import type { TestSessionTokens } from '../testing/test-session-data.ts';

/**
 * The part of an adapter that is the same on every framework. `H` is the framework's form of a
 * guard (Express and Hono middleware, a Fastify hook, the core's own `Guard` for fetch handlers);
 * `N` the framework's request, handed to the hooks.
 *
 * @example
 * ```ts
 * class MyAdapter extends OidcAdapter<MyMiddleware, MyRequest> {
 *   protected wrap(guard: Guard): MyMiddleware { return (req, next) => …guard.check(req.oidc)…; }
 * }
 * ```
 */
export abstract class OidcAdapter<H, N> {
  // Private, not protected: the engine's plumbing (open, answer, …) is no part of an adapter's
  // API, and a subclass keeps its own reference to the core it made.
  readonly #core: OidcCore<N>;

  protected constructor(core: OidcCore<N>) {
    this.#core = core;
  }

  /** The validated configuration, defaults filled in. */
  get config(): ResolvedConfig {
    return this.#core.config;
  }

  /** The guard in the framework's form. */
  protected abstract wrap(guard: Guard): H;

  /**
   * Protects a route: a logged-in request goes on (its access token refreshed first when it is
   * due); a browser is sent to log in and brought back to the page it asked for; a request that
   * wants JSON gets 401 (see {@link RequireLoginOptions}).
   *
   * @example
   * ```ts
   * oidc.requireLogin({ unauthenticated: 'status' });
   * oidc.requireLogin({ provider: 'partner-idp' });
   * ```
   */
  requireLogin(options: RequireLoginOptions = {}): H {
    return this.wrap(this.#core.requireLogin(options));
  }

  /**
   * Protects an API route with a bearer token (RFC 6750; Flask-OIDC: accept_token, Flask-pyoidc:
   * token_auth): from the `Authorization: Bearer` header (a form body or the query string only when
   * `resourceServer.allowFormToken` / `allowQueryToken` say so). A JWT is verified locally with the
   * provider's keys, an opaque token by (cached) introspection; the claims are then on the
   * context's `token`. Without a token: 401 with `WWW-Authenticate: Bearer realm="…"` (or on, with
   * `required: false`); a bad token 401 `invalid_token`; missing scopes 403 `insufficient_scope`;
   * a malformed request 400 `invalid_request`; the provider down 503. With `renderErrors: false`
   * the `OidcError` (its `challenge` holds the `WWW-Authenticate` value) goes to the framework's
   * error handling.
   *
   * @example
   * ```ts
   * oidc.acceptToken({ scopes: 'admin', audience: 'https://api.example.com' });
   * ```
   */
  acceptToken(options: AcceptTokenOptions = {}): H {
    return this.wrap(this.#core.acceptToken(options));
  }

  /**
   * A bearer token if the request has one — judged as by `acceptToken()`, with no fallback when it
   * is bad — otherwise the login session, as `requireLogin()` (Flask-pyoidc: access_control). The
   * context's `authenticatedBy` is then `'token'` or `'session'`.
   *
   * @example
   * ```ts
   * oidc.accessControl({ scopes: 'reports:read' });
   * ```
   */
  accessControl(options: AccessControlOptions = {}): H {
    return this.wrap(this.#core.accessControl(options));
  }

  /**
   * Requires scopes (all of them) of the token — or, after `accessControl()`, of the login
   * session: 403 `insufficient_scope` otherwise. Put it after `acceptToken()` or `accessControl()`.
   *
   * @example
   * ```ts
   * oidc.requireScopes('items:delete');
   * ```
   */
  requireScopes(scopes: string | readonly string[], options: AuthorizationOptions = {}): H {
    return this.wrap(this.#core.requireScopes(scopes, options));
  }

  /**
   * Requires claims of the verified token (or session ID token): a value to equal, or a predicate
   * such as `claimIncludes('admins')`. 403 `insufficient_scope` (reason `claim:<name>`) otherwise.
   *
   * @example
   * ```ts
   * oidc.requireClaims({ tenant: 'acme', groups: claimIncludes('staff') });
   * ```
   */
  requireClaims(requirements: ClaimRequirements, options: AuthorizationOptions = {}): H {
    return this.wrap(this.#core.requireClaims(requirements, options));
  }

  /**
   * Requires a role (or one of several) in the verified token (or session ID token): by default
   * from the `roles` claim; `from: keycloakRealmRoles` or `keycloakClientRoles('client')` for
   * Keycloak. 403 `insufficient_scope` (reason `role`) otherwise.
   *
   * @example
   * ```ts
   * oidc.requireRole('admin', { from: keycloakRealmRoles });
   * ```
   */
  requireRole(role: string | readonly string[], options: RequireRoleOptions = {}): H {
    return this.wrap(this.#core.requireRole(role, options));
  }

  /**
   * Flask-OIDC's require_keycloak_role(client, role), done on the verified token: the role must
   * be one of `resource_access[client].roles`.
   *
   * @example
   * ```ts
   * oidc.requireKeycloakRole('my-api', 'editor');
   * ```
   */
  requireKeycloakRole(client: string, role: string, options: AuthorizationOptions = {}): H {
    return this.wrap(this.#core.requireKeycloakRole(client, role, options));
  }

  /**
   * Validates a token the application got some other way (Flask-OIDC: validate_token): the same
   * checks as `acceptToken()`, as a typed result.
   *
   * @example
   * ```ts
   * const result = await oidc.validateToken(message.token, { audience: 'https://api.example', scopes: 'events:read' });
   * if (result.valid) subscribe(result.claims.sub);
   * ```
   */
  validateToken(token: string, requirements: TokenRequirements = {}): Promise<TokenValidationResult> {
    return this.#core.validateToken(token, requirements);
  }

  /**
   * An access token for calling another API as this application itself (RFC 6749 §4.4), cached
   * until shortly before it expires.
   *
   * @example
   * ```ts
   * const { accessToken } = await oidc.clientCredentials({ scope: 'reports:read' });
   * ```
   */
  clientCredentials(options: ClientCredentialsOptions = {}): Promise<ClientCredentialsToken> {
    return this.#core.clientCredentials(options);
  }

  /**
   * Test mode only: the `Cookie` header of a session for `user`, for your tests' requests.
   *
   * @example
   * ```ts
   * const cookie = await oidc.createTestSession({ sub: 'alice' });
   * ```
   */
  createTestSession(user: Claims, tokens: TestSessionTokens = {}): Promise<string> {
    return this.#core.createTestSession(user, tokens);
  }
}
