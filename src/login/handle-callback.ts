import * as client from 'openid-client';
import type { ProviderSettings } from '../config/resolved-config.ts';
import { OidcError } from '../errors.ts';
import { type CookieSink, type RequestView, type ResponsePlan, seeOther } from '../http.ts';
import { fetchUserInfo } from '../provider/fetch-userinfo.ts';
import { toOidcError } from '../provider/provider-error.ts';
import type { LoadedSession } from '../session/session-backend.ts';
import type { SessionData } from '../session/session-data.ts';
import type { LoginDependencies } from './login-dependencies.ts';
import type { LoginTransaction } from './transaction.ts';

/** What a callback came to. */
export type CallbackOutcome =
  /** A completed login: the new session, and the transaction it completed (returnTo, app state). */
  | { readonly kind: 'login'; readonly session: LoadedSession; readonly transaction: LoginTransaction; readonly plan: ResponsePlan }
  /** A `prompt=none` re-authentication the provider could not complete without the user. */
  | { readonly kind: 'silent_failed'; readonly transaction: LoginTransaction; readonly error: OidcError };

/** Errors of a `prompt=none` request that mean "the user must interact", not "something is broken" (OIDC Core 3.1.2.6). */
const INTERACTION_ERRORS = new Set(['login_required', 'interaction_required', 'consent_required', 'account_selection_required']);

/**
 * Completes a login at the redirect URI: finds the pending transaction by `state` (and deletes it,
 * whatever happens next), lets openid-client validate the response (RFC 9207 `iss`, error
 * responses) and redeem the code with the PKCE verifier, verifies the ID token (signature with the
 * pinned algorithm, iss, aud/azp, nonce, exp/iat with clock tolerance), applies the configured
 * claim checks, fetches UserInfo (its `sub` must match), and only then creates the session.
 * The code is only ever redeemed at the provider the transaction started with (mix-up defence).
 * Any failure throws an {@link OidcError} and leaves no new session behind.
 *
 * @example
 * ```ts
 * const outcome = await handleCallback(deps, request, cookies, sink, currentSession);
 * if (outcome.kind === 'login') outcome.plan.headers.location; // the returnTo of the login
 * ```
 */
export async function handleCallback(
  deps: LoginDependencies,
  request: RequestView,
  cookies: ReadonlyMap<string, string>,
  sink: CookieSink,
  current: LoadedSession | undefined,
): Promise<CallbackOutcome> {
  const query = new URL(request.url, 'http://callback.invalid').searchParams;
  const transaction = takeTransaction(deps, query, cookies, sink);
  const provider = deps.provider(transaction.provider);
  const configuration = await provider.configuration();

  // Rebuild the URL from the configured redirect URI: the Host header is never trusted.
  const currentUrl = new URL(deps.config.redirectUri);
  currentUrl.search = query.toString();
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
      expectedState: transaction.state,
      expectedNonce: transaction.nonce,
      pkceCodeVerifier: transaction.codeVerifier,
      idTokenExpected: true,
    });
  } catch (error) {
    const failure = toOidcError(error, 'callback');
    if (failure.oauthError === 'invalid_client') await provider.clientRejected();
    if (transaction.silent && failure.code === 'op_error' && INTERACTION_ERRORS.has(failure.oauthError ?? '')) {
      return { kind: 'silent_failed', transaction, error: failure };
    }
    throw failure;
  }
  const claims = tokens.claims();
  if (claims === undefined || tokens.id_token === undefined) {
    throw new OidcError('id_token_invalid', 'The provider returned no ID token.', { reason: 'missing' });
  }
  checkIdTokenClaims(provider.settings, provider.client.clientId, claims);

  let userinfo: Record<string, unknown> | undefined;
  if (provider.settings.userInfo && configuration.serverMetadata().userinfo_endpoint) {
    userinfo = await fetchUserInfo(provider, tokens.access_token, claims.sub);
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
  };
  const session = await deps.sessions.create(data, cookies, sink, current);
  return { kind: 'login', session, transaction, plan: seeOther(transaction.returnTo) };
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

/** The ID token checks openid-client leaves to us: `azp` for single-audience tokens, and the configured ones (`hd`, `email_verified`). */
function checkIdTokenClaims(settings: ProviderSettings, clientId: string, claims: client.IDToken): void {
  // OIDC Core 3.1.3.7 (5): when azp is present it must be us. openid-client checks it only for
  // multi-audience tokens.
  if (claims.azp !== undefined && claims.azp !== clientId) {
    throw new OidcError('id_token_invalid', 'The ID token is invalid (azp).', { reason: 'azp' });
  }
  if (settings.googleAppsDomain !== undefined && claims['hd'] !== settings.googleAppsDomain) {
    throw new OidcError('claim_check_failed', `You must log in with an account from the ${settings.googleAppsDomain} domain.`, { reason: 'hd' });
  }
  if (settings.requireVerifiedEmail && claims['email_verified'] !== true) {
    throw new OidcError('claim_check_failed', 'Your e-mail address must be verified to log in.', { reason: 'email_verified' });
  }
}
