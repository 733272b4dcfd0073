/**
 * `acceptToken()`: a route that needs a bearer token (RFC 6750): read from the request, verified
 * (a JWT locally, an opaque token by cached introspection), its claims put on the context.
 */
import { OidcError } from '../../errors.ts';
import { pathOf } from '../../http.ts';
import { bearerError } from '../../resource/bearer-error.ts';
import { type BearerToken, checkBearerSyntax, readBearerToken } from '../../resource/read-bearer-token.ts';
import type { TokenPolicy } from '../../resource/token-validator.ts';
import type { ContextState } from '../../request-context.ts';
import type { CoreServices } from '../core-services.ts';
import { defaultErrorPlan } from '../error-answers.ts';
import type { AcceptTokenOptions } from '../guard-options.ts';
import { failWith, type Guard, stateOf, type Verdict, MIDDLEWARE } from './guard.ts';

/** An `OidcError` as it is; anything else (a programming error) is rethrown. */
function asOidcError(error: unknown): OidcError {
  if (error instanceof OidcError) return error;
  throw error;
}

/** Services whose audience warning was given: once per core, not once per route. */
const warnedAudience = new WeakSet<CoreServices>();

/**
 * The guard of `acceptToken()`. Its verdict: go on (claims on `context.token`), or the token
 * error — answered in JSON with its `WWW-Authenticate` challenge, or handed on with
 * `renderErrors: false`. Synchronous when the token's verification is cached.
 *
 * @example
 * ```ts
 * const guard = acceptTokenGuard(services, { scopes: 'reports:read' });
 * ```
 */
export function acceptTokenGuard(services: CoreServices, options: AcceptTokenOptions): Guard {
  const policy = services.tokens.policy(options);
  if (policy.audience === undefined && !warnedAudience.has(services)) {
    warnedAudience.add(services);
    services.config.logger.warn('acceptToken() without an audience accepts tokens the provider issued for any API; set resourceServer.audience', { option: 'resourceServer.audience' });
  }
  const required = options.required ?? true;
  const render = options.renderErrors ?? true;
  const settle = (state: ContextState, error: OidcError | undefined): Verdict => {
    if (error === undefined) return undefined;
    if (!render) return { fail: error };
    // A refused token answered here is the client's to read in the challenge: `debug` only, never
    // `warn`, where any outsider could fill the log with forged tokens.
    services.log.refusedQuietly('bearer token refused', error, { path: pathOf(state.request.url) });
    // An API route: every answer is JSON, whatever the Accept header says.
    return { respond: defaultErrorPlan(services, error, state.request, true) };
  };
  return {
    check(context) {
      if (context === undefined) return failWith(`oidc-kit: acceptToken() needs ${MIDDLEWARE} before the route (or resourceServerOnly: true).`);
      const state = stateOf(services, context);
      const outcome = checkToken(services, state, policy, required);
      if (outcome === undefined) return undefined;
      return outcome instanceof Promise ? outcome.then((error) => settle(state, error)) : settle(state, outcome);
    },
  };
}

/**
 * Authenticates a request by its bearer token. `undefined` when it may go on — synchronously when
 * the token's verification is cached — with the claims on the state; otherwise the `OidcError` to
 * answer (`unauthenticated` 401 without a token when `required`, `invalid_request` 400,
 * `invalid_token` 401, `insufficient_scope` 403, the provider's 502/503).
 *
 * @example
 * ```ts
 * const error = await checkToken(services, state, policy, true);
 * ```
 */
export function checkToken(services: CoreServices, state: ContextState, policy: TokenPolicy, required: boolean): OidcError | undefined | Promise<OidcError | undefined> {
  // A bearer route: the session cookie does not count here, not even for later claim checks.
  state.tokenRoute = true;
  let token: BearerToken | undefined | Promise<BearerToken | undefined>;
  try {
    token = readBearerToken(state.request, services.transports);
  } catch (error) {
    return asOidcError(error);
  }
  if (token instanceof Promise) return token.then((found) => verify(services, state, found, policy, required), asOidcError);
  return verify(services, state, token, policy, required);
}

function verify(services: CoreServices, state: ContextState, found: BearerToken | undefined, policy: TokenPolicy, required: boolean): OidcError | undefined | Promise<OidcError | undefined> {
  const { realm } = services.config.resourceServer;
  if (found === undefined) {
    return required ? bearerError('unauthenticated', 'This API needs a bearer token.', { realm }) : undefined;
  }
  // RFC 6750 §2.3: an answer to a URL that carries a token must not be kept by shared caches.
  if (found.source === 'query') state.io.setHeader?.('cache-control', 'private');
  const tokens = services.tokens;
  let validated;
  try {
    // A token seen before: its cached verdict, with no syntax check, crypto or I/O again.
    const key = tokens.keyFor(found.token);
    validated = tokens.recall(found.token, policy, key);
    if (validated === undefined) {
      checkBearerSyntax(found, realm);
      validated = tokens.validate(found.token, policy, key);
    }
  } catch (error) {
    return asOidcError(error);
  }
  if (validated instanceof Promise) {
    return validated.then((result) => {
      state.token = result;
      return undefined;
    }, asOidcError);
  }
  state.token = validated;
  return undefined;
}
