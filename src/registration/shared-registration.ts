import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CookieSealer } from '../cookies/cookie-sealer.ts';
import type { Logger } from '../config/options.ts';
import type { ProviderSettings, RegistrationSettings } from '../config/resolved-config.ts';
import { OidcError } from '../errors.ts';
import { ASYMMETRIC_ALGORITHMS } from '../jws-algorithms.ts';
import type { ProviderMetadata } from '../provider/discover.ts';
import type { SessionStore } from '../session/session-store.ts';
import { registerClient, type RegisteredClient } from './register-client.ts';
import { RegistrationError } from './registration-error.ts';

/** Store keys of registrations: `registration:<hash of issuer and request>`; `…:lock` while one is made. */
const KEY_PREFIX = 'registration:';
/** A secret that never expires is kept this long (the store needs a TTL): ten years. */
const NEVER = 10 * 365 * 24 * 3600;
/** Re-register this long before a secret expires (at most half its lifetime), so no request meets an expired one (DCR-04). */
const RENEW_BEFORE_SECONDS = 300;

/**
 * After the provider refuses a registration (a wrong initial access token, metadata it will not
 * accept), the refusal is repeated for this long instead of registering again on every request:
 * the fix is in the configuration or at the provider, not in retrying (DCR-06).
 */
const REFUSAL_BACKOFF_MS = 30_000;

/** A registration as kept in the store (sealed), with when to renew it. */
export interface StoredRegistration {
  readonly registered: RegisteredClient;
  /** When to register again, in ms since the epoch; undefined: never (the secret does not expire). */
  readonly renewAt: number | undefined;
}

/**
 * A provider's run-time registration, shared by every instance of the app through the store
 * (Flask-pyoidc registered once per process and lost it on restart). The first instance that needs
 * it takes a short lock in the store (`add`, i.e. SET NX) and registers; the others wait for its
 * result instead of registering their own clients. The record is sealed with the app's secret, so
 * the client secret is not readable in the store. A secret that expires is renewed before it does.
 *
 * @example
 * ```ts
 * const shared = new SharedRegistration(settings, store, new CookieSealer(secrets, 'registration'), logger);
 * const { registered, renewAt } = await shared.client(metadata); // registers once, then reads the store
 * ```
 */
export class SharedRegistration {
  readonly #settings: ProviderSettings;
  readonly #registration: RegistrationSettings;
  readonly #store: SessionStore;
  readonly #sealer: CookieSealer;
  readonly #logger: Logger;
  /** The provider's last refusal, repeated until `until` (ms since the epoch). */
  #refused: { error: RegistrationError; until: number } | undefined;

  constructor(settings: ProviderSettings, store: SessionStore, sealer: CookieSealer, logger: Logger) {
    if (settings.registration === undefined) throw new TypeError('the provider has no registration settings');
    this.#settings = settings;
    this.#registration = settings.registration;
    this.#store = store;
    this.#sealer = sealer;
    this.#logger = logger;
  }

  /**
   * The registered client, from the store or registered now. Rejects with `registration_failed`
   * (the provider refused), `provider_unavailable` (it or another instance's registration did not
   * answer in time) or `session_store_unavailable` (503).
   */
  async client(metadata: ProviderMetadata): Promise<StoredRegistration> {
    if (this.#refused !== undefined && Date.now() < this.#refused.until) throw this.#refused.error;
    const key = this.#key();
    // Another instance may be registering: wait for its result (a few timeouts' worth at most).
    const deadline = Date.now() + 3 * this.#settings.httpTimeoutMs;
    for (;;) {
      const stored = await this.#read(key);
      if (stored !== undefined) return stored;
      const locked = this.#store.add === undefined ? true : await this.#call(() => this.#store.add!(`${key}:lock`, { at: Date.now() }, Math.ceil((2 * this.#settings.httpTimeoutMs) / 1000)));
      if (locked) {
        try {
          return await this.#register(key, metadata);
        } finally {
          if (this.#store.add !== undefined) await this.#store.delete(`${key}:lock`).catch(() => undefined);
        }
      }
      if (Date.now() > deadline) {
        throw new OidcError('provider_unavailable', 'Another instance of this app is registering it at the identity provider and has not finished; try again shortly.', { reason: 'registration' });
      }
      await sleep(100);
    }
  }

  /** Forgets the stored registration, so the next use registers again (e.g. the provider no longer knows the client). */
  async forget(): Promise<void> {
    await this.#call(() => this.#store.delete(this.#key()));
  }

  async #register(key: string, metadata: ProviderMetadata): Promise<StoredRegistration> {
    let registered: RegisteredClient;
    try {
      registered = await registerClient(metadata, this.#registration.redirectUris, this.#registration.metadata, {
        ...(this.#registration.initialAccessToken === undefined ? {} : { initialAccessToken: this.#registration.initialAccessToken }),
        timeout: this.#settings.httpTimeoutMs,
        allowHttp: this.#settings.allowHttp,
        ...(this.#settings.fetch === undefined ? {} : { fetch: this.#settings.fetch }),
      });
      this.#checkUsable(registered);
    } catch (error) {
      // Refusals are remembered; an unreachable provider is simply tried again next time.
      if (error instanceof RegistrationError) this.#refused = { error, until: Date.now() + REFUSAL_BACKOFF_MS };
      throw error;
    }
    this.#refused = undefined;
    const now = Date.now();
    const expiresAt = (registered.client_secret_expires_at ?? 0) * 1000;
    const renewAt = expiresAt === 0 ? undefined : expiresAt - Math.min(RENEW_BEFORE_SECONDS * 1000, Math.max(0, expiresAt - now) / 2);
    const record: StoredRegistration = { registered, renewAt };
    const ttl = renewAt === undefined ? NEVER : Math.max(1, Math.ceil((renewAt - now) / 1000));
    await this.#call(() => this.#store.set(key, this.#sealer.seal(JSON.stringify(record), key), ttl));
    this.#logger.warn(`registered at ${this.#settings.issuer} as client ${registered.client_id}`, { provider: this.#settings.name });
    return record;
  }

  async #read(key: string): Promise<StoredRegistration | undefined> {
    const sealed = await this.#call(() => this.#store.get(key));
    // Undefined when sealed with a secret no longer configured: register again.
    const record = this.#sealer.openJson(sealed, key) as StoredRegistration | undefined;
    if (record === undefined) return undefined;
    if (record.renewAt !== undefined && record.renewAt <= Date.now()) return undefined;
    return record;
  }

  /** Refuses, before it is stored, a client the login code cannot work with (DCR-03). */
  #checkUsable(registered: RegisteredClient): void {
    const method = registered.token_endpoint_auth_method;
    if (method !== 'client_secret_basic' && method !== 'client_secret_post') {
      throw new RegistrationError(`The provider registered client ${registered.client_id} with token_endpoint_auth_method "${method}", which oidc-kit cannot use for a client that registers itself.`, { reason: 'token_endpoint_auth_method' });
    }
    const alg = registered.id_token_signed_response_alg ?? this.#settings.idTokenSigningAlg;
    if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new RegistrationError(`The provider registered client ${registered.client_id} with ID tokens signed by "${alg}"; oidc-kit accepts asymmetric signatures only.`, { reason: 'id_token_signed_response_alg' });
    }
    const userInfoAlg = registered['userinfo_signed_response_alg'];
    if (userInfoAlg !== undefined && !(ASYMMETRIC_ALGORITHMS as readonly unknown[]).includes(userInfoAlg)) {
      throw new RegistrationError(`The provider registered client ${registered.client_id} with UserInfo signed by ${JSON.stringify(userInfoAlg)}; oidc-kit accepts asymmetric signatures only.`, { reason: 'userinfo_signed_response_alg' });
    }
  }

  /** One record per issuer and request: a changed redirect URI or metadata registers a new client. */
  #key(): string {
    const request = JSON.stringify([this.#settings.issuer, this.#registration.redirectUris, this.#registration.metadata]);
    return KEY_PREFIX + createHash('sha256').update(request).digest('base64url');
  }

  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new OidcError('session_store_unavailable', 'The session store is not answering, so the app\'s registration at the identity provider cannot be read.', { cause: error });
    }
  }
}
