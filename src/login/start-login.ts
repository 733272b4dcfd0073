import * as client from 'openid-client';
import type { PublicSite } from '../config/resolved-config.ts';
import type { CookieSink, ResponsePlan } from '../http.ts';
import { type DpopKey, dpopThumbprint, generateDpopKey } from '../dpop-client/dpop-key.ts';
import type { ProviderClient } from '../provider/provider-client.ts';
import { toOidcError } from '../provider/provider-error.ts';
import type { LoginDependencies } from './login-dependencies.ts';

/**
 * Options of one login attempt.
 *
 * @example
 * ```ts
 * app.get('/checkout', async (req, res) => {
 *   if (!req.oidc.isAuthenticated) return req.oidc.login({ returnTo: '/checkout', state: { cart: req.query.cart } });
 *   res.render('checkout');
 * });
 * ```
 */
export interface LoginOptions {
  /** Where to send the user after login: a path or URL of this app (anything else falls back to the base URL). */
  returnTo?: string;
  /** Extra authorization parameters for this attempt (`prompt`, `login_hint`, `acr_values`, …), over the configured ones. */
  authorizationParams?: Readonly<Record<string, string>>;
  /**
   * Your own state for this login (Flask-OIDC: redirect_to_auth_server(customstate)): any
   * JSON-serialisable value up to 1 KB, kept encrypted and integrity-protected in the browser and
   * handed to your `onCallback` handler.
   */
  state?: unknown;
  /** Which configured provider to log in with (several providers). Default: the default provider. */
  provider?: string;
}

/** How much application state a login may carry: it travels in a cookie next to the transaction. */
export const MAX_APP_STATE_BYTES = 1024;

/**
 * The application state of a login as JSON, or a `TypeError` for what cannot travel (not
 * JSON-serialisable, or too big).
 *
 * @example
 * ```ts
 * checkAppState({ cart: 42 });      // fine
 * checkAppState(() => undefined);   // TypeError
 * ```
 */
export function checkAppState(state: unknown): void {
  if (state === undefined) return;
  let json: string | undefined;
  try {
    json = JSON.stringify(state);
  } catch {
    json = undefined;
  }
  if (json === undefined) throw new TypeError('oidc-kit: login({ state }) must be JSON-serialisable.');
  if (Buffer.byteLength(json) > MAX_APP_STATE_BYTES) {
    throw new TypeError(`oidc-kit: login({ state }) is ${Buffer.byteLength(json)} bytes as JSON; at most ${MAX_APP_STATE_BYTES} fit in the login cookie. Keep an id in the state and the data server-side.`);
  }
}

/** Parameters oidc-kit owns; letting a caller set them would undo PKCE, state or nonce. */
const RESERVED = new Set(['state', 'nonce', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'response_type', 'response_mode', 'client_id', 'scope', 'dpop_jkt', 'request_uri', 'request']);

/**
 * Throws when per-login authorization parameters try to set what oidc-kit owns: a programming
 * error, reported as such rather than as a failed login.
 *
 * @example
 * ```ts
 * assertOwnParametersUntouched({ prompt: 'login' }); // fine
 * assertOwnParametersUntouched({ state: 'x' });      // TypeError
 * ```
 */
export function assertOwnParametersUntouched(parameters: Readonly<Record<string, string>> | undefined): void {
  for (const key of Object.keys(parameters ?? {})) {
    if (RESERVED.has(key)) throw new TypeError(`oidc-kit: login({ authorizationParams }) may not set "${key}"; oidc-kit sets it.`);
  }
}

/**
 * Starts a login on a public site (its redirect URI is sent): a fresh state, nonce and PKCE S256
 * verifier, a transaction cookie keyed by the state, and a redirect to the provider's authorization endpoint.
 *
 * @example
 * ```ts
 * const plan = await startLogin(deps, cookies, sink, 'https://app.example/profile', {}, deps.config.sites[0]!);
 * plan.headers.location; // https://op.example/authorize?response_type=code&…
 * ```
 */
export async function startLogin(
  deps: LoginDependencies,
  cookies: ReadonlyMap<string, string>,
  sink: CookieSink,
  returnTo: string,
  options: LoginOptions & { silent?: boolean },
  site: PublicSite,
): Promise<ResponsePlan> {
  const extra: Record<string, string> = { ...options.authorizationParams };
  if (options.silent) extra['prompt'] = 'none';
  const provider = deps.provider(options.provider ?? deps.config.provider.name);
  const configuration = await provider.configuration();
  const settings = provider.settings;
  // OIDC Core §11: offline_access is ignored unless the user is asked to consent.
  const offline = settings.scope.split(' ').includes('offline_access');
  const prompt: Record<string, string> = offline && extra['prompt'] === undefined && settings.authorizationParams['prompt'] === undefined ? { prompt: 'consent' } : {};
  // session.maxAuthenticationAge caps sessions at auth_time + it: ask for auth_time (max_age), and
  // for a new sign-in when the user's is already older. The app's own max_age wins.
  const maxAuthenticationAge = deps.config.session.maxAuthenticationAge;
  if (maxAuthenticationAge !== undefined && extra['max_age'] === undefined && settings.authorizationParams['max_age'] === undefined) {
    extra['max_age'] = String(maxAuthenticationAge);
  }
  // OIDC Core §3.1.3.7 step 13: with max_age sent, the ID token's auth_time is required and checked.
  const maxAgeParam = extra['max_age'] ?? settings.authorizationParams['max_age'];
  const maxAge = maxAgeParam !== undefined && /^\d{1,9}$/.test(maxAgeParam) ? Number(maxAgeParam) : undefined;
  const state = client.randomState();
  const nonce = client.randomNonce();
  const codeVerifier = client.randomPKCECodeVerifier();
  // DPoP (RFC 9449): the session's key pair is made now, so that the code is bound to it (§10).
  const dpopKey = settings.dpop === undefined ? undefined : await generateDpopKey(settings.dpop.algorithm);
  const parameters = new URLSearchParams({
    ...prompt,
    ...settings.authorizationParams,
    ...extra,
    response_type: 'code',
    redirect_uri: site.redirectUri,
    scope: settings.scope,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...(settings.responseMode === 'form_post' ? { response_mode: 'form_post' } : {}),
  });
  // RFC 8707 allows the parameter several times, which a record cannot say.
  for (const resource of settings.resources) parameters.append('resource', resource);
  const url = await authorizationUrl(provider, configuration, parameters, dpopKey);
  deps.transactions.save({
    state, nonce, codeVerifier, returnTo, provider: settings.name, createdAt: deps.now(),
    ...(options.state === undefined ? {} : { appState: options.state }),
    ...(options.silent ? { silent: true } : {}),
    ...(settings.responseMode === 'form_post' ? { responseMode: 'form_post' as const } : {}),
    ...(maxAge === undefined ? {} : { maxAge }),
    ...(dpopKey === undefined ? {} : { dpopKey }),
    // With several public URLs, the one this login started on: its callback must come back there.
    ...(deps.config.sites.length > 1 ? { origin: site.origin } : {}),
  }, cookies, sink);
  return { status: 302, headers: { location: url.href, 'cache-control': 'no-store' } };
}

/**
 * Where the browser is sent: with a pushed request (RFC 9126) the parameters go to the provider
 * over the back channel first, and the URL carries only `client_id` and `request_uri`; with DPoP
 * the push carries a proof, which binds the code to the session's key (RFC 9449 §10.1). Without a
 * push, `dpop_jkt` does that (§10).
 */
async function authorizationUrl(provider: ProviderClient, configuration: client.Configuration, parameters: URLSearchParams, dpopKey: DpopKey | undefined): Promise<URL> {
  const metadata = configuration.serverMetadata();
  const mode = provider.settings.pushedAuthorizationRequests;
  // RFC 9126 §5: a provider that requires pushed requests refuses any other, whatever the option says.
  const push = mode === 'required' || metadata.require_pushed_authorization_requests === true
    || (mode === 'auto' && metadata.pushed_authorization_request_endpoint !== undefined);
  if (!push) {
    if (dpopKey !== undefined) parameters.set('dpop_jkt', await dpopThumbprint(dpopKey));
    return client.buildAuthorizationUrl(configuration, parameters);
  }
  try {
    const dpop = dpopKey === undefined || provider.dpop === undefined ? undefined : { DPoP: await provider.dpop.handle(configuration, dpopKey) };
    const url = await client.buildAuthorizationUrlWithPAR(configuration, parameters, dpop);
    provider.answered();
    return url;
  } catch (error) {
    const failure = provider.failed(toOidcError(error, 'grant'));
    if (failure.oauthError === 'invalid_client') await provider.clientRejected();
    throw failure;
  }
}
