import * as client from 'openid-client';
import { type Claims, decodeVerifiedJwtPayload } from '../claims.ts';
import { OidcError } from '../errors.ts';
import { checkDpopBound } from '../dpop-client/dpop-bound.ts';
import { checkIdTokenClaims, checkTokenHash } from '../login/id-token-rules.ts';
import type { ProviderClient } from '../provider/provider-client.ts';
import { toOidcError } from '../provider/provider-error.ts';
import { secretKey } from '../util/secret-key.ts';
import type { SessionData } from './session-data.ts';
import { providerSessionEnd } from './provider-session-end.ts';
import { tokenFor, withResourceToken } from './resource-tokens.ts';
import type { SessionHookRunner } from './session-hook-runner.ts';

/** What a {@link TokenRefresher} applies besides the refresh itself. */
export interface TokenRefresherOptions {
  /** The app's `onSession` hook, run once per refresh. */
  readonly hook?: SessionHookRunner | undefined;
  /** `session.maxAuthenticationAge`, for the session limit of a refreshed ID token. */
  readonly maxAuthenticationAge?: number | undefined;
}

/** How long (seconds) the result of a refresh answers requests that still carry the old refresh token. */
const GRACE_SECONDS = 60;
/** At most this many recent results are remembered; past that the oldest (the first to expire) goes. */
const MAX_RECENT = 10_000;

/**
 * Refreshes a session's tokens at the provider, once per refresh token: concurrent requests of one
 * session share the same refresh (single-flight), and requests that arrive shortly after with the
 * old cookie get the same new tokens instead of replaying a rotated refresh token (which providers
 * punish by revoking the whole grant). A refreshed ID token must keep `iss`, `sub`, `aud`, `azp`,
 * `auth_time` and `nonce` (OIDC Core §12.2); otherwise, and on `invalid_grant` or without a refresh
 * token, it throws `session_expired`. An unreachable provider throws 503 and ends nothing.
 *
 * @example
 * ```ts
 * const refresher = new TokenRefresher((name) => providers.get(name), now);
 * const fresh = await refresher.refresh(session.data); // new access token, rotated refresh token
 * ```
 */
export class TokenRefresher {
  readonly #provider: (name: string) => ProviderClient;
  readonly #now: () => number;
  readonly #inflight = new Map<string, Promise<SessionData>>();
  /**
   * Results by the hash of provider and old refresh token (never the token: a heap dump of these
   * keys gives away no credential). An entry goes when read after its grace, or at the next sweep.
   */
  readonly #recent = new Map<string, { data: SessionData; until: number }>();
  /** When (seconds) the next write sweeps expired results, so they do not wait for the map to fill. */
  #sweepAt = 0;

  readonly #hook: SessionHookRunner | undefined;
  readonly #maxAuthenticationAge: number | undefined;

  constructor(provider: (name: string) => ProviderClient, now: () => number, options: TokenRefresherOptions = {}) {
    this.#provider = provider;
    this.#now = now;
    this.#hook = options.hook;
    this.#maxAuthenticationAge = options.maxAuthenticationAge;
  }

  /**
   * The session's data with fresh tokens: the login's own access token, or with `resource` the one
   * for that API (RFC 8707), kept beside it. See the class comment for what it throws.
   */
  refresh(data: SessionData, resource?: string): Promise<SessionData> {
    const refreshToken = data.refreshToken;
    if (refreshToken === undefined) {
      return Promise.reject(new OidcError('session_expired', 'Your session has expired; log in again.', { reason: 'no_refresh_token' }));
    }
    // One redemption per refresh token, whatever it is for: a provider that rotates refresh tokens
    // revokes the grant when one is used twice. Asks for another purpose wait and go on from the
    // result (and its rotated refresh token).
    const key = secretKey(`${data.provider}\u0000${refreshToken}`);
    // A request still carrying the tokens this refresh token was redeemed for gets the result;
    // one that already has the result (forceRefresh, or no rotation) refreshes again.
    const recent = this.#recent.get(key);
    if (recent !== undefined) {
      if (recent.until <= this.#now()) this.#recent.delete(key);
      else if (serves(recent.data, data, resource)) return Promise.resolve(recent.data);
      else if (recent.data.refreshToken !== refreshToken) return this.refresh(recent.data, resource);
    }
    const inflight = this.#inflight.get(key);
    if (inflight !== undefined) return inflight.then((result) => (serves(result, data, resource) ? result : this.refresh(result, resource)));
    const pending = this.#grant(data, refreshToken, resource)
      .then((fresh) => {
        this.#remember(key, fresh);
        return fresh;
      })
      .finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, pending);
    return pending;
  }

  async #grant(data: SessionData, refreshToken: string, resource: string | undefined): Promise<SessionData> {
    const provider = this.#provider(data.provider);
    const configuration = await provider.configuration();
    let tokens: Awaited<ReturnType<typeof client.refreshTokenGrant>>;
    try {
      // A bound session proves its key at every refresh (RFC 9449 §5); a nonce challenge is answered once.
      const dpop = data.dpopKey === undefined || provider.dpop === undefined ? undefined : { DPoP: await provider.dpop.handle(configuration, data.dpopKey) };
      tokens = await client.refreshTokenGrant(configuration, refreshToken, resource === undefined ? undefined : { resource }, dpop);
      provider.answered();
    } catch (error) {
      const failure = provider.failed(toOidcError(error, 'callback'));
      if (failure.oauthError === 'invalid_client') await provider.clientRejected();
      throw sessionEndingOrNot(failure);
    }
    // A provider that stops binding the session's tokens ends it: unbound tokens are not what was asked for.
    if (data.dpopKey !== undefined) {
      try {
        checkDpopBound(tokens.token_type);
      } catch (error) {
        throw expired((error as OidcError).reason ?? 'dpop_not_bound');
      }
    }
    let idToken = data.idToken;
    let providerSessionEndsAt = data.providerSessionEndsAt;
    if (tokens.id_token !== undefined) {
      const claims = tokens.claims();
      if (claims === undefined) throw expired('id_token:malformed');
      try {
        // The same rules as at login (but the nonce, which only a login has), and at_hash.
        const verified = await provider.verifyProviderJwt(tokens.id_token, provider.client.idTokenSigningAlg);
        checkIdTokenClaims(provider.settings, provider.client.clientId, verified.claims, this.#now());
        checkTokenHash(verified.claims, 'at_hash', tokens.access_token, verified.header['alg']);
        // The provider's latest word on its session (a new session_expiry); auth_time stays.
        providerSessionEndsAt = providerSessionEnd(verified.claims, this.#maxAuthenticationAge, this.#now()) ?? data.providerSessionEndsAt;
      } catch (error) {
        // A bad token ends the session; keys that cannot be fetched are the provider's outage.
        if (error instanceof OidcError && error.code === 'id_token_invalid') throw expired(`id_token:${error.reason ?? 'invalid'}`);
        throw error;
      }
      const changed = changedClaim(decodeVerifiedJwtPayload(data.idToken), claims);
      if (changed !== undefined) throw expired(`id_token:${changed}`);
      idToken = tokens.id_token;
    }
    const expiresIn = tokens.expiresIn();
    const expiresAt = expiresIn === undefined ? undefined : this.#now() + expiresIn;
    // Rotation: a new refresh token replaces the old one; without one, the old one stays valid.
    const renewed: SessionData = { ...data, idToken, refreshToken: tokens.refresh_token ?? refreshToken, providerSessionEndsAt };
    if (resource !== undefined) {
      return withResourceToken(renewed, resource, { accessToken: tokens.access_token, tokenType: tokens.token_type, expiresAt, scope: tokens.scope });
    }
    const fresh: SessionData = {
      ...renewed,
      accessToken: tokens.access_token,
      tokenType: tokens.token_type,
      accessTokenExpiresAt: expiresAt,
      scope: tokens.scope ?? data.scope,
    };
    // Once per refresh (this runs inside the single-flight), not once per waiting request.
    return this.#hook === undefined ? fresh : this.#hook.afterRefresh(data, fresh);
  }

  /**
   * How many refresh results are remembered, and under which keys: for tests and diagnostics (the
   * keys are hashes, never refresh tokens). Linear; not for a request's path.
   */
  recentKeys(): readonly string[] {
    return [...this.#recent.keys()];
  }

  #remember(key: string, data: SessionData): void {
    const now = this.#now();
    // Expired results go on a write at most once per grace period (the MemoryStore pattern): the
    // linear sweep is amortised over that period's refreshes, and while refreshes go on, no result
    // outlives two periods.
    if (now >= this.#sweepAt) {
      this.#sweepAt = now + GRACE_SECONDS;
      for (const [k, v] of this.#recent) if (v.until <= now) this.#recent.delete(k);
    }
    // Deleted first so that insertion order is expiry order: when full, the oldest entry is the
    // first to expire, and evicting it needs no scan.
    this.#recent.delete(key);
    if (this.#recent.size >= MAX_RECENT) {
      const oldest = this.#recent.keys().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
    this.#recent.set(key, { data, until: now + GRACE_SECONDS });
  }
}

/** Whether `result` has a new token for `resource` (the login's own for undefined) compared with `caller`'s copy. */
function serves(result: SessionData, caller: SessionData, resource: string | undefined): boolean {
  const token = tokenFor(result, resource);
  return token !== undefined && token !== tokenFor(caller, resource);
}

function expired(reason: string): OidcError {
  return new OidcError('session_expired', 'Your session has expired; log in again.', { reason });
}

/**
 * What a failed refresh means for the session: the provider refusing the refresh token or sending
 * an invalid ID token ends it; an unreachable or broken provider does not (try again later).
 */
function sessionEndingOrNot(error: OidcError): OidcError {
  if (error.code === 'invalid_grant') {
    return new OidcError('session_expired', 'Your session has expired; log in again.', { reason: 'invalid_grant', oauthError: error.oauthError, cause: error });
  }
  if (error.code === 'id_token_invalid') {
    return new OidcError('session_expired', 'Your session has expired; log in again.', { reason: `id_token:${error.reason ?? 'invalid'}`, cause: error });
  }
  return error;
}

/**
 * The first claim a refreshed ID token changed that OIDC Core §12.2 says must stay: iss, sub, aud
 * (as a set), azp (or its absence), auth_time and nonce when the new token has them.
 */
function changedClaim(before: Claims, after: Claims): string | undefined {
  if (after['iss'] !== before['iss']) return 'iss';
  if (after.sub !== before.sub) return 'sub';
  const audience = (value: unknown): string => JSON.stringify((Array.isArray(value) ? [...(value as unknown[])] : [value]).map(String).sort());
  if (audience(after['aud']) !== audience(before['aud'])) return 'aud';
  if (after['azp'] !== before['azp']) return 'azp';
  if (after['auth_time'] !== undefined && after['auth_time'] !== before['auth_time']) return 'auth_time';
  if (after['nonce'] !== undefined && after['nonce'] !== before['nonce']) return 'nonce';
  return undefined;
}
