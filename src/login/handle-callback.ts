import * as client from 'openid-client';
import type { ProviderSettings, PublicSite } from '../config/resolved-config.ts';
import { isFormContentType, readForm } from '../form-body.ts';
import { OidcError } from '../errors.ts';
import { type CookieSink, type RequestView, type ResponsePlan, seeOther } from '../http.ts';
import { fetchUserInfo } from '../provider/fetch-userinfo.ts';
import { toOidcError } from '../provider/provider-error.ts';
import type { LoadedSession } from '../session/session-backend.ts';
import type { SessionData } from '../session/session-data.ts';
import { providerSessionEnd } from '../session/provider-session-end.ts';
import { hookTokens, runSessionHook, userClaimsOf } from '../session/session-hook.ts';
import { checkDpopBound } from '../dpop-client/dpop-bound.ts';
import { generateDpopKey } from '../dpop-client/dpop-key.ts';
import { checkIdTokenClaims, checkTokenHash } from './id-token-rules.ts';
import type { LoginDependencies } from './login-dependencies.ts';
import type { LoginTransaction } from './transaction.ts';

/** What a callback came to. */
export type CallbackOutcome =
  /** A completed login: the new session, and the transaction it completed (returnTo, app state). */
  | { readonly kind: 'login'; readonly session: LoadedSession; readonly transaction: LoginTransaction; readonly plan: ResponsePlan }
  /** A `prompt=none` re-authentication the provider could not complete without the user. */
  | { readonly kind: 'silent_failed'; readonly transaction: LoginTransaction; readonly error: OidcError }
  /**
   * The provider was down or broken after the transaction was taken (code exchange, its keys,
   * UserInfo): the login may well work if started again, but not by reloading the callback.
   */
  | { readonly kind: 'provider_failed'; readonly transaction: LoginTransaction; readonly error: OidcError };

/**
 * The errors that mean "the provider (or the app's onSession hook) failed", not "this response is
 * wrong", and a code the provider no longer takes (`invalid_grant`: it expired — FAPI 2.0 providers
 * give codes 60 seconds — or was used): worth a new login, which the error answer offers.
 */
const PROVIDER_FAULTS: ReadonlySet<string> = new Set(['provider_unavailable', 'provider_error', 'session_hook_failed', 'invalid_grant']);

/** Errors of a `prompt=none` request that mean "the user must interact", not "something is broken" (OIDC Core 3.1.2.6). */
const INTERACTION_ERRORS = new Set(['login_required', 'interaction_required', 'consent_required', 'account_selection_required']);

/**
 * Completes a login at the redirect URI: finds the pending transaction by `state` (and deletes it,
 * whatever happens next), lets openid-client validate the response (RFC 9207 `iss`, error
 * responses) and redeem the code with the PKCE verifier, verifies the ID token (signature with the
 * pinned algorithm, iss, aud/azp, nonce, exp/iat with clock tolerance), applies the configured
 * claim checks, fetches UserInfo (its `sub` must match), and only then creates the session.
 * The code is only ever redeemed at the provider the transaction started with (mix-up defence),
 * and only on the public site (`site`) the login started on, with that site's redirect URI.
 * Any failure throws an {@link OidcError} and leaves no new session behind.
 *
 * @example
 * ```ts
 * const outcome = await handleCallback(deps, request, cookies, sink, currentSession, site);
 * if (outcome.kind === 'login') outcome.plan.headers.location; // the returnTo of the login
 * ```
 */
export async function handleCallback(
  deps: LoginDependencies,
  request: RequestView,
  cookies: ReadonlyMap<string, string>,
  sink: CookieSink,
  current: LoadedSession | undefined,
  site: PublicSite,
): Promise<CallbackOutcome> {
  const { params: query, mode } = await responseParameters(request);
  const transaction = takeTransaction(deps, query, cookies, sink);
  // The code was issued for the redirect URI of the site the login started on, and the exchange
  // must send that one (RFC 6749 §4.1.3): a callback that reached another of the app's sites was
  // redirected on the way (the login's cookie reaches it only through a shared cookie domain).
  if ((transaction.origin ?? deps.config.sites[0]!.origin) !== site.origin) {
    throw new OidcError('origin_not_allowed', 'This login was started at another address of the application; start it again there.', { reason: 'login_origin' });
  }
  // Only the mode that was asked for (RFC 9700 §4.2): a form_post login answered in a URL may be a
  // downgrade or an injected code, and a query login never comes as a POST.
  if ((transaction.responseMode ?? 'query') !== mode) {
    throw new OidcError('response_mode_mismatch', 'The login response did not come back the way it was requested; start the login again.', { reason: mode });
  }
  // An authorization response carries a code or an error (RFC 6749 §4.1.2, §4.1.2.1); one with
  // neither cannot be completed, and it is the request's fault, not the provider's.
  if ((query.get('code') ?? '') === '' && !query.has('error')) {
    throw new OidcError('invalid_request', 'The login response carries neither a code nor an error; start the login again.', { reason: 'code_missing' });
  }
  try {
    return await redeem(deps, query, transaction, cookies, sink, current, site.redirectUri);
  } catch (error) {
    // The response was ours and well-formed: a failing provider makes the login worth starting again.
    if (error instanceof OidcError && PROVIDER_FAULTS.has(error.code)) return { kind: 'provider_failed', transaction, error };
    throw error;
  }
}

/** The code exchange and everything after it, for a response that matched its transaction. */
async function redeem(
  deps: LoginDependencies,
  query: URLSearchParams,
  transaction: LoginTransaction,
  cookies: ReadonlyMap<string, string>,
  sink: CookieSink,
  current: LoadedSession | undefined,
  redirectUri: string,
): Promise<CallbackOutcome> {
  const provider = deps.provider(transaction.provider);
  const configuration = await provider.configuration();

  // Rebuild the URL from the configured redirect URI (the site's): the Host header is never trusted.
  // Only the code flow's parameters are read (BCP-12): tokens slipped into the front channel are ignored.
  const currentUrl = new URL(redirectUri);
  for (const name of RESPONSE_PARAMETERS) {
    const value = query.get(name);
    if (value !== null) currentUrl.searchParams.set(name, value);
  }
  // The key the code was bound to at the login's start (RFC 9449 §10). A login started before dpop
  // was turned on has none: its tokens get bound to a new key now (the code simply was not).
  const dpopSettings = provider.settings.dpop;
  const dpopKey = dpopSettings === undefined ? undefined : transaction.dpopKey ?? await generateDpopKey(dpopSettings.algorithm);
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
      expectedState: transaction.state,
      expectedNonce: transaction.nonce,
      pkceCodeVerifier: transaction.codeVerifier,
      idTokenExpected: true,
      ...(transaction.maxAge === undefined ? {} : { maxAge: transaction.maxAge }),
    }, undefined, dpopKey === undefined || provider.dpop === undefined ? undefined : { DPoP: await provider.dpop.handle(configuration, dpopKey) });
    provider.answered();
  } catch (error) {
    const failure = provider.failed(toOidcError(error, 'callback'));
    if (failure.oauthError === 'invalid_client') await provider.clientRejected();
    if (transaction.silent && failure.code === 'op_error' && INTERACTION_ERRORS.has(failure.oauthError ?? '')) {
      return { kind: 'silent_failed', transaction, error: failure };
    }
    throw failure;
  }
  if (dpopKey !== undefined) checkDpopBound(tokens.token_type);
  const claims = tokens.claims();
  if (claims === undefined || tokens.id_token === undefined) {
    throw new OidcError('id_token_invalid', 'The provider returned no ID token.', { reason: 'missing' });
  }
  // The signature, with the pinned algorithm, before anything of the token is used.
  const verified = await provider.verifyProviderJwt(tokens.id_token, provider.client.idTokenSigningAlg);
  checkIdTokenClaims(provider.settings, provider.client.clientId, verified.claims, deps.now());
  checkTokenHash(verified.claims, 'at_hash', tokens.access_token, verified.header['alg']);
  checkTokenHash(verified.claims, 'c_hash', currentUrl.searchParams.get('code') ?? undefined, verified.header['alg']);
  checkConfiguredClaims(provider.settings, claims);

  let userinfo: Record<string, unknown> | undefined;
  if (provider.settings.userInfo && configuration.serverMetadata().userinfo_endpoint) {
    userinfo = await fetchUserInfo(provider, tokens.access_token, claims.sub, dpopKey);
  }

  const expiresIn = tokens.expiresIn();
  const data: SessionData = {
    provider: transaction.provider,
    idToken: tokens.id_token,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    tokenType: tokens.token_type,
    accessTokenExpiresAt: expiresIn === undefined ? undefined : deps.now() + expiresIn,
    scope: tokens.scope,
    userinfo: userinfo === undefined ? undefined : claimsNotIn(userinfo, claims),
    providerSessionEndsAt: providerSessionEnd(verified.claims, deps.config.session.maxAuthenticationAge, deps.now()),
    ...(dpopKey === undefined ? {} : { dpopKey }),
  };
  if (deps.config.onSession !== undefined) {
    // The app's claims replace UserInfo's: the session keeps each claim once.
    data.claims = await runSessionHook(deps.config.onSession, {
      claims: userClaimsOf(claims, userinfo), tokens: hookTokens(data), provider: data.provider, isRefresh: false, previous: undefined,
    });
    data.userinfo = undefined;
  }
  const session = await deps.sessions.create(data, cookies, sink, current);
  return { kind: 'login', session, transaction, plan: seeOther(transaction.returnTo) };
}

/** The authorization response parameters of the code flow (RFC 6749 §4.1.2, RFC 9207); any other is ignored. */
const RESPONSE_PARAMETERS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'] as const;

/** The largest form_post body read at the callback: a code, a state, an iss, maybe an error text. */
const MAX_FORM_POST_BYTES = 16 * 1024;

/**
 * The authorization response's parameters: the query of a GET (response mode `query`), or the
 * application/x-www-form-urlencoded body of a POST (response mode `form_post`; its query is ignored).
 */
async function responseParameters(request: RequestView): Promise<{ params: URLSearchParams; mode: 'query' | 'form_post' }> {
  if (request.method === 'GET' || request.method === 'HEAD') {
    return { params: new URL(request.url, 'http://callback.invalid').searchParams, mode: 'query' };
  }
  if (request.method !== 'POST') {
    throw new OidcError('invalid_request', 'The login response must arrive with GET or POST.', { reason: 'method' });
  }
  if (!isFormContentType(request.header('content-type'))) {
    throw new OidcError('invalid_request', 'A login response POST must be application/x-www-form-urlencoded.', { reason: 'content_type' });
  }
  const params = await readForm(request, MAX_FORM_POST_BYTES, 'responseMode "form_post"');
  if (params === undefined) throw new OidcError('invalid_request', 'The login response is too large.', { reason: 'body_size' });
  return { params, mode: 'form_post' };
}

function takeTransaction(
  deps: LoginDependencies,
  query: URLSearchParams,
  cookies: ReadonlyMap<string, string>,
  sink: CookieSink,
): LoginTransaction {
  const state = query.get('state');
  if (state === null || state === '') {
    throw new OidcError('state_missing', 'The login response has no state; start the login again.');
  }
  const transaction = deps.transactions.take(state, cookies, sink, deps.now());
  if (transaction !== undefined) return transaction;
  if (deps.transactions.hasAny(cookies)) {
    throw new OidcError('state_mismatch', 'The login response does not match a login started in this browser; start the login again.');
  }
  throw new OidcError('no_pending_transaction', 'No login is pending in this browser (it expired, was already completed, or cookies are blocked); start the login again.');
}

/**
 * UserInfo claims the ID token does not already carry with the same value: the session stores each
 * claim once (big `groups` claims would otherwise double the cookie).
 */
function claimsNotIn(userinfo: Record<string, unknown>, claims: client.IDToken): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(userinfo)) {
    if (JSON.stringify(value) !== JSON.stringify(claims[name])) extra[name] = value;
  }
  return extra;
}

/** The claim checks the app configured: a Google Workspace domain (`hd`), a verified e-mail address. */
function checkConfiguredClaims(settings: ProviderSettings, claims: client.IDToken): void {
  if (settings.googleAppsDomain !== undefined && claims['hd'] !== settings.googleAppsDomain) {
    throw new OidcError('claim_check_failed', `You must log in with an account from the ${settings.googleAppsDomain} domain.`, { reason: 'hd' });
  }
  if (settings.requireVerifiedEmail && claims['email_verified'] !== true) {
    throw new OidcError('claim_check_failed', 'Your e-mail address must be verified to log in.', { reason: 'email_verified' });
  }
}
