import * as client from 'openid-client';
import type { CookieSealer } from '../cookies/cookie-sealer.ts';
import type { Logger } from '../config/options.ts';
import type { ResourceServerSettings } from '../config/resolved-config.ts';
import { OidcError } from '../errors.ts';
import { capProviderAnswers } from '../provider/bounded-fetch.ts';
import { clientSecretBasic } from '../provider/client-secret-basic.ts';
import type { ProviderClient } from '../provider/provider-client.ts';
import { parseProviderJson } from '../provider/provider-json.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { ConcurrencyLimit, LimitReached } from '../util/concurrency-limit.ts';
import { ExpiringCache } from '../util/expiring-cache.ts';
import { checkRegisteredClaims, JwtRefusal } from '../jwt/preflight.ts';
import { type AccessTokenClaims, scopesOf } from './access-token-claims.ts';
import { classifyIntrospectionFailure, describeIntrospectionFailure } from './introspection-failure.ts';
import { TokenRejection } from './token-rejection.ts';
import type { ValidatedToken } from './validated-token.ts';

/** An active answer is kept as the frozen {@link ValidatedToken} every request with the token shares. */
type Answer = { readonly active: true; readonly token: ValidatedToken } | { readonly active: false; readonly rejection: TokenRejection };
/** An answer as kept in the shared store; `until` in ms since the epoch. */
type SharedAnswer =
  | { readonly active: true; readonly claims: AccessTokenClaims; readonly until: number }
  | { readonly active: false; readonly reason: string; readonly message: string; readonly until: number };

/** Store keys of shared introspection answers: `introspection:<SHA-256 of the token>`. */
const SHARED_KEY_PREFIX = 'introspection:';
/** An active answer whose claims take more JSON characters than this is not cached (the provider may send up to 1 MiB). */
const MAX_CACHED_ANSWER_CHARS = 16 * 1024;
/** How long a request waits for a free introspection slot before its 503 (ms). */
const MAX_WAIT_MS = 1000;
/** How many requests may wait for a slot, per allowed call in flight. */
const QUEUED_PER_SLOT = 4;
/** After the provider refused this API's client, answer 502 without asking it again for this long (ms). */
const CLIENT_REFUSED_HOLD_MS = 5000;
/** At most one warning per this long about requests refused for want of a slot (ms). */
const BUSY_LOG_INTERVAL_MS = 30_000;

/**
 * Checks opaque tokens at the provider's introspection endpoint (RFC 7662) — and never on every
 * request: answers are cached by the SHA-256 of the token (never the token itself), an active one
 * for `cacheTtl` but never beyond the token's `exp` (§4), an inactive one for `inactiveCacheTtl`;
 * concurrent requests with the same uncached token share one call.
 *
 * An active answer is still checked (RFC 9700 §2.3): `exp` and `nbf` against the clock, `iss`
 * exactly the provider's, a `token_type` other than Bearer (a refresh token) or a key binding
 * (`cnf`, DPoP) refused. An `active` that is not the boolean `true` counts as inactive (fail
 * closed). When the endpoint fails — down, slow, 5xx, an unreadable answer — the request gets 503,
 * never 401, so clients do not throw away good tokens; our credentials refused are a 502.
 *
 * Outsiders choose the tokens, so nothing here grows with them: at most
 * `introspection.maxConcurrent` calls run at once (a request over it waits up to a second, then
 * gets 503 with `Retry-After`, and at most four per slot may wait); inactive answers and tokens the
 * provider refused with a 400 are cached apart from active answers, so a flood of made-up tokens
 * cannot push good ones out.
 *
 * @example
 * ```ts
 * const introspector = new TokenIntrospector('default', provider, config.resourceServer, logger, sealer);
 * const { claims } = await introspector.introspect(token, sha256(token));
 * ```
 */
export class TokenIntrospector {
  readonly #name: string;
  readonly #provider: ProviderClient;
  readonly #settings: ResourceServerSettings['introspection'];
  readonly #logger: Logger;
  /** Active answers. */
  readonly #cache: ExpiringCache<Answer>;
  /** Inactive answers and tokens the provider refused: kept apart, so that they cannot evict active ones. */
  readonly #rejected: ExpiringCache<Answer>;
  readonly #pending = new Map<string, Promise<ValidatedToken>>();
  readonly #calls: ConcurrencyLimit;
  /** The introspection configuration and the provider configuration it was built from (rebuilt when that changes). */
  #configuration: { readonly base: client.Configuration; readonly built: client.Configuration | undefined } | undefined;
  /** While the provider's refusal of this API's client is held (ms since the epoch), and that refusal. */
  #clientRefused: { until: number; error: OidcError } | undefined;
  #busyLoggedAt = 0;
  #busyRefused = 0;
  #warnedUnavailable = false;
  #warnedStore = false;

  readonly #sealer: CookieSealer;

  /**
   * @param name the provider's name (it goes into every {@link ValidatedToken})
   * @param sealer seals the answers kept in the shared store (`introspection.store`)
   */
  constructor(name: string, provider: ProviderClient, settings: ResourceServerSettings, logger: Logger, sealer: CookieSealer) {
    this.#name = name;
    this.#sealer = sealer;
    this.#provider = provider;
    this.#settings = settings.introspection;
    this.#logger = logger;
    this.#cache = new ExpiringCache(settings.cacheMaxEntries);
    this.#rejected = new ExpiringCache(settings.cacheMaxEntries);
    const max = settings.introspection.maxConcurrent;
    this.#calls = new ConcurrencyLimit({ max, maxQueued: max * QUEUED_PER_SLOT, maxWaitMs: MAX_WAIT_MS });
  }

  /** A cached answer for the token with this hash: the validated token, a rejection thrown, or `undefined` if none is cached. */
  cached(key: string): ValidatedToken | undefined {
    const now = Date.now();
    const answer = this.#cache.get(key, now) ?? this.#rejected.get(key, now);
    if (answer === undefined) return undefined;
    if (!answer.active) throw answer.rejection;
    return answer.token;
  }

  /** Introspects (or reuses a cached or pending answer). Throws a {@link TokenRejection} or a 503 `OidcError`. */
  introspect(token: string, key: string): Promise<ValidatedToken> {
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = this.#introspect(token, key).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #introspect(token: string, key: string): Promise<ValidatedToken> {
    const cached = this.cached(key);
    if (cached !== undefined) return cached;
    const shared = await this.#shared(key);
    if (shared !== undefined) {
      (shared.answer.active ? this.#cache : this.#rejected).set(key, shared.answer, shared.until);
      if (!shared.answer.active) throw shared.answer.rejection;
      return shared.answer.token;
    }
    const held = this.#clientRefused;
    if (held !== undefined && held.until > Date.now()) throw held.error;
    // Discovery's failures (502/503) pass as they are; an API that cannot introspect refuses opaque tokens.
    const configuration = await this.#configure();
    if (configuration === undefined) {
      throw new TokenRejection('opaque', 'This API cannot check opaque tokens.');
    }
    let response: client.IntrospectionResponse;
    try {
      const hint = this.#settings.tokenTypeHint;
      response = await this.#calls.run(() => client.tokenIntrospection(configuration, token, hint === undefined ? {} : { token_type_hint: hint }));
      this.#provider.answered();
    } catch (error) {
      return this.#failed(key, error);
    }
    return this.#remember(key, this.#judge(response));
  }

  /** What a failed call means for the request (and the caches); always throws. */
  async #failed(key: string, error: unknown): Promise<never> {
    if (error instanceof LimitReached) throw this.#busy();
    // An answer refused by its content type or JSON (answerChecked) is the provider's fault: 502.
    const refused = error instanceof OidcError ? error : error instanceof Error && error.cause instanceof OidcError ? error.cause : undefined;
    // Like every provider fault, logged once when it starts and once when it ends (the provider's fault log).
    if (refused !== undefined) throw this.#provider.failed(refused);
    // RFC 7662 §2.2 requires a boolean; anything else means "not active" (fail closed).
    // openid-client wraps oauth4webapi's message in its own error: look at both.
    if (error instanceof Error && /"active" property must be a boolean/.test(`${error.message} ${error.cause instanceof Error ? error.cause.message : ''}`)) {
      this.#remember(key, inactive('inactive')); // throws the rejection
    }
    const what = describeIntrospectionFailure(error);
    const failure = classifyIntrospectionFailure(error, this.#authMethod());
    if (failure.kind === 'token') {
      // The provider answered, and refused a request about this token: the token's fault, remembered like an inactive answer.
      this.#provider.answered();
      this.#remember(key, inactive('introspection_refused')); // throws the rejection
    }
    if (failure.kind === 'client') throw await this.#clientRefusal(what, failure.oauthError, error);
    if (failure.kind === 'provider') {
      throw this.#provider.failed(new OidcError('provider_error', `The token could not be checked: the provider's introspection endpoint refused the request (${what}; check its introspection_endpoint).`, { reason: 'introspection', cause: error }));
    }
    throw this.#provider.failed(new OidcError('provider_unavailable', `The token could not be checked: the provider's introspection endpoint failed (${what}); try again shortly.`, { reason: 'introspection', cause: error }));
  }

  /**
   * The provider refused this API's client (RFC 7662 §2.3): a configuration problem, said in the
   * log with what to check, and held for a moment. A client that registered itself registers again.
   */
  async #clientRefusal(what: string, oauthError: string | undefined, cause: unknown): Promise<OidcError> {
    const ownClient = this.#settings.clientId === undefined;
    this.#logger.warn(
      `token introspection failed: ${what}: the provider refused this API's client; check ${ownClient ? 'clientId, clientSecret' : 'resourceServer.introspection.clientId, clientSecret'} and resourceServer.introspection.authMethod`,
      { code: 'provider_error', reason: 'client_refused', oauthError },
    );
    const error = new OidcError('provider_error', 'The token could not be checked: the provider refused this API\'s client.', { reason: 'client_refused', cause, ...(oauthError === undefined ? {} : { oauthError }) });
    this.#clientRefused = { until: Date.now() + CLIENT_REFUSED_HOLD_MS, error };
    if (ownClient) await this.#provider.clientRejected();
    return error;
  }

  /** A request refused for want of a free slot: 503 with a short `Retry-After`, logged at most every 30 s. */
  #busy(): OidcError {
    this.#busyRefused++;
    const now = Date.now();
    if (now - this.#busyLoggedAt >= BUSY_LOG_INTERVAL_MS) {
      this.#logger.warn(
        `token introspection is at its limit (resourceServer.introspection.maxConcurrent: ${this.#settings.maxConcurrent} calls in flight); ${this.#busyRefused} request(s) refused with 503 since the last warning`,
        { code: 'provider_unavailable', reason: 'introspection_busy' },
      );
      this.#busyLoggedAt = now;
      this.#busyRefused = 0;
    }
    return new OidcError('provider_unavailable', 'Too many tokens are being checked at the provider right now; try again shortly.', { reason: 'introspection_busy', retryAfter: 1 });
  }

  #remember(key: string, answer: Answer): ValidatedToken {
    const now = Date.now();
    if (answer.active) {
      const ttl = this.#settings.cacheTtl * 1000;
      const exp = answer.token.claims.exp;
      const until = Math.min(now + ttl, exp === undefined ? Number.POSITIVE_INFINITY : exp * 1000);
      // A huge answer (up to 1 MiB) is used but not kept: the cache is bounded in bytes too.
      if (ttl > 0 && until > now && JSON.stringify(answer.token.claims).length <= MAX_CACHED_ANSWER_CHARS) this.#keep(key, answer, until);
      return answer.token;
    }
    if (this.#settings.inactiveCacheTtl > 0) this.#keep(key, answer, now + this.#settings.inactiveCacheTtl * 1000);
    throw answer.rejection;
  }

  /** Caches an answer in memory and, when configured, in the shared store (in the background). */
  #keep(key: string, answer: Answer, until: number): void {
    (answer.active ? this.#cache : this.#rejected).set(key, answer, until);
    const store = this.#settings.store;
    if (store === undefined) return;
    const record: SharedAnswer = answer.active
      ? { active: true, claims: answer.token.claims, until }
      : { active: false, reason: answer.rejection.reason, message: answer.rejection.message, until };
    // Sealed and bound to its key: whoever can write to the store still cannot make a token valid.
    const storeKey = SHARED_KEY_PREFIX + key;
    store.set(storeKey, this.#sealer.seal(JSON.stringify(record), storeKey), Math.ceil((until - Date.now()) / 1000)).catch((error: unknown) => this.#storeFailed(error));
  }

  /** The answer another instance cached in the shared store, if any and still valid. A failing store is skipped. */
  async #shared(key: string): Promise<{ answer: Answer; until: number } | undefined> {
    const store = this.#settings.store;
    if (store === undefined) return undefined;
    const storeKey = SHARED_KEY_PREFIX + key;
    let sealed: unknown;
    try {
      sealed = await store.get(storeKey);
    } catch (error) {
      this.#storeFailed(error);
      return undefined;
    }
    const record = this.#sealer.openJson(sealed, storeKey);
    if (typeof record !== 'object' || record === null) return undefined;
    const r = record as Partial<SharedAnswer> & { claims?: unknown; reason?: unknown; message?: unknown };
    // The store's TTL is in whole seconds: the answer's own end is what counts.
    if (typeof r.until !== 'number' || r.until <= Date.now()) return undefined;
    if (r.active === true && typeof r.claims === 'object' && r.claims !== null) {
      return { answer: this.#active(r.claims), until: r.until };
    }
    if (r.active === false && typeof r.reason === 'string' && typeof r.message === 'string') {
      return { answer: { active: false, rejection: new TokenRejection(r.reason, r.message) }, until: r.until };
    }
    return undefined;
  }

  #storeFailed(error: unknown): void {
    if (this.#warnedStore) return;
    this.#warnedStore = true;
    this.#logger.warn(`the shared introspection cache failed; introspecting without it: ${describeIntrospectionFailure(error)}`, { reason: 'introspection_store' });
  }

  #judge(response: client.IntrospectionResponse): Answer {
    if (response.active !== true) return inactive('inactive');
    const claims = { ...response } as Record<string, unknown>;
    delete claims['active'];
    try {
      // The same claim rules as for a JWT's (types, plausible dates, non-empty identifiers).
      checkRegisteredClaims(claims, 'introspection');
    } catch (error) {
      if (error instanceof JwtRefusal) return inactive(error.reason);
      throw error;
    }
    const settings = this.#provider.settings;
    const now = Math.floor(Date.now() / 1000);
    const { exp, nbf, iss } = claims as AccessTokenClaims;
    if (exp !== undefined && exp + settings.clockTolerance <= now) return inactive('exp');
    if (nbf !== undefined && nbf > now + settings.clockTolerance) return inactive('nbf');
    if (iss !== undefined && iss !== settings.issuer) return inactive('iss');
    const tokenType = claims['token_type'];
    // A bound token (`cnf`, `token_type: DPoP`) is active; whether this request may use it is
    // decided per request (token-binding.ts), so the cached answer serves Bearer and DPoP alike.
    if (tokenType !== undefined && !(typeof tokenType === 'string' && ['bearer', 'access_token', 'dpop'].includes(tokenType.toLowerCase()))) {
      return inactive('token_type');
    }
    const kind = claims['typ'];
    if (typeof kind === 'string' && kind.toLowerCase() !== 'bearer') return inactive('token_type');
    return this.#active(claims);
  }

  #active(claims: AccessTokenClaims): Answer {
    return { active: true, token: deepFreeze({ claims, scopes: scopesOf(claims), strategy: 'introspection', provider: this.#name }) };
  }

  /**
   * The configuration introspection runs on, or `undefined` when it cannot run (said once in the
   * log). Built again whenever the provider's configuration changes (its metadata refreshed, its
   * registered client renewed), so introspection follows a moved endpoint or a new secret.
   */
  async #configure(): Promise<client.Configuration | undefined> {
    const base = await this.#provider.configuration();
    if (this.#configuration?.base !== base) this.#configuration = { base, built: this.#build(base) };
    return this.#configuration.built;
  }

  /** How this API authenticates at the introspection endpoint. */
  #authMethod(): string {
    return this.#settings.authMethod ?? (this.#provider.client.authMethod === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic');
  }

  #build(base: client.Configuration): client.Configuration | undefined {
    const metadata = base.serverMetadata();
    const provider = this.#provider.client;
    const clientId = this.#settings.clientId ?? provider.clientId;
    const secret = this.#settings.clientSecret ?? provider.clientSecret;
    const method = this.#authMethod();
    let problem: string | undefined;
    if (metadata.introspection_endpoint === undefined) problem = 'the provider has no introspection_endpoint (set providerMetadata.introspection_endpoint, or accept JWT access tokens only)';
    else if (clientId === '' && method !== 'bearer') problem = 'there is no client to introspect as (set clientId and clientSecret, or resourceServer.introspection.clientId and clientSecret)';
    else if (method !== 'bearer' && secret === undefined) problem = `introspection with ${method} needs a client secret (set clientSecret or resourceServer.introspection.clientSecret)`;
    if (problem !== undefined) {
      if (!this.#warnedUnavailable) this.#logger.warn(`opaque access tokens are refused: ${problem}`, { code: 'invalid_token', reason: 'opaque' });
      this.#warnedUnavailable = true;
      return undefined;
    }
    const auth: client.ClientAuth = method === 'bearer'
      // Flask-OIDC's "bearer": the token being checked is itself the credential.
      ? (_as, _client, body, headers) => headers.set('authorization', `Bearer ${body.get('token') ?? ''}`)
      : method === 'client_secret_post' ? client.ClientSecretPost(secret) : clientSecretBasic(secret);
    // With bearer authentication no client id is sent; openid-client still wants one to hold.
    const configuration = new client.Configuration(metadata, clientId === '' ? 'oidc-kit-resource-server' : clientId, secret === undefined ? {} : { client_secret: secret }, auth);
    configuration.timeout = this.#provider.settings.httpTimeoutMs / 1000;
    capProviderAnswers(configuration, this.#provider.settings.fetch);
    const bounded = configuration[client.customFetch];
    if (bounded !== undefined) configuration[client.customFetch] = async (url, options) => answerChecked(await bounded(url, options));
    if (this.#provider.settings.allowHttp) client.allowInsecureRequests(configuration);
    return configuration;
  }
}

/**
 * An introspection answer as oidc-kit asked for it: JSON (it sends `Accept: application/json`) that
 * passes the strict JSON rules — no duplicate member, no non-finite number, nesting at most 32
 * deep — before openid-client reads it. A signed JWT answer (RFC 9701) was not asked for and would
 * not be verified by openid-client, so it is refused as `introspection_jwt` rather than trusted.
 * Error statuses pass through unchanged: openid-client reads their OAuth error.
 */
async function answerChecked(response: Response): Promise<Response> {
  if (response.status !== 200) return response;
  const type = (response.headers.get('content-type') ?? '').toLowerCase();
  if (/^application\/(token-introspection\+)?jwt\b/.test(type)) {
    throw new OidcError('provider_error', 'The provider answered introspection with a JWT, which was not asked for; its signature would not be checked, so it is refused.', { reason: 'introspection_jwt' });
  }
  const text = await response.text();
  try {
    parseProviderJson(text, 'introspection answer', 'introspection');
  } catch (error) {
    // What is not JSON at all is left to openid-client, which calls it an unusable answer (503);
    // JSON that breaks the strict rules is refused here, as the provider's fault (502).
    if (!(error instanceof OidcError && error.reason === 'introspection_malformed')) throw error;
  }
  return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
}

function inactive(reason: string): Answer {
  const message = reason === 'inactive' ? 'The access token is not active (expired, revoked or unknown).'
    : reason === 'exp' ? 'The access token has expired.'
      : reason === 'introspection_refused' ? 'The provider refused to check this access token.'
        : `The access token is invalid (${reason}).`;
  return { active: false, rejection: new TokenRejection(reason, message) };
}
