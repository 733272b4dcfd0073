/**
 * DPoP credentials for the DPoP apps (RFC 9449): a client key pair, an access token bound to it by
 * the provider (client credentials with a proof, so the JWT carries `cnf.jkt`), and proofs for the
 * apps' route, each with its own `jti`. The load generator cannot sign, and every proof is good for
 * one request (the apps record each `jti`), so the runner makes a pool of proofs before each load
 * (`proofPool`) and the load generator sends each once.
 *
 * @example
 * ```ts
 * const key = dpopClientKey();
 * const token = await boundClientCredentials(API_JWT, key);
 * const proofs = proofPool(key, `${appUrl('oidc-kit-dpop-jwt')}/protected`, token, 50_000);
 * ```
 */
import { generateKeyPairSync, hash, type KeyObject, randomBytes, sign } from 'node:crypto';
import { CLIENT_ID, CLIENT_SECRET, ISSUER } from './config.ts';

/**
 * A client's DPoP key: an ES256 (P-256) key pair, its public JWK and the JWS header every proof
 * made with it carries (encoded once).
 *
 * @example
 * ```ts
 * const { jkt } = dpopClientKey();
 * ```
 */
export interface DpopClientKey {
  readonly privateKey: KeyObject;
  readonly publicJwk: { kty: string; crv: string; x: string; y: string };
  /** RFC 7638 thumbprint of the public key: the token's `cnf.jkt`. */
  readonly jkt: string;
  /** The proofs' protected header, base64url: `{"typ":"dpop+jwt","alg":"ES256","jwk":{…}}`. */
  readonly header: string;
}

/**
 * A new ES256 key pair for proofs.
 *
 * @example
 * ```ts
 * const key = dpopClientKey();
 * ```
 */
export function dpopClientKey(): DpopClientKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string };
  const publicJwk = { kty, crv, x, y };
  // RFC 7638: the required members in lexicographic order, no spaces.
  const jkt = hash('sha256', JSON.stringify({ crv, kty, x, y }), 'base64url');
  const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk })).toString('base64url');
  return { privateKey, publicJwk, jkt, header };
}

/**
 * One proof for `method` and `htu`, naming `accessToken` (`ath`) when given. Signed with node:crypto
 * (synchronous, no WebCrypto job per proof), since the runner makes hundreds of thousands of them.
 *
 * @example
 * ```ts
 * const proof = makeDpopProof(key, 'POST', `${ISSUER}/token`, undefined, 'jti-1');
 * ```
 */
export function makeDpopProof(key: DpopClientKey, method: string, htu: string, accessToken: string | undefined, jti: string, iat = Math.floor(Date.now() / 1000)): string {
  const claims = { jti, htm: method, htu, iat, ...(accessToken === undefined ? {} : { ath: hash('sha256', accessToken, 'base64url') }) };
  const input = `${key.header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * A DPoP-bound access token from the provider: client credentials (RFC 8707 `resource`) with a
 * proof of `key`, so the provider binds the token to it (`cnf.jkt`, `token_type: DPoP`).
 *
 * @example
 * ```ts
 * const token = await boundClientCredentials(API_JWT, key); // a JWT whose cnf.jkt is key.jkt
 * ```
 */
export async function boundClientCredentials(resource: string, key: DpopClientKey): Promise<string> {
  const tokenUrl = `${ISSUER}/token`;
  const answer = await fetch(tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      dpop: makeDpopProof(key, 'POST', tokenUrl, undefined, randomBytes(16).toString('base64url')),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'api:read' }),
  });
  const body = await answer.json() as { access_token?: string; token_type?: string };
  if (body.access_token === undefined || body.token_type !== 'DPoP') throw new Error(`client_credentials with DPoP failed: ${JSON.stringify(body)}`);
  const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1] ?? '', 'base64url').toString()) as { cnf?: { jkt?: string } };
  if (claims.cnf?.jkt !== key.jkt) throw new Error(`the provider's token is not bound to the proof's key: cnf ${JSON.stringify(claims.cnf)}`);
  return body.access_token;
}

/**
 * `count` proofs for `GET htu` with `accessToken`, every one with a `jti` never used before (a
 * random prefix per pool and a counter), all with `iat` now: made just before a load, they stay
 * inside the apps' window (`maxAge` 60 s) for any round shorter than that.
 *
 * @example
 * ```ts
 * const proofs = proofPool(key, 'http://127.0.0.1:4329/protected', token, 40_000);
 * ```
 */
export function proofPool(key: DpopClientKey, htu: string, accessToken: string, count: number): string[] {
  const prefix = randomBytes(9).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const proofs: string[] = [];
  for (let i = 0; i < count; i++) proofs.push(makeDpopProof(key, 'GET', htu, accessToken, `${prefix}-${i}`, iat));
  return proofs;
}
