import { createLocalJWKSet, errors as joseErrors, type FlattenedJWSInput, type JWSHeaderParameters } from 'jose';
import type { Logger, ProviderFetch } from '../config/options.ts';
import { OidcError } from '../errors.ts';
import { boundedFetch, MAX_METADATA_BYTES, ProviderUnreachableError, ResponseTooLargeError } from './bounded-fetch.ts';
import { parseProviderJson } from './provider-json.ts';

/** Keys are used without asking the provider for this long after a fetch (jose's default, as before). */
export const KEYS_FRESH_MS = 10 * 60 * 1000;
/** An unknown `kid` in a token from outside reloads the keys at most this often. */
export const OUTSIDE_COOLDOWN_MS = 30 * 1000;
/** An unknown `kid` in a JWT the provider itself sent (ID token, signed UserInfo) reloads at most this often. */
export const TRUSTED_COOLDOWN_MS = 1000;
/** A failed background revalidation is tried again after this long: traffic must not become a flood of fetches. */
const REVALIDATE_RETRY_MS = 30 * 1000;

/**
 * A key lookup for jose's `compactVerify` / `jwtVerify`: the key for a token's header, or an error.
 *
 * @example
 * ```ts
 * const getKey: KeyLookup = keySet.getKey;
 * await compactVerify(jwt, getKey, { algorithms: ['RS256'] });
 * ```
 */
export type KeyLookup = (protectedHeader?: JWSHeaderParameters, token?: FlattenedJWSInput) => Promise<CryptoKey>;

/** What a {@link ProviderKeySet} needs to know. */
export interface ProviderKeySetOptions {
  /** The provider's `jwks_uri`. */
  readonly uri: string;
  /** How long one fetch may take (`httpTimeout`). */
  readonly timeoutMs: number;
  /** How long past its 10 fresh minutes a key set keeps serving while it cannot be fetched again (`jwksMaxStaleness`). */
  readonly maxStalenessMs: number;
  /** Names the provider in log lines. */
  readonly provider: string;
  /** Told once when the keys cannot be fetched again, and once when they can. */
  readonly logger?: Logger | undefined;
  /** What the keys are fetched with (the `fetch` / `proxy` options); undefined: the runtime's `fetch`. */
  readonly fetch?: ProviderFetch | undefined;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/**
 * One provider's signing keys from its `jwks_uri`, served stale-while-revalidate. jose's remote key
 * set awaits a reload once its keys are 10 minutes old and fails every token while the provider is
 * down; this one keeps serving:
 *
 * - fresh for 10 minutes; then a use starts ONE background fetch and verifies with the keys at hand;
 * - while fetches fail, the last good keys serve for `maxStalenessMs` more (RFC 5861's
 *   stale-if-error), a failed fetch being retried at most every 30 s; past that they are not used:
 *   a use awaits a fetch, and a failed one is the provider's error (503/502);
 * - an unknown `kid` reloads at once, at most every 30 s (1 s for the provider's own JWTs), so
 *   made-up kids cannot hammer the provider. Within the cooldown it is refused (`kid`, 401) — unless
 *   the last fetch failed: then the answer is the outage (503), because the key may be a new one
 *   the provider published before it went down, and a client told 401 would throw its token away.
 *
 * Fetches are single-flight (concurrent uses share one), bounded (`MAX_METADATA_BYTES`, `timeoutMs`)
 * and checked (a 200 JSON object with a `keys` array of usable keys). Outages are logged once when
 * they start and once when they end, never per request.
 *
 * @example
 * ```ts
 * const keySet = new ProviderKeySet({ uri, timeoutMs: 5000, maxStalenessMs: 24 * 3600_000, provider: 'default' });
 * await compactVerify(jwt, keySet.getKey, { algorithms: ['RS256'] });
 * ```
 */
export class ProviderKeySet {
  readonly #options: ProviderKeySetOptions;
  #local: { readonly keys: LocalSet; readonly fetchedAt: number } | undefined;
  #pending: Promise<void> | undefined;
  /** When the last fetch started (ms), whatever came of it: the cooldowns count from here. */
  #lastAttemptAt = -Infinity;
  /** When an unknown kid in a JWT of the provider's own last made the keys reload (ms). */
  #lastTrustedReloadAt = -Infinity;
  /** The error of the last fetch, until one succeeds. */
  #failure: OidcError | undefined;
  /** Whether the logger was told the keys cannot be fetched (so it is told once, and told of the end). */
  #reportedDown = false;

  constructor(options: ProviderKeySetOptions) {
    this.#options = options;
  }

  /** The key lookup for tokens from outside (access tokens, logout tokens): unknown kids reload at most every 30 s. */
  readonly getKey: KeyLookup = (header, token) => this.#lookup(false, header, token);

  /**
   * The key lookup for JWTs the provider itself sent over the back channel: a rotation is followed
   * within a second, whenever the keys were last fetched (a login right after the keys were
   * fetched for another reason must not fail on the provider's new key).
   */
  readonly getTrustedKey: KeyLookup = (header, token) => this.#lookup(true, header, token);

  async #lookup(trusted: boolean, header?: JWSHeaderParameters, token?: FlattenedJWSInput): Promise<CryptoKey> {
    const now = Date.now();
    let local = this.#local;
    if (local === undefined || now - local.fetchedAt >= KEYS_FRESH_MS + this.#options.maxStalenessMs) {
      await this.#fetchOnce();
      local = this.#local;
      if (local === undefined) throw new TypeError('the key set was fetched but not kept');
    } else if (now - local.fetchedAt >= KEYS_FRESH_MS && this.#pending === undefined && now - this.#lastAttemptAt >= REVALIDATE_RETRY_MS) {
      // Stale: revalidate in the background, answer with the keys at hand. Its failure is logged by #fetch.
      this.#fetchOnce().catch(() => undefined);
    }
    try {
      return await local.keys(header, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      // A fetch already under way costs nothing more to wait for.
      const coolingDown = trusted ? Date.now() - this.#lastTrustedReloadAt < TRUSTED_COOLDOWN_MS : Date.now() - this.#lastAttemptAt < OUTSIDE_COOLDOWN_MS;
      if (this.#pending === undefined && coolingDown) {
        const failure = this.#failure;
        if (failure !== undefined) throw new OidcError(failure.code, failure.message, { reason: failure.reason, cause: failure });
        throw error;
      }
      if (trusted) this.#lastTrustedReloadAt = Date.now();
      await this.#fetchOnce();
      return (this.#local ?? local).keys(header, token);
    }
  }

  /** Fetches the keys, or joins the fetch under way; throws the provider's error (an `OidcError`). */
  #fetchOnce(): Promise<void> {
    this.#pending ??= this.#fetch().finally(() => { this.#pending = undefined; });
    return this.#pending;
  }

  async #fetch(): Promise<void> {
    this.#lastAttemptAt = Date.now();
    let keys: LocalSet;
    try {
      keys = await fetchKeySet(this.#options.uri, this.#options.timeoutMs, this.#options.fetch);
    } catch (error) {
      const failure = error instanceof OidcError ? error : keySetFailure(error);
      this.#failure = failure;
      this.#reportDown(failure);
      throw failure;
    }
    this.#local = { keys, fetchedAt: Date.now() };
    this.#failure = undefined;
    if (this.#reportedDown) {
      this.#reportedDown = false;
      this.#options.logger?.warn(`the signing keys of provider "${this.#options.provider}" could be fetched again from ${this.#options.uri}`, { provider: this.#options.provider });
    }
  }

  #reportDown(failure: OidcError): void {
    if (this.#reportedDown) return;
    this.#reportedDown = true;
    const local = this.#local;
    const cause = failure.cause instanceof Error ? ` (${failure.cause.message})` : '';
    const usableUntil = local === undefined ? -Infinity : local.fetchedAt + KEYS_FRESH_MS + this.#options.maxStalenessMs;
    const serving = local === undefined || Date.now() >= usableUntil
      ? 'tokens cannot be verified until they can'
      : `the keys fetched at ${new Date(local.fetchedAt).toISOString()} stay in use until ${new Date(usableUntil).toISOString()} (jwksMaxStaleness)`;
    this.#options.logger?.warn(`the signing keys of provider "${this.#options.provider}" could not be fetched from ${this.#options.uri}: ${failure.code}: ${failure.message}${cause}; ${serving}`, { provider: this.#options.provider, code: failure.code, reason: failure.reason });
  }
}

/** GETs a JWKS within the size and time bounds and checks its shape. */
async function fetchKeySet(uri: string, timeoutMs: number, base: ProviderFetch | undefined): Promise<LocalSet> {
  const response = await boundedFetch(MAX_METADATA_BYTES, base)(uri, {
    method: 'GET',
    redirect: 'manual',
    headers: { accept: 'application/json, application/jwk-set+json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) {
    throw new OidcError('provider_error', `The provider's key set could not be loaded (HTTP ${response.status}).`, { reason: 'jwks_status' });
  }
  const document = parseProviderJson(await response.text(), 'key set', 'jwks');
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { keys?: unknown }).keys)) {
    throw new OidcError('provider_error', 'The provider\'s key set is invalid (no "keys" array).', { reason: 'jwks_invalid' });
  }
  try {
    return createLocalJWKSet(document as Parameters<typeof createLocalJWKSet>[0]);
  } catch (cause) {
    throw new OidcError('provider_error', 'The provider\'s key set is invalid.', { reason: 'jwks_invalid', cause });
  }
}

/**
 * Why a key set could not be had, as the provider's error: unreachable or too slow is 503
 * `provider_unavailable`; too large is 502 `provider_error`. Never the token's fault.
 *
 * @example
 * ```ts
 * throw keySetFailure(new ResponseTooLargeError(524288)); // OidcError provider_error, reason jwks_size
 * ```
 */
export function keySetFailure(error: unknown): OidcError {
  if (error instanceof ResponseTooLargeError) {
    return new OidcError('provider_error', 'The provider\'s key set is larger than oidc-kit reads.', { reason: 'jwks_size', cause: error });
  }
  if (error instanceof ProviderUnreachableError) {
    return new OidcError('provider_unavailable', 'The provider\'s keys could not be fetched.', { cause: error });
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new OidcError('provider_unavailable', 'The provider\'s keys could not be fetched in time.', { cause: error });
  }
  // A body that broke off mid-read, say: the provider's answer was unusable.
  return new OidcError('provider_error', 'The provider\'s key set could not be loaded.', { cause: error });
}
