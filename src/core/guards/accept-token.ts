/**
 * `acceptToken()`: a route that needs an access token: a bearer token (RFC 6750), or — where the
 * route accepts DPoP — a DPoP-bound one with its proof (RFC 9449). Read from the request, verified
 * (a JWT locally, an opaque token by cached introspection), its claims put on the context.
 */
import type { DpopMode } from '../../config/resource-server-options.ts';
import { OidcError } from '../../errors.ts';
import { pathOf } from '../../http.ts';
import { bearerError } from '../../resource/bearer-error.ts';
import { type ChallengeContext, dpopError, withChallenges } from '../../resource/dpop/challenges.ts';
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
const MODES: readonly DpopMode[] = ['off', 'allowed', 'required'];

/**
 * The guard of `acceptToken()`. Its verdict: go on (claims on `context.token`), or the token
 * error — answered in JSON with its `WWW-Authenticate` challenge, or handed on with
 * `renderErrors: false`. Synchronous when the token's verification is cached (and the route takes
 * no DPoP proof, which is checked on every request).
 *
 * @example
 * ```ts
 * const guard = acceptTokenGuard(services, { scopes: 'reports:read', dpop: 'allowed' });
 * ```
 */
export function acceptTokenGuard(services: CoreServices, options: AcceptTokenOptions): Guard {
  const policy = services.tokens.policy(options);
  if (policy.audience === undefined && !warnedAudience.has(services)) {
    warnedAudience.add(services);
    services.config.logger.warn('acceptToken() without an audience accepts tokens the provider issued for any API; set resourceServer.audience', { option: 'resourceServer.audience' });
  }
  const dpop = routeMode(services, options.dpop);
  const challenges = challengeContext(services, dpop);
  const required = options.required ?? true;
  const render = options.renderErrors ?? true;
  const settle = (state: ContextState, found: OidcError | undefined): Verdict => {
    if (found === undefined) return undefined;
    // The route's challenges (DPoP beside Bearer, resource_metadata) are decided here, once, for
    // every adapter; a route with neither keeps the bearer error exactly as it was made.
    const error = challenges === undefined ? found : withChallenges(found, schemeOf(state), policy.scopes, challenges);
    // RFC 9449 §9: the nonce to use comes with the refusal that asks for it.
    const nonce = error.code === 'use_dpop_nonce' ? services.dpop.nonce() : undefined;
    if (nonce !== undefined) state.io.setHeader?.('dpop-nonce', nonce);
    if (!render) return { fail: error };
    // A refused token answered here is the client's to read in the challenge: `debug` only, never
    // `warn`, where any outsider could fill the log with forged tokens.
    services.log.refusedQuietly('bearer token refused', error, { path: pathOf(state.request.url) });
    // An API route: every answer is JSON, whatever the Accept header says.
    const plan = defaultErrorPlan(services, error, state.request, true);
    return { respond: nonce === undefined ? plan : { ...plan, headers: { ...plan.headers, 'dpop-nonce': nonce } } };
  };
  return {
    check(context) {
      if (context === undefined) return failWith(`oidc-kit: acceptToken() needs ${MIDDLEWARE} before the route (or resourceServerOnly: true).`);
      const state = stateOf(services, context);
      const outcome = checkToken(services, state, policy, required, dpop);
      if (outcome === undefined) return undefined;
      return outcome instanceof Promise ? outcome.then((error) => settle(state, error)) : settle(state, outcome);
    },
  };
}

/** The route's DPoP mode, checked where the route is declared (a `TypeError` naming the fix). */
function routeMode(services: CoreServices, given: DpopMode | undefined): DpopMode {
  const settings = services.config.resourceServer.dpop;
  const mode = given ?? settings.mode;
  if (!MODES.includes(mode)) throw new TypeError('oidc-kit: acceptToken({ dpop }) must be "off", "allowed" or "required".');
  if (mode !== 'off' && settings.unavailable !== undefined) throw new TypeError(`oidc-kit: acceptToken({ dpop: "${mode}" }): baseUrl ${settings.unavailable}`);
  return mode;
}

/** What the route's challenges carry beyond RFC 6750's; `undefined` for a plain bearer route. */
function challengeContext(services: CoreServices, dpop: DpopMode): ChallengeContext | undefined {
  const rs = services.config.resourceServer;
  if (dpop === 'off' && rs.metadata === undefined) return undefined;
  return { realm: rs.realm, bearer: dpop !== 'required', dpop: dpop !== 'off', algs: rs.dpop.algorithms, resourceMetadata: rs.metadata?.url };
}

/** The scheme the request's Authorization header used: read again only on the error path. */
function schemeOf(state: ContextState): 'bearer' | 'dpop' | undefined {
  const authorization = state.request.header('authorization');
  return authorization === undefined ? undefined : /^dpop(\s|$)/i.test(authorization) ? 'dpop' : 'bearer';
}

/**
 * Authenticates a request by its access token. `undefined` when it may go on — synchronously when
 * the token's verification is cached and no DPoP proof is involved — with the claims on the state;
 * otherwise the `OidcError` to answer (`unauthenticated` 401 without a token when `required`,
 * `invalid_request` 400, `invalid_token` 401, `invalid_dpop_proof` / `use_dpop_nonce` 401,
 * `insufficient_scope` 403, the provider's or the replay store's 502/503).
 *
 * @example
 * ```ts
 * const error = await checkToken(services, state, policy, true, 'allowed');
 * ```
 */
export function checkToken(services: CoreServices, state: ContextState, policy: TokenPolicy, required: boolean, dpop: DpopMode = 'off'): OidcError | undefined | Promise<OidcError | undefined> {
  // A bearer route: the session cookie does not count here, not even for later claim checks.
  state.tokenRoute = true;
  let token: BearerToken | undefined | Promise<BearerToken | undefined>;
  try {
    token = readBearerToken(state.request, services.transports, dpop !== 'off');
  } catch (error) {
    return asOidcError(error);
  }
  if (token instanceof Promise) return token.then((found) => verify(services, state, found, policy, required, dpop), asOidcError);
  return verify(services, state, token, policy, required, dpop);
}

function verify(services: CoreServices, state: ContextState, found: BearerToken | undefined, policy: TokenPolicy, required: boolean, dpop: DpopMode): OidcError | undefined | Promise<OidcError | undefined> {
  const { realm } = services.config.resourceServer;
  if (found === undefined) {
    return required ? bearerError('unauthenticated', 'This API needs a bearer token.', { realm }) : undefined;
  }
  if (found.scheme === 'dpop') return verifyDpop(services, state, found, policy).catch(asOidcError);
  if (dpop === 'required') {
    return dpopError('invalid_token', 'This API accepts DPoP-bound tokens only: send Authorization: DPoP with a DPoP proof (RFC 9449).', realm, 'dpop_required');
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

/**
 * `Authorization: DPoP <token>` (RFC 9449 §7): the proof is checked on every request (it is made
 * for one), the token may come from the cache; the token must be bound to the proof's key; the
 * proof is recorded as used last, so that only a request that passed every check spends a store
 * write — and a proof that cannot be recorded (store down) is never accepted.
 */
async function verifyDpop(services: CoreServices, state: ContextState, found: BearerToken, policy: TokenPolicy): Promise<OidcError | undefined> {
  checkBearerSyntax(found, services.config.resourceServer.realm);
  const proof = await services.dpop.proof(state.request, found.token, (nonce) => state.io.setHeader?.('dpop-nonce', nonce));
  const tokens = services.tokens;
  const key = tokens.keyFor(found.token);
  const validated = tokens.recall(found.token, policy, key, proof.jkt) ?? await tokens.validate(found.token, policy, key, proof.jkt);
  await services.dpop.claim(proof);
  state.token = validated;
  return undefined;
}
