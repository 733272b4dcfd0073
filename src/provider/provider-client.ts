import { compactVerify } from 'jose';
import * as client from 'openid-client';
import type { Logger, TokenEndpointAuthMethod } from '../config/options.ts';
import type { ProviderSettings } from '../config/resolved-config.ts';
import { OidcError } from '../errors.ts';
import type { RegisteredClient } from '../registration/register-client.ts';
import type { SharedRegistration } from '../registration/shared-registration.ts';
import type { FaultSubject } from '../core/fault-log.ts';
import { authMethodNote } from './auth-method-note.ts';
import { DpopSigner } from '../dpop-client/dpop-signer.ts';
import { checkProviderCapabilities } from './provider-capabilities.ts';
import { capProviderAnswers } from './bounded-fetch.ts';
import { clientSecretBasic } from './client-secret-basic.ts';
import { discover } from './discover.ts';
import { typeAccepted } from '../jwt/explicit-type.ts';
import { JwtRefusal, type JwtKind, preflightJws } from '../jwt/preflight.ts';
import { classifyJoseFailure } from './jose-failure.ts';
import { toOidcError } from './provider-error.ts';
import { type KeyLookup, ProviderKeySet } from './provider-key-set.ts';

/**
 * A JWT of the provider's, verified: its protected header and the claims of the verified payload.
 *
 * @example
 * ```ts
 * const { claims } = await provider.verifyProviderJwt(jwt, 'RS256', { code: 'provider_error', label: 'signed UserInfo answer', kind: 'userinfo' });
 * ```
 */
export interface VerifiedProviderJwt {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Which JWT of the provider's is verified, and the error that refuses it. */
export interface ProviderJwtKind {
  readonly code: 'id_token_invalid' | 'provider_error';
  /** Names the JWT in the error's message: "The ID token is invalid (…)". */
  readonly label: string;
  readonly kind: Extract<JwtKind, 'id_token' | 'userinfo'>;
}

const ID_TOKEN: ProviderJwtKind = { code: 'id_token_invalid', label: 'ID token', kind: 'id_token' };

/** Discovered metadata is fetched again after this long (DISC-07). */
const METADATA_MAX_AGE_MS = 24 * 3600 * 1000;
/** A failed refresh is tried again after this long, the previous metadata serving meanwhile. */
const METADATA_RETRY_MS = 15 * 60 * 1000;
/** A failed renewal of a registered client's expiring secret is tried again after this long. */
const RENEWAL_RETRY_MS = 30 * 1000;

/**
 * One provider's openid-client `Configuration`: discovered lazily on first use (concurrent first
 * requests share one discovery) and again every 24 hours in the background, or built from static
 * metadata; for a client that registers itself, with its registration. A failed discovery is not
 * cached, so the next request tries again once the provider is back.
 *
 * @example
 * ```ts
 * const provider = new ProviderClient(settings);
 * const config = await provider.configuration(); // throws OidcError provider_unavailable / provider_error
 * ```
 */
export class ProviderClient {
  readonly settings: ProviderSettings;
  #pending: Promise<client.Configuration> | undefined;
  #keys: { uri: string; keys: ProviderKeySet } | undefined;
  readonly #registration: SharedRegistration | undefined;
  #client: EffectiveClient;
  /**
   * When the configuration is rebuilt in the background (ms since the epoch): discovered metadata
   * gets old, or a registered client's secret is due for renewal. Undefined: never (static).
   */
  #refreshAt: number | undefined;
  #refreshing = false;
  /** When the registered client's secret is due for renewal (ms since the epoch); undefined: never. */
  #renewAt: number | undefined;
  readonly #logger: Logger | undefined;
  /** Where this provider's outages are logged, once when they start and once when they end. */
  readonly #health: FaultSubject | undefined;
  /** Whether the client authentication was looked at against the metadata (once per client). */
  #authMethodNoted = false;
  /** Signs this provider's sessions' DPoP proofs (`dpop`); undefined: tokens are not bound. */
  readonly dpop: DpopSigner | undefined;

  /**
   * @param registration how the client registers itself, when `settings.registration` is set.
   * @param logger where a failed metadata refresh is reported.
   * @param health where the provider's answers and outages are reported (see {@link answered}).
   */
  constructor(settings: ProviderSettings, registration?: SharedRegistration, logger?: Logger, health?: FaultSubject) {
    this.settings = settings;
    this.#registration = registration;
    this.#logger = logger;
    this.#health = health;
    this.dpop = settings.dpop === undefined ? undefined : new DpopSigner();
    this.#client = {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      authMethod: settings.authMethod,
      idTokenSigningAlg: settings.idTokenSigningAlg,
      userInfoSigningAlg: settings.userInfoSigningAlg,
    };
  }

  /** The provider's configuration, discovering (and registering) if needed. Throws an `OidcError` (502/503) on failure. */
  configuration(): Promise<client.Configuration> {
    if (this.#pending !== undefined && this.#refreshAt !== undefined && Date.now() >= this.#refreshAt && !this.#refreshing) this.#refresh();
    this.#pending ??= this.#create().then(
      (created) => {
        this.answered();
        return created;
      },
      (error: unknown) => {
        this.#pending = undefined;
        throw this.failed(toOidcError(error, 'discovery'));
      },
    );
    return this.#pending;
  }

  /**
   * A call to the provider succeeded (discovery, a code exchange, a refresh, UserInfo,
   * introspection): ends an outage the log was told of. Free while the provider is up.
   *
   * @example
   * ```ts
   * tokens = await client.refreshTokenGrant(await provider.configuration(), refreshToken);
   * provider.answered();
   * ```
   */
  answered(): void {
    this.#health?.answered();
  }

  /**
   * A call to the provider failed with `error`: if that is the provider's fault (unreachable,
   * unusable answer) the log says once that it is down. Returns `error`, to be thrown.
   *
   * @example
   * ```ts
   * catch (error) { throw provider.failed(toOidcError(error, 'callback')); }
   * ```
   */
  failed(error: OidcError): OidcError {
    this.#health?.failed(error);
    return error;
  }

  /**
   * Rebuilds the configuration in the background while requests keep using the current one:
   * discovered metadata is fetched again (DISC-07: endpoints and key URIs may move) and a client
   * whose secret is about to expire registers anew (DCR-04). The new document goes through the same
   * checks, the exact issuer included, so a provider can never switch issuers under a running app;
   * a refresh that fails keeps the current configuration and is retried later.
   */
  #refresh(): void {
    this.#refreshing = true;
    const renewing = this.#renewAt !== undefined && Date.now() >= this.#renewAt;
    this.#create().then(
      (fresh) => { this.#pending = Promise.resolve(fresh); },
      (error: unknown) => {
        // A secret about to expire is worth trying again soon; stale metadata can wait.
        this.#refreshAt = Date.now() + (renewing ? RENEWAL_RETRY_MS : METADATA_RETRY_MS);
        const code = toOidcError(error, 'discovery').code;
        const what = renewing ? 'renewing the registration (its client secret expires soon)' : 'refreshing the metadata';
        this.#logger?.warn(`${what} at ${this.settings.issuer} failed (${code}); the current configuration stays in use`, { provider: this.settings.name, code });
      },
    ).finally(() => { this.#refreshing = false; });
  }

  /**
   * The client this app is at the provider: as configured or, for a client that registers itself,
   * as registered (the provider's values win, DCR-03). Complete once `configuration()` has resolved.
   */
  get client(): EffectiveClient {
    return this.#client;
  }

  /** The key set once `keys()` has made it (and the metadata still names its `jwks_uri`): lets a hot path skip an await. */
  get readyKeys(): KeyLookup | undefined {
    return this.#keys?.keys.getKey;
  }

  /**
   * The provider's signing keys, from its `jwks_uri` only: one {@link ProviderKeySet} per provider,
   * shared by every verifier (logout tokens, access tokens). Fresh for 10 minutes, then revalidated
   * in the background; while the provider is down the last good keys keep serving for
   * `jwksMaxStaleness`. One fetch for any number of concurrent cold requests; an unknown `kid`
   * refetches at most every 30 s, so tokens with made-up kids cannot hammer the provider.
   */
  async keys(): Promise<KeyLookup> {
    return (await this.#keySet()).getKey;
  }

  async #keySet(): Promise<ProviderKeySet> {
    const configuration = await this.configuration();
    const uri = configuration.serverMetadata().jwks_uri;
    if (uri === undefined) throw new OidcError('provider_error', 'The provider publishes no jwks_uri, so its tokens cannot be verified.');
    if (this.#keys?.uri !== uri) {
      const s = this.settings;
      this.#keys = { uri, keys: new ProviderKeySet({ uri, timeoutMs: s.httpTimeoutMs, maxStalenessMs: s.jwksMaxStalenessMs, provider: s.name, logger: this.#logger, fetch: s.fetch }) };
    }
    return this.#keys.keys;
  }

  /**
   * Verifies a JWT the provider sent over the back channel — an ID token from its token endpoint, a
   * signed UserInfo answer: first the rules every JWT obeys (`preflightJws`, no
   * provider call for a token refused there) and its kind's `typ`, then the signature with the
   * provider's keys and only `algorithm`. Returns the header and claims as preflighted; throws an
   * {@link OidcError}: `id_token_invalid` (or `what`'s code) with the reason, or the provider's fault
   * when its keys cannot be had. Tokens that arrive from outside (access and logout tokens) make the
   * key set reload at most every 30 s; these came from the provider itself over an authenticated
   * exchange, so an unknown `kid` reloads at once (at most once a second): a provider that has just
   * rotated its keys must not fail every login for the next half minute (CFG-05, CFG-06).
   *
   * @example
   * ```ts
   * await provider.verifyProviderJwt(tokens.id_token, provider.client.idTokenSigningAlg);
   * ```
   */
  async verifyProviderJwt(jwt: string, algorithm: string, what: ProviderJwtKind = ID_TOKEN): Promise<VerifiedProviderJwt> {
    const invalid = (reason: string, cause?: unknown): OidcError => new OidcError(what.code, `The ${what.label} is invalid (${reason}).`, { reason, cause });
    // The rules every JWT obeys, before any key is fetched: a refused token costs no provider call.
    let preflighted: ReturnType<typeof preflightJws>;
    try {
      preflighted = preflightJws(jwt, what.kind);
    } catch (error) {
      if (error instanceof JwtRefusal) throw invalid(error.reason, error);
      throw error;
    }
    const { header, claims } = preflighted;
    // Explicit typing (RFC 8725 §3.11): a JWT typed as another kind is not this one.
    if (!typeAccepted(what.kind, header['typ'])) throw invalid('typ');
    if (header['alg'] !== algorithm) throw invalid('alg');
    const keySet = await this.#keySet();
    try {
      await compactVerify(jwt, keySet.getTrustedKey, { algorithms: [algorithm] });
    } catch (error) {
      const failure = classifyJoseFailure(error);
      if (failure.kind === 'provider') throw failure.error;
      throw invalid(failure.reason, error);
    }
    return { header, claims };
  }

  async #create(): Promise<client.Configuration> {
    const s = this.settings;
    const timeout = s.httpTimeoutMs / 1000;
    // Explicitly configured endpoints win over discovered ones, key by key; discovery checks the
    // issuer exactly, the members the code flow needs and that every endpoint is https.
    const metadata: client.ServerMetadata = s.discover
      ? { ...await discover(s.issuer, { timeout: s.httpTimeoutMs, allowHttp: s.allowHttp, ...(s.fetch === undefined ? {} : { fetch: s.fetch }) }), ...s.metadata }
      : s.metadata as client.ServerMetadata;
    // What the options require of the provider (PAR, DPoP, FAPI 2.0), before anything is sent to it.
    checkProviderCapabilities(metadata, s, this.#logger);
    // The client is adopted only with the configuration built for it, so that a background refresh
    // never pairs the current configuration with another client.
    let effective = this.#client;
    let renewAt: number | undefined;
    if (this.#registration !== undefined) {
      const stored = await this.#registration.client(metadata);
      effective = registeredClient(stored.registered, this.settings);
      renewAt = stored.renewAt;
    }
    const clientMetadata: Partial<client.ClientMetadata> = {
      id_token_signed_response_alg: effective.idTokenSigningAlg,
      [client.clockTolerance]: s.clockTolerance,
    };
    if (effective.clientSecret !== undefined) clientMetadata.client_secret = effective.clientSecret;
    // openid-client then asks for, and only accepts, a signed UserInfo answer (DYN-07).
    if (effective.userInfoSigningAlg !== undefined) clientMetadata.userinfo_signed_response_alg = effective.userInfoSigningAlg;
    // With bearer-only resource servers there is no client; openid-client still wants an id to hold.
    const config = new client.Configuration(metadata, effective.clientId === '' ? 'oidc-kit-resource-server' : effective.clientId, clientMetadata, this.#clientAuth(effective));
    this.#noteAuthMethod(metadata, effective);
    this.#client = effective;
    this.#renewAt = renewAt;
    // A refreshed document may name another jwks_uri: the next keys() makes the new set.
    if (this.#keys !== undefined && this.#keys.uri !== metadata.jwks_uri) this.#keys = undefined;
    const refreshAt = Math.min(s.discover ? Date.now() + METADATA_MAX_AGE_MS : Infinity, renewAt ?? Infinity);
    this.#refreshAt = refreshAt === Infinity ? undefined : refreshAt;
    config.timeout = timeout;
    // A hostile or broken provider cannot make the app buffer a huge answer.
    capProviderAnswers(config, s.fetch);
    // The provider's DPoP nonces, from every answer, for every session's next proof.
    if (this.dpop !== undefined) noteDpopNonces(config, this.dpop);
    if (s.allowHttp) client.allowInsecureRequests(config);
    // openid-client trusts TLS for ID tokens from the token endpoint and checks their claims; their
    // signatures (and signed UserInfo's) are verified by verifyProviderJwt, whose key set follows a
    // rotation at once (openid-client's cache would refuse new kids for up to a minute).
    return config;
  }

  /**
   * The provider no longer accepts this app's credentials (`invalid_client` at its token endpoint).
   * For a client that registered itself, that means the registration is gone (deleted at the
   * provider, or the provider lost it): forget it, so that the next request registers again.
   * A configured client is left alone: only its owner can fix it.
   */
  async clientRejected(): Promise<void> {
    if (this.#registration === undefined) return;
    this.#pending = undefined;
    await this.#registration.forget().catch(() => undefined); // the store being down: the next use will say so
    this.#logger?.warn(`${this.settings.issuer} refused the registered client ${this.#client.clientId} (invalid_client); it will register again`, { provider: this.settings.name });
  }

  /** Says once which client authentication is used when the provider's metadata suggests another. */
  #noteAuthMethod(metadata: client.ServerMetadata, effective: EffectiveClient): void {
    if (this.#authMethodNoted || effective.clientId === '' || (effective.clientSecret === undefined && effective.authMethod !== 'private_key_jwt')) return;
    this.#authMethodNoted = true;
    const note = authMethodNote(this.settings.issuer, metadata.token_endpoint_auth_methods_supported, effective.authMethod);
    if (note !== undefined) this.#logger?.warn(note, { provider: this.settings.name });
  }

  #clientAuth(c: EffectiveClient): client.ClientAuth {
    switch (c.authMethod) {
      case 'client_secret_post':
        return client.ClientSecretPost(c.clientSecret);
      case 'private_key_jwt':
        if (this.settings.privateKey === undefined) throw new Error('privateKey missing');
        return client.PrivateKeyJwt(this.settings.privateKey);
      default:
        // Form-encoded as URLSearchParams does, not as openid-client does: see client-secret-basic.ts.
        return clientSecretBasic(c.clientSecret);
    }
  }
}

/** Wraps the configuration's fetch so that every `DPoP-Nonce` the provider sends is kept for the next proof. */
function noteDpopNonces(config: client.Configuration, signer: DpopSigner): void {
  const inner = config[client.customFetch];
  if (inner === undefined) return;
  config[client.customFetch] = async (url, options) => {
    const response = await inner(url, options);
    signer.nonces.note(url, response.headers);
    return response;
  };
}

/** What the provider registered (checked usable before it was stored): its client id, secret, method and algorithms (DCR-03). */
function registeredClient(registered: RegisteredClient, settings: ProviderSettings): EffectiveClient {
  return {
    clientId: registered.client_id,
    clientSecret: registered.client_secret,
    authMethod: registered.token_endpoint_auth_method as TokenEndpointAuthMethod,
    idTokenSigningAlg: registered.id_token_signed_response_alg ?? settings.idTokenSigningAlg,
    userInfoSigningAlg: typeof registered['userinfo_signed_response_alg'] === 'string' ? registered['userinfo_signed_response_alg'] : settings.userInfoSigningAlg,
  };
}

/** The client as the provider knows it; see {@link ProviderClient.client}. */
export interface EffectiveClient {
  /** Empty only for a resource server without a client. */
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly authMethod: TokenEndpointAuthMethod;
  readonly idTokenSigningAlg: string;
  /** Set when UserInfo answers must be signed JWTs. */
  readonly userInfoSigningAlg: string | undefined;
}
