/**
 * The DPoP fixture: oidc-provider (in process, `features.dPoP` on) issuing DPoP-bound access
 * tokens by client credentials — JWTs for one resource, opaque tokens (introspected, their answer
 * carrying `cnf.jkt`) for another — and a real client key pair that makes proofs with jose. No
 * mocks: the provider, the API and every proof are the real thing, over real HTTP.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { Configuration } from 'oidc-provider';
import { startDevProvider, type DevProvider } from '../../src/dev-provider/dev-provider.ts';
import { hash } from 'node:crypto';
import { request as httpRequest } from 'node:http';

export const JWT_API = 'https://jwt-api.example.test/';
export const OPAQUE_API = 'https://opaque-api.example.test/';
export const DPOP_CLIENT_ID = 'dpop-client';
export const DPOP_CLIENT_SECRET = 'dpop-client-secret-0123456789-abcdef';

const PROVIDER: Partial<Configuration> = {
  scopes: ['openid', 'read'],
  features: {
    clientCredentials: { enabled: true },
    dPoP: { enabled: true },
    resourceIndicators: {
      enabled: true,
      useGrantedResource: () => false,
      getResourceServerInfo: (_ctx, resource) => resource === JWT_API
        ? { scope: 'read', audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }
        : { scope: 'read', audience: resource, accessTokenFormat: 'opaque' },
    },
  },
};

/** A client's DPoP key pair and what it makes proofs with. */
export interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly alg: string;
  readonly jkt: string;
}

/**
 * A fresh key pair for DPoP proofs.
 *
 * @example
 * ```ts
 * const key = await dpopKey('ES256');
 * ```
 */
export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, alg, jkt: await calculateJwkThumbprint(publicJwk) };
}

/** What a test proof may change: any claim or header member (`undefined` leaves it out). */
export interface ProofOverrides {
  readonly claims?: Record<string, unknown>;
  readonly header?: Record<string, unknown>;
  /** Sign with this key instead (the header's jwk stays the given key's). */
  readonly signWith?: CryptoKey;
}

/**
 * A DPoP proof (RFC 9449 §4.2) for `method` and `url`, bound to `accessToken` (ath) when given.
 *
 * @example
 * ```ts
 * const proof = await makeProof(key, 'GET', `${api.url}/api`, token);
 * ```
 */
export async function makeProof(key: DpopKey, method: string, url: string, accessToken?: string, overrides: ProofOverrides = {}): Promise<string> {
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    htm: method,
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    ...(accessToken === undefined ? {} : { ath: hash('sha256', accessToken, 'base64url') }),
    ...overrides.claims,
  };
  const header: Record<string, unknown> = { alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk, ...overrides.header };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name];
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(overrides.signWith ?? key.privateKey);
}

/** The provider that issues DPoP-bound tokens. */
export interface DpopProvider {
  readonly op: DevProvider;
  /** A DPoP-bound access token for `resource`, bound to `key` (client credentials, with a proof to the token endpoint). */
  boundToken(key: DpopKey, resource: string): Promise<string>;
  /** A plain Bearer access token for `resource`. */
  bearerToken(resource: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts oidc-provider with DPoP, client credentials and the two resources.
 *
 * @example
 * ```ts
 * const provider = await startDpopProvider();
 * const token = await provider.boundToken(key, JWT_API);
 * ```
 */
export async function startDpopProvider(): Promise<DpopProvider> {
  const op = await startDevProvider({
    clients: [{
      client_id: DPOP_CLIENT_ID,
      client_secret: DPOP_CLIENT_SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'read',
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    configuration: PROVIDER,
  });
  const tokenUrl = `${op.issuer}/token`;
  const token = async (resource: string, proof: string | undefined): Promise<string> => {
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${DPOP_CLIENT_ID}:${DPOP_CLIENT_SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        ...(proof === undefined ? {} : { dpop: proof }),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read', resource }).toString(),
    });
    const body = await response.json() as { access_token?: string; token_type?: string };
    if (response.status !== 200 || body.access_token === undefined) throw new Error(`token endpoint: ${response.status} ${JSON.stringify(body)}`);
    return body.access_token;
  };
  return {
    op,
    boundToken: async (key, resource) => token(resource, await makeProof(key, 'POST', tokenUrl)),
    bearerToken: (resource) => token(resource, undefined),
    close: () => op.close(),
  };
}

/** An API's answer as a DPoP test reads it. */
export interface DpopAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: Record<string, unknown> | undefined;
  /** `WWW-Authenticate`, or undefined. */
  readonly challenge: string | undefined;
  /** `DPoP-Nonce`, or undefined. */
  readonly nonce: string | undefined;
}

/** What {@link call} sends. */
export interface CallOptions {
  readonly method?: string;
  readonly authorization?: string;
  /** One proof, or several to send as several `DPoP` header lines. */
  readonly dpop?: string | readonly string[];
  /** A `Host` header of the client's choosing (what a spoofing client sends). */
  readonly host?: string;
}

/**
 * One request over node:http (which, unlike fetch, sends any Host header and repeated headers).
 *
 * @example
 * ```ts
 * const answer = await call(`${api}/api`, { authorization: `DPoP ${token}`, dpop: proof });
 * ```
 */
export function call(url: string, options: CallOptions = {}): Promise<DpopAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET' }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { text += chunk; });
      response.on('end', () => {
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        const header = (name: string): string | undefined => [response.headers[name] ?? []].flat().join(', ') || undefined;
        resolve({ status: response.statusCode ?? 0, headers: response.headers, json, challenge: header('www-authenticate'), nonce: header('dpop-nonce') });
      });
    });
    request.on('error', reject);
    if (options.authorization !== undefined) request.setHeader('authorization', options.authorization);
    if (options.dpop !== undefined) request.setHeader('dpop', typeof options.dpop === 'string' ? options.dpop : [...options.dpop]);
    if (options.host !== undefined) request.setHeader('host', options.host);
    request.end();
  });
}

/**
 * Fails unless the answer is the DPoP refusal expected: 401, the code and reason in the body, and a
 * `DPoP` challenge that carries the error and the algorithms, beside a bare `Bearer` one (`bearer: false`: alone).
 *
 * @example
 * ```ts
 * assertDpopRefusal(await call(url, { authorization: `DPoP ${token}` }), 'invalid_dpop_proof', 'proof_missing');
 * ```
 */
export function assertDpopRefusal(response: DpopAnswer, code: string, reason: string, bearer = true): void {
  assert.equal(response.status, 401, JSON.stringify(response.json));
  assert.equal(response.json?.['error'], code);
  assert.equal(response.json?.['reason'], reason);
  const challenge = response.challenge ?? '';
  assert.match(challenge, new RegExp(`^${bearer ? 'Bearer realm="api", ' : ''}DPoP realm="api", error="[a-z_]+", error_description="[^"]*", algs="ES256 PS256 EdDSA Ed25519"(, resource_metadata="[^"]+")?$`), challenge);
  assert.ok(challenge.includes(`error="${code}"`), challenge);
}

