/**
 * `resourceServer.dpop` and `resourceServer.metadata` resolved and checked at start-up: DPoP
 * (RFC 9449) proof rules and RFC 9728 protected-resource metadata. Every refusal names the option
 * and the fix.
 */
import { ConfigurationError } from '../errors.ts';
import { ASYMMETRIC_ALGORITHMS } from '../jws-algorithms.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { OpenIDConnectOptions } from './options.ts';
import type { DpopMode } from './resource-server-options.ts';
import type { PublicSite } from './resolved-config.ts';
import { checkStore, isLoopbackHttp, positiveSeconds } from './validate.ts';

/**
 * Proof algorithms accepted by default: FAPI 2.0 Security Profile §5.4's set, EdDSA also by its
 * fully specified name Ed25519 (RFC 9864), which openid-client's proofs carry. RS256 (PKCS#1 v1.5)
 * is left out as FAPI does, but may be listed; `none` and HS* never (a proof is checked with the
 * public key it carries, so a symmetric algorithm would prove nothing).
 */
export const DEFAULT_DPOP_ALGORITHMS = ['ES256', 'PS256', 'EdDSA', 'Ed25519'] as const;
const MODES: readonly DpopMode[] = ['off', 'allowed', 'required'];

/**
 * The DPoP rules the resource server runs on.
 *
 * @example
 * ```ts
 * const dpop: DpopSettings = { mode: 'allowed', algorithms: ['ES256'], maxAge: 60, requireNonce: false, nonceLifetime: 300, replayStore: undefined, unavailable: undefined };
 * ```
 */
export interface DpopSettings {
  /** The default mode of `acceptToken()` routes. */
  readonly mode: DpopMode;
  readonly algorithms: readonly string[];
  /** Seconds a proof is good for after its `iat`. */
  readonly maxAge: number;
  readonly requireNonce: boolean;
  readonly nonceLifetime: number;
  /** The shared store of used proofs; undefined: the in-process cache. */
  readonly replayStore: SessionStore | undefined;
  /** Why no route may turn DPoP on (API-only mode without `baseUrl`); undefined: any may. */
  readonly unavailable: string | undefined;
}

/**
 * RFC 9728 metadata as served: the document and where it lives.
 *
 * @example
 * ```ts
 * settings.path; // '/.well-known/oauth-protected-resource'
 * ```
 */
export interface MetadataSettings {
  /** The path the app serves the document on. */
  readonly path: string;
  /** The document's absolute URL, for `resource_metadata` in challenges. */
  readonly url: string;
  readonly resource: string;
  /** `undefined`: the resource server provider's issuer. */
  readonly authorizationServers: readonly string[] | undefined;
  readonly scopes: readonly string[] | undefined;
  readonly resourceName: string | undefined;
}

/** Where the well-known document lives (RFC 9728 §3). */
export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * `resourceServer.dpop` resolved: a mode string, or an object whose mode defaults to `'allowed'`.
 * A DPoP route checks `htu` against the app's public URL, so it needs a real `baseUrl`; nonces are
 * derived from `secret`, so they need one.
 *
 * @example
 * ```ts
 * resolveDpop(options, { sessionStore: undefined, hasBaseUrl: true, hasSecret: true }).mode; // 'off'
 * ```
 */
export function resolveDpop(options: OpenIDConnectOptions, context: { sessionStore: SessionStore | undefined; hasBaseUrl: boolean; hasSecret: boolean }): DpopSettings {
  const given: unknown = options.resourceServer?.dpop;
  const object = typeof given === 'object' && given !== null && !Array.isArray(given) ? given as Record<string, unknown> : undefined;
  if (given !== undefined && object === undefined && !MODES.includes(given as DpopMode)) {
    throw new ConfigurationError('resourceServer.dpop', 'use "off" (default), "allowed", "required", or an object such as { mode: "required", requireNonce: true }.');
  }
  const mode = object === undefined ? (given as DpopMode | undefined) ?? 'off' : object['mode'] ?? 'allowed';
  if (!MODES.includes(mode as DpopMode)) throw new ConfigurationError('resourceServer.dpop.mode', 'use "off", "allowed" or "required".');
  const algorithms = dpopAlgorithms('resourceServer.dpop.algorithms', object?.['algorithms']);
  const requireNonce = object?.['requireNonce'] ?? false;
  if (typeof requireNonce !== 'boolean') throw new ConfigurationError('resourceServer.dpop.requireNonce', 'must be true or false.');
  if (requireNonce && !context.hasSecret) {
    throw new ConfigurationError('secret', 'is needed with resourceServer.dpop.requireNonce: nonces are derived from it, so set the same secret (at least 32 characters) on every instance.');
  }
  const maxAge = positiveSeconds('resourceServer.dpop.maxAge', object?.['maxAge'] ?? 60);
  if (maxAge > 3600) throw new ConfigurationError('resourceServer.dpop.maxAge', 'must be at most 3600 seconds: a proof is for one request, now; every second of it is kept in the replay cache.');
  const nonceLifetime = positiveSeconds('resourceServer.dpop.nonceLifetime', object?.['nonceLifetime'] ?? 300);
  const replay = checkStore('resourceServer.dpop.replayStore', object?.['replayStore'] as SessionStore | undefined);
  if (replay !== undefined && typeof replay.add !== 'function') {
    throw new ConfigurationError('resourceServer.dpop.replayStore', 'needs add() (an atomic "set if absent", Redis SET NX): without it two instances could both accept one proof. Use a RedisStore.');
  }
  const unavailable = context.hasBaseUrl ? undefined : 'is needed with DPoP: a proof names the URL it was made for (htu), which is checked against the public URL of the API, never the request\'s Host header.';
  if (mode !== 'off' && unavailable !== undefined) throw new ConfigurationError('baseUrl', unavailable);
  // The session store is shared with DPoP only when every instance reaches it and it can add
  // atomically; a MemoryStore would have used proofs push sessions out.
  const shared = context.sessionStore !== undefined && context.sessionStore.inProcess !== true && typeof context.sessionStore.add === 'function' ? context.sessionStore : undefined;
  return { mode: mode as DpopMode, algorithms, maxAge, requireNonce, nonceLifetime, replayStore: replay ?? shared, unavailable };
}

/**
 * A list of DPoP proof algorithms (the resource server's, or a route's): asymmetric ones only.
 *
 * @example
 * ```ts
 * dpopAlgorithms('resourceServer.dpop.algorithms', ['ES256']); // ['ES256']
 * ```
 */
export function dpopAlgorithms(option: string, given: unknown): readonly string[] {
  if (given === undefined) return DEFAULT_DPOP_ALGORITHMS;
  if (!Array.isArray(given) || given.length === 0) throw new ConfigurationError(option, 'must be a non-empty array of JWS algorithms such as ["ES256"].');
  for (const alg of given as unknown[]) {
    if (typeof alg !== 'string' || !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new ConfigurationError(option, `"${String(alg)}" is not accepted: a DPoP proof is checked with the public key it carries, so only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}) prove possession; never "none" or HS*.`);
    }
  }
  return Object.freeze([...(given as string[])]);
}

/**
 * `resourceServer.metadata` resolved: `undefined` when off (the default). The resource identifier
 * must be a URL of this app — one of its `baseUrl` origins, whose path is the root — since the
 * document is served by the app at a path derived from it (RFC 9728 §3.1).
 *
 * @example
 * ```ts
 * resolveMetadata({ resourceServer: { metadata: true } }, sites, true)?.url; // 'https://api.example.com/.well-known/oauth-protected-resource'
 * ```
 */
export function resolveMetadata(options: OpenIDConnectOptions, sites: readonly PublicSite[], hasBaseUrl: boolean): MetadataSettings | undefined {
  const given: unknown = options.resourceServer?.metadata;
  if (given === undefined || given === false) return undefined;
  if (given !== true && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new ConfigurationError('resourceServer.metadata', 'must be true, false (default) or an object such as { resource: "https://api.example.com", scopes: ["read"] }.');
  }
  const object = given === true ? {} : given as Record<string, unknown>;
  if (object['resource'] === undefined && !hasBaseUrl) {
    throw new ConfigurationError('resourceServer.metadata.resource', 'is needed without baseUrl: the https URL clients call this API at, e.g. "https://api.example.com".');
  }
  const first = sites[0]!.baseUrl;
  const text = object['resource'] ?? `${first.origin}${first.pathname === '/' ? '' : first.pathname.replace(/\/$/, '')}`;
  if (typeof text !== 'string') throw new ConfigurationError('resourceServer.metadata.resource', 'must be an absolute https URL such as "https://api.example.com".');
  let resource: URL;
  try {
    resource = new URL(text);
  } catch {
    throw new ConfigurationError('resourceServer.metadata.resource', 'must be an absolute https URL such as "https://api.example.com".');
  }
  if (resource.hash !== '' || resource.search !== '' || (resource.protocol !== 'https:' && !isLoopbackHttp(resource))) {
    throw new ConfigurationError('resourceServer.metadata.resource', 'must be an https URL without query or fragment (RFC 9728 section 1.2), e.g. "https://api.example.com".');
  }
  const site = sites.find((s) => s.origin === resource.origin);
  if (site === undefined || site.baseUrl.pathname !== '/') {
    throw new ConfigurationError('resourceServer.metadata.resource', `must be on a baseUrl origin served from its root (${sites.map((s) => s.origin).join(', ')}): the document lives at that origin's ${PROTECTED_RESOURCE_WELL_KNOWN}; serve it from your proxy otherwise, and set metadata: false.`);
  }
  // RFC 9728 §3.1: the well-known segment goes between the host and the path, a trailing slash dropped.
  const path = `${PROTECTED_RESOURCE_WELL_KNOWN}${resource.pathname === '/' ? '' : resource.pathname.replace(/\/$/, '')}`;
  return {
    path,
    url: `${resource.origin}${path}`,
    resource: text,
    authorizationServers: stringList('resourceServer.metadata.authorizationServers', object['authorizationServers']),
    scopes: stringList('resourceServer.metadata.scopes', object['scopes']),
    resourceName: optionalString('resourceServer.metadata.resourceName', object['resourceName']),
  };
}

function stringList(option: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) throw new ConfigurationError(option, 'must be an array of non-empty strings.');
  return Object.freeze([...(value as string[])]);
}

function optionalString(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new ConfigurationError(option, 'must be a non-empty string.');
  return value;
}
