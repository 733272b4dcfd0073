/**
 * Signs DPoP proofs (RFC 9449 §4) with sessions' keys: for the provider's endpoints through
 * openid-client's DPoP handle, and for the app's calls to its APIs (`req.oidc.fetch`) directly.
 */
import { hash, randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { base64url, importJWK, type JWK, SignJWT } from 'jose';
import type { DpopKey } from './dpop-key.ts';
import { DpopNonceBook } from './dpop-nonce-book.ts';

/** At most this many sessions' imported keys are kept; importing one again costs about 0.1 ms. */
const MAX_IMPORTED_KEYS = 1000;
/** The private members of an EC, OKP or RSA JWK: never in a proof's header. */
const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']);

/**
 * One provider's DPoP signer: the nonces its servers gave (shared by every session) and the
 * sessions' keys, imported once.
 *
 * @example
 * ```ts
 * const signer = new DpopSigner();
 * await client.refreshTokenGrant(configuration, refreshToken, undefined, { DPoP: await signer.handle(configuration, key) });
 * headers.set('dpop', await signer.proof(key, 'GET', new URL('https://api.example/orders'), accessToken));
 * ```
 */
export class DpopSigner {
  /** The servers' nonces by origin: the provider's, and those of the APIs the app calls. */
  readonly nonces = new DpopNonceBook();
  readonly #pairs = new Map<string, Promise<CryptoKeyPair>>();

  /**
   * openid-client's DPoP handle for `key`: its proofs carry the nonce the server gave last (to any
   * session), and openid-client answers a `use_dpop_nonce` challenge by retrying once.
   */
  async handle(configuration: client.Configuration, key: DpopKey): Promise<client.DPoPHandle> {
    const pair = await this.#pair(key);
    return client.getDPoPHandle(configuration, pair, {
      [client.modifyAssertion]: (_header: Record<string, unknown>, payload: Record<string, unknown>) => {
        // The handle's own nonce (from this call's challenge) wins; otherwise what the server said last.
        if (payload['nonce'] === undefined && typeof payload['htu'] === 'string') {
          const nonce = this.nonces.get(payload['htu']);
          if (nonce !== undefined) payload['nonce'] = nonce;
        }
      },
    });
  }

  /**
   * A proof for one request to a resource server: `htm` the method, `htu` the URL without query
   * and fragment (RFC 9449 §4.2), `ath` the hash of the access token, and the server's last nonce.
   */
  async proof(key: DpopKey, method: string, url: URL, accessToken: string): Promise<string> {
    const pair = await this.#pair(key);
    const nonce = this.nonces.get(url);
    return new SignJWT({
      jti: base64url.encode(randomBytes(16)),
      htm: method.toUpperCase(),
      htu: `${url.origin}${url.pathname}`,
      ath: hash('sha256', accessToken, 'base64url'),
      ...(nonce === undefined ? {} : { nonce }),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: publicJwk(key.jwk) })
      .setIssuedAt()
      .sign(pair.privateKey);
  }

  /** The key pair of `key`, imported once (the public half extractable: openid-client puts it in the header). */
  #pair(key: DpopKey): Promise<CryptoKeyPair> {
    // The public key identifies the pair (EC and OKP keys both have x); it is no secret.
    const id = String(key.jwk.x);
    let pair = this.#pairs.get(id);
    if (pair === undefined) {
      pair = importPair(key);
      // A key that failed to import is not kept: the next use tries again (and fails the same way, loudly).
      pair.catch(() => this.#pairs.delete(id));
      if (this.#pairs.size >= MAX_IMPORTED_KEYS) {
        const oldest = this.#pairs.keys().next().value;
        if (oldest !== undefined) this.#pairs.delete(oldest);
      }
      this.#pairs.set(id, pair);
    }
    return pair;
  }
}

async function importPair(key: DpopKey): Promise<CryptoKeyPair> {
  const [privateKey, publicKey] = await Promise.all([
    importJWK(key.jwk, key.alg),
    importJWK(publicJwk(key.jwk), key.alg, { extractable: true }),
  ]);
  return { privateKey: privateKey as CryptoKey, publicKey: publicKey as CryptoKey };
}

/** The public half of a private JWK. */
function publicJwk(jwk: JWK): JWK {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(jwk)) if (!PRIVATE_MEMBERS.has(name) && name !== 'key_ops' && name !== 'ext') result[name] = value;
  return result;
}
