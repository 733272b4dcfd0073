import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';

/**
 * Signing keys the tests hand to the dev provider (`configuration.jwks`), so that a test can also
 * sign tokens the provider's published JWKS verifies — with claims of the test's choosing.
 */
export interface ProviderKeys {
  /** Private JWKs for oidc-provider's `jwks` option. */
  jwks: { keys: JWK[] };
  /** Signs a payload with the provider's RS256 key (or its ES256 key, a valid key of the wrong type). */
  sign(payload: JWTPayload, alg?: 'RS256' | 'ES256'): Promise<string>;
}

/**
 * Generates an RS256 and an ES256 key pair.
 *
 * @example
 * ```ts
 * const keys = await makeProviderKeys();
 * const op = await startDevProvider({ clients, configuration: { jwks: keys.jwks } });
 * ```
 */
export async function makeProviderKeys(): Promise<ProviderKeys> {
  const keys: JWK[] = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    keys.push({ ...(await exportJWK(privateKey)), kid: `test-${alg}-${randomBytes(4).toString('hex')}`, use: 'sig', alg });
  }
  return {
    jwks: { keys },
    async sign(payload, alg = 'RS256') {
      const jwk = keys.find((k) => k.alg === alg)!;
      return new SignJWT(payload).setProtectedHeader({ alg, kid: jwk.kid! }).sign(await importJWK(jwk, alg));
    },
  };
}
