import * as oauth from 'oauth4webapi';
import type { ServerMetadata } from 'openid-client';
import type { ProviderFetch } from '../config/outbound-options.ts';
import { OidcError } from '../errors.ts';
import { boundedFetch, MAX_METADATA_BYTES } from './bounded-fetch.ts';
import { explainDiscoveryFailure } from './discovery-failure.ts';
import { toOidcError } from './provider-error.ts';

/**
 * An OpenID Provider's metadata, as its discovery document describes it
 * (OpenID Connect Discovery 1.0 §3).
 *
 * @example
 * ```ts
 * const metadata: ProviderMetadata = await discover('https://accounts.example.com');
 * if (metadata.end_session_endpoint === undefined) console.warn('logout ends the session here only');
 * ```
 */
export type ProviderMetadata = ServerMetadata;

/**
 * Options of {@link discover} and {@link findIssuer}.
 *
 * @example
 * ```ts
 * const metadata = await discover('http://localhost:8080/realms/dev', { timeout: 2000 }); // loopback http: allowed
 * ```
 */
export interface DiscoverOptions {
  /** Milliseconds to wait for the provider. Default 5000. */
  timeout?: number;
  /**
   * Allow plain http to loopback hosts (localhost, 127.0.0.1, [::1]), for a development provider
   * on this machine. Default: true when the issuer is such a host. Plain http to any other host is
   * always refused.
   */
  allowHttp?: boolean;
  /** The `fetch` the request is made with (a proxy's, a private CA's). Default: the runtime's `fetch`. */
  fetch?: ProviderFetch;
}

/** Members every OpenID Provider must publish (Discovery §3), here for the authorization code flow. */
const REQUIRED_MEMBERS = [
  'authorization_endpoint', 'token_endpoint', 'jwks_uri',
  'response_types_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported',
] as const;
/** Endpoints oidc-kit may call, or send a browser to: https only (loopback http in development). */
const ENDPOINT_MEMBERS = [
  'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'registration_endpoint',
  'introspection_endpoint', 'revocation_endpoint', 'end_session_endpoint',
] as const;

/**
 * Fetches and checks an OpenID Provider's metadata from `<issuer>/.well-known/openid-configuration`
 * (Flask-OIDC: `discover_OP_information`). The document's `issuer` must be the given issuer exactly,
 * character for character (no trailing-slash or case folding), it must have the members the code
 * flow needs, its endpoints must be https, and it must fit in 512 KB.
 *
 * Rejects with an {@link OidcError}: `discovery_issuer_mismatch`, `provider_error` (unusable
 * document; `reason` names the member) or `provider_unavailable` (unreachable, timeout).
 *
 * @example
 * ```ts
 * const metadata = await discover('https://accounts.example.com');
 * metadata.token_endpoint; // 'https://accounts.example.com/oauth/token'
 * ```
 */
export async function discover(issuer: string, options: DiscoverOptions = {}): Promise<ProviderMetadata> {
  const url = issuerUrl(issuer, options);
  const allowHttp = (options.allowHttp ?? true) && isLoopback(url);
  let metadata: ProviderMetadata;
  try {
    const response = await oauth.discoveryRequest(url, {
      algorithm: 'oidc',
      signal: AbortSignal.timeout(options.timeout ?? 5000),
      [oauth.customFetch]: boundedFetch(MAX_METADATA_BYTES, options.fetch),
      [oauth.allowInsecureRequests]: allowHttp,
    });
    // The issuer is compared exactly, before oauth4webapi parses it as a URL (which would answer an
    // unparseable one, e.g. "https://op.example:443INVALID", with a generic error).
    const announced = await announcedIssuer(response.clone());
    if (announced !== undefined && announced !== issuer) throw issuerMismatch(announced, issuer);
    metadata = await oauth.processDiscoveryResponse(url, response);
  } catch (error) {
    throw explainDiscoveryFailure(toOidcError(error, 'discovery'), url, error, options.timeout ?? 5000);
  }
  // oauth4webapi compares issuers as parsed URLs; Discovery §4.3 wants the exact string, which is
  // also what ID tokens' `iss` is compared with.
  if (metadata.issuer !== issuer) throw issuerMismatch(metadata.issuer, issuer);
  checkMetadata(metadata, allowHttp);
  return metadata;
}

/**
 * Checks a provider's metadata the way {@link discover} does: required members present with the
 * right JSON types, and every endpoint an https URL (http only to a loopback host, when `allowHttp`).
 *
 * @example
 * ```ts
 * checkMetadata(await (await fetch(url)).json(), false); // throws OidcError provider_error
 * ```
 */
export function checkMetadata(metadata: ProviderMetadata, allowHttp: boolean): void {
  const record = metadata as unknown as Record<string, unknown>;
  for (const member of REQUIRED_MEMBERS) {
    if (record[member] === undefined) throw unusable(member, `has no "${member}"`);
  }
  for (const [member, value] of Object.entries(record)) {
    if (member.endsWith('_supported') && !Array.isArray(value) && typeof value !== 'boolean') {
      throw unusable(member, `has a "${member}" that is neither a list nor a boolean`);
    }
    if (member.endsWith('_values_supported') || member.endsWith('_types_supported') || member === 'scopes_supported') {
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw unusable(member, `has a "${member}" that is not a list of strings`);
    }
  }
  for (const member of ENDPOINT_MEMBERS) {
    const value = record[member];
    if (value === undefined) continue;
    let endpoint: URL;
    try {
      if (typeof value !== 'string') throw new TypeError();
      endpoint = new URL(value);
    } catch {
      throw unusable(member, `has a "${member}" that is not a URL`);
    }
    if (endpoint.protocol !== 'https:' && !(allowHttp && endpoint.protocol === 'http:' && isLoopback(endpoint))) {
      throw unusable(member, `has a "${member}" that is not https`);
    }
  }
}

/** The issuer as a URL, refusing what Discovery §3 forbids: http (outside development), a query, a fragment. */
function issuerUrl(issuer: string, options: DiscoverOptions): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new OidcError('provider_error', `"${issuer}" is not a URL; an issuer looks like https://accounts.example.com.`, { reason: 'issuer' });
  }
  const httpAllowed = (options.allowHttp ?? true) && isLoopback(url);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && httpAllowed)) {
    throw new OidcError('provider_error', `The issuer "${issuer}" must be an https URL (plain http only for a provider on localhost).`, { reason: 'issuer' });
  }
  if (url.search !== '' || url.hash !== '' || issuer.includes('?') || issuer.includes('#')) {
    throw new OidcError('provider_error', `The issuer "${issuer}" must not have a query or a fragment.`, { reason: 'issuer' });
  }
  return url;
}

/** Whether a URL's host is this machine (development providers). */
export function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
}

function unusable(member: string, problem: string): OidcError {
  return new OidcError('provider_error', `The provider's discovery document ${problem}.`, { reason: `metadata:${member}` });
}

function issuerMismatch(announced: string, issuer: string): OidcError {
  return new OidcError('discovery_issuer_mismatch', `The provider's issuer is "${announced}", not "${issuer}" (issuers must match exactly); set the issuer option to exactly "${announced}" if that is the provider you mean.`);
}

/** The `issuer` string of a discovery answer, or undefined when it has none (its other faults are oauth4webapi's to report). */
async function announcedIssuer(response: Response): Promise<string | undefined> {
  if (response.status !== 200) return undefined;
  try {
    const document: unknown = await response.json();
    const issuer = typeof document === 'object' && document !== null ? (document as Record<string, unknown>)['issuer'] : undefined;
    return typeof issuer === 'string' ? issuer : undefined;
  } catch {
    return undefined;
  }
}
