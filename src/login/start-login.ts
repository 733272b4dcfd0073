import * as client from 'openid-client';
import type { CookieSink, ResponsePlan } from '../http.ts';
import type { LoginDependencies } from './login-dependencies.ts';

/** Options of one login attempt. */
export interface LoginOptions {
  /** Where to send the user after login: a path or URL of this app (anything else falls back to the base URL). */
  returnTo?: string;
  /** Extra authorization parameters for this attempt (`prompt`, `login_hint`, `acr_values`, …), over the configured ones. */
  authorizationParams?: Readonly<Record<string, string>>;
}

/** Parameters oidc-kit owns; letting a caller set them would undo PKCE, state or nonce. */
const RESERVED = new Set(['state', 'nonce', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'response_type', 'client_id', 'scope']);

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
 * Starts a login: a fresh state, nonce and PKCE S256 verifier, a transaction cookie keyed by the
 * state, and a redirect to the provider's authorization endpoint.
 *
 * @example
 * ```ts
 * const plan = await startLogin(deps, cookies, sink, 'https://app.example/profile', {});
 * plan.headers.location; // https://op.example/authorize?response_type=code&…
 * ```
 */
export async function startLogin(
  deps: LoginDependencies,
  cookies: ReadonlyMap<string, string>,
  sink: CookieSink,
  returnTo: string,
  options: LoginOptions,
): Promise<ResponsePlan> {
  const extra = options.authorizationParams ?? {};
  const configuration = await deps.provider.configuration();
  const settings = deps.provider.settings;
  const state = client.randomState();
  const nonce = client.randomNonce();
  const codeVerifier = client.randomPKCECodeVerifier();
  const url = client.buildAuthorizationUrl(configuration, {
    ...settings.authorizationParams,
    ...extra,
    response_type: 'code',
    redirect_uri: deps.config.redirectUri,
    scope: settings.scope,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  deps.transactions.save({ state, nonce, codeVerifier, returnTo, provider: settings.name, createdAt: deps.now() }, cookies, sink);
  return { status: 302, headers: { location: url.href, 'cache-control': 'no-store' } };
}
